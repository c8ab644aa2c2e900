/* bench-scene.c — frame times of the 3D scene with a 1,000,000-triangle
 * model and 200 live labels, beside an empty scene in the same run
 *
 * Prints its figures; asserts nothing about time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "mimic-scene-view-private.h"
#include "mimic-bench.h"
#include "mimic-test-gtk-utils.h"

#define GRID_COLUMNS 20
#define GRID_ROWS 10
#define SPHERE_STACKS 50
#define SPHERE_SLICES 50
#define N_FRAMES 30

/* A UV sphere: (stacks + 1) x (slices + 1) vertices, 2 x stacks x slices
 * triangles (the pole rows are thin, as in any UV sphere). */
static void
add_sphere (MimicSceneGeometry *geometry,
            int                 parent,
            const char         *name,
            float               x,
            float               z)
{
  g_autofree float *vertices = g_new (float, (SPHERE_STACKS + 1) * (SPHERE_SLICES + 1) * 6);
  g_autofree guint32 *indices = g_new (guint32, SPHERE_STACKS * SPHERE_SLICES * 6);
  g_autoptr(GError) error = NULL;
  graphene_matrix_t local;
  guint v = 0, n = 0;

  for (guint i = 0; i <= SPHERE_STACKS; i++)
    {
      float theta = (float) G_PI * i / SPHERE_STACKS;

      for (guint j = 0; j <= SPHERE_SLICES; j++)
        {
          float phi = 2.f * (float) G_PI * j / SPHERE_SLICES;
          float nx = sinf (theta) * cosf (phi), ny = cosf (theta), nz = sinf (theta) * sinf (phi);

          vertices[v++] = nx * 0.4f;
          vertices[v++] = ny * 0.4f;
          vertices[v++] = nz * 0.4f;
          vertices[v++] = nx;
          vertices[v++] = ny;
          vertices[v++] = nz;
        }
    }
  for (guint i = 0; i < SPHERE_STACKS; i++)
    for (guint j = 0; j < SPHERE_SLICES; j++)
      {
        guint32 a = i * (SPHERE_SLICES + 1) + j, b = a + SPHERE_SLICES + 1;

        indices[n++] = a;
        indices[n++] = b;
        indices[n++] = a + 1;
        indices[n++] = a + 1;
        indices[n++] = b;
        indices[n++] = b + 1;
      }

  graphene_matrix_init_translate (&local, &GRAPHENE_POINT3D_INIT (x, 0.f, z));
  g_assert_cmpint (mimic_scene_geometry_add_node (geometry, name, parent, &local,
                                                  vertices, v / 6, indices, n, NULL, &error), >=, 0);
  g_assert_no_error (error);
}

static MimicSceneGeometry *
make_sphere_grid (void)
{
  MimicSceneGeometry *geometry = mimic_scene_geometry_new ();
  int root = mimic_scene_geometry_add_node (geometry, "grid", -1, NULL, NULL, 0, NULL, 0, NULL, NULL);

  for (guint r = 0; r < GRID_ROWS; r++)
    for (guint c = 0; c < GRID_COLUMNS; c++)
      {
        g_autofree char *name = g_strdup_printf ("sphere_%03u", r * GRID_COLUMNS + c);

        add_sphere (geometry, root, name, c - GRID_COLUMNS / 2.f, r - GRID_ROWS / 2.f);
      }

  return geometry;
}

typedef struct
{
  MimicSceneView *view;
  gboolean        orbit;
  gboolean        relabel;
  guint           frame;
  gint64          first_frame_time;
  gint64          last_frame_time;
  guint           frames_left;
  gint64          paint_start;
  gint64          paint_total;
  guint           paints;
} Run;

/* Time from the start of a frame to the end of its paint, which includes
 * the GL render and the swap (llvmpipe finishes drawing there). */
static void
on_before_paint (GdkFrameClock *clock,
                 Run           *run)
{
  run->paint_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Run           *run)
{
  if (run->paint_start == 0 || run->frame == 0)
    return;
  run->paint_total += g_get_monotonic_time () - run->paint_start;
  run->paints++;
  run->paint_start = 0;
}

/* Each frame changes what the run measures, so the next frame has work;
 * frame clock times between the first and last frame give the interval. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Run *run = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (run->frame == 0)
    run->first_frame_time = now;
  run->last_frame_time = now;
  run->frame++;

  if (run->orbit)
    mimic_scene_view_orbit (run->view, 1.0, 0.0);
  if (run->relabel)
    {
      for (guint i = 0; i < GRID_ROWS * GRID_COLUMNS; i++)
        {
          char node[32], sensor[32], text[32];

          g_snprintf (node, sizeof node, "grid/sphere_%03u", i);
          g_snprintf (sensor, sizeof sensor, "s%03u", i);
          g_snprintf (text, sizeof text, "%.1f °C", 20.0 + fmod (i * 7.3 + run->frame * 0.1, 60.0));
          mimic_scene_view_set_label (run->view, node, sensor, text);
        }
    }

  if (--run->frames_left == 0)
    return G_SOURCE_REMOVE;

  return G_SOURCE_CONTINUE;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->frames_left == 0;
}

static void
measure (GtkWidget      *window,
         MimicSceneView *view,
         const char     *what,
         gboolean        orbit,
         gboolean        relabel)
{
  Run run = { view, orbit, relabel, 0, 0, 0, N_FRAMES + 1, 0, 0, 0 };
  guint64 renders_before = mimic_scene_view_get_render_count (view);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  gulong before_id, after_id;

  before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), &run);
  after_id = g_signal_connect_after (clock, "after-paint", G_CALLBACK (on_after_paint), &run);
  gtk_widget_add_tick_callback (GTK_WIDGET (view), on_tick, &run, NULL);
  g_assert_true (mimic_test_wait_until (run_done, &run, 300000));
  mimic_test_wait_for_frames (window, 2);
  g_signal_handler_disconnect (clock, before_id);
  g_signal_handler_disconnect (clock, after_id);

  g_print ("%-48s frame interval %7.2f ms, frame work %7.2f ms, %3" G_GUINT64_FORMAT " GL renders in %d frames\n",
           what,
           (run.last_frame_time - run.first_frame_time) / 1000.0 / N_FRAMES,
           run.paints > 0 ? run.paint_total / 1000.0 / run.paints : 0.0,
           mimic_scene_view_get_render_count (view) - renders_before, N_FRAMES);
  mimic_bench_report_labelled ("scene.frame_work", what,
                               run.paints > 0 ? run.paint_total / 1000.0 / run.paints : 0.0, "ms");
}

static void
bench_scene_frames (void)
{
  GtkWidget *window = gtk_window_new ();
  MimicSceneView *view = MIMIC_SCENE_VIEW (mimic_scene_view_new ());
  g_autoptr(MimicSceneGeometry) geometry = NULL;
  gint64 start;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);

  g_print ("# GL_RENDERER: %s\n", mimic_scene_view_get_gl_renderer (view));
  g_print ("# window 1280x800, %d frames per figure\n", N_FRAMES);

  /* The baseline: the same widget with nothing loaded, re-rendered each frame. */
  measure (window, view, "empty scene, camera moving:", TRUE, FALSE);

  start = g_get_monotonic_time ();
  geometry = make_sphere_grid ();
  g_print ("# model: %" G_GUINT64_FORMAT " triangles in %u parts, built in %.0f ms\n",
           mimic_scene_geometry_get_n_triangles (geometry), mimic_scene_geometry_get_n_nodes (geometry) - 1,
           (g_get_monotonic_time () - start) / 1000.0);
  mimic_scene_view_set_geometry (view, geometry);
  start = g_get_monotonic_time ();
  mimic_test_wait_for_frames (window, 2);
  g_print ("# first frame with the model (upload included): %.0f ms\n",
           (g_get_monotonic_time () - start) / 1000.0);
  measure (window, view, "1M triangles, no labels, camera moving:", TRUE, FALSE);

  for (guint i = 0; i < GRID_ROWS * GRID_COLUMNS; i++)
    {
      g_autofree char *node = g_strdup_printf ("grid/sphere_%03u", i);
      g_autofree char *sensor = g_strdup_printf ("s%03u", i);

      mimic_scene_view_set_label (view, node, sensor, "20.0 °C");
    }

  measure (window, view, "1M triangles + 200 labels, camera moving:", TRUE, FALSE);
  measure (window, view, "1M triangles + 200 labels, all values new:", FALSE, TRUE);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *node = g_strdup_printf ("grid/sphere_%03u", i * 23);

      mimic_scene_view_set_node_state (view, node, MIMIC_DISPLAY_STATE_ALARM_HIGH);
    }
  measure (window, view, "1M triangles + 200 labels + 8 alarms, both:", TRUE, TRUE);
  measure (window, view, "1M triangles + 200 labels, nothing changes:", FALSE, FALSE);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/bench/scene/frames", bench_scene_frames);

  return g_test_run ();
}
