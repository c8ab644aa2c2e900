/* mimic-model-runner.h — expected against actual, live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-model.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

typedef struct
{
  const char *sensor_id;        /* the model's own string */
  gint64      timestamp_us;
  double      actual;
  double      expected;
  double      residual;         /* actual − expected */
  gboolean    drives_input;     /* the reading is a model input: residual 0 by construction */
} MimicModelResidual;

#define MIMIC_TYPE_MODEL_RUNNER (mimic_model_runner_get_type ())

G_DECLARE_FINAL_TYPE (MimicModelRunner, mimic_model_runner, MIMIC, MODEL_RUNNER, GObject)

/* Takes a snapshot of the model's parameters; call reset after a
 * calibration to start again from the next readings with the new ones. */
MimicModelRunner *mimic_model_runner_new          (MimicModel         *model);
MimicModel       *mimic_model_runner_get_model    (MimicModelRunner   *self);
void              mimic_model_runner_reset        (MimicModelRunner   *self);
/* For inputs no sensor measures (e.g. the battery's coolant flow). */
gboolean          mimic_model_runner_set_input    (MimicModelRunner   *self,
                                                   const char         *input_id,
                                                   double              value,
                                                   GError            **error);
/* The rate (1/s) at which a reading pulls the model's state behind it
 * towards the measured value (a Luenberger observer; the model's
 * MimicModelObserverInfo gives the default). 0 runs that state open
 * loop. Only outputs the model lists as observed have a gain. */
double            mimic_model_runner_get_observer_gain (MimicModelRunner   *self,
                                                        const char         *sensor_id);
gboolean          mimic_model_runner_set_observer_gain (MimicModelRunner   *self,
                                                        const char         *sensor_id,
                                                        double              gain,
                                                        GError            **error);
/* One timestamped reading. The model starts from the first readings that
 * share a timestamp, then runs forward with the measured inputs held
 * between readings. Readings older than the model's time are compared
 * with its current state. */
gboolean          mimic_model_runner_push         (MimicModelRunner   *self,
                                                   const char         *sensor_id,
                                                   gint64              timestamp_us,
                                                   double              value,
                                                   MimicModelResidual *residual,
                                                   GError            **error);
/* Every sample of one device in a batch; appends MimicModelResidual to
 * residuals. Samples for sensors the model lacks are skipped. */
guint             mimic_model_runner_push_batch   (MimicModelRunner   *self,
                                                   MimicUpdateBatch   *batch,
                                                   const char         *device_id,
                                                   GArray             *residuals);
/* The model's value now, or FALSE before it has started. */
gboolean          mimic_model_runner_get_expected (MimicModelRunner   *self,
                                                   const char         *sensor_id,
                                                   double             *expected);
gboolean          mimic_model_runner_is_started   (MimicModelRunner   *self);

G_END_DECLS
