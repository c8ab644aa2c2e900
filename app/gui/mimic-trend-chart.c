/* mimic-trend-chart.c
 *
 * A time-series chart for the selected sensors: what was measured, what
 * the model expected with its band, what a what-if run predicts after
 * "now", and the alarm limits, against local time.
 *
 * The chart never touches more data than it has pixel columns: each series
 * is asked for at most one bucket (min, max, mean) per column of the range
 * shown, so a week of 10 Hz samples draws as fast as a minute of them.
 * Fetched buckets are kept until the range, the width or the series'
 * data change. Redraws come from gtk_widget_queue_draw, which GTK folds
 * into at most one per frame; in live mode a tick callback asks for one
 * only when "now" has moved by a pixel column or more.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-trend-chart"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-trend-chart.h"

#define MARGIN_LEFT    64.0
#define MARGIN_RIGHT   12.0
#define MARGIN_TOP     24.0
#define MARGIN_BOTTOM  26.0

#define MIN_SPAN_US    (G_USEC_PER_SEC)
#define MAX_SPAN_US    ((gint64) 400 * 24 * 3600 * G_USEC_PER_SEC)
#define DEFAULT_SPAN_US         ((gint64) 10 * 60 * G_USEC_PER_SEC)
#define DEFAULT_FUTURE_SPAN_US  ((gint64) 2 * 60 * G_USEC_PER_SEC)
#define DAY_US         ((gint64) 86400 * G_USEC_PER_SEC)
#define ZOOM_STEP      1.25
#define PAN_STEP       0.1     /* of the plot width, per key press */
#define TIME_TICK_MIN_PX   90.0
#define VALUE_TICK_MIN_PX  36.0

typedef struct
{
  MimicChartSeries *series;
  gulong            changed_id;
  GArray           *buckets;      /* MimicHistoryBucket for the range below */
  gint64            from_us;
  gint64            to_us;
  guint             max_points;
  guint64           generation;
  gboolean          fetched;
} SeriesSlot;

struct _MimicTrendChart
{
  GtkWidget    parent_instance;

  GPtrArray   *slots;             /* SeriesSlot*, drawing order */
  GtkWidget   *live_button;

  gboolean     live;
  gint64       span_us;
  gint64       future_span_us;
  gint64       fixed_now_us;      /* 0: the wall clock */
  gint64       from_us;           /* the range when not live */
  gint64       to_us;
  guint        live_tick_id;
  gint64       drawn_now_us;

  gboolean     auto_range;
  double       fixed_min;
  double       fixed_max;
  double       drawn_min;
  double       drawn_max;

  double       cursor_x;          /* < 0: no cursor */
  double       pointer_x;
  gint64       drag_from_us;
  gint64       drag_to_us;
  double       pinch_last_scale;
};

G_DEFINE_FINAL_TYPE (MimicTrendChart, mimic_trend_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LIVE,
  PROP_SPAN,
  PROP_FUTURE_SPAN,
  PROP_NOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean live_tick (GtkWidget     *widget,
                           GdkFrameClock *clock,
                           gpointer       user_data);

static void
slot_free (gpointer data)
{
  SeriesSlot *slot = data;

  g_clear_signal_handler (&slot->changed_id, slot->series);
  g_clear_object (&slot->series);
  g_clear_pointer (&slot->buckets, g_array_unref);
  g_free (slot);
}

gint64
mimic_trend_chart_get_now (MimicTrendChart *self)
{
  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), 0);

  return self->fixed_now_us != 0 ? self->fixed_now_us : g_get_real_time ();
}

static void
current_range (MimicTrendChart *self,
               gint64          *from_us,
               gint64          *to_us)
{
  if (self->live)
    {
      gint64 now = mimic_trend_chart_get_now (self);

      *from_us = now - self->span_us;
      *to_us = now + self->future_span_us;
    }
  else
    {
      *from_us = self->from_us;
      *to_us = self->to_us;
    }
}

void
mimic_trend_chart_get_plot_area (MimicTrendChart *self,
                                 graphene_rect_t *area)
{
  double width, height;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));
  g_return_if_fail (area != NULL);

  width = gtk_widget_get_width (GTK_WIDGET (self));
  height = gtk_widget_get_height (GTK_WIDGET (self));
  graphene_rect_init (area, MARGIN_LEFT, MARGIN_TOP,
                      MAX (1, width - MARGIN_LEFT - MARGIN_RIGHT),
                      MAX (1, height - MARGIN_TOP - MARGIN_BOTTOM));
}

static guint
plot_columns (MimicTrendChart *self)
{
  graphene_rect_t area;

  mimic_trend_chart_get_plot_area (self, &area);
  return MAX (1, (guint) ceil (area.size.width));
}

static void
fetch_slot (SeriesSlot *slot,
            gint64      from_us,
            gint64      to_us,
            guint       columns)
{
  guint64 generation = mimic_chart_series_get_generation (slot->series);
  gint64 column_us;

  if (slot->fetched && slot->from_us == from_us && slot->to_us == to_us &&
      slot->max_points == columns && slot->generation == generation)
    return;

  slot->from_us = from_us;
  slot->to_us = to_us;
  slot->max_points = columns;
  slot->generation = generation;
  slot->fetched = TRUE;
  g_array_set_size (slot->buckets, 0);

  if (mimic_chart_series_get_kind (slot->series) == MIMIC_CHART_SERIES_LIMIT)
    return;

  /* One column more on each side, so lines run on to the plot's edges
   * instead of stopping at the last point inside. */
  column_us = MAX (1, (to_us - from_us) / columns);
  mimic_chart_series_query (slot->series, from_us - column_us, to_us + column_us,
                            columns + 2, slot->buckets);
}

static void
fetch_all (MimicTrendChart *self,
           gint64           from_us,
           gint64           to_us)
{
  guint columns = plot_columns (self);

  for (guint i = 0; i < self->slots->len; i++)
    fetch_slot (g_ptr_array_index (self->slots, i), from_us, to_us, columns);
}

static double
bucket_time (const MimicHistoryBucket *bucket)
{
  return bucket->start_us + bucket->duration_us / 2.0;
}

static void
compute_value_range (MimicTrendChart *self,
                     gint64           from_us,
                     gint64           to_us,
                     double          *min,
                     double          *max)
{
  double low = INFINITY, high = -INFINITY;
  double padding;

  if (!self->auto_range)
    {
      *min = self->fixed_min;
      *max = self->fixed_max;
      return;
    }

  for (guint i = 0; i < self->slots->len; i++)
    {
      SeriesSlot *slot = g_ptr_array_index (self->slots, i);

      if (mimic_chart_series_get_kind (slot->series) == MIMIC_CHART_SERIES_LIMIT)
        {
          double value = mimic_chart_series_get_limit_value (slot->series);

          low = MIN (low, value);
          high = MAX (high, value);
          continue;
        }

      for (guint j = 0; j < slot->buckets->len; j++)
        {
          const MimicHistoryBucket *bucket = &g_array_index (slot->buckets, MimicHistoryBucket, j);
          double t = bucket_time (bucket);

          if (t < from_us || t > to_us)
            continue;
          low = MIN (low, bucket->min);
          high = MAX (high, bucket->max);
        }
    }

  if (!isfinite (low) || !isfinite (high))
    {
      low = 0;
      high = 1;
    }
  if (high - low < 1e-9 * MAX (1, fabs (high)))
    {
      low -= 1;
      high += 1;
    }

  padding = (high - low) * 0.05;
  *min = low - padding;
  *max = high + padding;
}

static double
nice_step (double range,
           double max_ticks)
{
  double raw = range / MAX (1, max_ticks);
  double magnitude = pow (10, floor (log10 (raw)));
  double normalized = raw / magnitude;

  if (normalized < 1.5)
    return magnitude;
  if (normalized < 3)
    return 2 * magnitude;
  if (normalized < 7)
    return 5 * magnitude;
  return 10 * magnitude;
}

static int
decimals_for_step (double step)
{
  return (int) CLAMP (-floor (log10 (step) + 1e-9), 0, 6);
}

static char *
format_local_time (gint64      time_us,
                   const char *format)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) exact = NULL;

  if (seconds == NULL)
    return g_strdup ("?");
  exact = g_date_time_add (seconds, time_us % G_USEC_PER_SEC);
  return g_date_time_format (exact != NULL ? exact : seconds, format);
}

static const gint64 time_steps_s[] = {
  1, 2, 5, 10, 15, 30, 60, 2 * 60, 5 * 60, 10 * 60, 15 * 60, 30 * 60,
  3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400,
  14 * 86400, 28 * 86400, 91 * 86400,
};

static gint64
time_tick_step (gint64 span_us,
                double plot_width)
{
  for (guint i = 0; i < G_N_ELEMENTS (time_steps_s); i++)
    {
      gint64 step_us = time_steps_s[i] * (gint64) G_USEC_PER_SEC;

      if (step_us / (double) span_us * plot_width >= TIME_TICK_MIN_PX)
        return step_us;
    }

  return time_steps_s[G_N_ELEMENTS (time_steps_s) - 1] * (gint64) G_USEC_PER_SEC;
}

/* The UTC offset of local time at a moment, so ticks fall on round local
 * hours and midnights. */
static gint64
local_offset_us (gint64 time_us)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return local != NULL ? g_date_time_get_utc_offset (local) : 0;
}

static void
append_text (GtkWidget      *widget,
             GtkSnapshot    *snapshot,
             const char     *text,
             double          x,
             double          y,
             double          x_align,
             double          y_align,
             const GdkRGBA  *color,
             const GdkRGBA  *ground)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  x -= width * x_align;
  y -= height * y_align;
  /* Never cut off at the widget's edge. */
  x = CLAMP (x, 0, MAX (0, gtk_widget_get_width (widget) - width));

  /* A label over lines gets a patch of the plot's ground behind it. */
  if (ground != NULL)
    gtk_snapshot_append_color (snapshot, ground, &GRAPHENE_RECT_INIT (x - 2, y, width + 4, height));

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* The chart's colours, taken from the theme at each frame: the text and
 * grid from the widget's foreground colour, the plot area from the
 * theme's view background, so the chart is dark in a dark theme and light
 * in a light one, and follows a switch between them at once. */
typedef struct
{
  GdkRGBA text;
  GdkRGBA dim_text;
  GdkRGBA grid;
  GdkRGBA ground;        /* the plot area */
  GdkRGBA future;        /* laid over the ground right of now */
  gboolean dark;
} Palette;

static double
channel_luminance (double channel)
{
  return channel <= 0.03928 ? channel / 12.92 : pow ((channel + 0.055) / 1.055, 2.4);
}

/* Relative luminance as WCAG 2 defines it. */
static double
relative_luminance (const GdkRGBA *color)
{
  return 0.2126 * channel_luminance (color->red) +
         0.7152 * channel_luminance (color->green) +
         0.0722 * channel_luminance (color->blue);
}

static double
contrast_ratio (const GdkRGBA *a,
                const GdkRGBA *b)
{
  double la = relative_luminance (a), lb = relative_luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* @color, or the same hue moved towards white on a dark ground (black on
 * a light one) just far enough to stand out from @ground by @ratio. A
 * series or limit colour chosen for one theme so stays readable in the
 * other, and a colour that reads already is left as it is. */
static void
readable_on (const GdkRGBA *color,
             const GdkRGBA *ground,
             double         ratio,
             GdkRGBA       *out)
{
  double target = relative_luminance (ground) < 0.18 ? 1.0 : 0.0;

  *out = *color;
  for (guint step = 0; step < 10 && contrast_ratio (out, ground) < ratio; step++)
    {
      out->red += (target - out->red) * 0.2;
      out->green += (target - out->green) * 0.2;
      out->blue += (target - out->blue) * 0.2;
    }
}

static void
get_palette (MimicTrendChart *self,
             Palette         *palette)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  /* GTK 4.8 has no gtk_widget_get_color() yet; the style context is how
   * a widget reads its CSS colour there. Light text means a dark theme. */
  gtk_style_context_get_color (context, &palette->text);
  palette->dark = relative_luminance (&palette->text) > 0.4;
  if (!gtk_style_context_lookup_color (context, "theme_base_color", &palette->ground))
    palette->ground = palette->dark ? (GdkRGBA) { 0.12, 0.12, 0.12, 1 } : (GdkRGBA) { 1, 1, 1, 1 };

  /* A theme whose base colour is translucent would let the window through
   * unevenly; the plot is always opaque. */
  palette->ground.alpha = 1;
  palette->text.alpha = 1;
  palette->dim_text = palette->text;
  palette->dim_text.alpha = 0.75;
  palette->grid = palette->text;
  palette->grid.alpha = palette->dark ? 0.12 : 0.10;
  palette->future = (GdkRGBA) { 0.21, 0.52, 0.89, palette->dark ? 0.10 : 0.07 };
}

typedef struct
{
  graphene_rect_t plot;
  gint64          from_us;
  gint64          to_us;
  double          min;
  double          max;
  Palette         palette;
} Frame;

static double
frame_x (const Frame *frame,
         double       time_us)
{
  return frame->plot.origin.x +
         (time_us - frame->from_us) / (double) (frame->to_us - frame->from_us) * frame->plot.size.width;
}

static double
frame_y (const Frame *frame,
         double       value)
{
  return frame->plot.origin.y +
         (frame->max - value) / (frame->max - frame->min) * frame->plot.size.height;
}

static void
cairo_set_rgba (cairo_t       *cr,
                const GdkRGBA *color,
                double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

/* Fills between each bucket's min and max: the spread hidden in a
 * decimated column, or a model's band. */
static void
draw_envelope (cairo_t     *cr,
               const Frame *frame,
               GArray      *buckets,
               const GdkRGBA *color,
               double       alpha)
{
  if (buckets->len == 0)
    return;

  for (guint i = 0; i < buckets->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i);

      cairo_line_to (cr, frame_x (frame, bucket_time (bucket)), frame_y (frame, bucket->max));
    }
  for (guint i = buckets->len; i > 0; i--)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i - 1);

      cairo_line_to (cr, frame_x (frame, bucket_time (bucket)), frame_y (frame, bucket->min));
    }
  cairo_close_path (cr);
  cairo_set_rgba (cr, color, alpha);
  /* At least a pixel high, so a column holding a single spike still shows. */
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* Decimated measurements: one pixel-aligned bar per column from its
 * minimum to its maximum, which is exactly what the column holds and much
 * cheaper to fill than an antialiased outline. Sparse data, where the
 * buckets are further apart than a column, is outlined instead. */
static void
draw_column_spread (cairo_t       *cr,
                    const Frame   *frame,
                    GArray        *buckets,
                    const GdkRGBA *color,
                    double         alpha)
{
  if (buckets->len < frame->plot.size.width / 2)
    {
      draw_envelope (cr, frame, buckets, color, alpha);
      return;
    }

  for (guint i = 0; i < buckets->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i);
      double x0 = floor (frame_x (frame, bucket->start_us));
      double x1 = MAX (x0 + 1, floor (frame_x (frame, bucket->start_us + bucket->duration_us)));
      double top = floor (frame_y (frame, bucket->max));
      double bottom = MAX (top + 1, ceil (frame_y (frame, bucket->min)));

      cairo_rectangle (cr, x0, top, x1 - x0, bottom - top);
    }
  cairo_set_rgba (cr, color, alpha);
  cairo_fill (cr);
}

static void
draw_line (cairo_t       *cr,
           const Frame   *frame,
           GArray        *buckets,
           const GdkRGBA *color,
           double         width,
           gboolean       dashed)
{
  static const double dashes[] = { 7, 4 };

  if (buckets->len == 0)
    return;

  for (guint i = 0; i < buckets->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i);

      cairo_line_to (cr, frame_x (frame, bucket_time (bucket)), frame_y (frame, bucket->mean));
    }
  if (buckets->len == 1)
    cairo_rel_line_to (cr, 0.01, 0);

  cairo_set_rgba (cr, color, 1);
  cairo_set_line_width (cr, width);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_dash (cr, dashes, dashed ? G_N_ELEMENTS (dashes) : 0, 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

static gboolean
has_spread (GArray *buckets)
{
  for (guint i = 0; i < buckets->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i);

      if (bucket->max > bucket->min)
        return TRUE;
    }

  return FALSE;
}

static void
draw_series (MimicTrendChart *self,
             cairo_t         *cr,
             const Frame     *frame)
{
  /* Bands first, lines over them, so no band hides a line. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->slots->len; i++)
      {
        SeriesSlot *slot = g_ptr_array_index (self->slots, i);
        MimicChartSeriesKind kind = mimic_chart_series_get_kind (slot->series);
        GdkRGBA color;

        mimic_chart_series_get_color (slot->series, &color);
        readable_on (&color, &frame->palette.ground, 3.0, &color);

        switch (kind)
          {
          case MIMIC_CHART_SERIES_BAND:
            if (pass == 0)
              draw_envelope (cr, frame, slot->buckets, &color, 0.18);
            break;

          case MIMIC_CHART_SERIES_EXPECTED:
            if (pass == 0 && has_spread (slot->buckets))
              draw_envelope (cr, frame, slot->buckets, &color, 0.18);
            else if (pass == 1)
              draw_line (cr, frame, slot->buckets, &color, 1.5, FALSE);
            break;

          case MIMIC_CHART_SERIES_PREDICTION:
            if (pass == 0 && has_spread (slot->buckets))
              draw_envelope (cr, frame, slot->buckets, &color, 0.14);
            else if (pass == 1)
              draw_line (cr, frame, slot->buckets, &color, 2, TRUE);
            break;

          case MIMIC_CHART_SERIES_ACTUAL:
            if (pass == 1)
              {
                if (has_spread (slot->buckets))
                  draw_column_spread (cr, frame, slot->buckets, &color, 0.35);
                draw_line (cr, frame, slot->buckets, &color, 2, FALSE);
              }
            break;

          case MIMIC_CHART_SERIES_LIMIT:
            if (pass == 1)
              {
                double y = round (frame_y (frame, mimic_chart_series_get_limit_value (slot->series))) + 0.5;

                cairo_move_to (cr, frame->plot.origin.x, y);
                cairo_line_to (cr, frame->plot.origin.x + frame->plot.size.width, y);
                cairo_set_rgba (cr, &color, 1);
                cairo_set_line_width (cr, 1);
                cairo_stroke (cr);
              }
            break;

          default:
            break;
          }
      }
}

static const char *
axis_unit (MimicTrendChart *self)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      SeriesSlot *slot = g_ptr_array_index (self->slots, i);
      const char *unit = mimic_chart_series_get_unit (slot->series);

      if (unit != NULL && unit[0] != '\0')
        return unit;
    }

  return NULL;
}

static void
snapshot_axes (MimicTrendChart *self,
               GtkSnapshot     *snapshot,
               cairo_t         *cr,
               const Frame     *frame,
               gboolean         labels)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const GdkRGBA *text = &frame->palette.dim_text;
  double value_step = nice_step (frame->max - frame->min,
                                 frame->plot.size.height / VALUE_TICK_MIN_PX);
  int decimals = decimals_for_step (value_step);
  gint64 span_us = frame->to_us - frame->from_us;
  gint64 time_step_us = time_tick_step (span_us, frame->plot.size.width);
  gint64 offset_us = local_offset_us (frame->from_us);
  gint64 tick_us;
  const char *unit = axis_unit (self);
  const char *time_format;

  /* Value grid and labels. */
  for (double value = ceil (frame->min / value_step) * value_step;
       value <= frame->max; value += value_step)
    {
      double y = round (frame_y (frame, value)) + 0.5;

      if (labels)
        {
          g_autofree char *label = g_strdup_printf ("%.*f", decimals, fabs (value) < value_step / 2 ? 0.0 : value);

          append_text (widget, snapshot, label, frame->plot.origin.x - 6, y, 1, 0.5, text, NULL);
        }
      else
        {
          cairo_move_to (cr, frame->plot.origin.x, y);
          cairo_line_to (cr, frame->plot.origin.x + frame->plot.size.width, y);
        }
    }

  if (time_step_us < 60 * (gint64) G_USEC_PER_SEC)
    time_format = "%H:%M:%S";
  else if (time_step_us < DAY_US)
    time_format = "%H:%M";
  else
    time_format = "%d %b";

  /* Time grid on round local times. */
  tick_us = ((frame->from_us + offset_us + time_step_us - 1) / time_step_us) * time_step_us - offset_us;
  if (time_step_us >= 7 * DAY_US)
    tick_us = frame->from_us;
  for (; tick_us <= frame->to_us; tick_us += time_step_us)
    {
      double x = round (frame_x (frame, tick_us)) + 0.5;

      if (labels)
        {
          g_autofree char *label = NULL;

          /* A midnight inside an intraday axis gets the date instead. */
          if (time_step_us < DAY_US &&
              (tick_us + offset_us) % (DAY_US) == 0)
            label = format_local_time (tick_us, "%d %b");
          else
            label = format_local_time (tick_us, time_format);
          append_text (widget, snapshot, label, x,
                       frame->plot.origin.y + frame->plot.size.height + 4, 0.5, 0, text, NULL);
        }
      else
        {
          cairo_move_to (cr, x, frame->plot.origin.y);
          cairo_line_to (cr, x, frame->plot.origin.y + frame->plot.size.height);
        }
    }

  if (labels && unit != NULL)
    append_text (widget, snapshot, unit, frame->plot.origin.x - 6, frame->plot.origin.y - 4,
                 1, 1, text, NULL);
}

static void
snapshot_limit_labels (MimicTrendChart *self,
                       GtkSnapshot     *snapshot,
                       const Frame     *frame)
{
  GdkRGBA label_ground = frame->palette.ground;

  label_ground.alpha = 0.85;
  for (guint i = 0; i < self->slots->len; i++)
    {
      SeriesSlot *slot = g_ptr_array_index (self->slots, i);
      const char *unit = mimic_chart_series_get_unit (slot->series);
      double value;
      g_autofree char *label = NULL;
      GdkRGBA color;
      double y;

      if (mimic_chart_series_get_kind (slot->series) != MIMIC_CHART_SERIES_LIMIT)
        continue;

      value = mimic_chart_series_get_limit_value (slot->series);
      y = frame_y (frame, value);
      if (y < frame->plot.origin.y || y > frame->plot.origin.y + frame->plot.size.height)
        continue;

      mimic_chart_series_get_color (slot->series, &color);
      readable_on (&color, &frame->palette.ground, 4.5, &color);
      label = g_strdup_printf ("%s %g%s%s", mimic_chart_series_get_label (slot->series), value,
                               unit != NULL ? " " : "", unit != NULL ? unit : "");
      /* Above the line at the left end, clear of the newest data, of now
       * and of the Live button; below it when there is no room above. */
      if (y - frame->plot.origin.y > 18)
        append_text (GTK_WIDGET (self), snapshot, label,
                     frame->plot.origin.x + 6, y - 2, 0, 1, &color, &label_ground);
      else
        append_text (GTK_WIDGET (self), snapshot, label,
                     frame->plot.origin.x + 6, y + 3, 0, 0, &color, &label_ground);
    }
}

static void
snapshot_cursor (MimicTrendChart *self,
                 GtkSnapshot     *snapshot,
                 const Frame     *frame)
{
  g_autofree char *readout = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  GdkRGBA line = frame->palette.text;
  GdkRGBA ground = frame->palette.ground;
  GdkRGBA border = frame->palette.grid;
  int width, height;
  double box_x, box_y;

  if (self->cursor_x < frame->plot.origin.x ||
      self->cursor_x > frame->plot.origin.x + frame->plot.size.width)
    return;

  line.alpha = 0.6;
  ground.alpha = 0.92;
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (floor (self->cursor_x), frame->plot.origin.y,
                                                  1, frame->plot.size.height));

  readout = mimic_trend_chart_get_readout (self);
  if (readout == NULL)
    return;

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), readout);
  pango_layout_get_pixel_size (layout, &width, &height);
  box_x = self->cursor_x + 8;
  if (box_x + width + 8 > frame->plot.origin.x + frame->plot.size.width)
    box_x = self->cursor_x - 8 - width - 8;
  box_y = frame->plot.origin.y + 6;

  /* A hairline around the box keeps it apart from a ground of its own
   * colour. */
  gtk_snapshot_append_color (snapshot, &border,
                             &GRAPHENE_RECT_INIT (box_x - 1, box_y - 1, width + 10, height + 8));
  gtk_snapshot_append_color (snapshot, &ground,
                             &GRAPHENE_RECT_INIT (box_x, box_y, width + 8, height + 6));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (box_x + 4, box_y + 3));
  gtk_snapshot_append_layout (snapshot, layout, &frame->palette.text);
  gtk_snapshot_restore (snapshot);
}

static void
mimic_trend_chart_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (widget);
  gint64 now_us = mimic_trend_chart_get_now (self);
  Frame frame;
  cairo_t *cr;
  double now_x;

  /* Around the plot the window's own background shows (or the CSS
   * background of the "trendchart" node), as around any other view. */
  get_palette (self, &frame.palette);
  mimic_trend_chart_get_plot_area (self, &frame.plot);
  current_range (self, &frame.from_us, &frame.to_us);
  fetch_all (self, frame.from_us, frame.to_us);
  compute_value_range (self, frame.from_us, frame.to_us, &frame.min, &frame.max);
  self->drawn_min = frame.min;
  self->drawn_max = frame.max;
  self->drawn_now_us = now_us;

  gtk_snapshot_append_color (snapshot, &frame.palette.ground, &frame.plot);

  /* The future, where only predictions can be, on a faintly blue ground. */
  now_x = frame_x (&frame, now_us);
  if (now_x < frame.plot.origin.x + frame.plot.size.width)
    {
      double left = MAX (now_x, frame.plot.origin.x);

      gtk_snapshot_append_color (snapshot, &frame.palette.future,
                                 &GRAPHENE_RECT_INIT (left, frame.plot.origin.y,
                                                      frame.plot.origin.x + frame.plot.size.width - left,
                                                      frame.plot.size.height));
    }

  if (self->slots->len == 0)
    {
      append_text (widget, snapshot, _("No sensor selected"),
                   frame.plot.origin.x + frame.plot.size.width / 2,
                   frame.plot.origin.y + frame.plot.size.height / 2,
                   0.5, 0.5, &frame.palette.dim_text, NULL);
      gtk_widget_snapshot_child (widget, self->live_button, snapshot);
      return;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &frame.plot);
  cairo_rectangle (cr, frame.plot.origin.x, frame.plot.origin.y,
                   frame.plot.size.width, frame.plot.size.height);
  cairo_clip (cr);

  snapshot_axes (self, snapshot, cr, &frame, FALSE);
  cairo_set_rgba (cr, &frame.palette.grid, 1);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  draw_series (self, cr, &frame);

  if (now_x >= frame.plot.origin.x && now_x <= frame.plot.origin.x + frame.plot.size.width)
    {
      static const double dashes[] = { 3, 3 };

      cairo_move_to (cr, round (now_x) + 0.5, frame.plot.origin.y);
      cairo_line_to (cr, round (now_x) + 0.5, frame.plot.origin.y + frame.plot.size.height);
      cairo_set_rgba (cr, &frame.palette.text, 0.6);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

  snapshot_axes (self, snapshot, NULL, &frame, TRUE);
  snapshot_limit_labels (self, snapshot, &frame);
  if (now_x >= frame.plot.origin.x && now_x <= frame.plot.origin.x + frame.plot.size.width)
    append_text (widget, snapshot, _("now"), now_x, frame.plot.origin.y - 2, 0.5, 1, &frame.palette.text, NULL);
  snapshot_cursor (self, snapshot, &frame);

  gtk_widget_snapshot_child (widget, self->live_button, snapshot);
}

static gboolean
live_tick (GtkWidget     *widget,
           GdkFrameClock *clock,
           gpointer       user_data)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (widget);
  gint64 column_us = (self->span_us + self->future_span_us) / plot_columns (self);

  /* Follow now in whole pixel columns: a smaller step would redraw the
   * same picture. */
  if (llabs (mimic_trend_chart_get_now (self) - self->drawn_now_us) >= MAX (1, column_us))
    gtk_widget_queue_draw (widget);

  return G_SOURCE_CONTINUE;
}

static void
update_live_machinery (MimicTrendChart *self)
{
  if (self->live && self->live_tick_id == 0)
    self->live_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), live_tick, NULL, NULL);
  else if (!self->live && self->live_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->live_tick_id);
      self->live_tick_id = 0;
    }

  gtk_widget_set_visible (self->live_button, !self->live);
}

void
mimic_trend_chart_set_live (MimicTrendChart *self,
                            gboolean         live)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  live = !!live;
  if (live == self->live)
    return;

  /* Leaving live mode keeps the range that was on screen. */
  if (!live)
    current_range (self, &self->from_us, &self->to_us);

  self->live = live;
  update_live_machinery (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

gboolean
mimic_trend_chart_get_live (MimicTrendChart *self)
{
  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), FALSE);

  return self->live;
}

static gint64
clamp_span (gint64 span_us)
{
  return CLAMP (span_us, MIN_SPAN_US, MAX_SPAN_US);
}

/**
 * mimic_trend_chart_set_span:
 * @span_us: how much past live mode shows, in microseconds
 */
void
mimic_trend_chart_set_span (MimicTrendChart *self,
                            gint64           span_us)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  span_us = clamp_span (span_us);
  if (span_us == self->span_us)
    return;

  self->span_us = span_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}

gint64
mimic_trend_chart_get_span (MimicTrendChart *self)
{
  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), 0);

  return self->span_us;
}

/**
 * mimic_trend_chart_set_future_span:
 * @future_span_us: how much future live mode shows right of now, where
 *   predictions go; 0 for none
 */
void
mimic_trend_chart_set_future_span (MimicTrendChart *self,
                                   gint64           future_span_us)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  future_span_us = CLAMP (future_span_us, 0, MAX_SPAN_US);
  if (future_span_us == self->future_span_us)
    return;

  self->future_span_us = future_span_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FUTURE_SPAN]);
}

gint64
mimic_trend_chart_get_future_span (MimicTrendChart *self)
{
  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), 0);

  return self->future_span_us;
}

/**
 * mimic_trend_chart_set_now:
 * @now_us: the present, in microseconds since the epoch; 0 follows the
 *   wall clock
 *
 * A replay has its own present; so do tests.
 */
void
mimic_trend_chart_set_now (MimicTrendChart *self,
                           gint64           now_us)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  now_us = MAX (now_us, 0);
  if (now_us == self->fixed_now_us)
    return;

  self->fixed_now_us = now_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOW]);
}

void
mimic_trend_chart_get_time_range (MimicTrendChart *self,
                                  gint64          *from_us,
                                  gint64          *to_us)
{
  gint64 from, to;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  current_range (self, &from, &to);
  if (from_us != NULL)
    *from_us = from;
  if (to_us != NULL)
    *to_us = to;
}

/**
 * mimic_trend_chart_set_time_range:
 *
 * Shows [@from_us, @to_us] and leaves live mode. A range shorter than a
 * second or longer than 400 days is widened or narrowed about its middle.
 */
void
mimic_trend_chart_set_time_range (MimicTrendChart *self,
                                  gint64           from_us,
                                  gint64           to_us)
{
  gint64 span_us, middle_us;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (to_us < from_us)
    {
      gint64 swap = from_us;

      from_us = to_us;
      to_us = swap;
    }
  span_us = clamp_span (to_us - from_us);
  middle_us = from_us / 2 + to_us / 2;

  mimic_trend_chart_set_live (self, FALSE);
  self->from_us = middle_us - span_us / 2;
  self->to_us = self->from_us + span_us;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * mimic_trend_chart_zoom:
 * @factor: above 1 zooms in, below 1 out
 * @anchor_x: the widget x that keeps its time; ignored in live mode,
 *   which zooms about now and keeps following it
 */
void
mimic_trend_chart_zoom (MimicTrendChart *self,
                        double           factor,
                        double           anchor_x)
{
  graphene_rect_t area;
  gint64 from_us, to_us;
  double anchor_us, fraction;
  gint64 new_span;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (!isfinite (factor) || factor <= 0)
    return;

  if (self->live)
    {
      gint64 total = self->span_us + self->future_span_us;
      gint64 new_total = clamp_span ((gint64) (total / factor));
      double future_share = total > 0 ? (double) self->future_span_us / total : 0;

      mimic_trend_chart_set_future_span (self, (gint64) (new_total * future_share));
      mimic_trend_chart_set_span (self, new_total - self->future_span_us);
      return;
    }

  mimic_trend_chart_get_plot_area (self, &area);
  current_range (self, &from_us, &to_us);
  if (!isfinite (anchor_x))
    anchor_x = area.origin.x + area.size.width / 2;
  fraction = CLAMP ((anchor_x - area.origin.x) / area.size.width, 0, 1);
  anchor_us = from_us + fraction * (to_us - from_us);
  new_span = clamp_span ((gint64) ((to_us - from_us) / factor));

  self->from_us = (gint64) (anchor_us - fraction * new_span);
  self->to_us = self->from_us + new_span;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * mimic_trend_chart_pan:
 * @dx: pixels to move the picture right (earlier times come into view)
 *
 * Panning looks at the past, so it leaves live mode.
 */
void
mimic_trend_chart_pan (MimicTrendChart *self,
                       double           dx)
{
  graphene_rect_t area;
  gint64 from_us, to_us, shift_us;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (!isfinite (dx) || dx == 0)
    return;

  mimic_trend_chart_get_plot_area (self, &area);
  current_range (self, &from_us, &to_us);
  shift_us = (gint64) (-dx / area.size.width * (to_us - from_us));
  mimic_trend_chart_set_time_range (self, from_us + shift_us, to_us + shift_us);
}

/**
 * mimic_trend_chart_set_value_range:
 *
 * Fixes the value axis; mimic_trend_chart_set_auto_range() returns to
 * fitting the data and limits in view. An empty or non-finite range is
 * ignored.
 */
void
mimic_trend_chart_set_value_range (MimicTrendChart *self,
                                   double           min,
                                   double           max)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (!isfinite (min) || !isfinite (max) || !(max > min))
    return;

  self->auto_range = FALSE;
  self->fixed_min = min;
  self->fixed_max = max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mimic_trend_chart_set_auto_range (MimicTrendChart *self)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (self->auto_range)
    return;

  self->auto_range = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The value range of the last frame drawn. */
void
mimic_trend_chart_get_value_range (MimicTrendChart *self,
                                   double          *min,
                                   double          *max)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (min != NULL)
    *min = self->drawn_min;
  if (max != NULL)
    *max = self->drawn_max;
}

/**
 * mimic_trend_chart_set_cursor:
 * @x: widget x of the pointer; negative hides the cursor
 */
void
mimic_trend_chart_set_cursor (MimicTrendChart *self,
                              double           x)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (!isfinite (x) || x < 0)
    x = -1;
  if (x == self->cursor_x)
    return;

  self->cursor_x = x;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static const MimicHistoryBucket *
bucket_near (GArray *buckets,
             double  time_us,
             double  tolerance_us)
{
  const MimicHistoryBucket *best = NULL;
  double best_distance = INFINITY;

  for (guint i = 0; i < buckets->len; i++)
    {
      const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, i);
      double distance = fabs (bucket_time (bucket) - time_us);

      if (distance < best_distance)
        {
          best = bucket;
          best_distance = distance;
        }
    }

  return best_distance <= tolerance_us ? best : NULL;
}

/**
 * mimic_trend_chart_get_readout:
 *
 * What the cursor read-out says: the local time under the cursor, then
 * each series' value there (“—” where it has none) with its unit.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL with no cursor.
 */
char *
mimic_trend_chart_get_readout (MimicTrendChart *self)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *time_text = NULL;
  graphene_rect_t area;
  gint64 from_us, to_us;
  double cursor_us, column_us, value_step;
  int decimals;

  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), NULL);

  mimic_trend_chart_get_plot_area (self, &area);
  if (self->cursor_x < area.origin.x || self->cursor_x > area.origin.x + area.size.width)
    return NULL;

  current_range (self, &from_us, &to_us);
  fetch_all (self, from_us, to_us);
  cursor_us = from_us + (self->cursor_x - area.origin.x) / area.size.width * (to_us - from_us);
  column_us = (double) (to_us - from_us) / plot_columns (self);
  value_step = nice_step (self->drawn_max - self->drawn_min, area.size.height / VALUE_TICK_MIN_PX);
  decimals = decimals_for_step (value_step) + 1;

  time_text = format_local_time ((gint64) cursor_us,
                                 to_us - from_us > DAY_US ? "%d %b %H:%M:%S" : "%H:%M:%S");
  text = g_string_new (time_text);

  for (guint i = 0; i < self->slots->len; i++)
    {
      SeriesSlot *slot = g_ptr_array_index (self->slots, i);
      const char *unit = mimic_chart_series_get_unit (slot->series);
      const MimicHistoryBucket *bucket;

      if (mimic_chart_series_get_kind (slot->series) == MIMIC_CHART_SERIES_LIMIT)
        continue;

      g_string_append_printf (text, "\n%s: ", mimic_chart_series_get_label (slot->series));
      bucket = bucket_near (slot->buckets, cursor_us, 2 * column_us);
      if (bucket == NULL)
        g_string_append (text, "—");
      else if (mimic_chart_series_get_kind (slot->series) == MIMIC_CHART_SERIES_BAND)
        g_string_append_printf (text, "%.*f – %.*f", decimals, bucket->min, decimals, bucket->max);
      else
        g_string_append_printf (text, "%.*f", decimals, bucket->mean);
      if (bucket != NULL && unit != NULL && unit[0] != '\0')
        g_string_append_printf (text, " %s", unit);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
on_series_changed (MimicChartSeries *series,
                   MimicTrendChart  *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mimic_trend_chart_add_series (MimicTrendChart  *self,
                              MimicChartSeries *series)
{
  SeriesSlot *slot;

  g_return_if_fail (MIMIC_IS_TREND_CHART (self));
  g_return_if_fail (MIMIC_IS_CHART_SERIES (series));

  for (guint i = 0; i < self->slots->len; i++)
    if (((SeriesSlot *) g_ptr_array_index (self->slots, i))->series == series)
      return;

  slot = g_new0 (SeriesSlot, 1);
  slot->series = g_object_ref (series);
  slot->buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  slot->changed_id = g_signal_connect (series, "changed", G_CALLBACK (on_series_changed), self);
  g_ptr_array_add (self->slots, slot);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mimic_trend_chart_remove_series (MimicTrendChart  *self,
                                 MimicChartSeries *series)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  for (guint i = 0; i < self->slots->len; i++)
    if (((SeriesSlot *) g_ptr_array_index (self->slots, i))->series == series)
      {
        g_ptr_array_remove_index (self->slots, i);
        gtk_widget_queue_draw (GTK_WIDGET (self));
        return;
      }
}

void
mimic_trend_chart_clear_series (MimicTrendChart *self)
{
  g_return_if_fail (MIMIC_IS_TREND_CHART (self));

  if (self->slots->len == 0)
    return;

  g_ptr_array_set_size (self->slots, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
mimic_trend_chart_get_n_series (MimicTrendChart *self)
{
  g_return_val_if_fail (MIMIC_IS_TREND_CHART (self), 0);

  return self->slots->len;
}

static void
on_drag_begin (GtkGestureDrag  *gesture,
               double           start_x,
               double           start_y,
               MimicTrendChart *self)
{
  current_range (self, &self->drag_from_us, &self->drag_to_us);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag  *gesture,
                double           offset_x,
                double           offset_y,
                MimicTrendChart *self)
{
  graphene_rect_t area;
  gint64 shift_us;

  if (fabs (offset_x) < 3 && self->live)
    return;

  mimic_trend_chart_get_plot_area (self, &area);
  shift_us = (gint64) (-offset_x / area.size.width * (self->drag_to_us - self->drag_from_us));
  mimic_trend_chart_set_time_range (self, self->drag_from_us + shift_us, self->drag_to_us + shift_us);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           MimicTrendChart          *self)
{
  self->pointer_x = x;
  mimic_trend_chart_set_cursor (self, x);
}

static void
on_leave (GtkEventControllerMotion *controller,
          MimicTrendChart          *self)
{
  mimic_trend_chart_set_cursor (self, -1);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           MimicTrendChart          *self)
{
  mimic_trend_chart_zoom (self, pow (1.15, -dy), self->pointer_x);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                MimicTrendChart  *self)
{
  self->pinch_last_scale = 1.0;
}

static void
on_pinch_scale_changed (GtkGestureZoom  *gesture,
                        double           scale,
                        MimicTrendChart *self)
{
  double x, y;

  if (scale <= 0 || self->pinch_last_scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;

  mimic_trend_chart_zoom (self, scale / self->pinch_last_scale, x);
  self->pinch_last_scale = scale;
}

static void
chart_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (widget);
  graphene_rect_t area;

  mimic_trend_chart_get_plot_area (self, &area);

  if (g_str_equal (action_name, "chart.zoom-in"))
    mimic_trend_chart_zoom (self, ZOOM_STEP, area.origin.x + area.size.width / 2);
  else if (g_str_equal (action_name, "chart.zoom-out"))
    mimic_trend_chart_zoom (self, 1 / ZOOM_STEP, area.origin.x + area.size.width / 2);
  else if (g_str_equal (action_name, "chart.pan-left"))
    mimic_trend_chart_pan (self, area.size.width * PAN_STEP);
  else if (g_str_equal (action_name, "chart.pan-right"))
    mimic_trend_chart_pan (self, -area.size.width * PAN_STEP);
  else if (g_str_equal (action_name, "chart.follow-live"))
    mimic_trend_chart_set_live (self, TRUE);
}

static void
mimic_trend_chart_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (widget);
  int button_minimum, button_natural;

  gtk_widget_measure (self->live_button, orientation, -1,
                      &button_minimum, &button_natural, NULL, NULL);
  *minimum = MAX (button_minimum, orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 120);
  *natural = MAX (*minimum, orientation == GTK_ORIENTATION_HORIZONTAL ? 600 : 300);
}

static void
mimic_trend_chart_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (widget);
  int button_width, button_height;

  /* The way back to live sits in the top right corner of the plot. */
  gtk_widget_measure (self->live_button, GTK_ORIENTATION_HORIZONTAL, -1,
                      NULL, &button_width, NULL, NULL);
  gtk_widget_measure (self->live_button, GTK_ORIENTATION_VERTICAL, button_width,
                      NULL, &button_height, NULL, NULL);
  gtk_widget_size_allocate (self->live_button,
                            &(GtkAllocation) {
                              MAX (0, width - MARGIN_RIGHT - 6 - button_width),
                              MARGIN_TOP + 6,
                              button_width, button_height },
                            -1);
}

/* The palette comes from the style: a switch between a light and a dark
 * theme must redraw the chart, not only what GTK draws for it. */
static void
mimic_trend_chart_css_changed (GtkWidget         *widget,
                               GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (mimic_trend_chart_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
mimic_trend_chart_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (object);

  switch (prop_id)
    {
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;

    case PROP_SPAN:
      g_value_set_int64 (value, self->span_us);
      break;

    case PROP_FUTURE_SPAN:
      g_value_set_int64 (value, self->future_span_us);
      break;

    case PROP_NOW:
      g_value_set_int64 (value, self->fixed_now_us);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_trend_chart_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (object);

  switch (prop_id)
    {
    case PROP_LIVE:
      mimic_trend_chart_set_live (self, g_value_get_boolean (value));
      break;

    case PROP_SPAN:
      mimic_trend_chart_set_span (self, g_value_get_int64 (value));
      break;

    case PROP_FUTURE_SPAN:
      mimic_trend_chart_set_future_span (self, g_value_get_int64 (value));
      break;

    case PROP_NOW:
      mimic_trend_chart_set_now (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_trend_chart_dispose (GObject *object)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (object);

  g_clear_pointer (&self->live_button, gtk_widget_unparent);
  if (self->slots != NULL)
    g_ptr_array_set_size (self->slots, 0);

  G_OBJECT_CLASS (mimic_trend_chart_parent_class)->dispose (object);
}

static void
mimic_trend_chart_finalize (GObject *object)
{
  MimicTrendChart *self = MIMIC_TREND_CHART (object);

  g_clear_pointer (&self->slots, g_ptr_array_unref);

  G_OBJECT_CLASS (mimic_trend_chart_parent_class)->finalize (object);
}

static void
mimic_trend_chart_class_init (MimicTrendChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimic_trend_chart_dispose;
  object_class->finalize = mimic_trend_chart_finalize;
  object_class->get_property = mimic_trend_chart_get_property;
  object_class->set_property = mimic_trend_chart_set_property;

  widget_class->snapshot = mimic_trend_chart_snapshot;
  widget_class->measure = mimic_trend_chart_measure;
  widget_class->size_allocate = mimic_trend_chart_size_allocate;
  widget_class->css_changed = mimic_trend_chart_css_changed;

  properties[PROP_LIVE] =
    g_param_spec_boolean ("live", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPAN] =
    g_param_spec_int64 ("span", NULL, NULL, MIN_SPAN_US, MAX_SPAN_US, DEFAULT_SPAN_US,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FUTURE_SPAN] =
    g_param_spec_int64 ("future-span", NULL, NULL, 0, MAX_SPAN_US, DEFAULT_FUTURE_SPAN_US,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NOW] =
    g_param_spec_int64 ("now", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "chart.zoom-in", NULL, chart_action);
  gtk_widget_class_install_action (widget_class, "chart.zoom-out", NULL, chart_action);
  gtk_widget_class_install_action (widget_class, "chart.pan-left", NULL, chart_action);
  gtk_widget_class_install_action (widget_class, "chart.pan-right", NULL, chart_action);
  gtk_widget_class_install_action (widget_class, "chart.follow-live", NULL, chart_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.pan-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.pan-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.follow-live", NULL);

  gtk_widget_class_set_css_name (widget_class, "trendchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mimic_trend_chart_init (MimicTrendChart *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->slots = g_ptr_array_new_with_free_func (slot_free);
  self->live = TRUE;
  self->span_us = DEFAULT_SPAN_US;
  self->future_span_us = DEFAULT_FUTURE_SPAN_US;
  self->auto_range = TRUE;
  self->drawn_min = 0;
  self->drawn_max = 1;
  self->cursor_x = -1;

  self->live_button = gtk_button_new_with_label (_("Live"));
  gtk_widget_set_tooltip_text (self->live_button, _("Follow the present again (End)"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->live_button), "chart.follow-live");
  gtk_widget_set_parent (self->live_button, GTK_WIDGET (self));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));

  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  update_live_machinery (self);
}

GtkWidget *
mimic_trend_chart_new (void)
{
  return g_object_new (MIMIC_TYPE_TREND_CHART, NULL);
}
