/* fuzz-websocket-envelope.c — WebSocket frames against arbitrary bytes
 *
 * One input is one text frame, handed to a WebSocket feed that is never
 * started (mimic_websocket_feed_ingest_frame()), which unwraps the
 * envelope {"topic": ..., "payload": ...} and decodes the payload on the
 * calling thread with the feed's decoder, as for a frame from a server.
 * Every frame must be counted as one message, nothing may abort, and no
 * non-finite value may reach a batch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fuzz"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>

#include "mimic-websocket-feed.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static MimicWebSocketFeed *feed;

static void
configure_decoder (MimicTelemetryDecoder *decoder,
                   gpointer               user_data)
{
  mimic_telemetry_decoder_set_require_birth (decoder, FALSE);
  mimic_telemetry_decoder_set_max_devices (decoder, 8);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "flow", 0, 100);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "speed", 0, 3000);
  mimic_telemetry_decoder_add_binding (decoder, "acme/+/state", NULL, NULL, "temp",
                                       "/temp", 1, 0, "/time");
}

static void
check_batch (MimicFeed        *unused_feed,
             MimicUpdateBatch *batch,
             gpointer          user_data)
{
  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    g_assert_true (isfinite (mimic_update_batch_get_sample (batch, i)->value));
  for (guint i = 0; i < mimic_update_batch_get_n_parameters (batch); i++)
    g_assert_true (isfinite (mimic_update_batch_get_parameter (batch, i)->value));
}

static void
feed_free (void)
{
  g_clear_object (&feed);
}

static void
feed_ensure (void)
{
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (feed != NULL)
    return;

  connection = mimic_connection_new_for_url ("ws://127.0.0.1:1/mimic", &error);
  g_assert_no_error (error);
  feed = mimic_websocket_feed_new (connection, &error);
  g_assert_no_error (error);
  mimic_feed_set_decode_in_caller (MIMIC_FEED (feed), TRUE);
  mimic_feed_set_max_payload (MIMIC_FEED (feed), 4096);
  mimic_feed_configure_decoder (MIMIC_FEED (feed), configure_decoder, NULL);
  mimic_feed_set_batch_handler (MIMIC_FEED (feed), check_batch, NULL, NULL);
  atexit (feed_free);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  MimicFeedHealth before, after;

  feed_ensure ();

  mimic_feed_get_health (MIMIC_FEED (feed), &before);
  mimic_websocket_feed_ingest_frame (feed, data, size);
  mimic_feed_hand_over_due (MIMIC_FEED (feed));
  mimic_feed_get_health (MIMIC_FEED (feed), &after);

  g_assert_cmpuint (after.messages, ==, before.messages + 1);
  g_assert_cmpuint (after.bytes, >=, before.bytes);

  return 0;
}
