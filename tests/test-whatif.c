/* test-whatif.c — what-if predictions, sweeps and latest-wins runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "mimic-whatif.h"

#define DAY 86400.0

static MimicWhatifRequest *
new_pump_request (MimicModel *model,
                  double      wear)
{
  MimicWhatifRequest *request = mimic_whatif_request_new (model);
  g_autoptr(GError) error = NULL;

  g_assert_true (mimic_whatif_request_set_reading (request, "winding_temp", 75.0, &error));
  g_assert_true (mimic_whatif_request_set_reading (request, "speed", 1480, &error));
  g_assert_true (mimic_whatif_request_set_reading (request, "valve_position", 80, &error));
  g_assert_true (mimic_whatif_request_set_reading (request, "ambient_temp", 20, &error));
  g_assert_true (mimic_whatif_request_set_parameter (request, "wear", wear, &error));
  g_assert_true (mimic_whatif_request_add_limit (request, "vibration", 4.5, MIMIC_LIMIT_RISING, &error));
  g_assert_true (mimic_whatif_request_add_limit (request, "bearing_de_temp", 85, MIMIC_LIMIT_RISING, &error));
  g_assert_no_error (error);
  return request;
}

static void
test_whatif_pump_prediction (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicWhatifRequest) request = new_pump_request (model, 0.3);
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const double *times, *vibration;
  double energy, cost, price, rul;
  const char *unit;
  gboolean extrapolated;
  guint n;

  g_assert_true (mimic_whatif_request_set_override (request, "electricity_price", 0.30, &error));
  g_assert_true (mimic_whatif_request_set_horizon (request, 30 * DAY, &error));
  g_assert_true (mimic_whatif_request_set_n_points (request, 500, &error));

  result = mimic_whatif_compute (request, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (mimic_whatif_result_get_serial (result), ==, mimic_whatif_request_get_serial (request));
  g_assert_cmpuint (mimic_whatif_result_get_n_overrides (result), ==, 1);
  g_assert_cmpstr (mimic_whatif_result_get_override (result, 0, &price), ==, "electricity_price");
  g_assert_cmpfloat (price, ==, 0.30);

  n = mimic_whatif_result_get_n_points (result);
  g_assert_cmpuint (n, ==, 500);
  times = mimic_whatif_result_get_times (result);
  g_assert_cmpfloat (times[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (times[n - 1], 30 * DAY, 1e-6);
  vibration = mimic_whatif_result_get_trajectory (result, "vibration");
  g_assert_nonnull (vibration);
  g_assert_null (mimic_whatif_result_get_trajectory (result, "colour"));
  /* Wear only grows until the service at day 30. */
  g_assert_cmpfloat (vibration[n - 2], >, vibration[0]);

  /* The vibration crossing agrees with the trajectory. */
  g_assert_cmpstr (mimic_whatif_result_get_limit (result, 0)->sensor_id, ==, "vibration");
  {
    double crossing = mimic_whatif_result_get_crossing_time (result, 0);

    g_test_message ("vibration reaches 4.5 mm/s after %.2f days", crossing / DAY);
    g_assert_true (isfinite (crossing));
    for (guint i = 0; i < n; i++)
      {
        if (times[i] < crossing - 60)
          g_assert_cmpfloat (vibration[i], <, 4.5);
        else if (times[i] > crossing + 60 && times[i] < 29.9 * DAY)
          g_assert_cmpfloat (vibration[i], >=, 4.5);
      }
  }

  g_assert_cmpuint (mimic_whatif_result_get_n_kpis (result), ==, 2);
  g_assert_cmpstr (mimic_whatif_result_get_kpi (result, 0, &energy, &unit), ==, "energy");
  g_assert_cmpstr (unit, ==, "kWh");
  g_assert_cmpstr (mimic_whatif_result_get_kpi (result, 1, &cost, NULL), ==, "cost");
  /* About 35 kW for 30 days. */
  g_assert_cmpfloat (energy, >, 20000);
  g_assert_cmpfloat (energy, <, 30000);
  g_assert_cmpfloat_with_epsilon (cost, energy * 0.30, 1e-6 * cost);

  rul = mimic_whatif_result_get_remaining_life (result, &extrapolated);
  g_assert_true (extrapolated);
  g_assert_cmpfloat (rul, >, 30 * DAY);
}

static void
test_whatif_hotter_is_sooner (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicWhatifRequest) mild = new_pump_request (model, 0.3);
  g_autoptr(MimicWhatifRequest) hot = new_pump_request (model, 0.3);
  g_autoptr(MimicWhatifResult) mild_result = NULL;
  g_autoptr(MimicWhatifResult) hot_result = NULL;

  g_assert_true (mimic_whatif_request_set_override (hot, "ambient_temp", 40, NULL));
  mild_result = mimic_whatif_compute (mild, NULL, NULL);
  hot_result = mimic_whatif_compute (hot, NULL, NULL);
  g_assert_nonnull (mild_result);
  g_assert_nonnull (hot_result);
  g_test_message ("vibration limit after %.2f days at 20 °C, %.2f days at 40 °C",
                  mimic_whatif_result_get_crossing_time (mild_result, 0) / DAY,
                  mimic_whatif_result_get_crossing_time (hot_result, 0) / DAY);
  g_assert_cmpfloat (mimic_whatif_result_get_crossing_time (hot_result, 0), <,
                     0.8 * mimic_whatif_result_get_crossing_time (mild_result, 0));
}

/* Postponing the bearing service 0…60 days: the longer the delay, the
 * sooner (or equally soon) the vibration limit; without delay the service
 * comes first. */
static void
test_whatif_maintenance_sweep (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicWhatifRequest) request = new_pump_request (model, 0.2);
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GError) error = NULL;
  double previous = INFINITY;

  g_assert_true (mimic_whatif_request_set_horizon (request, 90 * DAY, &error));
  g_assert_true (mimic_whatif_request_set_sweep (request, "maintenance_delay", 0, 60, 13, &error));
  result = mimic_whatif_compute (request, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (mimic_whatif_result_get_sweep_input (result), ==, "maintenance_delay");
  g_assert_cmpuint (mimic_whatif_result_get_n_sweep (result), ==, 13);
  for (guint step = 0; step < 13; step++)
    {
      double crossing = mimic_whatif_result_get_sweep_crossing_time (result, step, 0);

      g_assert_cmpfloat (mimic_whatif_result_get_sweep_value (result, step), ==, 5.0 * step);
      g_test_message ("delay %2.0f d: vibration limit after %.2f d, energy %.0f kWh",
                      mimic_whatif_result_get_sweep_value (result, step), crossing / DAY,
                      mimic_whatif_result_get_sweep_kpi (result, step, 0));
      g_assert_cmpfloat (crossing, <=, previous);
      previous = crossing;
    }
  g_assert_true (isinf (mimic_whatif_result_get_sweep_crossing_time (result, 0, 0)));
  g_assert_true (isfinite (mimic_whatif_result_get_sweep_crossing_time (result, 12, 0)));
  /* The plain run is the default delay, the sweep's first point. */
  g_assert_cmpfloat (mimic_whatif_result_get_crossing_time (result, 0), ==,
                     mimic_whatif_result_get_sweep_crossing_time (result, 0, 0));
}

static void
test_whatif_battery_end_of_life (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autoptr(MimicWhatifRequest) request = mimic_whatif_request_new (model);
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean extrapolated;
  double rul;
  const double *soh;

  g_assert_true (mimic_whatif_request_set_reading (request, "soh", 85, &error));
  g_assert_true (mimic_whatif_request_set_reading (request, "soc", 50, &error));
  g_assert_true (mimic_whatif_request_add_limit (request, "soh", 80, MIMIC_LIMIT_FALLING, &error));
  g_assert_true (mimic_whatif_request_add_limit (request, "module_01_temp", 45, MIMIC_LIMIT_RISING, &error));
  g_assert_true (mimic_whatif_request_set_override (request, "cycles_per_day", 2, &error));
  result = mimic_whatif_compute (request, NULL, &error);
  g_assert_no_error (error);

  soh = mimic_whatif_result_get_trajectory (result, "soh");
  g_assert_cmpfloat_with_epsilon (soh[0], 85, 1e-9);
  g_assert_cmpfloat (soh[mimic_whatif_result_get_n_points (result) - 1], <, 85);
  g_assert_true (isinf (mimic_whatif_result_get_crossing_time (result, 0)));
  rul = mimic_whatif_result_get_remaining_life (result, &extrapolated);
  g_test_message ("remaining useful life %.0f days", rul / DAY);
  g_assert_true (extrapolated);
  g_assert_cmpfloat (rul, >, 30 * DAY);
  g_assert_true (isfinite (rul));
}

typedef struct
{
  GMainLoop         *loop;
  guint              pending;
  GError            *first_error;
  MimicWhatifResult *first_result;
  MimicWhatifResult *second_result;
} LatestWins;

static void
first_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  LatestWins *state = user_data;

  state->first_result = mimic_whatif_run_finish (MIMIC_WHATIF (source), result, &state->first_error);
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
second_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  LatestWins *state = user_data;
  g_autoptr(GError) error = NULL;

  state->second_result = mimic_whatif_run_finish (MIMIC_WHATIF (source), result, &error);
  g_assert_no_error (error);
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
test_whatif_latest_wins (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autoptr(MimicWhatif) whatif = mimic_whatif_new ();
  g_autoptr(MimicWhatifRequest) slow = mimic_whatif_request_new (model);
  g_autoptr(MimicWhatifRequest) quick = mimic_whatif_request_new (model);
  LatestWins state = { g_main_loop_new (NULL, FALSE), 2, NULL, NULL, NULL };

  /* Ten years of cycling takes long enough to be overtaken. */
  g_assert_true (mimic_whatif_request_set_horizon (slow, 3650 * DAY, NULL));
  g_assert_true (mimic_whatif_request_set_override (slow, "cycles_per_day", 4, NULL));
  g_assert_true (mimic_whatif_request_set_horizon (quick, DAY, NULL));
  g_assert_cmpuint (mimic_whatif_request_get_serial (quick), >, mimic_whatif_request_get_serial (slow));

  mimic_whatif_run_async (whatif, slow, NULL, first_done, &state);
  mimic_whatif_run_async (whatif, quick, NULL, second_done, &state);
  g_assert_cmpuint (mimic_whatif_get_latest_serial (whatif), ==, mimic_whatif_request_get_serial (quick));
  g_main_loop_run (state.loop);

  g_assert_null (state.first_result);
  g_assert_error (state.first_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (state.second_result);
  g_assert_cmpuint (mimic_whatif_result_get_serial (state.second_result), ==,
                    mimic_whatif_request_get_serial (quick));

  g_clear_error (&state.first_error);
  mimic_whatif_result_unref (state.second_result);
  g_main_loop_unref (state.loop);
}

static void
test_whatif_caller_cancels (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("battery-rack", NULL);
  g_autoptr(MimicWhatif) whatif = mimic_whatif_new ();
  g_autoptr(MimicWhatifRequest) slow = mimic_whatif_request_new (model);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LatestWins state = { g_main_loop_new (NULL, FALSE), 1, NULL, NULL, NULL };

  g_assert_true (mimic_whatif_request_set_horizon (slow, 3650 * DAY, NULL));
  g_assert_true (mimic_whatif_request_set_override (slow, "cycles_per_day", 4, NULL));
  mimic_whatif_run_async (whatif, slow, cancellable, first_done, &state);
  g_cancellable_cancel (cancellable);
  g_main_loop_run (state.loop);

  g_assert_null (state.first_result);
  g_assert_error (state.first_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&state.first_error);
  g_main_loop_unref (state.loop);
}

static void
test_whatif_bad_input (void)
{
  g_autoptr(MimicModel) model = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicWhatifRequest) request = mimic_whatif_request_new (model);
  g_autoptr(GError) error = NULL;

  g_assert_false (mimic_whatif_request_set_reading (request, "winding_temp", NAN, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_reading (request, "colour", 1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_override (request, "warp_factor", 9, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_assert_nonnull (strstr (error->message, "warp_factor"));
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_override (request, "ambient_temp", 120, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_override (request, "ambient_temp", INFINITY, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_override (request, "maintenance_delay", -3, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_horizon (request, -DAY, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_horizon (request, NAN, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_parameter (request, "r_housing_ambient", 0, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_n_points (request, 501, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_add_limit (request, "vibration", NAN, MIMIC_LIMIT_RISING, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_sweep (request, "maintenance_delay", 0, 60, 1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_request_set_sweep (request, "speed_setpoint", 0, 9000, 5, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  /* None of that changed the request: it still runs. */
  g_assert_true (mimic_whatif_request_set_horizon (request, DAY, &error));
  {
    g_autoptr(MimicWhatifResult) result = mimic_whatif_compute (request, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (mimic_whatif_result_get_n_overrides (result), ==, 0);
    g_assert_cmpuint (mimic_whatif_result_get_n_sweep (result), ==, 0);
  }
}

static int
run_cli (const char * const  *arguments,
         char               **standard_output)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL));
  g_ptr_array_add (argv, g_strdup ("whatif"));
  g_ptr_array_add (argv, g_strdup ("--asset"));
  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "pump-skid", "pump-skid.json", NULL));
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                standard_output, NULL, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_whatif_cli (void)
{
  g_autofree char *state_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *rejected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) state_file = NULL;
  g_autoptr(GFileIOStream) stream = NULL;
  const char *state = "{\"winding_temp\": 75, \"speed\": 1480, \"valve_position\": 80, \"ambient_temp\": 20}";
  JsonObject *root, *kpis;
  JsonArray *crossings;
  gboolean found_vibration = FALSE;

  state_file = g_file_new_tmp ("mimic-state-XXXXXX.json", &stream, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_replace_contents (state_file, state, strlen (state), NULL, FALSE, 0, NULL, NULL, &error));
  state_path = g_file_get_path (state_file);

  {
    const char * const arguments[] = { "--state", state_path, "--set", "wear=0.3", "--set", "ambient_temp=35",
                                       "--horizon", "20d", "--json", NULL };

    g_assert_cmpint (run_cli (arguments, &output), ==, 0);
  }
  g_assert_true (json_parser_load_from_data (parser, output, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "model"), ==, "pump-skid");
  g_assert_cmpfloat (json_object_get_double_member (root, "horizon_s"), ==, 20 * DAY);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (root, "overrides"), "ambient_temp"), ==, 35);
  kpis = json_object_get_object_member (root, "kpis");
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (kpis, "energy"), "value"), >, 1000);
  crossings = json_object_get_array_member (root, "crossings");
  for (guint i = 0; i < json_array_get_length (crossings); i++)
    {
      JsonObject *crossing = json_array_get_object_element (crossings, i);

      if (g_strcmp0 (json_object_get_string_member (crossing, "sensor"), "vibration") == 0 &&
          g_strcmp0 (json_object_get_string_member (crossing, "limit"), "hi") == 0)
        {
          g_assert_cmpfloat (json_object_get_double_member (crossing, "time_s"), >, 0);
          g_assert_cmpfloat (json_object_get_double_member (crossing, "time_s"), <, 20 * DAY);
          found_vibration = TRUE;
        }
    }
  g_assert_true (found_vibration);

  {
    const char * const unknown[] = { "--set", "warp_factor=9", NULL };
    const char * const out_of_range[] = { "--set", "ambient_temp=300", NULL };
    const char * const negative[] = { "--horizon", "-3d", NULL };
    const char * const device[] = { "--device", "pump-001", NULL };

    g_assert_cmpint (run_cli (unknown, &rejected), ==, 2);
    g_clear_pointer (&rejected, g_free);
    g_assert_cmpint (run_cli (out_of_range, &rejected), ==, 2);
    g_clear_pointer (&rejected, g_free);
    g_assert_cmpint (run_cli (negative, &rejected), ==, 2);
    g_clear_pointer (&rejected, g_free);
    g_assert_cmpint (run_cli (device, &rejected), ==, 2);
  }

  g_file_delete (state_file, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/whatif/pump-prediction", test_whatif_pump_prediction);
  g_test_add_func ("/mimic/whatif/hotter-is-sooner", test_whatif_hotter_is_sooner);
  g_test_add_func ("/mimic/whatif/maintenance-sweep", test_whatif_maintenance_sweep);
  g_test_add_func ("/mimic/whatif/battery-end-of-life", test_whatif_battery_end_of_life);
  g_test_add_func ("/mimic/whatif/latest-wins", test_whatif_latest_wins);
  g_test_add_func ("/mimic/whatif/caller-cancels", test_whatif_caller_cancels);
  g_test_add_func ("/mimic/whatif/bad-input", test_whatif_bad_input);
  g_test_add_func ("/mimic/whatif/cli", test_whatif_cli);

  return g_test_run ();
}
