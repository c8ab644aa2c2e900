/* mimic-whatif.c
 *
 * A what-if run starts from the device's current twin state (its readings
 * and its calibrated parameters), applies the operator's overrides and
 * integrates the model over the horizon on a worker thread. Sliders are
 * dragged, so requests come faster than they finish: each new run cancels
 * the one before, and every result carries the serial and overrides of
 * the request that produced it, so a late result is never mistaken for
 * the current one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-whatif"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-whatif.h"

#define DEFAULT_HORIZON_S (30 * 86400.0)
#define DEFAULT_N_POINTS 200
#define MAX_N_POINTS 500
#define MAX_SWEEP_STEPS 1000

/* Both boxed types live in a GLib atomic reference-counted box, which
 * does their counting. */
struct _MimicWhatifRequest
{
  MimicModel           *model;
  guint64               serial;
  double               *params;
  double               *readings;       /* per output, NaN if none */
  double               *overrides;      /* per input, NaN if none */
  GArray               *override_order; /* of guint input index, in the order set */
  double                horizon_s;
  GArray               *limits;         /* of MimicModelLimit; ids are the model's own */
  guint                 n_points;
  int                   sweep_input;
  double                sweep_first;
  double                sweep_last;
  guint                 sweep_steps;
  MimicModelRunOptions  options;
};

G_DEFINE_BOXED_TYPE (MimicWhatifRequest, mimic_whatif_request,
                     mimic_whatif_request_ref, mimic_whatif_request_unref)

G_LOCK_DEFINE_STATIC (serial);
static guint64 last_serial;

MimicWhatifRequest *
mimic_whatif_request_new (MimicModel *model)
{
  MimicWhatifRequest *self;
  guint n_outputs, n_inputs;

  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);

  n_outputs = mimic_model_get_n_outputs (model);
  n_inputs = mimic_model_get_n_inputs (model);

  self = g_atomic_rc_box_new0 (MimicWhatifRequest);
  self->model = g_object_ref (model);
  G_LOCK (serial);
  self->serial = ++last_serial;
  G_UNLOCK (serial);
  self->params = mimic_model_dup_parameters (model);
  self->readings = g_new (double, MAX (n_outputs, 1));
  for (guint i = 0; i < n_outputs; i++)
    self->readings[i] = NAN;
  self->overrides = g_new (double, MAX (n_inputs, 1));
  for (guint i = 0; i < n_inputs; i++)
    self->overrides[i] = NAN;
  self->override_order = g_array_new (FALSE, FALSE, sizeof (guint));
  self->horizon_s = DEFAULT_HORIZON_S;
  self->limits = g_array_new (FALSE, FALSE, sizeof (MimicModelLimit));
  self->n_points = DEFAULT_N_POINTS;
  self->sweep_input = -1;
  mimic_model_run_options_init (&self->options);

  return self;
}

MimicWhatifRequest *
mimic_whatif_request_ref (MimicWhatifRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
request_clear (MimicWhatifRequest *self)
{
  g_object_unref (self->model);
  g_free (self->params);
  g_free (self->readings);
  g_free (self->overrides);
  g_array_unref (self->override_order);
  g_array_unref (self->limits);
}

void
mimic_whatif_request_unref (MimicWhatifRequest *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, (GDestroyNotify) request_clear);
}

MimicModel *
mimic_whatif_request_get_model (MimicWhatifRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->model;
}

guint64
mimic_whatif_request_get_serial (MimicWhatifRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->serial;
}

static gboolean
check_finite (const char  *id,
              double       value,
              GError     **error)
{
  if (isfinite (value))
    return TRUE;

  g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
               _("Value for “%s” is not a finite number"), id);
  return FALSE;
}

/* The index of the model's sensor @sensor_id, or -1 with @error set. */
static int
find_sensor (MimicWhatifRequest  *self,
             const char          *sensor_id,
             GError             **error)
{
  int index = mimic_model_find_output (self->model, sensor_id);

  if (index < 0)
    g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                 _("Model “%s” has no sensor “%s”"),
                 mimic_model_get_name (self->model), sensor_id != NULL ? sensor_id : "");
  return index;
}

/* The index of the model's what-if input @input_id, or -1 with @error set. */
static int
find_input (MimicWhatifRequest  *self,
            const char          *input_id,
            GError             **error)
{
  int index = mimic_model_find_input (self->model, input_id);

  if (index < 0)
    g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                 _("Model “%s” has no what-if parameter “%s”"),
                 mimic_model_get_name (self->model), input_id != NULL ? input_id : "");
  return index;
}

gboolean
mimic_whatif_request_set_reading (MimicWhatifRequest  *self,
                                  const char          *sensor_id,
                                  double               value,
                                  GError             **error)
{
  int index;

  g_return_val_if_fail (self != NULL, FALSE);

  index = find_sensor (self, sensor_id, error);
  if (index < 0)
    return FALSE;
  if (!check_finite (sensor_id, value, error))
    return FALSE;

  self->readings[index] = value;
  return TRUE;
}

gboolean
mimic_whatif_request_set_parameter (MimicWhatifRequest  *self,
                                    const char          *id,
                                    double               value,
                                    GError             **error)
{
  int index;

  g_return_val_if_fail (self != NULL, FALSE);

  index = mimic_model_find_parameter (self->model, id);
  if (index < 0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” has no parameter “%s”"),
                   mimic_model_get_name (self->model), id != NULL ? id : "");
      return FALSE;
    }
  if (!mimic_model_check_parameter (self->model, index, value, error))
    return FALSE;

  self->params[index] = value;
  return TRUE;
}

gboolean
mimic_whatif_request_set_override (MimicWhatifRequest  *self,
                                   const char          *id,
                                   double               value,
                                   GError             **error)
{
  int index;
  guint unsigned_index;

  g_return_val_if_fail (self != NULL, FALSE);

  index = find_input (self, id, error);
  if (index < 0)
    return FALSE;
  if (!mimic_model_check_input (self->model, index, value, error))
    return FALSE;

  unsigned_index = index;
  if (isnan (self->overrides[index]))
    g_array_append_val (self->override_order, unsigned_index);
  self->overrides[index] = value;
  return TRUE;
}

gboolean
mimic_whatif_request_set_horizon (MimicWhatifRequest  *self,
                                  double               seconds,
                                  GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  /* A century is far beyond any asset's life; it also bounds the work. */
  if (!isfinite (seconds) || seconds <= 0.0 || seconds > 100 * 365.25 * 86400.0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                   _("The horizon must be more than 0 s and at most 100 years, not %g s"), seconds);
      return FALSE;
    }

  self->horizon_s = seconds;
  return TRUE;
}

double
mimic_whatif_request_get_horizon (MimicWhatifRequest *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->horizon_s;
}

gboolean
mimic_whatif_request_add_limit (MimicWhatifRequest   *self,
                                const char           *sensor_id,
                                double                value,
                                MimicLimitDirection   direction,
                                GError              **error)
{
  MimicModelLimit limit;
  int index;

  g_return_val_if_fail (self != NULL, FALSE);

  index = find_sensor (self, sensor_id, error);
  if (index < 0)
    return FALSE;
  if (!check_finite (sensor_id, value, error))
    return FALSE;

  /* The model's own string lives as long as the model. */
  limit.sensor_id = mimic_model_get_output_info (self->model, index)->id;
  limit.value = value;
  limit.direction = direction;
  g_array_append_val (self->limits, limit);
  return TRUE;
}

gboolean
mimic_whatif_request_set_n_points (MimicWhatifRequest  *self,
                                   guint                n_points,
                                   GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (n_points < 2 || n_points > MAX_N_POINTS)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE,
                   _("A trajectory has 2 to %u points, not %u"), MAX_N_POINTS, n_points);
      return FALSE;
    }

  self->n_points = n_points;
  return TRUE;
}

gboolean
mimic_whatif_request_set_sweep (MimicWhatifRequest  *self,
                                const char          *input_id,
                                double               first,
                                double               last,
                                guint                n_steps,
                                GError             **error)
{
  int index;

  g_return_val_if_fail (self != NULL, FALSE);

  index = find_input (self, input_id, error);
  if (index < 0)
    return FALSE;
  if (n_steps < 2 || n_steps > MAX_SWEEP_STEPS)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                   _("A sweep has 2 to %u steps, not %u"), MAX_SWEEP_STEPS, n_steps);
      return FALSE;
    }
  if (!mimic_model_check_input (self->model, index, first, error) ||
      !mimic_model_check_input (self->model, index, last, error))
    return FALSE;

  self->sweep_input = index;
  self->sweep_first = first;
  self->sweep_last = last;
  self->sweep_steps = n_steps;
  return TRUE;
}

void
mimic_whatif_request_set_run_options (MimicWhatifRequest         *self,
                                      const MimicModelRunOptions *options)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (options != NULL);

  self->options = *options;
}

typedef struct
{
  const char *id;
  double      value;
} Override;

struct _MimicWhatifResult
{
  MimicModel      *model;
  guint64          serial;
  double           horizon_s;
  GArray          *overrides;         /* of Override */
  guint            n_points;
  guint            n_outputs;
  double          *times;
  double          *trajectories;      /* n_outputs rows of n_points */
  GArray          *limits;            /* of MimicModelLimit */
  double          *crossing_times;
  guint            n_kpis;
  double          *kpis;
  double           remaining_life;
  gboolean         remaining_life_extrapolated;
  double           final_health;

  int              sweep_input;
  guint            n_sweep;
  double          *sweep_values;
  double          *sweep_crossings;   /* n_sweep × n_limits */
  double          *sweep_kpis;        /* n_sweep × n_kpis */
  double          *sweep_remaining_life;
};

G_DEFINE_BOXED_TYPE (MimicWhatifResult, mimic_whatif_result,
                     mimic_whatif_result_ref, mimic_whatif_result_unref)

MimicWhatifResult *
mimic_whatif_result_ref (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
result_clear (MimicWhatifResult *self)
{
  g_object_unref (self->model);
  g_array_unref (self->overrides);
  g_free (self->times);
  g_free (self->trajectories);
  g_array_unref (self->limits);
  g_free (self->crossing_times);
  g_free (self->kpis);
  g_free (self->sweep_values);
  g_free (self->sweep_crossings);
  g_free (self->sweep_kpis);
  g_free (self->sweep_remaining_life);
}

void
mimic_whatif_result_unref (MimicWhatifResult *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, (GDestroyNotify) result_clear);
}

guint64
mimic_whatif_result_get_serial (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->serial;
}

guint
mimic_whatif_result_get_n_overrides (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->overrides->len;
}

const char *
mimic_whatif_result_get_override (MimicWhatifResult *self,
                                  guint              index,
                                  double            *value)
{
  const Override *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->overrides->len, NULL);

  entry = &g_array_index (self->overrides, Override, index);
  if (value != NULL)
    *value = entry->value;
  return entry->id;
}

double
mimic_whatif_result_get_horizon (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->horizon_s;
}

guint
mimic_whatif_result_get_n_points (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_points;
}

const double *
mimic_whatif_result_get_times (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->times;
}

const double *
mimic_whatif_result_get_trajectory (MimicWhatifResult *self,
                                    const char        *sensor_id)
{
  int index;

  g_return_val_if_fail (self != NULL, NULL);

  index = mimic_model_find_output (self->model, sensor_id);
  return index >= 0 ? self->trajectories + (gsize) index * self->n_points : NULL;
}

guint
mimic_whatif_result_get_n_limits (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->limits->len;
}

const MimicModelLimit *
mimic_whatif_result_get_limit (MimicWhatifResult *self,
                               guint              index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->limits->len, NULL);

  return &g_array_index (self->limits, MimicModelLimit, index);
}

double
mimic_whatif_result_get_crossing_time (MimicWhatifResult *self,
                                       guint              index)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (index < self->limits->len, NAN);

  return self->crossing_times[index];
}

guint
mimic_whatif_result_get_n_kpis (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_kpis;
}

const char *
mimic_whatif_result_get_kpi (MimicWhatifResult  *self,
                             guint               index,
                             double             *value,
                             const char        **unit)
{
  const MimicModelKpiInfo *info;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_kpis, NULL);

  info = mimic_model_get_kpi_info (self->model, index);
  if (value != NULL)
    *value = self->kpis[index];
  if (unit != NULL)
    *unit = info->unit;
  return info->id;
}

double
mimic_whatif_result_get_remaining_life (MimicWhatifResult *self,
                                        gboolean          *extrapolated)
{
  g_return_val_if_fail (self != NULL, NAN);

  if (extrapolated != NULL)
    *extrapolated = self->remaining_life_extrapolated;
  return self->remaining_life;
}

double
mimic_whatif_result_get_final_health (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->final_health;
}

const char *
mimic_whatif_result_get_sweep_input (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->sweep_input >= 0 ? mimic_model_get_input_info (self->model, self->sweep_input)->id : NULL;
}

guint
mimic_whatif_result_get_n_sweep (MimicWhatifResult *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_sweep;
}

double
mimic_whatif_result_get_sweep_value (MimicWhatifResult *self,
                                     guint              step)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (step < self->n_sweep, NAN);

  return self->sweep_values[step];
}

double
mimic_whatif_result_get_sweep_crossing_time (MimicWhatifResult *self,
                                             guint              step,
                                             guint              limit)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (step < self->n_sweep && limit < self->limits->len, NAN);

  return self->sweep_crossings[step * self->limits->len + limit];
}

double
mimic_whatif_result_get_sweep_kpi (MimicWhatifResult *self,
                                   guint              step,
                                   guint              kpi)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (step < self->n_sweep && kpi < self->n_kpis, NAN);

  return self->sweep_kpis[step * self->n_kpis + kpi];
}

double
mimic_whatif_result_get_sweep_remaining_life (MimicWhatifResult *self,
                                              guint              step)
{
  g_return_val_if_fail (self != NULL, NAN);
  g_return_val_if_fail (step < self->n_sweep, NAN);

  return self->sweep_remaining_life[step];
}

/* End of life inside the horizon is exact; beyond it, the health trend of
 * the last fifth of the horizon is carried on in a straight line. */
static double
remaining_life (const MimicModelRun *run,
                double               horizon_s,
                gboolean            *extrapolated)
{
  *extrapolated = FALSE;
  if (isfinite (run->end_of_life_time))
    return run->end_of_life_time;

  *extrapolated = TRUE;
  if (run->health_rate < 0.0 && run->final_health > 0.0)
    return horizon_s + run->final_health / -run->health_rate;
  return INFINITY;
}

static void
fill_kpis (MimicModel          *model,
           const MimicModelRun *run,
           double              *kpis)
{
  for (guint i = 0; i < mimic_model_get_n_kpis (model); i++)
    {
      int state = mimic_model_find_state (model, mimic_model_get_kpi_info (model, i)->state_id);

      kpis[i] = state >= 0 ? run->final_state[state] : NAN;
    }
}

MimicWhatifResult *
mimic_whatif_compute (MimicWhatifRequest  *request,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(MimicModelRun) run = NULL;
  g_autofree double *inputs = NULL;
  g_autofree double *state = NULL;
  MimicModel *model;
  MimicModelRunOptions options;
  const MimicModelLimit *limits;
  guint n_inputs, n_limits, n_kpis;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  model = request->model;
  n_inputs = mimic_model_get_n_inputs (model);
  n_limits = request->limits->len;
  n_kpis = mimic_model_get_n_kpis (model);
  limits = (const MimicModelLimit *) (gpointer) request->limits->data;

  /* Inputs: defaults, then what the device measures now, then overrides. */
  inputs = g_new0 (double, MAX (n_inputs, 1));
  mimic_model_fill_default_inputs (model, inputs);
  for (guint i = 0; i < n_inputs; i++)
    {
      const MimicModelInputInfo *info = mimic_model_get_input_info (model, i);
      int sensor = mimic_model_find_output (model, info->sensor_id);

      if (sensor >= 0 && isfinite (request->readings[sensor]))
        inputs[i] = CLAMP (request->readings[sensor], info->minimum, info->maximum);
      if (!isnan (request->overrides[i]))
        inputs[i] = request->overrides[i];
    }

  state = g_new0 (double, mimic_model_get_n_states (model));
  mimic_model_init_state (model, request->params, inputs, request->readings, state);

  options = request->options;
  options.n_points = request->n_points;
  run = mimic_model_run (model, request->params, inputs, state, request->horizon_s,
                         NULL, 0, limits, n_limits, &options, cancellable, error);
  if (run == NULL)
    return NULL;

  result = g_atomic_rc_box_new0 (MimicWhatifResult);
  result->model = g_object_ref (model);
  result->serial = request->serial;
  result->horizon_s = request->horizon_s;
  result->overrides = g_array_new (FALSE, FALSE, sizeof (Override));
  for (guint i = 0; i < request->override_order->len; i++)
    {
      guint index = g_array_index (request->override_order, guint, i);
      Override entry = { mimic_model_get_input_info (model, index)->id, request->overrides[index] };

      g_array_append_val (result->overrides, entry);
    }

  result->n_points = run->n_points;
  result->n_outputs = run->n_outputs;
  result->times = g_memdup2 (run->times, MAX (run->n_points, 1) * sizeof (double));
  result->trajectories = g_new0 (double, MAX (run->n_points * run->n_outputs, 1));
  for (guint p = 0; p < run->n_points; p++)
    for (guint o = 0; o < run->n_outputs; o++)
      result->trajectories[o * run->n_points + p] = run->outputs[p * run->n_outputs + o];

  result->limits = g_array_copy (request->limits);
  result->crossing_times = g_memdup2 (run->crossing_times, MAX (n_limits, 1) * sizeof (double));
  result->n_kpis = n_kpis;
  result->kpis = g_new0 (double, MAX (n_kpis, 1));
  fill_kpis (model, run, result->kpis);
  result->remaining_life = remaining_life (run, request->horizon_s, &result->remaining_life_extrapolated);
  result->final_health = run->final_health;

  result->sweep_input = request->sweep_input;
  if (request->sweep_input >= 0)
    {
      guint steps = request->sweep_steps;

      result->n_sweep = steps;
      result->sweep_values = g_new0 (double, steps);
      result->sweep_crossings = g_new0 (double, MAX (steps * n_limits, 1));
      result->sweep_kpis = g_new0 (double, MAX (steps * n_kpis, 1));
      result->sweep_remaining_life = g_new0 (double, steps);

      /* The sweep needs no trajectories, only what each point crosses. */
      options.n_points = 0;
      for (guint step = 0; step < steps; step++)
        {
          g_autoptr(MimicModelRun) point = NULL;
          g_autofree double *point_inputs = g_memdup2 (inputs, MAX (n_inputs, 1) * sizeof (double));
          gboolean extrapolated;
          double value = request->sweep_first +
                         (request->sweep_last - request->sweep_first) * step / (steps - 1);

          point_inputs[request->sweep_input] = value;
          point = mimic_model_run (model, request->params, point_inputs, state, request->horizon_s,
                                   NULL, 0, limits, n_limits, &options, cancellable, error);
          if (point == NULL)
            return NULL;

          result->sweep_values[step] = value;
          if (n_limits > 0)
            memcpy (result->sweep_crossings + step * n_limits, point->crossing_times, n_limits * sizeof (double));
          fill_kpis (model, point, result->sweep_kpis + step * n_kpis);
          result->sweep_remaining_life[step] = remaining_life (point, request->horizon_s, &extrapolated);
        }
    }

  return g_steal_pointer (&result);
}

struct _MimicWhatif
{
  GObject       parent_instance;

  GCancellable *current;
  guint64       latest_serial;
};

G_DEFINE_FINAL_TYPE (MimicWhatif, mimic_whatif, G_TYPE_OBJECT)

static void
mimic_whatif_dispose (GObject *object)
{
  MimicWhatif *self = MIMIC_WHATIF (object);

  if (self->current != NULL)
    g_cancellable_cancel (self->current);
  g_clear_object (&self->current);

  G_OBJECT_CLASS (mimic_whatif_parent_class)->dispose (object);
}

static void
mimic_whatif_class_init (MimicWhatifClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mimic_whatif_dispose;
}

static void
mimic_whatif_init (MimicWhatif *self)
{
}

MimicWhatif *
mimic_whatif_new (void)
{
  return g_object_new (MIMIC_TYPE_WHATIF, NULL);
}

typedef struct
{
  MimicWhatifRequest *request;
  GCancellable       *caller_cancellable;
  gulong              caller_handler;
} RunData;

static void
run_data_free (RunData *data)
{
  if (data->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (data->caller_cancellable, data->caller_handler);
      g_object_unref (data->caller_cancellable);
    }
  mimic_whatif_request_unref (data->request);
  g_free (data);
}

static void
forward_cancel (GCancellable *caller,
                gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;
  MimicWhatifResult *result = mimic_whatif_compute (data->request, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) mimic_whatif_result_unref);
}

void
mimic_whatif_run_async (MimicWhatif         *self,
                        MimicWhatifRequest  *request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (MIMIC_IS_WHATIF (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Latest wins. */
  if (self->current != NULL)
    g_cancellable_cancel (self->current);
  g_clear_object (&self->current);
  self->current = g_cancellable_new ();
  self->latest_serial = request->serial;

  data = g_new0 (RunData, 1);
  data->request = mimic_whatif_request_ref (request);
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                                    g_object_ref (self->current), g_object_unref);
    }

  task = g_task_new (self, self->current, callback, user_data);
  g_task_set_source_tag (task, mimic_whatif_run_async);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  /* A superseded run reports at once; its thread stops at its next check. */
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, run_in_thread);
}

MimicWhatifResult *
mimic_whatif_run_finish (MimicWhatif   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
mimic_whatif_get_latest_serial (MimicWhatif *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF (self), 0);

  return self->latest_serial;
}
