/* mimic-model-runner.c
 *
 * Runs a model beside the live data. Measured conditions (ambient, speed,
 * valve, power) drive the model's inputs; every other reading is compared
 * with the model's value at the same time, and the difference is the
 * residual that the alarms' drift detectors and the charts use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-model-runner"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-model-runner.h"

struct _MimicModelRunner
{
  GObject     parent_instance;

  MimicModel *model;
  double     *params;
  double     *inputs;
  double     *state;
  double     *outputs;
  double     *first_readings;   /* collected until the model starts */
  int        *input_of_output;  /* per output: the input it drives, or -1 */
  int        *observed_state;   /* per output: the state its reading corrects, or -1 */
  double     *observer_gain;    /* per output: 1/s */
  double     *observer_range;   /* per output: the corrected state's minimum and maximum */
  gint64     *corrected_us;     /* per output: time of its last correction */
  gboolean    started;
  gboolean    collecting;
  gint64      start_timestamp_us;
  gint64      model_timestamp_us;
};

G_DEFINE_FINAL_TYPE (MimicModelRunner, mimic_model_runner, G_TYPE_OBJECT)

static void
mimic_model_runner_finalize (GObject *object)
{
  MimicModelRunner *self = MIMIC_MODEL_RUNNER (object);

  g_clear_object (&self->model);
  g_free (self->params);
  g_free (self->inputs);
  g_free (self->state);
  g_free (self->outputs);
  g_free (self->first_readings);
  g_free (self->input_of_output);
  g_free (self->observed_state);
  g_free (self->observer_gain);
  g_free (self->observer_range);
  g_free (self->corrected_us);

  G_OBJECT_CLASS (mimic_model_runner_parent_class)->finalize (object);
}

static void
mimic_model_runner_class_init (MimicModelRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimic_model_runner_finalize;
}

static void
mimic_model_runner_init (MimicModelRunner *self)
{
}

MimicModelRunner *
mimic_model_runner_new (MimicModel *model)
{
  MimicModelRunner *self;
  guint n_outputs, n_inputs;

  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);

  self = g_object_new (MIMIC_TYPE_MODEL_RUNNER, NULL);
  self->model = g_object_ref (model);
  n_outputs = mimic_model_get_n_outputs (model);
  n_inputs = mimic_model_get_n_inputs (model);

  self->inputs = g_new0 (double, MAX (n_inputs, 1));
  mimic_model_fill_default_inputs (model, self->inputs);
  self->state = g_new0 (double, mimic_model_get_n_states (model));
  self->outputs = g_new0 (double, MAX (n_outputs, 1));
  self->first_readings = g_new0 (double, MAX (n_outputs, 1));
  self->input_of_output = g_new0 (int, MAX (n_outputs, 1));
  for (guint o = 0; o < n_outputs; o++)
    self->input_of_output[o] = -1;
  for (guint i = 0; i < n_inputs; i++)
    {
      int output = mimic_model_find_output (model, mimic_model_get_input_info (model, i)->sensor_id);

      if (output >= 0)
        self->input_of_output[output] = i;
    }

  self->observed_state = g_new0 (int, MAX (n_outputs, 1));
  self->observer_gain = g_new0 (double, MAX (n_outputs, 1));
  self->observer_range = g_new0 (double, 2 * MAX (n_outputs, 1));
  self->corrected_us = g_new0 (gint64, MAX (n_outputs, 1));
  for (guint o = 0; o < n_outputs; o++)
    self->observed_state[o] = -1;
  for (guint i = 0; i < mimic_model_get_n_observers (model); i++)
    {
      const MimicModelObserverInfo *info = mimic_model_get_observer_info (model, i);
      int output = mimic_model_find_output (model, info->output_id);
      int state = mimic_model_find_state (model, info->state_id);

      if (output < 0 || state < 0 || self->input_of_output[output] >= 0)
        {
          g_warning ("Model %s: observer of %s on %s names no such output or state",
                     mimic_model_get_name (model), info->output_id, info->state_id);
          continue;
        }
      self->observed_state[output] = state;
      self->observer_gain[output] = info->gain;
      self->observer_range[2 * output] = info->state_minimum;
      self->observer_range[2 * output + 1] = info->state_maximum;
    }

  mimic_model_runner_reset (self);
  return self;
}

MimicModel *
mimic_model_runner_get_model (MimicModelRunner *self)
{
  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), NULL);

  return self->model;
}

void
mimic_model_runner_reset (MimicModelRunner *self)
{
  g_return_if_fail (MIMIC_IS_MODEL_RUNNER (self));

  g_free (self->params);
  self->params = mimic_model_dup_parameters (self->model);
  for (guint o = 0; o < mimic_model_get_n_outputs (self->model); o++)
    {
      self->first_readings[o] = NAN;
      self->corrected_us[o] = G_MININT64;
    }
  self->started = FALSE;
  self->collecting = FALSE;
}

gboolean
mimic_model_runner_is_started (MimicModelRunner *self)
{
  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), FALSE);

  return self->started;
}

gboolean
mimic_model_runner_set_input (MimicModelRunner  *self,
                              const char        *input_id,
                              double             value,
                              GError           **error)
{
  int index;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), FALSE);

  index = mimic_model_find_input (self->model, input_id);
  if (index < 0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” has no input “%s”"),
                   mimic_model_get_name (self->model), input_id != NULL ? input_id : "");
      return FALSE;
    }
  if (!mimic_model_check_input (self->model, index, value, error))
    return FALSE;

  self->inputs[index] = value;
  return TRUE;
}

double
mimic_model_runner_get_observer_gain (MimicModelRunner *self,
                                      const char       *sensor_id)
{
  int output;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), 0.0);

  output = mimic_model_find_output (self->model, sensor_id);
  return output >= 0 && self->observed_state[output] >= 0 ? self->observer_gain[output] : 0.0;
}

gboolean
mimic_model_runner_set_observer_gain (MimicModelRunner  *self,
                                      const char        *sensor_id,
                                      double             gain,
                                      GError           **error)
{
  int output;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  output = mimic_model_find_output (self->model, sensor_id);
  if (output < 0 || self->observed_state[output] < 0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” corrects no state from the sensor “%s”"),
                   mimic_model_get_name (self->model), sensor_id != NULL ? sensor_id : "");
      return FALSE;
    }
  if (!isfinite (gain) || gain < 0.0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE,
                   _("The observer gain for “%s” must be a finite number of at least 0, not %g"),
                   sensor_id, gain);
      return FALSE;
    }
  self->observer_gain[output] = gain;
  return TRUE;
}

/* The Luenberger step for one reading of an observed output: the state
 * behind it moves by a fraction of the disagreement, scaled by how much
 * the output changes with that state (found numerically, so the model
 * declares no derivative). The fraction 1 − e^(−L·Δt) is the exact
 * discrete form of a correction at rate L, stable for any spacing of the
 * readings. The residual was taken before this: it is the disagreement
 * the model had accumulated since the previous reading. */
static void
correct_state (MimicModelRunner *self,
               int               output,
               gint64            timestamp_us,
               double            reading)
{
  int state = self->observed_state[output];
  double gain = self->observer_gain[output];
  double saved, expected, step, slope, fraction;

  if (state < 0 || gain <= 0.0)
    return;
  if (self->corrected_us[output] == G_MININT64 || timestamp_us <= self->corrected_us[output])
    {
      /* No interval yet to scale the gain by: the next reading corrects. */
      self->corrected_us[output] = MAX (self->corrected_us[output], timestamp_us);
      return;
    }

  fraction = 1.0 - exp (-gain * (timestamp_us - self->corrected_us[output]) / 1e6);
  self->corrected_us[output] = timestamp_us;

  expected = self->outputs[output];
  saved = self->state[state];
  step = MAX (fabs (saved) * 1e-6, mimic_model_get_state_info (self->model, state)->tolerance);
  self->state[state] = saved + step;
  mimic_model_compute_outputs (self->model, 0, self->state, self->params, self->inputs, self->outputs);
  slope = (self->outputs[output] - expected) / step;
  self->state[state] = saved;
  if (!isfinite (slope) || fabs (slope) < 1e-12)
    {
      mimic_model_compute_outputs (self->model, 0, self->state, self->params, self->inputs, self->outputs);
      return;
    }

  self->state[state] = CLAMP (saved + fraction * (reading - expected) / slope,
                              self->observer_range[2 * output], self->observer_range[2 * output + 1]);
  mimic_model_compute_outputs (self->model, 0, self->state, self->params, self->inputs, self->outputs);
}

static void
start_model (MimicModelRunner *self)
{
  guint n_outputs = mimic_model_get_n_outputs (self->model);

  for (guint o = 0; o < n_outputs; o++)
    {
      int input = self->input_of_output[o];

      if (input >= 0 && isfinite (self->first_readings[o]))
        {
          const MimicModelInputInfo *info = mimic_model_get_input_info (self->model, input);

          self->inputs[input] = CLAMP (self->first_readings[o], info->minimum, info->maximum);
        }
    }
  mimic_model_init_state (self->model, self->params, self->inputs, self->first_readings, self->state);
  self->model_timestamp_us = self->start_timestamp_us;
  self->started = TRUE;
  self->collecting = FALSE;
}

gboolean
mimic_model_runner_push (MimicModelRunner    *self,
                         const char          *sensor_id,
                         gint64               timestamp_us,
                         double               value,
                         MimicModelResidual  *residual,
                         GError             **error)
{
  int output, input;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  output = mimic_model_find_output (self->model, sensor_id);
  if (output < 0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” has no sensor “%s”"),
                   mimic_model_get_name (self->model), sensor_id != NULL ? sensor_id : "");
      return FALSE;
    }
  if (!isfinite (value))
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                   _("Value for “%s” is not a finite number"), sensor_id);
      return FALSE;
    }

  /* Gather the first frame of readings, then start from it. */
  if (!self->started)
    {
      if (!self->collecting)
        {
          self->collecting = TRUE;
          self->start_timestamp_us = timestamp_us;
        }
      if (timestamp_us <= self->start_timestamp_us)
        self->first_readings[output] = value;
      if (timestamp_us > self->start_timestamp_us)
        start_model (self);
    }

  if (self->started && timestamp_us > self->model_timestamp_us)
    {
      if (!mimic_model_advance (self->model, self->params, self->inputs, self->state,
                                (timestamp_us - self->model_timestamp_us) / 1e6, error))
        return FALSE;
      self->model_timestamp_us = timestamp_us;
    }

  /* A measured condition becomes the model's input from now on. */
  input = self->input_of_output[output];
  if (input >= 0)
    {
      const MimicModelInputInfo *info = mimic_model_get_input_info (self->model, input);

      self->inputs[input] = CLAMP (value, info->minimum, info->maximum);
    }

  /* Before the start the best guess is the state the first readings give. */
  if (!self->started)
    mimic_model_init_state (self->model, self->params, self->inputs, self->first_readings, self->state);
  mimic_model_compute_outputs (self->model, 0, self->state, self->params, self->inputs, self->outputs);

  if (residual != NULL)
    {
      residual->sensor_id = mimic_model_get_output_info (self->model, output)->id;
      residual->timestamp_us = timestamp_us;
      residual->actual = value;
      residual->expected = self->outputs[output];
      residual->residual = value - self->outputs[output];
      residual->drives_input = input >= 0;
    }

  if (self->started)
    correct_state (self, output, timestamp_us, value);
  return TRUE;
}

guint
mimic_model_runner_push_batch (MimicModelRunner *self,
                               MimicUpdateBatch *batch,
                               const char       *device_id,
                               GArray           *residuals)
{
  guint n_samples, n_pushed = 0, group_start = 0;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), 0);
  g_return_val_if_fail (batch != NULL, 0);

  n_samples = mimic_update_batch_get_n_samples (batch);
  while (group_start < n_samples)
    {
      gint64 timestamp = mimic_update_batch_get_sample (batch, group_start)->timestamp_us;
      guint group_end = group_start;

      while (group_end < n_samples && mimic_update_batch_get_sample (batch, group_end)->timestamp_us == timestamp)
        group_end++;

      /* Within one timestamp, the measured conditions first, so the other
       * readings are compared with a model that has seen them. */
      for (guint pass = 0; pass < 2; pass++)
        {
          for (guint i = group_start; i < group_end; i++)
            {
              const MimicSample *sample = mimic_update_batch_get_sample (batch, i);
              MimicModelResidual residual;
              int output;

              if (g_strcmp0 (sample->device_id, device_id) != 0)
                continue;
              output = mimic_model_find_output (self->model, sample->sensor_id);
              if (output < 0 || (self->input_of_output[output] >= 0) != (pass == 0))
                continue;
              if (!mimic_model_runner_push (self, sample->sensor_id, sample->timestamp_us, sample->value,
                                            &residual, NULL))
                continue;
              if (residuals != NULL)
                g_array_append_val (residuals, residual);
              n_pushed++;
            }
        }
      group_start = group_end;
    }
  return n_pushed;
}

gboolean
mimic_model_runner_get_expected (MimicModelRunner *self,
                                 const char       *sensor_id,
                                 double           *expected)
{
  int output;

  g_return_val_if_fail (MIMIC_IS_MODEL_RUNNER (self), FALSE);

  output = mimic_model_find_output (self->model, sensor_id);
  if (!self->started || output < 0)
    return FALSE;

  mimic_model_compute_outputs (self->model, 0, self->state, self->params, self->inputs, self->outputs);
  if (expected != NULL)
    *expected = self->outputs[output];
  return TRUE;
}
