/* test-twin-runtime.c — a calibrated model beside every device
 *
 * Units are made with the model itself, with individual parameters that
 * differ from the asset's defaults, so the test knows what calibration
 * must find.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-twin-runtime"

#include "config.h"

#include <math.h>

#include "mimic-battery-model.h"
#include "mimic-model-runner.h"
#include "mimic-paths.h"
#include "mimic-twin-runtime.h"

#define PERIOD_S 10.0

typedef struct
{
  MimicModel *model;            /* the unit's "true" parameters */
  double     *inputs;
  double     *state;
  double     *outputs;
  GRand      *rand;
  char       *id;
  gint64      t0_us;
  double      t_s;
  double      drift_per_s;      /* added to bearing_de_temp: an injected fault */
  double      drift_s;
  double      rack_power_kw;    /* a rack's power, reversed every half cycle */
  double      rack_half_cycle_s;
  double      rack_idle_until_s;
} Unit;

static MimicAssetRegistry *
load_registry (void)
{
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autofree char *dir = mimic_paths_get_asset_dir ();
  g_autoptr(GError) error = NULL;

  g_assert_true (mimic_asset_registry_load_directory (registry, dir, &error));
  g_assert_no_error (error);
  g_assert_nonnull (mimic_asset_registry_lookup (registry, "pump-skid"));
  return g_steal_pointer (&registry);
}

static Unit *
unit_new (const char *id,
          double      r_housing_ambient,
          double      wear,
          gint64      t0_us)
{
  Unit *unit = g_new0 (Unit, 1);
  g_autoptr(GError) error = NULL;

  unit->model = mimic_model_new_for_name ("pump-skid", &error);
  g_assert_no_error (error);
  g_assert_true (mimic_model_set_parameter (unit->model, "r_housing_ambient", r_housing_ambient, &error));
  g_assert_true (mimic_model_set_parameter (unit->model, "wear", wear, &error));
  unit->inputs = g_new0 (double, mimic_model_get_n_inputs (unit->model));
  unit->state = g_new0 (double, mimic_model_get_n_states (unit->model));
  unit->outputs = g_new0 (double, mimic_model_get_n_outputs (unit->model));
  mimic_model_fill_default_inputs (unit->model, unit->inputs);
  mimic_model_init_state (unit->model, mimic_model_get_parameters (unit->model), unit->inputs, NULL, unit->state);
  unit->rand = g_rand_new_with_seed (7);
  unit->id = g_strdup (id);
  unit->t0_us = t0_us;
  return unit;
}

static void
unit_free (Unit *unit)
{
  g_object_unref (unit->model);
  g_free (unit->inputs);
  g_free (unit->state);
  g_free (unit->outputs);
  g_rand_free (unit->rand);
  g_free (unit->id);
  g_free (unit);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Unit, unit_free)

static double
gaussian (GRand *rand)
{
  return sqrt (-2.0 * log (g_rand_double_range (rand, 1e-12, 1.0))) * cos (2 * G_PI * g_rand_double (rand));
}

/* One telemetry message: every output, temperatures with 0.05 °C of
 * noise, the rest with 0.2 %, like the simulator. */
static void
unit_step (Unit             *unit,
           MimicUpdateBatch *batch)
{
  g_autoptr(GError) error = NULL;
  gint64 timestamp = unit->t0_us + (gint64) (unit->t_s * G_USEC_PER_SEC);
  int drifting = mimic_model_find_output (unit->model, "bearing_de_temp");

  /* Half an hour in, the operator slows the pump: the unit's own thermal
   * resistance shows in how the motor cools to its new temperature. */
  if (unit->t_s == 1800)
    unit->inputs[mimic_model_find_input (unit->model, "speed_setpoint")] = 1300;
  g_assert_true (mimic_model_advance (unit->model, mimic_model_get_parameters (unit->model), unit->inputs,
                                      unit->state, PERIOD_S, &error));
  unit->t_s += PERIOD_S;
  timestamp = unit->t0_us + (gint64) (unit->t_s * G_USEC_PER_SEC);
  mimic_model_compute_outputs (unit->model, unit->t_s, unit->state, mimic_model_get_parameters (unit->model),
                               unit->inputs, unit->outputs);
  if (unit->drift_per_s != 0)
    unit->drift_s += PERIOD_S;

  for (guint o = 0; o < mimic_model_get_n_outputs (unit->model); o++)
    {
      const MimicModelOutputInfo *info = mimic_model_get_output_info (unit->model, o);
      double value = unit->outputs[o];
      double sigma = g_strcmp0 (info->unit, "°C") == 0 ? 0.05 : 0.002 * fabs (value);

      if (value != 0.0)
        value += sigma * gaussian (unit->rand);
      if ((int) o == drifting)
        value += unit->drift_per_s * unit->drift_s;
      mimic_update_batch_add_sample (batch, unit->id, info->id, timestamp, value, MIMIC_QUALITY_GOOD);
    }
}

/* A rack made with the battery model, with its own capacity and
 * internal resistance. */
static Unit *
rack_unit_new (const char *id,
               double      capacity_factor,
               double      r0_factor,
               gint64      t0_us)
{
  Unit *unit = g_new0 (Unit, 1);
  g_autoptr(GError) error = NULL;
  MimicModel *model;

  unit->model = model = mimic_model_new_for_name ("battery-rack", &error);
  g_assert_no_error (error);
  g_assert_true (mimic_model_set_parameter (model, "capacity",
                                            mimic_model_get_parameter (model, "capacity") * capacity_factor, &error));
  g_assert_true (mimic_model_set_parameter (model, "r0", mimic_model_get_parameter (model, "r0") * r0_factor, &error));
  unit->inputs = g_new0 (double, mimic_model_get_n_inputs (model));
  unit->state = g_new0 (double, mimic_model_get_n_states (model));
  unit->outputs = g_new0 (double, mimic_model_get_n_outputs (model));
  mimic_model_fill_default_inputs (model, unit->inputs);
  mimic_model_init_state (model, mimic_model_get_parameters (model), unit->inputs, NULL, unit->state);
  unit->rand = g_rand_new_with_seed (11);
  unit->id = g_strdup (id);
  unit->t0_us = t0_us;
  unit->rack_power_kw = 30;
  unit->rack_half_cycle_s = 2 * 3600;
  return unit;
}

/* One telemetry message of a rack that discharges and charges at its
 * power in turns, the power reversing at the start of a half cycle as an
 * energy management system's set-point step would. Noise as the
 * simulator's: 0.05 °C on temperatures, 0.02 points on percentages,
 * 0.2 % elsewhere, none on an exact zero (no current while idle). */
static void
rack_unit_step (Unit             *unit,
                MimicUpdateBatch *batch)
{
  g_autoptr(GError) error = NULL;
  int power_input = mimic_model_find_input (unit->model, "power_setpoint");
  gint64 timestamp;
  double power = 0;

  if (unit->t_s >= unit->rack_idle_until_s)
    power = fmod (unit->t_s - unit->rack_idle_until_s, 2 * unit->rack_half_cycle_s) < unit->rack_half_cycle_s
            ? unit->rack_power_kw : -unit->rack_power_kw;
  unit->inputs[power_input] = power;
  g_assert_true (mimic_model_advance (unit->model, mimic_model_get_parameters (unit->model), unit->inputs,
                                      unit->state, PERIOD_S, &error));
  g_assert_no_error (error);
  unit->t_s += PERIOD_S;
  timestamp = unit->t0_us + (gint64) (unit->t_s * G_USEC_PER_SEC);
  mimic_model_compute_outputs (unit->model, unit->t_s, unit->state, mimic_model_get_parameters (unit->model),
                               unit->inputs, unit->outputs);

  for (guint o = 0; o < mimic_model_get_n_outputs (unit->model); o++)
    {
      const MimicModelOutputInfo *info = mimic_model_get_output_info (unit->model, o);
      double value = unit->outputs[o];
      double sigma = g_strcmp0 (info->unit, "°C") == 0 ? 0.05
                     : g_strcmp0 (info->unit, "%") == 0 ? 0.02 : 0.002 * fabs (value);

      if (value != 0.0)
        value += sigma * gaussian (unit->rand);
      mimic_update_batch_add_sample (batch, unit->id, info->id, timestamp, value, MIMIC_QUALITY_GOOD);
    }
}

static void
push_birth (MimicTwinRuntime *runtime,
            const char       *id,
            const char       *asset_type,
            gint64            timestamp_us)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

  mimic_update_batch_add_birth (batch, id, asset_type, "test", timestamp_us);
  mimic_twin_runtime_push_batch (runtime, batch);
}

static void
wait_for_calibrations (MimicTwinRuntime *runtime)
{
  while (mimic_twin_runtime_get_n_calibrating (runtime) > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the unit for @duration_s through the runtime; returns the RMS of
 * the winding and bearing residuals over that time. */
static double
run_unit (MimicTwinRuntime *runtime,
          Unit             *unit,
          double            duration_s)
{
  const char *watched[] = { "winding_temp", "bearing_de_temp", "vibration" };
  double sum = 0;
  guint n = 0;

  for (double t = 0; t < duration_s; t += PERIOD_S)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      unit_step (unit, batch);
      mimic_twin_runtime_push_batch (runtime, batch);
      wait_for_calibrations (runtime);
      for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
        {
          MimicTwinExpectation e;

          if (mimic_twin_runtime_get_expectation (runtime, unit->id, watched[i], &e))
            {
              sum += e.residual * e.residual / MAX (fabs (e.expected) * 1e-3, 1e-3);
              n++;
            }
        }
    }
  return n > 0 ? sqrt (sum / n) : NAN;
}

static void
on_calibrated (MimicTwinRuntime *runtime,
               const char       *device_id,
               gboolean          applied,
               guint            *n_applied)
{
  if (applied)
    (*n_applied)++;
}

static void
test_birth (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (store, registry);
  g_autoptr(MimicUpdateBatch) before = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) birth = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) strange = mimic_update_batch_new ();
  g_autoptr(Unit) unit = NULL;
  gint64 t0 = g_get_real_time () - 2 * G_TIME_SPAN_HOUR;
  MimicTwinExpectation e;

  /* Telemetry without a birth: the asset type is unknown, no model. */
  unit = unit_new ("pump-9", 0.0215, 0.2, t0);
  unit_step (unit, before);
  mimic_twin_store_apply_batch (store, before);
  g_assert_nonnull (mimic_twin_store_lookup (store, "pump-9"));
  g_assert_false (mimic_twin_runtime_has_device (runtime, "pump-9"));

  /* An asset type nobody described gets none either. */
  mimic_update_batch_add_birth (strange, "thing-1", "no-such-asset", "1", t0);
  mimic_update_batch_add_sample (strange, "thing-1", "winding_temp", t0, 50, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, strange);
  g_assert_false (mimic_twin_runtime_has_device (runtime, "thing-1"));
  g_assert_false (mimic_twin_runtime_get_expectation (runtime, "thing-1", "winding_temp", &e));

  mimic_update_batch_add_birth (birth, "pump-9", "pump-skid", "1", unit->t0_us);
  mimic_twin_store_apply_batch (store, birth);
  g_assert_true (mimic_twin_runtime_has_device (runtime, "pump-9"));
  g_assert_nonnull (mimic_twin_runtime_get_model (runtime, "pump-9"));
  g_assert_false (mimic_twin_runtime_is_calibrated (runtime, "pump-9"));
  g_assert_null (mimic_twin_runtime_get_last_fit (runtime, "pump-9"));

  /* Through the store: the expected values follow the readings. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      unit_step (unit, batch);
      mimic_twin_store_apply_batch (store, batch);
    }
  g_assert_true (mimic_twin_runtime_get_expectation (runtime, "pump-9", "winding_temp", &e));
  g_assert_false (e.drives_input);
  g_assert_cmpint (e.timestamp_us, ==, unit->t0_us + (gint64) (unit->t_s * G_USEC_PER_SEC));
  g_assert_cmpfloat (fabs (e.residual - (e.actual - e.expected)), <, 1e-9);
  g_assert_cmpfloat (fabs (e.residual), <, 10.0);
  g_assert_true (mimic_twin_runtime_get_expectation (runtime, "pump-9", "speed", &e));
  g_assert_true (e.drives_input);
  g_assert_false (mimic_twin_runtime_get_expectation (runtime, "pump-9", "no_such_sensor", &e));
  g_assert_false (mimic_twin_runtime_get_expectation (runtime, "pump-404", "winding_temp", &e));
}

static void
on_calibrate_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError **error = user_data;

  mimic_twin_runtime_calibrate_finish (MIMIC_TWIN_RUNTIME (source), result, error);
}

static void
test_unknown_device (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (NULL, registry);
  GError *error = NULL;

  mimic_twin_runtime_calibrate_async (runtime, "pump-404", NULL, on_calibrate_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, MIMIC_TWIN_RUNTIME_ERROR, MIMIC_TWIN_RUNTIME_ERROR_UNKNOWN_DEVICE);
  g_clear_error (&error);

  /* Known, but nothing to fit yet. */
  push_birth (runtime, "pump-1", "pump-skid", g_get_real_time ());
  mimic_twin_runtime_calibrate_async (runtime, "pump-1", NULL, on_calibrate_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_NOT_ENOUGH_DATA);
  g_clear_error (&error);
  g_assert_false (mimic_twin_runtime_is_calibrated (runtime, "pump-1"));
  g_assert_false (mimic_twin_runtime_is_detecting (runtime, "pump-1"));
}

static void
test_calibration_converges (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (NULL, registry);
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(Unit) unit = unit_new ("pump-1", 0.0205 * 1.08, 0.28, G_GINT64_CONSTANT (1700000000000000));
  const MimicCalibrationFit *fit;
  MimicModel *model;
  MimicAnomalyState state;
  double before, after;
  guint n_applied = 0;

  mimic_twin_runtime_set_anomaly_detector (runtime, detector);
  mimic_twin_runtime_set_recalibration_interval (runtime, 0);
  g_signal_connect (runtime, "calibrated", G_CALLBACK (on_calibrated), &n_applied);
  push_birth (runtime, unit->id, "pump-skid", unit->t0_us);

  /* The first hour runs the defaults; nothing reaches the detector. */
  before = run_unit (runtime, unit, 3600 - 2 * PERIOD_S);
  g_assert_false (mimic_twin_runtime_is_detecting (runtime, unit->id));
  g_assert_false (mimic_anomaly_detector_get_state (detector, unit->id, "winding_temp", &state));

  after = run_unit (runtime, unit, 3600);
  g_assert_cmpuint (n_applied, ==, 1);
  g_assert_true (mimic_twin_runtime_is_calibrated (runtime, unit->id));
  g_assert_true (mimic_twin_runtime_is_detecting (runtime, unit->id));
  g_assert_true (mimic_anomaly_detector_get_state (detector, unit->id, "winding_temp", &state));

  model = mimic_twin_runtime_get_model (runtime, unit->id);
  g_test_message ("r_housing_ambient %g (true %g), wear %g (true 0.28); residual RMS %g → %g",
                  mimic_model_get_parameter (model, "r_housing_ambient"), 0.0205 * 1.08,
                  mimic_model_get_parameter (model, "wear"), before, after);
  g_assert_cmpfloat (fabs (mimic_model_get_parameter (model, "r_housing_ambient") / (0.0205 * 1.08) - 1), <, 0.02);
  g_assert_cmpfloat (fabs (mimic_model_get_parameter (model, "wear") - 0.28), <, 0.02);

  fit = mimic_twin_runtime_get_last_fit (runtime, unit->id);
  g_assert_nonnull (fit);
  g_assert_cmpfloat (fit->cost, <, fit->current_cost);
  g_assert_cmpfloat (fit->r_squared, >, 0.5);
  g_assert_cmpfloat (after, <, before / 3);
}

/* A calibrated unit stays quiet while healthy, then a drifting bearing
 * sensor raises "deviates from model" well before its fixed limit. */
static void
test_fault_after_calibration (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (NULL, registry);
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(MimicAlarmManager) manager = mimic_alarm_manager_new ();
  g_autoptr(Unit) unit = unit_new ("pump-2", 0.0205 * 0.95, 0.05, G_GINT64_CONSTANT (1700000000000000));
  MimicAlarm *alarm;
  MimicAnomalyState state;
  double fault_s;

  mimic_anomaly_detector_set_warmup_samples (detector, 300);
  mimic_twin_runtime_set_anomaly_detector (runtime, detector);
  mimic_twin_runtime_set_alarm_manager (runtime, manager);
  g_assert_true (mimic_twin_runtime_get_alarm_manager (runtime) == manager);
  mimic_twin_runtime_set_recalibration_interval (runtime, 0);
  push_birth (runtime, unit->id, "pump-skid", unit->t0_us);

  /* Calibration, settling, warm-up, then eight healthy hours. */
  run_unit (runtime, unit, 12 * 3600);
  g_assert_true (mimic_twin_runtime_is_calibrated (runtime, unit->id));
  g_assert_true (mimic_anomaly_detector_get_state (detector, unit->id, "bearing_de_temp", &state));
  g_assert_true (state.warmed_up);
  g_assert_null (mimic_alarm_manager_lookup (manager, unit->id, "winding_temp", MIMIC_ALARM_CONDITION_DEVIATION));
  g_assert_null (mimic_alarm_manager_lookup (manager, unit->id, "bearing_de_temp", MIMIC_ALARM_CONDITION_DEVIATION));
  g_assert_null (mimic_alarm_manager_lookup (manager, unit->id, "vibration", MIMIC_ALARM_CONDITION_DEVIATION));

  /* 1 °C per hour on the drive-end bearing's sensor. */
  unit->drift_per_s = 1.0 / 3600;
  fault_s = unit->t_s;
  while ((alarm = mimic_alarm_manager_lookup (manager, unit->id, "bearing_de_temp",
                                              MIMIC_ALARM_CONDITION_DEVIATION)) == NULL &&
         unit->t_s < fault_s + 3 * 3600)
    run_unit (runtime, unit, PERIOD_S);
  g_assert_nonnull (alarm);
  g_test_message ("deviation alarm %.2f h after the drift began", (unit->t_s - fault_s) / 3600);
  g_assert_cmpfloat (unit->t_s - fault_s, <, 3600);
  g_assert_true (mimic_alarm_get_active (alarm));
}

/* The model's charge is anchored to the rack's reported state of charge:
 * a capacity 3 % off the model's, which the open integral turns into a
 * state-of-charge error of most of a percent per half cycle, leaves the
 * soc residual at the noise over three full cycles. */
static void
test_rack_observer_anchors_soc (void)
{
  g_autoptr(Unit) unit = rack_unit_new ("rack-1", 1.03, 1.0, G_GINT64_CONSTANT (1700000000000000));
  g_autoptr(MimicModel) model = NULL;
  g_autoptr(MimicModelRunner) anchored = NULL;
  g_autoptr(MimicModelRunner) open_loop = NULL;
  g_autoptr(GError) error = NULL;
  double block_sum = 0, worst_block = 0, worst_open = 0;
  guint block_n = 0;

  model = mimic_model_new_for_name ("battery-rack", &error);
  g_assert_no_error (error);
  anchored = mimic_model_runner_new (model);
  open_loop = mimic_model_runner_new (model);
  g_assert_cmpfloat (mimic_model_runner_get_observer_gain (anchored, "soc"), ==,
                     MIMIC_BATTERY_MODEL_SOC_OBSERVER_GAIN);
  g_assert_true (mimic_model_runner_set_observer_gain (open_loop, "soc", 0, &error));
  g_assert_no_error (error);

  /* Only the state of charge is corrected, and only by a sane gain. */
  g_assert_cmpfloat (mimic_model_runner_get_observer_gain (anchored, "module_09_temp"), ==, 0);
  g_assert_false (mimic_model_runner_set_observer_gain (anchored, "module_09_temp", 0.1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  g_assert_false (mimic_model_runner_set_observer_gain (anchored, "soc", NAN, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_model_runner_set_observer_gain (anchored, "soc", -1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  while (unit->t_s < 3 * 2 * unit->rack_half_cycle_s)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
      g_autoptr(GArray) residuals = g_array_new (FALSE, FALSE, sizeof (MimicModelResidual));
      g_autoptr(GArray) open_residuals = g_array_new (FALSE, FALSE, sizeof (MimicModelResidual));

      rack_unit_step (unit, batch);
      mimic_model_runner_push_batch (anchored, batch, unit->id, residuals);
      mimic_model_runner_push_batch (open_loop, batch, unit->id, open_residuals);
      for (guint i = 0; i < residuals->len; i++)
        {
          const MimicModelResidual *r = &g_array_index (residuals, MimicModelResidual, i);
          const MimicModelResidual *o = &g_array_index (open_residuals, MimicModelResidual, i);

          g_assert_cmpstr (r->sensor_id, ==, o->sensor_id);
          if (g_strcmp0 (r->sensor_id, "soc") != 0)
            continue;
          worst_open = MAX (worst_open, fabs (o->residual));
          /* Half an hour for the first readings to meet the model. */
          if (unit->t_s < 1800)
            continue;
          block_sum += r->residual;
          if (++block_n == 30)
            {
              worst_block = MAX (worst_block, fabs (block_sum / block_n));
              block_sum = 0;
              block_n = 0;
            }
        }
    }

  g_test_message ("soc residual: open loop up to %.3f points, anchored 5-minute means up to %.4f points",
                  worst_open, worst_block);
  g_assert_cmpfloat (worst_open, >, 0.3);
  /* The readings' own noise averages to 0.004 points over a block. */
  g_assert_cmpfloat (worst_block, <, 0.01);
}

typedef struct
{
  double  now_s;
  double  first_s;
  char   *first_sensor;
  guint   n_raised;
} DeviationLog;

static void
on_deviation_raised (MimicAlarmManager *manager,
                     MimicAlarm        *alarm,
                     DeviationLog      *log)
{
  if (mimic_alarm_get_condition (alarm) != MIMIC_ALARM_CONDITION_DEVIATION)
    return;
  g_test_message ("%.2f h: %s deviates from model", log->now_s / 3600, mimic_alarm_get_sensor_id (alarm));
  if (log->n_raised++ == 0)
    {
      log->first_s = log->now_s;
      log->first_sensor = g_strdup (mimic_alarm_get_sensor_id (alarm));
    }
}

static void
run_rack (MimicTwinRuntime *runtime,
          Unit             *unit,
          DeviationLog     *log,
          double            until_s)
{
  while (unit->t_s < until_s)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      rack_unit_step (unit, batch);
      log->now_s = unit->t_s;
      mimic_twin_runtime_push_batch (runtime, batch);
      wait_for_calibrations (runtime);
    }
}

/* A rack that idles through its calibration and the detector's warm-up
 * and only then starts cycling, its power reversing every hour: neither
 * the first current through it nor the reversals are a deviation. */
static void
test_rack_reversal_no_alarm (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (NULL, registry);
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(MimicAlarmManager) manager = mimic_alarm_manager_new ();
  g_autoptr(Unit) unit = rack_unit_new ("rack-2", 1.03, 1.05, G_GINT64_CONSTANT (1700000000000000));
  DeviationLog log = { 0, };
  MimicAnomalyState state;
  double worst_reversal = 0;

  mimic_twin_runtime_set_anomaly_detector (runtime, detector);
  mimic_twin_runtime_set_alarm_manager (runtime, manager);
  g_signal_connect (manager, "alarm-raised", G_CALLBACK (on_deviation_raised), &log);
  push_birth (runtime, unit->id, "battery-rack", unit->t0_us);
  unit->rack_idle_until_s = 5 * 3600;
  unit->rack_half_cycle_s = 3600;

  run_rack (runtime, unit, &log, unit->rack_idle_until_s);
  g_assert_true (mimic_twin_runtime_is_detecting (runtime, unit->id));
  g_assert_true (mimic_anomaly_detector_get_state (detector, unit->id, "module_01_temp", &state));
  g_assert_true (state.warmed_up);
  /* No current flowed: nothing was learnt about its noise yet. */
  g_assert_true (mimic_anomaly_detector_get_state (detector, unit->id, "rack_current", &state));
  g_assert_false (state.warmed_up);

  /* The model takes the power reading of each sample before comparing
   * the current of that sample, so the reading right after a reversal
   * is already on the new side: its residual is the transmitter's noise,
   * not the 76 A step. */
  while (unit->t_s < unit->rack_idle_until_s + 12 * 3600)
    {
      MimicTwinExpectation e;

      run_rack (runtime, unit, &log, unit->t_s + PERIOD_S);
      if (fmod (unit->t_s - unit->rack_idle_until_s, unit->rack_half_cycle_s) == PERIOD_S)
        {
          g_assert_true (mimic_twin_runtime_get_expectation (runtime, unit->id, "rack_current", &e));
          worst_reversal = MAX (worst_reversal, fabs (e.residual) / (0.002 * fabs (e.actual)));
        }
    }
  g_test_message ("rack_current residual right after a reversal: up to %.1f σ of its noise", worst_reversal);
  g_assert_cmpfloat (worst_reversal, <, 5);
  g_assert_true (mimic_anomaly_detector_get_state (detector, unit->id, "rack_current", &state));
  g_assert_true (state.warmed_up);
  g_assert_cmpuint (log.n_raised, ==, 0);
  g_free (log.first_sensor);
}

/* With the charge anchored, a module whose cold plate stops working is
 * still found on its own temperature: the observer corrects no
 * temperature. */
static void
test_rack_cooling_loss (void)
{
  g_autoptr(MimicAssetRegistry) registry = load_registry ();
  g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (NULL, registry);
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(MimicAlarmManager) manager = mimic_alarm_manager_new ();
  g_autoptr(Unit) unit = rack_unit_new ("rack-3", 1.03, 0.97, G_GINT64_CONSTANT (1700000000000000));
  DeviationLog log = { 0, };
  double fault_s = 6 * 3600;

  mimic_twin_runtime_set_anomaly_detector (runtime, detector);
  mimic_twin_runtime_set_alarm_manager (runtime, manager);
  g_signal_connect (manager, "alarm-raised", G_CALLBACK (on_deviation_raised), &log);
  push_birth (runtime, unit->id, "battery-rack", unit->t0_us);

  run_rack (runtime, unit, &log, fault_s);
  g_assert_cmpuint (log.n_raised, ==, 0);

  unit->inputs[mimic_model_find_input (unit->model, "module_09_cooling")] = 0.0;
  while (log.n_raised == 0 && unit->t_s < fault_s + 4 * 3600)
    run_rack (runtime, unit, &log, unit->t_s + PERIOD_S);
  g_assert_cmpuint (log.n_raised, >, 0);
  g_test_message ("cooling loss found on %s %.2f h after it began", log.first_sensor,
                  (log.first_s - fault_s) / 3600);
  g_assert_cmpstr (log.first_sensor, ==, "module_09_temp");
  g_assert_cmpfloat (log.first_s - fault_s, <, 3 * 3600);
  g_free (log.first_sensor);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/twin-runtime/birth", test_birth);
  g_test_add_func ("/mimic/twin-runtime/unknown-device", test_unknown_device);
  g_test_add_func ("/mimic/twin-runtime/calibration-converges", test_calibration_converges);
  g_test_add_func ("/mimic/twin-runtime/fault-after-calibration", test_fault_after_calibration);
  g_test_add_func ("/mimic/twin-runtime/rack/observer-anchors-soc", test_rack_observer_anchors_soc);
  g_test_add_func ("/mimic/twin-runtime/rack/reversal-no-alarm", test_rack_reversal_no_alarm);
  g_test_add_func ("/mimic/twin-runtime/rack/cooling-loss", test_rack_cooling_loss);

  return g_test_run ();
}
