/* mimic-cli-record.c — `mimic-cli record URL FILE [--duration S]` and
 * `mimic-cli replay FILE [--speed X] [--from T]`
 *
 * record writes every message a live feed receives to a JSON Lines file
 * (see docs/connections.md); replay plays such a file through the same
 * decoder the console uses and prints what the twin would receive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <math.h>

#include "mimic-cli-commands.h"
#include "mimic-feed.h"
#include "mimic-recording-writer.h"
#include "mimic-replay-feed.h"

typedef struct
{
  GMainLoop            *loop;
  MimicRecordingWriter *writer;
  gint                  write_failed;   /* atomic: report the first failure only */
  int                   status;
} CliRun;

static gboolean
quit_loop (gpointer user_data)
{
  CliRun *run = user_data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static void
write_message (MimicFeed    *feed,
               const char   *topic,
               const guint8 *payload,
               gsize         length,
               gint64        received_us,
               gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_recording_writer_write_message (run->writer, topic, payload, length, received_us, &error) &&
      g_atomic_int_compare_and_exchange (&run->write_failed, 0, 1))
    g_printerr ("mimic-cli record: %s\n", error->message);
}

static gboolean
flush_recording (gpointer user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_recording_writer_flush (run->writer, &error))
    {
      g_printerr ("mimic-cli record: %s\n", error->message);
      run->status = 1;
      g_main_loop_quit (run->loop);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
feed_started (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_feed_start_finish (MIMIC_FEED (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("mimic-cli: %s\n", error->message);
      run->status = 1;
      g_main_loop_quit (run->loop);
    }
}

static void
print_health (MimicFeed *feed)
{
  MimicFeedHealth health;

  mimic_feed_get_health (feed, &health);
  g_print (_("%llu messages, %llu values, %llu bytes, %llu refused, %u reconnects"),
           (unsigned long long) health.messages, (unsigned long long) health.values,
           (unsigned long long) health.bytes, (unsigned long long) health.rejected_total,
           health.reconnects);
  g_print ("\n");
}

int
mimic_cli_record (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicRecordingWriter) writer = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) arguments = NULL;
  double duration = 0.0;
  CliRun run = { 0 };
  guint flush_id, interrupt_id, terminate_id, duration_id = 0;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop after this many seconds (default: until interrupted)"), N_("S") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &arguments, NULL, N_("URL FILE") },
    { NULL }
  };

  context = g_option_context_new (_("URL FILE — record a live feed"));
  g_option_context_set_summary (context,
                                _("Write every message received from URL (mqtt://, mqtts://, ws://, wss://) "
                                  "to FILE as JSON Lines, for “mimic-cli replay” or the console."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli record: %s\n", error->message);
      return 2;
    }

  if (arguments == NULL || g_strv_length (arguments) != 2)
    {
      g_printerr ("mimic-cli record: %s\n", _("give a URL and a file; see “mimic-cli record --help”"));
      return 2;
    }

  if (!isfinite (duration) || duration < 0.0 || duration > 365.0 * 24 * 3600)
    {
      g_printerr ("mimic-cli record: %s\n", _("--duration must be a number of seconds between 0 and one year"));
      return 2;
    }

  feed = mimic_feed_new_for_url (arguments[0], &error);
  if (feed == NULL)
    {
      g_printerr ("mimic-cli record: %s\n", error->message);
      return 2;
    }

  writer = mimic_recording_writer_new (arguments[1], mimic_feed_get_url (feed), mimic_feed_get_root (feed), &error);
  if (writer == NULL)
    {
      g_printerr ("mimic-cli record: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.writer = writer;
  mimic_feed_set_message_tap (feed, write_message, &run, NULL);

  interrupt_id = g_unix_signal_add (SIGINT, quit_loop, &run);
  terminate_id = g_unix_signal_add (SIGTERM, quit_loop, &run);
  flush_id = g_timeout_add_seconds (1, flush_recording, &run);
  if (duration > 0.0)
    duration_id = g_timeout_add ((guint) (duration * 1000.0), quit_loop, &run);

  mimic_feed_start_async (feed, NULL, feed_started, &run);
  g_main_loop_run (loop);

  mimic_feed_stop (feed);
  mimic_feed_set_message_tap (feed, NULL, NULL, NULL);
  g_source_remove (interrupt_id);
  g_source_remove (terminate_id);
  g_source_remove (flush_id);
  if (duration_id != 0 && run.status != 0)
    g_source_remove (duration_id);

  if (!mimic_recording_writer_close (writer, &error))
    {
      g_printerr ("mimic-cli record: %s\n", error->message);
      return 1;
    }

  g_print (_("Recorded %llu messages to %s"),
           (unsigned long long) mimic_recording_writer_get_n_messages (writer), arguments[1]);
  g_print ("\n");
  print_health (feed);

  return run.status != 0 || g_atomic_int_get (&run.write_failed) ? 1 : 0;
}

static void
print_batch (MimicFeed        *feed,
             MimicUpdateBatch *batch,
             gpointer          user_data)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* One write per batch keeps lines whole; this runs on the feed's worker
   * thread. */
  for (guint i = 0; i < mimic_update_batch_get_n_births (batch); i++)
    {
      const MimicBirth *birth = mimic_update_batch_get_birth (batch, i);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %s birth %s\n", birth->timestamp_us,
                              birth->device_id, birth->asset_type != NULL ? birth->asset_type : "-");
    }
  for (guint i = 0; i < mimic_update_batch_get_n_presence (batch); i++)
    {
      const MimicPresenceUpdate *presence = mimic_update_batch_get_presence (batch, i);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %s presence %s\n", presence->timestamp_us,
                              presence->device_id, mimic_presence_to_string (presence->presence));
    }
  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %s %s %.17g %s\n", sample->timestamp_us,
                              sample->device_id, sample->sensor_id, sample->value,
                              mimic_quality_to_string (sample->quality));
    }
  for (guint i = 0; i < mimic_update_batch_get_n_parameters (batch); i++)
    {
      const MimicParameterUpdate *parameter = mimic_update_batch_get_parameter (batch, i);

      g_string_append_printf (text, "%" G_GINT64_FORMAT " %s parameter %s %.17g\n", parameter->timestamp_us,
                              parameter->device_id, parameter->parameter, parameter->value);
    }

  g_print ("%s", text->str);
}

static void
on_state (MimicFeed  *feed,
          GParamSpec *pspec,
          gpointer    user_data)
{
  CliRun *run = user_data;
  MimicFeedState state = mimic_feed_get_state (feed);

  if (state == MIMIC_FEED_STATE_FAILED)
    run->status = 1;
  if (mimic_replay_feed_is_finished (MIMIC_REPLAY_FEED (feed)) || state == MIMIC_FEED_STATE_FAILED)
    g_main_loop_quit (run->loop);
}

int
mimic_cli_replay (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicReplayFeed) feed = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) arguments = NULL;
  g_autofree char *last_error = NULL;
  double speed = 1.0;
  double from = 0.0;
  CliRun run = { 0 };
  guint interrupt_id, terminate_id;
  const GOptionEntry entries[] = {
    { "speed", 's', 0, G_OPTION_ARG_DOUBLE, &speed, N_("Play this many times faster than recorded (default 1)"), N_("X") },
    { "from", 'f', 0, G_OPTION_ARG_DOUBLE, &from, N_("Start this many seconds into the recording"), N_("T") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &arguments, NULL, N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (_("FILE — replay a recording"));
  g_option_context_set_summary (context,
                                _("Play FILE through Mimic’s decoder with times shifted to now and print "
                                  "each update as “TIME_US DEVICE SENSOR VALUE QUALITY”."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli replay: %s\n", error->message);
      return 2;
    }

  if (arguments == NULL || g_strv_length (arguments) != 1)
    {
      g_printerr ("mimic-cli replay: %s\n", _("give one recording; see “mimic-cli replay --help”"));
      return 2;
    }

  if (!isfinite (speed) || speed <= 0.0 || speed > MIMIC_REPLAY_MAX_SPEED)
    {
      g_printerr ("mimic-cli replay: ");
      g_printerr (_("--speed must be above 0 and at most %g"), MIMIC_REPLAY_MAX_SPEED);
      g_printerr ("\n");
      return 2;
    }

  if (!isfinite (from) || from < 0.0 || from > 1.0e9)
    {
      g_printerr ("mimic-cli replay: %s\n", _("--from must be a number of seconds, 0 or more"));
      return 2;
    }

  feed = mimic_replay_feed_new (arguments[0], &error);
  if (feed == NULL)
    {
      g_printerr ("mimic-cli replay: %s\n", error->message);
      return 1;
    }

  mimic_replay_feed_set_speed (feed, speed);
  if (from > 0.0)
    mimic_replay_feed_seek (feed, (gint64) (from * G_USEC_PER_SEC));
  mimic_feed_set_batch_handler (MIMIC_FEED (feed), print_batch, NULL, NULL);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  g_signal_connect (feed, "notify::state", G_CALLBACK (on_state), &run);
  interrupt_id = g_unix_signal_add (SIGINT, quit_loop, &run);
  terminate_id = g_unix_signal_add (SIGTERM, quit_loop, &run);

  mimic_feed_start_async (MIMIC_FEED (feed), NULL, feed_started, &run);
  g_main_loop_run (loop);

  mimic_feed_stop (MIMIC_FEED (feed));
  g_signal_handlers_disconnect_by_data (feed, &run);
  g_source_remove (interrupt_id);
  g_source_remove (terminate_id);

  last_error = mimic_feed_dup_last_error (MIMIC_FEED (feed));
  if (last_error != NULL)
    g_printerr ("mimic-cli replay: %s\n", last_error);
  print_health (MIMIC_FEED (feed));

  return run.status;
}
