/* test-schematic-view.c — the 2D schematic, drawn for real and read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "mimic-schematic-view.h"
#include "mimic-test-gtk-utils.h"

typedef struct
{
  GtkWidget          *window;
  MimicSchematicView *view;
} Fixture;

static GFile *
fixture_file (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("MIMIC_TEST_DATA_DIR"), name, NULL);

  return g_file_new_for_path (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GFile) file = fixture_file ("schematic-fixture.svg");
  g_autoptr(GError) error = NULL;

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 600);
  fixture->view = MIMIC_SCHEMATIC_VIEW (mimic_schematic_view_new ());
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));

  g_assert_true (mimic_schematic_view_set_svg_file (fixture->view, file, &error));
  g_assert_no_error (error);
  g_assert_true (mimic_schematic_view_bind_sensor (fixture->view, "motor_current", "motor", "A", &error));
  g_assert_true (mimic_schematic_view_bind_sensor (fixture->view, "bearing_de_temp", "bearing-de", "°C", &error));
  g_assert_true (mimic_schematic_view_bind_sensor (fixture->view, "vibration", "pump-casing", "mm/s", &error));
  g_assert_no_error (error);

  gtk_window_present (GTK_WINDOW (fixture->window));
  mimic_test_wait_for_frames (fixture->window, 3);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
}

static void
assert_colour_near (const guint8  rgba[4],
                    const GdkRGBA *expected)
{
  int r = (int) lround (expected->red * 255);
  int g = (int) lround (expected->green * 255);
  int b = (int) lround (expected->blue * 255);

  if (abs (rgba[0] - r) > 4 || abs (rgba[1] - g) > 4 || abs (rgba[2] - b) > 4)
    g_error ("pixel is #%02x%02x%02x, expected #%02x%02x%02x",
             rgba[0], rgba[1], rgba[2], r, g, b);
}

static void
element_point (MimicSchematicView *view,
               const char         *sensor_id,
               double              fx,
               double              fy,
               int                *x,
               int                *y)
{
  graphene_rect_t bounds;

  g_assert_true (mimic_schematic_view_get_element_bounds (view, sensor_id, &bounds));
  *x = (int) (bounds.origin.x + bounds.size.width * fx);
  *y = (int) (bounds.origin.y + bounds.size.height * fy);
}

static void
test_schematic_state_colours (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  GdkRGBA alarm_high, alarm_urgent, normal;
  guint8 pixel[4];
  int x, y;

  mimic_schematic_view_set_sensor_value (fixture->view, "motor_current", 61.0,
                                         MIMIC_DISPLAY_STATE_ALARM_HIGH);
  mimic_schematic_view_set_sensor_value (fixture->view, "bearing_de_temp", 48.0,
                                         MIMIC_DISPLAY_STATE_NORMAL);
  mimic_schematic_view_set_sensor_value (fixture->view, "vibration", 11.2,
                                         MIMIC_DISPLAY_STATE_ALARM_URGENT);
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->view), "schematic-states");

  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_ALARM_HIGH, &alarm_high);
  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_ALARM_URGENT, &alarm_urgent);
  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_NORMAL, &normal);

  /* The motor's own blue gives way to the alarm colour... */
  element_point (fixture->view, "motor_current", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &alarm_high);

  /* ...the bearing is grey although the drawing's own <style> makes it blue... */
  element_point (fixture->view, "bearing_de_temp", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &normal);

  /* ...and the circle inside the moved group is found where it is drawn,
   * clear of its text. */
  element_point (fixture->view, "vibration", 0.5, 0.2, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &alarm_urgent);

  g_assert_nonnull (strstr (mimic_schematic_view_get_stylesheet (fixture->view), "#motor"));

  /* Back to normal: the alarm colour goes. */
  mimic_schematic_view_set_sensor_value (fixture->view, "motor_current", 40.0,
                                         MIMIC_DISPLAY_STATE_NORMAL);
  mimic_test_wait_for_frames (fixture->window, 2);
  g_clear_object (&shot);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->view), "schematic-states-cleared");
  element_point (fixture->view, "motor_current", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &normal);
}

static void
on_sensor_picked (MimicSchematicView *view,
                  const char         *sensor_id,
                  char              **picked)
{
  g_free (*picked);
  *picked = g_strdup (sensor_id);
}

static void
test_schematic_pick (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *picked = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autofree char *property = NULL;
  guint8 pixel[4];
  int x, y;

  g_signal_connect (fixture->view, "sensor-picked", G_CALLBACK (on_sensor_picked), &picked);

  element_point (fixture->view, "motor_current", 0.5, 0.5, &x, &y);
  g_assert_cmpstr (mimic_schematic_view_pick (fixture->view, x, y), ==, "motor_current");
  g_assert_cmpstr (picked, ==, "motor_current");
  g_object_get (fixture->view, "selected-sensor", &property, NULL);
  g_assert_cmpstr (property, ==, "motor_current");

  /* The selection outline is drawn just outside the element. */
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->view), "schematic-selected");
  element_point (fixture->view, "motor_current", 0.5, 0.0, &x, &y);
  mimic_test_texture_pixel (shot, x, y - 3, pixel);
  g_assert_cmpint (pixel[2], >, pixel[0] + 80);

  /* The circle sits in a translated group: picking goes by where it is drawn. */
  element_point (fixture->view, "vibration", 0.5, 0.5, &x, &y);
  g_assert_cmpstr (mimic_schematic_view_pick (fixture->view, x, y), ==, "vibration");
  g_assert_cmpstr (picked, ==, "vibration");

  /* Outside every bound element: the selection clears, no signal. */
  g_assert_null (mimic_schematic_view_pick (fixture->view, 2, 2));
  g_assert_null (mimic_schematic_view_get_selected_sensor (fixture->view));
  g_assert_cmpstr (picked, ==, "vibration");
  g_assert_null (mimic_schematic_view_pick (fixture->view, NAN, 10));
}

/* Counts pixels in a rectangle whose three channels are all below 100
 * (@light FALSE: label text) or all above 200 (@light TRUE: a label's
 * ground, which stands out from the view's dark ground). */
static guint
count_pixels (GdkTexture *texture,
              int         x0,
              int         y0,
              int         width,
              int         height,
              gboolean    light)
{
  int texture_width = gdk_texture_get_width (texture);
  int texture_height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) texture_width * texture_height);
  guint n = 0;

  gdk_texture_download (texture, (guchar *) pixels, (gsize) texture_width * 4);
  for (int y = MAX (y0, 0); y < MIN (y0 + height, texture_height); y++)
    for (int x = MAX (x0, 0); x < MIN (x0 + width, texture_width); x++)
      {
        guint32 argb = pixels[(gsize) y * texture_width + x];

        guint r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;

        if (light ? (r > 200 && g > 200 && b > 200) : (r < 100 && g < 100 && b < 100))
          n++;
      }

  return n;
}

static void
test_schematic_values (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t bounds;
  char *text;

  mimic_schematic_view_set_sensor_value (fixture->view, "motor_current", 42.5,
                                         MIMIC_DISPLAY_STATE_NORMAL);
  text = mimic_schematic_view_get_label_text (fixture->view, "motor_current");
  g_assert_cmpstr (text, ==, "42.5 A");
  g_free (text);

  mimic_schematic_view_set_sensor_value (fixture->view, "bearing_de_temp", 123.456,
                                         MIMIC_DISPLAY_STATE_ABNORMAL);
  text = mimic_schematic_view_get_label_text (fixture->view, "bearing_de_temp");
  g_assert_cmpstr (text, ==, "123 °C");
  g_free (text);

  /* A value that is not a number is shown as missing, never as "nan". */
  mimic_schematic_view_set_sensor_value (fixture->view, "vibration", NAN,
                                         MIMIC_DISPLAY_STATE_STALE);
  text = mimic_schematic_view_get_label_text (fixture->view, "vibration");
  g_assert_cmpstr (text, ==, "— mm/s");
  g_free (text);
  g_assert_null (mimic_schematic_view_get_label_text (fixture->view, "no_such_sensor"));
  mimic_schematic_view_set_sensor_value (fixture->view, "no_such_sensor", 1, MIMIC_DISPLAY_STATE_NORMAL);

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->view), "schematic-values");

  /* Text is drawn right of the motor, within its height. */
  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "motor_current", &bounds));
  g_assert_cmpuint (count_pixels (shot,
                                  (int) (bounds.origin.x + bounds.size.width) + 6,
                                  (int) bounds.origin.y,
                                  60, (int) bounds.size.height, FALSE), >, 20);

  /* The bearing's value sits where the drawing's marker is, centred under
   * the bearing (marker at 230, 140; the bearing spans y 60..100), not
   * beside it. */
  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "bearing_de_temp", &bounds));
  {
    double scale = bounds.size.width / 30.0;
    int marker_x = (int) (bounds.origin.x + (230 - 215) * scale);
    int marker_y = (int) (bounds.origin.y + (140 - 60) * scale);

    g_assert_cmpuint (count_pixels (shot, marker_x - 30, marker_y - 14, 60, 16, FALSE), >, 20);
    g_assert_cmpuint (count_pixels (shot, (int) (bounds.origin.x + bounds.size.width) + 6,
                                    (int) bounds.origin.y, 60, (int) bounds.size.height, TRUE), ==, 0);
  }
}

static void
test_schematic_zoom_pan (Fixture       *fixture,
                         gconstpointer  data)
{
  graphene_rect_t before, after;
  int width = gtk_widget_get_width (GTK_WIDGET (fixture->view));
  int height = gtk_widget_get_height (GTK_WIDGET (fixture->view));

  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "motor_current", &before));

  /* Zooming at a point keeps that point still. */
  mimic_schematic_view_zoom_at (fixture->view, 2.0, before.origin.x, before.origin.y);
  g_assert_cmpfloat_with_epsilon (mimic_schematic_view_get_zoom (fixture->view), 2.0, 1e-9);
  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "motor_current", &after));
  g_assert_cmpfloat_with_epsilon (after.size.width, 2 * before.size.width, 1e-3);
  g_assert_cmpfloat_with_epsilon (after.origin.x, before.origin.x, 1e-3);
  g_assert_cmpfloat_with_epsilon (after.origin.y, before.origin.y, 1e-3);

  mimic_schematic_view_pan (fixture->view, 30, -20);
  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "motor_current", &after));
  g_assert_cmpfloat_with_epsilon (after.origin.x, before.origin.x + 30, 1e-3);
  g_assert_cmpfloat_with_epsilon (after.origin.y, before.origin.y - 20, 1e-3);

  /* The keyboard zooms about the centre. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "schematic.zoom-out", NULL));
  g_assert_cmpfloat (mimic_schematic_view_get_zoom (fixture->view), <, 2.0);

  mimic_test_wait_for_frames (fixture->window, 2);
  g_object_unref (mimic_test_take_screenshot (GTK_WIDGET (fixture->view), "schematic-zoomed"));

  /* Zoom stays within bounds and ignores nonsense. */
  mimic_schematic_view_zoom_at (fixture->view, 1e9, width / 2.0, height / 2.0);
  g_assert_cmpfloat (mimic_schematic_view_get_zoom (fixture->view), <=, 40.0);
  mimic_schematic_view_zoom_at (fixture->view, NAN, 0, 0);
  mimic_schematic_view_zoom_at (fixture->view, -1, 0, 0);
  g_assert_cmpfloat (mimic_schematic_view_get_zoom (fixture->view), <=, 40.0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "schematic.fit", NULL));
  g_assert_cmpfloat (mimic_schematic_view_get_zoom (fixture->view), ==, 1.0);
  g_assert_true (mimic_schematic_view_get_element_bounds (fixture->view, "motor_current", &after));
  g_assert_cmpfloat_with_epsilon (after.origin.x, before.origin.x, 1e-3);
  g_assert_cmpfloat_with_epsilon (after.origin.y, before.origin.y, 1e-3);
}

static void
test_schematic_bad_input (void)
{
  GtkWidget *window = gtk_window_new ();
  MimicSchematicView *view = MIMIC_SCHEMATIC_VIEW (mimic_schematic_view_new ());
  g_autoptr(GFile) missing = fixture_file ("no-such-schematic.svg");
  g_autoptr(GFile) not_svg = fixture_file ("scene-parts.obj");
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  graphene_rect_t bounds;

  gtk_window_set_default_size (GTK_WINDOW (window), 400, 300);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));

  /* Ids that would let an asset file write its own CSS are refused. */
  g_assert_false (mimic_schematic_view_bind_sensor (view, "s", "motor { fill: red } #x", "A", &error));
  g_assert_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_false (mimic_schematic_view_bind_sensor (view, "s", "", "A", &error));
  g_assert_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_INVALID_ID);
  g_clear_error (&error);
  g_assert_false (mimic_schematic_view_bind_sensor (view, "s", "9lives", "A", &error));
  g_assert_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_INVALID_ID);
  g_clear_error (&error);

  /* A bound element missing from the drawing has no box but is no error. */
  g_assert_true (mimic_schematic_view_bind_sensor (view, "ghost", "not-in-drawing", NULL, &error));
  g_assert_no_error (error);

  g_assert_false (mimic_schematic_view_set_svg_file (view, missing, &error));
  g_assert_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_LOAD);
  g_assert_nonnull (strstr (error->message, "no-such-schematic.svg"));
  g_clear_error (&error);

  g_assert_false (mimic_schematic_view_set_svg_file (view, not_svg, &error));
  g_assert_error (error, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_LOAD);
  g_clear_error (&error);

  /* The failure is said in the view, not left blank. */
  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (view), "schematic-load-error");
  g_assert_cmpuint (mimic_test_count_colours (shot, 16), >, 2);
  g_assert_false (mimic_schematic_view_get_element_bounds (view, "ghost", &bounds));
  g_assert_null (mimic_schematic_view_pick (view, 10, 10));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;

  if (!mimic_schematic_view_load_svg_finish (MIMIC_SCHEMATIC_VIEW (source), result, error))
    g_assert_nonnull (*error);
  else
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "loaded");
}

static gboolean
is_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* The console loads drawings off the main thread. */
static void
test_schematic_load_async (void)
{
  GtkWidget *window = gtk_window_new ();
  MimicSchematicView *view = MIMIC_SCHEMATIC_VIEW (mimic_schematic_view_new ());
  g_autoptr(GFile) file = fixture_file ("schematic-fixture.svg");
  g_autoptr(GFile) missing = fixture_file ("no-such-schematic.svg");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *outcome = NULL;
  graphene_rect_t bounds;

  gtk_window_set_default_size (GTK_WINDOW (window), 400, 300);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (mimic_schematic_view_bind_sensor (view, "motor_current", "motor", "A", NULL));

  mimic_schematic_view_load_svg_async (view, file, NULL, on_loaded, &outcome);
  g_assert_true (mimic_test_wait_until (is_set, &outcome, 10000));
  g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&outcome);
  mimic_test_wait_for_frames (window, 2);
  g_assert_true (mimic_schematic_view_get_element_bounds (view, "motor_current", &bounds));

  mimic_schematic_view_load_svg_async (view, missing, NULL, on_loaded, &outcome);
  g_assert_true (mimic_test_wait_until (is_set, &outcome, 10000));
  g_assert_error (outcome, MIMIC_SCHEMATIC_ERROR, MIMIC_SCHEMATIC_ERROR_LOAD);
  g_clear_error (&outcome);
  g_assert_false (mimic_schematic_view_get_element_bounds (view, "motor_current", &bounds));

  /* Cancelled before it ran: reported as cancelled, the view untouched. */
  g_assert_true (mimic_schematic_view_set_svg_file (view, file, NULL));
  g_cancellable_cancel (cancellable);
  mimic_schematic_view_load_svg_async (view, missing, cancellable, on_loaded, &outcome);
  g_assert_true (mimic_test_wait_until (is_set, &outcome, 10000));
  g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&outcome);
  g_assert_true (mimic_schematic_view_get_element_bounds (view, "motor_current", &bounds));

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  const char *sensor_id;
  const char *svg_id;
  const char *unit;
  double      value;
  MimicDisplayState state;
} SampleBinding;

/* The pump skid's own drawing, with one sensor in each kind of state. */
static void
test_schematic_pump_skid (void)
{
  static const SampleBinding bindings[] = {
    { "motor_current", "motor", "A", 41.8, MIMIC_DISPLAY_STATE_NORMAL },
    { "power", "motor-terminal", "kW", 18.9, MIMIC_DISPLAY_STATE_NORMAL },
    { "winding_temp", "motor-winding", "°C", 96.0, MIMIC_DISPLAY_STATE_ALARM_MEDIUM },
    { "bearing_de_temp", "bearing-de", "°C", 88.5, MIMIC_DISPLAY_STATE_ALARM_HIGH },
    { "bearing_nde_temp", "bearing-nde", "°C", 61.0, MIMIC_DISPLAY_STATE_ABNORMAL },
    { "vibration", "pump-casing", "mm/s", 2.3, MIMIC_DISPLAY_STATE_NORMAL },
    { "speed", "coupling", "rpm", 1480, MIMIC_DISPLAY_STATE_NORMAL },
    { "flow", "flow-meter", "m³/h", 52.4, MIMIC_DISPLAY_STATE_NORMAL },
    { "suction_pressure", "suction-pipe", "bar", 0.4, MIMIC_DISPLAY_STATE_ALARM_LOW },
    { "discharge_pressure", "discharge-pipe", "bar", 6.1, MIMIC_DISPLAY_STATE_NORMAL },
    { "valve_position", "valve", "%", 70, MIMIC_DISPLAY_STATE_NORMAL },
    { "ambient_temp", "ambient", "°C", 24.0, MIMIC_DISPLAY_STATE_STALE },
  };
  g_autofree char *path = g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "pump-skid",
                                            "pump-skid.svg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window;
  MimicSchematicView *view;
  GdkRGBA alarm_high;
  guint8 pixel[4];
  int x, y;

  if (!g_file_query_exists (file, NULL))
    {
      g_test_skip ("the pump skid's schematic is not in the tree");
      return;
    }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  view = MIMIC_SCHEMATIC_VIEW (mimic_schematic_view_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));

  g_assert_true (mimic_schematic_view_set_svg_file (view, file, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      g_assert_true (mimic_schematic_view_bind_sensor (view, bindings[i].sensor_id, bindings[i].svg_id,
                                                       bindings[i].unit, &error));
      g_assert_no_error (error);
      mimic_schematic_view_set_sensor_value (view, bindings[i].sensor_id, bindings[i].value,
                                             bindings[i].state);
    }
  mimic_schematic_view_set_selected_sensor (view, "bearing_de_temp");

  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (view), "schematic-pump-skid");

  /* Every element of the contract is in the drawing. */
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      graphene_rect_t bounds;

      if (!mimic_schematic_view_get_element_bounds (view, bindings[i].sensor_id, &bounds))
        g_error ("pump-skid.svg has no element #%s", bindings[i].svg_id);
    }

  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_ALARM_HIGH, &alarm_high);
  element_point (view, "bearing_de_temp", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &alarm_high);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The battery rack's drawing: sixteen modules, two of them hot. */
static void
test_schematic_battery_rack (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "battery-rack",
                                            "battery-rack.svg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window;
  MimicSchematicView *view;
  GdkRGBA urgent, normal;
  guint8 pixel[4];
  int x, y;

  if (!g_file_query_exists (file, NULL))
    {
      g_test_skip ("the battery rack's schematic is not in the tree");
      return;
    }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  view = MIMIC_SCHEMATIC_VIEW (mimic_schematic_view_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  g_assert_true (mimic_schematic_view_set_svg_file (view, file, &error));
  g_assert_no_error (error);

  for (guint module = 1; module <= 16; module++)
    {
      g_autofree char *sensor = g_strdup_printf ("module_%02u_temp", module);
      g_autofree char *element = g_strdup_printf ("module-%02u", module);
      MimicDisplayState state = module == 7 ? MIMIC_DISPLAY_STATE_ALARM_URGENT
                              : module == 8 ? MIMIC_DISPLAY_STATE_ALARM_HIGH
                              : MIMIC_DISPLAY_STATE_NORMAL;

      g_assert_true (mimic_schematic_view_bind_sensor (view, sensor, element, "°C", &error));
      mimic_schematic_view_set_sensor_value (view, sensor, module == 7 ? 58.5 : module == 8 ? 49.0 : 31.0 + module * 0.1,
                                             state);
    }
  g_assert_true (mimic_schematic_view_bind_sensor (view, "soc", "soc", "%", &error));
  mimic_schematic_view_set_sensor_value (view, "soc", 64, MIMIC_DISPLAY_STATE_NORMAL);
  g_assert_true (mimic_schematic_view_bind_sensor (view, "rack_voltage", "rack-voltage", "V", &error));
  mimic_schematic_view_set_sensor_value (view, "rack_voltage", 768.2, MIMIC_DISPLAY_STATE_NORMAL);

  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (view), "schematic-battery-rack");

  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_ALARM_URGENT, &urgent);
  mimic_display_state_get_fill (MIMIC_DISPLAY_STATE_NORMAL, &normal);
  element_point (view, "module_07_temp", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &urgent);
  element_point (view, "module_01_temp", 0.5, 0.5, &x, &y);
  mimic_test_texture_pixel (shot, x, y, pixel);
  assert_colour_near (pixel, &normal);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add ("/mimic/schematic/state-colours", Fixture, NULL,
              fixture_set_up, test_schematic_state_colours, fixture_tear_down);
  g_test_add ("/mimic/schematic/pick", Fixture, NULL,
              fixture_set_up, test_schematic_pick, fixture_tear_down);
  g_test_add ("/mimic/schematic/values", Fixture, NULL,
              fixture_set_up, test_schematic_values, fixture_tear_down);
  g_test_add ("/mimic/schematic/zoom-pan", Fixture, NULL,
              fixture_set_up, test_schematic_zoom_pan, fixture_tear_down);
  g_test_add_func ("/mimic/schematic/bad-input", test_schematic_bad_input);
  g_test_add_func ("/mimic/schematic/load-async", test_schematic_load_async);
  g_test_add_func ("/mimic/schematic/pump-skid", test_schematic_pump_skid);
  g_test_add_func ("/mimic/schematic/battery-rack", test_schematic_battery_rack);

  return g_test_run ();
}
