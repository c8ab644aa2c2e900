/* mimic-calibration.c
 *
 * Calibration replays a window of one device's history through the model:
 * the first readings give the initial state, measured conditions drive the
 * inputs, and every other reading becomes a residual. Levenberg-Marquardt
 * (gsl_multifit_nlinear) moves the individual parameters to make those
 * residuals small. Parameters are fitted as multiples of their current
 * value, which keeps a thermal resistance of 0.02 K/W and a capacity of
 * 280 Ah equally well conditioned.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-calibration"

#include "config.h"

#include <glib/gi18n.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <string.h>

#include "mimic-calibration.h"

G_DEFINE_QUARK (mimic-calibration-error-quark, mimic_calibration_error)

#define MAX_ITERATIONS 60

typedef struct
{
  MimicModel        *model;
  MimicModelClass   *klass;
  const MimicSample *samples;       /* sorted by time, known sensors only */
  guint              n_samples;
  int               *outputs;       /* per sample: output index */
  int               *drives;        /* per sample: input index, or -1 */
  double            *scales;        /* per output */
  double            *means;         /* per output */
  guint              n_residuals;
  int               *fit_params;    /* parameter indices being fitted */
  double            *base_values;
  guint              n_fit;
  double            *params;        /* scratch */
  double            *inputs;
  double            *state;
  double            *model_outputs;
  double            *first_readings;
  GCancellable      *cancellable;
} Replay;

static int
replay_rhs (double        t,
            const double  y[],
            double        dydt[],
            void         *user_data)
{
  Replay *replay = user_data;

  replay->klass->derivatives (replay->model, t, y, replay->params, replay->inputs, dydt);
  return GSL_SUCCESS;
}

/* Residuals for parameter multipliers x; NULL x means the current values. */
static int
replay_residuals (const gsl_vector *x,
                  void             *user_data,
                  gsl_vector       *f)
{
  Replay *replay = user_data;
  MimicModel *model = replay->model;
  guint n_outputs = replay->klass->n_outputs;
  gsl_odeiv2_system system = { replay_rhs, NULL, replay->klass->n_states, replay };
  gsl_odeiv2_driver *driver = NULL;
  gint64 first_timestamp, model_timestamp;
  guint r = 0, i = 0;
  int status = GSL_SUCCESS;

  memcpy (replay->params, mimic_model_get_parameters (model), replay->klass->n_parameters * sizeof (double));
  for (guint k = 0; k < replay->n_fit; k++)
    {
      const MimicModelParameterInfo *info = &replay->klass->parameters[replay->fit_params[k]];
      double value = x != NULL ? replay->base_values[k] * gsl_vector_get (x, k) : replay->base_values[k];

      replay->params[replay->fit_params[k]] = CLAMP (value, info->minimum, info->maximum);
    }

  /* The first frame: all readings sharing the first timestamp. */
  mimic_model_fill_default_inputs (model, replay->inputs);
  for (guint o = 0; o < n_outputs; o++)
    replay->first_readings[o] = NAN;
  first_timestamp = replay->samples[0].timestamp_us;
  for (guint s = 0; s < replay->n_samples && replay->samples[s].timestamp_us == first_timestamp; s++)
    {
      replay->first_readings[replay->outputs[s]] = replay->samples[s].value;
      if (replay->drives[s] >= 0)
        replay->inputs[replay->drives[s]] = replay->samples[s].value;
    }
  replay->klass->init_state (model, replay->params, replay->inputs, replay->first_readings, replay->state);
  model_timestamp = first_timestamp;

  driver = gsl_odeiv2_driver_alloc_y_new (&system, gsl_odeiv2_step_rkf45, 1.0, 1e-7, 1e-7);

  while (i < replay->n_samples)
    {
      gint64 timestamp = replay->samples[i].timestamp_us;
      guint frame_end = i;

      if (timestamp > model_timestamp)
        {
          double t = 0.0;

          status = gsl_odeiv2_driver_apply (driver, &t, (timestamp - model_timestamp) / 1e6, replay->state);
          if (status != GSL_SUCCESS)
            break;
          model_timestamp = timestamp;
        }

      /* Inputs measured in this frame act from now on, as in the runner. */
      while (frame_end < replay->n_samples && replay->samples[frame_end].timestamp_us == timestamp)
        {
          if (replay->drives[frame_end] >= 0)
            replay->inputs[replay->drives[frame_end]] = replay->samples[frame_end].value;
          frame_end++;
        }
      gsl_odeiv2_driver_reset (driver);

      replay->klass->compute_outputs (model, 0, replay->state, replay->params, replay->inputs,
                                      replay->model_outputs);
      for (; i < frame_end; i++)
        {
          if (replay->drives[i] >= 0)
            continue;
          gsl_vector_set (f, r++, (replay->samples[i].value - replay->model_outputs[replay->outputs[i]]) /
                                  replay->scales[replay->outputs[i]]);
        }
    }

  gsl_odeiv2_driver_free (driver);

  if (status != GSL_SUCCESS)
    return status;
  for (guint k = 0; k < replay->n_residuals; k++)
    if (!isfinite (gsl_vector_get (f, k)))
      return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

static int
compare_samples (gconstpointer a,
                 gconstpointer b)
{
  const MimicSample *sample_a = a;
  const MimicSample *sample_b = b;

  return (sample_a->timestamp_us > sample_b->timestamp_us) - (sample_a->timestamp_us < sample_b->timestamp_us);
}

static void
replay_clear (Replay *replay)
{
  g_free ((gpointer) replay->samples);
  g_free (replay->outputs);
  g_free (replay->drives);
  g_free (replay->scales);
  g_free (replay->means);
  g_free (replay->fit_params);
  g_free (replay->base_values);
  g_free (replay->params);
  g_free (replay->inputs);
  g_free (replay->state);
  g_free (replay->model_outputs);
  g_free (replay->first_readings);
}

static gboolean
replay_init (Replay             *replay,
             MimicModel         *model,
             const MimicSample  *samples,
             guint               n_samples,
             const char * const *names,
             GError            **error)
{
  MimicModelClass *klass = MIMIC_MODEL_GET_CLASS (model);
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (MimicSample));
  g_autofree double *sums = g_new0 (double, MAX (klass->n_outputs, 1));
  g_autofree double *squares = g_new0 (double, MAX (klass->n_outputs, 1));
  g_autofree guint *counts = g_new0 (guint, MAX (klass->n_outputs, 1));
  GArray *fit = g_array_new (FALSE, FALSE, sizeof (int));

  memset (replay, 0, sizeof *replay);
  replay->model = model;
  replay->klass = klass;

  if (names != NULL)
    {
      for (guint k = 0; names[k] != NULL; k++)
        {
          int index = mimic_model_find_parameter (model, names[k]);

          if (index < 0)
            {
              g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_UNKNOWN_PARAMETER,
                           _("Model “%s” has no parameter “%s” to calibrate"), klass->name, names[k]);
              g_array_unref (fit);
              return FALSE;
            }
          g_array_append_val (fit, index);
        }
    }
  else
    {
      for (guint p = 0; p < klass->n_parameters; p++)
        {
          int index = p;

          if (klass->parameters[p].individual)
            g_array_append_val (fit, index);
        }
    }
  replay->n_fit = fit->len;
  replay->fit_params = (int *) (gpointer) g_array_free (fit, FALSE);
  replay->base_values = g_new0 (double, MAX (replay->n_fit, 1));
  for (guint k = 0; k < replay->n_fit; k++)
    replay->base_values[k] = mimic_model_get_parameters (model)[replay->fit_params[k]];

  for (guint s = 0; s < n_samples; s++)
    {
      if (mimic_model_find_output (model, samples[s].sensor_id) >= 0 && isfinite (samples[s].value))
        g_array_append_val (kept, samples[s]);
    }
  g_array_sort (kept, compare_samples);

  replay->n_samples = kept->len;
  replay->outputs = g_new0 (int, MAX (kept->len, 1));
  replay->drives = g_new0 (int, MAX (kept->len, 1));
  for (guint s = 0; s < kept->len; s++)
    {
      const MimicSample *sample = &g_array_index (kept, MimicSample, s);
      int output = mimic_model_find_output (model, sample->sensor_id);

      replay->outputs[s] = output;
      replay->drives[s] = -1;
      for (guint in = 0; in < klass->n_inputs; in++)
        if (g_strcmp0 (klass->inputs[in].sensor_id, sample->sensor_id) == 0)
          replay->drives[s] = in;
      if (replay->drives[s] < 0)
        {
          replay->n_residuals++;
          sums[output] += sample->value;
          squares[output] += sample->value * sample->value;
          counts[output]++;
        }
    }
  replay->samples = (const MimicSample *) (gpointer) g_array_free (g_steal_pointer (&kept), FALSE);

  if (replay->n_residuals < MAX (replay->n_fit, 1) * 3 || replay->n_fit == 0)
    {
      g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_NOT_ENOUGH_DATA,
                   _("%u readings are not enough to calibrate %u parameters"),
                   replay->n_residuals, replay->n_fit);
      replay_clear (replay);
      return FALSE;
    }

  /* Scale each sensor by its spread in the window, with a floor so a flat
   * signal does not get an enormous weight. */
  replay->scales = g_new0 (double, MAX (klass->n_outputs, 1));
  replay->means = g_new0 (double, MAX (klass->n_outputs, 1));
  for (guint o = 0; o < klass->n_outputs; o++)
    {
      double mean = counts[o] > 0 ? sums[o] / counts[o] : 0.0;
      double variance = counts[o] > 0 ? MAX (squares[o] / counts[o] - mean * mean, 0.0) : 0.0;

      replay->means[o] = mean;
      replay->scales[o] = MAX (sqrt (variance), 0.01 * MAX (fabs (mean), 1.0));
    }

  replay->params = g_new0 (double, MAX (klass->n_parameters, 1));
  replay->inputs = g_new0 (double, MAX (klass->n_inputs, 1));
  replay->state = g_new0 (double, klass->n_states);
  replay->model_outputs = g_new0 (double, MAX (klass->n_outputs, 1));
  replay->first_readings = g_new0 (double, MAX (klass->n_outputs, 1));
  return TRUE;
}

static MimicCalibrationFit *
fit_new (Replay *replay)
{
  MimicCalibrationFit *fit = g_new0 (MimicCalibrationFit, 1);

  fit->n_parameters = replay->n_fit;
  fit->names = g_new0 (char *, replay->n_fit + 1);
  fit->values = g_new0 (double, MAX (replay->n_fit, 1));
  fit->current_values = g_new0 (double, MAX (replay->n_fit, 1));
  for (guint k = 0; k < replay->n_fit; k++)
    {
      fit->names[k] = g_strdup (replay->klass->parameters[replay->fit_params[k]].id);
      fit->current_values[k] = replay->base_values[k];
    }
  fit->n_residuals = replay->n_residuals;
  return fit;
}

void
mimic_calibration_fit_free (MimicCalibrationFit *fit)
{
  if (fit == NULL)
    return;

  g_strfreev (fit->names);
  g_free (fit->values);
  g_free (fit->current_values);
  g_free (fit);
}

static double
cost_of (const gsl_vector *f)
{
  double norm = gsl_blas_dnrm2 (f);

  return 0.5 * norm * norm;
}

/* R² against each sensor's own mean, in the same scaled units. */
static void
fill_quality (Replay              *replay,
              const gsl_vector    *f,
              MimicCalibrationFit *fit)
{
  double total = 0.0;
  guint r = 0;

  for (guint s = 0; s < replay->n_samples; s++)
    {
      double deviation;

      if (replay->drives[s] >= 0)
        continue;
      deviation = (replay->samples[s].value - replay->means[replay->outputs[s]]) /
                  replay->scales[replay->outputs[s]];
      total += deviation * deviation;
      r++;
    }
  fit->cost = cost_of (f);
  fit->rmse = sqrt (2.0 * fit->cost / MAX (r, 1));
  fit->r_squared = total > 0.0 ? 1.0 - 2.0 * fit->cost / total : 0.0;
}

MimicCalibrationFit *
mimic_calibration_evaluate (MimicModel          *model,
                            const MimicSample   *samples,
                            guint                n_samples,
                            const char * const  *names,
                            const double        *values,
                            GError             **error)
{
  g_autoptr(MimicCalibrationFit) fit = NULL;
  gsl_vector *f = NULL;
  gsl_vector *x = NULL;
  Replay replay;
  int status;

  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);
  g_return_val_if_fail (values != NULL, NULL);

  if (!replay_init (&replay, model, samples, n_samples, names, error))
    return NULL;

  fit = fit_new (&replay);
  f = gsl_vector_alloc (replay.n_residuals);
  x = gsl_vector_alloc (replay.n_fit);
  for (guint k = 0; k < replay.n_fit; k++)
    {
      if (!isfinite (values[k]))
        {
          g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                       _("Value for “%s” is not a finite number"), fit->names[k]);
          status = GSL_EINVAL;
          goto out;
        }
      fit->values[k] = values[k];
      gsl_vector_set (x, k, replay.base_values[k] != 0.0 ? values[k] / replay.base_values[k] : 1.0);
    }

  status = replay_residuals (NULL, &replay, f);
  if (status == GSL_SUCCESS)
    {
      fit->current_cost = cost_of (f);
      status = replay_residuals (x, &replay, f);
    }
  if (status != GSL_SUCCESS)
    {
      g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_FAILED,
                   _("The model could not replay the history: %s"), gsl_strerror (status));
      goto out;
    }
  fill_quality (&replay, f, fit);

out:
  gsl_vector_free (f);
  gsl_vector_free (x);
  replay_clear (&replay);
  return status == GSL_SUCCESS ? g_steal_pointer (&fit) : NULL;
}

MimicCalibrationFit *
mimic_calibration_fit (MimicModel          *model,
                       const MimicSample   *samples,
                       guint                n_samples,
                       const char * const  *names,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autoptr(MimicCalibrationFit) fit = NULL;
  gsl_multifit_nlinear_parameters parameters = gsl_multifit_nlinear_default_parameters ();
  gsl_multifit_nlinear_workspace *workspace = NULL;
  gsl_multifit_nlinear_fdf fdf;
  gsl_vector *x = NULL;
  gsl_vector *f_current = NULL;
  Replay replay;
  int status, info = 0;

  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!replay_init (&replay, model, samples, n_samples, names, error))
    return NULL;
  replay.cancellable = cancellable;

  fit = fit_new (&replay);
  x = gsl_vector_alloc (replay.n_fit);
  gsl_vector_set_all (x, 1.0);
  f_current = gsl_vector_alloc (replay.n_residuals);
  status = replay_residuals (NULL, &replay, f_current);
  if (status != GSL_SUCCESS)
    goto failed;
  fit->current_cost = cost_of (f_current);

  memset (&fdf, 0, sizeof fdf);
  fdf.f = replay_residuals;
  fdf.df = NULL;        /* forward differences */
  fdf.fvv = NULL;
  fdf.n = replay.n_residuals;
  fdf.p = replay.n_fit;
  fdf.params = &replay;

  parameters.trs = gsl_multifit_nlinear_trs_lm;
  workspace = gsl_multifit_nlinear_alloc (gsl_multifit_nlinear_trust, &parameters,
                                          replay.n_residuals, replay.n_fit);
  status = gsl_multifit_nlinear_init (x, &fdf, workspace);
  if (status != GSL_SUCCESS)
    goto failed;

  status = gsl_multifit_nlinear_driver (MAX_ITERATIONS, 1e-6, 1e-8, 1e-10,
                                        NULL, NULL, &info, workspace);
  /* Running out of iterations still leaves a usable, better point. */
  if (status != GSL_SUCCESS && status != GSL_EMAXITER && status != GSL_ENOPROG)
    goto failed;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      status = GSL_EINVAL;
      goto out;
    }

  for (guint k = 0; k < replay.n_fit; k++)
    {
      const MimicModelParameterInfo *parameter = &replay.klass->parameters[replay.fit_params[k]];

      fit->values[k] = CLAMP (replay.base_values[k] * gsl_vector_get (workspace->x, k),
                              parameter->minimum, parameter->maximum);
    }
  fit->iterations = gsl_multifit_nlinear_niter (workspace);
  fill_quality (&replay, workspace->f, fit);
  status = GSL_SUCCESS;
  goto out;

failed:
  g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_FAILED,
               _("The fit did not work: %s"), gsl_strerror (status));

out:
  if (workspace != NULL)
    gsl_multifit_nlinear_free (workspace);
  gsl_vector_free (x);
  gsl_vector_free (f_current);
  replay_clear (&replay);
  return status == GSL_SUCCESS ? g_steal_pointer (&fit) : NULL;
}

gboolean
mimic_calibration_fit_apply (const MimicCalibrationFit  *fit,
                             MimicModel                 *model,
                             GError                    **error)
{
  g_return_val_if_fail (fit != NULL, FALSE);
  g_return_val_if_fail (MIMIC_IS_MODEL (model), FALSE);

  if (!(fit->cost <= fit->current_cost))
    {
      g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_WORSE,
                   _("The new fit explains the history worse than the current parameters (cost %g against %g); keeping them"),
                   fit->cost, fit->current_cost);
      return FALSE;
    }

  /* Check all before setting any, so a refusal changes nothing. */
  for (guint k = 0; k < fit->n_parameters; k++)
    {
      int index = mimic_model_find_parameter (model, fit->names[k]);

      if (index < 0)
        {
          g_set_error (error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_UNKNOWN_PARAMETER,
                       _("Model “%s” has no parameter “%s” to calibrate"),
                       mimic_model_get_name (model), fit->names[k]);
          return FALSE;
        }
      if (!mimic_model_check_parameter (model, index, fit->values[k], error))
        return FALSE;
    }
  for (guint k = 0; k < fit->n_parameters; k++)
    mimic_model_set_parameter (model, fit->names[k], fit->values[k], NULL);
  return TRUE;
}
