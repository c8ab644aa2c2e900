/* test-whatif-panel.c — the what-if panel: sliders from the asset
 * description, predictions while they move, reset to live, two scenarios
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "mimic-paths.h"
#include "mimic-prediction.h"
#include "mimic-test-gtk-utils.h"
#include "mimic-twin-store.h"
#include "mimic-whatif-panel.h"

#define DAY 86400.0
#define WAIT_MS 20000

typedef struct
{
  MimicAsset      *asset;
  MimicModel      *model;
  MimicTwinStore  *store;
  MimicTwinDevice *device;
  GtkWidget       *window;
  GtkWidget       *panel;
  guint            n_predictions;
} Fixture;

static MimicAsset *
load_pump_asset (void)
{
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autofree char *path = g_build_filename (asset_dir, "pump-skid", "pump-skid.json", NULL);
  g_autoptr(GError) error = NULL;
  MimicAsset *asset = mimic_asset_new_from_file (path, &error);

  g_assert_no_error (error);
  return asset;
}

static void
on_prediction_changed (MimicWhatifPanel  *panel,
                       MimicWhatifResult *result,
                       Fixture           *fixture)
{
  fixture->n_predictions++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  gint64 now = g_get_real_time ();
  g_autoptr(GError) error = NULL;
  GPtrArray *names;

  fixture->asset = load_pump_asset ();
  fixture->model = mimic_model_new_for_name (mimic_asset_get_model_name (fixture->asset), &error);
  g_assert_no_error (error);
  names = mimic_asset_get_model_parameter_names (fixture->asset);
  for (guint i = 0; i < names->len; i++)
    {
      double value;

      g_assert_true (mimic_asset_get_model_parameter (fixture->asset, names->pdata[i], &value));
      g_assert_true (mimic_model_set_parameter (fixture->model, names->pdata[i], value, NULL));
    }
  /* As calibration would find for a pump whose bearings have worn. */
  g_assert_true (mimic_model_set_parameter (fixture->model, "wear", 0.3, NULL));

  fixture->store = mimic_twin_store_new ();
  mimic_update_batch_add_sample (batch, "pump-001", "winding_temp", now, 75, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "speed", now, 1480, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "valve_position", now, 80, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "ambient_temp", now, 20, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_parameter (batch, "pump-001", "speed_setpoint", 1480, FALSE, now);
  mimic_twin_store_apply_batch (fixture->store, batch);
  fixture->device = g_object_ref (mimic_twin_store_lookup (fixture->store, "pump-001"));
  g_assert_nonnull (fixture->device);

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 520, 760);
  fixture->panel = mimic_whatif_panel_new ();
  g_signal_connect (fixture->panel, "prediction-changed", G_CALLBACK (on_prediction_changed), fixture);
  gtk_window_set_child (GTK_WINDOW (fixture->window), fixture->panel);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->device);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->model);
  g_clear_object (&fixture->asset);
}

static gboolean
has_result (gpointer data)
{
  Fixture *fixture = data;

  return mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (fixture->panel)) != NULL;
}

/* Waits for the prediction of the override @id = @value. */
typedef struct
{
  Fixture    *fixture;
  const char *id;
  double      value;
} Expected;

static gboolean
has_result_for (gpointer data)
{
  Expected *expected = data;
  MimicWhatifResult *result = mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (expected->fixture->panel));

  if (result == NULL)
    return FALSE;
  for (guint i = 0; i < mimic_whatif_result_get_n_overrides (result); i++)
    {
      double value;

      if (g_strcmp0 (mimic_whatif_result_get_override (result, i, &value), expected->id) == 0)
        return value == expected->value;
    }
  return expected->id == NULL && mimic_whatif_result_get_n_overrides (result) == 0;
}

static int
find_limit (MimicWhatifResult *result,
            const char        *sensor_id)
{
  for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
    {
      const MimicModelLimit *limit = mimic_whatif_result_get_limit (result, i);

      if (g_strcmp0 (limit->sensor_id, sensor_id) == 0 && limit->direction == MIMIC_LIMIT_RISING)
        return (int) i;
    }
  return -1;
}

static void
test_sliders_move_prediction (Fixture       *fixture,
                              gconstpointer  data)
{
  MimicWhatifPanel *panel = MIMIC_WHATIF_PANEL (fixture->panel);
  g_autoptr(MimicWhatifResult) live = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  MimicWhatifResult *hot;
  GtkWidget *scale;
  double live_crossing, hot_crossing;
  Expected expected = { fixture, "ambient_temp", 40 };
  gint64 start_us;
  int vibration;

  mimic_whatif_panel_set_device (panel, fixture->asset, fixture->device, fixture->model);
  g_assert_true (mimic_test_wait_until (has_result, fixture, WAIT_MS));
  live = mimic_whatif_result_ref (mimic_whatif_panel_get_result (panel));
  g_assert_cmpuint (mimic_whatif_result_get_n_overrides (live), ==, 0);
  g_assert_cmpfloat (mimic_whatif_result_get_horizon (live), ==, 30 * DAY);
  g_assert_false (mimic_whatif_panel_get_modified (panel));

  /* One slider per what-if parameter of the description, at the live value. */
  g_assert_nonnull (mimic_whatif_panel_get_scale (panel, "ambient_temp"));
  g_assert_nonnull (mimic_whatif_panel_get_scale (panel, "speed_setpoint"));
  g_assert_nonnull (mimic_whatif_panel_get_scale (panel, "maintenance_delay"));
  g_assert_nonnull (mimic_whatif_panel_get_scale (panel, "electricity_price"));
  g_assert_null (mimic_whatif_panel_get_scale (panel, "motor_current"));
  g_assert_cmpfloat (mimic_whatif_panel_get_value (panel, "ambient_temp"), ==, 20);
  g_assert_cmpfloat (mimic_whatif_panel_get_value (panel, "speed_setpoint"), ==, 1480);
  g_assert_cmpfloat (gtk_adjustment_get_lower (gtk_range_get_adjustment (GTK_RANGE (mimic_whatif_panel_get_scale (panel, "ambient_temp")))),
                     ==, -10);
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_range_get_adjustment (GTK_RANGE (mimic_whatif_panel_get_scale (panel, "ambient_temp")))),
                     ==, 50);

  vibration = find_limit (live, "vibration");
  g_assert_cmpint (vibration, >=, 0);
  live_crossing = mimic_whatif_result_get_crossing_time (live, vibration);
  g_assert_true (isfinite (live_crossing));
  g_test_message ("%s", mimic_whatif_panel_get_summary (panel));
  g_assert_nonnull (strstr (mimic_whatif_panel_get_summary (panel), "Vibration velocity above 4.50 mm/s: in "));
  g_assert_nonnull (strstr (mimic_whatif_panel_get_summary (panel), "Remaining useful life"));

  /* The slider moves through several values as a drag does, without the
   * main loop running in between: only the last one is predicted. */
  scale = mimic_whatif_panel_get_scale (panel, "ambient_temp");
  fixture->n_predictions = 0;
  for (double t = 25; t <= 40; t += 5)
    gtk_range_set_value (GTK_RANGE (scale), t);
  start_us = g_get_monotonic_time ();
  g_assert_true (mimic_test_wait_until (has_result_for, &expected, WAIT_MS));
  /* A figure to read, not a limit: the time from the last slider move to
   * the new prediction on screen. */
  g_test_message ("prediction %.1f ms after the slider stopped",
                  (g_get_monotonic_time () - start_us) / 1000.0);
  g_assert_cmpuint (fixture->n_predictions, ==, 1);
  g_assert_true (mimic_whatif_panel_get_modified (panel));

  /* Hotter air, hotter bearings, faster wear: the limit comes sooner. */
  hot = mimic_whatif_panel_get_result (panel);
  hot_crossing = mimic_whatif_result_get_crossing_time (hot, vibration);
  g_test_message ("vibration limit in %.2f d live, %.2f d at 40 °C", live_crossing / DAY, hot_crossing / DAY);
  g_assert_cmpfloat (hot_crossing, <, live_crossing);

  /* What the 3D model shows for the bearing's vibration: fine now, in
   * alarm once the limit is predicted to be passed. */
  g_assert_cmpint (mimic_prediction_get_sensor_state (hot, fixture->asset, "vibration", 0), <,
                   MIMIC_DISPLAY_STATE_ALARM_LOW);
  g_assert_true (mimic_display_state_is_alarm (mimic_prediction_get_sensor_state (hot, fixture->asset, "vibration",
                                                                                  hot_crossing + 3600)));
  g_assert_cmpint (mimic_prediction_get_sensor_state (hot, fixture->asset, "colour", 0), ==,
                   MIMIC_DISPLAY_STATE_STALE);

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "whatif-panel");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  /* Back to live: the same prediction as before the change. */
  mimic_whatif_panel_reset_to_live (panel);
  g_assert_cmpfloat (mimic_whatif_panel_get_value (panel, "ambient_temp"), ==, 20);
  g_assert_false (mimic_whatif_panel_get_modified (panel));
  expected.id = NULL;
  g_assert_true (mimic_test_wait_until (has_result_for, &expected, WAIT_MS));
  g_assert_cmpfloat_with_epsilon (mimic_whatif_result_get_crossing_time (mimic_whatif_panel_get_result (panel), vibration),
                                  live_crossing, 60);
}

static void
test_compare_scenarios (Fixture       *fixture,
                        gconstpointer  data)
{
  MimicWhatifPanel *panel = MIMIC_WHATIF_PANEL (fixture->panel);
  g_autoptr(GdkTexture) shot = NULL;
  MimicWhatifResult *pinned;
  Expected expected = { fixture, "maintenance_delay", 20 };
  int vibration;

  mimic_whatif_panel_set_device (panel, fixture->asset, fixture->device, fixture->model);
  g_assert_true (mimic_test_wait_until (has_result, fixture, WAIT_MS));
  g_assert_null (mimic_whatif_panel_get_pinned_result (panel));

  mimic_whatif_panel_pin_scenario (panel);
  pinned = mimic_whatif_panel_get_pinned_result (panel);
  g_assert_true (pinned == mimic_whatif_panel_get_result (panel));
  g_assert_cmpstr (mimic_whatif_panel_get_pinned_summary (panel), ==, mimic_whatif_panel_get_summary (panel));

  /* Scenario B: the service postponed by 20 days. */
  g_assert_true (mimic_whatif_panel_set_value (panel, "maintenance_delay", 20, NULL));
  g_assert_true (mimic_test_wait_until (has_result_for, &expected, WAIT_MS));
  g_assert_true (mimic_whatif_panel_get_pinned_result (panel) == pinned);
  g_assert_false (mimic_whatif_panel_get_result (panel) == pinned);
  vibration = find_limit (pinned, "vibration");
  g_assert_cmpfloat (mimic_whatif_result_get_crossing_time (mimic_whatif_panel_get_result (panel), vibration),
                     <=, mimic_whatif_result_get_crossing_time (pinned, vibration));
  g_assert_cmpstr (mimic_whatif_panel_get_pinned_summary (panel), !=, mimic_whatif_panel_get_summary (panel));

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "whatif-panel-compare");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  mimic_whatif_panel_unpin_scenario (panel);
  g_assert_null (mimic_whatif_panel_get_pinned_result (panel));
  g_assert_null (mimic_whatif_panel_get_pinned_summary (panel));
}

static gboolean
has_week_result (gpointer data)
{
  Fixture *fixture = data;
  MimicWhatifResult *result = mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (fixture->panel));

  return result != NULL && mimic_whatif_result_get_horizon (result) == 7 * DAY;
}

static void
test_horizon_and_bad_input (Fixture       *fixture,
                            gconstpointer  data)
{
  MimicWhatifPanel *panel = MIMIC_WHATIF_PANEL (fixture->panel);
  g_autoptr(GError) error = NULL;

  mimic_whatif_panel_set_device (panel, fixture->asset, fixture->device, fixture->model);
  g_assert_true (mimic_test_wait_until (has_result, fixture, WAIT_MS));

  mimic_whatif_panel_set_horizon (panel, 6 * DAY);
  g_assert_cmpfloat (mimic_whatif_panel_get_horizon (panel), ==, 7 * DAY);
  g_assert_true (mimic_test_wait_until (has_week_result, fixture, WAIT_MS));
  g_assert_nonnull (strstr (mimic_whatif_panel_get_summary (panel), "over 7 d"));

  g_assert_false (mimic_whatif_panel_set_value (panel, "ambient_temp", NAN, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_panel_set_value (panel, "ambient_temp", INFINITY, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE);
  g_clear_error (&error);
  g_assert_false (mimic_whatif_panel_set_value (panel, "colour", 1, &error));
  g_assert_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  /* Out of range: held at the slider's end, not passed on. */
  g_assert_true (mimic_whatif_panel_set_value (panel, "ambient_temp", 1e9, &error));
  g_assert_cmpfloat (mimic_whatif_panel_get_value (panel, "ambient_temp"), ==, 50);

  /* No device: no sliders, no prediction. */
  mimic_whatif_panel_set_device (panel, NULL, NULL, NULL);
  g_assert_null (mimic_whatif_panel_get_result (panel));
  g_assert_null (mimic_whatif_panel_get_scale (panel, "ambient_temp"));
  g_assert_true (isnan (mimic_whatif_panel_get_value (panel, "ambient_temp")));
}

static void
test_format (void)
{
  struct
  {
    double      seconds;
    double      horizon;
    const char *expected;
  } cases[] = {
    { 3 * DAY + 4 * 3600, 30 * DAY, "in 3 d 4 h" },
    { INFINITY, 30 * DAY, "not within 30 d" },
    { INFINITY, 3600, "not within 1 h" },
    { 0, 30 * DAY, "now" },
    { 45 * 60, 30 * DAY, "in 45 min" },
    { 5 * 3600 + 20 * 60, 30 * DAY, "in 5 h 20 min" },
    { 3600 * 23 + 59.9 * 60, 30 * DAY, "in 1 d" },
    { 20, 30 * DAY, "in < 1 min" },
    { 2 * DAY, 30 * DAY, "in 2 d" },
    { 400 * DAY + 5 * 3600, 30 * DAY, "in 400 d" },
    { NAN, 30 * DAY, "unknown" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = mimic_prediction_format_time_to (cases[i].seconds, cases[i].horizon);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  {
    g_autofree char *speed = mimic_prediction_format_value (1480, "rpm");
    g_autofree char *price = mimic_prediction_format_value (0.35, "EUR/kWh");
    g_autofree char *temp = mimic_prediction_format_value (71.26, "°C");
    g_autofree char *bad = mimic_prediction_format_value (NAN, "A");

    g_assert_cmpstr (speed, ==, "1480 rpm");
    g_assert_cmpstr (price, ==, "0.350 EUR/kWh");
    g_assert_cmpstr (temp, ==, "71.3 °C");
    g_assert_cmpstr (bad, ==, "—");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = NULL;

  gtk_test_init (&argc, &argv, NULL);
  /* The console's style, as the application loads it. */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/mimic/Console/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/mimic/whatif-panel/format", test_format);
  g_test_add ("/mimic/whatif-panel/sliders-move-prediction", Fixture, NULL,
              fixture_set_up, test_sliders_move_prediction, fixture_tear_down);
  g_test_add ("/mimic/whatif-panel/compare-scenarios", Fixture, NULL,
              fixture_set_up, test_compare_scenarios, fixture_tear_down);
  g_test_add ("/mimic/whatif-panel/horizon-and-bad-input", Fixture, NULL,
              fixture_set_up, test_horizon_and_bad_input, fixture_tear_down);

  return g_test_run ();
}
