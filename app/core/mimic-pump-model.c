/* mimic-pump-model.c
 *
 * A variable-speed centrifugal pump skid: the pump curve scaled by the
 * affinity laws meets a system curve whose throttling follows the valve;
 * the induction motor's losses heat a two-node thermal network (winding,
 * housing, ambient); bearing temperature and vibration grow with a wear
 * state whose rate doubles every 10 K and rises with load. The equations
 * and their sources are in docs/models.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-pump-model"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-pump-model.h"

#define GRAVITY 9.80665
#define SECONDS_PER_DAY 86400.0

struct _MimicPumpModel
{
  MimicModel parent_instance;
};

G_DEFINE_FINAL_TYPE (MimicPumpModel, mimic_pump_model, MIMIC_TYPE_MODEL)

enum
{
  STATE_WINDING_TEMP,
  STATE_HOUSING_TEMP,
  STATE_WEAR,
  STATE_ENERGY,
  STATE_COST,
  N_STATES
};

static const MimicModelStateInfo states[N_STATES] = {
  { "winding_temp", "°C", "stator winding temperature", 1e-3 },
  { "housing_temp", "°C", "motor housing temperature", 1e-3 },
  { "wear", "", "bearing wear, 0 new, 1 end of life", 1e-8 },
  { "energy_kwh", "kWh", "electrical energy used since the start", 1e-3 },
  { "cost_eur", "EUR", "cost of that energy", 1e-3 },
};

enum
{
  PARAM_RATED_POWER,
  PARAM_RATED_SPEED,
  PARAM_SUPPLY_VOLTAGE,
  PARAM_RATED_EFFICIENCY,
  PARAM_RATED_POWER_FACTOR,
  PARAM_IRON_LOSS_FRACTION,
  PARAM_SHUTOFF_HEAD,
  PARAM_PUMP_CURVE_COEFFICIENT,
  PARAM_STATIC_HEAD,
  PARAM_VALVE_OPEN_RESISTANCE,
  PARAM_BEP_FLOW,
  PARAM_PUMP_EFFICIENCY_MAX,
  PARAM_SUCTION_PRESSURE,
  PARAM_SUCTION_LOSS,
  PARAM_FLUID_DENSITY,
  PARAM_BEARING_FRICTION,
  PARAM_WINDING_HEAT_CAPACITY,
  PARAM_HOUSING_HEAT_CAPACITY,
  PARAM_R_WINDING_HOUSING,
  PARAM_R_HOUSING_AMBIENT,
  PARAM_BEARING_DE_RISE,
  PARAM_BEARING_NDE_RISE,
  PARAM_BEARING_WEAR_GAIN,
  PARAM_VIBRATION_BASE,
  PARAM_VIBRATION_WEAR_GAIN,
  PARAM_WEAR_RATE,
  PARAM_WEAR_REF_TEMP,
  PARAM_WEAR_DOUBLING,
  PARAM_WEAR_LIMIT,
  PARAM_WEAR,
  PARAM_SERVICE_DUE,
  N_PARAMS
};

static const MimicModelParameterInfo parameters[N_PARAMS] = {
  { "rated_power", "kW", 45, 0.1, 10000, FALSE },
  { "rated_speed", "rpm", 1480, 100, 10000, FALSE },
  { "supply_voltage", "V", 400, 50, 20000, FALSE },
  { "rated_efficiency", "", 0.945, 0.5, 0.999, FALSE },
  { "rated_power_factor", "", 0.86, 0.3, 1.0, FALSE },
  { "iron_loss_fraction", "", 0.35, 0.0, 1.0, FALSE },
  { "shutoff_head", "m", 75, 1, 2000, FALSE },
  { "pump_curve_coefficient", "m/(m³/h)²", 5.86e-4, 1e-9, 10, FALSE },
  { "static_head", "m", 20, 0, 2000, FALSE },
  { "valve_open_resistance", "m/(m³/h)²", 1.0e-3, 1e-9, 10, FALSE },
  { "bep_flow", "m³/h", 170, 0.1, 100000, FALSE },
  { "pump_efficiency_max", "", 0.82, 0.1, 0.95, FALSE },
  { "suction_pressure", "bar", 1.5, -1, 100, FALSE },
  { "suction_loss_coefficient", "bar/(m³/h)²", 4e-6, 0, 1, FALSE },
  { "fluid_density", "kg/m³", 998, 500, 2000, FALSE },
  { "bearing_friction", "kW", 0.3, 0, 100, FALSE },
  { "winding_heat_capacity", "J/K", 12000, 1, 1e8, FALSE },
  { "housing_heat_capacity", "J/K", 150000, 1, 1e9, FALSE },
  { "r_winding_housing", "K/W", 0.010, 1e-6, 10, FALSE },
  { "r_housing_ambient", "K/W", 0.0205, 1e-6, 10, TRUE },
  { "bearing_de_rise", "K", 15, 0, 200, FALSE },
  { "bearing_nde_rise", "K", 10, 0, 200, FALSE },
  { "bearing_wear_gain", "", 1.5, 0, 20, FALSE },
  { "vibration_base", "mm/s", 1.8, 0, 100, FALSE },
  { "vibration_wear_gain", "mm/s", 6.0, 0, 100, FALSE },
  { "wear_rate", "1/d", 0.02, 0, 10, FALSE },
  { "wear_reference_temp", "°C", 70, -50, 300, FALSE },
  { "wear_doubling", "K", 10, 1, 100, FALSE },
  { "wear_limit", "", 1.0, 0.01, 10, FALSE },
  { "wear", "", 0.1, 0, 10, TRUE },
  { "service_due", "d", 30, 0, 3650, FALSE },
};

enum
{
  INPUT_AMBIENT_TEMP,
  INPUT_SPEED_SETPOINT,
  INPUT_VALVE_SETPOINT,
  INPUT_MAINTENANCE_DELAY,
  INPUT_ELECTRICITY_PRICE,
  INPUT_WEAR_RATE_FACTOR,
  N_INPUTS
};

/* A stopped motor has speed 0, so the speed range starts there. The
 * maintenance delay postpones the next bearing service, which is due
 * service_due days from now. */
static const MimicModelInputInfo inputs[N_INPUTS] = {
  { "ambient_temp", "°C", 20, -10, 50, "ambient_temp" },
  { "speed_setpoint", "rpm", 1480, 0, 1800, "speed" },
  { "valve_setpoint", "%", 80, 0, 100, "valve_position" },
  { "maintenance_delay", "d", 0, 0, 3650, NULL },
  { "electricity_price", "EUR/kWh", 0.20, 0.0, 10.0, NULL },
  { "wear_rate_factor", "", 1.0, 0.0, 1000.0, NULL },
};

enum
{
  OUT_MOTOR_CURRENT,
  OUT_POWER,
  OUT_WINDING_TEMP,
  OUT_BEARING_DE_TEMP,
  OUT_BEARING_NDE_TEMP,
  OUT_VIBRATION,
  OUT_SPEED,
  OUT_FLOW,
  OUT_SUCTION_PRESSURE,
  OUT_DISCHARGE_PRESSURE,
  OUT_VALVE_POSITION,
  OUT_AMBIENT_TEMP,
  N_OUTPUTS
};

static const MimicModelOutputInfo outputs[N_OUTPUTS] = {
  { "motor_current", "A" },
  { "power", "kW" },
  { "winding_temp", "°C" },
  { "bearing_de_temp", "°C" },
  { "bearing_nde_temp", "°C" },
  { "vibration", "mm/s" },
  { "speed", "rpm" },
  { "flow", "m³/h" },
  { "suction_pressure", "bar" },
  { "discharge_pressure", "bar" },
  { "valve_position", "%" },
  { "ambient_temp", "°C" },
};

static const MimicModelKpiInfo kpis[] = {
  { "energy", "kWh", "energy_kwh" },
  { "cost", "EUR", "cost_eur" },
};

void
mimic_pump_model_operating_point (const double *p,
                                  double        speed_rpm,
                                  double        valve_percent,
                                  double       *flow,
                                  double       *head,
                                  double       *shaft_power)
{
  double s = MAX (speed_rpm, 0.0) / p[PARAM_RATED_SPEED];
  /* A valve throttles like an orifice: its resistance goes with the inverse
   * square of the opening. A fully shut valve still leaks a little, which
   * keeps the numbers finite. */
  double opening = CLAMP (valve_percent, 0.0, 100.0) / 100.0;
  double k = p[PARAM_VALVE_OPEN_RESISTANCE] / MAX (opening * opening, 1e-4);
  double shutoff = p[PARAM_SHUTOFF_HEAD] * s * s;
  double q = 0.0, h = shutoff, efficiency, q_rated, x;

  if (shutoff > p[PARAM_STATIC_HEAD])
    {
      q = sqrt ((shutoff - p[PARAM_STATIC_HEAD]) / (p[PARAM_PUMP_CURVE_COEFFICIENT] + k));
      h = p[PARAM_STATIC_HEAD] + k * q * q;
    }

  /* Efficiency is a parabola round the best efficiency point, in flow
   * referred to rated speed, so it is the same at similar points. */
  q_rated = s > 0.0 ? q / s : 0.0;
  x = (q_rated - p[PARAM_BEP_FLOW]) / p[PARAM_BEP_FLOW];
  efficiency = CLAMP (p[PARAM_PUMP_EFFICIENCY_MAX] * (1.0 - x * x), 0.05, p[PARAM_PUMP_EFFICIENCY_MAX]);

  if (flow != NULL)
    *flow = q;
  if (head != NULL)
    *head = h;
  if (shaft_power != NULL)
    *shaft_power = p[PARAM_FLUID_DENSITY] * GRAVITY * (q / 3600.0) * h / efficiency / 1000.0;
}

typedef struct
{
  double s;                 /* speed per unit of rated */
  double flow;
  double head;
  double mechanical_kw;     /* pump shaft plus bearing friction */
  double loss_kw;
  double electrical_kw;
  double r_housing_ambient; /* with the shaft fan's cooling at this speed */
} OperatingPoint;

static void
compute_operating_point (const double   *p,
                         const double   *in,
                         double          wear,
                         OperatingPoint *op)
{
  double shaft, load, rated_loss;

  op->s = MAX (in[INPUT_SPEED_SETPOINT], 0.0) / p[PARAM_RATED_SPEED];
  mimic_pump_model_operating_point (p, in[INPUT_SPEED_SETPOINT], in[INPUT_VALVE_SETPOINT],
                                    &op->flow, &op->head, &shaft);

  /* A totally enclosed fan-cooled motor cools less at low speed: the fan is
   * on its shaft. */
  op->r_housing_ambient = p[PARAM_R_HOUSING_AMBIENT] / (0.3 + 0.7 * MIN (op->s, 1.5));

  if (op->s <= 0.0)
    {
      op->mechanical_kw = op->loss_kw = op->electrical_kw = 0.0;
      return;
    }

  op->mechanical_kw = shaft + p[PARAM_BEARING_FRICTION] * op->s * (1.0 + MAX (wear, 0.0));
  load = op->mechanical_kw / p[PARAM_RATED_POWER];
  /* Iron and friction losses follow speed, copper losses the square of the
   * load; together they give the rated efficiency at rated load. */
  rated_loss = p[PARAM_RATED_POWER] * (1.0 / p[PARAM_RATED_EFFICIENCY] - 1.0);
  op->loss_kw = rated_loss * (p[PARAM_IRON_LOSS_FRACTION] * op->s +
                              (1.0 - p[PARAM_IRON_LOSS_FRACTION]) * load * load);
  op->electrical_kw = op->mechanical_kw + op->loss_kw;
}

/* Wear past three times the end-of-life value changes nothing more that
 * a sensor could show: the bearing is gone. */
static double
effective_wear (const double *p,
                double        wear)
{
  return CLAMP (wear, 0.0, 3.0 * p[PARAM_WEAR_LIMIT]);
}

static double
bearing_temp (const double *p,
              const double *in,
              double        housing_temp,
              double        wear,
              double        s,
              double        rise)
{
  double ambient = in[INPUT_AMBIENT_TEMP];

  /* Half the housing's rise reaches the bearing seat; the bearing's own
   * friction heat grows with speed and with wear. */
  return ambient + 0.5 * (housing_temp - ambient) +
         rise * s * (1.0 + p[PARAM_BEARING_WEAR_GAIN] * effective_wear (p, wear));
}

static void
mimic_pump_model_derivatives (MimicModel   *model,
                              double        t,
                              const double *y,
                              const double *p,
                              const double *in,
                              double       *dydt)
{
  OperatingPoint op;
  double loss_w, flow_wh, t_bearing, load;

  compute_operating_point (p, in, y[STATE_WEAR], &op);

  loss_w = op.loss_kw * 1000.0;
  flow_wh = (y[STATE_WINDING_TEMP] - y[STATE_HOUSING_TEMP]) / p[PARAM_R_WINDING_HOUSING];
  dydt[STATE_WINDING_TEMP] = (loss_w - flow_wh) / p[PARAM_WINDING_HEAT_CAPACITY];
  dydt[STATE_HOUSING_TEMP] = (flow_wh - (y[STATE_HOUSING_TEMP] - in[INPUT_AMBIENT_TEMP]) / op.r_housing_ambient) /
                             p[PARAM_HOUSING_HEAT_CAPACITY];

  t_bearing = bearing_temp (p, in, y[STATE_HOUSING_TEMP], y[STATE_WEAR], op.s, p[PARAM_BEARING_DE_RISE]);
  load = op.mechanical_kw / p[PARAM_RATED_POWER];
  /* Hot bearings wear faster, and worn ones run hotter: a runaway. The
   * acceleration is capped at 64 times, since past that the bearing has
   * seized in reality and the numbers would only overflow. */
  dydt[STATE_WEAR] = p[PARAM_WEAR_RATE] / SECONDS_PER_DAY * in[INPUT_WEAR_RATE_FACTOR] * load *
                     exp2 (MIN ((t_bearing - p[PARAM_WEAR_REF_TEMP]) / p[PARAM_WEAR_DOUBLING], 6.0));

  dydt[STATE_ENERGY] = op.electrical_kw / 3600.0;
  dydt[STATE_COST] = op.electrical_kw / 3600.0 * in[INPUT_ELECTRICITY_PRICE];
}

static void
mimic_pump_model_compute_outputs (MimicModel   *model,
                                  double        t,
                                  const double *y,
                                  const double *p,
                                  const double *in,
                                  double       *out)
{
  OperatingPoint op;
  double load, power_factor, voltage, suction;

  compute_operating_point (p, in, y[STATE_WEAR], &op);

  /* The drive keeps volts per hertz constant, so the motor voltage follows
   * speed; the power factor sags at part load. */
  load = op.mechanical_kw / p[PARAM_RATED_POWER];
  power_factor = p[PARAM_RATED_POWER_FACTOR] * MIN (1.1 * load / (load + 0.1), 1.0);
  voltage = p[PARAM_SUPPLY_VOLTAGE] * MAX (op.s, 0.1);
  out[OUT_MOTOR_CURRENT] = op.electrical_kw > 0.0
                           ? op.electrical_kw * 1000.0 / (sqrt (3.0) * voltage * MAX (power_factor, 0.05))
                           : 0.0;
  out[OUT_POWER] = op.electrical_kw;
  out[OUT_WINDING_TEMP] = y[STATE_WINDING_TEMP];
  out[OUT_BEARING_DE_TEMP] = bearing_temp (p, in, y[STATE_HOUSING_TEMP], y[STATE_WEAR], op.s,
                                           p[PARAM_BEARING_DE_RISE]);
  out[OUT_BEARING_NDE_TEMP] = bearing_temp (p, in, y[STATE_HOUSING_TEMP], y[STATE_WEAR], op.s,
                                            p[PARAM_BEARING_NDE_RISE]);
  /* Imbalance forces grow with the square of speed; a worn bearing adds
   * vibration roughly in proportion to speed. */
  out[OUT_VIBRATION] = p[PARAM_VIBRATION_BASE] * op.s * op.s +
                       p[PARAM_VIBRATION_WEAR_GAIN] * effective_wear (p, y[STATE_WEAR]) * op.s;
  out[OUT_SPEED] = MAX (in[INPUT_SPEED_SETPOINT], 0.0);
  out[OUT_FLOW] = op.flow;
  suction = p[PARAM_SUCTION_PRESSURE] - p[PARAM_SUCTION_LOSS] * op.flow * op.flow;
  out[OUT_SUCTION_PRESSURE] = suction;
  out[OUT_DISCHARGE_PRESSURE] = suction + p[PARAM_FLUID_DENSITY] * GRAVITY * op.head / 1e5;
  out[OUT_VALVE_POSITION] = in[INPUT_VALVE_SETPOINT];
  out[OUT_AMBIENT_TEMP] = in[INPUT_AMBIENT_TEMP];
}

static void
mimic_pump_model_init_state (MimicModel   *model,
                             const double *p,
                             const double *in,
                             const double *readings,
                             double       *y)
{
  OperatingPoint op;
  double ambient = in[INPUT_AMBIENT_TEMP];

  compute_operating_point (p, in, p[PARAM_WEAR], &op);

  /* The housing is not measured: take the thermal steady state, either
   * split from the measured winding temperature or from the losses. */
  if (readings != NULL && isfinite (readings[OUT_WINDING_TEMP]))
    {
      double r_total = op.r_housing_ambient + p[PARAM_R_WINDING_HOUSING];

      y[STATE_WINDING_TEMP] = readings[OUT_WINDING_TEMP];
      y[STATE_HOUSING_TEMP] = ambient + (readings[OUT_WINDING_TEMP] - ambient) * op.r_housing_ambient / r_total;
    }
  else
    {
      double loss_w = op.loss_kw * 1000.0;

      y[STATE_HOUSING_TEMP] = ambient + loss_w * op.r_housing_ambient;
      y[STATE_WINDING_TEMP] = y[STATE_HOUSING_TEMP] + loss_w * p[PARAM_R_WINDING_HOUSING];
    }

  y[STATE_WEAR] = p[PARAM_WEAR];
  y[STATE_ENERGY] = 0.0;
  y[STATE_COST] = 0.0;
}

static void
mimic_pump_model_schedule_events (MimicModel   *model,
                                  const double *p,
                                  const double *in,
                                  double        horizon_s,
                                  GArray       *events)
{
  double when = (p[PARAM_SERVICE_DUE] + in[INPUT_MAINTENANCE_DELAY]) * SECONDS_PER_DAY;

  if (when <= horizon_s)
    {
      MimicModelEvent event = { when, -1, 0.0, "maintenance" };

      g_array_append_val (events, event);
    }
}

static gboolean
mimic_pump_model_apply_action (MimicModel    *model,
                               const char    *action,
                               const double  *p,
                               double        *y,
                               GError       **error)
{
  if (strcmp (action, "maintenance") == 0)
    {
      /* New bearings, realigned coupling. */
      y[STATE_WEAR] = 0.0;
      return TRUE;
    }

  g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
               _("Model “%s” has no action “%s”"), "pump-skid", action);
  return FALSE;
}

static double
mimic_pump_model_health (MimicModel   *model,
                         const double *y,
                         const double *p)
{
  return 1.0 - y[STATE_WEAR] / p[PARAM_WEAR_LIMIT];
}

static void
mimic_pump_model_class_init (MimicPumpModelClass *klass)
{
  MimicModelClass *model_class = MIMIC_MODEL_CLASS (klass);

  model_class->name = "pump-skid";
  model_class->states = states;
  model_class->n_states = N_STATES;
  model_class->parameters = parameters;
  model_class->n_parameters = N_PARAMS;
  model_class->inputs = inputs;
  model_class->n_inputs = N_INPUTS;
  model_class->outputs = outputs;
  model_class->n_outputs = N_OUTPUTS;
  model_class->kpis = kpis;
  model_class->n_kpis = G_N_ELEMENTS (kpis);
  model_class->init_state = mimic_pump_model_init_state;
  model_class->derivatives = mimic_pump_model_derivatives;
  model_class->compute_outputs = mimic_pump_model_compute_outputs;
  model_class->schedule_events = mimic_pump_model_schedule_events;
  model_class->apply_action = mimic_pump_model_apply_action;
  model_class->health = mimic_pump_model_health;
}

static void
mimic_pump_model_init (MimicPumpModel *self)
{
}
