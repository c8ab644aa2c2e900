/* mimic-recording.h — the JSON Lines recording format shared by
 * MimicRecordingWriter and MimicRecordingReader
 *
 * A recording is UTF-8 text, one JSON object per line. The first line is a
 * header, every later line one received message:
 *
 *   {"format":"mimic-recording","version":1,"source":"mqtt://host:1883","root":"mimic","created_us":1767225600000000}
 *   {"t":1767225600012345,"topic":"mimic/pump-001/telemetry","payload":{"ts":...,"seq":1,"values":{"flow":12.5}}}
 *   {"t":1767225600013000,"topic":"mimic/pump-001/telemetry","payload_base64":"bm90IGpzb24="}
 *
 * "t" is when Mimic received the message (wall clock, µs since the epoch).
 * A payload that is JSON is stored as JSON; anything else (malformed input
 * is recorded too, so a replay is faithful) as base64.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MIMIC_RECORDING_FORMAT          "mimic-recording"
#define MIMIC_RECORDING_VERSION         1
/* Longest line a reader accepts and a writer produces; longer lines are
 * skipped so a hostile file cannot exhaust memory. */
#define MIMIC_RECORDING_MAX_LINE        (1024 * 1024)

#define MIMIC_RECORDING_ERROR (mimic_recording_error_quark ())

typedef enum
{
  MIMIC_RECORDING_ERROR_IO,
  MIMIC_RECORDING_ERROR_NOT_A_RECORDING,   /* no or a wrong header */
  MIMIC_RECORDING_ERROR_UNSUPPORTED_VERSION,
  MIMIC_RECORDING_ERROR_MALFORMED_LINE,    /* skipped; reading goes on */
  MIMIC_RECORDING_ERROR_LINE_TOO_LONG,     /* skipped; reading goes on */
  MIMIC_RECORDING_ERROR_MESSAGE_TOO_LARGE, /* not written */
  MIMIC_RECORDING_ERROR_CLOSED,
} MimicRecordingError;

GQuark mimic_recording_error_quark (void);

typedef struct
{
  gint64  received_us;
  char   *topic;
  GBytes *payload;
  guint64 line;          /* 1-based line number in the file */
} MimicRecordedMessage;

void mimic_recorded_message_free (MimicRecordedMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicRecordedMessage, mimic_recorded_message_free)

G_END_DECLS
