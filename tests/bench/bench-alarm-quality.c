/* bench-alarm-quality.c — how well the alarms catch faults, measured
 *
 * Simulated devices (the simulator's own physics, noise and faults, run
 * in-process through its library) feed a twin runtime: it calibrates a
 * model per device to that device's first hour, then gives the residuals
 * to the CUSUM detector, and the alarm manager applies the fixed limits
 * of the asset descriptions. For each injected fault it prints the delay
 * from the fault's start to the first "deviates from model" alarm on a
 * sensor the fault acts on (naming any earlier one elsewhere as the false
 * alarm it is) and to the first fixed-limit alarm of that device; for a
 * fault-free fleet over 24 simulated hours it prints the false alarms per
 * device-day. Time is simulated: one sample every
 * PERIOD_S seconds of simulated time. MIMIC_BENCH_CALIBRATION_WINDOW
 * (seconds; default the runtime's) and MIMIC_BENCH_RECALIBRATION (seconds,
 * 0: never) override the runtime's calibration, MIMIC_BENCH_H the CUSUM's h;
 * MIMIC_BENCH_TRACE=1 prints each verdict of the detector, and
 * MIMIC_BENCH_FAULTS=TEXT runs only the fault cases whose name holds TEXT.
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
#include "mimic-twin-runtime.h"

#define PERIOD_S        10.0
#define T0_MS           G_GINT64_CONSTANT (1764172800000)
#define FAULT_START_S   (6 * 3600.0)   /* after the detector's warm-up */
#define MAX_RUN_S       (10 * 86400.0)
#define FLEET_DAY_S     86400.0

typedef struct
{
  MimicSimDevice   *sim;
  char             *id;
  double            first_deviation_s;   /* simulated time; < 0: none yet */
  double            first_limit_s;
  char             *deviation_sensor;
  char             *limit_sensor;
  const char       *affected;            /* ",sensor,…," a fault acts on; NULL: none */
  double            first_affected_s;    /* first deviation on one of them */
  char             *affected_sensor;
  guint             n_deviation;          /* raises counted after warm-up */
  guint             n_limit;
} Unit;

typedef struct
{
  MimicAlarmManager    *manager;
  MimicAnomalyDetector *detector;
  MimicTwinRuntime     *runtime;
  GHashTable           *units;            /* id → Unit */
  double                now_s;
  double                count_from_s;
  long                  operated_period;
} Run;

/* The detector's centre adaptation; MIMIC_BENCH_ADAPTATION overrides it. */
static guint bench_adaptation = MIMIC_ANOMALY_DEFAULT_ADAPTATION_SAMPLES;
static GTimeSpan bench_calibration_window = MIMIC_TWIN_RUNTIME_DEFAULT_CALIBRATION_WINDOW;
static GTimeSpan bench_recalibration = MIMIC_TWIN_RUNTIME_DEFAULT_RECALIBRATION_INTERVAL;
static guint bench_n_calibrations, bench_n_applied;

static void
unit_free (gpointer data)
{
  Unit *unit = data;

  g_object_unref (unit->sim);
  g_free (unit->id);
  g_free (unit->deviation_sensor);
  g_free (unit->limit_sensor);
  g_free (unit->affected_sensor);
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
      g_autofree char *needle = g_strdup_printf (",%s,", mimic_alarm_get_sensor_id (alarm));

      unit->n_deviation++;
      if (unit->first_deviation_s < 0)
        {
          unit->first_deviation_s = run->now_s;
          unit->deviation_sensor = g_strdup (mimic_alarm_get_sensor_id (alarm));
        }
      /* Only a sensor the fault acts on detects it; any other is a false
       * alarm that happened to come at the time. */
      if (unit->first_affected_s < 0 && unit->affected != NULL && strstr (unit->affected, needle) != NULL)
        {
          unit->first_affected_s = run->now_s;
          unit->affected_sensor = g_strdup (mimic_alarm_get_sensor_id (alarm));
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

/* MIMIC_BENCH_TRACE=1 prints every verdict of the detector, to see which
 * sensor raised what and when. */
static void
on_deviation_changed (MimicAnomalyDetector *detector,
                      const char           *device_id,
                      const char           *sensor_id,
                      gboolean              deviating,
                      double                statistic,
                      gint64                timestamp_us,
                      Run                  *run)
{
  MimicAnomalyState state = { 0, };

  mimic_anomaly_detector_get_state (detector, device_id, sensor_id, &state);
  g_print ("#   %8.3f h %s %s %s (%.1f sigma; sigma %.3g, sigma of one sample %.3g, lag-1 correlation %.3f)\n",
           run->now_s / 3600, device_id, sensor_id, deviating ? "deviates" : "back", statistic,
           state.sigma, state.sigma_sample, state.autocorrelation);
}

static void
on_calibrated (MimicTwinRuntime *runtime,
               const char       *device_id,
               gboolean          applied,
               Run              *run)
{
  bench_n_calibrations++;
  bench_n_applied += applied ? 1 : 0;
}

static void
run_init (Run                *run,
          MimicAssetRegistry *registry)
{
  run->manager = mimic_alarm_manager_new ();
  run->detector = mimic_anomaly_detector_new ();
  mimic_anomaly_detector_set_adaptation_samples (run->detector, bench_adaptation);
  if (g_getenv ("MIMIC_BENCH_H") != NULL)
    mimic_anomaly_detector_set_decision_h (run->detector, g_ascii_strtod (g_getenv ("MIMIC_BENCH_H"), NULL));
  /* No store: the benchmark hands the runtime its batches, and the runtime
   * feeds the alarm manager. */
  run->runtime = mimic_twin_runtime_new (NULL, registry);
  mimic_twin_runtime_set_alarm_manager (run->runtime, run->manager);
  mimic_twin_runtime_set_anomaly_detector (run->runtime, run->detector);
  mimic_twin_runtime_set_calibration_window (run->runtime, bench_calibration_window);
  mimic_twin_runtime_set_recalibration_interval (run->runtime, bench_recalibration);
  g_signal_connect (run->runtime, "calibrated", G_CALLBACK (on_calibrated), run);
  run->units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, unit_free);
  run->operated_period = -1;
  g_signal_connect (run->manager, "alarm-raised", G_CALLBACK (on_raised), run);
  if (g_getenv ("MIMIC_BENCH_TRACE") != NULL)
    g_signal_connect (run->detector, "deviation-changed", G_CALLBACK (on_deviation_changed), run);
}

static void
run_clear (Run *run)
{
  while (mimic_twin_runtime_get_n_calibrating (run->runtime) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&run->runtime);
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
  g_autoptr(MimicUpdateBatch) birth = mimic_update_batch_new ();
  g_autoptr(GError) error = NULL;
  Unit *unit = g_new0 (Unit, 1);

  g_assert_nonnull (asset);
  sim_model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), &error);
  g_assert_no_error (error);

  unit->id = g_strdup (id);
  unit->sim = mimic_sim_device_new (id, asset, sim_model, 1, index, &error);
  g_assert_no_error (error);
  unit->first_deviation_s = -1;
  unit->first_limit_s = -1;
  unit->first_affected_s = -1;
  g_hash_table_insert (run->units, unit->id, unit);
  mimic_update_batch_add_birth (birth, id, asset_type, "bench", T0_MS * 1000);
  mimic_twin_runtime_push_batch (run->runtime, birth);
  g_assert_true (mimic_twin_runtime_has_device (run->runtime, id));
  return unit;
}

/* One sample of one unit, through the twin's path: the simulator's JSON,
 * the runtime (model runner, calibration, detector), the limits. */
static void
step_unit (Run     *run,
           Unit    *unit,
           GString *json)
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
    }
  mimic_twin_runtime_push_batch (run->runtime, batch);
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
          GString *json)
{
  GHashTableIter iter;
  Unit *unit;

  run->now_s += PERIOD_S;
  operate_racks (run);
  g_hash_table_iter_init (&iter, run->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    step_unit (run, unit, json);

  /* Calibrations run on worker threads; in simulated time they take no
   * time, so the next sample waits for them. */
  while (mimic_twin_runtime_get_n_calibrating (run->runtime) > 0)
    g_main_context_iteration (NULL, TRUE);
}

#define WEAR_AFFECTS ",vibration,bearing_de_temp,bearing_nde_temp,power,motor_current,"

typedef struct
{
  const char *name;
  const char *asset_type;
  const char *kind;
  const char *params;
  const char *affected;         /* the sensors it acts on, ",a,b," */
} FaultCase;

static void
measure_fault (MimicAssetRegistry *registry,
               const FaultCase    *fault)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0, };
  Unit *unit;
  gboolean injected = FALSE;
  double deviation_h, limit_h;
  g_autofree char *detected_on = NULL;

  run_init (&run, registry);
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
          unit->first_affected_s = -1;
          unit->affected = fault->affected;
          g_clear_pointer (&unit->deviation_sensor, g_free);
          g_clear_pointer (&unit->limit_sensor, g_free);
          g_clear_pointer (&unit->affected_sensor, g_free);
          g_assert_true (mimic_sim_device_add_fault (unit->sim, fault->kind, params, 0, &error));
          g_assert_no_error (error);
          injected = TRUE;
        }
      step_all (&run, json);
    }

  /* The delay counts only a deviation on a sensor the fault acts on; an
   * earlier one elsewhere is named as the false alarm it is. */
  deviation_h = unit->first_affected_s >= 0 ? (unit->first_affected_s - FAULT_START_S) / 3600 : NAN;
  limit_h = unit->first_limit_s >= 0 ? (unit->first_limit_s - FAULT_START_S) / 3600 : NAN;
  if (unit->first_deviation_s >= 0 && unit->first_deviation_s < unit->first_affected_s)
    detected_on = g_strdup_printf ("on %s (false: %s at %.2f h)", unit->affected_sensor, unit->deviation_sensor,
                                   (unit->first_deviation_s - FAULT_START_S) / 3600);
  else if (unit->affected_sensor != NULL)
    detected_on = g_strdup_printf ("on %s", unit->affected_sensor);
  else if (unit->deviation_sensor != NULL)
    detected_on = g_strdup_printf ("none (false: %s at %.2f h)", unit->deviation_sensor,
                                   (unit->first_deviation_s - FAULT_START_S) / 3600);
  else
    detected_on = g_strdup ("none");
  g_print ("| %-34s | %8.2f h | %-18s | %8.2f h | %-24s | %s |\n", fault->name,
           deviation_h, detected_on,
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
  g_autoptr(GString) which = g_string_new (NULL);
  Run run = { 0, };
  GHashTableIter iter;
  Unit *unit;
  guint n_deviation = 0, n_limit = 0;
  double device_days;

  if (n_units == 0)
    return;
  run_init (&run, registry);
  for (guint i = 0; i < n_units; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%03u", prefix, i + 1);

      add_unit (&run, registry, asset_type, id, i);
    }

  /* Learning normal is not operation: count from the end of the warm-up. */
  run.count_from_s = FAULT_START_S;
  while (run.now_s < FAULT_START_S + FLEET_DAY_S)
    step_all (&run, json);

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
    /* Wear heats both bearings, shakes the pump and adds friction the
     * motor pays for. */
    { "pump bearing wear ×200", "pump-skid", "bearing_wear", "rate=200", WEAR_AFFECTS },
    { "pump bearing wear ×50", "pump-skid", "bearing_wear", "rate=50", WEAR_AFFECTS },
    { "pump sensor drift bearing_de_temp 1 °C/h", "pump-skid", "drift", "sensor=bearing_de_temp,rate=1",
      ",bearing_de_temp," },
    { "pump sensor drift flow −2 m³/h per h", "pump-skid", "drift", "sensor=flow,rate=-2", ",flow," },
    /* A module's cold plate acts on that module's temperature; its
     * neighbours and the coolant see a trace of it, too little to count. */
    { "rack module 5 cooling at 20 %", "battery-rack", "cooling", "module=5,factor=0.2", ",module_05_temp," },
    { "rack module 9 cooling lost", "battery-rack", "cooling", "module=9,factor=0", ",module_09_temp," },
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
  if (g_getenv ("MIMIC_BENCH_CALIBRATION_WINDOW") != NULL)
    bench_calibration_window = g_ascii_strtoll (g_getenv ("MIMIC_BENCH_CALIBRATION_WINDOW"), NULL, 10) * G_TIME_SPAN_SECOND;
  if (g_getenv ("MIMIC_BENCH_RECALIBRATION") != NULL)
    bench_recalibration = g_ascii_strtoll (g_getenv ("MIMIC_BENCH_RECALIBRATION"), NULL, 10) * G_TIME_SPAN_SECOND;

  g_assert_true (mimic_asset_registry_load_directory (registry, asset_dir, &error));
  g_assert_no_error (error);

  g_print ("# Alarm quality: one sample per %.0f s of simulated time; CUSUM k = %.2f, h = %.1f, "
           "warm-up %u samples, centre adaptation %u samples; faults start at %.0f h\n\n", PERIOD_S,
           mimic_anomaly_detector_get_reference_k (defaults), mimic_anomaly_detector_get_decision_h (defaults),
           mimic_anomaly_detector_get_warmup_samples (defaults), bench_adaptation, FAULT_START_S / 3600);
  g_print ("# Calibration window %.0f min of sample time before the detector learns; "
           "recalibration every %.0f h\n\n", bench_calibration_window / 60e6, bench_recalibration / 3600e6);

  g_print ("| fault | to deviation alarm | detected on | to fixed-limit alarm | first limit | deviation first |\n");
  g_print ("|---|---|---|---|---|---|\n");
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    if (g_getenv ("MIMIC_BENCH_FAULTS") == NULL || strstr (faults[i].name, g_getenv ("MIMIC_BENCH_FAULTS")) != NULL)
      measure_fault (registry, &faults[i]);

  g_print ("\n| fleet | units | device-days | deviation alarms | per device-day | limit alarms | per device-day |\n");
  g_print ("|---|---|---|---|---|---|---|\n");
  measure_false_alarms (registry, "pump-skid", "pump", n_pumps);
  measure_false_alarms (registry, "battery-rack", "rack", n_racks);

  g_print ("\n# %u calibrations, %u applied\n", bench_n_calibrations, bench_n_applied);
  g_print ("# %.1f s of wall time\n", (g_get_monotonic_time () - start) / 1e6);
  return 0;
}
