/* mimic-twin-device.c
 *
 * The live state of one device: what it is (birth), whether it is there
 * (presence, last seen), the latest value and quality of each sensor with
 * its history, and its reported and desired parameters. Only the twin store
 * changes it, on the main thread, one applied batch at a time; observers get
 * one "sensors-changed" per batch, not one signal per value.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-twin-device"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "mimic-twin-device-private.h"
#include "mimic-twin-store.h"

typedef struct
{
  char               *id;
  guint               position;          /* in sensor_order */
  MimicSensorReading  reading;
  gboolean            has_reading;
  gboolean            changed;
  /* Local wall clock when the store last applied a sample of this sensor;
   * staleness is judged by it, not by the device's own clock. */
  gint64              received_us;
  MimicHistory       *history;
} Sensor;

typedef struct
{
  char     *name;
  double    reported;
  double    desired;
  gint64    reported_us;
  gboolean  has_reported;
  gboolean  has_desired;
  gboolean  changed;
} Parameter;

struct _MimicTwinDevice
{
  GObject        parent_instance;

  char          *id;
  char          *asset_type;
  char          *firmware;
  char          *source_id;        /* the feed its newest update came from */
  MimicPresence  presence;
  gint64         presence_us;
  gint64         last_seen;
  guint64        sequence_gaps;

  guint          history_capacity;
  guint          max_sensors;      /* and as many parameters */

  GHashTable    *sensors;          /* id → Sensor, owns */
  GPtrArray     *sensor_order;     /* Sensor, in order of first appearance */
  GHashTable    *parameters;       /* name → Parameter, owns */
  GPtrArray     *parameter_order;

  /* Devices send their sensors in the same order every time: the sensor
   * after the last one applied is tried before the hash table. */
  guint          next_sensor;

  /* Sensors whose reading changed since begin: each at most once, so
   * room for every sensor is enough and marking one never reallocates. */
  Sensor       **changed_sensors;
  guint          n_changed_sensors;
  GPtrArray     *changed_parameters;
  guint          changes_depth;
  gboolean       properties_changed;
  /* Properties changed between begin and end, notified at the end once
   * each: what g_object_freeze_notify() does, without a notify queue
   * allocated for every device in every batch. */
  guint          pending_notify;       /* 1 << PROP_* */
  guint          position;             /* in the store's list */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_ASSET_TYPE,
  PROP_FIRMWARE,
  PROP_PRESENCE,
  PROP_LAST_SEEN,
  PROP_SEQUENCE_GAPS,
  N_PROPS
};

enum {
  SENSORS_CHANGED,
  PARAMETERS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimicTwinDevice, mimic_twin_device, G_TYPE_OBJECT)

static void
sensor_free (gpointer data)
{
  Sensor *sensor = data;

  g_free (sensor->id);
  g_clear_pointer (&sensor->history, mimic_history_unref);
  g_free (sensor);
}

static void
parameter_free (gpointer data)
{
  Parameter *parameter = data;

  g_free (parameter->name);
  g_free (parameter);
}

static void
mimic_twin_device_finalize (GObject *object)
{
  MimicTwinDevice *self = (MimicTwinDevice *)object;

  g_free (self->changed_sensors);
  g_clear_pointer (&self->changed_parameters, g_ptr_array_unref);
  g_clear_pointer (&self->sensor_order, g_ptr_array_unref);
  g_clear_pointer (&self->parameter_order, g_ptr_array_unref);
  g_clear_pointer (&self->sensors, g_hash_table_unref);
  g_clear_pointer (&self->parameters, g_hash_table_unref);
  g_free (self->id);
  g_free (self->asset_type);
  g_free (self->source_id);
  g_free (self->firmware);

  G_OBJECT_CLASS (mimic_twin_device_parent_class)->finalize (object);
}

static void
mimic_twin_device_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  MimicTwinDevice *self = MIMIC_TWIN_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_ASSET_TYPE:
      g_value_set_string (value, self->asset_type);
      break;
    case PROP_FIRMWARE:
      g_value_set_string (value, self->firmware);
      break;
    case PROP_PRESENCE:
      g_value_set_enum (value, self->presence);
      break;
    case PROP_LAST_SEEN:
      g_value_set_int64 (value, self->last_seen);
      break;
    case PROP_SEQUENCE_GAPS:
      g_value_set_uint64 (value, self->sequence_gaps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_twin_device_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  MimicTwinDevice *self = MIMIC_TWIN_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_twin_device_class_init (MimicTwinDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_twin_device_finalize;
  object_class->get_property = mimic_twin_device_get_property;
  object_class->set_property = mimic_twin_device_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ASSET_TYPE] =
    g_param_spec_string ("asset-type", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIRMWARE] =
    g_param_spec_string ("firmware", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL,
                       MIMIC_TYPE_PRESENCE, MIMIC_PRESENCE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Local wall clock (µs since the epoch) when the device was last heard:
   * telemetry, birth or an "online" status. 0 = never. */
  properties[PROP_LAST_SEEN] =
    g_param_spec_int64 ("last-seen", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEQUENCE_GAPS] =
    g_param_spec_uint64 ("sequence-gaps", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicTwinDevice::sensors-changed:
   * @ids: the sensors whose reading changed, in order of first appearance
   *
   * Emitted at most once per applied batch.
   */
  signals[SENSORS_CHANGED] =
    g_signal_new ("sensors-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
  signals[PARAMETERS_CHANGED] =
    g_signal_new ("parameters-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
}

static void
mimic_twin_device_init (MimicTwinDevice *self)
{
  self->history_capacity = MIMIC_HISTORY_DEFAULT_RAW_CAPACITY;
  self->max_sensors = MIMIC_TWIN_STORE_DEFAULT_MAX_SENSORS;
  self->sensors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sensor_free);
  self->sensor_order = g_ptr_array_new ();
  self->parameters = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, parameter_free);
  self->parameter_order = g_ptr_array_new ();
  self->changed_parameters = g_ptr_array_new ();
}

MimicTwinDevice *
mimic_twin_device_new (const char *device_id,
                       guint       history_capacity,
                       guint       max_sensors)
{
  MimicTwinDevice *self;

  g_return_val_if_fail (device_id != NULL, NULL);

  self = g_object_new (MIMIC_TYPE_TWIN_DEVICE, "id", device_id, NULL);
  if (history_capacity > 0)
    self->history_capacity = history_capacity;
  if (max_sensors > 0)
    self->max_sensors = max_sensors;

  return self;
}

const char *
mimic_twin_device_get_id (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return self->id;
}

const char *
mimic_twin_device_get_asset_type (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return self->asset_type;
}

/* The id of the source (mimic_feed_get_id()) that the device's newest
 * update came from: where its commands go. NULL until an update came with
 * a source. */
const char *
mimic_twin_device_get_source_id (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return self->source_id;
}

void
mimic_twin_device_set_source_id (MimicTwinDevice *self,
                                 const char      *source_id)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));

  if (source_id == NULL || g_strcmp0 (self->source_id, source_id) == 0)
    return;
  g_free (self->source_id);
  self->source_id = g_strdup (source_id);
}

const char *
mimic_twin_device_get_firmware (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return self->firmware;
}

MimicPresence
mimic_twin_device_get_presence (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), MIMIC_PRESENCE_UNKNOWN);

  return self->presence;
}

gint64
mimic_twin_device_get_last_seen (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), 0);

  return self->last_seen;
}

guint64
mimic_twin_device_get_sequence_gaps (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), 0);

  return self->sequence_gaps;
}

guint
mimic_twin_device_get_n_sensors (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), 0);

  return self->sensor_order->len;
}

/* The names of the Sensors or Parameters in @order: the string at
 * @name_offset in each. */
static GStrv
dup_names (GPtrArray *order,
           gsize      name_offset)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < order->len; i++)
    g_strv_builder_add (builder, G_STRUCT_MEMBER (const char *, g_ptr_array_index (order, i), name_offset));

  return g_strv_builder_end (builder);
}

GStrv
mimic_twin_device_dup_sensor_ids (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return dup_names (self->sensor_order, G_STRUCT_OFFSET (Sensor, id));
}

/* Returns FALSE when the sensor is unknown or has no value yet. */
gboolean
mimic_twin_device_get_sensor (MimicTwinDevice    *self,
                              const char         *sensor_id,
                              MimicSensorReading *out)
{
  Sensor *sensor;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (sensor_id != NULL, FALSE);

  sensor = g_hash_table_lookup (self->sensors, sensor_id);
  if (sensor == NULL || !sensor->has_reading)
    return FALSE;

  if (out != NULL)
    *out = sensor->reading;
  return TRUE;
}

MimicHistory *
mimic_twin_device_get_history (MimicTwinDevice *self,
                               const char      *sensor_id)
{
  Sensor *sensor;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);
  g_return_val_if_fail (sensor_id != NULL, NULL);

  sensor = g_hash_table_lookup (self->sensors, sensor_id);
  return sensor != NULL ? sensor->history : NULL;
}

GStrv
mimic_twin_device_dup_parameter_names (MimicTwinDevice *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);

  return dup_names (self->parameter_order, G_STRUCT_OFFSET (Parameter, name));
}

/* The reported or the desired value of @parameter, when it has one. */
static gboolean
get_parameter_value (MimicTwinDevice *self,
                     const char      *parameter,
                     gboolean         desired,
                     double          *value)
{
  Parameter *found = g_hash_table_lookup (self->parameters, parameter);

  if (found == NULL || !(desired ? found->has_desired : found->has_reported))
    return FALSE;

  if (value != NULL)
    *value = desired ? found->desired : found->reported;
  return TRUE;
}

gboolean
mimic_twin_device_get_reported (MimicTwinDevice *self,
                                const char      *parameter,
                                double          *value)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (parameter != NULL, FALSE);

  return get_parameter_value (self, parameter, FALSE, value);
}

gboolean
mimic_twin_device_get_desired (MimicTwinDevice *self,
                               const char      *parameter,
                               double          *value)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (parameter != NULL, FALSE);

  return get_parameter_value (self, parameter, TRUE, value);
}

void
mimic_twin_device_begin_changes (MimicTwinDevice *self)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));

  self->changes_depth++;
}

/* The names are only copied into a list when someone listens: a fleet of
 * devices nobody has open costs no allocation per batch. */
static GStrv
take_changed_names (gpointer  *changed,
                    guint      n_changed,
                    gboolean   sensors,
                    gboolean   wanted)
{
  GStrv names = wanted ? g_new (char *, n_changed + 1) : NULL;

  for (guint i = 0; i < n_changed; i++)
    {
      const char *name;

      if (sensors)
        {
          Sensor *sensor = changed[i];

          sensor->changed = FALSE;
          name = sensor->id;
        }
      else
        {
          Parameter *parameter = changed[i];

          parameter->changed = FALSE;
          name = parameter->name;
        }

      if (names != NULL)
        names[i] = g_strdup (name);
    }
  if (names != NULL)
    names[n_changed] = NULL;

  return names;
}

gboolean
mimic_twin_device_end_changes (MimicTwinDevice *self)
{
  gboolean changed;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (self->changes_depth > 0, FALSE);

  if (--self->changes_depth > 0)
    return FALSE;

  changed = self->properties_changed || self->n_changed_sensors > 0 ||
            self->changed_parameters->len > 0;
  self->properties_changed = FALSE;

  if (self->pending_notify != 0)
    {
      guint pending = self->pending_notify;

      self->pending_notify = 0;
      for (guint prop_id = PROP_0 + 1; prop_id < N_PROPS; prop_id++)
        if (pending & (1u << prop_id))
          g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
    }

  if (self->n_changed_sensors > 0)
    {
      gboolean wanted = g_signal_has_handler_pending (self, signals[SENSORS_CHANGED], 0, FALSE);
      g_auto(GStrv) ids = take_changed_names ((gpointer *) self->changed_sensors,
                                              self->n_changed_sensors, TRUE, wanted);

      self->n_changed_sensors = 0;

      if (wanted)
        g_signal_emit (self, signals[SENSORS_CHANGED], 0, ids);
    }

  if (self->changed_parameters->len > 0)
    {
      gboolean wanted = g_signal_has_handler_pending (self, signals[PARAMETERS_CHANGED], 0, FALSE);
      g_auto(GStrv) names = take_changed_names (self->changed_parameters->pdata,
                                                self->changed_parameters->len, FALSE, wanted);

      g_ptr_array_set_size (self->changed_parameters, 0);

      if (wanted)
        g_signal_emit (self, signals[PARAMETERS_CHANGED], 0, names);
    }

  return changed;
}

static void
notify_changed (MimicTwinDevice *self,
                guint            prop_id)
{
  self->properties_changed = TRUE;
  if (self->changes_depth > 0)
    self->pending_notify |= 1u << prop_id;
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_last_seen (MimicTwinDevice *self,
               gint64           received_us)
{
  if (received_us <= self->last_seen)
    return;

  self->last_seen = received_us;
  notify_changed (self, PROP_LAST_SEEN);
}

static void
mark_sensor_changed (MimicTwinDevice *self,
                     Sensor          *sensor)
{
  if (sensor->changed)
    return;

  sensor->changed = TRUE;
  self->changed_sensors[self->n_changed_sensors++] = sensor;
}

static void
mark_parameter_changed (MimicTwinDevice *self,
                        Parameter       *parameter)
{
  if (parameter->changed)
    return;

  parameter->changed = TRUE;
  g_ptr_array_add (self->changed_parameters, parameter);
}

static Sensor *
ensure_sensor (MimicTwinDevice *self,
               const char      *sensor_id,
               gboolean        *created)
{
  Sensor *sensor = NULL;

  if (self->next_sensor < self->sensor_order->len)
    {
      Sensor *guess = g_ptr_array_index (self->sensor_order, self->next_sensor);

      if (strcmp (guess->id, sensor_id) == 0)
        sensor = guess;
    }
  if (sensor == NULL)
    sensor = g_hash_table_lookup (self->sensors, sensor_id);

  if (created != NULL)
    *created = sensor == NULL;

  if (sensor != NULL)
    {
      self->next_sensor = sensor->position + 1 < self->sensor_order->len ? sensor->position + 1 : 0;
      return sensor;
    }

  /* A feed inventing sensor ids must not grow the twin without end. */
  if (self->sensor_order->len >= self->max_sensors)
    {
      if (created != NULL)
        *created = FALSE;
      return NULL;
    }

  sensor = g_new0 (Sensor, 1);
  sensor->id = g_strdup (sensor_id);
  sensor->position = self->sensor_order->len;
  sensor->history = mimic_history_new (self->history_capacity);
  g_hash_table_insert (self->sensors, sensor->id, sensor);
  g_ptr_array_add (self->sensor_order, sensor);
  self->changed_sensors = g_renew (Sensor *, self->changed_sensors, self->sensor_order->len);

  return sensor;
}

MimicHistory *
mimic_twin_device_ensure_history (MimicTwinDevice *self,
                                  const char      *sensor_id,
                                  gboolean        *created)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), NULL);
  g_return_val_if_fail (sensor_id != NULL, NULL);

  Sensor *sensor;

  sensor = ensure_sensor (self, sensor_id, created);
  return sensor != NULL ? sensor->history : NULL;
}

gboolean
mimic_twin_device_is_changing (MimicTwinDevice *self)
{
  return self->changes_depth > 0;
}

guint
mimic_twin_device_get_position (MimicTwinDevice *self)
{
  return self->position;
}

void
mimic_twin_device_set_position (MimicTwinDevice *self,
                                guint            position)
{
  self->position = position;
}

gboolean
mimic_twin_device_has_sensor (MimicTwinDevice *self,
                              const char      *sensor_id)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (sensor_id != NULL, FALSE);

  return g_hash_table_contains (self->sensors, sensor_id);
}

/* One sample, all but the device's last-seen time, which the caller sets
 * once for all the samples it applies. */
static inline gboolean
apply_sample_to_sensor (MimicTwinDevice   *self,
                        const MimicSample *sample,
                        gint64             received_us)
{
  Sensor *sensor;

  if (!isfinite (sample->value))
    return FALSE;

  sensor = ensure_sensor (self, sample->sensor_id, NULL);
  if (sensor == NULL)
    return FALSE;
  /* A sample from a clock far ahead would push the history's rings past
   * every later sample; it is shown but not kept. */
  if (sample->timestamp_us <= received_us + MIMIC_HISTORY_MAX_CLOCK_AHEAD)
    mimic_history_add (sensor->history, sample->timestamp_us, sample->value);
  sensor->received_us = MAX (sensor->received_us, received_us);

  /* An older sample than the one shown arrived late: it belongs in the
   * history, not on the display. Unless the one shown came from a clock
   * far ahead: it must not hide every value after it. */
  if (sensor->has_reading && sample->timestamp_us < sensor->reading.timestamp_us &&
      sensor->reading.timestamp_us <= received_us + MIMIC_HISTORY_MAX_CLOCK_AHEAD)
    return TRUE;

  if (!sensor->has_reading || sensor->reading.value != sample->value ||
      sensor->reading.timestamp_us != sample->timestamp_us ||
      sensor->reading.quality != sample->quality)
    {
      sensor->has_reading = TRUE;
      sensor->reading.value = sample->value;
      sensor->reading.timestamp_us = sample->timestamp_us;
      sensor->reading.quality = sample->quality;
      mark_sensor_changed (self, sensor);
    }

  return TRUE;
}

gboolean
mimic_twin_device_apply_sample (MimicTwinDevice   *self,
                                const MimicSample *sample,
                                gint64             received_us)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (sample != NULL, FALSE);

  if (!apply_sample_to_sensor (self, sample, received_us))
    return FALSE;

  set_last_seen (self, received_us);
  return TRUE;
}

/* The store hands over a device's samples together: one type check and
 * one last-seen update per message rather than per value. */
guint
mimic_twin_device_apply_samples (MimicTwinDevice   *self,
                                 const MimicSample *samples,
                                 guint              n_samples,
                                 gint64             received_us)
{
  guint n_refused = 0;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), n_samples);
  g_return_val_if_fail (samples != NULL || n_samples == 0, n_samples);

  for (guint i = 0; i < n_samples; i++)
    if (!apply_sample_to_sensor (self, &samples[i], received_us))
      n_refused++;

  if (n_refused < n_samples)
    set_last_seen (self, received_us);

  return n_refused;
}

void
mimic_twin_device_restore_reading (MimicTwinDevice *self,
                                   const char      *sensor_id,
                                   gint64           timestamp_us,
                                   double           value)
{
  Sensor *sensor;

  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));
  g_return_if_fail (sensor_id != NULL);

  sensor = ensure_sensor (self, sensor_id, NULL);
  if (sensor == NULL || sensor->has_reading || !isfinite (value))
    return;

  /* A value from before the restart is only a reminder of what was. */
  sensor->has_reading = TRUE;
  sensor->reading.value = value;
  sensor->reading.timestamp_us = timestamp_us;
  sensor->reading.quality = MIMIC_QUALITY_STALE;
  mark_sensor_changed (self, sensor);
}

static void
set_string (MimicTwinDevice  *self,
            char            **field,
            const char       *value,
            guint             prop_id)
{
  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  notify_changed (self, prop_id);
}

void
mimic_twin_device_apply_birth (MimicTwinDevice  *self,
                               const MimicBirth *birth,
                               gint64            received_us)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));
  g_return_if_fail (birth != NULL);

  set_string (self, &self->asset_type, birth->asset_type, PROP_ASSET_TYPE);
  set_string (self, &self->firmware, birth->firmware, PROP_FIRMWARE);
  set_last_seen (self, received_us);
}

void
mimic_twin_device_apply_presence (MimicTwinDevice           *self,
                                  const MimicPresenceUpdate *update,
                                  gint64                     received_us)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));
  g_return_if_fail (update != NULL);

  /* A status that was overtaken by a newer one (a late retained message,
   * a reordered reconnect) does not win. */
  if (self->presence != MIMIC_PRESENCE_UNKNOWN && update->timestamp_us < self->presence_us)
    return;

  self->presence_us = update->timestamp_us;

  /* "offline" usually is the broker speaking for the device (its Will);
   * only "online" means the device itself was heard. */
  if (update->presence == MIMIC_PRESENCE_ONLINE)
    set_last_seen (self, received_us);

  if (self->presence == update->presence)
    return;

  self->presence = update->presence;
  notify_changed (self, PROP_PRESENCE);
}

static Parameter *
ensure_parameter (MimicTwinDevice *self,
                  const char      *name)
{
  Parameter *parameter = g_hash_table_lookup (self->parameters, name);

  if (parameter != NULL)
    return parameter;

  if (self->parameter_order->len >= self->max_sensors)
    return NULL;

  parameter = g_new0 (Parameter, 1);
  parameter->name = g_strdup (name);
  g_hash_table_insert (self->parameters, parameter->name, parameter);
  g_ptr_array_add (self->parameter_order, parameter);

  return parameter;
}

static void
set_desired (MimicTwinDevice *self,
             Parameter       *parameter,
             double           value)
{
  if (parameter->has_desired && parameter->desired == value)
    return;

  parameter->has_desired = TRUE;
  parameter->desired = value;
  mark_parameter_changed (self, parameter);
}

gboolean
mimic_twin_device_apply_parameter (MimicTwinDevice            *self,
                                   const MimicParameterUpdate *update,
                                   gint64                      received_us)
{
  Parameter *parameter;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (update != NULL, FALSE);

  if (!isfinite (update->value))
    return FALSE;

  parameter = ensure_parameter (self, update->parameter);
  if (parameter == NULL)
    return FALSE;

  if (update->desired)
    {
      set_desired (self, parameter, update->value);
      return TRUE;
    }

  set_last_seen (self, received_us);
  if (parameter->has_reported && update->timestamp_us < parameter->reported_us)
    return TRUE;

  parameter->reported_us = update->timestamp_us;
  if (parameter->has_reported && parameter->reported == update->value)
    return TRUE;

  parameter->has_reported = TRUE;
  parameter->reported = update->value;
  mark_parameter_changed (self, parameter);

  return TRUE;
}

gboolean
mimic_twin_device_set_desired (MimicTwinDevice  *self,
                               const char       *parameter,
                               double            value,
                               GError          **error)
{
  Parameter *found;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (parameter == NULL || *parameter == '\0')
    {
      g_set_error_literal (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_INVALID,
                           _("A parameter needs a name"));
      return FALSE;
    }

  if (!isfinite (value))
    {
      g_set_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_INVALID,
                   _("The desired value of “%s” must be a finite number"), parameter);
      return FALSE;
    }

  found = ensure_parameter (self, parameter);
  if (found == NULL)
    {
      g_set_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_LIMIT,
                   _("Device “%s” already has %u parameters, the most it may have"),
                   self->id, self->max_sensors);
      return FALSE;
    }

  mimic_twin_device_begin_changes (self);
  set_desired (self, found, value);
  mimic_twin_device_end_changes (self);

  return TRUE;
}

void
mimic_twin_device_apply_sequence_gap (MimicTwinDevice        *self,
                                      const MimicSequenceGap *gap)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));
  g_return_if_fail (gap != NULL);

  if (gap->missed == 0)
    return;

  self->sequence_gaps = gap->missed > G_MAXUINT64 - self->sequence_gaps
                        ? G_MAXUINT64 : self->sequence_gaps + gap->missed;
  notify_changed (self, PROP_SEQUENCE_GAPS);
}

/* Marks stale every sensor not heard since received_before_us. */
void
mimic_twin_device_mark_stale (MimicTwinDevice *self,
                              gint64           received_before_us)
{
  g_return_if_fail (MIMIC_IS_TWIN_DEVICE (self));

  for (guint i = 0; i < self->sensor_order->len; i++)
    {
      Sensor *sensor = g_ptr_array_index (self->sensor_order, i);

      if (!sensor->has_reading || sensor->reading.quality == MIMIC_QUALITY_STALE ||
          sensor->received_us >= received_before_us)
        continue;

      sensor->reading.quality = MIMIC_QUALITY_STALE;
      mark_sensor_changed (self, sensor);
    }
}
