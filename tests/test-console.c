/* test-console.c — the console as an operator runs it: `mimic --demo`
 * with the real device simulator as its child, and a fleet of 10,000
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "mimic-application.h"
#include "mimic-command-panel.h"
#include "mimic-console.h"
#include "mimic-demo-launcher.h"
#include "mimic-device-page.h"
#include "mimic-scene-view.h"
#include "mimic-test-gtk-utils.h"
#include "mimic-test-utils.h"
#include "mimic-trend-chart.h"
#include "mimic-whatif-panel.h"
#include "mimic-window.h"

/* Writes docs/screenshots/NAME.png when MIMIC_UPDATE_SCREENSHOTS=1, so the
 * README's pictures come from this run and not from anyone's hand. */
static void
take_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkTexture) shot = mimic_test_take_screenshot (widget, name);

  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 32);
  if (g_strcmp0 (g_getenv ("MIMIC_UPDATE_SCREENSHOTS"), "1") == 0)
    {
      g_autofree char *file = g_strconcat (name, ".png", NULL);
      g_autofree char *source_dir = g_path_get_dirname (g_getenv ("MIMIC_DATA_DIR"));
      g_autofree char *path = g_build_filename (source_dir, "docs", "screenshots", file, NULL);

      g_assert_true (gdk_texture_save_to_png (shot, path));
      g_test_message ("Wrote %s", path);
    }
}

/* A notification server on the test's private session bus, so the
 * desktop notification for the highest alarm is seen where it arrives. */
static const char notifications_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'>"
  "<arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "<method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "</interface></node>";

static GPtrArray *notification_summaries;
static GDBusConnection *notification_bus;

static void
on_notification_call (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_ptr_array_add (notification_summaries, g_strdup (summary));
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", notification_summaries->len));
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static const GDBusInterfaceVTable notification_vtable = { on_notification_call, NULL, NULL, { 0 } };

static void
start_notification_server (void)
{
  /* Kept open for the whole run: the name goes with the connection. */
  GDBusConnection *bus = notification_bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bus);
  notification_summaries = g_ptr_array_new_with_free_func (g_free);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications", info->interfaces[0],
                                     &notification_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
notification_arrived (gpointer data)
{
  return notification_summaries->len > 0;
}

typedef struct
{
  MimicApplication *app;
  MimicWindow      *window;
  char             *demo_pid;
  gboolean          done;
} DemoRun;

static gboolean
fleet_has_devices (gpointer data)
{
  DemoRun *run = data;

  return g_list_model_get_n_items (mimic_console_get_fleet (mimic_window_get_console (run->window))) >= 9;
}

static gboolean
device_selected (gpointer data)
{
  DemoRun *run = data;

  return mimic_window_get_selected_device (run->window) != NULL &&
         mimic_device_page_get_n_updates (mimic_window_get_device_page (run->window)) > 2;
}

static gboolean
source_connected (gpointer data)
{
  DemoRun *run = data;
  GListModel *sources = mimic_console_get_sources (mimic_window_get_console (run->window));
  g_autoptr(MimicFeed) feed = g_list_model_get_item (sources, 0);

  return feed != NULL && mimic_feed_get_state (feed) == MIMIC_FEED_STATE_CONNECTED;
}

static gboolean
alarm_listed (gpointer data)
{
  DemoRun *run = data;
  MimicAlarmManager *alarms = mimic_console_get_alarms (mimic_window_get_console (run->window));
  GListModel *list = mimic_alarm_manager_get_alarms (alarms);

  for (guint i = 0, n = g_list_model_get_n_items (list); i < n; i++)
    {
      g_autoptr(MimicAlarm) alarm = g_list_model_get_item (list, i);

      if (g_str_equal (mimic_alarm_get_device_id (alarm), "pump-004"))
        return TRUE;
    }
  return FALSE;
}

static void
check_header_shows_connected (DemoRun *run)
{
  GtkWidget *box = mimic_test_get_template_child (GTK_WIDGET (run->window), MIMIC_TYPE_WINDOW, "source_box");
  GtkWidget *indicator = gtk_widget_get_first_child (box);
  const char *tooltip;

  g_assert_nonnull (indicator);
  g_assert_true (gtk_widget_has_css_class (indicator, "source-connected"));
  tooltip = gtk_widget_get_tooltip_text (indicator);
  g_assert_nonnull (strstr (tooltip, "ws://127.0.0.1:"));
  g_assert_nonnull (strstr (tooltip, "messages/s"));
}

static void
check_device_page (DemoRun *run)
{
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  GtkWidget *stack = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "view_stack");
  GtkWidget *chart = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "trend_chart");
  GtkWidget *schematic = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "schematic_view");
  GtkWidget *device_stack = mimic_test_get_template_child (GTK_WIDGET (run->window), MIMIC_TYPE_WINDOW, "device_stack");

  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (device_stack)), ==, "device");
  g_assert_true (gtk_widget_get_mapped (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE,
                                                        "scene_view")));

  /* Picking a sensor in the schematic selects it for the chart. */
  mimic_device_page_show_view (page, "schematic");
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  g_assert_true (gtk_widget_get_mapped (schematic));
  g_object_set (schematic, "selected-sensor", "bearing_de_temp", NULL);
  g_assert_cmpstr (mimic_device_page_get_selected_sensor (page), ==, "bearing_de_temp");

  gtk_stack_set_visible_child_name (GTK_STACK (stack), "trends");
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  g_assert_true (gtk_widget_get_mapped (chart));
  /* Actual, expected and the alarm limits. */
  g_assert_cmpuint (mimic_trend_chart_get_n_series (MIMIC_TREND_CHART (chart)), >=, 3);
}

static void
check_view_only (DemoRun *run)
{
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  GtkWidget *commands = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "commands_slot");
  GtkWidget *panel = gtk_widget_get_first_child (commands);
  MimicCommandManager *manager = mimic_console_get_command_manager (mimic_window_get_console (run->window));
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = NULL;

  g_assert_true (MIMIC_IS_COMMAND_PANEL (panel));
  g_assert_false (mimic_command_panel_get_view_only (MIMIC_COMMAND_PANEL (panel)));

  mimic_window_set_view_only (run->window, TRUE);
  g_assert_true (mimic_command_panel_get_view_only (MIMIC_COMMAND_PANEL (panel)));
  g_assert_nonnull (manager);
  g_assert_true (mimic_command_manager_get_view_only (manager));
  command = mimic_command_manager_send (manager, "pump-001", "stop", NULL, 0, &error);
  g_assert_null (command);
  g_assert_nonnull (error);

  mimic_window_set_view_only (run->window, FALSE);
  g_assert_false (mimic_command_panel_get_view_only (MIMIC_COMMAND_PANEL (panel)));
}

static GtkWidget *
device_page_whatif_panel (DemoRun *run)
{
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  GtkWidget *slot = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "whatif_slot");

  for (GtkWidget *child = gtk_widget_get_first_child (slot); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (MIMIC_IS_WHATIF_PANEL (child))
      return child;
  g_assert_not_reached ();
}

static gboolean
whatif_result_ready (gpointer data)
{
  return mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (device_page_whatif_panel (data))) != NULL;
}

/* The last predicted value on the chart, and how many points there are. */
static double
prediction_series_end (MimicChartSeries *series,
                       guint            *n_buckets)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));

  *n_buckets = mimic_chart_series_query (series, 0, G_MAXINT64 / 2, 100000, buckets);
  if (*n_buckets == 0)
    return NAN;
  return g_array_index (buckets, MimicHistoryBucket, buckets->len - 1).mean;
}

typedef struct
{
  DemoRun          *run;
  MimicChartSeries *before;
  double            before_end;
} PredictionWait;

static gboolean
prediction_series_moved (gpointer data)
{
  PredictionWait *wait = data;
  MimicChartSeries *series =
    mimic_device_page_get_prediction_series (mimic_window_get_device_page (wait->run->window), FALSE);
  guint n_buckets;

  return series != NULL && series != wait->before &&
         prediction_series_end (series, &n_buckets) != wait->before_end;
}

/* Moving a what-if slider redraws the prediction on the device page's
 * chart, and the 3D model can show the predicted state. */
static void
check_prediction_on_page (DemoRun *run)
{
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  MimicWhatifPanel *panel = MIMIC_WHATIF_PANEL (device_page_whatif_panel (run));
  MimicWhatifResult *result;
  GPtrArray *sensors;
  const char *predicted_sensor = NULL;
  MimicChartSeries *series;
  PredictionWait wait = { run, NULL, NAN };
  g_autoptr(GError) error = NULL;
  guint n_buckets;
  double speed;

  g_assert_true (mimic_test_wait_until (whatif_result_ready, run, 15000));
  result = mimic_whatif_panel_get_result (panel);
  sensors = mimic_asset_get_sensors (mimic_whatif_panel_get_asset (panel));
  for (guint i = 0; i < sensors->len && predicted_sensor == NULL; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);

      if (mimic_whatif_result_get_trajectory (result, sensor->id) != NULL)
        predicted_sensor = sensor->id;
    }
  g_assert_nonnull (predicted_sensor);
  mimic_device_page_set_selected_sensor (page, predicted_sensor);

  series = mimic_device_page_get_prediction_series (page, FALSE);
  g_assert_nonnull (series);
  g_assert_cmpint (mimic_chart_series_get_kind (series), ==, MIMIC_CHART_SERIES_PREDICTION);
  wait.before = g_object_ref (series);
  wait.before_end = prediction_series_end (series, &n_buckets);
  g_assert_cmpuint (n_buckets, >, 0);
  g_assert_true (isfinite (wait.before_end));
  g_assert_null (mimic_device_page_get_prediction_series (page, TRUE));

  /* The speed moves every reading of a pump. */
  speed = mimic_whatif_panel_get_value (panel, "speed_setpoint");
  g_assert_true (mimic_whatif_panel_set_value (panel, "speed_setpoint", speed > 1200 ? 600 : 1800, &error));
  g_assert_no_error (error);
  g_assert_true (mimic_test_wait_until (prediction_series_moved, &wait, 15000));
  series = mimic_device_page_get_prediction_series (page, FALSE);
  g_test_message ("Prediction of %s at the horizon: %g, %g after the speed change",
                  predicted_sensor, wait.before_end, prediction_series_end (series, &n_buckets));
  g_assert_cmpuint (n_buckets, >, 0);
  g_clear_object (&wait.before);

  /* A pinned scenario gets its own series. */
  mimic_whatif_panel_pin_scenario (panel);
  g_assert_nonnull (mimic_device_page_get_prediction_series (page, TRUE));
  mimic_whatif_panel_unpin_scenario (panel);
  mimic_whatif_panel_reset_to_live (panel);

  g_assert_false (mimic_device_page_get_show_predicted (page));
  mimic_device_page_set_show_predicted (page, TRUE);
  g_assert_true (mimic_device_page_get_show_predicted (page));
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  mimic_device_page_set_show_predicted (page, FALSE);
}

/* A command's state colours the part it concerns, and gives way to the
 * live state once the device acknowledged it. */
static void
check_command_state_on_part (DemoRun *run)
{
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  GtkWidget *panel = gtk_widget_get_first_child (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE,
                                                                 "commands_slot"));
  MimicSceneView *scene = MIMIC_SCENE_VIEW (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE,
                                                            "scene_view"));
  const char *node = mimic_command_panel_get_command_node (MIMIC_COMMAND_PANEL (panel), "set_speed");
  MimicDisplayState live;

  g_assert_nonnull (node);
  mimic_device_page_show_view (page, "scene");
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  live = mimic_scene_view_get_node_state (scene, node);

  g_signal_emit_by_name (panel, "command-state-changed", NULL, node, MIMIC_COMMAND_STATE_SENT);
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  g_assert_cmpint (mimic_scene_view_get_node_state (scene, node), >=, MIMIC_DISPLAY_STATE_ABNORMAL);

  g_signal_emit_by_name (panel, "command-state-changed", NULL, node, MIMIC_COMMAND_STATE_REJECTED);
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  g_assert_cmpint (mimic_scene_view_get_node_state (scene, node), >=, MIMIC_DISPLAY_STATE_ALARM_MEDIUM);

  g_signal_emit_by_name (panel, "command-state-changed", NULL, node, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  if (live < MIMIC_DISPLAY_STATE_ALARM_MEDIUM)
    g_assert_cmpint (mimic_scene_view_get_node_state (scene, node), <, MIMIC_DISPLAY_STATE_ALARM_MEDIUM);
}

/* The racks follow their schedule: every state of charge stays inside the
 * management system's band and no rack is left empty. */
static void
check_racks_in_band (DemoRun *run)
{
  MimicTwinStore *store = mimic_console_get_store (mimic_window_get_console (run->window));
  const char *racks[] = { "rack-001", "rack-002", "rack-003" };

  for (guint i = 0; i < G_N_ELEMENTS (racks); i++)
    {
      MimicTwinDevice *rack = mimic_twin_store_lookup (store, racks[i]);
      MimicSensorReading soc, power;

      g_assert_nonnull (rack);
      g_assert_true (mimic_twin_device_get_sensor (rack, "soc", &soc));
      g_assert_true (mimic_twin_device_get_sensor (rack, "power", &power));
      g_test_message ("%s: state of charge %.1f %%, power %.1f kW", racks[i], soc.value, power.value);
      g_assert_cmpfloat (soc.value, >, 12.0);
      g_assert_cmpfloat (soc.value, <, 93.0);
      g_assert_cmpfloat (fabs (power.value), <, 60.0);
    }
}

static gboolean
page_is_wide (gpointer data)
{
  return mimic_device_page_get_wide (mimic_window_get_device_page (data));
}

static gboolean
page_is_narrow (gpointer data)
{
  return !mimic_device_page_get_wide (mimic_window_get_device_page (data));
}

/* At 1920×1080 scene, schematic and trends show together; narrower, the
 * views are switched again. */
static void
check_wide_layout (DemoRun *run)
{
  GtkWidget *window = GTK_WIDGET (run->window);
  MimicDevicePage *page = mimic_window_get_device_page (run->window);
  GtkWidget *stack = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "view_stack");
  const char *views[] = { "scene_view", "schematic_view", "trend_chart" };
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  g_assert_true (mimic_test_wait_until (page_is_wide, run->window, 5000));
  mimic_test_wait_for_frames (window, 5);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    g_assert_true (gtk_widget_get_mapped (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, views[i])));
  take_screenshot (window, "console-wide");

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  g_assert_true (mimic_test_wait_until (page_is_narrow, run->window, 5000));
  mimic_test_wait_for_frames (window, 3);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "scene");
  g_assert_true (gtk_widget_get_mapped (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "scene_view")));
  g_assert_false (gtk_widget_get_mapped (mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "trend_chart")));
}

static void
run_demo_scenario (gpointer user_data)
{
  DemoRun *run = user_data;
  gint64 start = g_get_monotonic_time ();
  GtkWidget *alarm_view;

  run->window = MIMIC_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (run->app)));
  g_assert_nonnull (run->window);
  run->demo_pid = g_strdup (mimic_application_get_demo_pid (run->app));

  /* Demo start: every simulated device appears within a few seconds. */
  g_assert_true (mimic_test_wait_until (fleet_has_devices, run, 15000));
  g_test_message ("Fleet complete after %.2f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_nonnull (run->demo_pid);
  g_assert_true (mimic_test_wait_until (source_connected, run, 5000));
  check_header_shows_connected (run);

  /* The console opens with a device selected and drawn. */
  g_assert_true (mimic_test_wait_until (device_selected, run, 10000));
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 5);

  /* Selecting another device shows its page. */
  g_assert_true (mimic_window_select_device (run->window, "rack-001"));
  g_assert_cmpstr (mimic_window_get_selected_device (run->window), ==, "rack-001");
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 5);
  take_screenshot (GTK_WIDGET (run->window), "console-rack");
  g_assert_true (mimic_window_select_device (run->window, "pump-004"));
  check_device_page (run);

  check_view_only (run);
  check_prediction_on_page (run);
  check_command_state_on_part (run);

  /* The worn pump crosses a limit: its alarm is listed, counted in the
   * header and coloured in the fleet. */
  g_assert_true (mimic_test_wait_until (alarm_listed, run, 60000));
  g_test_message ("First alarm after %.2f s", (g_get_monotonic_time () - start) / 1e6);
  check_racks_in_band (run);

  /* The README's picture: the console as an operator finds it, the pump
   * with the alarm selected, its 3D model and the one alarm listed. */
  mimic_device_page_show_view (mimic_window_get_device_page (run->window), "scene");
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 5);
  take_screenshot (GTK_WIDGET (run->window), "console");
  alarm_view = mimic_test_get_template_child (GTK_WIDGET (run->window), MIMIC_TYPE_WINDOW, "alarm_view");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (run->window), "win.focus-alarms", NULL));
  mimic_test_wait_for_frames (GTK_WIDGET (run->window), 3);
  g_assert_true (gtk_widget_get_mapped (alarm_view));
  g_assert_cmpuint (mimic_fleet_item_get_alarm_priority (mimic_console_lookup_fleet_item (mimic_window_get_console (run->window),
                                                                                          "pump-004")), >, 0);
  take_screenshot (GTK_WIDGET (run->window), "console-alarm");

  check_wide_layout (run);

  /* The highest alarm also went to the desktop. */
  g_assert_true (mimic_test_wait_until (notification_arrived, NULL, 5000));
  g_assert_nonnull (strstr (g_ptr_array_index (notification_summaries, 0), "pump-004"));

  run->done = TRUE;
  g_application_quit (G_APPLICATION (run->app));
}

static void
on_activate (GApplication *app,
             DemoRun      *run)
{
  g_idle_add_once (run_demo_scenario, run);
}

static void
test_console_demo (void)
{
  DemoRun run = { 0 };
  char *argv[] = { "mimic", "--demo", "--demo-speed", "1200", "--demo-wear-rate", "200", NULL };
  int status;
  g_autofree char *proc = NULL;

  run.app = mimic_application_new ();
  g_signal_connect_after (run.app, "activate", G_CALLBACK (on_activate), &run);
  status = g_application_run (G_APPLICATION (run.app), G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.done);

  /* Quitting stopped the simulator: its process is gone (and reaped). */
  g_assert_nonnull (run.demo_pid);
  proc = g_build_filename ("/proc", run.demo_pid, NULL);
  g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
  g_assert_null (mimic_application_get_demo_pid (run.app));

  g_object_unref (run.app);
  g_free (run.demo_pid);
}

static gboolean
has_alarm (MimicConsole        *console,
           const char          *device_id,
           const char          *sensor_id,
           MimicAlarmCondition  condition)
{
  GListModel *list = mimic_alarm_manager_get_alarms (mimic_console_get_alarms (console));

  for (guint i = 0, n = g_list_model_get_n_items (list); i < n; i++)
    {
      g_autoptr(MimicAlarm) alarm = g_list_model_get_item (list, i);

      if (g_str_equal (mimic_alarm_get_device_id (alarm), device_id) &&
          g_str_equal (mimic_alarm_get_sensor_id (alarm), sensor_id) &&
          mimic_alarm_get_condition (alarm) == condition)
        return TRUE;
    }
  return FALSE;
}

/* A rack whose state of charge falls below its lo limit (10 %) raises the
 * alarm once the on-delay (30 s of the readings' own time) has passed,
 * even when its first readings came in the batch with its birth. */
static void
test_console_rack_soc_alarm (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicTwinStore *store = mimic_console_get_store (console);
  gint64 t0 = g_get_real_time ();

  {
    g_autoptr(MimicUpdateBatch) birth = mimic_update_batch_new ();

    mimic_update_batch_add_birth (birth, "rack-001", "battery-rack", NULL, t0);
    mimic_update_batch_add_presence (birth, "rack-001", MIMIC_PRESENCE_ONLINE, t0);
    mimic_update_batch_add_sample (birth, "rack-001", "soc", t0, 9.0, MIMIC_QUALITY_GOOD);
    mimic_twin_store_apply_batch (store, birth);
  }

  /* One reading a second: still within the on-delay after 20 s. */
  for (guint s = 1; s <= 40; s++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      mimic_update_batch_add_sample (batch, "rack-001", "soc", t0 + s * G_USEC_PER_SEC,
                                     9.0 - 0.05 * s, MIMIC_QUALITY_GOOD);
      mimic_twin_store_apply_batch (store, batch);
      if (s == 20)
        g_assert_false (has_alarm (console, "rack-001", "soc", MIMIC_ALARM_CONDITION_LO));
      /* Exactly the on-delay after the reading that came with the birth. */
      if (s == 30)
        g_assert_true (has_alarm (console, "rack-001", "soc", MIMIC_ALARM_CONDITION_LO));
    }

  g_assert_true (has_alarm (console, "rack-001", "soc", MIMIC_ALARM_CONDITION_LO));
  g_assert_false (has_alarm (console, "rack-001", "soc", MIMIC_ALARM_CONDITION_LOLO));
  g_assert_cmpuint (mimic_fleet_item_get_alarm_priority (mimic_console_lookup_fleet_item (console, "rack-001")),
                    ==, MIMIC_ALARM_PRIORITY_MEDIUM);

  gtk_window_destroy (GTK_WINDOW (window));
}

static const char *
listed_device (GListModel *shown,
               guint       position)
{
  g_autoptr(MimicAlarm) alarm = g_list_model_get_item (shown, position);

  g_assert_nonnull (alarm);
  /* The manager keeps the alarm, so its id outlives this reference. */
  return mimic_alarm_get_device_id (alarm);
}

/* The alarm list sorts by the column the operator picks, and the event
 * log follows its newest line. */
static void
test_console_alarm_sort_and_event_log (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicAlarmManager *alarms = mimic_console_get_alarms (console);
  GtkWidget *alarm_view = mimic_test_get_template_child (window, MIMIC_TYPE_WINDOW, "alarm_view");
  GtkWidget *event_view = mimic_test_get_template_child (window, MIMIC_TYPE_WINDOW, "event_view");
  GtkWidget *notebook = mimic_test_get_template_child (window, MIMIC_TYPE_WINDOW, "bottom_notebook");
  GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (alarm_view));
  g_autoptr(GtkColumnViewColumn) device_column = g_list_model_get_item (columns, 1);
  GListModel *shown = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (alarm_view)));
  GtkAdjustment *adjustment;
  gint64 t0 = g_get_real_time ();

  gtk_window_present (GTK_WINDOW (window));
  /* Two deviation alarms: the later one of the lower priority device. */
  mimic_alarm_manager_set_deviation (alarms, "pump-002", "flow", TRUE, 5.0, t0);
  mimic_alarm_manager_set_deviation (alarms, "pump-001", "flow", TRUE, 7.0, t0 + G_USEC_PER_SEC);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 2);

  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (alarm_view), device_column, GTK_SORT_ASCENDING);
  g_assert_cmpstr (listed_device (shown, 0), ==, "pump-001");
  g_assert_cmpstr (listed_device (shown, 1), ==, "pump-002");
  gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (alarm_view), device_column, GTK_SORT_DESCENDING);
  g_assert_cmpstr (listed_device (shown, 0), ==, "pump-002");

  /* Many more lines than fit: the log shows the last one. */
  gtk_notebook_set_current_page (GTK_NOTEBOOK (notebook), 1);
  mimic_test_wait_for_frames (window, 3);
  for (guint i = 0; i < 200; i++)
    mimic_console_log_event (console, "line %u", i);
  mimic_test_wait_for_frames (window, 5);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (event_view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), >, gtk_adjustment_get_page_size (adjustment));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >=,
                     gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 1.0);

  /* Scrolled up to read: a new line leaves the view where it is. */
  gtk_adjustment_set_value (adjustment, 0.0);
  mimic_console_log_event (console, "one more");
  mimic_test_wait_for_frames (window, 3);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0.0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The device page draws the expected values of the twin runtime's
 * calibrated model, whose deviation alarms go to the console's list. */
static void
test_console_expected_from_runtime (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicTwinStore *store = mimic_console_get_store (console);
  MimicTwinRuntime *runtime = mimic_console_get_twin_runtime (console);
  MimicDevicePage *page = mimic_window_get_device_page (MIMIC_WINDOW (window));
  GtkWidget *residual = mimic_test_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE, "residual_label");
  gint64 t0 = g_get_real_time () - 60 * G_USEC_PER_SEC;
  MimicTwinExpectation expectation;
  g_autofree char *expected_text = NULL;

  g_assert_nonnull (runtime);
  g_assert_true (mimic_twin_runtime_get_alarm_manager (runtime) == mimic_console_get_alarms (console));
  g_assert_nonnull (mimic_twin_runtime_get_anomaly_detector (runtime));

  gtk_window_present (GTK_WINDOW (window));
  for (guint s = 0; s < 30; s++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
      gint64 t = t0 + s * G_USEC_PER_SEC;

      if (s == 0)
        {
          mimic_update_batch_add_birth (batch, "pump-001", "pump-skid", NULL, t);
          mimic_update_batch_add_presence (batch, "pump-001", MIMIC_PRESENCE_ONLINE, t);
        }
      mimic_update_batch_add_sample (batch, "pump-001", "speed", t, 1480, MIMIC_QUALITY_GOOD);
      mimic_update_batch_add_sample (batch, "pump-001", "flow", t, 160, MIMIC_QUALITY_GOOD);
      mimic_update_batch_add_sample (batch, "pump-001", "winding_temp", t, 75 + 0.01 * s, MIMIC_QUALITY_GOOD);
      mimic_twin_store_apply_batch (store, batch);
      if (s == 0)
        {
          g_assert_true (mimic_window_select_device (MIMIC_WINDOW (window), "pump-001"));
          mimic_device_page_set_selected_sensor (page, "winding_temp");
        }
    }
  mimic_test_wait_for_frames (window, 3);

  g_assert_true (mimic_twin_runtime_get_expectation (runtime, "pump-001", "winding_temp", &expectation));
  expected_text = g_strdup_printf ("expected %.4g", expectation.expected);
  g_test_message ("%s", gtk_label_get_label (GTK_LABEL (residual)));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (residual)), expected_text));

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  MimicConsole *console;
  char         *url;
  const char   *profile_id;
} ProfileRun;

static void
on_demo_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ProfileRun *run = user_data;
  g_autoptr(GError) error = NULL;

  run->url = mimic_demo_launcher_start_finish (MIMIC_DEMO_LAUNCHER (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
demo_url_known (gpointer data)
{
  return ((ProfileRun *) data)->url != NULL;
}

static gboolean
profile_connected (gpointer data)
{
  ProfileRun *run = data;
  MimicFeed *feed = mimic_console_lookup_profile_source (run->console, run->profile_id);

  return feed != NULL && mimic_feed_get_state (feed) == MIMIC_FEED_STATE_CONNECTED &&
         mimic_console_lookup_fleet_item (run->console, "pump-001") != NULL;
}

/* A saved profile is a source: enabling it connects (after asking the
 * keyring for its password; the test's session has none), disabling it
 * disconnects, and removing it leaves no source behind. */
static void
test_console_profile_sources (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicConnectionList *list = mimic_console_get_connection_list (console);
  GListModel *sources = mimic_console_get_sources (console);
  g_autoptr(MimicDemoLauncher) demo = mimic_demo_launcher_new (1.0, 1.0);
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  ProfileRun run = { console, NULL, NULL };

  g_assert_nonnull (list);
  g_assert_cmpuint (g_list_model_get_n_items (sources), ==, 0);

  mimic_demo_launcher_start_async (demo, NULL, on_demo_started, &run);
  g_assert_true (mimic_test_wait_until (demo_url_known, &run, 15000));

  connection = mimic_connection_new_for_url (run.url, &error);
  g_assert_no_error (error);
  run.profile_id = mimic_connection_get_id (connection);
  g_assert_true (mimic_connection_list_add (list, connection, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (mimic_test_wait_until (profile_connected, &run, 15000));
  g_assert_cmpuint (g_list_model_get_n_items (sources), ==, 1);

  mimic_connection_list_set_enabled (list, run.profile_id, FALSE);
  g_assert_null (mimic_console_lookup_profile_source (console, run.profile_id));
  g_assert_cmpuint (g_list_model_get_n_items (sources), ==, 0);

  mimic_connection_list_set_enabled (list, run.profile_id, TRUE);
  g_assert_true (mimic_test_wait_until (profile_connected, &run, 15000));
  g_assert_cmpuint (g_list_model_get_n_items (sources), ==, 1);

  g_assert_true (mimic_connection_list_remove (list, run.profile_id));
  g_assert_cmpuint (g_list_model_get_n_items (sources), ==, 0);

  mimic_demo_launcher_stop (demo);
  gtk_window_destroy (GTK_WINDOW (window));
  g_free (run.url);
}

/* 10,000 devices: the list fills, scrolls and filters, and an update of a
 * few devices touches only their rows. */
static void
test_console_large_fleet (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicTwinStore *store = mimic_console_get_store (console);
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  g_autoptr(MimicUpdateBatch) update = mimic_update_batch_new ();
  GtkWidget *view = mimic_test_get_template_child (window, MIMIC_TYPE_WINDOW, "fleet_view");
  GtkWidget *search = mimic_test_get_template_child (window, MIMIC_TYPE_WINDOW, "fleet_search");
  GtkAdjustment *vadjustment;
  GListModel *shown;
  gint64 now = g_get_real_time ();
  gint64 t0;

  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%05u", i % 2 ? "rack" : "pump", i);

      mimic_update_batch_add_birth (batch, id, i % 2 ? "battery-rack" : "pump-skid", NULL, now);
      mimic_update_batch_add_presence (batch, id, MIMIC_PRESENCE_ONLINE, now);
      mimic_update_batch_add_sample (batch, id, i % 2 ? "soc" : "flow", now, i % 97, MIMIC_QUALITY_GOOD);
    }
  t0 = g_get_monotonic_time ();
  mimic_twin_store_apply_batch (store, batch);
  g_test_message ("10,000 devices applied in %.1f ms", (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_console_get_fleet (console)), ==, 10000);
  mimic_test_wait_for_frames (window, 3);

  shown = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (view)));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 10000);
  /* Opens with a device selected. */
  g_assert_nonnull (mimic_window_get_selected_device (MIMIC_WINDOW (window)));

  /* Scroll to the end: the view recycles its rows. */
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  t0 = g_get_monotonic_time ();
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment));
  mimic_test_wait_for_frames (window, 2);
  g_test_message ("Scroll to the end drawn in %.1f ms", (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), >, 0);

  /* An update of two devices changes those two rows' items only. */
  mimic_update_batch_add_sample (update, "pump-00000", "flow", now + 1000000, 123.0, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (update, "rack-09999", "soc", now + 1000000, 55.0, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, update);
  g_assert_cmpfloat (mimic_fleet_item_get_key_value (mimic_console_lookup_fleet_item (console, "pump-00000")), ==, 123.0);
  g_assert_cmpfloat (mimic_fleet_item_get_key_value (mimic_console_lookup_fleet_item (console, "pump-00002")), ==, 2.0);

  /* Search filters the list. */
  t0 = g_get_monotonic_time ();
  gtk_editable_set_text (GTK_EDITABLE (search), "rack-0999");
  g_signal_emit_by_name (search, "search-changed");
  mimic_test_wait_for_frames (window, 2);
  g_test_message ("Filter to one device drawn in %.1f ms", (g_get_monotonic_time () - t0) / 1e3);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 5);   /* 09991 … 09999, odd */
  take_screenshot (window, "console-fleet-search");

  /* Selecting a hidden device clears the search. */
  g_assert_true (mimic_window_select_device (MIMIC_WINDOW (window), "pump-00002"));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 10000);
  g_assert_false (mimic_window_select_device (MIMIC_WINDOW (window), "no-such-device"));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;
  g_autofree char *state = mimic_test_make_temp_dir ("mimic-console-XXXXXX");
  g_autofree char *path = g_strjoin (G_SEARCHPATH_SEPARATOR_S, g_getenv ("MIMIC_BUILD_APPDIR"),
                                     g_getenv ("PATH"), NULL);

  /* The audit log of the demo's command manager goes to a throwaway
   * state directory; notifications to the test's own server. */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  /* The demo finds mimic-device next to the console, or on the PATH. */
  g_setenv ("PATH", path, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/mimic/Console/icons");

  start_notification_server ();

  g_test_add_func ("/mimic/console/demo", test_console_demo);
  g_test_add_func ("/mimic/console/large-fleet", test_console_large_fleet);
  g_test_add_func ("/mimic/console/rack-soc-alarm", test_console_rack_soc_alarm);
  g_test_add_func ("/mimic/console/alarm-sort-event-log", test_console_alarm_sort_and_event_log);
  g_test_add_func ("/mimic/console/expected-from-runtime", test_console_expected_from_runtime);
  g_test_add_func ("/mimic/console/profile-sources", test_console_profile_sources);

  status = g_test_run ();
  g_clear_pointer (&notification_summaries, g_ptr_array_unref);
  g_clear_object (&notification_bus);
  mimic_test_remove_tree (state);
  return status;
}
