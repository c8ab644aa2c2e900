/* mimic-trend-chart.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-chart-series.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_TREND_CHART (mimic_trend_chart_get_type ())

G_DECLARE_FINAL_TYPE (MimicTrendChart, mimic_trend_chart, MIMIC, TREND_CHART, GtkWidget)

GtkWidget  *mimic_trend_chart_new               (void);

void        mimic_trend_chart_add_series        (MimicTrendChart  *self,
                                                 MimicChartSeries *series);
void        mimic_trend_chart_remove_series     (MimicTrendChart  *self,
                                                 MimicChartSeries *series);
void        mimic_trend_chart_clear_series      (MimicTrendChart  *self);
guint       mimic_trend_chart_get_n_series      (MimicTrendChart  *self);

gboolean    mimic_trend_chart_get_live          (MimicTrendChart  *self);
void        mimic_trend_chart_set_live          (MimicTrendChart  *self,
                                                 gboolean          live);
gint64      mimic_trend_chart_get_span          (MimicTrendChart  *self);
void        mimic_trend_chart_set_span          (MimicTrendChart  *self,
                                                 gint64            span_us);
gint64      mimic_trend_chart_get_future_span   (MimicTrendChart  *self);
void        mimic_trend_chart_set_future_span   (MimicTrendChart  *self,
                                                 gint64            future_span_us);
gint64      mimic_trend_chart_get_now           (MimicTrendChart  *self);
void        mimic_trend_chart_set_now           (MimicTrendChart  *self,
                                                 gint64            now_us);

void        mimic_trend_chart_get_time_range    (MimicTrendChart  *self,
                                                 gint64           *from_us,
                                                 gint64           *to_us);
void        mimic_trend_chart_set_time_range    (MimicTrendChart  *self,
                                                 gint64            from_us,
                                                 gint64            to_us);
void        mimic_trend_chart_zoom              (MimicTrendChart  *self,
                                                 double            factor,
                                                 double            anchor_x);
void        mimic_trend_chart_pan               (MimicTrendChart  *self,
                                                 double            dx);

void        mimic_trend_chart_set_value_range   (MimicTrendChart  *self,
                                                 double            min,
                                                 double            max);
void        mimic_trend_chart_set_auto_range    (MimicTrendChart  *self);
void        mimic_trend_chart_get_value_range   (MimicTrendChart  *self,
                                                 double           *min,
                                                 double           *max);
void        mimic_trend_chart_get_plot_area     (MimicTrendChart  *self,
                                                 graphene_rect_t  *area);

void        mimic_trend_chart_set_cursor        (MimicTrendChart  *self,
                                                 double            x);
char       *mimic_trend_chart_get_readout       (MimicTrendChart  *self);

G_END_DECLS
