/* mimic-battery-model.c
 *
 * A rack of 16 LFP modules of 15 cells, all in series. Electrically a Thevenin equivalent
 * circuit: open-circuit voltage from a table over state of charge, a series
 * resistance and one RC pair. Thermally one node per module, heated by its
 * share of the I²R losses, cooled by a liquid plate (effectiveness-NTU with
 * the coolant flow) and by conduction to its neighbours in the column.
 * Capacity fades by calendar ageing (square root of time) and by cycling
 * (charge throughput), both Arrhenius-accelerated. docs/models.md has the
 * equations and sources.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-battery-model"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-battery-model.h"

#define N_MODULES MIMIC_BATTERY_MODEL_N_MODULES
#define ROWS_PER_COLUMN 8
#define GAS_CONSTANT 8.314462618
#define KELVIN 273.15
#define SECONDS_PER_DAY 86400.0

struct _MimicBatteryModel
{
  MimicModel parent_instance;
};

G_DEFINE_FINAL_TYPE (MimicBatteryModel, mimic_battery_model, MIMIC_TYPE_MODEL)

enum
{
  STATE_SOC,
  STATE_V1,
  STATE_MODULE_TEMP,
  STATE_CALENDAR_LOSS = STATE_MODULE_TEMP + N_MODULES,
  STATE_CYCLE_LOSS,
  STATE_THROUGHPUT,
  STATE_HEAT,
  N_STATES
};

#define MODULE_STATE(nn) { "module_" #nn "_temp", "°C", "module temperature", 1e-3 }

static const MimicModelStateInfo states[N_STATES] = {
  { "soc", "", "state of charge, 0…1", 1e-6 },
  { "v1", "V", "voltage over the RC pair", 1e-3 },
  MODULE_STATE (01), MODULE_STATE (02), MODULE_STATE (03), MODULE_STATE (04),
  MODULE_STATE (05), MODULE_STATE (06), MODULE_STATE (07), MODULE_STATE (08),
  MODULE_STATE (09), MODULE_STATE (10), MODULE_STATE (11), MODULE_STATE (12),
  MODULE_STATE (13), MODULE_STATE (14), MODULE_STATE (15), MODULE_STATE (16),
  { "calendar_loss", "", "capacity lost to calendar ageing, fraction", 1e-8 },
  { "cycle_loss", "", "capacity lost to cycling, fraction", 1e-8 },
  { "energy_throughput_kwh", "kWh", "energy charged and discharged", 1e-3 },
  { "heat_loss_kwh", "kWh", "energy lost as heat in the cells", 1e-3 },
};

enum
{
  PARAM_CELLS_IN_SERIES,
  PARAM_CAPACITY,
  PARAM_R0,
  PARAM_R1,
  PARAM_TAU1,
  PARAM_MAX_CURRENT,
  PARAM_SOC_MIN,
  PARAM_SOC_MAX,
  PARAM_MODULE_HEAT_CAPACITY,
  PARAM_MODULE_UA,
  PARAM_MODULE_AMBIENT_UA,
  PARAM_NEIGHBOUR_CONDUCTANCE,
  PARAM_COOLANT_CP,
  PARAM_COOLANT_DENSITY,
  PARAM_INLET_OFFSET,
  PARAM_CALENDAR_FADE,
  PARAM_CALENDAR_EA,
  PARAM_CYCLE_FADE,
  PARAM_CYCLE_EA,
  PARAM_REFERENCE_TEMP,
  PARAM_CALENDAR_SHARE,
  PARAM_EOL_SOH,
  N_PARAMS
};

static const MimicModelParameterInfo parameters[N_PARAMS] = {
  { "cells_in_series", "", 240, 1, 2000, FALSE },
  { "capacity", "Ah", 280, 1, 100000, TRUE },
  { "r0", "Ω", 0.07, 1e-5, 100, TRUE },
  { "r1", "Ω", 0.03, 1e-6, 100, FALSE },
  { "tau1", "s", 60, 0.1, 1e5, FALSE },
  { "max_current", "A", 350, 1, 100000, FALSE },
  { "soc_min", "%", 5, 0, 50, FALSE },
  { "soc_max", "%", 95, 50, 100, FALSE },
  { "module_heat_capacity", "J/K", 95000, 1, 1e9, FALSE },
  { "module_ua", "W/K", 150, 0, 1e6, FALSE },
  { "module_ambient_ua", "W/K", 2, 0, 1e6, FALSE },
  { "neighbour_conductance", "W/K", 1.5, 0, 1e6, FALSE },
  { "coolant_cp", "J/(kg·K)", 3600, 100, 10000, FALSE },
  { "coolant_density", "kg/l", 1.04, 0.5, 2, FALSE },
  { "inlet_temp_offset", "K", 3, -50, 50, FALSE },
  { "calendar_fade", "1/√d", 0.0011, 0, 1, FALSE },
  { "calendar_activation_energy", "kJ/mol", 24, 0, 200, FALSE },
  { "cycle_fade", "1/cycle", 5e-5, 0, 1, FALSE },
  { "cycle_activation_energy", "kJ/mol", 30, 0, 200, FALSE },
  { "reference_temp", "°C", 25, -40, 80, FALSE },
  { "calendar_share", "", 0.5, 0, 1, FALSE },
  { "end_of_life_soh", "%", 80, 1, 99, FALSE },
};

enum
{
  INPUT_AMBIENT_TEMP,
  INPUT_POWER_SETPOINT,
  INPUT_COOLANT_FLOW,
  INPUT_CYCLES_PER_DAY,
  INPUT_MODULE_COOLING,
  N_INPUTS = INPUT_MODULE_COOLING + N_MODULES
};

/* Per-module cooling factors are faults the simulator injects: 1 is a
 * healthy cold plate, 0 a blocked one. */
#define MODULE_COOLING(nn) { "module_" #nn "_cooling", "", 1.0, 0.0, 1.0, NULL }

static const MimicModelInputInfo inputs[N_INPUTS] = {
  { "ambient_temp", "°C", 20, -10, 45, NULL },
  { "power_setpoint", "kW", 0, -250, 250, "power" },
  { "coolant_flow", "l/min", 60, 0, 120, NULL },
  { "cycles_per_day", "", 0, 0, 4, NULL },
  MODULE_COOLING (01), MODULE_COOLING (02), MODULE_COOLING (03), MODULE_COOLING (04),
  MODULE_COOLING (05), MODULE_COOLING (06), MODULE_COOLING (07), MODULE_COOLING (08),
  MODULE_COOLING (09), MODULE_COOLING (10), MODULE_COOLING (11), MODULE_COOLING (12),
  MODULE_COOLING (13), MODULE_COOLING (14), MODULE_COOLING (15), MODULE_COOLING (16),
};

enum
{
  OUT_MODULE_TEMP,
  OUT_RACK_VOLTAGE = OUT_MODULE_TEMP + N_MODULES,
  OUT_RACK_CURRENT,
  OUT_POWER,
  OUT_SOC,
  OUT_SOH,
  OUT_COOLANT_INLET_TEMP,
  OUT_COOLANT_OUTLET_TEMP,
  N_OUTPUTS
};

#define MODULE_OUTPUT(nn) { "module_" #nn "_temp", "°C" }

static const MimicModelOutputInfo outputs[N_OUTPUTS] = {
  MODULE_OUTPUT (01), MODULE_OUTPUT (02), MODULE_OUTPUT (03), MODULE_OUTPUT (04),
  MODULE_OUTPUT (05), MODULE_OUTPUT (06), MODULE_OUTPUT (07), MODULE_OUTPUT (08),
  MODULE_OUTPUT (09), MODULE_OUTPUT (10), MODULE_OUTPUT (11), MODULE_OUTPUT (12),
  MODULE_OUTPUT (13), MODULE_OUTPUT (14), MODULE_OUTPUT (15), MODULE_OUTPUT (16),
  { "rack_voltage", "V" },
  { "rack_current", "A" },
  { "power", "kW" },
  { "soc", "%" },
  { "soh", "%" },
  { "coolant_inlet_temp", "°C" },
  { "coolant_outlet_temp", "°C" },
};

static const MimicModelObserverInfo observers[] = {
  { "soc", "soc", MIMIC_BATTERY_MODEL_SOC_OBSERVER_GAIN, 0.0, 1.0 },
};

static const MimicModelKpiInfo kpis[] = {
  { "energy_throughput", "kWh", "energy_throughput_kwh" },
  { "heat_loss", "kWh", "heat_loss_kwh" },
};

/* A typical LFP cell at 25 °C: steep at both ends, a long flat plateau. */
static const double ocv_soc[] = { 0.00, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 1.00 };
static const double ocv_volts[] = { 2.80, 3.10, 3.20, 3.25, 3.27, 3.28, 3.29, 3.30, 3.31, 3.33, 3.34, 3.36, 3.50 };

double
mimic_battery_model_cell_ocv (double soc)
{
  guint n = G_N_ELEMENTS (ocv_soc);

  if (!(soc > ocv_soc[0]))
    return ocv_volts[0] + (isfinite (soc) ? (soc - ocv_soc[0]) * 6.0 : 0.0);
  if (soc >= ocv_soc[n - 1])
    return ocv_volts[n - 1] + (soc - ocv_soc[n - 1]) * 2.8;

  for (guint i = 1; i < n; i++)
    {
      if (soc <= ocv_soc[i])
        {
          double f = (soc - ocv_soc[i - 1]) / (ocv_soc[i] - ocv_soc[i - 1]);

          return ocv_volts[i - 1] + f * (ocv_volts[i] - ocv_volts[i - 1]);
        }
    }
  return ocv_volts[n - 1];
}

static double
smoothstep (double x)
{
  x = CLAMP (x, 0.0, 1.0);
  return x * x * (3.0 - 2.0 * x);
}

static double
arrhenius (double temp_c,
           double reference_c,
           double activation_kj)
{
  return exp (-activation_kj * 1000.0 / GAS_CONSTANT *
              (1.0 / (temp_c + KELVIN) - 1.0 / (reference_c + KELVIN)));
}

typedef struct
{
  double power_kw;        /* delivered, positive discharging */
  double current;         /* positive discharging */
  double voltage;
  double soh;             /* % */
  double inlet;
  double module_heat_w;
  double coolant_w[N_MODULES];
  double coolant_flow_kg_s;
} Electrical;

static double
requested_power (const double *in,
                 const double *p,
                 double        t)
{
  double power = in[INPUT_POWER_SETPOINT];

  /* Cycling: a cosine whose half period moves about 80 % of the nominal
   * energy, so cycles_per_day counts full equivalent cycles and the state
   * of charge swings ±40 % round where it started. */
  if (in[INPUT_CYCLES_PER_DAY] > 0.0)
    {
      double nominal_kwh = p[PARAM_CELLS_IN_SERIES] * 3.2 * p[PARAM_CAPACITY] / 1000.0;
      double omega = 2.0 * G_PI * in[INPUT_CYCLES_PER_DAY] / SECONDS_PER_DAY;
      double amplitude = 0.8 * nominal_kwh * 3600.0 * omega / 2.0;

      power += amplitude * cos (omega * t);
    }
  return power;
}

static void
compute_electrical (const double *y,
                    const double *p,
                    const double *in,
                    double        t,
                    Electrical   *e)
{
  double ocv = p[PARAM_CELLS_IN_SERIES] * mimic_battery_model_cell_ocv (y[STATE_SOC]);
  double emf = ocv - y[STATE_V1];
  double power_w = requested_power (in, p, t) * 1000.0;
  double r0 = p[PARAM_R0];
  double discriminant = emf * emf - 4.0 * r0 * power_w;
  double current, taper, flow_kg_s, per_module_kg_s;

  /* P = (E − I·R0)·I; past the maximum power point the rack delivers what
   * it can. */
  current = discriminant > 0.0 ? (emf - sqrt (discriminant)) / (2.0 * r0) : emf / (2.0 * r0);
  current = CLAMP (current, -p[PARAM_MAX_CURRENT], p[PARAM_MAX_CURRENT]);

  /* The battery management system tapers the current to zero near its state
   * of charge limits, smoothly so the solver sees no jump. */
  if (current > 0.0)
    taper = smoothstep ((y[STATE_SOC] * 100.0 - p[PARAM_SOC_MIN]) / 2.0);
  else
    taper = smoothstep ((p[PARAM_SOC_MAX] - y[STATE_SOC] * 100.0) / 2.0);
  current *= taper;

  e->current = current;
  e->voltage = ocv - current * r0 - y[STATE_V1];
  e->power_kw = e->voltage * current / 1000.0;
  e->soh = 100.0 * (1.0 - y[STATE_CALENDAR_LOSS] - y[STATE_CYCLE_LOSS]);
  e->inlet = in[INPUT_AMBIENT_TEMP] + p[PARAM_INLET_OFFSET];
  e->module_heat_w = (current * current * r0 + y[STATE_V1] * y[STATE_V1] / p[PARAM_R1]) / N_MODULES;

  /* The coolant splits evenly over the modules' cold plates; each plate is a
   * heat exchanger with effectiveness 1 − exp(−NTU). */
  flow_kg_s = MAX (in[INPUT_COOLANT_FLOW], 0.0) / 60.0 * p[PARAM_COOLANT_DENSITY];
  per_module_kg_s = flow_kg_s / N_MODULES;
  e->coolant_flow_kg_s = flow_kg_s;
  for (guint m = 0; m < N_MODULES; m++)
    {
      double capacity_rate = per_module_kg_s * p[PARAM_COOLANT_CP];
      double ua = p[PARAM_MODULE_UA] * CLAMP (in[INPUT_MODULE_COOLING + m], 0.0, 1.0);
      double effectiveness = capacity_rate > 0.0 ? 1.0 - exp (-ua / capacity_rate) : 0.0;

      e->coolant_w[m] = effectiveness * capacity_rate * (y[STATE_MODULE_TEMP + m] - e->inlet);
    }
}

static void
mimic_battery_model_derivatives (MimicModel   *model,
                                 double        t,
                                 const double *y,
                                 const double *p,
                                 const double *in,
                                 double       *dydt)
{
  Electrical e;
  double capacity_as, mean_temp = 0.0, c1, k_calendar;

  compute_electrical (y, p, in, t, &e);

  capacity_as = p[PARAM_CAPACITY] * 3600.0 * MAX (e.soh / 100.0, 0.05);
  dydt[STATE_SOC] = -e.current / capacity_as;
  c1 = p[PARAM_TAU1] / p[PARAM_R1];
  dydt[STATE_V1] = e.current / c1 - y[STATE_V1] / p[PARAM_TAU1];

  for (guint m = 0; m < N_MODULES; m++)
    {
      double temp = y[STATE_MODULE_TEMP + m];
      double heat = e.module_heat_w - e.coolant_w[m] -
                    p[PARAM_MODULE_AMBIENT_UA] * (temp - in[INPUT_AMBIENT_TEMP]);
      guint row = m % ROWS_PER_COLUMN;

      if (row > 0)
        heat += p[PARAM_NEIGHBOUR_CONDUCTANCE] * (y[STATE_MODULE_TEMP + m - 1] - temp);
      if (row < ROWS_PER_COLUMN - 1)
        heat += p[PARAM_NEIGHBOUR_CONDUCTANCE] * (y[STATE_MODULE_TEMP + m + 1] - temp);

      dydt[STATE_MODULE_TEMP + m] = heat / p[PARAM_MODULE_HEAT_CAPACITY];
      mean_temp += temp / N_MODULES;
    }

  /* Calendar loss q = k·√t, written as dq/dt = k²/(2q) so that it continues
   * from whatever loss the rack has now. */
  k_calendar = p[PARAM_CALENDAR_FADE] * sqrt (arrhenius (mean_temp, p[PARAM_REFERENCE_TEMP],
                                                         p[PARAM_CALENDAR_EA]) / SECONDS_PER_DAY);
  dydt[STATE_CALENDAR_LOSS] = k_calendar * k_calendar / (2.0 * MAX (y[STATE_CALENDAR_LOSS], 1e-4));
  /* One full equivalent cycle moves twice the capacity through the cells. */
  dydt[STATE_CYCLE_LOSS] = p[PARAM_CYCLE_FADE] * fabs (e.current) / (2.0 * p[PARAM_CAPACITY] * 3600.0) *
                           arrhenius (mean_temp, p[PARAM_REFERENCE_TEMP], p[PARAM_CYCLE_EA]);
  dydt[STATE_THROUGHPUT] = fabs (e.power_kw) / 3600.0;
  dydt[STATE_HEAT] = e.module_heat_w * N_MODULES / 3.6e6;
}

static void
mimic_battery_model_compute_outputs (MimicModel   *model,
                                     double        t,
                                     const double *y,
                                     const double *p,
                                     const double *in,
                                     double       *out)
{
  Electrical e;
  double picked_up = 0.0;

  compute_electrical (y, p, in, t, &e);

  for (guint m = 0; m < N_MODULES; m++)
    {
      out[OUT_MODULE_TEMP + m] = y[STATE_MODULE_TEMP + m];
      picked_up += e.coolant_w[m];
    }
  out[OUT_RACK_VOLTAGE] = e.voltage;
  out[OUT_RACK_CURRENT] = e.current;
  out[OUT_POWER] = e.power_kw;
  out[OUT_SOC] = y[STATE_SOC] * 100.0;
  out[OUT_SOH] = e.soh;
  out[OUT_COOLANT_INLET_TEMP] = e.inlet;
  out[OUT_COOLANT_OUTLET_TEMP] = e.coolant_flow_kg_s > 0.0
                                 ? e.inlet + picked_up / (e.coolant_flow_kg_s * p[PARAM_COOLANT_CP])
                                 : e.inlet;
}

static void
mimic_battery_model_init_state (MimicModel   *model,
                                const double *p,
                                const double *in,
                                const double *readings,
                                double       *y)
{
  double inlet = in[INPUT_AMBIENT_TEMP] + p[PARAM_INLET_OFFSET];
  double soh = 100.0, loss;

#define READING(index) (readings != NULL && isfinite (readings[index]))

  y[STATE_SOC] = READING (OUT_SOC) ? CLAMP (readings[OUT_SOC], 0.0, 100.0) / 100.0 : 0.5;
  /* The RC pair's voltage is not measured; with a steady current it has
   * settled to I·R1. */
  y[STATE_V1] = READING (OUT_RACK_CURRENT) ? readings[OUT_RACK_CURRENT] * p[PARAM_R1] : 0.0;
  for (guint m = 0; m < N_MODULES; m++)
    y[STATE_MODULE_TEMP + m] = READING (OUT_MODULE_TEMP + m) ? readings[OUT_MODULE_TEMP + m] : inlet;
  if (READING (OUT_SOH))
    soh = CLAMP (readings[OUT_SOH], 1.0, 100.0);
  loss = 1.0 - soh / 100.0;
  y[STATE_CALENDAR_LOSS] = loss * p[PARAM_CALENDAR_SHARE];
  y[STATE_CYCLE_LOSS] = loss * (1.0 - p[PARAM_CALENDAR_SHARE]);
  y[STATE_THROUGHPUT] = 0.0;
  y[STATE_HEAT] = 0.0;

#undef READING
}

static double
mimic_battery_model_health (MimicModel   *model,
                            const double *y,
                            const double *p)
{
  double soh = 100.0 * (1.0 - y[STATE_CALENDAR_LOSS] - y[STATE_CYCLE_LOSS]);

  return (soh - p[PARAM_EOL_SOH]) / (100.0 - p[PARAM_EOL_SOH]);
}

static void
mimic_battery_model_class_init (MimicBatteryModelClass *klass)
{
  MimicModelClass *model_class = MIMIC_MODEL_CLASS (klass);

  model_class->name = "battery-rack";
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
  model_class->observers = observers;
  model_class->n_observers = G_N_ELEMENTS (observers);
  model_class->init_state = mimic_battery_model_init_state;
  model_class->derivatives = mimic_battery_model_derivatives;
  model_class->compute_outputs = mimic_battery_model_compute_outputs;
  model_class->health = mimic_battery_model_health;
}

static void
mimic_battery_model_init (MimicBatteryModel *self)
{
}
