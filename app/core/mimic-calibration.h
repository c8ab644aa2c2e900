/* mimic-calibration.h — fit the parameters that make a unit individual
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-model.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

#define MIMIC_CALIBRATION_ERROR (mimic_calibration_error_quark ())

typedef enum
{
  MIMIC_CALIBRATION_ERROR_NOT_ENOUGH_DATA,
  MIMIC_CALIBRATION_ERROR_UNKNOWN_PARAMETER,
  MIMIC_CALIBRATION_ERROR_FAILED,
  MIMIC_CALIBRATION_ERROR_WORSE,      /* the fit explains the data worse than the current values */
} MimicCalibrationError;

GQuark mimic_calibration_error_quark (void);

/* A fit, or a candidate set of values, and how well each explains the
 * window. Costs are ½·Σr² over residuals scaled per sensor (by the
 * sensor's spread in the window), so sensors of any unit weigh alike. */
typedef struct
{
  guint    n_parameters;
  char   **names;               /* NULL-terminated */
  double  *values;              /* fitted */
  double  *current_values;      /* what the model had */
  double   cost;
  double   current_cost;
  double   rmse;                /* of the scaled residuals */
  double   r_squared;
  guint    iterations;
  guint    n_residuals;
} MimicCalibrationFit;

void                 mimic_calibration_fit_free  (MimicCalibrationFit  *fit);

/* Fits names (NULL: the model's individual parameters) to the samples, a
 * recent history window of one device, starting from the model's current
 * values; gsl_multifit_nlinear, trust region with geodesic acceleration. */
MimicCalibrationFit *mimic_calibration_fit       (MimicModel           *model,
                                                  const MimicSample    *samples,
                                                  guint                 n_samples,
                                                  const char * const   *names,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
/* Scores given values against the model's current ones, without fitting. */
MimicCalibrationFit *mimic_calibration_evaluate  (MimicModel           *model,
                                                  const MimicSample    *samples,
                                                  guint                 n_samples,
                                                  const char * const   *names,
                                                  const double         *values,
                                                  GError              **error);
/* Sets the fitted values on the model, unless they explain the window
 * worse than the current ones (MIMIC_CALIBRATION_ERROR_WORSE). */
gboolean             mimic_calibration_fit_apply (const MimicCalibrationFit *fit,
                                                  MimicModel           *model,
                                                  GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicCalibrationFit, mimic_calibration_fit_free)

G_END_DECLS
