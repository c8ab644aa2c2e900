/* mimic-device-page.h — one device: 3D model, schematic, trends, side panels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-chart-series.h"
#include "mimic-console.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_DEVICE_PAGE (mimic_device_page_get_type ())

G_DECLARE_FINAL_TYPE (MimicDevicePage, mimic_device_page, MIMIC, DEVICE_PAGE, GtkWidget)

GtkWidget   *mimic_device_page_new                 (void);
void         mimic_device_page_set_console         (MimicDevicePage *self,
                                                    MimicConsole    *console);
/* Shows @device_id (NULL: nothing); its asset comes from its birth. */
void         mimic_device_page_set_device_id       (MimicDevicePage *self,
                                                    const char      *device_id);
const char  *mimic_device_page_get_device_id       (MimicDevicePage *self);
/* The sensor the chart shows; selecting a part in the 3D view or an
 * element in the schematic selects its sensor here. */
const char  *mimic_device_page_get_selected_sensor (MimicDevicePage *self);
void         mimic_device_page_set_selected_sensor (MimicDevicePage *self,
                                                    const char      *sensor_id);
void         mimic_device_page_set_view_only       (MimicDevicePage *self,
                                                    gboolean         view_only);
/* "scene", "schematic" or "trends". */
void         mimic_device_page_show_view           (MimicDevicePage *self,
                                                    const char      *name);
/* Scene and schematic side by side with the trends below (wide screens),
 * or one at a time through the view switcher. */
void         mimic_device_page_set_wide            (MimicDevicePage *self,
                                                    gboolean         wide);
gboolean     mimic_device_page_get_wide            (MimicDevicePage *self);
/* Times the page pushed values into its views (once per frame at most). */
guint64      mimic_device_page_get_n_updates       (MimicDevicePage *self);
/* Whether the views show at least one live reading of the device. */
gboolean     mimic_device_page_get_showing_values  (MimicDevicePage *self);
/* The what-if prediction of the chart's sensor on the chart: the newest
 * (@pinned FALSE) or the pinned scenario's; NULL when there is none. */
MimicChartSeries *mimic_device_page_get_prediction_series (MimicDevicePage *self,
                                                           gboolean         pinned);
/* Whether the 3D model shows the predicted state at the horizon instead of
 * the live one; off by default. */
gboolean     mimic_device_page_get_show_predicted  (MimicDevicePage *self);
void         mimic_device_page_set_show_predicted  (MimicDevicePage *self,
                                                    gboolean         show_predicted);
/* The trend chart's time span in live mode: "10min", "1h", "8h", "24h",
 * "7d" or "30d" before now and as much after it (the "trend-span"
 * property, kept in the setting of that name). An unknown id is refused
 * with FALSE. */
const char  *mimic_device_page_get_trend_span      (MimicDevicePage *self);
gboolean     mimic_device_page_set_trend_span      (MimicDevicePage *self,
                                                    const char      *span_id);

G_END_DECLS
