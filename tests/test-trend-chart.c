/* test-trend-chart.c — the trend chart, drawn for real and read back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "mimic-test-gtk-utils.h"
#include "mimic-trend-chart.h"

/* A fixed present, so pictures do not depend on when the test runs. */
#define NOW_US    ((gint64) 1780000000 * G_USEC_PER_SEC)
#define SECOND_US ((gint64) G_USEC_PER_SEC)

static const GdkRGBA actual_color = { 0.10, 0.30, 0.60, 1 };
static const GdkRGBA expected_color = { 0.35, 0.35, 0.35, 1 };
static const GdkRGBA prediction_color = { 0.55, 0.20, 0.75, 1 };
static const GdkRGBA limit_color = { 0.83, 0.11, 0.11, 1 };

typedef struct
{
  GtkWidget       *window;
  MimicTrendChart *chart;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 800, 400);
  fixture->chart = MIMIC_TREND_CHART (mimic_trend_chart_new ());
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->chart));
  mimic_trend_chart_set_now (fixture->chart, NOW_US);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
}

static void
show (Fixture *fixture)
{
  gtk_window_present (GTK_WINDOW (fixture->window));
  mimic_test_wait_for_frames (fixture->window, 3);
}

/* One sample a second over [from, to), value from a function of time. */
static MimicChartSeries *
sampled_series (MimicChartSeriesKind  kind,
                const char           *label,
                const GdkRGBA        *color,
                gint64                from_us,
                gint64                to_us,
                double              (*value_at) (gint64 time_us),
                double                spread)
{
  MimicChartSeries *series = mimic_chart_series_new (kind, label, "°C", color);
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));

  for (gint64 t = from_us; t < to_us; t += SECOND_US)
    {
      double value = value_at (t);
      MimicHistoryBucket bucket = { t, 0, value - spread, value + spread, value, 1 };

      g_array_append_val (buckets, bucket);
    }
  g_assert_cmpuint (mimic_chart_series_set_buckets (series, (MimicHistoryBucket *) (gpointer) buckets->data,
                                                    buckets->len), ==, 0);
  return series;
}

static double
wavy (gint64 time_us)
{
  return 50 + 8 * sin ((double) time_us / SECOND_US / 20.0);
}

static double
flat_seventy (gint64 time_us)
{
  return 70;
}

static gboolean
colour_near (const guint8   rgba[4],
             const GdkRGBA *expected,
             int            tolerance)
{
  return abs (rgba[0] - (int) lround (expected->red * 255)) <= tolerance &&
         abs (rgba[1] - (int) lround (expected->green * 255)) <= tolerance &&
         abs (rgba[2] - (int) lround (expected->blue * 255)) <= tolerance;
}

typedef struct
{
  int       width;
  int       height;
  guint32  *pixels;
} Pixels;

static Pixels
download (GdkTexture *texture)
{
  Pixels pixels = { gdk_texture_get_width (texture), gdk_texture_get_height (texture), NULL };

  pixels.pixels = g_new (guint32, (gsize) pixels.width * pixels.height);
  gdk_texture_download (texture, (guchar *) pixels.pixels, (gsize) pixels.width * 4);
  return pixels;
}

static void
pixel_at (const Pixels *pixels,
          int           x,
          int           y,
          guint8        rgba[4])
{
  guint32 argb;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, pixels->width);
  g_assert_cmpint (y, <, pixels->height);
  argb = pixels->pixels[(gsize) y * pixels->width + x];
  rgba[0] = (argb >> 16) & 0xff;
  rgba[1] = (argb >> 8) & 0xff;
  rgba[2] = argb & 0xff;
  rgba[3] = (argb >> 24) & 0xff;
}

static void
test_chart_decimate (void)
{
  const guint n = 600000;   /* a minute short of 17 hours at 10 Hz */
  g_autofree MimicHistoryBucket *points = g_new (MimicHistoryBucket, n);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  gint64 from_us = NOW_US - (gint64) n * 100000;
  double low = INFINITY, high = -INFINITY;
  guint64 total = 0;
  guint count;

  for (guint i = 0; i < n; i++)
    {
      double value = sin (i / 1000.0);

      if (i == 123457)
        value = 1000;   /* one sample wide spike */
      if (i == 400001)
        value = -500;   /* and a dip */
      points[i] = (MimicHistoryBucket) { from_us + (gint64) i * 100000, 0, value, value, value, 1 };
    }

  count = mimic_chart_decimate (points, n, from_us, NOW_US, 800, out);
  g_assert_cmpuint (count, ==, out->len);
  g_assert_cmpuint (count, <=, 800);
  g_assert_cmpuint (count, >=, 790);
  for (guint i = 0; i < out->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (out, MimicHistoryBucket, i);

      low = MIN (low, bucket->min);
      high = MAX (high, bucket->max);
      total += bucket->count;
      g_assert_cmpfloat (bucket->min, <=, bucket->mean);
      g_assert_cmpfloat (bucket->mean, <=, bucket->max);
      if (i > 0)
        g_assert_cmpint (bucket->start_us, >, g_array_index (out, MimicHistoryBucket, i - 1).start_us);
    }
  /* The spike and the dip survive; no sample is lost or counted twice. */
  g_assert_cmpfloat (high, ==, 1000);
  g_assert_cmpfloat (low, ==, -500);
  g_assert_cmpuint (total, ==, n);

  /* Fewer points than columns: passed through as they are. */
  g_array_set_size (out, 0);
  count = mimic_chart_decimate (points, n, from_us, from_us + 99 * 100000, 800, out);
  g_assert_cmpuint (count, ==, 100);
  g_assert_cmpmem (out->data, 100 * sizeof (MimicHistoryBucket), points, 100 * sizeof (MimicHistoryBucket));

  /* A range outside the data, an empty range, no columns: nothing. */
  g_array_set_size (out, 0);
  g_assert_cmpuint (mimic_chart_decimate (points, n, NOW_US + SECOND_US, NOW_US + 2 * SECOND_US, 800, out), ==, 0);
  g_assert_cmpuint (mimic_chart_decimate (points, n, NOW_US, from_us, 800, out), ==, 0);
  g_assert_cmpuint (mimic_chart_decimate (points, n, from_us, NOW_US, 0, out), ==, 0);
  g_assert_cmpuint (mimic_chart_decimate (NULL, 0, from_us, NOW_US, 800, out), ==, 0);
  g_assert_cmpuint (out->len, ==, 0);
}

static void
test_chart_series_bad_input (void)
{
  g_autoptr(MimicChartSeries) series = mimic_chart_series_new (MIMIC_CHART_SERIES_ACTUAL, "x", NULL, &actual_color);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  MimicHistoryBucket buckets[] = {
    { 3 * SECOND_US, 0, 3, 3, 3, 1 },
    { 1 * SECOND_US, 0, NAN, NAN, NAN, 1 },
    { 2 * SECOND_US, 0, 9, 1, 2, 1 },          /* min and max swapped */
    { 4 * SECOND_US, 0, -INFINITY, 5, INFINITY, 1 },
    { 5 * SECOND_US, -7, 1, 1, 1, 1 },         /* negative duration */
    { 6 * SECOND_US, 0, NAN, INFINITY, 6, 1 }, /* bounds unusable, mean fine */
  };
  guint64 generation = mimic_chart_series_get_generation (series);

  g_assert_cmpuint (mimic_chart_series_set_buckets (series, buckets, G_N_ELEMENTS (buckets)), ==, 3);
  g_assert_cmpuint (mimic_chart_series_get_generation (series), >, generation);

  /* What is left is in time order, finite, min <= max. */
  g_assert_cmpuint (mimic_chart_series_query (series, 0, 10 * SECOND_US, 100, out), ==, 3);
  g_assert_cmpint (g_array_index (out, MimicHistoryBucket, 0).start_us, ==, 2 * SECOND_US);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).min, ==, 1);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).max, ==, 9);
  g_assert_cmpint (g_array_index (out, MimicHistoryBucket, 1).start_us, ==, 3 * SECOND_US);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 2).min, ==, 6);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 2).max, ==, 6);

  /* A limit never takes a non-finite value. */
  {
    g_autoptr(MimicChartSeries) limit = mimic_chart_series_new_limit ("HI", NAN, "°C", &limit_color);

    g_assert_cmpfloat (mimic_chart_series_get_limit_value (limit), ==, 0);
    mimic_chart_series_set_limit_value (limit, INFINITY);
    g_assert_cmpfloat (mimic_chart_series_get_limit_value (limit), ==, 0);
    mimic_chart_series_set_limit_value (limit, 80);
    g_assert_cmpfloat (mimic_chart_series_get_limit_value (limit), ==, 80);
  }
}

static void
test_chart_limit_line (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(MimicChartSeries) actual = sampled_series (MIMIC_CHART_SERIES_ACTUAL, "Bearing DE", &actual_color,
                                                       NOW_US - 600 * SECOND_US, NOW_US, wavy, 0);
  g_autoptr(MimicChartSeries) hi = mimic_chart_series_new_limit ("HI", 80, "°C", &limit_color);
  g_autoptr(MimicChartSeries) lo = mimic_chart_series_new_limit ("LO", 20, "°C", &expected_color);
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t plot;
  Pixels pixels;
  double min, max;
  guint8 rgba[4];
  int row;
  guint hits = 0;

  mimic_trend_chart_add_series (fixture->chart, actual);
  mimic_trend_chart_add_series (fixture->chart, hi);
  mimic_trend_chart_add_series (fixture->chart, lo);
  show (fixture);

  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-limits");
  pixels = download (shot);
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);

  /* The automatic range takes the limits in, so both are on the chart. */
  g_assert_cmpfloat (min, <, 20);
  g_assert_cmpfloat (max, >, 80);

  /* The HI line runs along the pixel row its value maps to. */
  row = (int) round (plot.origin.y + (max - 80) / (max - min) * plot.size.height);
  for (int x = (int) plot.origin.x + 2; x < (int) (plot.origin.x + plot.size.width * 0.6); x++)
    {
      pixel_at (&pixels, x, row, rgba);
      if (colour_near (rgba, &limit_color, 24))
        hits++;
    }
  g_assert_cmpuint (hits, >=, (guint) (plot.size.width * 0.6 - 4) * 9 / 10);

  /* Rows a few pixels off it are not the limit colour. */
  pixel_at (&pixels, (int) (plot.origin.x + plot.size.width * 0.3), row - 4, rgba);
  g_assert_false (colour_near (rgba, &limit_color, 24));
  pixel_at (&pixels, (int) (plot.origin.x + plot.size.width * 0.3), row + 4, rgba);
  g_assert_false (colour_near (rgba, &limit_color, 24));

  /* With a fixed range the line moves to where the range puts it. */
  mimic_trend_chart_set_value_range (fixture->chart, 0, 100);
  mimic_test_wait_for_frames (fixture->window, 2);
  g_clear_object (&shot);
  g_free (pixels.pixels);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-limits-fixed-range");
  pixels = download (shot);
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);
  g_assert_cmpfloat (min, ==, 0);
  g_assert_cmpfloat (max, ==, 100);
  row = (int) round (plot.origin.y + 0.2 * plot.size.height);
  pixel_at (&pixels, (int) (plot.origin.x + plot.size.width * 0.25), row, rgba);
  g_assert_true (colour_near (rgba, &limit_color, 24));

  g_free (pixels.pixels);
}

static void
test_chart_prediction (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(MimicChartSeries) actual = sampled_series (MIMIC_CHART_SERIES_ACTUAL, "Winding", &actual_color,
                                                       NOW_US - 600 * SECOND_US, NOW_US, wavy, 0);
  g_autoptr(MimicChartSeries) expected = sampled_series (MIMIC_CHART_SERIES_EXPECTED, "Expected", &expected_color,
                                                         NOW_US - 600 * SECOND_US, NOW_US, wavy, 4);
  g_autoptr(MimicChartSeries) prediction = sampled_series (MIMIC_CHART_SERIES_PREDICTION, "What-if",
                                                           &prediction_color, NOW_US, NOW_US + 120 * SECOND_US,
                                                           flat_seventy, 0);
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t plot;
  Pixels pixels;
  double min, max, now_x;
  guint8 rgba[4];
  guint coloured = 0, gaps = 0, left_of_now = 0;
  int row;

  mimic_trend_chart_add_series (fixture->chart, expected);
  mimic_trend_chart_add_series (fixture->chart, actual);
  mimic_trend_chart_add_series (fixture->chart, prediction);
  mimic_trend_chart_set_value_range (fixture->chart, 30, 80);
  show (fixture);

  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-prediction");
  pixels = download (shot);
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);

  /* Live by default: 10 min of past, 2 min of future. */
  now_x = plot.origin.x + plot.size.width * 600.0 / 720.0;
  row = (int) round (plot.origin.y + (max - 70) / (max - min) * plot.size.height);

  /* Right of now the prediction is drawn along its value, dashed: its
   * colour with gaps between. */
  for (int x = (int) now_x + 3; x < (int) (plot.origin.x + plot.size.width) - 3; x++)
    {
      gboolean hit = FALSE;

      for (int dy = -1; dy <= 1; dy++)
        {
          pixel_at (&pixels, x, row + dy, rgba);
          hit |= colour_near (rgba, &prediction_color, 30);
        }
      if (hit)
        coloured++;
      else
        gaps++;
    }
  g_assert_cmpuint (coloured, >, 40);
  g_assert_cmpuint (gaps, >, 15);

  /* Left of now there is no prediction colour anywhere. */
  for (int y = (int) plot.origin.y; y < (int) (plot.origin.y + plot.size.height); y += 2)
    for (int x = (int) plot.origin.x; x < (int) now_x - 3; x += 2)
      {
        pixel_at (&pixels, x, y, rgba);
        if (colour_near (rgba, &prediction_color, 30))
          left_of_now++;
      }
  g_assert_cmpuint (left_of_now, ==, 0);

  /* The actual line is drawn left of now, where the data is. */
  {
    int x = (int) (plot.origin.x + plot.size.width * 300.0 / 720.0);
    gboolean found = FALSE;

    for (int y = (int) plot.origin.y; y < (int) (plot.origin.y + plot.size.height) && !found; y++)
      {
        pixel_at (&pixels, x, y, rgba);
        found = colour_near (rgba, &actual_color, 30);
      }
    g_assert_true (found);
  }

  g_free (pixels.pixels);
}

static void
test_chart_zoom_pan_live (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MimicChartSeries) actual = sampled_series (MIMIC_CHART_SERIES_ACTUAL, "Flow", &actual_color,
                                                       NOW_US - 3600 * SECOND_US, NOW_US, wavy, 0);
  gint64 from_us, to_us, new_from_us, new_to_us;
  graphene_rect_t plot;
  gboolean live = FALSE;

  mimic_trend_chart_add_series (fixture->chart, actual);
  show (fixture);
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);

  /* Live follows now: the range ends future-span after it. */
  g_assert_true (mimic_trend_chart_get_live (fixture->chart));
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  g_assert_cmpint (to_us, ==, NOW_US + mimic_trend_chart_get_future_span (fixture->chart));
  g_assert_cmpint (from_us, ==, NOW_US - mimic_trend_chart_get_span (fixture->chart));
  mimic_trend_chart_set_now (fixture->chart, NOW_US + 30 * SECOND_US);
  mimic_trend_chart_get_time_range (fixture->chart, &new_from_us, &new_to_us);
  g_assert_cmpint (new_from_us, ==, from_us + 30 * SECOND_US);
  mimic_trend_chart_set_now (fixture->chart, NOW_US);

  /* Zooming in live mode narrows the span and keeps following. */
  mimic_trend_chart_zoom (fixture->chart, 2.0, 0);
  g_assert_true (mimic_trend_chart_get_live (fixture->chart));
  mimic_trend_chart_get_time_range (fixture->chart, &new_from_us, &new_to_us);
  g_assert_cmpint (new_to_us - new_from_us, ==, (to_us - from_us) / 2);

  /* Dragging the picture right brings the past in and leaves live mode. */
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  mimic_trend_chart_pan (fixture->chart, plot.size.width / 4);
  g_object_get (fixture->chart, "live", &live, NULL);
  g_assert_false (live);
  mimic_trend_chart_get_time_range (fixture->chart, &new_from_us, &new_to_us);
  g_assert_cmpint (llabs (new_from_us - (from_us - (to_us - from_us) / 4)), <=, SECOND_US / 1000);
  g_assert_cmpint (new_to_us - new_from_us, ==, to_us - from_us);

  /* Out of live mode, zoom keeps the time under the anchor in place. */
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  mimic_trend_chart_zoom (fixture->chart, 4.0, plot.origin.x);
  mimic_trend_chart_get_time_range (fixture->chart, &new_from_us, &new_to_us);
  g_assert_cmpint (new_from_us, ==, from_us);
  g_assert_cmpint (new_to_us - new_from_us, ==, (to_us - from_us) / 4);

  /* Keys: left pans into the past, minus zooms out. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->chart), "chart.pan-left", NULL));
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, NULL);
  g_assert_cmpint (from_us, <, new_from_us);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->chart), "chart.zoom-out", NULL));
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  g_assert_cmpint (to_us - from_us, >, new_to_us - new_from_us);

  mimic_test_wait_for_frames (fixture->window, 2);
  g_object_unref (mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-panned"));

  /* Nonsense is ignored; a reversed range is put right; spans stay sane. */
  mimic_trend_chart_zoom (fixture->chart, NAN, 10);
  mimic_trend_chart_zoom (fixture->chart, -3, 10);
  mimic_trend_chart_pan (fixture->chart, INFINITY);
  mimic_trend_chart_get_time_range (fixture->chart, &new_from_us, &new_to_us);
  g_assert_cmpint (new_from_us, ==, from_us);
  g_assert_cmpint (new_to_us, ==, to_us);
  mimic_trend_chart_set_time_range (fixture->chart, NOW_US, NOW_US - 60 * SECOND_US);
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  g_assert_cmpint (from_us, ==, NOW_US - 60 * SECOND_US);
  g_assert_cmpint (to_us, ==, NOW_US);
  mimic_trend_chart_set_time_range (fixture->chart, NOW_US, NOW_US);
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);
  g_assert_cmpint (to_us - from_us, >=, SECOND_US);

  /* End (or the Live button) returns to following now. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->chart), "chart.follow-live", NULL));
  g_assert_true (mimic_trend_chart_get_live (fixture->chart));
  mimic_trend_chart_get_time_range (fixture->chart, NULL, &to_us);
  g_assert_cmpint (to_us, ==, NOW_US + mimic_trend_chart_get_future_span (fixture->chart));
}

static void
test_chart_readout (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MimicChartSeries) actual = sampled_series (MIMIC_CHART_SERIES_ACTUAL, "Bearing DE", &actual_color,
                                                       NOW_US - 600 * SECOND_US, NOW_US, flat_seventy, 0);
  g_autoptr(MimicChartSeries) empty = mimic_chart_series_new (MIMIC_CHART_SERIES_EXPECTED, "Model", "°C",
                                                              &expected_color);
  g_autoptr(MimicChartSeries) hi = mimic_chart_series_new_limit ("HI", 80, "°C", &limit_color);
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *expected_time = NULL;
  g_autofree char *readout = NULL;
  g_auto(GStrv) lines = NULL;
  graphene_rect_t plot;
  gint64 from_us, to_us, cursor_us;
  double x;

  mimic_trend_chart_add_series (fixture->chart, actual);
  mimic_trend_chart_add_series (fixture->chart, empty);
  mimic_trend_chart_add_series (fixture->chart, hi);
  mimic_trend_chart_set_time_range (fixture->chart, NOW_US - 300 * SECOND_US, NOW_US + 100 * SECOND_US);
  show (fixture);
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_get_time_range (fixture->chart, &from_us, &to_us);

  g_assert_null (mimic_trend_chart_get_readout (fixture->chart));

  x = plot.origin.x + plot.size.width / 2;
  mimic_trend_chart_set_cursor (fixture->chart, x);
  readout = mimic_trend_chart_get_readout (fixture->chart);
  g_assert_nonnull (readout);
  lines = g_strsplit (readout, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);

  /* The time under the cursor, in local time... */
  cursor_us = from_us + (to_us - from_us) / 2;
  when = g_date_time_new_from_unix_local (cursor_us / G_USEC_PER_SEC);
  expected_time = g_date_time_format (when, "%H:%M:%S");
  g_assert_cmpstr (lines[0], ==, expected_time);
  /* ...each series' value there with its unit, and "—" where none. */
  g_assert_true (g_str_has_prefix (lines[1], "Bearing DE: 70"));
  g_assert_true (g_str_has_suffix (lines[1], " °C"));
  g_assert_cmpstr (lines[2], ==, "Model: —");

  mimic_test_wait_for_frames (fixture->window, 2);
  g_object_unref (mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-readout"));

  /* Right of the data there is no value to read. */
  g_clear_pointer (&readout, g_free);
  g_clear_pointer (&lines, g_strfreev);
  mimic_trend_chart_set_cursor (fixture->chart, plot.origin.x + plot.size.width - 2);
  readout = mimic_trend_chart_get_readout (fixture->chart);
  lines = g_strsplit (readout, "\n", -1);
  g_assert_cmpstr (lines[1], ==, "Bearing DE: —");

  mimic_trend_chart_set_cursor (fixture->chart, -1);
  g_assert_null (mimic_trend_chart_get_readout (fixture->chart));
  mimic_trend_chart_set_cursor (fixture->chart, NAN);
  g_assert_null (mimic_trend_chart_get_readout (fixture->chart));
}

typedef struct
{
  MimicHistory *history;
  guint         calls;
  guint         max_points;
} CountingSource;

static guint
counting_query (gint64    from_us,
                gint64    to_us,
                guint     max_points,
                GArray   *out,
                gpointer  user_data)
{
  CountingSource *source = user_data;

  source->calls++;
  source->max_points = max_points;
  return mimic_history_query (source->history, from_us, to_us, max_points, out);
}

/* A sensor's history plugs in as the data source: the chart asks for no
 * more buckets than it has columns, and asks again only when something
 * changed. */
static void
test_chart_history_source (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MimicChartSeries) actual = mimic_chart_series_new (MIMIC_CHART_SERIES_ACTUAL, "Speed", "rpm",
                                                               &actual_color);
  CountingSource source = { mimic_history_new (4096), 0, 0 };
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t plot;
  double min, max;
  guint calls;

  for (gint64 t = NOW_US - 300 * SECOND_US; t <= NOW_US; t += SECOND_US / 10)
    mimic_history_add (source.history, t, 1480 + 20 * sin ((double) t / SECOND_US / 30));

  mimic_chart_series_set_query_func (actual, counting_query, &source, NULL);
  mimic_trend_chart_add_series (fixture->chart, actual);
  mimic_trend_chart_set_time_range (fixture->chart, NOW_US - 300 * SECOND_US, NOW_US);
  show (fixture);

  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  g_assert_cmpuint (source.calls, >=, 1);
  g_assert_cmpuint (source.max_points, <=, (guint) ceil (plot.size.width) + 2);
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);
  g_assert_cmpfloat (min, <, 1462);
  g_assert_cmpfloat (max, >, 1498);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-history");

  /* Frames with nothing new fetch nothing. */
  calls = source.calls;
  gtk_widget_queue_draw (GTK_WIDGET (fixture->chart));
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_cmpuint (source.calls, ==, calls);

  /* New data in the source: one fetch at the next frame. */
  mimic_history_add (source.history, NOW_US + SECOND_US, 1490);
  mimic_chart_series_invalidate (actual);
  mimic_chart_series_invalidate (actual);
  mimic_test_wait_for_frames (fixture->window, 3);
  g_assert_cmpuint (source.calls, ==, calls + 1);

  mimic_trend_chart_clear_series (fixture->chart);
  g_assert_cmpuint (mimic_trend_chart_get_n_series (fixture->chart), ==, 0);
  g_clear_object (&actual);
  mimic_history_unref (source.history);
}

static double
warming (gint64 time_us)
{
  double minutes = (double) (time_us - NOW_US) / SECOND_US / 60;

  return 62 + 1.2 * minutes + 1.5 * sin (minutes * 3);
}

static double
warming_model (gint64 time_us)
{
  double minutes = (double) (time_us - NOW_US) / SECOND_US / 60;

  return 60 + 1.0 * minutes;
}

/* Everything at once, as an operator sees a bearing warming up: measured,
 * expected with its band, a what-if prediction crossing HI, and limits. */
static void
test_chart_overview (Fixture       *fixture,
                     gconstpointer  data)
{
  static const GdkRGBA hihi_color = { 0.75, 0.11, 0.66, 1 };
  g_autoptr(MimicChartSeries) expected = sampled_series (MIMIC_CHART_SERIES_EXPECTED, "Expected", &expected_color,
                                                         NOW_US - 600 * SECOND_US, NOW_US, warming_model, 3);
  g_autoptr(MimicChartSeries) actual = sampled_series (MIMIC_CHART_SERIES_ACTUAL, "Bearing DE", &actual_color,
                                                       NOW_US - 600 * SECOND_US, NOW_US, warming, 0);
  g_autoptr(MimicChartSeries) prediction = sampled_series (MIMIC_CHART_SERIES_PREDICTION, "What-if",
                                                           &prediction_color, NOW_US, NOW_US + 180 * SECOND_US,
                                                           warming, 1.5);
  g_autoptr(MimicChartSeries) hi = mimic_chart_series_new_limit ("HI", 64, "°C", &limit_color);
  g_autoptr(MimicChartSeries) hihi = mimic_chart_series_new_limit ("HIHI", 68, "°C", &hihi_color);
  g_autoptr(MimicChartSeries) lo = mimic_chart_series_new_limit ("LO", 45, "°C", &expected_color);
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t plot;
  double min, max;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 900, 420);
  mimic_trend_chart_add_series (fixture->chart, expected);
  mimic_trend_chart_add_series (fixture->chart, actual);
  mimic_trend_chart_add_series (fixture->chart, prediction);
  mimic_trend_chart_add_series (fixture->chart, hi);
  mimic_trend_chart_add_series (fixture->chart, hihi);
  mimic_trend_chart_add_series (fixture->chart, lo);
  mimic_trend_chart_set_future_span (fixture->chart, 180 * SECOND_US);
  show (fixture);
  mimic_trend_chart_get_plot_area (fixture->chart, &plot);
  mimic_trend_chart_set_cursor (fixture->chart, plot.origin.x + plot.size.width * 0.55);
  mimic_test_wait_for_frames (fixture->window, 2);

  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-overview");
  mimic_trend_chart_get_value_range (fixture->chart, &min, &max);
  g_assert_cmpfloat (min, <, 45);
  g_assert_cmpfloat (max, >, warming (NOW_US + 180 * SECOND_US));
  g_assert_cmpuint (mimic_test_count_colours (shot, 256), >=, 64);
}

static void
test_chart_empty (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;

  show (fixture);
  shot = mimic_test_take_screenshot (GTK_WIDGET (fixture->chart), "chart-empty");
  /* The message is drawn: more than the grounds' few colours. */
  g_assert_cmpuint (mimic_test_count_colours (shot, 16), >, 4);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/chart/decimate", test_chart_decimate);
  g_test_add_func ("/mimic/chart/series-bad-input", test_chart_series_bad_input);
  g_test_add ("/mimic/chart/limit-line", Fixture, NULL,
              fixture_set_up, test_chart_limit_line, fixture_tear_down);
  g_test_add ("/mimic/chart/prediction", Fixture, NULL,
              fixture_set_up, test_chart_prediction, fixture_tear_down);
  g_test_add ("/mimic/chart/zoom-pan-live", Fixture, NULL,
              fixture_set_up, test_chart_zoom_pan_live, fixture_tear_down);
  g_test_add ("/mimic/chart/readout", Fixture, NULL,
              fixture_set_up, test_chart_readout, fixture_tear_down);
  g_test_add ("/mimic/chart/history-source", Fixture, NULL,
              fixture_set_up, test_chart_history_source, fixture_tear_down);
  g_test_add ("/mimic/chart/overview", Fixture, NULL,
              fixture_set_up, test_chart_overview, fixture_tear_down);
  g_test_add ("/mimic/chart/empty", Fixture, NULL,
              fixture_set_up, test_chart_empty, fixture_tear_down);

  return g_test_run ();
}
