/* mimic-chart-series.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-history.h"

G_BEGIN_DECLS

/* What a series stands for, which decides how the trend chart draws it. */
typedef enum
{
  MIMIC_CHART_SERIES_ACTUAL,       /* measured: solid line, min/max envelope when decimated */
  MIMIC_CHART_SERIES_EXPECTED,     /* the model's value: thin line, its band (min..max) shaded */
  MIMIC_CHART_SERIES_BAND,         /* a shaded min..max band only */
  MIMIC_CHART_SERIES_PREDICTION,   /* what-if future: dashed line, band shaded */
  MIMIC_CHART_SERIES_LIMIT,        /* an alarm limit: horizontal line with its label */
} MimicChartSeriesKind;

#define MIMIC_TYPE_CHART_SERIES_KIND (mimic_chart_series_kind_get_type ())
GType mimic_chart_series_kind_get_type (void) G_GNUC_CONST;

/* Answers "the data in [from_us, to_us] as at most max_points buckets",
 * appending MimicHistoryBucket to out, as mimic_history_query() does.
 * Returns the number of buckets appended. */
typedef guint (*MimicChartSeriesQueryFunc) (gint64    from_us,
                                            gint64    to_us,
                                            guint     max_points,
                                            GArray   *out,
                                            gpointer  user_data);

#define MIMIC_TYPE_CHART_SERIES (mimic_chart_series_get_type ())

G_DECLARE_FINAL_TYPE (MimicChartSeries, mimic_chart_series, MIMIC, CHART_SERIES, GObject)

MimicChartSeries     *mimic_chart_series_new            (MimicChartSeriesKind      kind,
                                                         const char               *label,
                                                         const char               *unit,
                                                         const GdkRGBA            *color);
MimicChartSeries     *mimic_chart_series_new_limit      (const char               *label,
                                                         double                    value,
                                                         const char               *unit,
                                                         const GdkRGBA            *color);

MimicChartSeriesKind  mimic_chart_series_get_kind       (MimicChartSeries         *self);
const char           *mimic_chart_series_get_label      (MimicChartSeries         *self);
const char           *mimic_chart_series_get_unit       (MimicChartSeries         *self);
void                  mimic_chart_series_get_color      (MimicChartSeries         *self,
                                                         GdkRGBA                  *color);
void                  mimic_chart_series_set_color      (MimicChartSeries         *self,
                                                         const GdkRGBA            *color);
double                mimic_chart_series_get_limit_value (MimicChartSeries        *self);
void                  mimic_chart_series_set_limit_value (MimicChartSeries        *self,
                                                         double                    value);

guint                 mimic_chart_series_set_buckets    (MimicChartSeries         *self,
                                                         const MimicHistoryBucket *buckets,
                                                         guint                     n_buckets);
void                  mimic_chart_series_set_query_func (MimicChartSeries         *self,
                                                         MimicChartSeriesQueryFunc func,
                                                         gpointer                  user_data,
                                                         GDestroyNotify            destroy);
void                  mimic_chart_series_set_history    (MimicChartSeries         *self,
                                                         MimicHistory             *history);
void                  mimic_chart_series_invalidate     (MimicChartSeries         *self);
guint64               mimic_chart_series_get_generation (MimicChartSeries         *self);

guint                 mimic_chart_series_query          (MimicChartSeries         *self,
                                                         gint64                    from_us,
                                                         gint64                    to_us,
                                                         guint                     max_points,
                                                         GArray                   *out);

guint                 mimic_chart_decimate              (const MimicHistoryBucket *points,
                                                         guint                     n_points,
                                                         gint64                    from_us,
                                                         gint64                    to_us,
                                                         guint                     max_points,
                                                         GArray                   *out);

G_END_DECLS
