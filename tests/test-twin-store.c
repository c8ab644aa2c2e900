/* test-twin-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <glib/gstdio.h>

#include "mimic-twin-store.h"

#define T0 (G_GINT64_CONSTANT (1700000000) * G_TIME_SPAN_SECOND)

typedef struct
{
  guint   n_emissions;
  GStrv   last_ids;
} SignalLog;

static void
signal_log_clear (SignalLog *log)
{
  g_clear_pointer (&log->last_ids, g_strfreev);
  log->n_emissions = 0;
}

static void
on_ids_signal (GObject   *object,
               GStrv      ids,
               SignalLog *log)
{
  log->n_emissions++;
  g_clear_pointer (&log->last_ids, g_strfreev);
  log->last_ids = g_strdupv (ids);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *n_added)
{
  g_assert_cmpuint (removed, ==, 0);
  g_assert_cmpuint (position + added, ==, g_list_model_get_n_items (model));
  *n_added += added;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_main_loop_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_twin_store_devices_appear (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicTwinDevice) first = NULL;
  SignalLog log = { 0, };
  guint n_added = 0;

  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), &n_added);
  g_signal_connect (store, "batch-applied", G_CALLBACK (on_ids_signal), &log);

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == MIMIC_TYPE_TWIN_DEVICE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  /* Each kind of first contact makes a device. */
  mimic_update_batch_add_birth (batch, "pump-002", "pump-skid", "1.2.0", T0);
  mimic_update_batch_add_presence (batch, "rack-001", MIMIC_PRESENCE_ONLINE, T0);
  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0, 12.5, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);

  g_assert_cmpuint (n_added, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (log.last_ids), ==, 3);

  /* Insertion order: births, presence, then samples within a batch. */
  first = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpstr (mimic_twin_device_get_id (first), ==, "pump-002");
  g_assert_cmpstr (mimic_twin_device_get_asset_type (first), ==, "pump-skid");
  g_assert_cmpstr (mimic_twin_device_get_firmware (first), ==, "1.2.0");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), 3));

  g_assert_true (mimic_twin_store_lookup (store, "pump-001") != NULL);
  g_assert_null (mimic_twin_store_lookup (store, "pump-999"));
  g_assert_cmpuint (mimic_twin_device_get_n_sensors (mimic_twin_store_lookup (store, "pump-001")), ==, 1);

  signal_log_clear (&log);
}

typedef struct
{
  MimicTwinStore *store;
  guint           thread_index;
} ProducerData;

#define N_THREADS 4
#define N_BATCHES 50
#define N_SENSORS 6

static gpointer
producer_thread (gpointer data)
{
  ProducerData *producer = data;
  g_autofree char *device = g_strdup_printf ("dev-%u", producer->thread_index);

  for (guint b = 0; b < N_BATCHES; b++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      for (guint s = 0; s < N_SENSORS; s++)
        {
          char sensor[16];

          g_snprintf (sensor, sizeof sensor, "s%u", s);
          mimic_update_batch_add_sample (batch, device, sensor, T0 + b, b, MIMIC_QUALITY_GOOD);
        }
      mimic_twin_store_queue_batch (producer->store, batch);
    }

  return NULL;
}

static void
test_twin_store_threads_one_flush (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  GThread *threads[N_THREADS];
  ProducerData data[N_THREADS];
  SignalLog log = { 0, };
  gint64 started;

  g_signal_connect (store, "batch-applied", G_CALLBACK (on_ids_signal), &log);

  for (guint i = 0; i < N_THREADS; i++)
    {
      data[i].store = store;
      data[i].thread_index = i;
      threads[i] = g_thread_new ("producer", producer_thread, &data[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  /* Nothing is applied off the main loop. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (log.n_emissions, ==, 0);

  /* 200 batches from four threads: one flush a frame later applies all. */
  started = g_get_monotonic_time ();
  while (log.n_emissions == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_TIME_SPAN_SECOND);

  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (log.last_ids), ==, N_THREADS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, N_THREADS);
  g_assert_cmpuint (mimic_twin_store_get_n_applied_samples (store), ==, N_THREADS * N_BATCHES * N_SENSORS);

  for (guint i = 0; i < N_THREADS; i++)
    {
      g_autofree char *id = g_strdup_printf ("dev-%u", i);
      MimicTwinDevice *device = mimic_twin_store_lookup (store, id);
      MimicSensorReading reading;

      g_assert_nonnull (device);
      g_assert_cmpuint (mimic_twin_device_get_n_sensors (device), ==, N_SENSORS);
      g_assert_true (mimic_twin_device_get_sensor (device, "s5", &reading));
      g_assert_cmpfloat (reading.value, ==, N_BATCHES - 1);
      g_assert_cmpuint (mimic_history_get_n_raw (mimic_twin_device_get_history (device, "s0")), ==, N_BATCHES);
    }

  /* And no further emission without new data. */
  run_main_loop_for (50);
  g_assert_cmpuint (log.n_emissions, ==, 1);

  signal_log_clear (&log);
}

static void
test_twin_store_signals_only_on_change (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) empty = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) same = mimic_update_batch_new ();
  MimicTwinDevice *device;
  SignalLog store_log = { 0, }, sensor_log = { 0, };
  guint n_asset_type_notify = 0;

  g_signal_connect (store, "batch-applied", G_CALLBACK (on_ids_signal), &store_log);

  /* Nothing queued, nothing applied. */
  mimic_twin_store_flush (store);
  mimic_twin_store_queue_batch (store, empty);
  mimic_twin_store_flush (store);
  mimic_twin_store_apply_batch (store, empty);
  g_assert_cmpuint (store_log.n_emissions, ==, 0);

  mimic_update_batch_add_birth (batch, "pump-001", "pump-skid", NULL, T0);
  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0, 10, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  device = mimic_twin_store_lookup (store, "pump-001");
  g_signal_connect (device, "sensors-changed", G_CALLBACK (on_ids_signal), &sensor_log);
  g_signal_connect (device, "notify::asset-type", G_CALLBACK (count_notify), &n_asset_type_notify);

  /* Two batches queued, two sensors changed: one signal each, with both. */
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0 + 1, 11, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0 + 2, 12, MIMIC_QUALITY_GOOD);
  mimic_twin_store_queue_batch (store, batch);
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_sample (batch, "pump-001", "speed", T0 + 2, 1450, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_birth (batch, "pump-001", "pump-skid", NULL, T0);
  mimic_twin_store_queue_batch (store, batch);
  mimic_twin_store_flush (store);

  g_assert_cmpuint (store_log.n_emissions, ==, 2);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (sensor_log.last_ids), ==, 2);
  g_assert_cmpstr (sensor_log.last_ids[0], ==, "flow");
  g_assert_cmpstr (sensor_log.last_ids[1], ==, "speed");
  /* The same asset type again is no change. */
  g_assert_cmpuint (n_asset_type_notify, ==, 0);

  /* A repeated identical sample does not change the reading. */
  mimic_update_batch_add_sample (same, "pump-001", "flow", T0 + 2, 12, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, same);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 1);

  /* A flush after the queue ran dry emits nothing; the pending source is
   * gone with it. */
  mimic_twin_store_flush (store);
  run_main_loop_for (40);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 1);

  signal_log_clear (&store_log);
  signal_log_clear (&sensor_log);
}

static void
test_twin_store_quality_and_stale (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) fresh = mimic_update_batch_new ();
  MimicTwinDevice *device;
  MimicSensorReading reading;
  SignalLog store_log = { 0, }, sensor_log = { 0, };
  gint64 started;

  mimic_twin_store_set_heartbeat_timeout (store, 150 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (mimic_twin_store_get_heartbeat_timeout (store), ==, 150 * G_TIME_SPAN_MILLISECOND);

  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0, 10, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "speed", T0, 9000, MIMIC_QUALITY_OUT_OF_RANGE);
  mimic_update_batch_add_sample (batch, "pump-001", "power", T0, 3, MIMIC_QUALITY_BAD);
  mimic_twin_store_apply_batch (store, batch);
  device = mimic_twin_store_lookup (store, "pump-001");

  /* The feed's verdict passes through. */
  g_assert_true (mimic_twin_device_get_sensor (device, "speed", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_OUT_OF_RANGE);
  g_assert_cmpfloat (reading.value, ==, 9000);
  g_assert_true (mimic_twin_device_get_sensor (device, "power", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_BAD);
  g_assert_false (mimic_twin_device_get_sensor (device, "no-such-sensor", &reading));

  g_signal_connect (store, "batch-applied", G_CALLBACK (on_ids_signal), &store_log);
  g_signal_connect (device, "sensors-changed", G_CALLBACK (on_ids_signal), &sensor_log);

  /* Silent past the timeout: every sensor turns stale, in one signal. */
  started = g_get_monotonic_time ();
  while (store_log.n_emissions == 0 && g_get_monotonic_time () - started < 5 * G_TIME_SPAN_SECOND)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 100 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (store_log.n_emissions, ==, 1);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (sensor_log.last_ids), ==, 3);
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_STALE);
  g_assert_cmpfloat (reading.value, ==, 10);

  /* Staying stale is no news. */
  run_main_loop_for (200);
  g_assert_cmpuint (store_log.n_emissions, ==, 1);

  /* A new value is good again; the others stay stale. */
  mimic_update_batch_add_sample (fresh, "pump-001", "flow", T0 + 1, 11, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, fresh);
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_GOOD);
  g_assert_true (mimic_twin_device_get_sensor (device, "speed", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_STALE);

  /* Timeout 0 turns the check off. */
  mimic_twin_store_set_heartbeat_timeout (store, 0);
  run_main_loop_for (300);
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_GOOD);

  signal_log_clear (&store_log);
  signal_log_clear (&sensor_log);
}

static void
test_twin_store_presence_and_last_seen (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) online = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) offline = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) late = mimic_update_batch_new ();
  MimicTwinDevice *device;
  guint n_presence_notify = 0, n_last_seen_notify = 0;
  gint64 before, seen;
  MimicPresence presence;

  mimic_update_batch_add_presence (online, "pump-001", MIMIC_PRESENCE_ONLINE, T0);
  before = g_get_real_time ();
  mimic_twin_store_apply_batch (store, online);
  device = mimic_twin_store_lookup (store, "pump-001");

  g_assert_cmpint (mimic_twin_device_get_presence (device), ==, MIMIC_PRESENCE_ONLINE);
  seen = mimic_twin_device_get_last_seen (device);
  g_assert_cmpint (seen, >=, before);
  g_assert_cmpint (seen, <=, g_get_real_time ());

  g_signal_connect (device, "notify::presence", G_CALLBACK (count_notify), &n_presence_notify);
  g_signal_connect (device, "notify::last-seen", G_CALLBACK (count_notify), &n_last_seen_notify);

  /* "offline" is usually the broker speaking (the Will): the device was
   * not heard, so last-seen stays. */
  g_usleep (2000);
  mimic_update_batch_add_presence (offline, "pump-001", MIMIC_PRESENCE_OFFLINE, T0 + 10);
  mimic_twin_store_apply_batch (store, offline);
  g_assert_cmpint (mimic_twin_device_get_presence (device), ==, MIMIC_PRESENCE_OFFLINE);
  g_assert_cmpint (mimic_twin_device_get_last_seen (device), ==, seen);
  g_assert_cmpuint (n_presence_notify, ==, 1);
  g_assert_cmpuint (n_last_seen_notify, ==, 0);

  /* The same again: no notification. */
  mimic_twin_store_apply_batch (store, offline);
  g_assert_cmpuint (n_presence_notify, ==, 1);

  /* A status older than the one shown does not win. */
  mimic_update_batch_add_presence (late, "pump-001", MIMIC_PRESENCE_ONLINE, T0 + 5);
  mimic_twin_store_apply_batch (store, late);
  g_assert_cmpint (mimic_twin_device_get_presence (device), ==, MIMIC_PRESENCE_OFFLINE);

  g_object_get (device, "presence", &presence, NULL);
  g_assert_cmpint (presence, ==, MIMIC_PRESENCE_OFFLINE);
  g_assert_true (G_TYPE_IS_ENUM (MIMIC_TYPE_PRESENCE));
  g_assert_true (G_TYPE_IS_ENUM (MIMIC_TYPE_QUALITY));
}

static void
test_twin_store_sequence_gaps (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) none = mimic_update_batch_new ();
  MimicTwinDevice *device;
  guint n_notify = 0;
  guint64 gaps;

  mimic_update_batch_add_sequence_gap (batch, "pump-001", 3);
  mimic_update_batch_add_sequence_gap (batch, "pump-001", 4);
  mimic_twin_store_apply_batch (store, batch);
  device = mimic_twin_store_lookup (store, "pump-001");
  g_assert_cmpuint (mimic_twin_device_get_sequence_gaps (device), ==, 7);

  g_signal_connect (device, "notify::sequence-gaps", G_CALLBACK (count_notify), &n_notify);
  mimic_twin_store_apply_batch (store, batch);
  g_assert_cmpuint (mimic_twin_device_get_sequence_gaps (device), ==, 14);
  /* Notifications are held for the whole batch: one, not two. */
  g_assert_cmpuint (n_notify, ==, 1);

  mimic_update_batch_add_sequence_gap (none, "pump-001", 0);
  mimic_twin_store_apply_batch (store, none);
  g_assert_cmpuint (n_notify, ==, 1);

  /* The counter saturates rather than wrapping. */
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_sequence_gap (batch, "pump-001", G_MAXUINT64);
  mimic_twin_store_apply_batch (store, batch);
  g_object_get (device, "sequence-gaps", &gaps, NULL);
  g_assert_cmpuint (gaps, ==, G_MAXUINT64);
}

static void
test_twin_store_out_of_order (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) late = mimic_update_batch_new ();
  MimicTwinDevice *device;
  MimicSensorReading reading;
  SignalLog sensor_log = { 0, };

  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0 + 2000, 20, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  device = mimic_twin_store_lookup (store, "pump-001");
  g_signal_connect (device, "sensors-changed", G_CALLBACK (on_ids_signal), &sensor_log);

  mimic_update_batch_add_sample (late, "pump-001", "flow", T0 + 1000, 10, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, late);

  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpfloat (reading.value, ==, 20);
  g_assert_cmpint (reading.timestamp_us, ==, T0 + 2000);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 0);
  /* It still reached the history. */
  g_assert_cmpuint (mimic_history_get_n_added (mimic_twin_device_get_history (device, "flow")), ==, 2);

  signal_log_clear (&sensor_log);
}

static void
add_values (MimicUpdateBatch *batch,
            const char       *sensors[],
            const double      values[],
            guint             n)
{
  for (guint i = 0; i < n; i++)
    mimic_update_batch_add_sample (batch, "pump-001", sensors[i], T0, values[i], MIMIC_QUALITY_GOOD);
}

/* Sensors are found by the order they usually come in; another order must
 * still put every value on its own sensor. Changes made while nobody
 * listened are not reported later. */
static void
test_twin_store_sensor_order_changes (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) first = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) second = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) third = mimic_update_batch_new ();
  const char *in_order[] = { "s0", "s1", "s2" };
  const char *rotated[] = { "s2", "s0", "s1" };
  const char *reversed[] = { "s1", "s0" };
  const double values_1[] = { 0, 1, 2 }, values_2[] = { 12, 10, 1 }, values_3[] = { 21, 10 };
  SignalLog sensor_log = { 0, }, store_log = { 0, };
  MimicTwinDevice *device;
  MimicSensorReading reading;

  add_values (first, in_order, values_1, 3);
  mimic_twin_store_apply_batch (store, first);
  device = mimic_twin_store_lookup (store, "pump-001");
  g_signal_connect (device, "sensors-changed", G_CALLBACK (on_ids_signal), &sensor_log);
  g_signal_connect (store, "batch-applied", G_CALLBACK (on_ids_signal), &store_log);

  /* s1 keeps its value and time: unchanged. */
  add_values (second, rotated, values_2, 3);
  mimic_twin_store_apply_batch (store, second);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 1);
  g_assert_cmpuint (g_strv_length (sensor_log.last_ids), ==, 2);
  g_assert_cmpstr (sensor_log.last_ids[0], ==, "s2");
  g_assert_cmpstr (sensor_log.last_ids[1], ==, "s0");
  g_assert_cmpuint (store_log.n_emissions, ==, 1);
  g_assert_cmpstrv (store_log.last_ids, ((const char *[]) { "pump-001", NULL }));

  add_values (third, reversed, values_3, 2);
  mimic_twin_store_apply_batch (store, third);
  g_assert_cmpuint (sensor_log.n_emissions, ==, 2);
  g_assert_cmpstrv (sensor_log.last_ids, ((const char *[]) { "s1", NULL }));

  for (guint i = 0; i < 3; i++)
    {
      const double expected[] = { 10, 21, 12 };

      g_assert_true (mimic_twin_device_get_sensor (device, in_order[i], &reading));
      g_assert_cmpfloat (reading.value, ==, expected[i]);
      g_assert_cmpuint (mimic_history_get_n_added (mimic_twin_device_get_history (device, in_order[i])),
                        ==, i == 2 ? 2 : 3);
    }

  g_signal_handlers_disconnect_by_data (device, &sensor_log);
  g_signal_handlers_disconnect_by_data (store, &store_log);
  signal_log_clear (&sensor_log);
  signal_log_clear (&store_log);
}

static void
test_twin_store_clock_far_ahead (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) ahead = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) normal = mimic_update_batch_new ();
  gint64 now = g_get_real_time ();
  MimicTwinDevice *device;
  MimicSensorReading reading;

  /* A device whose clock is a year ahead sends one value ... */
  mimic_update_batch_add_sample (ahead, "pump-001", "flow", now + 365 * G_TIME_SPAN_DAY, 99, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, ahead);
  device = mimic_twin_store_lookup (store, "pump-001");
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpfloat (reading.value, ==, 99);
  g_assert_cmpuint (mimic_history_get_n_added (mimic_twin_device_get_history (device, "flow")), ==, 0);

  /* ... which neither hides the values after it nor blocks the history. */
  mimic_update_batch_add_sample (normal, "pump-001", "flow", now, 5, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, normal);
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpfloat (reading.value, ==, 5);
  g_assert_cmpint (reading.timestamp_us, ==, now);
  g_assert_cmpuint (mimic_history_get_n_raw (mimic_twin_device_get_history (device, "flow")), ==, 1);
}

static void
test_twin_store_limits (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autofree char *dir = g_dir_make_tmp ("mimic-twin-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(MimicHistoryDb) db = NULL;
  g_autoptr(GError) error = NULL;
  MimicTwinDevice *device;

  db = mimic_history_db_open (path, &error);
  g_assert_no_error (error);
  mimic_twin_store_set_history_db (store, db);
  mimic_twin_store_set_limits (store, 2, 3);

  /* A feed inventing ids: five devices with five sensors each. */
  for (guint d = 0; d < 5; d++)
    for (guint s = 0; s < 5; s++)
      {
        g_autofree char *device_id = g_strdup_printf ("dev-%u", d);
        g_autofree char *sensor_id = g_strdup_printf ("s%u", s);

        mimic_update_batch_add_sample (batch, device_id, sensor_id, T0, s, MIMIC_QUALITY_GOOD);
      }
  mimic_twin_store_apply_batch (store, batch);
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_birth (batch, "dev-4", "pump-skid", NULL, T0);
  mimic_twin_store_apply_batch (store, batch);

  /* Two devices of three sensors each; the rest is refused and counted. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  device = mimic_twin_store_lookup (store, "dev-0");
  g_assert_cmpuint (mimic_twin_device_get_n_sensors (device), ==, 3);
  g_assert_null (mimic_twin_store_lookup (store, "dev-4"));
  g_assert_cmpuint (mimic_twin_store_get_n_applied_samples (store), ==, 6);
  g_assert_cmpuint (mimic_twin_store_get_n_refused_updates (store), ==, 25 - 6 + 1);

  /* The database gets what the twin took, nothing more. */
  mimic_history_db_sync (db);
  g_assert_cmpuint (mimic_history_db_get_n_written (db), ==, 6);

  /* Parameters share the cap. */
  for (guint p = 0; p < 3; p++)
    {
      g_autofree char *name = g_strdup_printf ("p%u", p);

      g_assert_true (mimic_twin_device_set_desired (device, name, p, &error));
      g_assert_no_error (error);
    }
  g_assert_false (mimic_twin_device_set_desired (device, "p3", 3, &error));
  g_assert_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_LIMIT);
  g_assert_nonnull (strstr (error->message, "dev-0"));

  mimic_twin_store_set_history_db (store, NULL);
  mimic_history_db_close (db);
  for (guint i = 0; i < 3; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
  g_rmdir (dir);
}

static void
test_twin_store_parameters (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  MimicTwinDevice *device;
  SignalLog log = { 0, };
  double value;

  mimic_update_batch_add_parameter (batch, "pump-001", "valve_position", 0.6, FALSE, T0);
  mimic_update_batch_add_parameter (batch, "pump-001", "speed_setpoint", 1450, TRUE, T0);
  mimic_twin_store_apply_batch (store, batch);
  device = mimic_twin_store_lookup (store, "pump-001");

  g_assert_true (mimic_twin_device_get_reported (device, "valve_position", &value));
  g_assert_cmpfloat (value, ==, 0.6);
  g_assert_false (mimic_twin_device_get_desired (device, "valve_position", &value));
  g_assert_true (mimic_twin_device_get_desired (device, "speed_setpoint", &value));
  g_assert_cmpfloat (value, ==, 1450);
  g_assert_false (mimic_twin_device_get_reported (device, "speed_setpoint", &value));
  names = mimic_twin_device_dup_parameter_names (device);
  g_assert_cmpuint (g_strv_length (names), ==, 2);

  g_signal_connect (device, "parameters-changed", G_CALLBACK (on_ids_signal), &log);
  g_assert_true (mimic_twin_device_set_desired (device, "valve_position", 0.8, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (log.n_emissions, ==, 1);
  g_assert_cmpstr (log.last_ids[0], ==, "valve_position");
  g_assert_true (mimic_twin_device_get_desired (device, "valve_position", &value));
  g_assert_cmpfloat (value, ==, 0.8);

  /* The same value again is no change. */
  g_assert_true (mimic_twin_device_set_desired (device, "valve_position", 0.8, NULL));
  g_assert_cmpuint (log.n_emissions, ==, 1);

  /* Non-finite values and nameless parameters are refused with a reason. */
  g_assert_false (mimic_twin_device_set_desired (device, "valve_position", NAN, &error));
  g_assert_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "valve_position"));
  g_clear_error (&error);
  g_assert_false (mimic_twin_device_set_desired (device, "", 1, &error));
  g_assert_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_INVALID);
  g_assert_true (mimic_twin_device_get_desired (device, "valve_position", &value));
  g_assert_cmpfloat (value, ==, 0.8);

  signal_log_clear (&log);
}

static void
test_twin_store_finalizes (void)
{
  MimicTwinStore *store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  MimicTwinDevice *device;

  mimic_update_batch_add_sample (batch, "pump-001", "flow", T0, 1, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  device = g_object_ref (mimic_twin_store_lookup (store, "pump-001"));

  /* A queued batch and its pending flush go with the store. */
  mimic_twin_store_queue_batch (store, batch);
  g_assert_finalize_object (store);
  g_assert_finalize_object (device);
  run_main_loop_for (40);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/twin-store/devices-appear", test_twin_store_devices_appear);
  g_test_add_func ("/mimic/twin-store/threads-one-flush", test_twin_store_threads_one_flush);
  g_test_add_func ("/mimic/twin-store/signals-only-on-change", test_twin_store_signals_only_on_change);
  g_test_add_func ("/mimic/twin-store/quality-and-stale", test_twin_store_quality_and_stale);
  g_test_add_func ("/mimic/twin-store/presence-and-last-seen", test_twin_store_presence_and_last_seen);
  g_test_add_func ("/mimic/twin-store/sequence-gaps", test_twin_store_sequence_gaps);
  g_test_add_func ("/mimic/twin-store/sensor-order-changes", test_twin_store_sensor_order_changes);
  g_test_add_func ("/mimic/twin-store/out-of-order", test_twin_store_out_of_order);
  g_test_add_func ("/mimic/twin-store/clock-far-ahead", test_twin_store_clock_far_ahead);
  g_test_add_func ("/mimic/twin-store/limits", test_twin_store_limits);
  g_test_add_func ("/mimic/twin-store/parameters", test_twin_store_parameters);
  g_test_add_func ("/mimic/twin-store/finalizes", test_twin_store_finalizes);

  return g_test_run ();
}
