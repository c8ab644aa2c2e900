/* mimic-sim-device.c
 *
 * A simulated device steps the same physics model the twin runs, with
 * its own seeded variation of the parameters a real unit differs in, adds
 * sensor noise, and lets faults bend what it reports. Thousands of these
 * run in one process, so the step is a cheap explicit Heun step rather
 * than the adaptive integrator the twin uses for predictions, and the
 * messages are written straight into a GString.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-sim-device"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-sim-device.h"
#include "mimic-json.h"

/* Longest explicit step: well under the fastest time constant of the
 * models (the battery's RC pair, 60 s), so Heun's method stays accurate. */
#define MAX_SUBSTEP_S 10.0
#define MAX_SUBSTEPS 2000

/* A rack's energy management system: a daily schedule of full cycles,
 * each discharging at the power setpoint and then charging back at the
 * same power. It keeps the state of charge between these limits (as
 * fractions) and idles at a limit until the schedule turns, so a rack in
 * normal operation stays clear of its state-of-charge alarms. */
#define RACK_CYCLES_PER_DAY 3.0
#define RACK_EMS_SOC_LOW    0.15
#define RACK_EMS_SOC_HIGH   0.90
#define SECONDS_PER_DAY     86400.0

G_DEFINE_QUARK (mimic-sim-error-quark, mimic_sim_error)

typedef enum
{
  FAULT_BEARING_WEAR,
  FAULT_DRIFT,
  FAULT_STUCK,
  FAULT_NOISE,
  FAULT_DROPOUT,
  FAULT_COOLING,
  FAULT_FLAP,
} FaultKind;

typedef struct
{
  FaultKind kind;
  int       output;           /* the sensor it bends, or -1 */
  double    rate;             /* drift: sensor units per simulated hour */
  double    sigma;            /* noise */
  double    probability;      /* dropout */
  double    started_sim_s;
  double    started_real_s;
  double    down_s;           /* flap: wall-clock seconds off the network */
  double    every_s;          /* flap: repeat period, 0 for once */
  gboolean  have_stuck_value;
  double    stuck_value;
} SimFault;

typedef enum
{
  KIND_PUMP,
  KIND_RACK,
} DeviceKind;

struct _MimicSimDevice
{
  GObject      parent_instance;

  char        *id;
  MimicAsset  *asset;
  MimicModel  *model;
  DeviceKind   kind;
  GRand       *rand;

  guint        n_states;
  guint        n_outputs;
  double      *params;
  double      *inputs;
  double      *state;
  double      *outputs;
  /* Scratch for the Heun step: k1, k2 and the predictor. */
  double      *scratch;

  double       time_s;
  gint64       sequence;

  /* Operating state the commands change. */
  gboolean     running;               /* pump: motor on */
  double       speed_setpoint;
  gboolean     contactor_closed;      /* rack */
  double       power_setpoint;
  double       schedule_offset_s;     /* rack: where in its cycle it starts */
  int          state_soc;
  int          input_ambient;
  int          input_speed;
  int          input_valve;
  int          input_wear_rate;
  int          input_power;
  int          input_coolant_flow;
  int          input_module_cooling;  /* the first of 16 */

  GArray      *faults;                /* SimFault */

  /* Recent command ids → their reply, oldest first in the queue. */
  GHashTable  *replies;
  GQueue       reply_order;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_ASSET_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_rack_power (MimicSimDevice *self);

G_DEFINE_FINAL_TYPE (MimicSimDevice, mimic_sim_device, G_TYPE_OBJECT)

static void
mimic_sim_device_finalize (GObject *object)
{
  MimicSimDevice *self = MIMIC_SIM_DEVICE (object);

  g_free (self->id);
  g_clear_object (&self->asset);
  g_clear_object (&self->model);
  g_clear_pointer (&self->rand, g_rand_free);
  g_free (self->params);
  g_free (self->inputs);
  g_free (self->state);
  g_free (self->outputs);
  g_free (self->scratch);
  g_clear_pointer (&self->faults, g_array_unref);
  g_clear_pointer (&self->replies, g_hash_table_unref);
  g_queue_clear_full (&self->reply_order, g_free);

  G_OBJECT_CLASS (mimic_sim_device_parent_class)->finalize (object);
}

static void
mimic_sim_device_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MimicSimDevice *self = MIMIC_SIM_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_ASSET_TYPE:
      g_value_set_string (value, mimic_sim_device_get_asset_type (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_sim_device_class_init (MimicSimDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_sim_device_finalize;
  object_class->get_property = mimic_sim_device_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ASSET_TYPE] =
    g_param_spec_string ("asset-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_sim_device_init (MimicSimDevice *self)
{
  self->faults = g_array_new (FALSE, TRUE, sizeof (SimFault));
  self->replies = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_queue_init (&self->reply_order);
}

/* A standard normal deviate (Box-Muller), from the device's own stream so
 * that a seed reproduces every value. */
static double
gaussian (GRand *rand)
{
  double u1 = g_rand_double (rand);
  double u2 = g_rand_double (rand);

  return sqrt (-2.0 * log (MAX (u1, 1e-300))) * cos (2.0 * G_PI * u2);
}

static void
vary_parameters (MimicSimDevice *self)
{
  guint n_params = mimic_model_get_n_parameters (self->model);

  /* Units of one type differ in what calibration fits: thermal resistance,
   * capacity, internal resistance (±5 %), and how worn they start. */
  for (guint i = 0; i < n_params; i++)
    {
      const MimicModelParameterInfo *info = mimic_model_get_parameter_info (self->model, i);
      double value = self->params[i];

      if (!info->individual)
        continue;

      if (strcmp (info->id, "wear") == 0)
        value = g_rand_double_range (self->rand, 0.02, 0.3);
      else
        value *= g_rand_double_range (self->rand, 0.95, 1.05);

      self->params[i] = CLAMP (value, info->minimum, info->maximum);
    }
}

MimicSimDevice *
mimic_sim_device_new (const char  *id,
                      MimicAsset  *asset,
                      MimicModel  *model,
                      guint32      seed,
                      guint        index,
                      GError     **error)
{
  g_autoptr(MimicSimDevice) self = NULL;
  GPtrArray *names;
  guint32 seeds[3];
  const char *model_name;
  guint n_params, n_inputs;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (MIMIC_IS_ASSET (asset), NULL);
  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);

  self = g_object_new (MIMIC_TYPE_SIM_DEVICE, NULL);
  self->id = g_strdup (id);
  self->asset = g_object_ref (asset);
  self->model = g_object_ref (model);

  model_name = mimic_model_get_name (model);
  if (g_strcmp0 (model_name, "pump-skid") == 0)
    self->kind = KIND_PUMP;
  else if (g_strcmp0 (model_name, "battery-rack") == 0)
    self->kind = KIND_RACK;
  else
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_UNKNOWN_ASSET,
                   _("The simulator cannot drive the model “%s”"), model_name);
      return NULL;
    }

  /* One stream per device, from the seed and the device's place in its
   * type, so adding racks does not change the pumps. */
  seeds[0] = seed;
  seeds[1] = index;
  seeds[2] = self->kind;
  self->rand = g_rand_new_with_seed_array (seeds, G_N_ELEMENTS (seeds));

  self->n_states = mimic_model_get_n_states (model);
  self->n_outputs = mimic_model_get_n_outputs (model);
  n_params = mimic_model_get_n_parameters (model);
  n_inputs = mimic_model_get_n_inputs (model);

  self->params = mimic_model_dup_parameters (model);
  names = mimic_asset_get_model_parameter_names (asset);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      int p = mimic_model_find_parameter (model, name);
      double value;

      if (p >= 0 && (guint) p < n_params && mimic_asset_get_model_parameter (asset, name, &value))
        self->params[p] = value;
    }
  vary_parameters (self);

  self->inputs = g_new0 (double, n_inputs);
  mimic_model_fill_default_inputs (model, self->inputs);
  self->state = g_new0 (double, self->n_states);
  self->outputs = g_new0 (double, self->n_outputs);
  self->scratch = g_new0 (double, 3 * self->n_states);

  self->input_ambient = mimic_model_find_input (model, "ambient_temp");
  self->input_speed = mimic_model_find_input (model, "speed_setpoint");
  self->input_valve = mimic_model_find_input (model, "valve_setpoint");
  self->input_wear_rate = mimic_model_find_input (model, "wear_rate_factor");
  self->input_power = mimic_model_find_input (model, "power_setpoint");
  self->input_coolant_flow = mimic_model_find_input (model, "coolant_flow");
  self->input_module_cooling = mimic_model_find_input (model, "module_01_cooling");

  if (self->kind == KIND_PUMP)
    {
      self->running = TRUE;
      self->speed_setpoint = self->inputs[self->input_speed];
    }
  else
    {
      /* A rack on the bus, cycling on its schedule at 50 kW. */
      self->contactor_closed = TRUE;
      self->power_setpoint = 50.0;
    }

  self->state_soc = mimic_model_find_state (model, "soc");
  mimic_model_init_state (model, self->params, self->inputs, NULL, self->state);
  if (self->state_soc >= 0)
    self->state[self->state_soc] = g_rand_double_range (self->rand, 0.4, 0.8);
  if (self->kind == KIND_RACK)
    {
      /* Racks of one site do not all turn at the same moment. */
      self->schedule_offset_s = g_rand_double_range (self->rand, 0.0, SECONDS_PER_DAY / RACK_CYCLES_PER_DAY);
      update_rack_power (self);
    }
  mimic_model_compute_outputs (model, 0.0, self->state, self->params, self->inputs, self->outputs);

  return g_steal_pointer (&self);
}

const char *
mimic_sim_device_get_id (MimicSimDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), NULL);

  return self->id;
}

const char *
mimic_sim_device_get_asset_type (MimicSimDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), NULL);

  return mimic_asset_get_id (self->asset);
}

double
mimic_sim_device_get_time (MimicSimDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), 0.0);

  return self->time_s;
}

gint64
mimic_sim_device_get_sequence (MimicSimDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), 0);

  return self->sequence;
}

/* The power the rack's schedule asks for now: the first half of each
 * cycle discharges at the setpoint, the second charges at it, and the
 * state-of-charge limits stop either early. An open contactor carries
 * nothing. */
static void
update_rack_power (MimicSimDevice *self)
{
  double period_s = SECONDS_PER_DAY / RACK_CYCLES_PER_DAY;
  double phase = fmod (self->time_s + self->schedule_offset_s, period_s) / period_s;
  double soc = self->state_soc >= 0 ? self->state[self->state_soc] : 0.5;
  double power = phase < 0.5 ? self->power_setpoint : -self->power_setpoint;

  if (!self->contactor_closed)
    power = 0.0;
  else if (power > 0.0 && soc <= RACK_EMS_SOC_LOW)
    power = 0.0;
  else if (power < 0.0 && soc >= RACK_EMS_SOC_HIGH)
    power = 0.0;
  self->inputs[self->input_power] = power;
}

void
mimic_sim_device_advance (MimicSimDevice *self,
                          double          dt_s)
{
  MimicModelClass *klass;
  guint n = self->n_states, substeps;
  double *k1 = self->scratch, *k2 = self->scratch + n, *predictor = self->scratch + 2 * n;
  double h;

  g_return_if_fail (MIMIC_IS_SIM_DEVICE (self));

  if (!(dt_s > 0.0) || !isfinite (dt_s))
    return;

  klass = MIMIC_MODEL_GET_CLASS (self->model);
  substeps = (guint) MIN (ceil (dt_s / MAX_SUBSTEP_S), MAX_SUBSTEPS);
  h = dt_s / substeps;

  for (guint s = 0; s < substeps; s++)
    {
      if (self->kind == KIND_RACK)
        update_rack_power (self);
      klass->derivatives (self->model, self->time_s, self->state, self->params, self->inputs, k1);
      for (guint i = 0; i < n; i++)
        predictor[i] = self->state[i] + h * k1[i];
      klass->derivatives (self->model, self->time_s + h, predictor, self->params, self->inputs, k2);
      for (guint i = 0; i < n; i++)
        self->state[i] += 0.5 * h * (k1[i] + k2[i]);
      self->time_s += h;
    }

  klass->compute_outputs (self->model, self->time_s, self->state, self->params, self->inputs, self->outputs);
}

static void
append_number (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* Never locale-dependent, never more digits than a sensor resolves. */
  g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.6g", value));
}

/* What a real transmitter adds: a little white noise, a tenth of a degree
 * on temperatures, a few per mille elsewhere. Exact zeros (a stopped
 * motor) stay zero. */
static double
sensor_noise_sigma (const MimicModelOutputInfo *info,
                    double                      value)
{
  if (value == 0.0)
    return 0.0;
  if (g_strcmp0 (info->unit, "°C") == 0)
    return 0.05;
  if (g_strcmp0 (info->unit, "%") == 0)
    return 0.02;
  return 0.002 * fabs (value);
}

gboolean
mimic_sim_device_write_telemetry (MimicSimDevice *self,
                                  gint64          ts_ms,
                                  GString        *out)
{
  gboolean dropped = FALSE;

  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  self->sequence++;

  for (guint f = 0; f < self->faults->len; f++)
    {
      SimFault *fault = &g_array_index (self->faults, SimFault, f);

      if (fault->kind == FAULT_DROPOUT && g_rand_double (self->rand) < fault->probability)
        dropped = TRUE;
    }
  if (dropped)
    return FALSE;

  g_string_append (out, "{\"ts\":");
  g_string_append_printf (out, "%" G_GINT64_FORMAT, ts_ms);
  g_string_append (out, ",\"seq\":");
  g_string_append_printf (out, "%" G_GINT64_FORMAT, self->sequence);
  g_string_append (out, ",\"values\":{");

  for (guint i = 0; i < self->n_outputs; i++)
    {
      const MimicModelOutputInfo *info = mimic_model_get_output_info (self->model, i);
      double value = self->outputs[i];

      value += sensor_noise_sigma (info, value) * gaussian (self->rand);

      for (guint f = 0; f < self->faults->len; f++)
        {
          SimFault *fault = &g_array_index (self->faults, SimFault, f);

          if (fault->output != (int) i)
            continue;

          switch (fault->kind)
            {
            case FAULT_DRIFT:
              value += fault->rate * (self->time_s - fault->started_sim_s) / 3600.0;
              break;
            case FAULT_NOISE:
              value += fault->sigma * gaussian (self->rand);
              break;
            case FAULT_STUCK:
              if (!fault->have_stuck_value)
                {
                  fault->stuck_value = value;
                  fault->have_stuck_value = TRUE;
                }
              value = fault->stuck_value;
              break;
            case FAULT_BEARING_WEAR:
            case FAULT_DROPOUT:
            case FAULT_COOLING:
            case FAULT_FLAP:
            default:
              break;
            }
        }

      if (!isfinite (value))
        continue;
      /* A transmitter's percentage never leaves its scale. */
      if (g_strcmp0 (info->unit, "%") == 0)
        value = CLAMP (value, 0.0, 100.0);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '"');
      g_string_append (out, info->id);
      g_string_append (out, "\":");
      append_number (out, value);
    }

  g_string_append (out, "}}");
  return TRUE;
}

void
mimic_sim_device_write_birth (MimicSimDevice *self,
                              gint64          ts_ms,
                              GString        *out)
{
  GPtrArray *commands;

  g_return_if_fail (MIMIC_IS_SIM_DEVICE (self));

  g_string_append_printf (out, "{\"ts\":%" G_GINT64_FORMAT ",\"asset_type\":\"%s\","
                          "\"firmware\":\"mimic-device %s\",\"capabilities\":[",
                          ts_ms, mimic_asset_get_id (self->asset), PACKAGE_VERSION);
  commands = mimic_asset_get_commands (self->asset);
  for (guint i = 0; commands != NULL && i < commands->len; i++)
    {
      const MimicAssetCommand *command = g_ptr_array_index (commands, i);

      g_string_append_printf (out, "\"%s\",", command->id);
    }
  /* In the capabilities list, where docs/protocol.md says a console looks
   * for it; also at the top level, where earlier versions put it. */
  g_string_append (out, "\"deduplicates_commands\"],\"deduplicates_commands\":true}");
}

void
mimic_sim_device_write_status (MimicSimDevice *self,
                               gboolean        online,
                               gint64          ts_ms,
                               GString        *out)
{
  g_return_if_fail (MIMIC_IS_SIM_DEVICE (self));

  g_string_append_printf (out, "{\"online\":%s,\"ts\":%" G_GINT64_FORMAT "}",
                          online ? "true" : "false", ts_ms);
}

void
mimic_sim_device_write_reported (MimicSimDevice *self,
                                 gint64          ts_ms,
                                 GString        *out)
{
  g_return_if_fail (MIMIC_IS_SIM_DEVICE (self));

  g_string_append_printf (out, "{\"ts\":%" G_GINT64_FORMAT ",\"parameters\":{", ts_ms);
  if (self->kind == KIND_PUMP)
    {
      g_string_append (out, "\"speed_setpoint\":");
      append_number (out, self->speed_setpoint);
      g_string_append (out, ",\"valve_setpoint\":");
      append_number (out, self->inputs[self->input_valve]);
      g_string_append_printf (out, ",\"running\":%d", self->running ? 1 : 0);
    }
  else
    {
      g_string_append (out, "\"power_setpoint\":");
      append_number (out, self->power_setpoint);
      g_string_append (out, ",\"coolant_flow\":");
      append_number (out, self->inputs[self->input_coolant_flow]);
      g_string_append_printf (out, ",\"contactor_closed\":%d", self->contactor_closed ? 1 : 0);
    }
  g_string_append (out, "}}");
}

/* Faults */

static gboolean
read_fault_number (JsonObject  *params,
                   const char  *name,
                   double       fallback,
                   double       minimum,
                   double       maximum,
                   double      *value,
                   GError     **error)
{
  JsonNode *node = params != NULL ? json_object_get_member (params, name) : NULL;
  GType type;

  if (node == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("The fault parameter “%s” is not a number"), name);
      return FALSE;
    }

  *value = json_node_get_double (node);
  if (!isfinite (*value) || *value < minimum || *value > maximum)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("The fault parameter “%s” must be a finite number from %g to %g"),
                   name, minimum, maximum);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_fault_sensor (MimicSimDevice  *self,
                   JsonObject      *params,
                   int             *output,
                   GError         **error)
{
  JsonNode *node = params != NULL ? json_object_get_member (params, "sensor") : NULL;
  const char *sensor;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("The fault needs the name of a sensor in “sensor”"));
      return FALSE;
    }

  sensor = json_node_get_string (node);
  *output = mimic_model_find_output (self->model, sensor);
  if (*output < 0)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("Device %s has no sensor “%s”"), self->id, sensor);
      return FALSE;
    }
  return TRUE;
}

gboolean
mimic_sim_device_add_fault (MimicSimDevice  *self,
                            const char      *kind,
                            JsonObject      *params,
                            double           real_now_s,
                            GError         **error)
{
  SimFault fault = { 0, };

  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (kind != NULL, FALSE);

  fault.output = -1;
  fault.started_sim_s = self->time_s;
  fault.started_real_s = real_now_s;

  if (strcmp (kind, "clear") == 0)
    {
      g_array_set_size (self->faults, 0);
      if (self->input_wear_rate >= 0)
        self->inputs[self->input_wear_rate] = 1.0;
      for (guint m = 0; self->input_module_cooling >= 0 && m < 16; m++)
        self->inputs[self->input_module_cooling + m] = 1.0;
      return TRUE;
    }
  else if (strcmp (kind, "bearing_wear") == 0)
    {
      double rate;

      if (self->kind != KIND_PUMP)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("Device %s has no bearings"), self->id);
          return FALSE;
        }
      if (!read_fault_number (params, "rate", 10.0, 0.0, 1000.0, &rate, error))
        return FALSE;
      fault.kind = FAULT_BEARING_WEAR;
      self->inputs[self->input_wear_rate] = rate;
    }
  else if (strcmp (kind, "drift") == 0)
    {
      fault.kind = FAULT_DRIFT;
      if (!read_fault_sensor (self, params, &fault.output, error) ||
          !read_fault_number (params, "rate", 1.0, -1e6, 1e6, &fault.rate, error))
        return FALSE;
    }
  else if (strcmp (kind, "stuck") == 0)
    {
      fault.kind = FAULT_STUCK;
      if (!read_fault_sensor (self, params, &fault.output, error))
        return FALSE;
      if (params != NULL && json_object_has_member (params, "value"))
        {
          if (!read_fault_number (params, "value", 0.0, -1e9, 1e9, &fault.stuck_value, error))
            return FALSE;
          fault.have_stuck_value = TRUE;
        }
    }
  else if (strcmp (kind, "noise") == 0)
    {
      fault.kind = FAULT_NOISE;
      if (!read_fault_sensor (self, params, &fault.output, error) ||
          !read_fault_number (params, "sigma", 1.0, 0.0, 1e6, &fault.sigma, error))
        return FALSE;
    }
  else if (strcmp (kind, "dropout") == 0)
    {
      fault.kind = FAULT_DROPOUT;
      if (!read_fault_number (params, "probability", 0.5, 0.0, 1.0, &fault.probability, error))
        return FALSE;
    }
  else if (strcmp (kind, "cooling") == 0)
    {
      double module, factor;

      if (self->kind != KIND_RACK)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("Device %s has no cooled modules"), self->id);
          return FALSE;
        }
      if (params == NULL || !json_object_has_member (params, "module"))
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("The cooling fault needs a module number from 1 to 16 in “module”"));
          return FALSE;
        }
      if (!read_fault_number (params, "module", 1.0, 1.0, 16.0, &module, error) ||
          !read_fault_number (params, "factor", 0.0, 0.0, 1.0, &factor, error))
        return FALSE;
      if (module != floor (module))
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("The cooling fault needs a module number from 1 to 16 in “module”"));
          return FALSE;
        }
      fault.kind = FAULT_COOLING;
      self->inputs[self->input_module_cooling + (int) module - 1] = factor;
    }
  else if (strcmp (kind, "flap") == 0)
    {
      fault.kind = FAULT_FLAP;
      if (!read_fault_number (params, "down", 5.0, 0.0, 86400.0, &fault.down_s, error) ||
          !read_fault_number (params, "every", 0.0, 0.0, 86400.0, &fault.every_s, error))
        return FALSE;
      if (fault.every_s > 0.0 && fault.every_s <= fault.down_s)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("A network flap must repeat less often than it lasts"));
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("Unknown fault “%s” (known: bearing_wear, drift, stuck, noise, dropout, cooling, flap, clear)"),
                   kind);
      return FALSE;
    }

  g_array_append_val (self->faults, fault);
  return TRUE;
}

gboolean
mimic_sim_device_is_network_down (MimicSimDevice *self,
                                  double          real_now_s)
{
  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), FALSE);

  for (guint f = 0; f < self->faults->len; f++)
    {
      SimFault *fault = &g_array_index (self->faults, SimFault, f);
      double since;

      if (fault->kind != FAULT_FLAP)
        continue;

      since = real_now_s - fault->started_real_s;
      if (since < 0.0)
        continue;
      if (fault->every_s > 0.0)
        since = fmod (since, fault->every_s);
      if (since < fault->down_s)
        return TRUE;
    }
  return FALSE;
}

JsonObject *
mimic_sim_parse_fault_parameters (const char  *text,
                                  GError     **error)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_auto(GStrv) pairs = NULL;

  if (text == NULL || text[0] == '\0')
    return g_steal_pointer (&params);

  pairs = g_strsplit (text, ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *equals = strchr (pairs[i], '=');
      g_autofree char *key = NULL;
      const char *value;
      char *end = NULL;
      double number;

      if (equals == NULL || equals == pairs[i])
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                       _("Fault parameters are key=value pairs separated by commas, not “%s”"), pairs[i]);
          return NULL;
        }

      key = g_strndup (pairs[i], equals - pairs[i]);
      value = equals + 1;
      number = g_ascii_strtod (value, &end);
      if (value[0] != '\0' && end != NULL && *end == '\0')
        {
          if (!isfinite (number))
            {
              g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                           _("The fault parameter “%s” is not a finite number"), key);
              return NULL;
            }
          json_object_set_double_member (params, key, number);
        }
      else
        json_object_set_string_member (params, key, value);
    }

  return g_steal_pointer (&params);
}

/* Commands */

static char *
build_reply (const char *id,
             const char *status,
             const char *reason,
             gint64      now_ms)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  if (id != NULL)
    json_builder_add_string_value (builder, id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, status);
  if (reason != NULL)
    {
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, reason);
    }
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, now_ms);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* A copy of @node that is valid JSON: a number that overflowed to
 * infinity is written as the string "non-finite". */
static JsonNode *
copy_loggable (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE &&
      !isfinite (json_node_get_double (node)))
    {
      JsonNode *text = json_node_new (JSON_NODE_VALUE);

      json_node_set_string (text, "non-finite");
      return text;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *copy = json_object_new ();
      JsonNode *result = json_node_new (JSON_NODE_OBJECT);
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (copy, name, copy_loggable (member));
      json_node_take_object (result, copy);
      return result;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *source = json_node_get_array (node);
      JsonArray *copy = json_array_new ();
      JsonNode *result = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (source); i++)
        json_array_add_element (copy, copy_loggable (json_array_get_element (source, i)));
      json_node_take_array (result, copy);
      return result;
    }

  return json_node_copy (node);
}

static char *
build_log_line (MimicSimDevice *self,
                const char     *id,
                const char     *name,
                JsonNode       *args,
                const char     *status,
                const char     *reason,
                gint64          now_ms)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, now_ms);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "args");
  if (args != NULL)
    json_builder_add_value (builder, copy_loggable (args));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "outcome");
  json_builder_add_string_value (builder, status);
  if (reason != NULL)
    {
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, reason);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
check_argument_type (const MimicAssetArgument *argument,
                     JsonNode                 *node,
                     double                   *number)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  *number = NAN;
  switch (argument->type)
    {
    case MIMIC_ASSET_VALUE_BOOLEAN:
      if (type != G_TYPE_BOOLEAN)
        return g_strdup_printf (_("The argument “%s” must be true or false"), argument->name);
      return NULL;
    case MIMIC_ASSET_VALUE_STRING:
      if (type != G_TYPE_STRING)
        return g_strdup_printf (_("The argument “%s” must be a string"), argument->name);
      return NULL;
    case MIMIC_ASSET_VALUE_INTEGER:
      if (type != G_TYPE_INT64)
        return g_strdup_printf (_("The argument “%s” must be an integer"), argument->name);
      break;
    case MIMIC_ASSET_VALUE_NUMBER:
    default:
      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        return g_strdup_printf (_("The argument “%s” must be a number"), argument->name);
      break;
    }

  *number = json_node_get_double (node);
  if (!isfinite (*number))
    return g_strdup_printf (_("The argument “%s” is not a finite number"), argument->name);
  if (argument->has_minimum && *number < argument->minimum)
    return g_strdup_printf (_("The argument “%s” is %g, below its minimum of %g"),
                            argument->name, *number, argument->minimum);
  if (argument->has_maximum && *number > argument->maximum)
    return g_strdup_printf (_("The argument “%s” is %g, above its maximum of %g"),
                            argument->name, *number, argument->maximum);
  return NULL;
}

/* Checks @args against the asset description's schema of @command. */
static char *
validate_arguments (const MimicAssetCommand *command,
                    JsonObject              *args)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (args != NULL)
    {
      json_object_iter_init (&iter, args);
      while (json_object_iter_next (&iter, &name, &node))
        {
          const MimicAssetArgument *argument = mimic_asset_command_get_argument (command, name);
          double number;
          char *reason;

          if (argument == NULL)
            return g_strdup_printf (_("The command “%s” has no argument “%s”"), command->id, name);
          reason = check_argument_type (argument, node, &number);
          if (reason != NULL)
            return reason;
        }
    }

  for (guint i = 0; command->arguments != NULL && i < command->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (command->arguments, i);

      if (argument->required && (args == NULL || !json_object_has_member (args, argument->name)))
        return g_strdup_printf (_("The argument “%s” is required"), argument->name);
    }

  return NULL;
}

/* Applies an accepted command to the physics. Returns a reason when the
 * device cannot do it now. */
static char *
execute_command (MimicSimDevice *self,
                 const char     *name,
                 JsonObject     *args)
{
  if (self->kind == KIND_PUMP)
    {
      if (strcmp (name, "start") == 0)
        {
          self->running = TRUE;
          self->inputs[self->input_speed] = self->speed_setpoint;
        }
      else if (strcmp (name, "stop") == 0)
        {
          self->running = FALSE;
          self->inputs[self->input_speed] = 0.0;
        }
      else if (strcmp (name, "set_speed") == 0)
        {
          self->speed_setpoint = json_object_get_double_member (args, "speed");
          if (self->running)
            self->inputs[self->input_speed] = self->speed_setpoint;
        }
      else if (strcmp (name, "set_valve") == 0)
        self->inputs[self->input_valve] = json_object_get_double_member (args, "position");
      else if (strcmp (name, "maintenance_done") == 0)
        {
          g_autoptr(GError) error = NULL;

          if (!mimic_model_apply_action (self->model, "maintenance", self->params, self->state, &error))
            return g_strdup (error->message);
        }
      else
        return g_strdup_printf (_("Device %s cannot execute “%s”"), self->id, name);
    }
  else
    {
      if (strcmp (name, "set_power") == 0)
        {
          self->power_setpoint = json_object_get_double_member (args, "power");
          update_rack_power (self);
        }
      else if (strcmp (name, "set_coolant_flow") == 0)
        self->inputs[self->input_coolant_flow] = json_object_get_double_member (args, "flow");
      else if (strcmp (name, "open_contactor") == 0)
        {
          self->contactor_closed = FALSE;
          update_rack_power (self);
        }
      else if (strcmp (name, "close_contactor") == 0)
        {
          self->contactor_closed = TRUE;
          update_rack_power (self);
        }
      else
        return g_strdup_printf (_("Device %s cannot execute “%s”"), self->id, name);
    }

  mimic_model_compute_outputs (self->model, self->time_s, self->state, self->params, self->inputs, self->outputs);
  return NULL;
}

static char *
inject_fault_command (MimicSimDevice *self,
                      JsonObject     *args,
                      double          real_now_s)
{
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  const char *kind;

  if (args == NULL || !json_object_has_member (args, "fault") ||
      json_node_get_value_type (json_object_get_member (args, "fault")) != G_TYPE_STRING)
    return g_strdup (_("The argument “fault” is required"));

  kind = json_object_get_string_member (args, "fault");
  json_object_iter_init (&iter, args);
  while (json_object_iter_next (&iter, &name, &node))
    if (strcmp (name, "fault") != 0)
      json_object_set_member (params, name, json_node_copy (node));

  if (!mimic_sim_device_add_fault (self, kind, params, real_now_s, &error))
    return g_strdup (error->message);
  return NULL;
}

static void
remember_reply (MimicSimDevice *self,
                const char     *id,
                const char     *reply)
{
  char *key = g_strdup (id);

  g_queue_push_tail (&self->reply_order, key);
  g_hash_table_insert (self->replies, key, g_strdup (reply));

  while (g_queue_get_length (&self->reply_order) > MIMIC_SIM_DEVICE_COMMAND_MEMORY)
    {
      char *oldest = g_queue_pop_head (&self->reply_order);

      g_hash_table_remove (self->replies, oldest);
      g_free (oldest);
    }
}

char *
mimic_sim_device_handle_command (MimicSimDevice  *self,
                                 const char      *name,
                                 const char      *payload,
                                 gsize            length,
                                 const char      *correlation_id,
                                 gboolean         allow_fault_commands,
                                 gint64           now_ms,
                                 double           real_now_s,
                                 char           **log_line,
                                 gboolean        *reported_changed)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *reason = NULL;
  JsonNode *root = NULL, *id_node, *args_node = NULL;
  JsonObject *request, *args = NULL;
  const char *cached;
  char *reply;

  g_return_val_if_fail (MIMIC_IS_SIM_DEVICE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (log_line != NULL && reported_changed != NULL, NULL);

  *log_line = NULL;
  *reported_changed = FALSE;

  if (!mimic_json_parser_load_from_data (parser, payload, length, &error))
    reason = g_strdup_printf (_("Malformed JSON: %s"), error->message);
  else if ((root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    reason = g_strdup (_("The request is not a JSON object"));

  /* Unreadable: only the transport's id can name it. */
  if (reason != NULL)
    {
      if (correlation_id == NULL || correlation_id[0] == '\0')
        return build_reply (NULL, "rejected", reason, now_ms);
      cached = g_hash_table_lookup (self->replies, correlation_id);
      if (cached != NULL)
        return g_strdup (cached);
      reply = build_reply (correlation_id, "rejected", reason, now_ms);
      remember_reply (self, correlation_id, reply);
      *log_line = build_log_line (self, correlation_id, name, NULL, "rejected", reason, now_ms);
      return reply;
    }
  request = json_node_get_object (root);

  id_node = json_object_get_member (request, "id");
  if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) && json_node_get_value_type (id_node) == G_TYPE_STRING &&
      json_node_get_string (id_node)[0] != '\0')
    id = g_strdup (json_node_get_string (id_node));
  else if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) && json_node_get_value_type (id_node) == G_TYPE_INT64)
    id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id_node));
  else if (id_node == NULL && correlation_id != NULL && correlation_id[0] != '\0')
    id = g_strdup (correlation_id);
  else
    return build_reply (correlation_id, "rejected", _("The request has no id"), now_ms);

  /* A repeat, e.g. resent after a reconnect: answer as the first time,
   * do nothing. */
  cached = g_hash_table_lookup (self->replies, id);
  if (cached != NULL)
    return g_strdup (cached);

  args_node = json_object_get_member (request, "args");
  if (args_node != NULL && JSON_NODE_HOLDS_OBJECT (args_node))
    args = json_node_get_object (args_node);
  else if (args_node != NULL && !JSON_NODE_HOLDS_NULL (args_node))
    reason = g_strdup (_("“args” must be an object"));

  if (reason == NULL && strcmp (name, "inject_fault") == 0)
    {
      if (!allow_fault_commands)
        reason = g_strdup (_("Fault commands are disabled on this simulator"));
      else
        reason = inject_fault_command (self, args, real_now_s);
    }
  else if (reason == NULL)
    {
      const MimicAssetCommand *command = mimic_asset_get_command (self->asset, name);

      if (command == NULL)
        reason = g_strdup_printf (_("Unknown command “%s”"), name);
      else
        reason = validate_arguments (command, args);

      if (reason == NULL)
        {
          reason = execute_command (self, name, args);
          *reported_changed = reason == NULL;
        }
    }

  reply = build_reply (id, reason == NULL ? "acked" : "rejected", reason, now_ms);
  remember_reply (self, id, reply);
  *log_line = build_log_line (self, id, name, args_node, reason == NULL ? "acked" : "rejected", reason, now_ms);
  return reply;
}
