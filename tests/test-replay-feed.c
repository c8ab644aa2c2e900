/* test-replay-feed.c — record a live WebSocket feed, replay it, and check
 * that what comes out is what went in, paced and shifted to now
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-replay-feed"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "mimic-recording-writer.h"
#include "mimic-replay-feed.h"
#include "mimic-test-feed-utils.h"
#include "mimic-websocket-feed.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("mimic-replay-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "feed.jsonl", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_remove (fixture->path);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static gboolean
is_finished (MimicFeed *feed,
             gpointer   data)
{
  return mimic_replay_feed_is_finished (MIMIC_REPLAY_FEED (feed));
}

/* Writes a birth for "dev" at @t0_us, then telemetry every @step_us with
 * value i and a "ts" 1 ms before it was received. */
static void
write_recording (const char *path,
                 gint64      t0_us,
                 guint       n_telemetry,
                 gint64      step_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicRecordingWriter) writer = mimic_recording_writer_new (path, "ws://127.0.0.1:1/feed", "mimic", &error);
  const char birth[] = "{\"asset_type\": \"pump\"}";

  g_assert_no_error (error);
  g_assert_true (mimic_recording_writer_write_message (writer, "mimic/dev/birth",
                                                       (const guint8 *) birth, strlen (birth), t0_us, &error));
  for (guint i = 0; i < n_telemetry; i++)
    {
      gint64 t = t0_us + i * step_us;
      g_autofree char *payload = g_strdup_printf ("{\"ts\": %" G_GINT64_FORMAT ", \"seq\": %u, \"values\": {\"flow\": %u}}",
                                                  t / 1000 - 1, i + 1, i);

      g_assert_true (mimic_recording_writer_write_message (writer, "mimic/dev/telemetry",
                                                           (const guint8 *) payload, strlen (payload), t, &error));
    }
  g_assert_true (mimic_recording_writer_close (writer, &error));
}

static MimicFeed *
replay_feed (const char         *path,
             MimicTestCollector **collector)
{
  g_autoptr(GError) error = NULL;
  MimicReplayFeed *feed = mimic_replay_feed_new (path, &error);

  g_assert_no_error (error);
  *collector = mimic_test_collector_attach (MIMIC_FEED (feed));

  return MIMIC_FEED (feed);
}

/* Record and replay */

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *message,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  GPtrArray *connections = user_data;
  gint64 now_ms = g_get_real_time () / 1000;

  g_ptr_array_add (connections, g_object_ref (connection));
  soup_websocket_connection_send_text (connection, "{\"topic\": \"mimic/pump-7/birth\", \"payload\": {\"asset_type\": \"pump\"}}");
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"topic\": \"mimic/pump-7/telemetry\", \"payload\": "
                                               "{\"ts\": %" G_GINT64_FORMAT ", \"seq\": %u, \"values\": {\"flow\": %g, \"speed\": %u}}}",
                                               now_ms - 20 + i, i + 1, 10.0 + i / 4.0, 1400 + i);

      soup_websocket_connection_send_text (connection, text);
    }
  /* Refused live, so refused in replay too. */
  soup_websocket_connection_send_text (connection, "{\"topic\": \"mimic/pump-7/telemetry\", \"payload\": {\"values\": {\"flow\": \"NaN\"}}}");
}

static void
record_tap (MimicFeed    *feed,
            const char   *topic,
            const guint8 *payload,
            gsize         length,
            gint64        received_us,
            gpointer      user_data)
{
  g_assert_true (mimic_recording_writer_write_message (user_data, topic, payload, length, received_us, NULL));
}

static void
strip_timestamps (GPtrArray *samples)
{
  for (guint i = 0; i < samples->len; i++)
    *strchr (g_ptr_array_index (samples, i), '@') = '\0';
}

static void
test_replay_feed_record_then_replay (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(MimicFeed) live = NULL;
  g_autoptr(MimicFeed) replay = NULL;
  g_autoptr(MimicRecordingWriter) writer = NULL;
  g_autoptr(GPtrArray) live_samples = NULL;
  g_autoptr(GPtrArray) replay_samples = NULL;
  g_autofree char *url = NULL;
  MimicTestCollector *live_collector;
  MimicTestCollector *replay_collector;
  MimicFeedHealth live_health, replay_health;
  MimicSample live_sample, replay_sample;

  soup_server_add_websocket_handler (server, "/feed", NULL, NULL, on_websocket, connections, NULL);
  soup_server_listen (server, address, 0, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/feed", mimic_test_soup_server_get_port (server));

  connection = mimic_connection_new_for_url (url, &error);
  live = MIMIC_FEED (mimic_websocket_feed_new (connection, &error));
  g_assert_no_error (error);
  live_collector = mimic_test_collector_attach (live);
  writer = mimic_recording_writer_new (fixture->path, url, mimic_feed_get_root (live), &error);
  g_assert_no_error (error);
  mimic_feed_set_message_tap (live, record_tap, g_object_ref (writer), g_object_unref);

  g_assert_true (mimic_test_start_feed (live, &error));
  g_assert_true (mimic_test_wait_for (live, mimic_test_feed_has_messages, GUINT_TO_POINTER (22)));
  mimic_feed_stop (live);
  mimic_feed_set_message_tap (live, NULL, NULL, NULL);
  g_assert_true (mimic_recording_writer_close (writer, &error));
  g_assert_cmpuint (mimic_recording_writer_get_n_messages (writer), ==, 22);

  /* Let the clock move on, so shifted times are told from recorded ones. */
  g_usleep (50 * 1000);

  replay = replay_feed (fixture->path, &replay_collector);
  g_assert_cmpstr (mimic_replay_feed_get_source (MIMIC_REPLAY_FEED (replay)), ==, url);
  mimic_replay_feed_set_speed (MIMIC_REPLAY_FEED (replay), 100.0);
  g_assert_true (mimic_test_start_feed (replay, &error));
  g_assert_true (mimic_test_wait_for (replay, is_finished, NULL));
  mimic_feed_flush (replay);
  g_assert_cmpint (mimic_feed_get_state (replay), ==, MIMIC_FEED_STATE_DISCONNECTED);

  /* The same devices, sensors and values in the same order... */
  live_samples = mimic_test_collector_dup_samples (live_collector);
  replay_samples = mimic_test_collector_dup_samples (replay_collector);
  g_assert_cmpuint (live_samples->len, ==, 40);
  g_assert_true (mimic_test_collector_find_sample (live_collector, "pump-7", "flow", &live_sample));
  g_assert_true (mimic_test_collector_find_sample (replay_collector, "pump-7", "flow", &replay_sample));
  strip_timestamps (live_samples);
  strip_timestamps (replay_samples);
  g_assert_cmpuint (replay_samples->len, ==, live_samples->len);
  for (guint i = 0; i < live_samples->len; i++)
    g_assert_cmpstr (g_ptr_array_index (replay_samples, i), ==, g_ptr_array_index (live_samples, i));

  /* ...with times moved to now, and the same refusals. */
  g_assert_cmpfloat (replay_sample.value, ==, live_sample.value);
  g_assert_cmpint (replay_sample.timestamp_us, >=, live_sample.timestamp_us + 50 * 1000);
  g_assert_cmpint (replay_sample.timestamp_us, <=, g_get_real_time ());
  mimic_feed_get_health (live, &live_health);
  mimic_feed_get_health (replay, &replay_health);
  g_assert_cmpuint (replay_health.messages, ==, live_health.messages);
  g_assert_cmpuint (replay_health.values, ==, live_health.values);
  g_assert_cmpuint (replay_health.rejected_total, ==, live_health.rejected_total);
  g_assert_cmpuint (replay_health.rejected_total, >=, 1);

  for (guint i = 0; i < connections->len; i++)
    g_io_stream_close (soup_websocket_connection_get_io_stream (g_ptr_array_index (connections, i)), NULL, NULL);
  soup_server_disconnect (server);
  mimic_test_iterate_for (20);
}

static gint64
replay_duration_us (const char *path,
                    double      speed)
{
  g_autoptr(GError) error = NULL;
  MimicTestCollector *collector;
  g_autoptr(MimicFeed) feed = replay_feed (path, &collector);
  gint64 start;

  mimic_replay_feed_set_speed (MIMIC_REPLAY_FEED (feed), speed);
  start = g_get_monotonic_time ();
  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_true (mimic_test_wait_for (feed, is_finished, NULL));
  mimic_feed_flush (feed);
  g_assert_cmpuint (mimic_test_collector_count_samples (collector), ==, 6);

  return g_get_monotonic_time () - start;
}

static void
test_replay_feed_speed (Fixture       *fixture,
                        gconstpointer  data)
{
  gint64 real_time, ten_times;

  /* Six samples over one second. */
  write_recording (fixture->path, g_get_real_time () - (gint64) G_USEC_PER_SEC * 3600, 6, 200 * 1000);

  real_time = replay_duration_us (fixture->path, 1.0);
  ten_times = replay_duration_us (fixture->path, 10.0);
  g_test_message ("1x: %" G_GINT64_FORMAT " µs, 10x: %" G_GINT64_FORMAT " µs", real_time, ten_times);

  g_assert_cmpint (real_time, >=, 950 * 1000);
  g_assert_cmpint (ten_times, >=, 95 * 1000);
  g_assert_cmpint (ten_times, <, real_time / 3);
}

static void
test_replay_feed_pause (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  MimicTestCollector *collector;
  gint64 start, position;

  write_recording (fixture->path, g_get_real_time (), 6, 200 * 1000);
  feed = replay_feed (fixture->path, &collector);

  start = g_get_monotonic_time ();
  g_assert_true (mimic_test_start_feed (feed, &error));
  mimic_test_iterate_for (300);
  mimic_replay_feed_set_paused (MIMIC_REPLAY_FEED (feed), TRUE);
  g_assert_true (mimic_replay_feed_get_paused (MIMIC_REPLAY_FEED (feed)));
  mimic_feed_flush (feed);
  position = mimic_replay_feed_get_position (MIMIC_REPLAY_FEED (feed));
  g_assert_cmpint (position, >=, 200 * 1000);
  g_assert_cmpint (position, <=, 400 * 1000);

  /* Paused: nothing moves. */
  mimic_test_iterate_for (500);
  g_assert_cmpint (mimic_replay_feed_get_position (MIMIC_REPLAY_FEED (feed)), ==, position);
  g_assert_false (mimic_replay_feed_is_finished (MIMIC_REPLAY_FEED (feed)));

  mimic_replay_feed_set_paused (MIMIC_REPLAY_FEED (feed), FALSE);
  g_assert_true (mimic_test_wait_for (feed, is_finished, NULL));
  mimic_feed_flush (feed);
  g_assert_cmpuint (mimic_test_collector_count_samples (collector), ==, 6);
  /* One second of recording plus half a second of pause. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1400 * 1000);
}

static void
test_replay_feed_seek (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GPtrArray) samples = NULL;
  MimicTestCollector *collector;
  MimicFeedHealth before, after;

  /* Eleven samples, one a second, played from second 5 on. */
  write_recording (fixture->path, g_get_real_time () - (gint64) 60 * G_USEC_PER_SEC, 11, G_USEC_PER_SEC);
  feed = replay_feed (fixture->path, &collector);
  mimic_replay_feed_set_speed (MIMIC_REPLAY_FEED (feed), 50.0);
  mimic_replay_feed_seek (MIMIC_REPLAY_FEED (feed), 5 * G_USEC_PER_SEC);

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_true (mimic_test_wait_for (feed, is_finished, NULL));
  mimic_feed_flush (feed);

  /* The birth before the seek point still made the device known. */
  samples = mimic_test_collector_dup_samples (collector);
  strip_timestamps (samples);
  g_assert_cmpuint (samples->len, ==, 6);
  for (guint i = 0; i < samples->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("dev/flow=%u", i + 5);

      g_assert_cmpstr (g_ptr_array_index (samples, i), ==, expected);
    }

  /* Playing again from another point: the birth before it comes first,
   * as a restarted device's would, so its sequence starts afresh. */
  mimic_feed_stop (feed);
  mimic_feed_get_health (feed, &before);
  mimic_replay_feed_seek (MIMIC_REPLAY_FEED (feed), 9 * G_USEC_PER_SEC);
  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_true (mimic_test_wait_for (feed, is_finished, NULL));
  mimic_feed_flush (feed);
  mimic_feed_get_health (feed, &after);
  g_assert_cmpuint (after.messages, ==, before.messages + 3);
  g_assert_cmpuint (after.rejected_total, ==, before.rejected_total);
  g_assert_cmpuint (mimic_test_collector_count_samples (collector), ==, 8);
}

static void
test_replay_feed_malformed_lines (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *last_error = NULL;
  MimicTestCollector *collector;
  MimicFeedHealth health;
  gint64 t = g_get_real_time ();

  g_string_append (text, "{\"format\":\"mimic-recording\",\"version\":1,\"source\":\"x\",\"root\":\"mimic\"}\n");
  g_string_append_printf (text, "{\"t\":%" G_GINT64_FORMAT ",\"topic\":\"mimic/d/birth\",\"payload\":{}}\n", t);
  g_string_append (text, "{\"t\": oops\n");
  g_string_append_printf (text, "{\"t\":%" G_GINT64_FORMAT ",\"topic\":\"mimic/d/telemetry\",\"payload\":{\"values\":{\"v\":1}}}\n", t + 1000);
  g_assert_true (g_file_set_contents (fixture->path, text->str, -1, NULL));

  feed = replay_feed (fixture->path, &collector);
  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_true (mimic_test_wait_for (feed, is_finished, NULL));
  mimic_feed_flush (feed);

  g_assert_cmpuint (mimic_test_collector_count_samples (collector), ==, 1);
  g_assert_cmpuint (mimic_replay_feed_get_n_skipped_lines (MIMIC_REPLAY_FEED (feed)), ==, 1);
  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.rejected[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  last_error = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (last_error);
  g_assert_nonnull (strstr (last_error, ":3:"));
}

static void
test_replay_feed_for_url (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicFeed) missing = NULL;
  g_autofree char *url = NULL;
  g_autofree char *missing_url = NULL;

  write_recording (fixture->path, g_get_real_time (), 1, 0);
  url = g_filename_to_uri (fixture->path, NULL, NULL);
  feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  g_assert_true (MIMIC_IS_REPLAY_FEED (feed));
  g_assert_cmpstr (mimic_feed_get_url (feed), ==, url);

  missing_url = g_strconcat (url, ".gone", NULL);
  missing = mimic_feed_new_for_url (missing_url, &error);
  g_assert_null (missing);
  g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/mimic/feed/replay/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("record-then-replay", test_replay_feed_record_then_replay);
  ADD ("speed", test_replay_feed_speed);
  ADD ("pause", test_replay_feed_pause);
  ADD ("seek", test_replay_feed_seek);
  ADD ("malformed-lines", test_replay_feed_malformed_lines);
  ADD ("for-url", test_replay_feed_for_url);

#undef ADD

  return g_test_run ();
}
