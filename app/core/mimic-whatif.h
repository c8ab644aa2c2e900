/* mimic-whatif.h — predictions under changed conditions, off the main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-model-run.h"
#include "mimic-model.h"

G_BEGIN_DECLS

/* What to predict: a model with a snapshot of its (calibrated) parameters,
 * the device's current readings, the overrides, limits and a horizon.
 * Built on the main thread, then read-only; shared by reference. */
typedef struct _MimicWhatifRequest MimicWhatifRequest;

#define MIMIC_TYPE_WHATIF_REQUEST (mimic_whatif_request_get_type ())

GType               mimic_whatif_request_get_type      (void) G_GNUC_CONST;
MimicWhatifRequest *mimic_whatif_request_new           (MimicModel          *model);
MimicWhatifRequest *mimic_whatif_request_ref           (MimicWhatifRequest  *self);
void                mimic_whatif_request_unref         (MimicWhatifRequest  *self);

MimicModel         *mimic_whatif_request_get_model     (MimicWhatifRequest  *self);
guint64             mimic_whatif_request_get_serial    (MimicWhatifRequest  *self);

/* A current sensor reading; the prediction starts from them. */
gboolean            mimic_whatif_request_set_reading   (MimicWhatifRequest  *self,
                                                        const char          *sensor_id,
                                                        double               value,
                                                        GError             **error);
/* Replaces a parameter of the snapshot, e.g. a calibrated value. */
gboolean            mimic_whatif_request_set_parameter (MimicWhatifRequest  *self,
                                                        const char          *id,
                                                        double               value,
                                                        GError             **error);
/* A what-if override: an input id such as "ambient_temp" or
 * "maintenance_delay", checked against the input's range. */
gboolean            mimic_whatif_request_set_override  (MimicWhatifRequest  *self,
                                                        const char          *id,
                                                        double               value,
                                                        GError             **error);
gboolean            mimic_whatif_request_set_horizon   (MimicWhatifRequest  *self,
                                                        double               seconds,
                                                        GError             **error);
double              mimic_whatif_request_get_horizon   (MimicWhatifRequest  *self);
gboolean            mimic_whatif_request_add_limit     (MimicWhatifRequest  *self,
                                                        const char          *sensor_id,
                                                        double               value,
                                                        MimicLimitDirection  direction,
                                                        GError             **error);
/* Samples per output in the returned trajectories, 2…500 (default 200). */
gboolean            mimic_whatif_request_set_n_points  (MimicWhatifRequest  *self,
                                                        guint                n_points,
                                                        GError             **error);
/* Also runs the prediction for n_steps values of one input, evenly from
 * first to last (e.g. maintenance_delay 0…60 in 13 steps). */
gboolean            mimic_whatif_request_set_sweep     (MimicWhatifRequest  *self,
                                                        const char          *input_id,
                                                        double               first,
                                                        double               last,
                                                        guint                n_steps,
                                                        GError             **error);
/* Which integrator to use; the benchmark compares them. */
void                mimic_whatif_request_set_run_options (MimicWhatifRequest         *self,
                                                          const MimicModelRunOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicWhatifRequest, mimic_whatif_request_unref)

/* What came out. Times are seconds from now; INFINITY means "not within the
 * horizon". */
typedef struct _MimicWhatifResult MimicWhatifResult;

#define MIMIC_TYPE_WHATIF_RESULT (mimic_whatif_result_get_type ())

GType               mimic_whatif_result_get_type        (void) G_GNUC_CONST;
MimicWhatifResult  *mimic_whatif_result_ref             (MimicWhatifResult  *self);
void                mimic_whatif_result_unref           (MimicWhatifResult  *self);

/* The inputs that produced it. */
guint64             mimic_whatif_result_get_serial      (MimicWhatifResult  *self);
guint               mimic_whatif_result_get_n_overrides (MimicWhatifResult  *self);
const char         *mimic_whatif_result_get_override    (MimicWhatifResult  *self,
                                                         guint               index,
                                                         double             *value);
double              mimic_whatif_result_get_horizon     (MimicWhatifResult  *self);

guint               mimic_whatif_result_get_n_points    (MimicWhatifResult  *self);
const double       *mimic_whatif_result_get_times       (MimicWhatifResult  *self);
/* n_points values of one output, or NULL if the model has no such output. */
const double       *mimic_whatif_result_get_trajectory  (MimicWhatifResult  *self,
                                                         const char         *sensor_id);

guint               mimic_whatif_result_get_n_limits    (MimicWhatifResult  *self);
const MimicModelLimit *mimic_whatif_result_get_limit    (MimicWhatifResult  *self,
                                                         guint               index);
double              mimic_whatif_result_get_crossing_time (MimicWhatifResult *self,
                                                         guint               index);

guint               mimic_whatif_result_get_n_kpis      (MimicWhatifResult  *self);
const char         *mimic_whatif_result_get_kpi         (MimicWhatifResult  *self,
                                                         guint               index,
                                                         double             *value,
                                                         const char        **unit);
/* Remaining useful life; extrapolated from the health trend at the end of
 * the horizon when end of life is not reached within it. */
double              mimic_whatif_result_get_remaining_life (MimicWhatifResult *self,
                                                         gboolean           *extrapolated);
double              mimic_whatif_result_get_final_health (MimicWhatifResult *self);

/* Sweep: one entry per swept value. */
const char         *mimic_whatif_result_get_sweep_input (MimicWhatifResult  *self);
guint               mimic_whatif_result_get_n_sweep     (MimicWhatifResult  *self);
double              mimic_whatif_result_get_sweep_value (MimicWhatifResult  *self,
                                                         guint               step);
double              mimic_whatif_result_get_sweep_crossing_time (MimicWhatifResult *self,
                                                         guint               step,
                                                         guint               limit);
double              mimic_whatif_result_get_sweep_kpi   (MimicWhatifResult  *self,
                                                         guint               step,
                                                         guint               kpi);
double              mimic_whatif_result_get_sweep_remaining_life (MimicWhatifResult *self,
                                                         guint               step);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicWhatifResult, mimic_whatif_result_unref)

/* Runs a request on the calling thread. */
MimicWhatifResult  *mimic_whatif_compute                (MimicWhatifRequest  *request,
                                                         GCancellable        *cancellable,
                                                         GError             **error);

#define MIMIC_TYPE_WHATIF (mimic_whatif_get_type ())

G_DECLARE_FINAL_TYPE (MimicWhatif, mimic_whatif, MIMIC, WHATIF, GObject)

/* Runs requests on a worker thread, latest wins: starting a run cancels
 * the one before, whose callback then gets G_IO_ERROR_CANCELLED. */
MimicWhatif        *mimic_whatif_new                    (void);
void                mimic_whatif_run_async              (MimicWhatif         *self,
                                                         MimicWhatifRequest  *request,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
MimicWhatifResult  *mimic_whatif_run_finish             (MimicWhatif         *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
/* The serial of the newest request started, 0 before any. */
guint64             mimic_whatif_get_latest_serial      (MimicWhatif         *self);

G_END_DECLS
