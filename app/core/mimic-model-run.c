/* mimic-model-run.c
 *
 * Integrates a model over a horizon with gsl_odeiv2, stopping at scheduled
 * events and at the trajectory's sample times, and finds when each output
 * reaches its limit: a sign change of (output − limit) between two accepted
 * steps is refined by the Illinois variant of regula falsi, re-integrating
 * from the start of the step, to within a tolerance in seconds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-model-run"

#include "config.h"

#include <glib/gi18n.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <string.h>

#include "mimic-model-run.h"

#define INTERNAL_STOPS 256

void
mimic_model_run_options_init (MimicModelRunOptions *options)
{
  g_return_if_fail (options != NULL);

  options->stepper = MIMIC_MODEL_STEPPER_RKF45;
  options->fixed_step_s = 1.0;
  options->absolute_tolerance = 1e-5;
  options->relative_tolerance = 1e-5;
  options->crossing_tolerance_s = 1.0;
  options->n_points = 0;
}

void
mimic_model_run_free (MimicModelRun *run)
{
  if (run == NULL)
    return;

  g_free (run->times);
  g_free (run->outputs);
  g_free (run->final_state);
  g_free (run->crossing_times);
  g_free (run);
}

typedef struct
{
  MimicModel      *model;
  MimicModelClass *klass;
  const double    *params;
  const double    *inputs;
  guint64          n_evaluations;
  double          *scratch;     /* for the finite-difference Jacobian */
} RunSystem;

static int
run_rhs (double        t,
         const double  y[],
         double        dydt[],
         void         *user_data)
{
  RunSystem *system = user_data;

  system->n_evaluations++;
  system->klass->derivatives (system->model, t, y, system->params, system->inputs, dydt);
  return GSL_SUCCESS;
}

/* Only the BDF stepper needs a Jacobian; forward differences serve, since
 * the models are smooth and small. */
static int
run_jacobian (double        t,
              const double  y[],
              double       *dfdy,
              double        dfdt[],
              void         *user_data)
{
  RunSystem *system = user_data;
  guint n = system->klass->n_states;
  double *f0 = system->scratch;
  double *f1 = system->scratch + n;
  double *yp = system->scratch + 2 * n;

  run_rhs (t, y, f0, system);
  memcpy (yp, y, n * sizeof (double));
  for (guint j = 0; j < n; j++)
    {
      double h = 1e-7 * MAX (fabs (y[j]), 1e-3);

      yp[j] = y[j] + h;
      run_rhs (t, yp, f1, system);
      yp[j] = y[j];
      for (guint i = 0; i < n; i++)
        dfdy[i * n + j] = (f1[i] - f0[i]) / h;
    }
  run_rhs (t + 1e-3, y, f1, system);
  for (guint i = 0; i < n; i++)
    dfdt[i] = (f1[i] - f0[i]) / 1e-3;

  return GSL_SUCCESS;
}

typedef struct
{
  const MimicModelRunOptions *options;
  gsl_odeiv2_system           system;
  gsl_odeiv2_driver          *driver;     /* adaptive steppers */
  gsl_odeiv2_step            *fixed;      /* RK4 at a fixed step */
  double                     *error;
  double                      h;
} Stepper;

static void
stepper_init (Stepper                    *stepper,
              RunSystem                  *run_system,
              guint                       n_states,
              const MimicModelRunOptions *options,
              double                      first_step)
{
  const gsl_odeiv2_step_type *type = gsl_odeiv2_step_rkf45;

  memset (stepper, 0, sizeof *stepper);
  stepper->options = options;
  stepper->system = (gsl_odeiv2_system) { run_rhs, run_jacobian, n_states, run_system };
  stepper->h = first_step;

  if (options->stepper == MIMIC_MODEL_STEPPER_RK4_FIXED)
    {
      stepper->fixed = gsl_odeiv2_step_alloc (gsl_odeiv2_step_rk4, n_states);
      stepper->error = g_new0 (double, n_states);
      return;
    }

  if (options->stepper == MIMIC_MODEL_STEPPER_RK8PD)
    type = gsl_odeiv2_step_rk8pd;
  else if (options->stepper == MIMIC_MODEL_STEPPER_MSBDF)
    type = gsl_odeiv2_step_msbdf;

  stepper->driver = gsl_odeiv2_driver_alloc_y_new (&stepper->system, type, first_step,
                                                   options->absolute_tolerance,
                                                   options->relative_tolerance);
}

static void
stepper_clear (Stepper *stepper)
{
  g_clear_pointer (&stepper->driver, gsl_odeiv2_driver_free);
  g_clear_pointer (&stepper->fixed, gsl_odeiv2_step_free);
  g_clear_pointer (&stepper->error, g_free);
}

/* After a jump in the state or the inputs, history-based steppers must
 * start afresh. */
static void
stepper_reset (Stepper *stepper)
{
  if (stepper->driver != NULL)
    gsl_odeiv2_driver_reset (stepper->driver);
  else
    gsl_odeiv2_step_reset (stepper->fixed);
}

/* One accepted step towards t_stop, never past it. */
static int
stepper_step (Stepper *stepper,
              double  *t,
              double   t_stop,
              double  *y)
{
  if (stepper->fixed != NULL)
    {
      double h = MIN (stepper->options->fixed_step_s, t_stop - *t);
      int status = gsl_odeiv2_step_apply (stepper->fixed, *t, h, y, stepper->error,
                                          NULL, NULL, &stepper->system);

      *t = (t_stop - (*t + h) < 1e-9 * stepper->options->fixed_step_s) ? t_stop : *t + h;
      return status;
    }

  return gsl_odeiv2_evolve_apply (stepper->driver->e, stepper->driver->c, stepper->driver->s,
                                  &stepper->system, t, t_stop, &stepper->h, y);
}

/* Integrates from t to t_end without stopping in between. */
static int
stepper_integrate (Stepper *stepper,
                   double   t,
                   double   t_end,
                   double  *y,
                   double   first_step)
{
  stepper_reset (stepper);
  stepper->h = MIN (first_step, t_end - t);
  while (t < t_end)
    {
      int status = stepper_step (stepper, &t, t_end, y);

      if (status != GSL_SUCCESS)
        return status;
    }
  return GSL_SUCCESS;
}

typedef struct
{
  MimicModel            *model;
  MimicModelClass       *klass;
  const double          *params;
  const MimicModelLimit *limits;
  int                   *limit_outputs;
  guint                  n_limits;
  double                *outputs;
} Watch;

/* g ≥ 0 means "limit reached"; the last entry is the end of life. */
static void
watch_evaluate (Watch        *watch,
                double        t,
                const double *y,
                const double *inputs,
                double       *g)
{
  watch->klass->compute_outputs (watch->model, t, y, watch->params, inputs, watch->outputs);
  for (guint i = 0; i < watch->n_limits; i++)
    {
      double value = watch->outputs[watch->limit_outputs[i]];

      g[i] = watch->limits[i].direction == MIMIC_LIMIT_RISING
             ? value - watch->limits[i].value
             : watch->limits[i].value - value;
    }
  g[watch->n_limits] = watch->klass->health != NULL
                       ? -watch->klass->health (watch->model, y, watch->params)
                       : -1.0;
}

/* The first time in (t_a, t_b] at which g[index] ≥ 0, given g < 0 at t_a
 * and g ≥ 0 at t_b. */
static double
refine_crossing (Stepper      *probe,
                 Watch        *watch,
                 const double *inputs,
                 guint         index,
                 double        t_a,
                 const double *y_a,
                 double        g_a,
                 double        t_b,
                 double        g_b,
                 double        tolerance,
                 double       *y_scratch,
                 double       *g_scratch)
{
  double a = t_a, fa = g_a, b = t_b, fb = g_b;
  int side = 0;
  guint n = watch->klass->n_states;

  for (guint iteration = 0; iteration < 100 && b - a > tolerance; iteration++)
    {
      double c;

      /* Illinois: halve the stale end's weight so both ends move; plain
       * bisection if the secant misbehaves. */
      c = (a * fb - b * fa) / (fb - fa);
      if (!isfinite (c) || c <= a || c >= b || iteration >= 40)
        c = 0.5 * (a + b);

      memcpy (y_scratch, y_a, n * sizeof (double));
      if (stepper_integrate (probe, t_a, c, y_scratch, MIN (c - t_a, 10.0)) != GSL_SUCCESS)
        break;
      watch_evaluate (watch, c, y_scratch, inputs, g_scratch);

      if (g_scratch[index] >= 0.0)
        {
          b = c;
          fb = g_scratch[index];
          if (side == 1)
            fa /= 2.0;
          side = 1;
        }
      else
        {
          a = c;
          fa = g_scratch[index];
          if (side == -1)
            fb /= 2.0;
          side = -1;
        }
    }
  return b;
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const MimicModelEvent *event_a = a;
  const MimicModelEvent *event_b = b;

  return (event_a->time_s > event_b->time_s) - (event_a->time_s < event_b->time_s);
}

MimicModelRun *
mimic_model_run (MimicModel                 *model,
                 const double               *params,
                 const double               *initial_inputs,
                 const double               *initial_state,
                 double                      horizon_s,
                 const MimicModelEvent      *events,
                 guint                       n_events,
                 const MimicModelLimit      *limits,
                 guint                       n_limits,
                 const MimicModelRunOptions *options,
                 GCancellable               *cancellable,
                 GError                    **error)
{
  g_autoptr(MimicModelRun) run = NULL;
  g_autoptr(GArray) schedule = NULL;
  g_autofree double *inputs = NULL;
  g_autofree double *y = NULL;
  g_autofree double *y_a = NULL;
  g_autofree double *y_probe = NULL;
  g_autofree double *g_prev = NULL;
  g_autofree double *g_new = NULL;
  g_autofree double *g_probe = NULL;
  g_autofree double *jacobian_scratch = NULL;
  g_autofree int *limit_outputs = NULL;
  g_autofree double *outputs = NULL;
  MimicModelRunOptions default_options, probe_options;
  MimicModelClass *klass;
  RunSystem run_system;
  Stepper stepper, probe;
  Watch watch;
  double t = 0.0, health_mark_t = -1.0, health_mark = 0.0;
  guint next_event = 0, next_point = 0, n_watch;
  int status = GSL_SUCCESS;

  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);
  g_return_val_if_fail (params != NULL && initial_inputs != NULL && initial_state != NULL, NULL);
  g_return_val_if_fail (n_events == 0 || events != NULL, NULL);
  g_return_val_if_fail (n_limits == 0 || limits != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      mimic_model_run_options_init (&default_options);
      options = &default_options;
    }

  klass = MIMIC_MODEL_GET_CLASS (model);

  if (!isfinite (horizon_s) || horizon_s <= 0.0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                   _("The horizon must be a positive number of seconds, not %g"), horizon_s);
      return NULL;
    }
  if (options->stepper == MIMIC_MODEL_STEPPER_RK4_FIXED &&
      !(options->fixed_step_s > 0.0 && isfinite (options->fixed_step_s)))
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                   _("The fixed step must be a positive number of seconds"));
      return NULL;
    }
  for (guint i = 0; i < klass->n_states; i++)
    {
      if (!isfinite (initial_state[i]))
        {
          g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                       _("The initial value of “%s” is not a finite number"), klass->states[i].id);
          return NULL;
        }
    }

  limit_outputs = g_new0 (int, MAX (n_limits, 1));
  for (guint i = 0; i < n_limits; i++)
    {
      limit_outputs[i] = mimic_model_find_output (model, limits[i].sensor_id);
      if (limit_outputs[i] < 0)
        {
          g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                       _("Model “%s” has no output “%s” to watch a limit on"),
                       klass->name, limits[i].sensor_id != NULL ? limits[i].sensor_id : "");
          return NULL;
        }
      if (!isfinite (limits[i].value))
        {
          g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                       _("The limit on “%s” is not a finite number"), limits[i].sensor_id);
          return NULL;
        }
    }

  inputs = g_memdup2 (initial_inputs, MAX (klass->n_inputs, 1) * sizeof (double));
  schedule = g_array_new (FALSE, FALSE, sizeof (MimicModelEvent));
  for (guint i = 0; i < n_events; i++)
    {
      if (!isfinite (events[i].time_s) || events[i].time_s < 0.0 ||
          (events[i].input >= 0 && (guint) events[i].input >= klass->n_inputs) ||
          (events[i].input >= 0 && !isfinite (events[i].value)) ||
          (events[i].input < 0 && events[i].action == NULL))
        {
          g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                       _("Scheduled event %u is not valid"), i);
          return NULL;
        }
      if (events[i].time_s <= horizon_s)
        g_array_append_val (schedule, events[i]);
    }
  mimic_model_schedule_events (model, params, inputs, horizon_s, schedule);
  /* Stable, so events given for the same time keep their order. */
  g_array_sort (schedule, compare_events);

  run = g_new0 (MimicModelRun, 1);
  run->n_outputs = klass->n_outputs;
  run->n_states = klass->n_states;
  run->n_points = options->n_points == 1 ? 2 : options->n_points;
  run->times = g_new0 (double, MAX (run->n_points, 1));
  run->outputs = g_new0 (double, MAX (run->n_points * klass->n_outputs, 1));
  run->final_state = g_new0 (double, klass->n_states);
  run->n_limits = n_limits;
  run->crossing_times = g_new0 (double, MAX (n_limits, 1));
  for (guint i = 0; i < n_limits; i++)
    run->crossing_times[i] = INFINITY;
  run->end_of_life_time = INFINITY;

  n_watch = n_limits + 1;
  y = g_memdup2 (initial_state, klass->n_states * sizeof (double));
  y_a = g_new0 (double, klass->n_states);
  y_probe = g_new0 (double, klass->n_states);
  g_prev = g_new0 (double, n_watch);
  g_new = g_new0 (double, n_watch);
  g_probe = g_new0 (double, n_watch);
  outputs = g_new0 (double, MAX (klass->n_outputs, 1));
  jacobian_scratch = g_new0 (double, 3 * klass->n_states);

  run_system = (RunSystem) { model, klass, params, inputs, 0, jacobian_scratch };
  watch = (Watch) { model, klass, params, limits, limit_outputs, n_limits, outputs };
  stepper_init (&stepper, &run_system, klass->n_states, options, 1.0);
  /* Refining a crossing integrates within one accepted step, again and
   * again from its start; a multistep method would restart at first order
   * each time, so an explicit one-step method does it. */
  probe_options = *options;
  if (probe_options.stepper != MIMIC_MODEL_STEPPER_RK4_FIXED)
    probe_options.stepper = MIMIC_MODEL_STEPPER_RKF45;
  stepper_init (&probe, &run_system, klass->n_states, &probe_options, 1.0);

  watch_evaluate (&watch, t, y, inputs, g_prev);
  for (guint i = 0; i < n_watch; i++)
    {
      if (g_prev[i] >= 0.0)
        {
          if (i < n_limits)
            run->crossing_times[i] = 0.0;
          else
            run->end_of_life_time = 0.0;
        }
    }

  while (TRUE)
    {
      double t_stop = horizon_s, t_a;

      /* Events due now: apply them, then look again at every limit, since a
       * jump may cross one. */
      if (next_event < schedule->len && g_array_index (schedule, MimicModelEvent, next_event).time_s <= t)
        {
          while (next_event < schedule->len &&
                 g_array_index (schedule, MimicModelEvent, next_event).time_s <= t)
            {
              const MimicModelEvent *event = &g_array_index (schedule, MimicModelEvent, next_event++);

              if (event->input >= 0)
                inputs[event->input] = event->value;
              else if (!mimic_model_apply_action (model, event->action, params, y, error))
                goto failed;
            }
          stepper_reset (&stepper);
          watch_evaluate (&watch, t, y, inputs, g_new);
          for (guint i = 0; i < n_watch; i++)
            {
              double *when = i < n_limits ? &run->crossing_times[i] : &run->end_of_life_time;

              if (isinf (*when) && g_prev[i] < 0.0 && g_new[i] >= 0.0)
                *when = t;
              g_prev[i] = g_new[i];
            }
        }

      /* Sample points of the trajectory. */
      while (next_point < run->n_points &&
             horizon_s * next_point / (run->n_points - 1) <= t + 1e-9 * horizon_s)
        {
          watch_evaluate (&watch, t, y, inputs, g_probe);
          run->times[next_point] = t;
          memcpy (run->outputs + next_point * klass->n_outputs, outputs, klass->n_outputs * sizeof (double));
          next_point++;
        }

      if (t >= horizon_s)
        break;

      if (next_point < run->n_points)
        t_stop = MIN (t_stop, horizon_s * next_point / (run->n_points - 1));
      /* Regular stops bound the step, so a long step of a high-order
       * method cannot carry a slow state's error far. */
      t_stop = MIN (t_stop, horizon_s * (floor (t / horizon_s * INTERNAL_STOPS + 1e-9) + 1) / INTERNAL_STOPS);
      if (next_event < schedule->len)
        t_stop = MIN (t_stop, g_array_index (schedule, MimicModelEvent, next_event).time_s);

      t_a = t;
      memcpy (y_a, y, klass->n_states * sizeof (double));
      status = stepper_step (&stepper, &t, t_stop, y);
      if (status != GSL_SUCCESS)
        break;
      run->n_steps++;

      if ((run->n_steps & 255) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        goto failed;

      for (guint i = 0; i < klass->n_states; i++)
        {
          if (!isfinite (y[i]))
            {
              status = GSL_EBADFUNC;
              break;
            }
        }
      if (status != GSL_SUCCESS)
        break;

      watch_evaluate (&watch, t, y, inputs, g_new);
      for (guint i = 0; i < n_watch; i++)
        {
          double *when = i < n_limits ? &run->crossing_times[i] : &run->end_of_life_time;

          if (isinf (*when) && g_prev[i] < 0.0 && g_new[i] >= 0.0)
            *when = refine_crossing (&probe, &watch, inputs, i, t_a, y_a, g_prev[i], t, g_new[i],
                                     options->crossing_tolerance_s, y_probe, g_probe);
        }
      memcpy (g_prev, g_new, n_watch * sizeof (double));

      if (health_mark_t < 0.0 && t >= 0.8 * horizon_s)
        {
          health_mark_t = t;
          health_mark = -g_new[n_limits];
        }
    }

  if (status != GSL_SUCCESS)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INTEGRATION,
                   _("The model could not be integrated past %.0f s: %s"), t, gsl_strerror (status));
      goto failed;
    }

  memcpy (run->final_state, y, klass->n_states * sizeof (double));
  run->final_health = mimic_model_health (model, y, params);
  run->health_rate = health_mark_t >= 0.0 && horizon_s > health_mark_t
                     ? (run->final_health - health_mark) / (horizon_s - health_mark_t)
                     : 0.0;
  run->n_evaluations = run_system.n_evaluations;

  stepper_clear (&stepper);
  stepper_clear (&probe);
  return g_steal_pointer (&run);

failed:
  stepper_clear (&stepper);
  stepper_clear (&probe);
  return NULL;
}
