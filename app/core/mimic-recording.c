/* mimic-recording.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-recording"

#include "config.h"

#include "mimic-recording.h"

G_DEFINE_QUARK (mimic-recording-error-quark, mimic_recording_error)

void
mimic_recorded_message_free (MimicRecordedMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->topic);
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_free (message);
}
