/* bench-chart.c — how long the trend chart takes to draw a frame
 *
 * Draws the same 1200×500 chart empty, with a minute of 10 Hz data (600
 * points) and with 1,000,000 points (about 28 hours at 10 Hz), each frame
 * from scratch: the series is marked changed first, so the decimation runs
 * again, then the widget is snapshotted and rendered to a texture through
 * its window's GSK renderer. Prints the figures; asserts nothing about
 * speed.
 *
 *   meson test -C build --suite bench --verbose bench-chart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "mimic-test-gtk-utils.h"
#include "mimic-trend-chart.h"
#include "mimic-bench.h"

#define FRAMES      40
#define NOW_US      ((gint64) 1780000000 * G_USEC_PER_SEC)
#define SAMPLE_US   ((gint64) 100000)   /* 10 Hz */

/* CPU time of the whole process, Mesa's rendering threads included: on a
 * shared machine this says more than the wall clock. */
static double
process_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec * 1000.0 + now.tv_nsec / 1e6;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static MimicChartSeries *
make_series (guint n_points)
{
  static const GdkRGBA blue = { 0.10, 0.30, 0.60, 1 };
  MimicChartSeries *series = mimic_chart_series_new (MIMIC_CHART_SERIES_ACTUAL, "Vibration", "mm/s", &blue);
  g_autofree MimicHistoryBucket *points = g_new (MimicHistoryBucket, MAX (n_points, 1));
  gint64 from_us = NOW_US - (gint64) n_points * SAMPLE_US;

  for (guint i = 0; i < n_points; i++)
    {
      /* A slow swing with noise and the odd spike, like a real vibration. */
      double value = 3 + sin (i / 5000.0) + 0.3 * sin (i * 1.7) + (i % 99991 == 0 ? 6 : 0);

      points[i] = (MimicHistoryBucket) { from_us + (gint64) i * SAMPLE_US, 0, value, value, value, 1 };
    }
  mimic_chart_series_set_buckets (series, points, n_points);

  return series;
}

/* One frame of the chart from scratch: its snapshot, then the render of
 * that through the window's renderer, then the download, which waits for
 * the GPU, so the time is the whole frame's. */
static void
draw_frame (MimicTrendChart *chart)
{
  GtkWidget *widget = GTK_WIDGET (chart);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 pixel[4];

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                              gtk_widget_get_height (widget)));
  mimic_test_texture_pixel (texture, 0, 0, pixel);
}

/* Times FRAMES frames of the chart as it is now and prints mean, median
 * and worst in milliseconds. */
static void
time_frames (MimicTrendChart  *chart,
             MimicChartSeries *series,
             const char       *what)
{
  double times_ms[FRAMES];
  double sum = 0;
  double cpu_start = process_cpu_ms ();

  for (guint i = 0; i < FRAMES; i++)
    {
      gint64 start;

      if (series != NULL)
        mimic_chart_series_invalidate (series);

      start = g_get_monotonic_time ();
      draw_frame (chart);
      times_ms[i] = (g_get_monotonic_time () - start) / 1000.0;
      sum += times_ms[i];
    }

  qsort (times_ms, FRAMES, sizeof (double), compare_double);
  g_print ("%-34s mean %7.2f ms   median %7.2f ms   worst %7.2f ms   CPU %7.2f ms\n",
           what, sum / FRAMES, times_ms[FRAMES / 2], times_ms[FRAMES - 1],
           (process_cpu_ms () - cpu_start) / FRAMES);
  mimic_bench_report_labelled ("chart.frame_median", what, times_ms[FRAMES / 2], "ms");
}

static void
time_decimation (MimicChartSeries *series,
                 guint             n_points,
                 guint             columns)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < FRAMES; i++)
    {
      g_array_set_size (out, 0);
      mimic_chart_series_query (series, NOW_US - (gint64) n_points * SAMPLE_US, NOW_US, columns, out);
    }

  g_print ("%-34s %7.2f ms per query (%u points to %u buckets)\n", "decimation alone",
           (g_get_monotonic_time () - start) / 1000.0 / FRAMES, n_points, out->len);
}

int
main (int   argc,
      char *argv[])
{
  GtkWidget *window;
  MimicTrendChart *chart;
  g_autoptr(MimicChartSeries) minute = NULL;
  g_autoptr(MimicChartSeries) million = NULL;
  graphene_rect_t plot;

  gtk_init ();

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 500);
  chart = MIMIC_TREND_CHART (mimic_trend_chart_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (chart));
  mimic_trend_chart_set_now (chart, NOW_US);
  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);
  mimic_trend_chart_get_plot_area (chart, &plot);

  g_print ("trend chart frame time, %d×%d widget, %.0f plot columns, renderer %s, %u cores\n",
           gtk_widget_get_width (GTK_WIDGET (chart)), gtk_widget_get_height (GTK_WIDGET (chart)),
           plot.size.width, G_OBJECT_TYPE_NAME (gtk_native_get_renderer (gtk_widget_get_native (window))),
           g_get_num_processors ());

  minute = make_series (600);
  million = make_series (1000000);

  /* Warm up fonts, glyph caches and shaders before anything is timed. */
  mimic_trend_chart_add_series (chart, million);
  mimic_trend_chart_set_time_range (chart, NOW_US - 1000000 * SAMPLE_US, NOW_US);
  mimic_test_wait_for_frames (window, 2);
  draw_frame (chart);
  mimic_trend_chart_clear_series (chart);

  time_frames (chart, NULL, "no series");

  /* Axes, grid and an empty plot: the frame every chart pays for. */
  {
    g_autoptr(MimicChartSeries) empty = make_series (0);

    mimic_trend_chart_add_series (chart, empty);
    mimic_trend_chart_set_time_range (chart, NOW_US - 600 * SAMPLE_US, NOW_US);
    mimic_test_wait_for_frames (window, 2);
    time_frames (chart, empty, "empty series (axes and grid)");
    mimic_trend_chart_clear_series (chart);
  }

  mimic_trend_chart_add_series (chart, minute);
  mimic_trend_chart_set_time_range (chart, NOW_US - 600 * SAMPLE_US, NOW_US);
  mimic_test_wait_for_frames (window, 2);
  time_frames (chart, minute, "600 points (1 min at 10 Hz)");
  mimic_trend_chart_clear_series (chart);

  mimic_trend_chart_add_series (chart, million);
  mimic_trend_chart_set_time_range (chart, NOW_US - 1000000 * SAMPLE_US, NOW_US);
  mimic_test_wait_for_frames (window, 2);
  time_frames (chart, million, "1,000,000 points (28 h at 10 Hz)");

  /* The last hour of the same data: the binary search skips the rest. */
  mimic_trend_chart_set_time_range (chart, NOW_US - 36000 * SAMPLE_US, NOW_US);
  mimic_test_wait_for_frames (window, 2);
  time_frames (chart, million, "1,000,000 points, last hour shown");

  time_decimation (million, 1000000, (guint) plot.size.width);

  /* What was timed, for a person to look at. */
  mimic_trend_chart_set_time_range (chart, NOW_US - 1000000 * SAMPLE_US, NOW_US);
  mimic_test_wait_for_frames (window, 2);
  g_object_unref (mimic_test_take_screenshot (GTK_WIDGET (chart), "bench-chart-million"));

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
