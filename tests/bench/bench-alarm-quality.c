/* bench-alarm-quality.c — how well the alarms catch faults, measured
 *
 * Simulated devices (the simulator's own physics, noise and faults, run
 * in-process through its library) feed a twin: a model runner per device
 * gives the residuals, the CUSUM detector watches them, and the alarm
 * manager applies the fixed limits of the asset descriptions. For each
 * injected fault it prints the delay from the fault's start to the first
 * "deviates from model" alarm and to the first fixed-limit alarm of that
 * device; for a fault-free fleet over 24 simulated hours it prints the
 * false alarms per device-day. Time is simulated: one sample every
 * PERIOD_S seconds of simulated time.
 *
 *   meson test -C build --suite bench --verbose bench-alarm-quality
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-alarm-quality"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mimic-anomaly-detector.h"
#include "mimic-asset-registry.h"
#include "mimic-model-runner.h"
#include "mimic-paths.h"
#include "mimic-sim-device.h"

#define PERIOD_S        10.0
#define T0_MS           G_GINT64_CONSTANT (1764172800000)
#define FAULT_START_S   (6 * 3600.0)   /* after the detector's warm-up */
#define MAX_RUN_S       (10 * 86400.0)
#define FLEET_DAY_S     86400.0

typedef struct
{
  MimicSimDevice   *sim;
  MimicModelRunner *runner;
  char             *id;
  double            first_deviation_s;   /* simulated time; < 0: none yet */
  double            first_limit_s;
  char             *deviation_sensor;
  char             *limit_sensor;
  guint             n_deviation;          /* raises counted after warm-up */
  guint             n_limit;
} Unit;

typedef struct
{
  MimicAlarmManager    *manager;
  MimicAnomalyDetector *detector;
  GHashTable           *units;            /* id → Unit */
  double                now_s;
  double                count_from_s;
  long                  operated_period;
} Run;

/* The detector's centre adaptation; MIMIC_BENCH_ADAPTATION overrides it. */
static guint bench_adaptation = MIMIC_ANOMALY_DEFAULT_ADAPTATION_SAMPLES;

static void
unit_free (gpointer data)
{
  Unit *unit = data;

  g_object_unref (unit->sim);
  g_object_unref (unit->runner);
  g_free (unit->id);
  g_free (unit->deviation_sensor);
  g_free (unit->limit_sensor);
  g_free (unit);
}

static void
on_raised (MimicAlarmManager *manager,
           MimicAlarm        *alarm,
           Run               *run)
{
  Unit *unit = g_hash_table_lookup (run->units, mimic_alarm_get_device_id (alarm));
  gboolean deviation = mimic_alarm_get_condition (alarm) == MIMIC_ALARM_CONDITION_DEVIATION;

  if (unit == NULL || run->now_s < run->count_from_s)
    return;

  if (deviation)
    {
      unit->n_deviation++;
      if (unit->first_deviation_s < 0)
        {
          unit->first_deviation_s = run->now_s;
          unit->deviation_sensor = g_strdup (mimic_alarm_get_sensor_id (alarm));
        }
    }
  else
    {
      unit->n_limit++;
      if (unit->first_limit_s < 0)
        {
          unit->first_limit_s = run->now_s;
          unit->limit_sensor = g_strdup_printf ("%s %s", mimic_alarm_get_sensor_id (alarm),
                                                mimic_alarm_condition_to_string (mimic_alarm_get_condition (alarm)));
        }
    }
}

static void
run_init (Run *run)
{
  run->manager = mimic_alarm_manager_new ();
  run->detector = mimic_anomaly_detector_new ();
  mimic_anomaly_detector_set_alarm_manager (run->detector, run->manager);
  mimic_anomaly_detector_set_adaptation_samples (run->detector, bench_adaptation);
  run->units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, unit_free);
  run->operated_period = -1;
  g_signal_connect (run->manager, "alarm-raised", G_CALLBACK (on_raised), run);
}

static void
run_clear (Run *run)
{
  mimic_anomaly_detector_set_alarm_manager (run->detector, NULL);
  g_clear_object (&run->detector);
  g_clear_object (&run->manager);
  g_clear_pointer (&run->units, g_hash_table_unref);
}

static Unit *
add_unit (Run                *run,
          MimicAssetRegistry *registry,
          const char         *asset_type,
          const char         *id,
          guint               index)
{
  MimicAsset *asset = mimic_asset_registry_lookup (registry, asset_type);
  g_autoptr(MimicModel) sim_model = NULL;
  g_autoptr(MimicModel) twin_model = NULL;
  g_autoptr(GError) error = NULL;
  Unit *unit = g_new0 (Unit, 1);

  g_assert_nonnull (asset);
  sim_model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), &error);
  g_assert_no_error (error);
  twin_model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), &error);
  g_assert_no_error (error);

  unit->id = g_strdup (id);
  unit->sim = mimic_sim_device_new (id, asset, sim_model, 1, index, &error);
  g_assert_no_error (error);
  unit->runner = mimic_model_runner_new (twin_model);
  unit->first_deviation_s = -1;
  unit->first_limit_s = -1;
  mimic_alarm_manager_set_device_asset (run->manager, id, asset);
  g_hash_table_insert (run->units, unit->id, unit);
  return unit;
}

/* One sample of one unit, through the twin's path: the simulator's JSON,
 * the model runner, the detector, the limits. */
static void
step_unit (Run     *run,
           Unit    *unit,
           GString *json,
           GArray  *residuals)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *values;
  gint64 ts_ms = T0_MS + (gint64) (run->now_s * 1000);
  g_autoptr(GList) members = NULL;

  mimic_sim_device_advance (unit->sim, PERIOD_S);
  g_string_truncate (json, 0);
  if (!mimic_sim_device_write_telemetry (unit->sim, ts_ms, json))
    return;

  g_assert_true (json_parser_load_from_data (parser, json->str, json->len, &error));
  values = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "values");
  members = json_object_get_members (values);
  for (GList *l = members; l != NULL; l = l->next)
    {
      double value = json_object_get_double_member (values, l->data);

      mimic_update_batch_add_sample (batch, unit->id, l->data, ts_ms * 1000, value, MIMIC_QUALITY_GOOD);
      mimic_alarm_manager_process_sample (run->manager, unit->id, l->data, ts_ms * 1000, value, MIMIC_QUALITY_GOOD);
    }

  g_array_set_size (residuals, 0);
  mimic_model_runner_push_batch (unit->runner, batch, unit->id, residuals);
  mimic_anomaly_detector_push_residuals (run->detector, unit->id, residuals);
}

/* Racks cycle: charge and discharge at 30 kW in turns of three hours,
 * as a peak-shaving rack would, so they never sit at an end of charge. */
static void
operate_racks (Run *run)
{
  GHashTableIter iter;
  Unit *unit;
  long period = (long) (run->now_s / (3 * 3600));
  g_autofree char *request = g_strdup_printf ("{\"id\":\"op-%ld\",\"args\":{\"power\":%d}}",
                                             period, period % 2 == 0 ? 30 : -30);

  if (period == run->operated_period)
    return;
  run->operated_period = period;

  g_hash_table_iter_init (&iter, run->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    {
      g_autofree char *reply = NULL;
      g_autofree char *log_line = NULL;
      gboolean changed = FALSE;

      if (g_strcmp0 (mimic_sim_device_get_asset_type (unit->sim), "battery-rack") != 0)
        continue;
      reply = mimic_sim_device_handle_command (unit->sim, "set_power", request, strlen (request), NULL,
                                               FALSE, 0, 0, &log_line, &changed);
    }
}

static void
step_all (Run     *run,
          GString *json,
          GArray  *residuals)
{
  GHashTableIter iter;
  Unit *unit;

  run->now_s += PERIOD_S;
  operate_racks (run);
  g_hash_table_iter_init (&iter, run->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    step_unit (run, unit, json, residuals);
}

typedef struct
{
  const char *name;
  const char *asset_type;
  const char *kind;
  const char *params;
} FaultCase;

static void
measure_fault (MimicAssetRegistry *registry,
               const FaultCase    *fault)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GArray) residuals = g_array_new (FALSE, FALSE, sizeof (MimicModelResidual));
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0, };
  Unit *unit;
  gboolean injected = FALSE;
  double deviation_h, limit_h;

  run_init (&run);
  unit = add_unit (&run, registry, fault->asset_type, "faulty", 0);
  params = mimic_sim_parse_fault_parameters (fault->params, &error);
  g_assert_no_error (error);

  /* Alarms before the fault are false ones; count from the start. */
  run.count_from_s = 0;
  while (run.now_s < MAX_RUN_S && unit->first_limit_s < 0)
    {
      if (!injected && run.now_s >= FAULT_START_S)
        {
          if (unit->first_deviation_s >= 0 || unit->first_limit_s >= 0)
            g_print ("  (%s: an alarm came before the fault, at %.1f h)\n", fault->name,
                     MAX (unit->first_deviation_s, unit->first_limit_s) / 3600);
          unit->first_deviation_s = -1;
          unit->first_limit_s = -1;
          g_clear_pointer (&unit->deviation_sensor, g_free);
          g_clear_pointer (&unit->limit_sensor, g_free);
          g_assert_true (mimic_sim_device_add_fault (unit->sim, fault->kind, params, 0, &error));
          g_assert_no_error (error);
          injected = TRUE;
        }
      step_all (&run, json, residuals);
    }

  deviation_h = unit->first_deviation_s >= 0 ? (unit->first_deviation_s - FAULT_START_S) / 3600 : NAN;
  limit_h = unit->first_limit_s >= 0 ? (unit->first_limit_s - FAULT_START_S) / 3600 : NAN;
  g_print ("| %-34s | %8.2f h | %-18s | %8.2f h | %-24s | %s |\n", fault->name,
           deviation_h, unit->deviation_sensor != NULL ? unit->deviation_sensor : "none",
           limit_h, unit->limit_sensor != NULL ? unit->limit_sensor : "none within 10 days",
           isfinite (deviation_h) && (!isfinite (limit_h) || deviation_h < limit_h) ? "yes" : "NO");
  run_clear (&run);
}

static void
measure_false_alarms (MimicAssetRegistry *registry,
                      const char         *asset_type,
                      const char         *prefix,
                      guint               n_units)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GArray) residuals = g_array_new (FALSE, FALSE, sizeof (MimicModelResidual));
  g_autoptr(GString) which = g_string_new (NULL);
  Run run = { 0, };
  GHashTableIter iter;
  Unit *unit;
  guint n_deviation = 0, n_limit = 0;
  double device_days;

  run_init (&run);
  for (guint i = 0; i < n_units; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%03u", prefix, i + 1);

      add_unit (&run, registry, asset_type, id, i);
    }

  /* Learning normal is not operation: count from the end of the warm-up. */
  run.count_from_s = FAULT_START_S;
  while (run.now_s < FAULT_START_S + FLEET_DAY_S)
    step_all (&run, json, residuals);

  g_hash_table_iter_init (&iter, run.units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    {
      n_deviation += unit->n_deviation;
      n_limit += unit->n_limit;
      if (unit->n_deviation > 0)
        g_string_append_printf (which, " %s:%s", unit->id, unit->deviation_sensor);
      if (unit->n_limit > 0)
        g_string_append_printf (which, " %s:%s", unit->id, unit->limit_sensor);
    }
  device_days = n_units * FLEET_DAY_S / 86400.0;
  g_print ("| %-12s | %5u | %6.0f | %9u | %8.3f | %9u | %8.3f |%s\n", asset_type, n_units, device_days,
           n_deviation, n_deviation / device_days, n_limit, n_limit / device_days, which->str);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  static const FaultCase faults[] = {
    { "pump bearing wear ×200", "pump-skid", "bearing_wear", "rate=200" },
    { "pump bearing wear ×50", "pump-skid", "bearing_wear", "rate=50" },
    { "pump sensor drift bearing_de_temp 1 °C/h", "pump-skid", "drift", "sensor=bearing_de_temp,rate=1" },
    { "pump sensor drift flow −2 m³/h per h", "pump-skid", "drift", "sensor=flow,rate=-2" },
    { "rack module 5 cooling at 20 %", "battery-rack", "cooling", "module=5,factor=0.2" },
    { "rack module 9 cooling lost", "battery-rack", "cooling", "module=9,factor=0" },
  };
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autoptr(MimicAnomalyDetector) defaults = mimic_anomaly_detector_new ();
  gint64 start = g_get_monotonic_time ();
  guint n_pumps = 20, n_racks = 10;

  if (argc > 1)
    n_pumps = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  if (argc > 2)
    n_racks = (guint) g_ascii_strtoull (argv[2], NULL, 10);
  if (g_getenv ("MIMIC_BENCH_ADAPTATION") != NULL)
    bench_adaptation = (guint) g_ascii_strtoull (g_getenv ("MIMIC_BENCH_ADAPTATION"), NULL, 10);

  g_assert_true (mimic_asset_registry_load_directory (registry, asset_dir, &error));
  g_assert_no_error (error);

  g_print ("# Alarm quality: one sample per %.0f s of simulated time; CUSUM k = %.2f, h = %.1f, "
           "warm-up %u samples, centre adaptation %u samples; faults start at %.0f h\n\n", PERIOD_S,
           mimic_anomaly_detector_get_reference_k (defaults), mimic_anomaly_detector_get_decision_h (defaults),
           mimic_anomaly_detector_get_warmup_samples (defaults), bench_adaptation, FAULT_START_S / 3600);

  g_print ("| fault | to deviation alarm | first deviating sensor | to fixed-limit alarm | first limit | deviation first |\n");
  g_print ("|---|---|---|---|---|---|\n");
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    measure_fault (registry, &faults[i]);

  g_print ("\n| fleet | units | device-days | deviation alarms | per device-day | limit alarms | per device-day |\n");
  g_print ("|---|---|---|---|---|---|---|\n");
  measure_false_alarms (registry, "pump-skid", "pump", n_pumps);
  measure_false_alarms (registry, "battery-rack", "rack", n_racks);

  g_print ("\n# %.1f s of wall time\n", (g_get_monotonic_time () - start) / 1e6);
  return 0;
}
