/* test-models.c — the physics models and their integration
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "mimic-battery-model.h"
#include "mimic-model-run.h"
#include "mimic-model.h"
#include "mimic-pump-model.h"

#define DAY 86400.0

static double
output_of (MimicModel   *model,
           const double *outputs,
           const char   *id)
{
  int index = mimic_model_find_output (model, id);

  g_assert_cmpint (index, >=, 0);
  return outputs[index];
}

static void
set_input (MimicModel *model,
           double     *inputs,
           const char *id,
           double      value)
{
  int index = mimic_model_find_input (model, id);

  g_assert_cmpint (index, >=, 0);
  inputs[index] = value;
}

static double *
new_default_inputs (MimicModel *model)
{
  double *inputs = g_new0 (double, mimic_model_get_n_inputs (model));

  mimic_model_fill_default_inputs (model, inputs);
  return inputs;
}

static double *
new_initial_state (MimicModel   *model,
                   const double *inputs)
{
  double *state = g_new0 (double, mimic_model_get_n_states (model));

  mimic_model_init_state (model, mimic_model_get_parameters (model), inputs, NULL, state);
  return state;
}

static void
test_models_registry (void)
{
  const char * const *names = mimic_model_list_names ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicModel) missing = NULL;

  g_assert_cmpstr (names[0], ==, "pump-skid");
  g_assert_cmpstr (names[1], ==, "battery-rack");
  g_assert_null (names[2]);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(MimicModel) model = mimic_model_new_for_name (names[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (mimic_model_get_name (model), ==, names[i]);
      g_assert_cmpuint (mimic_model_get_n_outputs (model), >, 0);
      g_assert_cmpuint (mimic_model_get_n_kpis (model), ==, 2);
    }

  missing = mimic_model_new_for_name ("steam-turbine", &error);
  g_assert_null (missing);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_MODEL);
}

/* Every sensor of the shared asset contract is a model output. */
static void
test_models_outputs_match_sensors (void)
{
  const char *pump_sensors[] = {
    "motor_current", "power", "winding_temp", "bearing_de_temp", "bearing_nde_temp",
    "vibration", "speed", "flow", "suction_pressure", "discharge_pressure",
    "valve_position", "ambient_temp",
  };
  const char *pump_inputs[] = {
    "ambient_temp", "speed_setpoint", "valve_setpoint", "maintenance_delay", "electricity_price",
  };
  const char *battery_sensors[] = {
    "rack_voltage", "rack_current", "power", "soc", "soh", "coolant_inlet_temp", "coolant_outlet_temp",
  };
  const char *battery_inputs[] = { "ambient_temp", "power_setpoint", "coolant_flow", "cycles_per_day" };
  g_autoptr(MimicModel) pump = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicModel) battery = mimic_model_new_for_name ("battery-rack", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (pump_sensors); i++)
    g_assert_cmpint (mimic_model_find_output (pump, pump_sensors[i]), >=, 0);
  for (guint i = 0; i < G_N_ELEMENTS (pump_inputs); i++)
    g_assert_cmpint (mimic_model_find_input (pump, pump_inputs[i]), >=, 0);
  for (guint i = 0; i < G_N_ELEMENTS (battery_sensors); i++)
    g_assert_cmpint (mimic_model_find_output (battery, battery_sensors[i]), >=, 0);
  for (guint i = 1; i <= 16; i++)
    {
      g_autofree char *id = g_strdup_printf ("module_%02u_temp", i);

      g_assert_cmpint (mimic_model_find_output (battery, id), >=, 0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (battery_inputs); i++)
    g_assert_cmpint (mimic_model_find_input (battery, battery_inputs[i]), >=, 0);
  g_assert_cmpuint (mimic_model_get_n_outputs (pump), ==, G_N_ELEMENTS (pump_sensors));
  g_assert_cmpuint (mimic_model_get_n_outputs (battery), ==, G_N_ELEMENTS (battery_sensors) + 16);
}

/* After a long run at constant load the winding sits at ambient plus the
 * losses times both thermal resistances; the losses are electrical power
 * minus mechanical power. */
static void
test_models_pump_steady_state (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  g_autofree double *outputs = g_new0 (double, mimic_model_get_n_outputs (model));
  const double *params;
  double shaft, loss_kw, expected, friction, wear;

  g_assert_true (mimic_model_set_parameter (model, "wear_rate", 0.0, NULL));
  params = mimic_model_get_parameters (model);
  set_input (model, inputs, "ambient_temp", 30.0);
  set_input (model, inputs, "valve_setpoint", 80.0);
  state = new_initial_state (model, inputs);
  /* Start cold so the run has to get there. */
  state[mimic_model_find_state (model, "winding_temp")] = 30.0;
  state[mimic_model_find_state (model, "housing_temp")] = 30.0;

  g_assert_true (mimic_model_advance (model, params, inputs, state, 2 * DAY, NULL));
  mimic_model_compute_outputs (model, 0, state, params, inputs, outputs);

  mimic_pump_model_operating_point (params, 1480, 80, NULL, NULL, &shaft);
  wear = mimic_model_get_parameter (model, "wear");
  friction = mimic_model_get_parameter (model, "bearing_friction") * (1.0 + wear);
  loss_kw = output_of (model, outputs, "power") - shaft - friction;
  g_assert_cmpfloat (loss_kw, >, 0.3);
  expected = 30.0 + loss_kw * 1000.0 * (mimic_model_get_parameter (model, "r_housing_ambient") +
                                        mimic_model_get_parameter (model, "r_winding_housing"));
  g_test_message ("winding %.3f °C, expected %.3f °C, losses %.3f kW",
                  output_of (model, outputs, "winding_temp"), expected, loss_kw);
  g_assert_cmpfloat_with_epsilon (output_of (model, outputs, "winding_temp"), expected, 0.01);

  /* Hydraulics: pressure rise is the head. */
  {
    double head;

    mimic_pump_model_operating_point (params, 1480, 80, NULL, &head, NULL);
    g_assert_cmpfloat_with_epsilon (output_of (model, outputs, "discharge_pressure") -
                                    output_of (model, outputs, "suction_pressure"),
                                    998 * 9.80665 * head / 1e5, 1e-9);
  }
}

static void
test_models_pump_affinity_laws (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  const double *params;
  double q1, h1, p1, q2, h2, p2, ratio = 1200.0 / 1500.0;

  /* The affinity laws hold between similar operating points: without
   * static head the system curve is a parabola through the origin. */
  g_assert_true (mimic_model_set_parameter (model, "static_head", 0.0, NULL));
  params = mimic_model_get_parameters (model);
  mimic_pump_model_operating_point (params, 1500, 70, &q1, &h1, &p1);
  mimic_pump_model_operating_point (params, 1200, 70, &q2, &h2, &p2);

  g_assert_cmpfloat (q1, >, 10.0);
  g_assert_cmpfloat_with_epsilon (q2 / q1, ratio, 1e-9);
  g_assert_cmpfloat_with_epsilon (h2 / h1, ratio * ratio, 1e-9);
  g_assert_cmpfloat_with_epsilon (p2 / p1, ratio * ratio * ratio, 1e-9);

  /* With static head, flow falls faster than speed. */
  g_assert_true (mimic_model_set_parameter (model, "static_head", 10.0, NULL));
  mimic_pump_model_operating_point (params, 1500, 70, &q1, NULL, NULL);
  mimic_pump_model_operating_point (params, 1200, 70, &q2, NULL, NULL);
  g_assert_cmpfloat (q2 / q1, <, ratio);

  /* Closing the valve moves the operating point to less flow, more head. */
  mimic_pump_model_operating_point (params, 1500, 40, &q2, &h2, NULL);
  mimic_pump_model_operating_point (params, 1500, 100, &q1, &h1, NULL);
  g_assert_cmpfloat (q2, <, q1);
  g_assert_cmpfloat (h2, >, h1);
}

static void
test_models_pump_wear_and_maintenance (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  g_autofree double *new_out = g_new0 (double, mimic_model_get_n_outputs (model));
  g_autofree double *worn_out = g_new0 (double, mimic_model_get_n_outputs (model));
  g_autoptr(MimicModelRun) run = NULL;
  g_autoptr(MimicModelRun) maintained = NULL;
  g_autoptr(GError) error = NULL;
  const double *params = mimic_model_get_parameters (model);
  int wear = mimic_model_find_state (model, "wear");
  MimicModelRunOptions options;

  state = new_initial_state (model, inputs);
  state[wear] = 0.0;
  mimic_model_compute_outputs (model, 0, state, params, inputs, new_out);
  state[wear] = 0.8;
  mimic_model_compute_outputs (model, 0, state, params, inputs, worn_out);
  g_assert_cmpfloat (output_of (model, worn_out, "bearing_de_temp"), >, output_of (model, new_out, "bearing_de_temp") + 5);
  g_assert_cmpfloat (output_of (model, worn_out, "bearing_nde_temp"), >, output_of (model, new_out, "bearing_nde_temp") + 5);
  g_assert_cmpfloat (output_of (model, worn_out, "vibration"), >, output_of (model, new_out, "vibration") + 3);

  g_assert_true (mimic_model_apply_action (model, "maintenance", params, state, NULL));
  g_assert_cmpfloat (state[wear], ==, 0.0);
  g_assert_false (mimic_model_apply_action (model, "repaint", params, state, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);

  /* Wear grows over time, faster when hot. */
  mimic_model_run_options_init (&options);
  state[wear] = 0.3;
  run = mimic_model_run (model, params, inputs, state, 20 * DAY, NULL, 0, NULL, 0, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (run->final_state[wear], >, 0.35);

  /* Maintenance due at day 10 resets it half way. */
  g_assert_true (mimic_model_set_parameter (model, "service_due", 10, NULL));
  maintained = mimic_model_run (model, params, inputs, state, 20 * DAY, NULL, 0, NULL, 0, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (maintained->final_state[wear], <, 0.1);
  g_assert_cmpfloat (maintained->final_state[wear], >, 0.0);
  g_test_message ("wear after 20 days: %.4f without, %.4f with maintenance at day 10",
                  run->final_state[wear], maintained->final_state[wear]);
  /* The energy used hardly depends on it, but cost is energy × price. */
  g_assert_cmpfloat_with_epsilon (run->final_state[mimic_model_find_state (model, "cost_eur")],
                                  run->final_state[mimic_model_find_state (model, "energy_kwh")] * 0.20, 1e-6);
}

static void
test_models_pump_hotter_wears_faster (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = new_initial_state (model, inputs);
  const double *params = mimic_model_get_parameters (model);
  int wear = mimic_model_find_state (model, "wear");
  g_autoptr(MimicModelRun) cool = NULL;
  g_autoptr(MimicModelRun) hot = NULL;

  cool = mimic_model_run (model, params, inputs, state, 10 * DAY, NULL, 0, NULL, 0, NULL, NULL, NULL);
  set_input (model, inputs, "ambient_temp", 45);
  hot = mimic_model_run (model, params, inputs, state, 10 * DAY, NULL, 0, NULL, 0, NULL, NULL, NULL);
  g_assert_nonnull (cool);
  g_assert_nonnull (hot);
  g_assert_cmpfloat (hot->final_state[wear] - state[wear], >, 2.0 * (cool->final_state[wear] - state[wear]));
}

static void
test_models_battery_ocv (void)
{
  double previous = -1;

  for (double soc = 0.0; soc <= 1.0; soc += 0.01)
    {
      double ocv = mimic_battery_model_cell_ocv (soc);

      g_assert_cmpfloat (ocv, >=, previous);
      g_assert_cmpfloat (ocv, >=, 2.5);
      g_assert_cmpfloat (ocv, <=, 3.65);
      previous = ocv;
    }
  g_assert_cmpfloat_with_epsilon (mimic_battery_model_cell_ocv (0.5), 3.29, 1e-9);
  g_assert_true (isfinite (mimic_battery_model_cell_ocv (NAN)));
}

/* Discharging for an hour moves the state of charge by the charge that
 * flowed, over the capacity left. */
static void
test_models_battery_coulomb_counting (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  g_autoptr(MimicModelRun) run = NULL;
  g_autoptr(GError) error = NULL;
  MimicModelRunOptions options;
  int current = mimic_model_find_output (model, "rack_current");
  int soc = mimic_model_find_output (model, "soc");
  int voltage = mimic_model_find_output (model, "rack_voltage");
  int power = mimic_model_find_output (model, "power");
  double charge_ah = 0, soc_drop, capacity_ah;
  guint n;

  set_input (model, inputs, "power_setpoint", 150);
  state = new_initial_state (model, inputs);
  state[mimic_model_find_state (model, "soc")] = 0.9;
  mimic_model_run_options_init (&options);
  options.n_points = 3601;
  run = mimic_model_run (model, mimic_model_get_parameters (model), inputs, state, 3600,
                         NULL, 0, NULL, 0, &options, NULL, &error);
  g_assert_no_error (error);
  n = run->n_points;

  for (guint i = 1; i < n; i++)
    charge_ah += 0.5 * (run->outputs[i * run->n_outputs + current] + run->outputs[(i - 1) * run->n_outputs + current]) *
                 (run->times[i] - run->times[i - 1]) / 3600.0;
  soc_drop = (run->outputs[soc] - run->outputs[(n - 1) * run->n_outputs + soc]) / 100.0;
  capacity_ah = 280.0 * run->outputs[mimic_model_find_output (model, "soh")] / 100.0;
  g_test_message ("%.3f Ah out, state of charge down %.4f", charge_ah, soc_drop);
  g_assert_cmpfloat (charge_ah, >, 150.0);
  g_assert_cmpfloat_with_epsilon (soc_drop * capacity_ah, charge_ah, 0.01 * charge_ah);

  /* The rack delivers the power asked for, at a voltage below its OCV. */
  g_assert_cmpfloat_with_epsilon (run->outputs[(n - 1) * run->n_outputs + power], 150.0, 0.01);
  g_assert_cmpfloat (run->outputs[voltage], <, 240 * mimic_battery_model_cell_ocv (0.9));
}

static double
soh_after (MimicModel *model,
           double      ambient,
           double      cycles_per_day,
           double      days)
{
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  g_autoptr(MimicModelRun) run = NULL;
  g_autoptr(GError) error = NULL;
  MimicModelRunOptions options;

  set_input (model, inputs, "ambient_temp", ambient);
  set_input (model, inputs, "cycles_per_day", cycles_per_day);
  state = new_initial_state (model, inputs);
  mimic_model_run_options_init (&options);
  options.n_points = 2;
  run = mimic_model_run (model, mimic_model_get_parameters (model), inputs, state, days * DAY,
                         NULL, 0, NULL, 0, &options, NULL, &error);
  g_assert_no_error (error);
  return run->outputs[run->n_outputs + mimic_model_find_output (model, "soh")];
}

static void
test_models_battery_fade (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  double idle = soh_after (model, 25, 0, 30);
  double cycled = soh_after (model, 25, 2, 30);
  double cycled_hot = soh_after (model, 40, 2, 30);

  g_test_message ("SOH after 30 days: idle %.4f %%, cycled %.4f %%, cycled at 40 °C %.4f %%",
                  idle, cycled, cycled_hot);
  g_assert_cmpfloat (idle, <, 100.0);
  g_assert_cmpfloat (cycled, <, idle);
  g_assert_cmpfloat (cycled_hot, <, cycled);
}

/* A blocked cold plate on one module leaves it far hotter than the rest,
 * and the neighbours in its column warmer than the far column. */
static void
test_models_battery_cooling_fault (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  g_autofree double *outputs = g_new0 (double, mimic_model_get_n_outputs (model));
  const double *params = mimic_model_get_parameters (model);

  set_input (model, inputs, "power_setpoint", 200);
  set_input (model, inputs, "module_05_cooling", 0.0);
  state = new_initial_state (model, inputs);
  state[mimic_model_find_state (model, "soc")] = 0.95;
  g_assert_true (mimic_model_advance (model, params, inputs, state, 2400, NULL));
  mimic_model_compute_outputs (model, 0, state, params, inputs, outputs);

  g_test_message ("module 05 %.2f °C, 04 %.2f °C, 12 %.2f °C, coolant out %.2f °C",
                  output_of (model, outputs, "module_05_temp"), output_of (model, outputs, "module_04_temp"),
                  output_of (model, outputs, "module_12_temp"), output_of (model, outputs, "coolant_outlet_temp"));
  g_assert_cmpfloat (output_of (model, outputs, "module_05_temp"), >, output_of (model, outputs, "module_12_temp") + 3);
  g_assert_cmpfloat (output_of (model, outputs, "module_04_temp"), >, output_of (model, outputs, "module_12_temp"));
  g_assert_cmpfloat (output_of (model, outputs, "coolant_outlet_temp"), >, output_of (model, outputs, "coolant_inlet_temp"));
}

/* The adaptive crossing times agree with classic RK4 at a 1 s step, both
 * for a minutes-scale thermal crossing and for a days-scale wear one. */
static void
test_models_crossing_accuracy (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = NULL;
  const double *params = mimic_model_get_parameters (model);
  MimicModelLimit limits[] = {
    { "winding_temp", 60.0, MIMIC_LIMIT_RISING },
    { "vibration", 4.5, MIMIC_LIMIT_RISING },
    { "bearing_de_temp", 20.0, MIMIC_LIMIT_FALLING },
  };
  MimicModelRunOptions adaptive, reference;
  g_autoptr(MimicModelRun) fast = NULL;
  g_autoptr(MimicModelRun) slow = NULL;

  state = new_initial_state (model, inputs);
  state[mimic_model_find_state (model, "winding_temp")] = 25.0;
  state[mimic_model_find_state (model, "housing_temp")] = 25.0;
  state[mimic_model_find_state (model, "wear")] = 0.4;

  mimic_model_run_options_init (&adaptive);
  mimic_model_run_options_init (&reference);
  reference.stepper = MIMIC_MODEL_STEPPER_RK4_FIXED;
  reference.fixed_step_s = 1.0;

  fast = mimic_model_run (model, params, inputs, state, 10 * DAY, NULL, 0, limits, 3, &adaptive, NULL, NULL);
  slow = mimic_model_run (model, params, inputs, state, 10 * DAY, NULL, 0, limits, 3, &reference, NULL, NULL);
  g_assert_nonnull (fast);
  g_assert_nonnull (slow);

  g_test_message ("winding: %.2f s vs %.2f s; vibration %.1f s vs %.1f s; %" G_GUINT64_FORMAT " vs %" G_GUINT64_FORMAT " steps",
                  fast->crossing_times[0], slow->crossing_times[0],
                  fast->crossing_times[1], slow->crossing_times[1], fast->n_steps, slow->n_steps);
  g_assert_cmpfloat (slow->crossing_times[0], >, 60.0);
  g_assert_cmpfloat (slow->crossing_times[0], <, 3600.0);
  g_assert_cmpfloat_with_epsilon (fast->crossing_times[0], slow->crossing_times[0], 2.0);
  g_assert_cmpfloat (slow->crossing_times[1], >, DAY);
  g_assert_cmpfloat (slow->crossing_times[1], <, 10 * DAY);
  g_assert_cmpfloat_with_epsilon (fast->crossing_times[1], slow->crossing_times[1], 60.0);
  g_assert_true (isinf (fast->crossing_times[2]));
  g_assert_cmpuint (fast->n_steps * 100, <, slow->n_steps);
}

static void
test_models_bad_input (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *state = new_initial_state (model, inputs);
  const double *params = mimic_model_get_parameters (model);
  MimicModelLimit unknown_limit = { "colour", 1, MIMIC_LIMIT_RISING };
  MimicModelLimit nan_limit = { "flow", NAN, MIMIC_LIMIT_RISING };
  MimicModelEvent bad_event = { -5, 0, 1, NULL };
  g_autoptr(GError) error = NULL;
  MimicModelRun *run;

  g_assert_false (mimic_model_set_parameter (model, "r_housing_ambient", NAN, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_model_set_parameter (model, "r_housing_ambient", -1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_model_set_parameter (model, "colour", 1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  g_assert_cmpfloat (mimic_model_get_parameter (model, "r_housing_ambient"), ==, 0.0205);

  g_assert_false (mimic_model_check_input (model, mimic_model_find_input (model, "ambient_temp"), 80, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  run = mimic_model_run (model, params, inputs, state, -DAY, NULL, 0, NULL, 0, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  run = mimic_model_run (model, params, inputs, state, INFINITY, NULL, 0, NULL, 0, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  run = mimic_model_run (model, params, inputs, state, DAY, NULL, 0, &unknown_limit, 1, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  run = mimic_model_run (model, params, inputs, state, DAY, NULL, 0, &nan_limit, 1, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  run = mimic_model_run (model, params, inputs, state, DAY, &bad_event, 1, NULL, 0, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  state[0] = NAN;
  run = mimic_model_run (model, params, inputs, state, DAY, NULL, 0, NULL, 0, NULL, NULL, &error);
  g_assert_null (run);
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);

  state[0] = 40;
  g_assert_false (mimic_model_advance (model, params, inputs, state, -1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_assert_cmpfloat (state[0], ==, 40);
}

/* Stepping in real time a second at a time ends where one long step does:
 * what the device simulator relies on. */
static void
test_models_advance_in_ticks (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autofree double *inputs = new_default_inputs (model);
  g_autofree double *ticked = NULL;
  g_autofree double *once = NULL;
  const double *params = mimic_model_get_parameters (model);
  guint n = mimic_model_get_n_states (model);

  set_input (model, inputs, "power_setpoint", -120);
  ticked = new_initial_state (model, inputs);
  once = new_initial_state (model, inputs);
  for (guint i = 0; i < 600; i++)
    g_assert_true (mimic_model_advance (model, params, inputs, ticked, 1.0, NULL));
  g_assert_true (mimic_model_advance (model, params, inputs, once, 600.0, NULL));
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (ticked[i], once[i], 1e-4 * MAX (1.0, fabs (once[i])));
  /* Charging raised the state of charge. */
  g_assert_cmpfloat (once[0], >, 0.5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/model/registry", test_models_registry);
  g_test_add_func ("/mimic/model/outputs-match-sensors", test_models_outputs_match_sensors);
  g_test_add_func ("/mimic/model/pump/steady-state", test_models_pump_steady_state);
  g_test_add_func ("/mimic/model/pump/affinity-laws", test_models_pump_affinity_laws);
  g_test_add_func ("/mimic/model/pump/wear-and-maintenance", test_models_pump_wear_and_maintenance);
  g_test_add_func ("/mimic/model/pump/hotter-wears-faster", test_models_pump_hotter_wears_faster);
  g_test_add_func ("/mimic/model/battery/ocv", test_models_battery_ocv);
  g_test_add_func ("/mimic/model/battery/coulomb-counting", test_models_battery_coulomb_counting);
  g_test_add_func ("/mimic/model/battery/fade", test_models_battery_fade);
  g_test_add_func ("/mimic/model/battery/cooling-fault", test_models_battery_cooling_fault);
  g_test_add_func ("/mimic/model/crossing-accuracy", test_models_crossing_accuracy);
  g_test_add_func ("/mimic/model/bad-input", test_models_bad_input);
  g_test_add_func ("/mimic/model/advance-in-ticks", test_models_advance_in_ticks);

  return g_test_run ();
}
