/* test-closed-loop.c — the what-if against the real simulator
 *
 * Each test runs a real mimic-device, reads its telemetry over its
 * WebSocket server through the console's feed into a twin store,
 * calibrates the pump's individual parameters from that history, predicts
 * when an alarm limit will be reached under a change, then makes the same
 * change on the device and measures when the limit is actually reached.
 * The prediction must be within 10 % of what happened.
 *
 * The simulator runs accelerated. Its telemetry carries wall-clock
 * timestamps, and every message advances the device by speed / rate
 * simulated seconds (docs/simulator.md). So the simulated time of a
 * message is its sequence number times speed / rate; that holds even when a
 * busy machine makes the simulator skip publications, where scaling the
 * wall-clock time would not. The test notes each telemetry message's
 * sequence number by its timestamp as the feed receives it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-closed-loop"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mimic-asset.h"
#include "mimic-calibration.h"
#include "mimic-feed.h"
#include "mimic-paths.h"
#include "mimic-test-utils.h"
#include "mimic-twin-store.h"
#include "mimic-whatif.h"

#define DEVICE_ID "pump-001"
#define DEVICE_SEED "5"
#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)
/* Messages of steady operation the calibration sees. */
#define CALIBRATION_MESSAGES 60
/* Messages averaged into the state a prediction starts from. */
#define RECENT_MESSAGES 10
#define TOLERANCE 0.10

typedef struct
{
  GSubprocess    *device;
  MimicFeed      *feed;
  MimicTwinStore *store;
  MimicAsset     *asset;
  MimicModel     *model;            /* calibrated to the unit */
  MimicModel     *type_model;       /* the asset type's parameters, for comparison */
  double          speed;            /* simulated seconds per wall-clock second */
  double          rate;             /* messages per wall-clock second */
  GMutex          mutex;
  GString        *replies;          /* command responses, one per line */
  GHashTable     *sequence_by_ts;   /* telemetry ts (ms) → the last seq sent with it */
} Loop;

/* Runs on the feed's network thread. */
static void
collect_reply (MimicFeed    *feed,
               const char   *topic,
               const guint8 *payload,
               gsize         length,
               const guint8 *correlation,
               gsize         correlation_length,
               gpointer      user_data)
{
  Loop *loop = user_data;

  if (strstr (topic, "/cmd-response/") == NULL)
    return;
  g_mutex_lock (&loop->mutex);
  g_string_append_len (loop->replies, (const char *) payload, length);
  g_string_append_c (loop->replies, '\n');
  g_mutex_unlock (&loop->mutex);
}

/* The integer after "@member": near the start of @payload, or -1. The
 * simulator writes ts and seq first; a full JSON parse here would cost
 * the feed's network thread more than every other step of a message. */
static gint64
scan_member (const char *payload,
             gsize       length,
             const char *member)
{
  g_autofree char *head = g_strndup (payload, MIN (length, 80));
  const char *found = strstr (head, member);

  return found != NULL ? g_ascii_strtoll (found + strlen (member), NULL, 10) : -1;
}

/* Runs on the thread that ingests the feed's messages. */
static void
note_sequence (MimicFeed    *feed,
               const char   *topic,
               const guint8 *payload,
               gsize         length,
               gint64        received_us,
               gpointer      user_data)
{
  Loop *loop = user_data;
  gint64 ts, seq;
  gpointer old;

  if (!g_str_has_suffix (topic, "/" DEVICE_ID "/telemetry"))
    return;
  ts = scan_member ((const char *) payload, length, "\"ts\":");
  seq = scan_member ((const char *) payload, length, "\"seq\":");
  if (ts <= 0 || seq <= 0)
    return;

  g_mutex_lock (&loop->mutex);
  old = g_hash_table_lookup (loop->sequence_by_ts, &ts);
  if (old == NULL || *(gint64 *) old < seq)
    g_hash_table_insert (loop->sequence_by_ts, g_memdup2 (&ts, sizeof ts), g_memdup2 (&seq, sizeof seq));
  g_mutex_unlock (&loop->mutex);
}

/* Simulated seconds since the device started, of the telemetry stamped
 * @timestamp_us. */
static double
simulated_time_of (Loop   *loop,
                   gint64  timestamp_us)
{
  gint64 ts = timestamp_us / 1000;
  gint64 *seq;
  double seconds;

  g_mutex_lock (&loop->mutex);
  seq = g_hash_table_lookup (loop->sequence_by_ts, &ts);
  g_assert_nonnull (seq);
  seconds = (double) *seq * loop->speed / loop->rate;
  g_mutex_unlock (&loop->mutex);
  return seconds;
}

/* Simulated time of the device's last step before wall-clock @time_us:
 * what had been sent by then. */
static double
simulated_time_before (Loop   *loop,
                       gint64  time_us)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 best = 0;

  g_mutex_lock (&loop->mutex);
  g_hash_table_iter_init (&iter, loop->sequence_by_ts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (*(gint64 *) key * 1000 <= time_us)
      best = MAX (best, *(gint64 *) value);
  g_mutex_unlock (&loop->mutex);
  g_assert_cmpint (best, >, 0);
  return (double) best * loop->speed / loop->rate;
}

static gboolean
reply_arrived (Loop       *loop,
               const char *id)
{
  g_autofree char *needle = g_strdup_printf ("\"id\":\"%s\"", id);
  gboolean found;

  g_mutex_lock (&loop->mutex);
  found = strstr (loop->replies->str, needle) != NULL;
  g_mutex_unlock (&loop->mutex);
  return found;
}

/* The device's wall-clock time of its reply to @id, in microseconds, or 0
 * when it did not acknowledge it. */
static gint64
reply_acked_at (Loop       *loop,
                const char *id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  gint64 acked_us = 0;

  g_mutex_lock (&loop->mutex);
  lines = g_strsplit (loop->replies->str, "\n", -1);
  g_mutex_unlock (&loop->mutex);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonObject *reply;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL) ||
          json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      reply = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member_with_default (reply, "id", ""), id) != 0)
        continue;
      if (g_strcmp0 (json_object_get_string_member_with_default (reply, "status", ""), "acked") == 0)
        acked_us = json_object_get_int_member_with_default (reply, "ts", 0) * 1000;
      else
        g_test_message ("%s was not acknowledged: %s", id, lines[i]);
    }
  return acked_us;
}

static void
loop_start (Loop   *loop,
            double  speed,
            double  rate)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autofree char *asset_path = g_build_filename (asset_dir, "pump-skid", "pump-skid.json", NULL);
  g_autofree char *speed_text = g_strdup_printf ("%g", speed);
  g_autofree char *rate_text = g_strdup_printf ("%g", rate);
  g_autofree char *url = NULL;
  GPtrArray *names;
  guint port = 0;
  const char *args[] = { "--pumps", "1", "--seed", DEVICE_SEED, "--speed", speed_text, "--rate", rate_text,
                         "--allow-fault-commands", "--ws", "127.0.0.1:0",
                         /* Outlives no crashed test for long. */
                         "--duration", "90", NULL };

  memset (loop, 0, sizeof *loop);
  g_mutex_init (&loop->mutex);
  loop->replies = g_string_new (NULL);
  loop->sequence_by_ts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  loop->speed = speed;
  loop->rate = rate;

  /* The twin starts from the asset type's parameters, as the console
   * does; calibration then makes them this unit's. */
  loop->asset = mimic_asset_new_from_file (asset_path, &error);
  g_assert_no_error (error);
  loop->model = mimic_model_new_for_name (mimic_asset_get_model_name (loop->asset), &error);
  g_assert_no_error (error);
  loop->type_model = mimic_model_new_for_name (mimic_asset_get_model_name (loop->asset), &error);
  g_assert_no_error (error);
  names = mimic_asset_get_model_parameter_names (loop->asset);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      double value;

      g_assert_true (mimic_asset_get_model_parameter (loop->asset, g_ptr_array_index (names, i), &value));
      g_assert_true (mimic_model_set_parameter (loop->model, g_ptr_array_index (names, i), value, &error));
      g_assert_true (mimic_model_set_parameter (loop->type_model, g_ptr_array_index (names, i), value, &error));
      g_assert_no_error (error);
    }

  loop->device = mimic_test_spawn_device (args, &port);
  g_assert_cmpuint (port, >, 0);

  loop->store = mimic_twin_store_new ();
  /* Keep every raw sample of the run: the crossing is looked up in it. */
  mimic_twin_store_set_history_capacity (loop->store, 200000);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  loop->feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  mimic_test_feed_into_store (loop->feed, NULL, loop->store);
  mimic_feed_set_command_message_handler (loop->feed, collect_reply, loop, NULL);
  mimic_feed_set_message_tap (loop->feed, note_sequence, loop, NULL);
  mimic_feed_start_async (loop->feed, NULL, NULL, NULL);
}

static void
loop_stop (Loop *loop)
{
  mimic_test_stop_device_cleanly (loop->device);
  mimic_feed_stop (loop->feed);
  g_clear_object (&loop->device);
  g_assert_finalize_object (loop->feed);
  g_clear_object (&loop->store);
  g_clear_object (&loop->model);
  g_clear_object (&loop->type_model);
  g_clear_object (&loop->asset);
  g_string_free (loop->replies, TRUE);
  g_hash_table_unref (loop->sequence_by_ts);
  g_mutex_clear (&loop->mutex);
}

static MimicTwinDevice *
lookup_device (Loop *loop)
{
  return mimic_twin_store_lookup (loop->store, DEVICE_ID);
}

/* Whether the twin has a reading of every output of the model. */
static gboolean
has_all_readings (Loop *loop)
{
  MimicTwinDevice *device = lookup_device (loop);

  if (device == NULL)
    return FALSE;
  for (guint i = 0; i < mimic_model_get_n_outputs (loop->model); i++)
    {
      MimicSensorReading reading;

      if (!mimic_twin_device_get_sensor (device, mimic_model_get_output_info (loop->model, i)->id, &reading))
        return FALSE;
    }
  return TRUE;
}

static guint64
n_messages_of (Loop       *loop,
               const char *sensor_id)
{
  MimicTwinDevice *device = lookup_device (loop);
  MimicHistory *history = device != NULL ? mimic_twin_device_get_history (device, sensor_id) : NULL;

  return history != NULL ? mimic_history_get_n_added (history) : 0;
}

static void
iterate_briefly (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_usleep (2000);
}

static void
wait_for_messages (Loop    *loop,
                   guint64  n_messages)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (!has_all_readings (loop) || n_messages_of (loop, "winding_temp") < n_messages)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      iterate_briefly ();
    }
}

/* The twin's history of every modelled sensor, on the simulated clock,
 * and the simulated span it covers. */
static GArray *
dup_history_samples (Loop   *loop,
                     double *span_s)
{
  MimicTwinDevice *device = lookup_device (loop);
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (MimicSample));
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  gint64 oldest = G_MAXINT64, newest = G_MININT64;

  for (guint i = 0; i < mimic_model_get_n_outputs (loop->model); i++)
    {
      const char *sensor = mimic_model_get_output_info (loop->model, i)->id;
      MimicHistory *history = mimic_twin_device_get_history (device, sensor);

      g_array_set_size (buckets, 0);
      mimic_history_query (history, 0, G_MAXINT64, G_MAXUINT, buckets);
      for (guint b = 0; b < buckets->len; b++)
        {
          const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, b);
          MimicSample sample = { DEVICE_ID, sensor, bucket->start_us, bucket->mean, MIMIC_QUALITY_GOOD };

          g_assert_cmpuint (bucket->count, ==, 1);
          sample.timestamp_us = (gint64) llround (simulated_time_of (loop, bucket->start_us) * G_USEC_PER_SEC);
          oldest = MIN (oldest, sample.timestamp_us);
          newest = MAX (newest, sample.timestamp_us);
          g_array_append_val (samples, sample);
        }
    }

  *span_s = (double) (newest - oldest) / G_USEC_PER_SEC;
  return samples;
}

/* Fits the unit's individual parameters (thermal resistance, wear) to its
 * history so far, applies them, and brings the wear, which the fit finds
 * as of the window's start, forward to its end. */
static void
calibrate (Loop *loop)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCalibrationFit) fit = NULL;
  g_autoptr(GArray) samples = NULL;
  g_autofree double *params = NULL;
  g_autofree double *inputs = NULL;
  g_autofree double *readings = NULL;
  g_autofree double *state = NULL;
  MimicTwinDevice *device = lookup_device (loop);
  double span_s;
  int wear_state = mimic_model_find_state (loop->model, "wear");

  samples = dup_history_samples (loop, &span_s);
  fit = mimic_calibration_fit (loop->model, (const MimicSample *) (gpointer) samples->data, samples->len,
                               NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < fit->n_parameters; k++)
    g_test_message ("calibrated %s: %g (asset default %g)", fit->names[k], fit->values[k], fit->current_values[k]);
  g_test_message ("fit over %u readings: RMSE %.3f, R² %.3f, %u iterations",
                  fit->n_residuals, fit->rmse, fit->r_squared, fit->iterations);
  g_assert_true (mimic_calibration_fit_apply (fit, loop->model, &error));
  g_assert_no_error (error);

  params = mimic_model_dup_parameters (loop->model);
  inputs = g_new0 (double, mimic_model_get_n_inputs (loop->model));
  readings = g_new0 (double, mimic_model_get_n_outputs (loop->model));
  state = g_new0 (double, mimic_model_get_n_states (loop->model));
  mimic_model_fill_default_inputs (loop->model, inputs);
  for (guint o = 0; o < mimic_model_get_n_outputs (loop->model); o++)
    {
      MimicSensorReading reading;

      g_assert_true (mimic_twin_device_get_sensor (device, mimic_model_get_output_info (loop->model, o)->id, &reading));
      readings[o] = reading.value;
    }
  for (guint i = 0; i < mimic_model_get_n_inputs (loop->model); i++)
    {
      int sensor = mimic_model_find_output (loop->model, mimic_model_get_input_info (loop->model, i)->sensor_id);

      if (sensor >= 0)
        inputs[i] = readings[sensor];
    }
  mimic_model_init_state (loop->model, params, inputs, readings, state);
  g_assert_true (mimic_model_advance (loop->model, params, inputs, state, span_s, &error));
  g_assert_no_error (error);
  g_test_message ("wear: %g at the window's start, %g at its end", params[mimic_model_find_parameter (loop->model, "wear")],
                  state[wear_state]);
  g_assert_true (mimic_model_set_parameter (loop->model, "wear", state[wear_state], &error));
  g_assert_no_error (error);
}

/* A what-if from the twin's recent readings. Each is the mean of the last
 * few messages: the pump runs steadily before the change, and a single
 * reading carries the transmitter's noise, which the wear's feedback on
 * itself amplifies (0.2 % on the speed moves the crossing by about 2 %). */
static MimicWhatifRequest *
request_from_twin (Loop       *loop,
                   MimicModel *model)
{
  MimicWhatifRequest *request = mimic_whatif_request_new (model);
  MimicTwinDevice *device = lookup_device (loop);
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  g_autoptr(GError) error = NULL;

  for (guint o = 0; o < mimic_model_get_n_outputs (model); o++)
    {
      const char *sensor = mimic_model_get_output_info (model, o)->id;
      MimicHistory *history = mimic_twin_device_get_history (device, sensor);
      double sum = 0.0;
      guint first, n = 0;

      g_array_set_size (buckets, 0);
      mimic_history_query (history, 0, G_MAXINT64, G_MAXUINT, buckets);
      g_assert_cmpuint (buckets->len, >=, RECENT_MESSAGES);
      first = buckets->len - RECENT_MESSAGES;
      for (guint b = first; b < buckets->len; b++, n++)
        sum += g_array_index (buckets, MimicHistoryBucket, b).mean;
      g_assert_true (mimic_whatif_request_set_reading (request, sensor, sum / n, &error));
      g_assert_no_error (error);
    }
  g_assert_true (mimic_whatif_request_set_horizon (request, 7 * 86400.0, &error));
  g_assert_no_error (error);
  return request;
}

static double
add_asset_limit (MimicWhatifRequest  *request,
                 Loop                *loop,
                 const char          *sensor_id,
                 MimicAlarmLimitKind  kind)
{
  g_autoptr(GError) error = NULL;
  const MimicAssetSensor *sensor = mimic_asset_get_sensor (loop->asset, sensor_id);

  g_assert_nonnull (sensor);
  g_assert_true (sensor->alarms.limits[kind].enabled);
  g_assert_true (mimic_whatif_request_add_limit (request, sensor_id, sensor->alarms.limits[kind].value,
                                                 kind == MIMIC_ALARM_LIMIT_HI || kind == MIMIC_ALARM_LIMIT_HIHI
                                                 ? MIMIC_LIMIT_RISING : MIMIC_LIMIT_FALLING,
                                                 &error));
  g_assert_no_error (error);
  return sensor->alarms.limits[kind].value;
}

/* Sends a command and waits for its reply; returns the device's time of
 * the acknowledgement. */
static gint64
send_command (Loop       *loop,
              const char *command,
              const char *id,
              const char *arguments_json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = g_strdup_printf ("{\"id\":\"%s\",\"args\":%s}", id, arguments_json);
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;
  gint64 acked_us;

  g_assert_true (mimic_feed_send_command (loop->feed, DEVICE_ID, command, payload, id, 0, &error));
  g_assert_no_error (error);
  while (!reply_arrived (loop, id))
    {
      if (g_get_monotonic_time () >= deadline)
        {
          MimicFeedHealth health;

          mimic_feed_get_health (loop->feed, &health);
          g_test_message ("no reply to %s; replies so far: %s; feed %s, %" G_GUINT64_FORMAT " messages",
                          id, loop->replies->str, mimic_feed_state_to_string (health.state), health.messages);
          g_assert_not_reached ();
        }
      iterate_briefly ();
    }
  acked_us = reply_acked_at (loop, id);
  g_assert_cmpint (acked_us, >, 0);
  return acked_us;
}

/* Simulated seconds from the device's last step before wall-clock
 * @since_us to the first reading of @sensor_id at or past @limit, or
 * INFINITY. */
static double
first_crossing (Loop       *loop,
                const char *sensor_id,
                double      limit,
                gint64      since_us)
{
  MimicHistory *history = mimic_twin_device_get_history (lookup_device (loop), sensor_id);
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));

  mimic_history_query (history, since_us, G_MAXINT64, G_MAXUINT, buckets);
  for (guint b = 0; b < buckets->len; b++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, b);

      g_assert_cmpuint (bucket->count, ==, 1);
      if (bucket->mean >= limit)
        return simulated_time_of (loop, bucket->start_us) - simulated_time_before (loop, since_us);
    }
  return INFINITY;
}

/* Runs the device until every limit was crossed, or for @max_simulated_s. */
static void
run_until_crossed (Loop               *loop,
                   const char * const *sensors,
                   const double       *limits,
                   guint               n_limits,
                   double              max_simulated_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (max_simulated_s / loop->speed * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      gboolean all = TRUE;

      iterate_briefly ();
      for (guint i = 0; i < n_limits; i++)
        {
          MimicSensorReading reading;

          if (!mimic_twin_device_get_sensor (lookup_device (loop), sensors[i], &reading) || reading.value < limits[i])
            all = FALSE;
        }
      if (all)
        return;
    }
}

/* Predicts when each sensor reaches its hi limit with one input
 * overridden. */
static void
predict (Loop               *loop,
         MimicModel         *model,
         const char         *input_id,
         double              value,
         const char * const *sensors,
         double             *limits,
         double             *predicted,
         guint               n_sensors)
{
  g_autoptr(MimicWhatifRequest) request = NULL;
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GError) error = NULL;

  request = request_from_twin (loop, model);
  g_assert_true (mimic_whatif_request_set_override (request, input_id, value, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n_sensors; i++)
    limits[i] = add_asset_limit (request, loop, sensors[i], MIMIC_ALARM_LIMIT_HI);
  result = mimic_whatif_compute (request, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_sensors; i++)
    predicted[i] = mimic_whatif_result_get_crossing_time (result, i);
}

static double
relative_error (double predicted_s,
                double actual_s)
{
  return (predicted_s - actual_s) / actual_s;
}

/* Predicts with the calibrated and with the type's parameters, makes the
 * change on the device and compares both with what happens. */
static void
check_closed_loop (double              speed,
                   double              rate,
                   const char         *input_id,
                   double              value,
                   const char         *command,
                   const char         *arguments_json,
                   const char * const *sensors,
                   guint               n_sensors)
{
  g_autofree double *limits = g_new0 (double, n_sensors);
  g_autofree double *predicted = g_new0 (double, n_sensors);
  g_autofree double *uncalibrated = g_new0 (double, n_sensors);
  g_autofree double *scratch = g_new0 (double, n_sensors);
  double longest = 0.0;
  gint64 changed_us;
  Loop loop;

  loop_start (&loop, speed, rate);
  wait_for_messages (&loop, CALIBRATION_MESSAGES);
  calibrate (&loop);

  predict (&loop, loop.model, input_id, value, sensors, limits, predicted, n_sensors);
  predict (&loop, loop.type_model, input_id, value, sensors, scratch, uncalibrated, n_sensors);
  for (guint i = 0; i < n_sensors; i++)
    {
      g_assert_true (isfinite (predicted[i]));
      g_assert_cmpfloat (predicted[i], >, 0.0);
      longest = MAX (longest, predicted[i]);
    }

  /* The device runs on in steady state while the prediction is made, so
   * its state when the change takes effect is the one predicted from;
   * time is counted from the device's acknowledgement of the change. */
  changed_us = send_command (&loop, command, "closed-loop-1", arguments_json);
  run_until_crossed (&loop, sensors, limits, n_sensors, 1.5 * longest + 100 * speed / rate);

  for (guint i = 0; i < n_sensors; i++)
    {
      double actual = first_crossing (&loop, sensors[i], limits[i], changed_us);
      double error = relative_error (predicted[i], actual);
      double type_error = relative_error (uncalibrated[i], actual);

      g_test_message ("%s %s %g: predicted %.0f s (%.2f h), actual %.0f s (%.2f h), error %+.2f %%; "
                      "with the type's parameters %.0f s, error %+.2f %%",
                      sensors[i], input_id, value, predicted[i], predicted[i] / 3600.0,
                      actual, actual / 3600.0, 100.0 * error, uncalibrated[i], 100.0 * type_error);
      g_assert_true (isfinite (actual));
      g_assert_cmpfloat (fabs (error), <=, TOLERANCE);
      /* Calibration is what makes the prediction this unit's. */
      g_assert_cmpfloat (fabs (error), <, fabs (type_error));
    }

  loop_stop (&loop);
}

/* A bearing starts wearing out 100 times faster than normal (a lubricant
 * failure, say): when do the drive-end bearing temperature and the
 * vibration reach their hi limits? */
static void
test_bearing_wear (void)
{
  const char *sensors[] = { "vibration", "bearing_de_temp" };

  check_closed_loop (7200.0, 40.0, "wear_rate_factor", 100.0,
                     "inject_fault", "{\"fault\":\"bearing_wear\",\"rate\":100}",
                     sensors, G_N_ELEMENTS (sensors));
}

/* The pump is driven at its top speed of 1800 rpm instead of 1480: when
 * does the winding reach its hi limit? */
static void
test_speed_raise (void)
{
  const char *sensors[] = { "winding_temp" };

  check_closed_loop (1200.0, 20.0, "speed_setpoint", 1800.0,
                     "set_speed", "{\"speed\":1800}",
                     sensors, G_N_ELEMENTS (sensors));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/closed-loop/pump/bearing-wear", test_bearing_wear);
  g_test_add_func ("/mimic/closed-loop/pump/speed-raise", test_speed_raise);

  return g_test_run ();
}
