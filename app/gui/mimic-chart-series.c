/* mimic-chart-series.c
 *
 * One line of a trend chart and where its data comes from: either a query
 * that answers with at most N buckets for a time range (a sensor's
 * MimicHistory, which decimates itself from its rollups), or an array
 * handed over whole (a what-if prediction, a test), which is decimated
 * here per pixel column with min and max kept, so a spike one sample wide
 * survives any zoom level.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-chart-series"

#include "config.h"

#include <math.h>

#include "mimic-chart-series.h"

struct _MimicChartSeries
{
  GObject                    parent_instance;

  MimicChartSeriesKind       kind;
  char                      *label;
  char                      *unit;
  GdkRGBA                    color;
  double                     limit_value;

  GArray                    *buckets;        /* MimicHistoryBucket, by time */
  MimicChartSeriesQueryFunc  query_func;
  gpointer                   query_data;
  GDestroyNotify             query_destroy;

  guint64                    generation;
};

G_DEFINE_FINAL_TYPE (MimicChartSeries, mimic_chart_series, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (MimicChartSeriesKind, mimic_chart_series_kind,
  G_DEFINE_ENUM_VALUE (MIMIC_CHART_SERIES_ACTUAL, "actual"),
  G_DEFINE_ENUM_VALUE (MIMIC_CHART_SERIES_EXPECTED, "expected"),
  G_DEFINE_ENUM_VALUE (MIMIC_CHART_SERIES_BAND, "band"),
  G_DEFINE_ENUM_VALUE (MIMIC_CHART_SERIES_PREDICTION, "prediction"),
  G_DEFINE_ENUM_VALUE (MIMIC_CHART_SERIES_LIMIT, "limit"))

enum {
  PROP_0,
  PROP_KIND,
  PROP_LABEL,
  PROP_UNIT,
  PROP_COLOR,
  PROP_LIMIT_VALUE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (MimicChartSeries *self)
{
  self->generation++;
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
clear_query_func (MimicChartSeries *self)
{
  if (self->query_destroy != NULL)
    self->query_destroy (self->query_data);
  self->query_func = NULL;
  self->query_data = NULL;
  self->query_destroy = NULL;
}

static void
mimic_chart_series_finalize (GObject *object)
{
  MimicChartSeries *self = MIMIC_CHART_SERIES (object);

  clear_query_func (self);
  g_clear_pointer (&self->buckets, g_array_unref);
  g_free (self->label);
  g_free (self->unit);

  G_OBJECT_CLASS (mimic_chart_series_parent_class)->finalize (object);
}

static void
mimic_chart_series_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  MimicChartSeries *self = MIMIC_CHART_SERIES (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;

    case PROP_UNIT:
      g_value_set_string (value, self->unit);
      break;

    case PROP_COLOR:
      g_value_set_boxed (value, &self->color);
      break;

    case PROP_LIMIT_VALUE:
      g_value_set_double (value, self->limit_value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_chart_series_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MimicChartSeries *self = MIMIC_CHART_SERIES (object);

  switch (prop_id)
    {
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;

    case PROP_LABEL:
      g_free (self->label);
      self->label = g_value_dup_string (value);
      break;

    case PROP_UNIT:
      g_free (self->unit);
      self->unit = g_value_dup_string (value);
      break;

    case PROP_COLOR:
      mimic_chart_series_set_color (self, g_value_get_boxed (value));
      break;

    case PROP_LIMIT_VALUE:
      mimic_chart_series_set_limit_value (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_chart_series_class_init (MimicChartSeriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_chart_series_finalize;
  object_class->get_property = mimic_chart_series_get_property;
  object_class->set_property = mimic_chart_series_set_property;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       MIMIC_TYPE_CHART_SERIES_KIND, MIMIC_CHART_SERIES_ACTUAL,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNIT] =
    g_param_spec_string ("unit", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_boxed ("color", NULL, NULL, GDK_TYPE_RGBA,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIMIT_VALUE] =
    g_param_spec_double ("limit-value", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicChartSeries::changed:
   *
   * Emitted when what the series draws changed: its data, its colour or
   * its limit. Charts redraw on it, once per frame at most.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
mimic_chart_series_init (MimicChartSeries *self)
{
  self->buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  self->color = (GdkRGBA) { 0.2, 0.2, 0.2, 1 };
}

MimicChartSeries *
mimic_chart_series_new (MimicChartSeriesKind  kind,
                        const char           *label,
                        const char           *unit,
                        const GdkRGBA        *color)
{
  g_return_val_if_fail (label != NULL, NULL);

  return g_object_new (MIMIC_TYPE_CHART_SERIES,
                       "kind", kind,
                       "label", label,
                       "unit", unit,
                       "color", color,
                       NULL);
}

/**
 * mimic_chart_series_new_limit:
 * @label: what the limit is called on the chart, such as “HI” or “LOLO”
 *
 * A limit is a horizontal line at @value across the whole time axis.
 */
MimicChartSeries *
mimic_chart_series_new_limit (const char    *label,
                              double         value,
                              const char    *unit,
                              const GdkRGBA *color)
{
  g_return_val_if_fail (label != NULL, NULL);

  return g_object_new (MIMIC_TYPE_CHART_SERIES,
                       "kind", MIMIC_CHART_SERIES_LIMIT,
                       "label", label,
                       "unit", unit,
                       "color", color,
                       "limit-value", isfinite (value) ? value : 0.0,
                       NULL);
}

MimicChartSeriesKind
mimic_chart_series_get_kind (MimicChartSeries *self)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), MIMIC_CHART_SERIES_ACTUAL);

  return self->kind;
}

const char *
mimic_chart_series_get_label (MimicChartSeries *self)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), NULL);

  return self->label;
}

const char *
mimic_chart_series_get_unit (MimicChartSeries *self)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), NULL);

  return self->unit;
}

void
mimic_chart_series_get_color (MimicChartSeries *self,
                              GdkRGBA          *color)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));
  g_return_if_fail (color != NULL);

  *color = self->color;
}

void
mimic_chart_series_set_color (MimicChartSeries *self,
                              const GdkRGBA    *color)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));

  if (color == NULL || gdk_rgba_equal (color, &self->color))
    return;

  self->color = *color;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
  emit_changed (self);
}

double
mimic_chart_series_get_limit_value (MimicChartSeries *self)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), 0);

  return self->limit_value;
}

void
mimic_chart_series_set_limit_value (MimicChartSeries *self,
                                    double            value)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));

  if (!isfinite (value) || value == self->limit_value)
    return;

  self->limit_value = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT_VALUE]);
  emit_changed (self);
}

static double
bucket_time (const MimicHistoryBucket *bucket)
{
  return bucket->start_us + bucket->duration_us / 2.0;
}

static int
compare_bucket_time (gconstpointer a,
                     gconstpointer b)
{
  double ta = bucket_time (a);
  double tb = bucket_time (b);

  return (ta > tb) - (ta < tb);
}

/**
 * mimic_chart_series_set_buckets:
 * @buckets: (array length=n_buckets): points or buckets, any order
 *
 * Replaces the series' data with a copy of @buckets and drops any query.
 * A raw sample is a bucket with duration 0 and min == max == mean.
 * Buckets with a non-finite mean are left out; a non-finite min or max is
 * taken as the mean.
 *
 * Returns: how many buckets were left out.
 */
guint
mimic_chart_series_set_buckets (MimicChartSeries         *self,
                                const MimicHistoryBucket *buckets,
                                guint                     n_buckets)
{
  gboolean sorted = TRUE;
  guint rejected = 0;

  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), 0);
  g_return_val_if_fail (buckets != NULL || n_buckets == 0, 0);

  clear_query_func (self);
  g_array_unref (self->buckets);
  self->buckets = g_array_sized_new (FALSE, FALSE, sizeof (MimicHistoryBucket), n_buckets);

  for (guint i = 0; i < n_buckets; i++)
    {
      MimicHistoryBucket bucket = buckets[i];

      if (!isfinite (bucket.mean) || bucket.duration_us < 0)
        {
          rejected++;
          continue;
        }
      if (!isfinite (bucket.min))
        bucket.min = bucket.mean;
      if (!isfinite (bucket.max))
        bucket.max = bucket.mean;
      if (bucket.min > bucket.max)
        {
          double swap = bucket.min;

          bucket.min = bucket.max;
          bucket.max = swap;
        }
      if (self->buckets->len > 0 &&
          compare_bucket_time (&g_array_index (self->buckets, MimicHistoryBucket,
                                               self->buckets->len - 1), &bucket) > 0)
        sorted = FALSE;
      g_array_append_val (self->buckets, bucket);
    }

  if (!sorted)
    g_array_sort (self->buckets, compare_bucket_time);

  emit_changed (self);
  return rejected;
}

/**
 * mimic_chart_series_set_query_func:
 *
 * Lets the series fetch its data on demand, already decimated, for the
 * range a chart shows. Call mimic_chart_series_invalidate() when the
 * source has new data.
 */
void
mimic_chart_series_set_query_func (MimicChartSeries          *self,
                                   MimicChartSeriesQueryFunc  func,
                                   gpointer                   user_data,
                                   GDestroyNotify             destroy)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));

  clear_query_func (self);
  g_array_set_size (self->buckets, 0);
  self->query_func = func;
  self->query_data = user_data;
  self->query_destroy = destroy;
  emit_changed (self);
}

static guint
query_history (gint64    from_us,
               gint64    to_us,
               guint     max_points,
               GArray   *out,
               gpointer  user_data)
{
  return mimic_history_query (user_data, from_us, to_us, max_points, out);
}

/**
 * mimic_chart_series_set_history:
 * @history: (nullable): a sensor's history, kept alive by the series
 */
void
mimic_chart_series_set_history (MimicChartSeries *self,
                                MimicHistory     *history)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));

  if (history == NULL)
    mimic_chart_series_set_query_func (self, NULL, NULL, NULL);
  else
    mimic_chart_series_set_query_func (self, query_history, mimic_history_ref (history),
                                       (GDestroyNotify) mimic_history_unref);
}

/* The source behind a query has new data: charts fetch again. */
void
mimic_chart_series_invalidate (MimicChartSeries *self)
{
  g_return_if_fail (MIMIC_IS_CHART_SERIES (self));

  emit_changed (self);
}

/* Changes with every change of what the series would draw; charts compare
 * it to know whether data they fetched is still current. */
guint64
mimic_chart_series_get_generation (MimicChartSeries *self)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), 0);

  return self->generation;
}

static guint first_at_or_after (const MimicHistoryBucket *points,
                                guint                     n_points,
                                double                    time_us);

static guint
query_buckets (MimicChartSeries *self,
               gint64            from_us,
               gint64            to_us,
               guint             max_points,
               GArray           *out)
{
  const MimicHistoryBucket *points = (const MimicHistoryBucket *) (gpointer) self->buckets->data;
  guint n_points = self->buckets->len;
  guint first, end, appended;

  if (n_points == 0)
    return 0;

  first = first_at_or_after (points, n_points, (double) from_us);
  end = first_at_or_after (points, n_points, nextafter ((double) to_us, INFINITY));

  appended = 0;
  if (first > 0)
    {
      g_array_append_val (out, points[first - 1]);
      appended++;
    }
  appended += mimic_chart_decimate (points, n_points, from_us, to_us, max_points, out);
  if (end < n_points)
    {
      g_array_append_val (out, points[end]);
      appended++;
    }
  return appended;
}

/**
 * mimic_chart_series_query:
 * @out: (element-type MimicHistoryBucket): where the buckets are appended
 *
 * For buckets handed over whole (mimic_chart_series_set_buckets()), the
 * nearest bucket before @from_us and the nearest after @to_us come too,
 * when there are such: sparse data such as a prediction with a point an
 * hour is then drawn as a line running on to the edges of a short range,
 * instead of stopping short of them or not showing at all when no more
 * than one of its points falls inside.
 *
 * Returns: the number of buckets appended, at most @max_points (two more
 *   with those neighbours).
 */
guint
mimic_chart_series_query (MimicChartSeries *self,
                          gint64            from_us,
                          gint64            to_us,
                          guint             max_points,
                          GArray           *out)
{
  g_return_val_if_fail (MIMIC_IS_CHART_SERIES (self), 0);
  g_return_val_if_fail (out != NULL, 0);

  if (to_us <= from_us || max_points == 0)
    return 0;

  if (self->query_func != NULL)
    {
      guint before = out->len;
      guint kept = before;

      self->query_func (from_us, to_us, max_points, out, self->query_data);

      /* Whatever the source, nothing non-finite reaches the drawing. */
      for (guint i = before; i < out->len; i++)
        {
          MimicHistoryBucket *bucket = &g_array_index (out, MimicHistoryBucket, i);

          if (!isfinite (bucket->mean) || !isfinite (bucket->min) || !isfinite (bucket->max))
            continue;
          g_array_index (out, MimicHistoryBucket, kept++) = *bucket;
        }
      g_array_set_size (out, MIN (kept, before + max_points));
      return out->len - before;
    }

  return query_buckets (self, from_us, to_us, max_points, out);
}

static guint
first_at_or_after (const MimicHistoryBucket *points,
                   guint                     n_points,
                   double                    time_us)
{
  guint low = 0, high = n_points;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (bucket_time (&points[mid]) < time_us)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

/**
 * mimic_chart_decimate:
 * @points: (array length=n_points): buckets sorted by time
 * @out: (element-type MimicHistoryBucket): where the result is appended
 *
 * Reduces the points within [@from_us, @to_us] to at most @max_points
 * buckets, one per equal slice of the range (a pixel column, when
 * @max_points is the width), keeping each slice's minimum and maximum and
 * its count-weighted mean. When the range holds no more than @max_points
 * points they are copied as they are.
 *
 * Returns: the number of buckets appended.
 */
guint
mimic_chart_decimate (const MimicHistoryBucket *points,
                      guint                     n_points,
                      gint64                    from_us,
                      gint64                    to_us,
                      guint                     max_points,
                      GArray                   *out)
{
  guint first, last, before;
  double slice_us;
  MimicHistoryBucket current = { 0 };
  gint64 current_slice = -1;
  double weighted_sum = 0;

  g_return_val_if_fail (points != NULL || n_points == 0, 0);
  g_return_val_if_fail (out != NULL, 0);

  if (to_us <= from_us || max_points == 0 || n_points == 0)
    return 0;

  first = first_at_or_after (points, n_points, (double) from_us);
  last = first_at_or_after (points, n_points, nextafter ((double) to_us, INFINITY));
  before = out->len;

  if (last - first <= max_points)
    {
      g_array_append_vals (out, points + first, last - first);
      return last - first;
    }

  slice_us = (double) (to_us - from_us) / max_points;

  for (guint i = first; i < last; i++)
    {
      const MimicHistoryBucket *point = &points[i];
      gint64 slice = (gint64) ((bucket_time (point) - from_us) / slice_us);
      guint weight = MAX (point->count, 1);

      slice = CLAMP (slice, 0, (gint64) max_points - 1);
      if (slice != current_slice)
        {
          if (current_slice >= 0)
            {
              current.mean = weighted_sum / current.count;
              g_array_append_val (out, current);
            }
          current_slice = slice;
          current.start_us = from_us + (gint64) (slice * slice_us);
          current.duration_us = (gint64) slice_us;
          current.min = point->min;
          current.max = point->max;
          current.count = 0;
          weighted_sum = 0;
        }

      current.min = MIN (current.min, point->min);
      current.max = MAX (current.max, point->max);
      current.count += weight;
      weighted_sum += point->mean * weight;
    }

  current.mean = weighted_sum / current.count;
  g_array_append_val (out, current);

  return out->len - before;
}
