/* mimic-twin-runtime.h — a calibrated model beside every device
 *
 * The runtime ties the live twin to the physics: for every device whose
 * birth names a known asset type it runs that asset's model (a MimicModel
 * and a MimicModelRunner), fits the unit's individual parameters to its
 * own first readings, and only then lets the anomaly detector learn what
 * normal looks like. Expected values and residuals are there for the
 * charts; residuals go to the detector, whose verdicts become "deviates
 * from model" alarms in the alarm manager. Time is the samples' own, so
 * a replay or an accelerated simulation behaves like live data.
 *
 *   g_autoptr(MimicTwinRuntime) runtime = mimic_twin_runtime_new (store, registry);
 *
 *   mimic_twin_runtime_set_alarm_manager (runtime, manager);
 *   mimic_twin_runtime_set_anomaly_detector (runtime, detector);
 *   g_signal_connect (runtime, "calibrated", G_CALLBACK (on_calibrated), self);
 *   …
 *   MimicTwinExpectation e;
 *
 *   if (mimic_twin_runtime_get_expectation (runtime, "pump-001", "winding_temp", &e))
 *     draw_expected_band (chart, e.timestamp_us, e.expected, e.residual);
 *
 * With a store, the runtime reads each applied batch from the twin, and
 * the alarm manager is connected to the same store for the fixed limits.
 * Without one (a benchmark, a script), hand it batches with push_batch;
 * it then feeds the alarm manager itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-alarm-manager.h"
#include "mimic-anomaly-detector.h"
#include "mimic-asset-registry.h"
#include "mimic-calibration.h"
#include "mimic-model.h"
#include "mimic-twin-store.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

#define MIMIC_TWIN_RUNTIME_ERROR (mimic_twin_runtime_error_quark ())

typedef enum
{
  MIMIC_TWIN_RUNTIME_ERROR_UNKNOWN_DEVICE,   /* no model runs for this device */
  MIMIC_TWIN_RUNTIME_ERROR_BUSY,             /* a calibration of it is running */
} MimicTwinRuntimeError;

GQuark mimic_twin_runtime_error_quark (void);

/* Sample time gathered before the first calibration: long enough for the
 * housing of a motor (time constant over an hour) and the charge of a
 * rack to show how this unit differs from the default. */
#define MIMIC_TWIN_RUNTIME_DEFAULT_CALIBRATION_WINDOW   (G_TIME_SPAN_HOUR)
/* How often the window is fitted again afterwards (0: never). */
#define MIMIC_TWIN_RUNTIME_DEFAULT_RECALIBRATION_INTERVAL (6 * G_TIME_SPAN_HOUR)
/* Frames kept per calibration window: the memory per device is bounded
 * whatever the telemetry rate. */
#define MIMIC_TWIN_RUNTIME_MAX_WINDOW_FRAMES            240
/* A periodic fit replaces working parameters only when it explains the
 * window this much better (cost ratio), since applying it makes the
 * detector learn normal again. */
#define MIMIC_TWIN_RUNTIME_RECALIBRATION_GAIN           0.8

/* Expected against actual for one sensor, at the newest reading. */
typedef struct
{
  gint64   timestamp_us;
  double   actual;
  double   expected;
  double   residual;        /* actual − expected */
  gboolean drives_input;    /* a measured condition: expected is the reading */
} MimicTwinExpectation;

#define MIMIC_TYPE_TWIN_RUNTIME (mimic_twin_runtime_get_type ())

G_DECLARE_FINAL_TYPE (MimicTwinRuntime, mimic_twin_runtime, MIMIC, TWIN_RUNTIME, GObject)

/* @store may be NULL: then feed it with push_batch. */
MimicTwinRuntime          *mimic_twin_runtime_new                      (MimicTwinStore       *store,
                                                                        MimicAssetRegistry   *registry);

MimicTwinStore            *mimic_twin_runtime_get_store                (MimicTwinRuntime     *self);
MimicAssetRegistry        *mimic_twin_runtime_get_registry             (MimicTwinRuntime     *self);
MimicAlarmManager         *mimic_twin_runtime_get_alarm_manager        (MimicTwinRuntime     *self);
void                       mimic_twin_runtime_set_alarm_manager        (MimicTwinRuntime     *self,
                                                                        MimicAlarmManager    *manager);
MimicAnomalyDetector      *mimic_twin_runtime_get_anomaly_detector     (MimicTwinRuntime     *self);
void                       mimic_twin_runtime_set_anomaly_detector     (MimicTwinRuntime     *self,
                                                                        MimicAnomalyDetector *detector);
GTimeSpan                  mimic_twin_runtime_get_calibration_window   (MimicTwinRuntime     *self);
void                       mimic_twin_runtime_set_calibration_window   (MimicTwinRuntime     *self,
                                                                        GTimeSpan             window);
GTimeSpan                  mimic_twin_runtime_get_recalibration_interval (MimicTwinRuntime   *self);
void                       mimic_twin_runtime_set_recalibration_interval (MimicTwinRuntime   *self,
                                                                        GTimeSpan             interval);

/* Births, presence and samples of a batch, when there is no store. */
void                       mimic_twin_runtime_push_batch               (MimicTwinRuntime     *self,
                                                                        MimicUpdateBatch     *batch);

gboolean                   mimic_twin_runtime_has_device               (MimicTwinRuntime     *self,
                                                                        const char           *device_id);
/* FALSE until the first reading after the model (re)started, or for a
 * sensor the model does not know. */
gboolean                   mimic_twin_runtime_get_expectation          (MimicTwinRuntime     *self,
                                                                        const char           *device_id,
                                                                        const char           *sensor_id,
                                                                        MimicTwinExpectation *out);
/* The device's model with its calibrated parameters (read them with
 * mimic_model_get_parameter); NULL for an unknown device. Do not change
 * it: the runtime owns its parameters. */
MimicModel                *mimic_twin_runtime_get_model                (MimicTwinRuntime     *self,
                                                                        const char           *device_id);
/* TRUE once a fit has been applied to the device's model. */
gboolean                   mimic_twin_runtime_is_calibrated            (MimicTwinRuntime     *self,
                                                                        const char           *device_id);
/* TRUE once its residuals go to the detector (after the first attempt,
 * applied or not). */
gboolean                   mimic_twin_runtime_is_detecting             (MimicTwinRuntime     *self,
                                                                        const char           *device_id);
/* The newest fit, applied or refused; NULL before any. */
const MimicCalibrationFit *mimic_twin_runtime_get_last_fit             (MimicTwinRuntime     *self,
                                                                        const char           *device_id);
/* Calibrations running on worker threads now. */
guint                      mimic_twin_runtime_get_n_calibrating        (MimicTwinRuntime     *self);

/* Fits the device's recent window now, on a worker thread; applies the
 * fit when it is better than the current parameters. _finish returns
 * TRUE when applied; a refused fit is MIMIC_CALIBRATION_ERROR_WORSE. */
void                       mimic_twin_runtime_calibrate_async          (MimicTwinRuntime     *self,
                                                                        const char           *device_id,
                                                                        GCancellable         *cancellable,
                                                                        GAsyncReadyCallback   callback,
                                                                        gpointer              user_data);
gboolean                   mimic_twin_runtime_calibrate_finish         (MimicTwinRuntime     *self,
                                                                        GAsyncResult         *result,
                                                                        GError              **error);

G_END_DECLS
