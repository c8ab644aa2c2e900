/* mimic-model.h — the physics model of an asset type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMIC_MODEL_ERROR (mimic_model_error_quark ())

typedef enum
{
  MIMIC_MODEL_ERROR_UNKNOWN_MODEL,
  MIMIC_MODEL_ERROR_UNKNOWN_NAME,     /* no such parameter, input, output or action */
  MIMIC_MODEL_ERROR_NOT_FINITE,
  MIMIC_MODEL_ERROR_OUT_OF_RANGE,
  MIMIC_MODEL_ERROR_INVALID,          /* e.g. a negative horizon or an empty sweep */
  MIMIC_MODEL_ERROR_INTEGRATION,      /* the ODE solver gave up */
  MIMIC_MODEL_ERROR_CANCELLED,
} MimicModelError;

GQuark mimic_model_error_quark (void);

/* Descriptions of what a model has; each model keeps them in static tables. */
typedef struct
{
  const char *id;
  const char *unit;
  const char *description;
  double      tolerance;        /* smallest change of the state that matters, in unit */
} MimicModelStateInfo;

typedef struct
{
  const char *id;
  const char *unit;
  double      default_value;
  double      minimum;
  double      maximum;
  gboolean    individual;       /* differs from unit to unit; calibration fits it */
} MimicModelParameterInfo;

/* Inputs are the conditions a model is driven by: setpoints, ambient,
 * prices, injected faults. Their ids are the what-if override ids. */
typedef struct
{
  const char *id;
  const char *unit;
  double      default_value;
  double      minimum;
  double      maximum;
  const char *sensor_id;        /* the measured sensor that drives it live, or NULL */
} MimicModelInputInfo;

/* Outputs are named like the asset's sensors. */
typedef struct
{
  const char *id;
  const char *unit;
} MimicModelOutputInfo;

/* Key figures accumulated over a run (energy, cost); each is a state. */
typedef struct
{
  const char *id;
  const char *unit;
  const char *state_id;
} MimicModelKpiInfo;

/* A state the model runner pulls towards a reading of the same quantity,
 * a Luenberger observer: after each reading of output_id the state moves
 * by (1 − e^(−gain·Δt)) of the disagreement, so an integrated state that
 * the device measures itself (a rack's state of charge) cannot drift off
 * with the open-loop integral, while states with no entry here run open
 * loop and keep every disagreement in their residuals. */
typedef struct
{
  const char *output_id;
  const char *state_id;
  double      gain;             /* 1/s; 0: open loop */
  double      state_minimum;    /* the corrected state stays within these */
  double      state_maximum;
} MimicModelObserverInfo;

/* A scheduled change during a run: an input takes a new value, or the model
 * performs an action ("maintenance" resets the pump's wear). */
typedef struct
{
  double      time_s;
  int         input;            /* input index, or -1 */
  double      value;
  const char *action;           /* static string, or NULL */
} MimicModelEvent;

#define MIMIC_TYPE_MODEL (mimic_model_get_type ())

G_DECLARE_DERIVABLE_TYPE (MimicModel, mimic_model, MIMIC, MODEL, GObject)

/* A base class rather than an interface: every model shares the parameter
 * store, the name look-ups, the checks on bad values and the integrator;
 * a subclass only supplies its tables and its equations.
 *
 * The equation vfuncs receive the parameters and inputs as arrays and never
 * touch the instance's own parameter store, so a snapshot of the arrays can
 * be integrated on a worker thread while the main thread recalibrates. */
struct _MimicModelClass
{
  GObjectClass parent_class;

  const char                    *name;
  const MimicModelStateInfo     *states;
  guint                          n_states;
  const MimicModelParameterInfo *parameters;
  guint                          n_parameters;
  const MimicModelInputInfo     *inputs;
  guint                          n_inputs;
  const MimicModelOutputInfo    *outputs;
  guint                          n_outputs;
  const MimicModelKpiInfo       *kpis;
  guint                          n_kpis;

  /* readings: one per output, NaN where not measured. */
  void     (*init_state)      (MimicModel   *self,
                               const double *params,
                               const double *inputs,
                               const double *readings,
                               double       *state);
  void     (*derivatives)     (MimicModel   *self,
                               double        t,
                               const double *state,
                               const double *params,
                               const double *inputs,
                               double       *dstate_dt);
  void     (*compute_outputs) (MimicModel   *self,
                               double        t,
                               const double *state,
                               const double *params,
                               const double *inputs,
                               double       *outputs);
  /* Turns inputs that mean "something happens later" (a maintenance delay)
   * into events; may be NULL. */
  void     (*schedule_events) (MimicModel   *self,
                               const double *params,
                               const double *inputs,
                               double        horizon_s,
                               GArray       *events);
  gboolean (*apply_action)    (MimicModel   *self,
                               const char   *action,
                               const double *params,
                               double       *state,
                               GError      **error);
  /* 1 when new, 0 at end of life; remaining useful life is when it hits 0. */
  double   (*health)          (MimicModel   *self,
                               const double *state,
                               const double *params);

  const MimicModelObserverInfo  *observers;
  guint                          n_observers;

  gpointer padding[6];
};

MimicModel                    *mimic_model_new_for_name       (const char    *name,
                                                               GError       **error);
const char * const            *mimic_model_list_names         (void);

const char                    *mimic_model_get_name           (MimicModel    *self);

guint                          mimic_model_get_n_states       (MimicModel    *self);
const MimicModelStateInfo     *mimic_model_get_state_info     (MimicModel    *self,
                                                               guint          index);
guint                          mimic_model_get_n_parameters   (MimicModel    *self);
const MimicModelParameterInfo *mimic_model_get_parameter_info (MimicModel    *self,
                                                               guint          index);
guint                          mimic_model_get_n_inputs       (MimicModel    *self);
const MimicModelInputInfo     *mimic_model_get_input_info     (MimicModel    *self,
                                                               guint          index);
guint                          mimic_model_get_n_outputs      (MimicModel    *self);
const MimicModelOutputInfo    *mimic_model_get_output_info    (MimicModel    *self,
                                                               guint          index);
guint                          mimic_model_get_n_kpis         (MimicModel    *self);
const MimicModelKpiInfo       *mimic_model_get_kpi_info       (MimicModel    *self,
                                                               guint          index);
guint                          mimic_model_get_n_observers    (MimicModel    *self);
const MimicModelObserverInfo  *mimic_model_get_observer_info  (MimicModel    *self,
                                                               guint          index);

/* Index of a name, or -1. */
int                            mimic_model_find_state         (MimicModel    *self,
                                                               const char    *id);
int                            mimic_model_find_parameter     (MimicModel    *self,
                                                               const char    *id);
int                            mimic_model_find_input         (MimicModel    *self,
                                                               const char    *id);
int                            mimic_model_find_output        (MimicModel    *self,
                                                               const char    *id);

/* The instance's parameter store: defaults, then calibrated values. */
gboolean                       mimic_model_set_parameter      (MimicModel    *self,
                                                               const char    *id,
                                                               double         value,
                                                               GError       **error);
double                         mimic_model_get_parameter      (MimicModel    *self,
                                                               const char    *id);
const double                  *mimic_model_get_parameters     (MimicModel    *self);
double                        *mimic_model_dup_parameters     (MimicModel    *self);
void                           mimic_model_fill_default_inputs (MimicModel   *self,
                                                               double        *inputs);
/* Checks a value for a parameter or an input by index: finite and within
 * its range, or a GError naming it. */
gboolean                       mimic_model_check_parameter    (MimicModel    *self,
                                                               guint          index,
                                                               double         value,
                                                               GError       **error);
gboolean                       mimic_model_check_input        (MimicModel    *self,
                                                               guint          index,
                                                               double         value,
                                                               GError       **error);

/* Thin wrappers round the vfuncs. */
void                           mimic_model_init_state         (MimicModel    *self,
                                                               const double  *params,
                                                               const double  *inputs,
                                                               const double  *readings,
                                                               double        *state);
void                           mimic_model_derivatives        (MimicModel    *self,
                                                               double         t,
                                                               const double  *state,
                                                               const double  *params,
                                                               const double  *inputs,
                                                               double        *dstate_dt);
void                           mimic_model_compute_outputs    (MimicModel    *self,
                                                               double         t,
                                                               const double  *state,
                                                               const double  *params,
                                                               const double  *inputs,
                                                               double        *outputs);
void                           mimic_model_schedule_events    (MimicModel    *self,
                                                               const double  *params,
                                                               const double  *inputs,
                                                               double         horizon_s,
                                                               GArray        *events);
gboolean                       mimic_model_apply_action       (MimicModel    *self,
                                                               const char    *action,
                                                               const double  *params,
                                                               double        *state,
                                                               GError       **error);
double                         mimic_model_health             (MimicModel    *self,
                                                               const double  *state,
                                                               const double  *params);

/* Steps the state forward by dt seconds with constant inputs, adaptively:
 * what the device simulator calls once per tick. */
gboolean                       mimic_model_advance            (MimicModel    *self,
                                                               const double  *params,
                                                               const double  *inputs,
                                                               double        *state,
                                                               double         dt,
                                                               GError       **error);

G_END_DECLS
