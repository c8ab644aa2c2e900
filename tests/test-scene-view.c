/* test-scene-view.c — the 3D scene, loaded from real files, drawn with real
 * GL (llvmpipe under Xvfb) and read back pixel by pixel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "mimic-scene-view-private.h"
#include "mimic-test-gtk-utils.h"

typedef struct
{
  GtkWidget      *window;
  MimicSceneView *view;
  gboolean        loaded;
  GError         *load_error;
} Fixture;

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("MIMIC_TEST_DATA_DIR"), name, NULL);
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;

  mimic_scene_view_load_finish (MIMIC_SCENE_VIEW (source), result, &fixture->load_error);
  fixture->loaded = TRUE;
}

static gboolean
is_loaded (gpointer data)
{
  return ((Fixture *) data)->loaded;
}

static void
fixture_load (Fixture    *fixture,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  fixture->loaded = FALSE;
  mimic_scene_view_load_async (fixture->view, file, NULL, on_loaded, fixture);
  g_assert_true (mimic_test_wait_until (is_loaded, fixture, 20000));
  g_assert_no_error (fixture->load_error);
  mimic_test_wait_for_frames (fixture->window, 3);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = fixture_path ("scene-parts.gltf");

  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 360);
  fixture->view = MIMIC_SCENE_VIEW (mimic_scene_view_new ());
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));
  gtk_window_present (GTK_WINDOW (fixture->window));
  mimic_test_wait_for_frames (fixture->window, 2);

  fixture_load (fixture, path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_error (&fixture->load_error);
}

/* Where a part's centre lands on screen, computed from the view's own
 * camera as the test would from any projection. */
static void
project_node (MimicSceneView   *view,
              const char       *node_path,
              int              *x,
              int              *y)
{
  graphene_point3d_t center;
  graphene_point_t point;

  g_assert_true (mimic_scene_view_get_node_center (view, node_path, &center));
  g_assert_true (mimic_scene_view_project (view, &center, &point));
  *x = (int) roundf (point.x);
  *y = (int) roundf (point.y);
  g_assert_cmpint (*x, >=, 0);
  g_assert_cmpint (*y, >=, 0);
  g_assert_cmpint (*x, <, gtk_widget_get_width (GTK_WIDGET (view)));
  g_assert_cmpint (*y, <, gtk_widget_get_height (GTK_WIDGET (view)));
}

static void
node_pixel (MimicSceneView *view,
            GdkTexture     *shot,
            const char     *node_path,
            guint8          rgba[4])
{
  int x, y;

  project_node (view, node_path, &x, &y);
  mimic_test_texture_pixel (shot, x, y, rgba);
  g_test_message ("%s at %d,%d: %d %d %d", node_path, x, y, rgba[0], rgba[1], rgba[2]);
}

static int
saturation (const guint8 rgba[4])
{
  return MAX (rgba[0], MAX (rgba[1], rgba[2])) - MIN (rgba[0], MIN (rgba[1], rgba[2]));
}

/* ---- geometry ---- */

static void
test_geometry_formats (void)
{
  struct {
    const char *file;
    const char *paths[4];
    guint64     triangles;
  } cases[] = {
    { "scene-parts.gltf", { "rig", "rig/base", "rig/left", "rig/right/cap" }, 36 },
    { "scene-parts.obj", { "plate", "post", NULL }, 24 },
    { "scene-part.stl", { "column", NULL }, 12 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = fixture_path (cases[i].file);
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicSceneGeometry) geometry = mimic_scene_geometry_new_from_file (path, &error);

      g_assert_no_error (error);
      g_assert_nonnull (geometry);
      g_assert_cmpuint (mimic_scene_geometry_get_n_triangles (geometry), ==, cases[i].triangles);
      for (guint k = 0; k < G_N_ELEMENTS (cases[i].paths) && cases[i].paths[k] != NULL; k++)
        g_assert_cmpint (mimic_scene_geometry_lookup (geometry, cases[i].paths[k]), >=, 0);
    }
}

static void
test_geometry_hierarchy (void)
{
  g_autofree char *path = fixture_path ("scene-parts.gltf");
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicSceneGeometry) geometry = mimic_scene_geometry_new_from_file (path, &error);
  graphene_box_t bounds;
  graphene_point3d_t center;
  graphene_ray_t ray;
  graphene_vec3_t down;
  int right, cap;

  g_assert_no_error (error);
  right = mimic_scene_geometry_lookup (geometry, "rig/right");
  cap = mimic_scene_geometry_lookup (geometry, "rig/right/cap");
  g_assert_cmpint (right, >=, 0);
  g_assert_true (mimic_scene_geometry_is_descendant (geometry, cap, right));
  g_assert_false (mimic_scene_geometry_is_descendant (geometry, right, cap));

  /* The cap's world position composes its own and its parent's transform. */
  g_assert_true (mimic_scene_geometry_get_node_bounds (geometry, right, &bounds));
  graphene_box_get_center (&bounds, &center);
  g_assert_cmpfloat_with_epsilon (center.x, 1.2, 1e-4);
  g_assert_cmpfloat_with_epsilon (center.y, 0.5, 1e-4);

  /* A ray straight down onto the cap hits the cap, not the base below. */
  graphene_vec3_init (&down, 0.f, -1.f, 0.f);
  graphene_ray_init (&ray, &GRAPHENE_POINT3D_INIT (1.2f, 5.f, 0.f), &down);
  g_assert_cmpint (mimic_scene_geometry_pick (geometry, &ray, NULL), ==, cap);
}

static void
test_geometry_bad_input (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-scene-XXXXXX", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.gltf", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.glb", NULL);
  g_autoptr(MimicSceneGeometry) geometry = mimic_scene_geometry_new ();
  g_autoptr(GError) error = NULL;
  float vertices[18] = { 0, 0, 0, 0, 0, 1,  1, 0, 0, 0, 0, 1,  0, 1, 0, 0, 0, 1 };
  guint32 indices[3] = { 0, 1, 2 };
  guint32 bad_indices[3] = { 0, 1, 7 };

  g_autofree char *huge = g_build_filename (dir, "huge.glb", NULL);
  int fd;

  /* A sparse 2 GiB file: refused by its size, before anything reads it. */
  fd = g_open (huge, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 2 * 1024 * 1024 * 1024), ==, 0);
  g_close (fd, NULL);
  g_assert_null (mimic_scene_geometry_new_from_file (huge, &error));
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_remove (huge);

  g_assert_true (g_file_set_contents (garbage, "{\"asset\": nonsense", -1, NULL));
  g_assert_null (mimic_scene_geometry_new_from_file (garbage, &error));
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT);
  g_assert_nonnull (strstr (error->message, "garbage.gltf"));
  g_clear_error (&error);

  g_assert_null (mimic_scene_geometry_new_from_file (missing, &error));
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT);
  g_clear_error (&error);

  g_assert_cmpint (mimic_scene_geometry_add_node (geometry, "bad", -1, NULL, vertices, 3,
                                                  bad_indices, 3, NULL, &error), ==, -1);
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID);
  g_clear_error (&error);

  vertices[4] = NAN;
  g_assert_cmpint (mimic_scene_geometry_add_node (geometry, "nan", -1, NULL, vertices, 3,
                                                  indices, 3, NULL, &error), ==, -1);
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (mimic_scene_geometry_add_node (geometry, "half", -1, NULL, vertices, 3,
                                                  indices, 2, NULL, &error), ==, -1);
  g_assert_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID);
  g_assert_cmpuint (mimic_scene_geometry_get_n_nodes (geometry), ==, 0);

  g_remove (garbage);
  g_rmdir (dir);
}

/* ---- drawing ---- */

static void
test_scene_state_colours (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GdkTexture) normal_shot = NULL;
  g_autoptr(GdkTexture) alarm_shot = NULL;
  g_autoptr(GdkTexture) inherited_shot = NULL;
  guint8 left[4], cap[4], base[4];

  normal_shot = mimic_test_take_screenshot (fixture->window, "scene-normal");
  node_pixel (fixture->view, normal_shot, "rig/left", left);
  node_pixel (fixture->view, normal_shot, "rig/right/cap", cap);
  /* Normal parts are grey (the fixture's blue-grey material included) and
   * lit: not the background. */
  g_assert_cmpint (saturation (left), <, 24);
  g_assert_cmpint (saturation (cap), <, 24);
  g_assert_cmpint (left[0], >, 70);

  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_ALARM_HIGH);
  mimic_test_wait_for_frames (fixture->window, 2);
  alarm_shot = mimic_test_take_screenshot (fixture->window, "scene-alarm-high");
  node_pixel (fixture->view, alarm_shot, "rig/left", left);
  node_pixel (fixture->view, alarm_shot, "rig/right/cap", cap);
  node_pixel (fixture->view, alarm_shot, "rig/base", base);
  g_assert_cmpint (left[0], >, 150);
  g_assert_cmpint (left[0], >, left[1] + 80);
  g_assert_cmpint (left[0], >, left[2] + 80);
  g_assert_cmpint (saturation (cap), <, 24);
  g_assert_cmpint (saturation (base), <, 24);

  /* A state on a grouping node colours the parts below it. */
  mimic_scene_view_set_node_state (fixture->view, "rig/right", MIMIC_DISPLAY_STATE_ALARM_URGENT);
  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_NORMAL);
  mimic_test_wait_for_frames (fixture->window, 2);
  inherited_shot = mimic_test_take_screenshot (fixture->window, "scene-alarm-urgent-group");
  node_pixel (fixture->view, inherited_shot, "rig/right/cap", cap);
  node_pixel (fixture->view, inherited_shot, "rig/left", left);
  g_assert_cmpint (cap[0], >, cap[1] + 80);
  g_assert_cmpint (cap[2], >, cap[1] + 60);
  g_assert_cmpint (saturation (left), <, 24);
  g_assert_cmpint (mimic_scene_view_get_node_state (fixture->view, "rig/left"), ==, MIMIC_DISPLAY_STATE_NORMAL);
}

static void
test_scene_stale_hatched (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  guint8 rgba[4];
  guint lightest = 0, darkest = 255;
  int x, y;

  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_STALE);
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "scene-stale");

  /* Stripes: along a short horizontal run the brightness swings. */
  project_node (fixture->view, "rig/left", &x, &y);
  for (int dx = -6; dx <= 6; dx++)
    {
      mimic_test_texture_pixel (shot, x + dx, y, rgba);
      lightest = MAX (lightest, rgba[1]);
      darkest = MIN (darkest, rgba[1]);
      g_assert_cmpint (saturation (rgba), <, 24);
    }
  g_assert_cmpuint (lightest, >, darkest + 40);
}

static void
on_part_picked (MimicSceneView *view,
                const char     *node_path,
                const char     *sensor_id,
                gpointer        user_data)
{
  char **picked = user_data;

  g_free (picked[0]);
  g_free (picked[1]);
  picked[0] = g_strdup (node_path);
  picked[1] = g_strdup (sensor_id);
}

static guint
count_selection_pixels (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);
  guint count = 0;

  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      int r = (pixels[i] >> 16) & 0xff, g = (pixels[i] >> 8) & 0xff, b = pixels[i] & 0xff;

      if (b > 200 && r < 90 && g > 100 && g < 180)
        count++;
    }

  return count;
}

static void
count_notify (guint *count)
{
  (*count)++;
}

static void
test_scene_pick (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  char *picked[2] = { NULL, NULL };
  guint notifications = 0;
  int x, y;

  mimic_scene_view_bind_sensor (fixture->view, "cap_temp", "rig/right", "°C");
  mimic_scene_view_bind_sensor (fixture->view, "left_current", "rig/left", "A");
  g_signal_connect (fixture->view, "part-picked", G_CALLBACK (on_part_picked), picked);
  before = mimic_test_take_screenshot (fixture->window, "scene-unselected");

  project_node (fixture->view, "rig/right/cap", &x, &y);
  g_assert_cmpstr (mimic_scene_view_pick_node (fixture->view, x, y), ==, "rig/right/cap");
  g_assert_true (mimic_scene_view_select_at (fixture->view, x, y));
  g_assert_cmpstr (picked[0], ==, "rig/right/cap");
  /* The sensor sits on the cap's parent. */
  g_assert_cmpstr (picked[1], ==, "cap_temp");
  g_assert_cmpstr (mimic_scene_view_get_selected_node (fixture->view), ==, "rig/right/cap");
  g_assert_cmpstr (mimic_scene_view_get_selected_sensor (fixture->view), ==, "cap_temp");

  /* The outline shows in the selection blue, only once something is selected. */
  mimic_test_wait_for_frames (fixture->window, 2);
  after = mimic_test_take_screenshot (fixture->window, "scene-selected");
  g_assert_cmpuint (count_selection_pixels (before), ==, 0);
  g_assert_cmpuint (count_selection_pixels (after), >, 100);

  project_node (fixture->view, "rig/left", &x, &y);
  g_assert_true (mimic_scene_view_select_at (fixture->view, x, y));
  g_assert_cmpstr (picked[1], ==, "left_current");

  /* Properties notify once per real change, not on a repeated click. */
  g_signal_connect_swapped (fixture->view, "notify::selected-sensor", G_CALLBACK (count_notify), &notifications);
  g_assert_true (mimic_scene_view_select_at (fixture->view, x, y));
  g_assert_cmpuint (notifications, ==, 0);
  mimic_scene_view_set_selected_node (fixture->view, "rig/right/cap");
  g_assert_cmpuint (notifications, ==, 1);

  /* Selecting by sensor (as the console binds it) selects its part. */
  g_object_set (fixture->view, "selected-sensor", "cap_temp", NULL);
  g_assert_cmpstr (mimic_scene_view_get_selected_node (fixture->view), ==, "rig/right");

  /* Empty space clears the selection and picks nothing. */
  g_assert_null (mimic_scene_view_pick_node (fixture->view, 2, 2));
  g_assert_false (mimic_scene_view_select_at (fixture->view, 2, 2));
  g_assert_null (mimic_scene_view_get_selected_node (fixture->view));
  g_assert_null (mimic_scene_view_get_selected_sensor (fixture->view));
  g_assert_null (mimic_scene_view_pick_node (fixture->view, NAN, 10));

  g_free (picked[0]);
  g_free (picked[1]);
}

/* The console's way in: readings by sensor id, as the schematic takes them. */
static void
test_scene_sensor_values (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  g_autofree char *text = NULL;
  graphene_point_t point;
  guint8 cap[4];

  mimic_scene_view_bind_sensor (fixture->view, "cap_temp", "rig/right/cap", "°C");
  mimic_scene_view_bind_sensor (fixture->view, "cap_pressure", "rig/right/cap", "bar");

  mimic_scene_view_set_sensor_value (fixture->view, "cap_temp", 71.24, MIMIC_DISPLAY_STATE_ALARM_HIGH);
  mimic_scene_view_set_sensor_value (fixture->view, "cap_pressure", 1.5, MIMIC_DISPLAY_STATE_NORMAL);
  mimic_scene_view_set_sensor_value (fixture->view, "not_bound", 3.0, MIMIC_DISPLAY_STATE_ALARM_URGENT);
  text = mimic_scene_view_dup_label_text (fixture->view, "cap_temp");
  g_assert_cmpstr (text, ==, "71.2 °C");
  g_assert_null (mimic_scene_view_dup_label_text (fixture->view, "not_bound"));

  /* The worst of the sensors on a part colours it. */
  g_assert_cmpint (mimic_scene_view_get_node_state (fixture->view, "rig/right/cap"), ==, MIMIC_DISPLAY_STATE_ALARM_HIGH);
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "scene-sensor-values");
  /* Below the label, which covers the part's centre. */
  g_assert_true (mimic_scene_view_project (fixture->view, &GRAPHENE_POINT3D_INIT (1.2f, 0.15f, 0.3f), &point));
  mimic_test_texture_pixel (shot, (int) point.x, (int) point.y, cap);
  g_assert_cmpint (cap[0], >, cap[1] + 80);

  mimic_scene_view_set_sensor_value (fixture->view, "cap_temp", 64.0, MIMIC_DISPLAY_STATE_NORMAL);
  g_assert_cmpint (mimic_scene_view_get_node_state (fixture->view, "rig/right/cap"), ==, MIMIC_DISPLAY_STATE_NORMAL);

  /* Not a number: a dash, and the part shows the value cannot be trusted. */
  mimic_scene_view_set_sensor_value (fixture->view, "cap_pressure", NAN, MIMIC_DISPLAY_STATE_NORMAL);
  g_clear_pointer (&text, g_free);
  text = mimic_scene_view_dup_label_text (fixture->view, "cap_pressure");
  g_assert_cmpstr (text, ==, "— bar");
  g_assert_cmpint (mimic_scene_view_get_node_state (fixture->view, "rig/right/cap"), ==, MIMIC_DISPLAY_STATE_STALE);

  mimic_scene_view_clear_bindings (fixture->view);
  g_assert_null (mimic_scene_view_dup_label_text (fixture->view, "cap_temp"));
  g_assert_cmpint (mimic_scene_view_get_node_state (fixture->view, "rig/right/cap"), ==, MIMIC_DISPLAY_STATE_NORMAL);
}

static void
test_scene_labels (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GPtrArray) rects = g_ptr_array_new_with_free_func (g_free);
  graphene_rect_t rect;
  gboolean dimmed;
  guint placed = 0;

  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_ALARM_MEDIUM);
  mimic_scene_view_set_label (fixture->view, "rig/left", "left_current", "12.5 A");
  mimic_scene_view_set_label (fixture->view, "rig/right/cap", "cap_temp", "71.2 °C");
  mimic_scene_view_set_label (fixture->view, "rig/base", "ambient", "21 °C");
  /* A crowd of labels on one part: they must not pile up. */
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *id = g_strdup_printf ("extra_%02u", i);
      g_autofree char *text = g_strdup_printf ("%u.0 bar", i);

      mimic_scene_view_set_label (fixture->view, "rig/base", id, text);
    }
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "scene-labels");

  /* The alarmed part's label wins its place over the crowd. */
  g_assert_true (mimic_scene_view_get_label_placement (fixture->view, "left_current", &rect, &dimmed));
  g_assert_true (mimic_scene_view_get_label_placement (fixture->view, "cap_temp", &rect, &dimmed));
  g_assert_false (dimmed);

  for (guint i = 0; i < 15; i++)
    {
      g_autofree char *id = i < 12 ? g_strdup_printf ("extra_%02u", i)
                                   : g_strdup (((const char *[]) { "left_current", "cap_temp", "ambient" })[i - 12]);

      if (!mimic_scene_view_get_label_placement (fixture->view, id, &rect, NULL))
        continue;
      placed++;
      for (guint k = 0; k < rects->len; k++)
        g_assert_false (graphene_rect_intersection (&rect, g_ptr_array_index (rects, k), NULL));
      g_ptr_array_add (rects, g_memdup2 (&rect, sizeof rect));
    }
  g_assert_cmpuint (placed, >=, 3);
  g_assert_cmpuint (placed, <, 15);

  /* Looking along the x axis from the right, the cap hides the left part:
   * the left part's label is dimmed, the cap's is not. */
  mimic_scene_view_set_label (fixture->view, "rig/left", "left_current", "12.6 A");
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *id = g_strdup_printf ("extra_%02u", i);

      mimic_scene_view_set_label (fixture->view, "rig/base", id, NULL);
    }
  mimic_scene_view_orbit (fixture->view, 90.0 - 35.0, -25.0 + 5.0);
  mimic_test_wait_for_frames (fixture->window, 2);
  g_clear_object (&shot);
  shot = mimic_test_take_screenshot (fixture->window, "scene-labels-occluded");
  g_assert_true (mimic_scene_view_get_label_placement (fixture->view, "cap_temp", &rect, &dimmed));
  g_assert_false (dimmed);
  g_assert_true (mimic_scene_view_get_label_placement (fixture->view, "left_current", &rect, &dimmed));
  g_assert_true (dimmed);
}

static void
test_scene_redraw_only_on_change (Fixture       *fixture,
                                  gconstpointer  data)
{
  guint64 renders;

  /* A new label needs one render (its part's depth); text updates do not. */
  renders = mimic_scene_view_get_render_count (fixture->view);
  mimic_scene_view_set_label (fixture->view, "rig/left", "left_current", "0 A");
  mimic_test_wait_for_frames (fixture->window, 2);
  g_assert_cmpuint (mimic_scene_view_get_render_count (fixture->view), ==, renders + 1);
  renders = mimic_scene_view_get_render_count (fixture->view);
  g_assert_cmpuint (renders, >, 0);

  /* Nothing changed: frames pass, no GL render. */
  mimic_test_wait_for_frames (fixture->window, 5);
  g_assert_cmpuint (mimic_scene_view_get_render_count (fixture->view), ==, renders);

  /* Setting what is already set changes nothing either. */
  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_NORMAL);
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_cmpuint (mimic_scene_view_get_render_count (fixture->view), ==, renders);

  /* A label's text lives above the GL image: no render for it. */
  mimic_scene_view_set_label (fixture->view, "rig/left", "left_current", "1 A");
  mimic_scene_view_set_label (fixture->view, "rig/left", "left_current", "2 A");
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_cmpuint (mimic_scene_view_get_render_count (fixture->view), ==, renders);

  /* Many changes in one frame: one render. */
  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_ALARM_LOW);
  mimic_scene_view_set_node_state (fixture->view, "rig/base", MIMIC_DISPLAY_STATE_ABNORMAL);
  mimic_scene_view_set_node_state (fixture->view, "rig/right", MIMIC_DISPLAY_STATE_STALE);
  mimic_scene_view_orbit (fixture->view, 10, 0);
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_cmpuint (mimic_scene_view_get_render_count (fixture->view), ==, renders + 1);
}

static gboolean
is_viridis_low (const guint8 rgba[4])
{
  return rgba[0] > 50 && rgba[0] < 90 && rgba[1] < 30 && rgba[2] > 65 && rgba[2] < 110;
}

static gboolean
is_viridis_high (const guint8 rgba[4])
{
  return rgba[0] > 220 && rgba[1] > 200 && rgba[2] < 80;
}

static guint
count_pixels (GdkTexture *texture,
              int         x0,
              int         y0,
              int         width,
              int         height,
              gboolean  (*match) (const guint8 rgba[4]))
{
  int stride = gdk_texture_get_width (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) stride * gdk_texture_get_height (texture));
  guint count = 0;

  gdk_texture_download (texture, (guchar *) pixels, (gsize) stride * 4);
  for (int y = MAX (y0, 0); y < MIN (y0 + height, gdk_texture_get_height (texture)); y++)
    for (int x = MAX (x0, 0); x < MIN (x0 + width, stride); x++)
      {
        guint32 argb = pixels[(gsize) y * stride + x];
        guint8 rgba[4] = { (argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff, argb >> 24 };

        count += match (rgba);
      }

  return count;
}

static void
test_scene_heatmap (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  guint8 left[4], cap[4];
  int height;

  mimic_scene_view_set_node_value (fixture->view, "rig/left", 1.0);
  mimic_scene_view_set_node_value (fixture->view, "rig/right", 0.0);
  mimic_scene_view_set_node_value (fixture->view, "rig/base", NAN);
  mimic_scene_view_set_heatmap_legend (fixture->view, "Temperature", 20, 80, "°C");
  g_object_set (fixture->view, "heatmap", TRUE, NULL);
  g_assert_true (mimic_scene_view_get_heatmap (fixture->view));
  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "scene-heatmap");

  /* The top of viridis is yellow, the bottom deep violet. */
  node_pixel (fixture->view, shot, "rig/left", left);
  node_pixel (fixture->view, shot, "rig/right/cap", cap);
  g_assert_cmpint (left[0], >, left[2] + 60);
  g_assert_cmpint (left[1], >, left[2] + 60);
  g_assert_cmpint (cap[2], >, cap[1] + 30);
  g_assert_cmpint (cap[0], >, cap[1]);

  /* The legend bar runs the same map, bottom left, violet to yellow. */
  height = gdk_texture_get_height (shot);
  g_assert_cmpuint (count_pixels (shot, 0, height - 100, 220, 100, is_viridis_low), >, 20);
  g_assert_cmpuint (count_pixels (shot, 0, height - 100, 220, 100, is_viridis_high), >, 20);

  /* Switched off, the parts are grey again and the legend is gone. */
  mimic_scene_view_set_heatmap (fixture->view, FALSE);
  mimic_test_wait_for_frames (fixture->window, 2);
  g_clear_object (&shot);
  shot = mimic_test_take_screenshot (fixture->window, "scene-heatmap-off");
  node_pixel (fixture->view, shot, "rig/left", left);
  g_assert_cmpint (saturation (left), <, 24);
  g_assert_cmpuint (count_pixels (shot, 0, height - 100, 220, 100, is_viridis_high), ==, 0);
}

static void
test_scene_camera_controls (Fixture       *fixture,
                            gconstpointer  data)
{
  int x0, y0, x1, y1;
  const char *parts[] = { "rig/base", "rig/left", "rig/right/cap" };

  project_node (fixture->view, "rig/left", &x0, &y0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "scene.orbit", "(dd)", 20.0, 0.0));
  project_node (fixture->view, "rig/left", &x1, &y1);
  g_assert_cmpint (ABS (x1 - x0) + ABS (y1 - y0), >, 5);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "scene.zoom", "d", 3.0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "scene.reset", NULL));
  project_node (fixture->view, "rig/left", &x1, &y1);
  g_assert_cmpint (x1, ==, x0);
  g_assert_cmpint (y1, ==, y0);

  /* Panned away, fit brings every part back on screen. */
  mimic_scene_view_pan (fixture->view, 2000, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->view), "scene.fit", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    project_node (fixture->view, parts[i], &x1, &y1);

  /* Nonsense does not move the camera. */
  mimic_scene_view_zoom (fixture->view, NAN);
  mimic_scene_view_zoom (fixture->view, -1);
  mimic_scene_view_orbit (fixture->view, INFINITY, 0);
  project_node (fixture->view, "rig/left", &x1, &y1);
  g_assert_cmpint (x1, ==, x0);
  g_assert_cmpint (y1, ==, y0);
}

/* GL objects die with unrealize and come back with realize: the view
 * taken out of its window and put back draws as before, with what changed
 * while it was away. */
static void
test_scene_realize_again (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *view = g_object_ref (GTK_WIDGET (fixture->view));
  guint8 left[4], cap[4];

  gtk_window_set_child (GTK_WINDOW (fixture->window), NULL);
  g_assert_false (gtk_widget_get_realized (view));
  mimic_test_wait_for_frames (fixture->window, 1);

  mimic_scene_view_set_node_state (fixture->view, "rig/left", MIMIC_DISPLAY_STATE_ALARM_HIGH);
  gtk_window_set_child (GTK_WINDOW (fixture->window), view);
  g_object_unref (view);
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_true (gtk_widget_get_realized (view));

  shot = mimic_test_take_screenshot (fixture->window, "scene-realized-again");
  node_pixel (fixture->view, shot, "rig/left", left);
  node_pixel (fixture->view, shot, "rig/right/cap", cap);
  g_assert_cmpint (left[0], >, left[1] + 80);
  g_assert_cmpint (saturation (cap), <, 24);
  g_assert_cmpint (cap[0], >, 70);
}

static void
test_scene_broken_shader (void)
{
  GtkWidget *window = gtk_window_new ();
  MimicSceneView *view = MIMIC_SCENE_VIEW (mimic_scene_view_new ());
  g_autoptr(GdkTexture) shot = NULL;
  const char *message;

  mimic_scene_view_set_shader_sources (view, NULL,
                                       "#version 330 core\nout vec4 c;\nvoid main () { c = undefined_thing; }\n");
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 240);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);

  message = mimic_scene_view_get_error_message (view);
  g_assert_nonnull (message);
  g_test_message ("shown: %s", message);
  g_assert_nonnull (strstr (message, "scene.frag"));

  /* Text is drawn, not a blank area. */
  shot = mimic_test_take_screenshot (window, "scene-broken-shader");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_scene_load_error_shown (void)
{
  GtkWidget *window = gtk_window_new ();
  Fixture fixture = { window, MIMIC_SCENE_VIEW (mimic_scene_view_new ()), FALSE, NULL };
  g_autofree char *dir = g_dir_make_tmp ("mimic-scene-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.glb", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkTexture) shot = NULL;

  g_assert_true (g_file_set_contents (path, "glTF\x02\0\0\0garbage", 15, NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 240);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (fixture.view));
  gtk_window_present (GTK_WINDOW (window));

  mimic_scene_view_load_async (fixture.view, file, NULL, on_loaded, &fixture);
  g_assert_true (mimic_test_wait_until (is_loaded, &fixture, 20000));
  g_assert_error (fixture.load_error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT);
  g_assert_nonnull (strstr (mimic_scene_view_get_error_message (fixture.view), "broken.glb"));
  mimic_test_wait_for_frames (window, 2);
  shot = mimic_test_take_screenshot (window, "scene-load-error");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  g_clear_error (&fixture.load_error);
  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (path);
  g_rmdir (dir);
}

/* The sample pump skid with a couple of alarms and every sensor labelled,
 * for a person to look at. */
static void
test_scene_pump_skid (void)
{
  static const struct { const char *sensor, *node, *text; } sensors[] = {
    { "motor_current", "skid/motor/housing", "41.8 A" },
    { "power", "skid/motor/terminal_box", "22.1 kW" },
    { "winding_temp", "skid/motor/winding", "118 °C" },
    { "bearing_de_temp", "skid/bearing_de", "92.4 °C" },
    { "bearing_nde_temp", "skid/bearing_nde", "61.0 °C" },
    { "vibration", "skid/pump/casing", "7.9 mm/s" },
    { "speed", "skid/coupling", "1480 rpm" },
    { "flow", "skid/flow_meter", "118 m³/h" },
    { "suction_pressure", "skid/suction_pipe", "1.2 bar" },
    { "discharge_pressure", "skid/discharge_pipe", "6.4 bar" },
    { "valve_position", "skid/valve", "80 %" },
    { "ambient_temp", "skid/base", "24 °C" },
  };
  g_autofree char *path = g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "pump-skid", "pump-skid.gltf", NULL);
  Fixture fixture = { 0 };
  g_autoptr(GdkTexture) shot = NULL;
  guint8 rgba[4];
  guint placed = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no pump-skid.gltf");
      return;
    }

  fixture.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture.window), 960, 640);
  fixture.view = MIMIC_SCENE_VIEW (mimic_scene_view_new ());
  gtk_window_set_child (GTK_WINDOW (fixture.window), GTK_WIDGET (fixture.view));
  gtk_window_present (GTK_WINDOW (fixture.window));
  fixture_load (&fixture, path);

  mimic_scene_view_set_node_state (fixture.view, "skid/bearing_de", MIMIC_DISPLAY_STATE_ALARM_HIGH);
  mimic_scene_view_set_node_state (fixture.view, "skid/pump/casing", MIMIC_DISPLAY_STATE_ALARM_MEDIUM);
  mimic_scene_view_set_node_state (fixture.view, "skid/motor/winding", MIMIC_DISPLAY_STATE_ABNORMAL);
  mimic_scene_view_set_node_state (fixture.view, "skid/flow_meter", MIMIC_DISPLAY_STATE_STALE);
  mimic_test_wait_for_frames (fixture.window, 3);
  shot = mimic_test_take_screenshot (fixture.window, "scene-pump-skid-unlabelled");
  /* Orange where the casing is (labels would cover its centre later). */
  node_pixel (fixture.view, shot, "skid/pump/casing", rgba);
  g_assert_cmpint (rgba[0], >, rgba[2] + 60);
  node_pixel (fixture.view, shot, "skid/base", rgba);
  g_assert_cmpint (saturation (rgba), <, 24);

  for (guint i = 0; i < G_N_ELEMENTS (sensors); i++)
    {
      g_assert_cmpint (mimic_scene_geometry_lookup (mimic_scene_view_get_geometry (fixture.view), sensors[i].node), >=, 0);
      mimic_scene_view_set_label (fixture.view, sensors[i].node, sensors[i].sensor, sensors[i].text);
    }
  mimic_scene_view_set_selected_sensor (fixture.view, "vibration");
  mimic_test_wait_for_frames (fixture.window, 3);
  g_clear_object (&shot);
  shot = mimic_test_take_screenshot (fixture.window, "scene-pump-skid");
  g_assert_cmpstr (mimic_scene_view_get_selected_node (fixture.view), ==, "skid/pump/casing");

  for (guint i = 0; i < G_N_ELEMENTS (sensors); i++)
    placed += mimic_scene_view_get_label_placement (fixture.view, sensors[i].sensor, NULL, NULL);
  g_assert_cmpuint (placed, >=, 8);

  gtk_window_destroy (GTK_WINDOW (fixture.window));
  g_clear_error (&fixture.load_error);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/scene/geometry/formats", test_geometry_formats);
  g_test_add_func ("/mimic/scene/geometry/hierarchy", test_geometry_hierarchy);
  g_test_add_func ("/mimic/scene/geometry/bad-input", test_geometry_bad_input);
  g_test_add ("/mimic/scene/view/state-colours", Fixture, NULL,
              fixture_set_up, test_scene_state_colours, fixture_tear_down);
  g_test_add ("/mimic/scene/view/stale-hatched", Fixture, NULL,
              fixture_set_up, test_scene_stale_hatched, fixture_tear_down);
  g_test_add ("/mimic/scene/view/pick", Fixture, NULL,
              fixture_set_up, test_scene_pick, fixture_tear_down);
  g_test_add ("/mimic/scene/view/sensor-values", Fixture, NULL,
              fixture_set_up, test_scene_sensor_values, fixture_tear_down);
  g_test_add ("/mimic/scene/view/labels", Fixture, NULL,
              fixture_set_up, test_scene_labels, fixture_tear_down);
  g_test_add ("/mimic/scene/view/redraw-only-on-change", Fixture, NULL,
              fixture_set_up, test_scene_redraw_only_on_change, fixture_tear_down);
  g_test_add ("/mimic/scene/view/heatmap", Fixture, NULL,
              fixture_set_up, test_scene_heatmap, fixture_tear_down);
  g_test_add ("/mimic/scene/view/camera-controls", Fixture, NULL,
              fixture_set_up, test_scene_camera_controls, fixture_tear_down);
  g_test_add ("/mimic/scene/view/realize-again", Fixture, NULL,
              fixture_set_up, test_scene_realize_again, fixture_tear_down);
  g_test_add_func ("/mimic/scene/view/broken-shader", test_scene_broken_shader);
  g_test_add_func ("/mimic/scene/view/load-error", test_scene_load_error_shown);
  g_test_add_func ("/mimic/scene/view/pump-skid", test_scene_pump_skid);

  return g_test_run ();
}
