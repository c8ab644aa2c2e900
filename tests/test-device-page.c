/* test-device-page.c — the device page as an operator sees it: the side
 * panel fits beside the views at the default window size, the trend chart
 * follows a dark or light theme, and its time span shows as much future
 * as past with the prediction reaching across it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "mimic-application.h"
#include "mimic-command-panel.h"
#include "mimic-test-gtk-utils.h"
#include "mimic-test-utils.h"
#include "mimic-trend-chart.h"
#include "mimic-whatif-panel.h"
#include "mimic-window.h"

#define DEVICE_ID "pump-001"
#define MINUTE_US ((gint64) 60 * G_USEC_PER_SEC)
#define HOUR_US (60 * MINUTE_US)

typedef struct
{
  GtkWidget       *window;
  MimicDevicePage *page;
  MimicTrendChart *chart;
  gint64           now_us;
} Fixture;

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
set_dark (gboolean dark)
{
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", dark, NULL);
}

/* A pump that reported once a minute for the last day: its motor current
 * at 55 A, so the chart has a flat line to find. */
static void
feed_pump (MimicConsole *console,
           gint64        now_us)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

  mimic_update_batch_add_birth (batch, DEVICE_ID, "pump-skid", NULL, now_us);
  mimic_update_batch_add_presence (batch, DEVICE_ID, MIMIC_PRESENCE_ONLINE, now_us);
  for (gint64 t = now_us - 24 * HOUR_US; t <= now_us; t += MINUTE_US)
    {
      mimic_update_batch_add_sample (batch, DEVICE_ID, "motor_current", t, 55, MIMIC_QUALITY_GOOD);
      mimic_update_batch_add_sample (batch, DEVICE_ID, "speed", t, 1480, MIMIC_QUALITY_GOOD);
    }
  mimic_twin_store_apply_batch (mimic_console_get_store (console), batch);
}

static void
fixture_set_up (Fixture *fixture,
                int      width,
                int      height)
{
  g_autoptr(GSettings) settings = mimic_settings_new ();
  MimicConsole *console;

  /* Every test starts from the setting's default span. */
  g_settings_reset (settings, "trend-span");
  fixture->window = GTK_WIDGET (mimic_window_new (NULL));
  console = mimic_window_get_console (MIMIC_WINDOW (fixture->window));
  fixture->page = mimic_window_get_device_page (MIMIC_WINDOW (fixture->window));
  fixture->chart = MIMIC_TREND_CHART (mimic_test_get_template_child (GTK_WIDGET (fixture->page), MIMIC_TYPE_DEVICE_PAGE,
                                                      "trend_chart"));
  fixture->now_us = g_get_real_time ();
  feed_pump (console, fixture->now_us);

  if (width > 0)
    gtk_window_set_default_size (GTK_WINDOW (fixture->window), width, height);
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (mimic_window_select_device (MIMIC_WINDOW (fixture->window), DEVICE_ID));
  mimic_test_wait_for_frames (fixture->window, 4);
  g_assert_cmpstr (mimic_device_page_get_device_id (fixture->page), ==, DEVICE_ID);
}

static void
fixture_tear_down (Fixture *fixture)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  set_dark (FALSE);
}

static gboolean
has_prediction (gpointer data)
{
  Fixture *fixture = data;

  return mimic_device_page_get_prediction_series (fixture->page, FALSE) != NULL;
}

/* The side panel fits: nothing in the device page asks for more width than
 * the window gives it, the what-if panel's natural width is within its
 * column, and each slider keeps a usable length. At the default window
 * size and at the 1366x768 of a small control-room screen. */
static void
check_panel_fits (int width,
                  int height)
{
  Fixture fixture;
  GtkWidget *panel, *slot, *page;
  graphene_rect_t bounds;
  int minimum, natural;
  const char * const sliders[] = { "ambient_temp", "speed_setpoint", "valve_setpoint", "maintenance_delay" };

  fixture_set_up (&fixture, width, height);
  page = GTK_WIDGET (fixture.page);

  /* The page itself fits in the window: its right edge is on screen. */
  gtk_widget_measure (page, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, gtk_widget_get_width (page));
  g_assert_true (gtk_widget_compute_bounds (page, fixture.window, &bounds));
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (fixture.window));

  panel = find_descendant (page, MIMIC_TYPE_WHATIF_PANEL);
  g_assert_nonnull (panel);
  g_assert_true (gtk_widget_get_mapped (panel));
  slot = gtk_widget_get_parent (panel);
  gtk_widget_measure (panel, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
  g_test_message ("%dx%d: what-if panel natural width %d in a column of %d", width, height,
                  natural, gtk_widget_get_width (slot));
  g_assert_cmpint (natural, <=, gtk_widget_get_width (slot));
  g_assert_true (gtk_widget_compute_bounds (panel, fixture.window, &bounds));
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (fixture.window));

  for (guint i = 0; i < G_N_ELEMENTS (sliders); i++)
    {
      GtkWidget *scale = mimic_whatif_panel_get_scale (MIMIC_WHATIF_PANEL (panel), sliders[i]);

      g_assert_nonnull (scale);
      g_assert_cmpint (gtk_widget_get_width (scale), >=, MIMIC_WHATIF_PANEL_MIN_SLIDER_WIDTH - 24);
      g_assert_true (gtk_widget_compute_bounds (scale, fixture.window, &bounds));
      g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (fixture.window));
    }

  fixture_tear_down (&fixture);
}

static void
test_panel_fits_default_size (void)
{
  /* As the settings give it to a first start (org.mimic.Console window-size). */
  check_panel_fits (-1, -1);
  check_panel_fits (1366, 768);
}

static double
luminance (const guint8 rgba[4])
{
  double channel[3];

  for (guint i = 0; i < 3; i++)
    {
      double c = rgba[i] / 255.0;

      channel[i] = c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
    }
  return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2];
}

static double
contrast (const guint8 a[4],
          const guint8 b[4])
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* The colour most of a 16x16 block of the plot has: its ground, whatever
 * grid line crosses it. */
static void
ground_colour (GdkTexture *texture,
               int         x0,
               int         y0,
               guint8      out[4])
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint best = 0;
  guint32 best_argb = 0;

  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (int y = y0; y < y0 + 16; y++)
    for (int x = x0; x < x0 + 16; x++)
      {
        guint32 argb = pixels[(gsize) y * width + x];

        g_hash_table_insert (counts, GUINT_TO_POINTER (argb),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (argb))) + 1));
      }
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) > best)
      {
        best = GPOINTER_TO_UINT (value);
        best_argb = GPOINTER_TO_UINT (key);
      }

  out[0] = (best_argb >> 16) & 0xff;
  out[1] = (best_argb >> 8) & 0xff;
  out[2] = best_argb & 0xff;
  out[3] = (best_argb >> 24) & 0xff;
}

/* The strongest contrast against @ground found within two rows of @row
 * in the columns [x0, x1): where a line of one pixel or two runs. */
static double
line_contrast (GdkTexture   *texture,
               int           x0,
               int           x1,
               int           row,
               const guint8  ground[4])
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);
  double best = 1;

  g_assert_cmpint (x0, >=, 0);
  g_assert_cmpint (x1, <=, width);
  g_assert_cmpint (row - 2, >=, 0);
  g_assert_cmpint (row + 2, <, height);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (int x = x0; x < x1; x += 3)
    for (int dy = -2; dy <= 2; dy++)
      {
        guint32 argb = pixels[(gsize) (row + dy) * width + x];
        guint8 rgba[4] = { (argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff, (argb >> 24) & 0xff };

        best = MAX (best, contrast (rgba, ground));
      }
  return best;
}

static void
check_chart_theme (Fixture  *fixture,
                   gboolean  dark)
{
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t plot;
  double min, max;
  guint8 ground[4];
  int row_55, row_hh;

  set_dark (dark);
  mimic_test_wait_for_frames (fixture->window, 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), dark ? "device-page-chart-dark" : "device-page-chart-light");
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);

  /* The plot's ground, a little right of its left edge and between the
   * 55 A line and the HH limit at 100 A. */
  ground_colour (shot, (int) plot.origin.x + 20, (int) (plot.origin.y + plot.size.height * 0.3), ground);
  g_test_message ("%s theme: plot ground #%02x%02x%02x", dark ? "dark" : "light", ground[0], ground[1], ground[2]);
  if (dark)
    g_assert_cmpfloat (luminance (ground), <, 0.05);
  else
    g_assert_cmpfloat (luminance (ground), >, 0.8);

  /* The measured line (a light blue chosen for the dark theme) and the HH
   * limit both stand out from that ground by at least 3:1, in either
   * theme. */
  row_55 = (int) round (plot.origin.y + (max - 55) / (max - min) * plot.size.height);
  row_hh = (int) round (plot.origin.y + (max - 100) / (max - min) * plot.size.height);
  g_assert_cmpfloat (line_contrast (shot, (int) plot.origin.x + 4, (int) (plot.origin.x + plot.size.width * 0.4),
                                    row_55, ground), >=, 3.0);
  g_assert_cmpfloat (line_contrast (shot, (int) (plot.origin.x + plot.size.width * 0.3),
                                    (int) (plot.origin.x + plot.size.width * 0.9), row_hh, ground), >=, 3.0);
}

static void
test_chart_follows_theme (void)
{
  Fixture fixture;

  fixture_set_up (&fixture, -1, -1);
  mimic_device_page_show_view (fixture.page, "trends");
  mimic_device_page_set_selected_sensor (fixture.page, "motor_current");
  mimic_device_page_set_trend_span (fixture.page, "1h");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fixture.chart)));

  check_chart_theme (&fixture, TRUE);
  check_chart_theme (&fixture, FALSE);
  /* And back: the switch is followed both ways, not only at start. */
  check_chart_theme (&fixture, TRUE);

  fixture_tear_down (&fixture);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
assert_live_span (Fixture *fixture,
                  gint64   span_us)
{
  gint64 from_us, to_us, now_us;

  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  now_us = mimic_trend_chart_get_now (fixture->chart);
  g_assert_true (mimic_trend_chart_get_live (fixture->chart));
  g_assert_cmpint (mimic_trend_chart_get_span (fixture->chart), ==, span_us);
  g_assert_cmpint (mimic_trend_chart_get_future_span (fixture->chart), ==, span_us);
  g_assert_cmpint (from_us, ==, now_us - span_us);
  g_assert_cmpint (to_us, ==, now_us + span_us);
}

/* A readout well inside the past, at @fraction of the plot's width: the
 * motor current's value there, or NULL when the chart has none. */
static char *
readout_value_at (Fixture *fixture,
                  double   fraction)
{
  graphene_rect_t plot;
  g_autofree char *readout = NULL;
  const char *value;

  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_set_cursor (fixture->chart, plot.origin.x + plot.size.width * fraction);
  readout = mimic_trend_chart_get_readout (fixture->chart);
  mimic_trend_chart_set_cursor (fixture->chart, -1);
  g_assert_nonnull (readout);
  value = strstr (readout, "Motor current: ");
  g_assert_nonnull (value);
  value += strlen ("Motor current: ");
  if (g_str_has_prefix (value, "—"))
    return NULL;
  return g_strndup (value, strcspn (value, "\n"));
}

static void
test_chart_span (void)
{
  Fixture fixture;
  GtkDropDown *dropdown;
  g_autoptr(GSettings) settings = mimic_settings_new ();
  g_autofree char *far_back = NULL;
  g_autofree char *near_now = NULL;
  guint notified = 0;
  gint64 from_us, to_us;

  fixture_set_up (&fixture, 1600, 1000);
  dropdown = GTK_DROP_DOWN (mimic_test_get_template_child (GTK_WIDGET (fixture.page), MIMIC_TYPE_DEVICE_PAGE, "span_dropdown"));
  mimic_device_page_show_view (fixture.page, "trends");
  mimic_device_page_set_selected_sensor (fixture.page, "motor_current");
  g_signal_connect (fixture.page, "notify::trend-span", G_CALLBACK (on_notify), &notified);

  /* The setting's default: ten minutes back and ten ahead. */
  g_assert_cmpstr (mimic_device_page_get_trend_span (fixture.page), ==, "10min");
  assert_live_span (&fixture, 10 * MINUTE_US);

  /* Choosing a span in the dropdown changes the range drawn, is kept in
   * the setting, and notifies once. */
  gtk_drop_down_set_selected (dropdown, 3);
  g_assert_cmpstr (mimic_device_page_get_trend_span (fixture.page), ==, "24h");
  assert_live_span (&fixture, 24 * HOUR_US);
  g_assert_cmpuint (notified, ==, 1);
  {
    g_autofree char *kept = g_settings_get_string (settings, "trend-span");

    g_assert_cmpstr (kept, ==, "24h");
  }

  /* Over a day the chart reaches the pump's readings of 20 hours ago
   * (from the history's coarse rollups, one point per pixel column at
   * most), and those of a minute ago. */
  mimic_test_wait_for_frames (fixture.window, 2);
  far_back = readout_value_at (&fixture, 4.0 / 48.0);
  near_now = readout_value_at (&fixture, 23.9 / 48.0);
  g_assert_nonnull (far_back);
  g_assert_nonnull (near_now);
  g_assert_true (g_str_has_prefix (far_back, "55"));
  g_assert_true (g_str_has_prefix (near_now, "55"));

  /* The setting drives the page too (another window, the next start). */
  g_settings_set_string (settings, "trend-span", "7d");
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 4);
  assert_live_span (&fixture, 7 * 24 * HOUR_US);

  /* Panned away, choosing a span returns to live. */
  mimic_trend_chart_pan (fixture.chart, 200);
  g_assert_false (mimic_trend_chart_get_live (fixture.chart));
  g_assert_true (mimic_device_page_set_trend_span (fixture.page, "1h"));
  assert_live_span (&fixture, HOUR_US);
  mimic_trend_chart_pan (fixture.chart, 200);
  g_assert_true (mimic_device_page_set_trend_span (fixture.page, "1h"));
  assert_live_span (&fixture, HOUR_US);

  /* Unknown spans are refused and change nothing. */
  notified = 0;
  g_assert_false (mimic_device_page_set_trend_span (fixture.page, "3 fortnights"));
  g_assert_false (mimic_device_page_set_trend_span (fixture.page, ""));
  g_assert_false (mimic_device_page_set_trend_span (fixture.page, NULL));
  g_object_set (fixture.page, "trend-span", "forever", NULL);
  g_assert_cmpstr (mimic_device_page_get_trend_span (fixture.page), ==, "1h");
  g_assert_cmpuint (notified, ==, 0);
  mimic_trend_chart_get_time_range (fixture.chart, &from_us, &to_us);
  g_assert_cmpint (to_us - from_us, ==, 2 * HOUR_US);

  g_settings_reset (settings, "trend-span");
  fixture_tear_down (&fixture);
}

/* The 30-day prediction has a point every few hours; over a ten-minute
 * span it still runs from now to the right edge as a dashed line. */
static void
test_prediction_reaches_edge (void)
{
  Fixture fixture;
  g_autoptr(GdkTexture) shot = NULL;
  MimicChartSeries *prediction;
  graphene_rect_t plot;
  GdkRGBA colour;
  double now_x;
  guint right_half = 0, near_edge = 0;
  int width, height;
  g_autofree guint32 *pixels = NULL;

  fixture_set_up (&fixture, 1600, 1000);
  set_dark (TRUE);
  mimic_device_page_show_view (fixture.page, "trends");
  mimic_device_page_set_selected_sensor (fixture.page, "motor_current");
  g_assert_true (mimic_device_page_set_trend_span (fixture.page, "10min"));
  g_assert_true (mimic_test_wait_until (has_prediction, &fixture, 20000));
  mimic_test_wait_for_frames (fixture.window, 3);

  prediction = mimic_device_page_get_prediction_series (fixture.page, FALSE);
  mimic_chart_series_get_color (prediction, &colour);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture.chart), "device-page-prediction-10min");
  mimic_trend_chart_get_plot_area (fixture.chart, &plot);
  now_x = plot.origin.x + plot.size.width / 2;

  width = gdk_texture_get_width (shot);
  height = gdk_texture_get_height (shot);
  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (shot, (guchar *) pixels, (gsize) width * 4);
  for (int x = (int) now_x + 2; x < (int) (plot.origin.x + plot.size.width); x++)
    {
      gboolean hit = FALSE;

      for (int y = (int) plot.origin.y; y < (int) (plot.origin.y + plot.size.height) && !hit; y++)
        {
          guint32 argb = pixels[(gsize) y * width + x];

          hit = fabs (((argb >> 16) & 0xff) - colour.red * 255) < 30 &&
                fabs (((argb >> 8) & 0xff) - colour.green * 255) < 30 &&
                fabs ((argb & 0xff) - colour.blue * 255) < 30;
        }
      if (hit)
        {
          right_half++;
          if (x > plot.origin.x + plot.size.width * 0.9)
            near_edge++;
        }
    }
  g_test_message ("prediction drawn in %u columns right of now, %u of them in the last tenth",
                  right_half, near_edge);
  /* Dashed: most columns, not all; and on to the edge. */
  g_assert_cmpuint (right_half, >, plot.size.width / 2 * 0.4);
  g_assert_cmpuint (near_edge, >, 5);

  fixture_tear_down (&fixture);
}

/* mimic-device with @kind ("--pumps" or "--racks") serving WebSocket on a
 * free loopback port; its URL in @url. */
static GSubprocess *
spawn_simulator (const char  *kind,
                 const char  *command_log,
                 char       **url)
{
  const char *args[] = { kind, "1", "--ws", "127.0.0.1:0", "--command-log", command_log, NULL };
  guint port = 0;
  GSubprocess *process = mimic_test_spawn_device (args, &port);

  g_assert_cmpuint (port, >, 0);
  *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  return process;
}

typedef struct
{
  MimicConsole *console;
  const char   *device_id;
} DeviceWait;

static gboolean
device_ready (gpointer data)
{
  DeviceWait *wait = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (mimic_console_get_store (wait->console), wait->device_id);

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_twin_device_get_asset_type (device) != NULL;
}

static gboolean
command_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

/* The console with two sources: the commands panel of a device from the
 * second one sends to the second simulator, not to the first source. */
static void
test_commands_two_sources (void)
{
  g_autofree char *dir = mimic_test_make_temp_dir ("mimic-device-page-sources-XXXXXX");
  g_autofree char *pump_log = g_build_filename (dir, "pumps.jsonl", NULL);
  g_autofree char *rack_log = g_build_filename (dir, "racks.jsonl", NULL);
  g_autofree char *pump_url = NULL;
  g_autofree char *rack_url = NULL;
  g_autoptr(GSubprocess) pumps = spawn_simulator ("--pumps", pump_log, &pump_url);
  g_autoptr(GSubprocess) racks = spawn_simulator ("--racks", rack_log, &rack_url);
  g_autoptr(MimicFeed) second = NULL;
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  MimicConsole *console = mimic_window_get_console (MIMIC_WINDOW (window));
  MimicDevicePage *page = mimic_window_get_device_page (MIMIC_WINDOW (window));
  GtkWidget *panel;
  MimicCommandManager *manager;
  DeviceWait rack = { console, "rack-001" }, pump = { console, "pump-001" };

  g_assert_true (mimic_console_add_source_for_url (console, pump_url, &error));
  g_assert_true (mimic_console_add_source_for_url (console, rack_url, &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mimic_test_wait_until (device_ready, &pump, 20000));
  g_assert_true (mimic_test_wait_until (device_ready, &rack, 20000));
  g_assert_true (mimic_window_select_device (MIMIC_WINDOW (window), "rack-001"));
  mimic_test_wait_for_frames (window, 2);

  /* The panel of the rack has the console's one manager, and it leads to
   * the rack's own source. */
  second = g_list_model_get_item (mimic_console_get_sources (console), 1);
  panel = find_descendant (GTK_WIDGET (page), MIMIC_TYPE_COMMAND_PANEL);
  g_assert_nonnull (panel);
  manager = mimic_command_panel_get_manager (MIMIC_COMMAND_PANEL (panel));
  g_assert_true (manager == mimic_console_get_command_manager (console));
  g_assert_true (mimic_command_manager_get_feed_for_device (manager, "rack-001") == second);

  json_object_set_double_member (arguments, "power", 25);
  command = mimic_command_manager_send (manager, "rack-001", "set_power", arguments, 0, &error);
  g_assert_no_error (error);
  g_assert_true (mimic_test_wait_until (command_finished, command, 20000));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_test_count_executions (rack_log, mimic_command_get_id (command)), >, 0);
  g_assert_cmpuint (mimic_test_count_executions (pump_log, mimic_command_get_id (command)), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  mimic_test_stop_device (pumps);
  mimic_test_stop_device (racks);
  mimic_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = NULL;
  g_autofree char *state = mimic_test_make_temp_dir ("mimic-device-page-XXXXXX");
  int status;

  /* The console's audit log goes to a throwaway state directory. */
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  /* The console's style, as the application loads it. */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/mimic/Console/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/mimic/device-page/panel-fits-default-size", test_panel_fits_default_size);
  g_test_add_func ("/mimic/device-page/chart-follows-theme", test_chart_follows_theme);
  g_test_add_func ("/mimic/device-page/chart-span", test_chart_span);
  g_test_add_func ("/mimic/device-page/prediction-reaches-edge", test_prediction_reaches_edge);
  g_test_add_func ("/mimic/device-page/commands-two-sources", test_commands_two_sources);

  status = g_test_run ();
  /* What the console left in its state directory goes too. */
  mimic_test_remove_tree (state);
  return status;
}
