/* mimic-model.c
 *
 * The base of every physics model: name look-ups, the parameter store, the
 * checks that keep non-finite and out-of-range values out, and a real-time
 * stepper for the device simulator.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-model"

#include "config.h"

#include <glib/gi18n.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <string.h>

#include "mimic-battery-model.h"
#include "mimic-model.h"
#include "mimic-pump-model.h"

typedef struct
{
  double *parameters;
} MimicModelPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (MimicModel, mimic_model, G_TYPE_OBJECT)

G_DEFINE_QUARK (mimic-model-error-quark, mimic_model_error)

static void
mimic_model_constructed (GObject *object)
{
  MimicModel *self = MIMIC_MODEL (object);
  MimicModelPrivate *priv = mimic_model_get_instance_private (self);
  MimicModelClass *klass = MIMIC_MODEL_GET_CLASS (self);

  G_OBJECT_CLASS (mimic_model_parent_class)->constructed (object);

  priv->parameters = g_new0 (double, MAX (klass->n_parameters, 1));
  for (guint i = 0; i < klass->n_parameters; i++)
    priv->parameters[i] = klass->parameters[i].default_value;
}

static void
mimic_model_finalize (GObject *object)
{
  MimicModelPrivate *priv = mimic_model_get_instance_private (MIMIC_MODEL (object));

  g_free (priv->parameters);

  G_OBJECT_CLASS (mimic_model_parent_class)->finalize (object);
}

static void
mimic_model_class_init (MimicModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mimic_model_constructed;
  object_class->finalize = mimic_model_finalize;

  /* GSL aborts the process on errors by default; the models report them
   * as GErrors instead. */
  gsl_set_error_handler_off ();
}

static void
mimic_model_init (MimicModel *self)
{
}

static const char * const model_names[] = { "pump-skid", "battery-rack", NULL };

const char * const *
mimic_model_list_names (void)
{
  return model_names;
}

MimicModel *
mimic_model_new_for_name (const char  *name,
                          GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_strcmp0 (name, "pump-skid") == 0)
    return g_object_new (MIMIC_TYPE_PUMP_MODEL, NULL);
  if (g_strcmp0 (name, "battery-rack") == 0)
    return g_object_new (MIMIC_TYPE_BATTERY_MODEL, NULL);

  g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_MODEL,
               _("Unknown physics model “%s”"), name != NULL ? name : "");
  return NULL;
}

const char *
mimic_model_get_name (MimicModel *self)
{
  g_return_val_if_fail (MIMIC_IS_MODEL (self), NULL);

  return MIMIC_MODEL_GET_CLASS (self)->name;
}

#define DEFINE_TABLE_ACCESS(kind, Kind)                                      \
  guint                                                                      \
  mimic_model_get_n_##kind##s (MimicModel *self)                             \
  {                                                                          \
    g_return_val_if_fail (MIMIC_IS_MODEL (self), 0);                         \
    return MIMIC_MODEL_GET_CLASS (self)->n_##kind##s;                        \
  }                                                                          \
  const MimicModel##Kind##Info *                                             \
  mimic_model_get_##kind##_info (MimicModel *self,                           \
                                 guint       index)                          \
  {                                                                          \
    MimicModelClass *klass;                                                  \
    g_return_val_if_fail (MIMIC_IS_MODEL (self), NULL);                      \
    klass = MIMIC_MODEL_GET_CLASS (self);                                    \
    g_return_val_if_fail (index < klass->n_##kind##s, NULL);                 \
    return &klass->kind##s[index];                                           \
  }

DEFINE_TABLE_ACCESS (state, State)
DEFINE_TABLE_ACCESS (parameter, Parameter)
DEFINE_TABLE_ACCESS (input, Input)
DEFINE_TABLE_ACCESS (output, Output)
DEFINE_TABLE_ACCESS (kpi, Kpi)
DEFINE_TABLE_ACCESS (observer, Observer)

#define DEFINE_FIND(kind)                                                    \
  int                                                                        \
  mimic_model_find_##kind (MimicModel *self,                                 \
                           const char *id)                                   \
  {                                                                          \
    MimicModelClass *klass;                                                  \
    g_return_val_if_fail (MIMIC_IS_MODEL (self), -1);                        \
    if (id == NULL)                                                          \
      return -1;                                                             \
    klass = MIMIC_MODEL_GET_CLASS (self);                                    \
    for (guint i = 0; i < klass->n_##kind##s; i++)                           \
      if (strcmp (klass->kind##s[i].id, id) == 0)                            \
        return (int) i;                                                      \
    return -1;                                                               \
  }

DEFINE_FIND (state)
DEFINE_FIND (parameter)
DEFINE_FIND (input)
DEFINE_FIND (output)

static gboolean
check_value (const char  *id,
             const char  *unit,
             double       value,
             double       minimum,
             double       maximum,
             GError     **error)
{
  if (!isfinite (value))
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                   _("Value for “%s” is not a finite number"), id);
      return FALSE;
    }
  if (value < minimum || value > maximum)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_OUT_OF_RANGE,
                   _("Value %g for “%s” is outside %g…%g %s"),
                   value, id, minimum, maximum, unit);
      return FALSE;
    }
  return TRUE;
}

gboolean
mimic_model_check_parameter (MimicModel  *self,
                             guint        index,
                             double       value,
                             GError     **error)
{
  const MimicModelParameterInfo *info = mimic_model_get_parameter_info (self, index);

  g_return_val_if_fail (info != NULL, FALSE);

  return check_value (info->id, info->unit, value, info->minimum, info->maximum, error);
}

gboolean
mimic_model_check_input (MimicModel  *self,
                         guint        index,
                         double       value,
                         GError     **error)
{
  const MimicModelInputInfo *info = mimic_model_get_input_info (self, index);

  g_return_val_if_fail (info != NULL, FALSE);

  return check_value (info->id, info->unit, value, info->minimum, info->maximum, error);
}

gboolean
mimic_model_set_parameter (MimicModel  *self,
                           const char  *id,
                           double       value,
                           GError     **error)
{
  MimicModelPrivate *priv = mimic_model_get_instance_private (self);
  int index;

  g_return_val_if_fail (MIMIC_IS_MODEL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  index = mimic_model_find_parameter (self, id);
  if (index < 0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” has no parameter “%s”"),
                   mimic_model_get_name (self), id != NULL ? id : "");
      return FALSE;
    }
  if (!mimic_model_check_parameter (self, index, value, error))
    return FALSE;

  priv->parameters[index] = value;
  return TRUE;
}

double
mimic_model_get_parameter (MimicModel *self,
                           const char *id)
{
  MimicModelPrivate *priv = mimic_model_get_instance_private (self);
  int index;

  g_return_val_if_fail (MIMIC_IS_MODEL (self), NAN);

  index = mimic_model_find_parameter (self, id);
  g_return_val_if_fail (index >= 0, NAN);

  return priv->parameters[index];
}

const double *
mimic_model_get_parameters (MimicModel *self)
{
  MimicModelPrivate *priv = mimic_model_get_instance_private (self);

  g_return_val_if_fail (MIMIC_IS_MODEL (self), NULL);

  return priv->parameters;
}

double *
mimic_model_dup_parameters (MimicModel *self)
{
  MimicModelPrivate *priv = mimic_model_get_instance_private (self);

  g_return_val_if_fail (MIMIC_IS_MODEL (self), NULL);

  return g_memdup2 (priv->parameters,
                    sizeof (double) * MAX (MIMIC_MODEL_GET_CLASS (self)->n_parameters, 1));
}

void
mimic_model_fill_default_inputs (MimicModel *self,
                                 double     *inputs)
{
  MimicModelClass *klass;

  g_return_if_fail (MIMIC_IS_MODEL (self));

  klass = MIMIC_MODEL_GET_CLASS (self);
  for (guint i = 0; i < klass->n_inputs; i++)
    inputs[i] = klass->inputs[i].default_value;
}

void
mimic_model_init_state (MimicModel   *self,
                        const double *params,
                        const double *inputs,
                        const double *readings,
                        double       *state)
{
  g_return_if_fail (MIMIC_IS_MODEL (self));

  MIMIC_MODEL_GET_CLASS (self)->init_state (self, params, inputs, readings, state);
}

void
mimic_model_derivatives (MimicModel   *self,
                         double        t,
                         const double *state,
                         const double *params,
                         const double *inputs,
                         double       *dstate_dt)
{
  g_return_if_fail (MIMIC_IS_MODEL (self));

  MIMIC_MODEL_GET_CLASS (self)->derivatives (self, t, state, params, inputs, dstate_dt);
}

void
mimic_model_compute_outputs (MimicModel   *self,
                             double        t,
                             const double *state,
                             const double *params,
                             const double *inputs,
                             double       *outputs)
{
  g_return_if_fail (MIMIC_IS_MODEL (self));

  MIMIC_MODEL_GET_CLASS (self)->compute_outputs (self, t, state, params, inputs, outputs);
}

void
mimic_model_schedule_events (MimicModel   *self,
                             const double *params,
                             const double *inputs,
                             double        horizon_s,
                             GArray       *events)
{
  MimicModelClass *klass;

  g_return_if_fail (MIMIC_IS_MODEL (self));

  klass = MIMIC_MODEL_GET_CLASS (self);
  if (klass->schedule_events != NULL)
    klass->schedule_events (self, params, inputs, horizon_s, events);
}

gboolean
mimic_model_apply_action (MimicModel    *self,
                          const char    *action,
                          const double  *params,
                          double        *state,
                          GError       **error)
{
  MimicModelClass *klass;

  g_return_val_if_fail (MIMIC_IS_MODEL (self), FALSE);

  klass = MIMIC_MODEL_GET_CLASS (self);
  if (klass->apply_action == NULL || action == NULL)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("Model “%s” has no action “%s”"), klass->name, action != NULL ? action : "");
      return FALSE;
    }
  return klass->apply_action (self, action, params, state, error);
}

double
mimic_model_health (MimicModel   *self,
                    const double *state,
                    const double *params)
{
  MimicModelClass *klass;

  g_return_val_if_fail (MIMIC_IS_MODEL (self), NAN);

  klass = MIMIC_MODEL_GET_CLASS (self);
  return klass->health != NULL ? klass->health (self, state, params) : 1.0;
}

typedef struct
{
  MimicModel      *model;
  MimicModelClass *klass;
  const double    *params;
  const double    *inputs;
} AdvanceClosure;

static int
advance_rhs (double        t,
             const double  y[],
             double        dydt[],
             void         *user_data)
{
  AdvanceClosure *closure = user_data;

  closure->klass->derivatives (closure->model, t, y, closure->params, closure->inputs, dydt);
  return GSL_SUCCESS;
}

gboolean
mimic_model_advance (MimicModel    *self,
                     const double  *params,
                     const double  *inputs,
                     double        *state,
                     double         dt,
                     GError       **error)
{
  MimicModelClass *klass;
  AdvanceClosure closure;
  gsl_odeiv2_system system;
  gsl_odeiv2_driver *driver;
  double t = 0.0;
  int status;

  g_return_val_if_fail (MIMIC_IS_MODEL (self), FALSE);
  g_return_val_if_fail (params != NULL && inputs != NULL && state != NULL, FALSE);

  if (!isfinite (dt) || dt < 0.0)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INVALID,
                   _("Time step %g s is not a finite, non-negative number"), dt);
      return FALSE;
    }
  if (dt == 0.0)
    return TRUE;

  klass = MIMIC_MODEL_GET_CLASS (self);
  closure = (AdvanceClosure) { self, klass, params, inputs };
  system = (gsl_odeiv2_system) { advance_rhs, NULL, klass->n_states, &closure };
  driver = gsl_odeiv2_driver_alloc_y_new (&system, gsl_odeiv2_step_rkf45,
                                          MIN (dt, 1.0), 1e-6, 1e-6);
  status = gsl_odeiv2_driver_apply (driver, &t, dt, state);
  gsl_odeiv2_driver_free (driver);

  if (status != GSL_SUCCESS)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_INTEGRATION,
                   _("The model could not be integrated: %s"), gsl_strerror (status));
      return FALSE;
    }
  return TRUE;
}
