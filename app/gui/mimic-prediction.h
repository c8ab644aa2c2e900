/* mimic-prediction.h — what-if requests for one device, and their results
 * put into words; shared by the what-if and the commands panels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-asset.h"
#include "mimic-state-colors.h"
#include "mimic-twin-device.h"
#include "mimic-whatif.h"

G_BEGIN_DECLS

/* A request for @model (its parameters as they are now, e.g. calibrated)
 * starting from @device's good readings (@device may be NULL: the model's
 * defaults), with every enabled alarm limit of @asset the model predicts. */
MimicWhatifRequest *mimic_prediction_request_new       (MimicAsset                *asset,
                                                        MimicTwinDevice           *device,
                                                        MimicModel                *model,
                                                        double                     horizon_s,
                                                        GError                   **error);

/* Sets @id as a model input override or, when the model has no such
 * input, as a model parameter. */
gboolean            mimic_prediction_request_apply     (MimicWhatifRequest        *request,
                                                        const char                *id,
                                                        double                     value,
                                                        GError                   **error);

/* The value a what-if parameter has on the device now: the reported
 * parameter, else the sensor of the same id, else the sensor that drives
 * the model input live, else the description's default. */
double              mimic_prediction_get_live_value    (MimicAsset                *asset,
                                                        MimicTwinDevice           *device,
                                                        MimicModel                *model,
                                                        const MimicAssetParameter *parameter,
                                                        gboolean                  *is_live);

/* The value of @sensor_id @seconds into the prediction, linearly
 * interpolated; NAN when the model does not predict it. */
double              mimic_prediction_value_at          (MimicWhatifResult         *result,
                                                        const char                *sensor_id,
                                                        double                     seconds);

/* The display state @sensor_id would have @seconds into the prediction,
 * from its alarm limits and normal band in @asset: what the 3D model and
 * the schematic show for a predicted state. STALE when not predicted. */
MimicDisplayState   mimic_prediction_get_sensor_state  (MimicWhatifResult         *result,
                                                        MimicAsset                *asset,
                                                        const char                *sensor_id,
                                                        double                     seconds);

/* "3 d 4 h", "5 h 20 min", "45 min", "< 1 min". */
char               *mimic_prediction_format_duration   (double                     seconds);
/* "now", "in 3 d 4 h", "not within 30 d". */
char               *mimic_prediction_format_time_to    (double                     seconds,
                                                        double                     horizon_s);
/* "1 480 rpm", "0.35 EUR/kWh": as many decimals as the size calls for. */
char               *mimic_prediction_format_value      (double                     value,
                                                        const char                *unit);
/* "Vibration above 4.5 mm/s". */
char               *mimic_prediction_describe_limit    (MimicAsset                *asset,
                                                        const MimicModelLimit     *limit);
/* One line per limit, then remaining useful life and the key figures. */
char               *mimic_prediction_format_summary    (MimicWhatifResult         *result,
                                                        MimicAsset                *asset);

G_END_DECLS
