/* mimic-model-run.h — a model integrated over a horizon: trajectories,
 * threshold crossings, key figures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-model.h"

G_BEGIN_DECLS

typedef enum
{
  MIMIC_LIMIT_RISING,           /* reached when the output goes up to the value */
  MIMIC_LIMIT_FALLING,          /* reached when the output goes down to it */
} MimicLimitDirection;

/* An alarm limit of one output, e.g. from the asset description. */
typedef struct
{
  const char          *sensor_id;
  double               value;
  MimicLimitDirection  direction;
} MimicModelLimit;

typedef enum
{
  MIMIC_MODEL_STEPPER_RKF45,    /* adaptive Runge-Kutta-Fehlberg 4(5): the default */
  MIMIC_MODEL_STEPPER_RK8PD,    /* adaptive Prince-Dormand 8(9) */
  MIMIC_MODEL_STEPPER_MSBDF,    /* adaptive multistep BDF: faster, but see docs/benchmarks.md */
  MIMIC_MODEL_STEPPER_RK4_FIXED, /* classic RK4 at a fixed step: a reference */
} MimicModelStepper;

typedef struct
{
  MimicModelStepper stepper;
  double            fixed_step_s;       /* for RK4_FIXED */
  double            absolute_tolerance;
  double            relative_tolerance;
  double            crossing_tolerance_s;
  guint             n_points;           /* trajectory samples, both ends included; 0 for none */
} MimicModelRunOptions;

void mimic_model_run_options_init (MimicModelRunOptions *options);

/* What one integration found. Crossing times are seconds from the start,
 * INFINITY when the limit was not reached within the horizon, 0 when the
 * output was already past it. */
typedef struct
{
  guint   n_outputs;
  guint   n_states;
  guint   n_points;
  double *times;                /* n_points */
  double *outputs;              /* n_points × n_outputs, row per time */
  double *final_state;          /* n_states */
  guint   n_limits;
  double *crossing_times;       /* n_limits, in the order given */
  double  end_of_life_time;     /* health reaches 0 */
  double  final_health;
  double  health_rate;          /* per second over the last part of the run */
  guint64 n_steps;
  guint64 n_evaluations;
} MimicModelRun;

MimicModelRun *mimic_model_run          (MimicModel                 *model,
                                         const double               *params,
                                         const double               *inputs,
                                         const double               *initial_state,
                                         double                      horizon_s,
                                         const MimicModelEvent      *events,
                                         guint                       n_events,
                                         const MimicModelLimit      *limits,
                                         guint                       n_limits,
                                         const MimicModelRunOptions *options,
                                         GCancellable               *cancellable,
                                         GError                    **error);
void           mimic_model_run_free     (MimicModelRun              *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicModelRun, mimic_model_run_free)

G_END_DECLS
