/* mimic-whatif-panel.h — sliders for a device's what-if parameters, the
 * prediction they give, and two scenarios side by side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-asset.h"
#include "mimic-model.h"
#include "mimic-twin-device.h"
#include "mimic-whatif.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_WHATIF_PANEL (mimic_whatif_panel_get_type ())

G_DECLARE_FINAL_TYPE (MimicWhatifPanel, mimic_whatif_panel, MIMIC, WHATIF_PANEL, GtkBox)

/* Horizons offered, in seconds; the first prediction looks 30 days ahead. */
#define MIMIC_WHATIF_PANEL_DEFAULT_HORIZON (30 * 86400.0)
/* Sliders never get shorter than this (pixels), however narrow the panel. */
#define MIMIC_WHATIF_PANEL_MIN_SLIDER_WIDTH 120

GtkWidget         *mimic_whatif_panel_new                (void);

/* Builds one slider per what-if parameter of @asset, set to @device's live
 * values, and predicts with @model (whose parameters, calibrated or not,
 * are used as they are at each run). NULL @asset or @model clears it; the
 * same three again change nothing. */
void               mimic_whatif_panel_set_device         (MimicWhatifPanel *self,
                                                          MimicAsset       *asset,
                                                          MimicTwinDevice  *device,
                                                          MimicModel       *model);
MimicAsset        *mimic_whatif_panel_get_asset          (MimicWhatifPanel *self);

/* The slider of @parameter_id; FALSE with @error when there is none or
 * @value is not finite. Values outside the slider's range are clamped. */
gboolean           mimic_whatif_panel_set_value          (MimicWhatifPanel *self,
                                                          const char       *parameter_id,
                                                          double            value,
                                                          GError          **error);
double             mimic_whatif_panel_get_value          (MimicWhatifPanel *self,
                                                          const char       *parameter_id);
/* The slider widget of @parameter_id, for keyboard and tests. */
GtkWidget         *mimic_whatif_panel_get_scale          (MimicWhatifPanel *self,
                                                          const char       *parameter_id);
/* Every slider back to the device's current value. */
void               mimic_whatif_panel_reset_to_live      (MimicWhatifPanel *self);
/* Whether some slider differs from the live value. */
gboolean           mimic_whatif_panel_get_modified       (MimicWhatifPanel *self);

double             mimic_whatif_panel_get_horizon        (MimicWhatifPanel *self);
/* One of 1 h, 1 d, 7 d, 30 d, 90 d; other values pick the nearest. */
void               mimic_whatif_panel_set_horizon        (MimicWhatifPanel *self,
                                                          double            seconds);

/* Runs the prediction again, e.g. after new readings. */
void               mimic_whatif_panel_refresh            (MimicWhatifPanel *self);

/* The newest prediction (scenario B while one is pinned), or NULL. */
MimicWhatifResult *mimic_whatif_panel_get_result         (MimicWhatifPanel *self);
/* Scenario A: the prediction pinned for comparison, or NULL. */
MimicWhatifResult *mimic_whatif_panel_get_pinned_result  (MimicWhatifPanel *self);
void               mimic_whatif_panel_pin_scenario       (MimicWhatifPanel *self);
void               mimic_whatif_panel_unpin_scenario     (MimicWhatifPanel *self);

/* The summaries as shown, for tests and screen readers. */
const char        *mimic_whatif_panel_get_summary        (MimicWhatifPanel *self);
const char        *mimic_whatif_panel_get_pinned_summary (MimicWhatifPanel *self);

G_END_DECLS
