/* mimic-telemetry-decoder.c
 *
 * One message in, updates out. Everything a feed can be sent by a broken
 * or hostile device is refused here with a reason, so the twin only ever
 * sees finite, in-order values from devices it knows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-telemetry-decoder"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mimic-asset-registry.h"
#include "mimic-telemetry-decoder.h"
#include "mimic-telemetry-decoder-private.h"
#include "mimic-json.h"
#include "mimic-json-reader.h"

typedef struct
{
  double minimum;
  double maximum;
} SensorRange;

#define RANGE_CACHE_SIZE 64

typedef struct
{
  char     *asset_type;
  gboolean  has_sequence;
  gint64    last_sequence;
} DeviceState;

typedef struct
{
  char               *topic_filter;
  /* The device id: fixed, or a topic level, or a JSON Pointer. */
  char               *device_id;
  int                 device_level;
  char               *device_pointer;
  char               *asset_type;
  char               *sensor_id;
  char               *value_pointer;
  double              scale;
  double              offset;
  char               *timestamp_pointer;
  MimicTimestampUnit  timestamp_unit;
} Binding;

struct _MimicTelemetryDecoder
{
  char       *root;
  gsize       root_length;
  gsize       max_payload;
  guint       max_devices;
  gint64      max_future_us;
  gboolean    require_birth;

  /* asset type → (sensor id → SensorRange) */
  GHashTable *asset_types;
  /* device id → DeviceState */
  GHashTable *devices;
  GPtrArray  *bindings;

  /* Reused for every message: a parser keeps its scanner allocations. */
  JsonParser *parser;
  /* Native telemetry read without a tree (see decode_streamed_telemetry()). */
  gboolean    streaming;

  /* The ranges of the last streamed message's sensors, by position in its
   * "values": devices send their sensors in the same order every time, so
   * a string comparison replaces a hash lookup per value. The ids and
   * ranges belong to range_cache_sensors (in asset_types); adding a sensor
   * empties the cache, as it may free them. */
  GHashTable        *range_cache_sensors;
  const char        *range_cache_ids[RANGE_CACHE_SIZE];
  const SensorRange *range_cache[RANGE_CACHE_SIZE];
};

typedef enum
{
  KIND_TELEMETRY,
  KIND_STATUS,
  KIND_BIRTH,
  KIND_REPORTED,
  KIND_COMMAND,        /* Mimic's own requests and the devices' replies: not decoded here */
  KIND_UNKNOWN,
} MessageKind;

static void
device_state_free (gpointer data)
{
  DeviceState *device = data;

  g_free (device->asset_type);
  g_free (device);
}

static void
binding_free (gpointer data)
{
  Binding *binding = data;

  g_free (binding->topic_filter);
  g_free (binding->device_id);
  g_free (binding->device_pointer);
  g_free (binding->asset_type);
  g_free (binding->sensor_id);
  g_free (binding->value_pointer);
  g_free (binding->timestamp_pointer);
  g_free (binding);
}

MimicTelemetryDecoder *
mimic_telemetry_decoder_new (const char *root)
{
  MimicTelemetryDecoder *self = g_new0 (MimicTelemetryDecoder, 1);

  if (root == NULL || root[0] == '\0')
    root = MIMIC_TELEMETRY_DEFAULT_ROOT;

  self->root = g_strdup (root);
  self->root_length = strlen (root);
  self->max_payload = MIMIC_TELEMETRY_DEFAULT_MAX_PAYLOAD;
  self->max_devices = MIMIC_TELEMETRY_DEFAULT_MAX_DEVICES;
  self->max_future_us = MIMIC_TELEMETRY_DEFAULT_MAX_FUTURE_US;
  self->require_birth = TRUE;
  self->streaming = TRUE;
  self->asset_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, device_state_free);
  self->bindings = g_ptr_array_new_with_free_func (binding_free);
  /* A mutable parser: the tree never leaves the decoder, and sealing every
   * node of every message (what an immutable parser does) costs about a
   * twentieth of the parse. */
  self->parser = json_parser_new ();

  return self;
}

void
mimic_telemetry_decoder_free (MimicTelemetryDecoder *self)
{
  if (self == NULL)
    return;

  g_free (self->root);
  g_hash_table_unref (self->asset_types);
  g_hash_table_unref (self->devices);
  g_ptr_array_unref (self->bindings);
  g_object_unref (self->parser);
  g_free (self);
}

const char *
mimic_telemetry_decoder_get_root (MimicTelemetryDecoder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->root;
}

void
mimic_telemetry_decoder_set_max_payload (MimicTelemetryDecoder *self,
                                         gsize                  max_bytes)
{
  g_return_if_fail (self != NULL);

  self->max_payload = max_bytes;
}

gsize
mimic_telemetry_decoder_get_max_payload (MimicTelemetryDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_payload;
}

void
mimic_telemetry_decoder_set_max_devices (MimicTelemetryDecoder *self,
                                         guint                  max_devices)
{
  g_return_if_fail (self != NULL);

  self->max_devices = max_devices;
}

void
mimic_telemetry_decoder_set_max_future (MimicTelemetryDecoder *self,
                                        gint64                 max_future_us)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_future_us >= 0);

  self->max_future_us = max_future_us;
}

void
mimic_telemetry_decoder_set_require_birth (MimicTelemetryDecoder *self,
                                           gboolean               require_birth)
{
  g_return_if_fail (self != NULL);

  self->require_birth = !!require_birth;
}

void
mimic_telemetry_decoder_set_streaming (MimicTelemetryDecoder *self,
                                       gboolean               streaming)
{
  g_return_if_fail (self != NULL);

  self->streaming = !!streaming;
}

void
mimic_telemetry_decoder_add_sensor (MimicTelemetryDecoder *self,
                                    const char            *asset_type,
                                    const char            *sensor_id,
                                    double                 minimum,
                                    double                 maximum)
{
  GHashTable *sensors;
  SensorRange *range;

  g_return_if_fail (self != NULL);
  g_return_if_fail (asset_type != NULL);
  g_return_if_fail (sensor_id != NULL);
  g_return_if_fail (!isnan (minimum) && !isnan (maximum));

  sensors = g_hash_table_lookup (self->asset_types, asset_type);
  if (sensors == NULL)
    {
      sensors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->asset_types, g_strdup (asset_type), sensors);
    }

  range = g_new (SensorRange, 1);
  range->minimum = minimum;
  range->maximum = maximum;
  g_hash_table_replace (sensors, g_strdup (sensor_id), range);
  self->range_cache_sensors = NULL;
}

static DeviceState *
register_device (MimicTelemetryDecoder *self,
                 const char            *device_id,
                 const char            *asset_type)
{
  DeviceState *device = g_hash_table_lookup (self->devices, device_id);

  if (device == NULL)
    {
      if (g_hash_table_size (self->devices) >= self->max_devices)
        return NULL;

      device = g_new0 (DeviceState, 1);
      g_hash_table_insert (self->devices, g_strdup (device_id), device);
    }

  if (asset_type != NULL && g_strcmp0 (device->asset_type, asset_type) != 0)
    {
      g_free (device->asset_type);
      device->asset_type = g_strdup (asset_type);
    }

  return device;
}

void
mimic_telemetry_decoder_add_device (MimicTelemetryDecoder *self,
                                    const char            *device_id,
                                    const char            *asset_type)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL && device_id[0] != '\0');

  if (register_device (self, device_id, asset_type) == NULL)
    g_warning ("Device %s not added: the limit of %u devices is reached", device_id, self->max_devices);
}

void
mimic_telemetry_decoder_add_binding (MimicTelemetryDecoder *self,
                                     const char            *topic_filter,
                                     const char            *device_id,
                                     const char            *asset_type,
                                     const char            *sensor_id,
                                     const char            *value_pointer,
                                     double                 scale,
                                     double                 offset,
                                     const char            *timestamp_pointer)
{
  Binding *binding;

  g_return_if_fail (self != NULL);
  g_return_if_fail (topic_filter != NULL && topic_filter[0] != '\0');
  g_return_if_fail (device_id != NULL || strchr (topic_filter, '+') != NULL);
  g_return_if_fail (sensor_id != NULL);
  g_return_if_fail (value_pointer != NULL);
  g_return_if_fail (isfinite (scale) && isfinite (offset));

  binding = g_new0 (Binding, 1);
  binding->topic_filter = g_strdup (topic_filter);
  binding->device_id = g_strdup (device_id);
  binding->device_level = -1;
  if (device_id == NULL)
    {
      g_auto(GStrv) levels = g_strsplit (topic_filter, "/", -1);

      for (int i = 0; levels[i] != NULL && binding->device_level < 0; i++)
        if (strcmp (levels[i], "+") == 0)
          binding->device_level = i;
    }
  binding->asset_type = g_strdup (asset_type);
  binding->sensor_id = g_strdup (sensor_id);
  binding->value_pointer = g_strdup (value_pointer);
  binding->scale = scale;
  binding->offset = offset;
  binding->timestamp_pointer = g_strdup (timestamp_pointer);
  binding->timestamp_unit = MIMIC_TIMESTAMP_MILLISECONDS;
  g_ptr_array_add (self->bindings, binding);
}

void
mimic_telemetry_decoder_add_asset (MimicTelemetryDecoder *self,
                                   MimicAsset            *asset)
{
  const char *asset_type;
  GPtrArray *sensors, *bindings;

  g_return_if_fail (self != NULL);
  g_return_if_fail (MIMIC_IS_ASSET (asset));

  asset_type = mimic_asset_get_id (asset);
  sensors = mimic_asset_get_sensors (asset);
  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);

      mimic_telemetry_decoder_add_sensor (self, asset_type, sensor->id, sensor->minimum, sensor->maximum);
    }

  bindings = mimic_asset_get_bindings (asset);
  for (guint i = 0; i < bindings->len; i++)
    {
      const MimicAssetBinding *asset_binding = g_ptr_array_index (bindings, i);

      for (guint j = 0; j < asset_binding->values->len; j++)
        {
          const MimicAssetBindingValue *value = g_ptr_array_index (asset_binding->values, j);
          Binding *binding = g_new0 (Binding, 1);

          binding->topic_filter = g_strdup (asset_binding->topic_filter);
          binding->device_level = asset_binding->device_level;
          binding->device_pointer = g_strdup (asset_binding->device_pointer);
          binding->asset_type = g_strdup (asset_type);
          binding->sensor_id = g_strdup (value->sensor_id);
          binding->value_pointer = g_strdup (value->pointer);
          binding->scale = value->scale;
          binding->offset = value->offset;
          binding->timestamp_pointer = g_strdup (asset_binding->timestamp_pointer);
          binding->timestamp_unit = asset_binding->timestamp_unit;
          g_ptr_array_add (self->bindings, binding);
        }
    }
}

void
mimic_telemetry_decoder_add_asset_registry (MimicTelemetryDecoder *self,
                                            MimicAssetRegistry    *registry)
{
  guint n_assets;

  g_return_if_fail (self != NULL);
  g_return_if_fail (MIMIC_IS_ASSET_REGISTRY (registry));

  n_assets = g_list_model_get_n_items (G_LIST_MODEL (registry));
  for (guint i = 0; i < n_assets; i++)
    {
      g_autoptr(MimicAsset) asset = g_list_model_get_item (G_LIST_MODEL (registry), i);

      mimic_telemetry_decoder_add_asset (self, asset);
    }
}

GPtrArray *
mimic_telemetry_decoder_dup_binding_filters (MimicTelemetryDecoder *self)
{
  GPtrArray *filters;

  g_return_val_if_fail (self != NULL, NULL);

  filters = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);

      if (!g_ptr_array_find_with_equal_func (filters, binding->topic_filter, g_str_equal, NULL))
        g_ptr_array_add (filters, g_strdup (binding->topic_filter));
    }

  return filters;
}

void
mimic_telemetry_decoder_reset_devices (MimicTelemetryDecoder *self)
{
  g_return_if_fail (self != NULL);

  g_hash_table_remove_all (self->devices);
}

/* The end of the topic level starting at @level: its '/' or its NUL. */
static const char *
level_end (const char *level,
           char        separator)
{
  const char *end = strchr (level, separator);

  return end != NULL ? end : level + strlen (level);
}

/* MQTT filter semantics: '+' is exactly one level, a trailing '#' any
 * number of levels including none. The first level '+' matched is
 * returned through @plus/@plus_length (the device id of a binding). */
static gboolean
match_filter (const char  *filter,
              const char  *topic,
              const char **plus,
              gsize       *plus_length)
{
  const char *f = filter, *t = topic;

  if (plus != NULL)
    *plus = NULL;

  for (;;)
    {
      const char *f_end = level_end (f, '/');
      const char *t_end = level_end (t, '/');
      gsize f_len = f_end - f;

      if (f_len == 1 && f[0] == '#')
        return *f_end == '\0';

      if (f_len == 1 && f[0] == '+')
        {
          if (plus != NULL && *plus == NULL)
            {
              *plus = t;
              *plus_length = t_end - t;
            }
        }
      else if (f_len != (gsize) (t_end - t) || memcmp (f, t, f_len) != 0)
        {
          return FALSE;
        }

      if (*f_end == '\0' && *t_end == '\0')
        return TRUE;

      if (*f_end == '\0')
        return FALSE;

      if (*t_end == '\0')
        /* "a/#" also matches "a". */
        return strcmp (f_end, "/#") == 0;

      f = f_end + 1;
      t = t_end + 1;
    }
}

gboolean
mimic_topic_matches_filter (const char *filter,
                            const char *topic)
{
  g_return_val_if_fail (filter != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);

  return match_filter (filter, topic, NULL, NULL);
}

const char *
mimic_rejection_to_string (MimicRejection rejection)
{
  switch (rejection)
    {
    case MIMIC_REJECTION_MALFORMED_JSON:
      return "malformed-json";
    case MIMIC_REJECTION_WRONG_TYPE:
      return "wrong-type";
    case MIMIC_REJECTION_NON_FINITE:
      return "non-finite";
    case MIMIC_REJECTION_OVERSIZED:
      return "oversized";
    case MIMIC_REJECTION_UNKNOWN_DEVICE:
      return "unknown-device";
    case MIMIC_REJECTION_UNKNOWN_SENSOR:
      return "unknown-sensor";
    case MIMIC_REJECTION_DUPLICATE_SEQUENCE:
      return "duplicate-seq";
    case MIMIC_REJECTION_OUT_OF_ORDER_SEQUENCE:
      return "out-of-order-seq";
    case MIMIC_REJECTION_FUTURE_TIMESTAMP:
      return "future-timestamp";
    case MIMIC_REJECTION_DEVICE_LIMIT:
      return "device-limit";
    case MIMIC_REJECTION_UNKNOWN_TOPIC:
      return "unknown-topic";
    case MIMIC_REJECTION_OVERLOAD:
      return "overload";
    case MIMIC_N_REJECTIONS:
    default:
      return "unknown";
    }
}

/* Deeper than any device payload needs; json-glib parses recursively, so
 * this also bounds its stack use on the worker thread. */
#define MAX_JSON_DEPTH 64

static gboolean
is_json_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A cheap pass before json-glib: exactly one top-level value, nested at
 * most MAX_JSON_DEPTH deep. json-glib 1.6 leaks the nodes of a document
 * followed by a second one ("{}{}"), which a hostile device could send
 * forever, and would recurse as deep as a payload nests. */
static gboolean
prescan_json (const guint8 *payload,
              gsize         length)
{
  gsize i = 0;
  guint depth = 0;
  gboolean in_string = FALSE;

  while (i < length && is_json_space (payload[i]))
    i++;
  if (i == length)
    return FALSE;

  if (payload[i] != '{' && payload[i] != '[')
    {
      /* A scalar: a string, or a run up to the next space. */
      if (payload[i] == '"')
        {
          for (i++; i < length && payload[i] != '"'; i++)
            if (payload[i] == '\\')
              i++;
          i++;
        }
      else
        {
          while (i < length && !is_json_space (payload[i]) && payload[i] != '{' && payload[i] != '[' &&
                 payload[i] != '"')
            i++;
        }
    }
  else
    {
      for (; i < length; i++)
        {
          guint8 c = payload[i];

          if (in_string)
            {
              if (c == '\\')
                i++;
              else if (c == '"')
                in_string = FALSE;
              continue;
            }

          if (c == '"')
            in_string = TRUE;
          else if (c == '{' || c == '[')
            {
              if (++depth > MAX_JSON_DEPTH)
                return FALSE;
            }
          else if (c == '}' || c == ']')
            {
              if (--depth == 0)
                {
                  i++;
                  break;
                }
            }
        }
    }

  while (i < length && is_json_space (payload[i]))
    i++;

  return i >= length;
}

static MessageKind
classify_kind (const char *kind)
{
  if (strcmp (kind, "telemetry") == 0)
    return KIND_TELEMETRY;
  if (strcmp (kind, "status") == 0)
    return KIND_STATUS;
  if (strcmp (kind, "birth") == 0)
    return KIND_BIRTH;
  if (strcmp (kind, "reported") == 0)
    return KIND_REPORTED;
  if (g_str_has_prefix (kind, "cmd/") || g_str_has_prefix (kind, "cmd-response/"))
    return KIND_COMMAND;
  return KIND_UNKNOWN;
}

/* Splits ROOT/DEVICE/KIND into a device id and a kind. */
static gboolean
split_native_topic (MimicTelemetryDecoder  *self,
                    const char             *topic,
                    char                  **device_id,
                    MessageKind            *kind)
{
  const char *device, *slash;

  if (strncmp (topic, self->root, self->root_length) != 0 || topic[self->root_length] != '/')
    return FALSE;

  device = topic + self->root_length + 1;
  slash = strchr (device, '/');
  if (slash == NULL || slash == device)
    return FALSE;

  *device_id = g_strndup (device, slash - device);
  *kind = classify_kind (slash + 1);
  return TRUE;
}

/* A number, or NaN with *rejection set. */
static double
read_number (JsonNode       *node,
             MimicRejection *rejection)
{
  GType type;
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    {
      *rejection = MIMIC_REJECTION_WRONG_TYPE;
      return NAN;
    }

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else
    {
      /* Strings ("NaN", "12.5") and booleans are not numbers. */
      *rejection = MIMIC_REJECTION_WRONG_TYPE;
      return NAN;
    }

  if (!isfinite (value))
    {
      *rejection = MIMIC_REJECTION_NON_FINITE;
      return NAN;
    }

  return value;
}

/* A finite number of seconds or milliseconds to microseconds. */
static gboolean
timestamp_from_number (double              number,
                       MimicTimestampUnit  unit,
                       gint64             *timestamp_us,
                       MimicRejection     *rejection)
{
  double us;

  if (unit == MIMIC_TIMESTAMP_ISO8601)
    {
      *rejection = MIMIC_REJECTION_WRONG_TYPE;
      return FALSE;
    }

  us = unit == MIMIC_TIMESTAMP_SECONDS ? number * 1e6 : number * 1e3;
  /* Beyond ±100000 years a gint64 of microseconds overflows. */
  if (fabs (us) > 3.0e18)
    {
      *rejection = MIMIC_REJECTION_FUTURE_TIMESTAMP;
      return FALSE;
    }

  *timestamp_us = (gint64) us;
  return TRUE;
}

/* Milliseconds since the epoch, or an ISO 8601 string, to microseconds.
 * Returns FALSE with *rejection set when it is neither. */
static gboolean
read_timestamp (JsonNode           *node,
                MimicTimestampUnit  unit,
                gint64             *timestamp_us,
                MimicRejection     *rejection)
{
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (json_node_get_string (node), NULL);

      if (time == NULL)
        {
          *rejection = MIMIC_REJECTION_WRONG_TYPE;
          return FALSE;
        }

      *timestamp_us = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
      return TRUE;
    }
  else
    {
      double number = read_number (node, rejection);

      if (isnan (number))
        return FALSE;

      return timestamp_from_number (number, unit, timestamp_us, rejection);
    }
}

/* The optional "ts" member; absent means "when it arrived". */
static gboolean
read_message_timestamp (MimicTelemetryDecoder *self,
                        JsonNode              *node,
                        gint64                 received_us,
                        gint64                *timestamp_us,
                        MimicDecodeResult     *result)
{
  MimicRejection rejection;

  if (node == NULL)
    {
      *timestamp_us = received_us;
      return TRUE;
    }

  if (!read_timestamp (node, MIMIC_TIMESTAMP_MILLISECONDS, timestamp_us, &rejection))
    {
      result->rejections[rejection]++;
      return FALSE;
    }

  if (*timestamp_us > received_us + self->max_future_us)
    {
      result->rejections[MIMIC_REJECTION_FUTURE_TIMESTAMP]++;
      return FALSE;
    }

  return TRUE;
}

/* The sensors (id → SensorRange) an asset type describes, or NULL when
 * it describes none; looked up once per message, not once per value. */
static GHashTable *
lookup_asset_sensors (MimicTelemetryDecoder *self,
                      const char            *asset_type)
{
  return asset_type != NULL ? g_hash_table_lookup (self->asset_types, asset_type) : NULL;
}

/* Adds one sample whose sensor is known (range is NULL when the asset
 * type describes no sensors), flagged when it is out of range. */
static void
add_sample_in_range (const SensorRange     *range,
                     const char            *device_id,
                     const char            *sensor_id,
                     gint64                 timestamp_us,
                     double                 value,
                     MimicUpdateBatch      *batch,
                     MimicDecodeResult     *result)
{
  MimicQuality quality = MIMIC_QUALITY_GOOD;

  if (range != NULL && (value < range->minimum || value > range->maximum))
    quality = MIMIC_QUALITY_OUT_OF_RANGE;

  mimic_update_batch_add_sample (batch, device_id, sensor_id, timestamp_us, value, quality);
  result->n_values++;
}

/* Adds one sample after the checks every value goes through. */
static void
add_checked_sample (GHashTable            *asset_sensors,
                    const char            *device_id,
                    const char            *sensor_id,
                    gint64                 timestamp_us,
                    double                 value,
                    MimicUpdateBatch      *batch,
                    MimicDecodeResult     *result)
{
  const SensorRange *range = NULL;

  if (asset_sensors != NULL && (range = g_hash_table_lookup (asset_sensors, sensor_id)) == NULL)
    {
      result->rejections[MIMIC_REJECTION_UNKNOWN_SENSOR]++;
      return;
    }

  add_sample_in_range (range, device_id, sensor_id, timestamp_us, value, batch, result);
}

/* The range of the sensor at @position in a streamed message's values,
 * as add_checked_sample() looks it up, through the cache by position.
 * Returns FALSE when @asset_sensors does not describe the sensor. */
static gboolean
find_range_at (MimicTelemetryDecoder  *self,
               GHashTable             *asset_sensors,
               guint                   position,
               const char             *sensor_id,
               const SensorRange     **range)
{
  gpointer id, found;

  if (position < RANGE_CACHE_SIZE && self->range_cache_sensors == asset_sensors &&
      self->range_cache_ids[position] != NULL &&
      strcmp (self->range_cache_ids[position], sensor_id) == 0)
    {
      *range = self->range_cache[position];
      return TRUE;
    }

  if (!g_hash_table_lookup_extended (asset_sensors, sensor_id, &id, &found))
    return FALSE;

  if (position < RANGE_CACHE_SIZE)
    {
      if (self->range_cache_sensors != asset_sensors)
        {
          memset (self->range_cache_ids, 0, sizeof self->range_cache_ids);
          self->range_cache_sensors = asset_sensors;
        }
      self->range_cache_ids[position] = id;
      self->range_cache[position] = found;
    }

  *range = found;
  return TRUE;
}

static DeviceState *
find_device (MimicTelemetryDecoder *self,
             const char            *device_id,
             MimicDecodeResult     *result)
{
  DeviceState *device = g_hash_table_lookup (self->devices, device_id);

  if (device != NULL)
    return device;

  if (self->require_birth)
    {
      result->rejections[MIMIC_REJECTION_UNKNOWN_DEVICE]++;
      return NULL;
    }

  device = register_device (self, device_id, NULL);
  if (device == NULL)
    result->rejections[MIMIC_REJECTION_DEVICE_LIMIT]++;

  return device;
}

/* Takes a message's "seq" (@present FALSE: it has none): refuses one that
 * is not a non-negative integer, repeats the last accepted one or comes
 * before it; otherwise remembers it and notes in @batch how many were
 * lost in between. Returns FALSE to refuse the message. */
static gboolean
take_sequence (DeviceState       *device,
               const char        *device_id,
               gboolean           present,
               gboolean           is_integer,
               gint64             sequence,
               MimicUpdateBatch  *batch,
               MimicDecodeResult *result)
{
  if (!present)
    return TRUE;

  if (!is_integer || sequence < 0)
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  if (device->has_sequence)
    {
      if (sequence == device->last_sequence)
        {
          result->rejections[MIMIC_REJECTION_DUPLICATE_SEQUENCE]++;
          return FALSE;
        }
      if (sequence < device->last_sequence)
        {
          result->rejections[MIMIC_REJECTION_OUT_OF_ORDER_SEQUENCE]++;
          return FALSE;
        }
      if (sequence - device->last_sequence > 1)
        mimic_update_batch_add_sequence_gap (batch, device_id, (guint64) (sequence - device->last_sequence - 1));
    }

  device->has_sequence = TRUE;
  device->last_sequence = sequence;
  return TRUE;
}

static gboolean
decode_telemetry (MimicTelemetryDecoder *self,
                  const char            *device_id,
                  JsonObject            *object,
                  gint64                 received_us,
                  MimicUpdateBatch      *batch,
                  MimicDecodeResult     *result)
{
  DeviceState *device;
  JsonNode *values_node;
  JsonObjectIter iter;
  const char *sensor_id;
  JsonNode *value_node;
  JsonNode *seq_node;
  gboolean is_integer;
  GHashTable *asset_sensors;
  gint64 timestamp_us;

  device = find_device (self, device_id, result);
  if (device == NULL)
    return FALSE;

  if (!read_message_timestamp (self, json_object_get_member (object, "ts"), received_us, &timestamp_us, result))
    return FALSE;

  values_node = json_object_get_member (object, "values");
  if (values_node == NULL || !JSON_NODE_HOLDS_OBJECT (values_node))
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  seq_node = json_object_get_member (object, "seq");
  is_integer = seq_node != NULL && JSON_NODE_HOLDS_VALUE (seq_node) &&
               json_node_get_value_type (seq_node) == G_TYPE_INT64;
  if (!take_sequence (device, device_id, seq_node != NULL, is_integer,
                      is_integer ? json_node_get_int (seq_node) : 0, batch, result))
    return FALSE;

  asset_sensors = lookup_asset_sensors (self, device->asset_type);
  json_object_iter_init (&iter, json_node_get_object (values_node));
  while (json_object_iter_next (&iter, &sensor_id, &value_node))
    {
      MimicRejection rejection;
      double value = read_number (value_node, &rejection);

      if (isnan (value))
        {
          result->rejections[rejection]++;
          continue;
        }

      add_checked_sample (asset_sensors, device_id, sensor_id, timestamp_us, value, batch, result);
    }

  return result->n_values > 0;
}

/* The native telemetry message read in place by the streaming reader,
 * without a json-glib tree (which cost about four fifths of ingesting a
 * message). It decides exactly as decode_telemetry() does on the tree
 * json-glib would build: a member given twice counts with its last value,
 * every rejection is counted the same way. Whatever it does not handle
 * itself (not RFC 8259 but perhaps what json-glib accepts, escaped member
 * names, a string "ts", a very wide "values") it leaves to the tree,
 * before it has changed anything. */

typedef enum
{
  STREAMED_REFUSED,
  STREAMED_CONTRIBUTED,
  STREAMED_NOT_HANDLED,
} StreamedOutcome;

typedef enum
{
  MEMBER_ABSENT,
  MEMBER_NUMBER,
  MEMBER_NOT_NUMBER,       /* a string, true, false, null, an object or an array */
  MEMBER_OBJECT,           /* only "values" tells objects apart */
} MemberKind;

typedef struct
{
  MemberKind kind;
  gboolean   is_integer;
  gint64     integer;
  double     number;        /* as read_number() would give it before the finite check */
} StreamedMember;

typedef struct
{
  gsize          key_offset;  /* into the key buffer, NUL-terminated there */
  gsize          key_length;
  StreamedMember value;
} StreamedSensor;

#define MAX_STREAMED_SENSORS 64
#define STREAMED_KEY_BUFFER  2048

typedef struct
{
  StreamedMember ts;
  StreamedMember seq;
  StreamedMember values;
  StreamedSensor sensors[MAX_STREAMED_SENSORS];
  guint          n_sensors;
  char           keys[STREAMED_KEY_BUFFER];
  gsize          keys_used;
} StreamedTelemetry;

/* Reads the scalar whose first token is @token, or skips the container. */
static gboolean
read_streamed_member (MimicJsonReader *reader,
                      MimicJsonToken   token,
                      StreamedMember  *member)
{
  member->is_integer = FALSE;

  switch (token)
    {
    case MIMIC_JSON_TOKEN_NUMBER:
      member->kind = MEMBER_NUMBER;
      member->is_integer = mimic_json_reader_number_is_integer (reader);
      if (member->is_integer)
        {
          member->integer = mimic_json_reader_get_int (reader);
          member->number = (double) member->integer;
        }
      else
        member->number = mimic_json_reader_get_double (reader);
      return TRUE;

    case MIMIC_JSON_TOKEN_STRING:
    case MIMIC_JSON_TOKEN_TRUE:
    case MIMIC_JSON_TOKEN_FALSE:
    case MIMIC_JSON_TOKEN_NULL:
      member->kind = MEMBER_NOT_NUMBER;
      return TRUE;

    case MIMIC_JSON_TOKEN_BEGIN_OBJECT:
    case MIMIC_JSON_TOKEN_BEGIN_ARRAY:
      member->kind = token == MIMIC_JSON_TOKEN_BEGIN_OBJECT ? MEMBER_OBJECT : MEMBER_NOT_NUMBER;
      return mimic_json_reader_skip_value (reader, token);

    default:
      return FALSE;
    }
}

/* Reads the members of "values" (after its '{'). FALSE when the reader
 * failed or the object is beyond what is handled here. */
static gboolean
read_streamed_values (MimicJsonReader   *reader,
                      StreamedTelemetry *message)
{
  MimicJsonToken token;

  /* A later "values" replaces an earlier one, as in json-glib. */
  message->n_sensors = 0;
  message->keys_used = 0;

  while ((token = mimic_json_reader_next (reader)) == MIMIC_JSON_TOKEN_MEMBER_NAME)
    {
      StreamedSensor *sensor = NULL;
      gsize key_length;
      const char *key = mimic_json_reader_get_raw (reader, &key_length);

      if (mimic_json_reader_string_has_escapes (reader))
        return FALSE;

      /* The same sensor twice: the last value counts, once. */
      for (guint i = 0; i < message->n_sensors; i++)
        if (message->sensors[i].key_length == key_length &&
            memcmp (message->keys + message->sensors[i].key_offset, key, key_length) == 0)
          {
            sensor = &message->sensors[i];
            break;
          }

      if (sensor == NULL)
        {
          if (message->n_sensors == MAX_STREAMED_SENSORS ||
              STREAMED_KEY_BUFFER - message->keys_used < key_length + 1)
            return FALSE;

          sensor = &message->sensors[message->n_sensors++];
          sensor->key_offset = message->keys_used;
          sensor->key_length = key_length;
          memcpy (message->keys + message->keys_used, key, key_length);
          message->keys[message->keys_used + key_length] = '\0';
          message->keys_used += key_length + 1;
        }

      if (!read_streamed_member (reader, mimic_json_reader_next (reader), &sensor->value))
        return FALSE;
    }

  return token == MIMIC_JSON_TOKEN_END_OBJECT;
}

static gboolean
read_streamed_telemetry (const guint8      *payload,
                         gsize              length,
                         StreamedTelemetry *message)
{
  MimicJsonReader reader;
  MimicJsonToken token;

  message->ts.kind = MEMBER_ABSENT;
  message->seq.kind = MEMBER_ABSENT;
  message->values.kind = MEMBER_ABSENT;
  message->n_sensors = 0;
  message->keys_used = 0;

  mimic_json_reader_init (&reader, (const char *) payload, length, MAX_JSON_DEPTH);
  if (mimic_json_reader_next (&reader) != MIMIC_JSON_TOKEN_BEGIN_OBJECT)
    return FALSE;

  while ((token = mimic_json_reader_next (&reader)) == MIMIC_JSON_TOKEN_MEMBER_NAME)
    {
      StreamedMember *member;

      if (mimic_json_reader_string_has_escapes (&reader))
        return FALSE;

      if (mimic_json_reader_string_equals (&reader, "values", 6))
        {
          token = mimic_json_reader_next (&reader);
          if (token == MIMIC_JSON_TOKEN_BEGIN_OBJECT)
            {
              message->values.kind = MEMBER_OBJECT;
              if (!read_streamed_values (&reader, message))
                return FALSE;
            }
          else
            {
              message->n_sensors = 0;
              message->keys_used = 0;
              if (!read_streamed_member (&reader, token, &message->values))
                return FALSE;
            }
          continue;
        }

      if (mimic_json_reader_string_equals (&reader, "ts", 2))
        member = &message->ts;
      else if (mimic_json_reader_string_equals (&reader, "seq", 3))
        member = &message->seq;
      else
        {
          if (!mimic_json_reader_skip_value (&reader, mimic_json_reader_next (&reader)))
            return FALSE;
          continue;
        }

      token = mimic_json_reader_next (&reader);
      /* An ISO 8601 "ts" needs the decoded string: left to the tree. */
      if (token == MIMIC_JSON_TOKEN_STRING && member == &message->ts)
        return FALSE;
      if (!read_streamed_member (&reader, token, member))
        return FALSE;
    }

  return token == MIMIC_JSON_TOKEN_END_OBJECT && mimic_json_reader_next (&reader) == MIMIC_JSON_TOKEN_END;
}

static StreamedOutcome
decode_streamed_telemetry (MimicTelemetryDecoder *self,
                           const char            *device_id,
                           const guint8          *payload,
                           gsize                  length,
                           gint64                 received_us,
                           MimicUpdateBatch      *batch,
                           MimicDecodeResult     *result)
{
  StreamedTelemetry message;
  DeviceState *device;
  GHashTable *asset_sensors;
  gint64 timestamp_us;

  if (!read_streamed_telemetry (payload, length, &message))
    return STREAMED_NOT_HANDLED;

  /* From here on as decode_telemetry(), step for step. */
  device = find_device (self, device_id, result);
  if (device == NULL)
    return STREAMED_REFUSED;

  if (message.ts.kind == MEMBER_ABSENT)
    timestamp_us = received_us;
  else
    {
      MimicRejection rejection = MIMIC_REJECTION_WRONG_TYPE;

      if (message.ts.kind != MEMBER_NUMBER)
        {
          result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
          return STREAMED_REFUSED;
        }
      if (!isfinite (message.ts.number))
        {
          result->rejections[MIMIC_REJECTION_NON_FINITE]++;
          return STREAMED_REFUSED;
        }
      if (!timestamp_from_number (message.ts.number, MIMIC_TIMESTAMP_MILLISECONDS, &timestamp_us, &rejection))
        {
          result->rejections[rejection]++;
          return STREAMED_REFUSED;
        }
      if (timestamp_us > received_us + self->max_future_us)
        {
          result->rejections[MIMIC_REJECTION_FUTURE_TIMESTAMP]++;
          return STREAMED_REFUSED;
        }
    }

  if (message.values.kind != MEMBER_OBJECT)
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return STREAMED_REFUSED;
    }

  if (!take_sequence (device, device_id, message.seq.kind != MEMBER_ABSENT,
                      message.seq.kind == MEMBER_NUMBER && message.seq.is_integer,
                      message.seq.is_integer ? message.seq.integer : 0, batch, result))
    return STREAMED_REFUSED;

  asset_sensors = lookup_asset_sensors (self, device->asset_type);
  /* Interned once: each value's sample then shares it without a
   * comparison. */
  device_id = mimic_update_batch_intern_device_id (batch, device_id);
  for (guint i = 0; i < message.n_sensors; i++)
    {
      const StreamedSensor *sensor = &message.sensors[i];
      const SensorRange *range = NULL;
      const char *sensor_id;

      if (sensor->value.kind != MEMBER_NUMBER)
        {
          result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
          continue;
        }
      if (!isfinite (sensor->value.number))
        {
          result->rejections[MIMIC_REJECTION_NON_FINITE]++;
          continue;
        }

      sensor_id = message.keys + sensor->key_offset;
      if (asset_sensors != NULL && !find_range_at (self, asset_sensors, i, sensor_id, &range))
        {
          result->rejections[MIMIC_REJECTION_UNKNOWN_SENSOR]++;
          continue;
        }

      add_sample_in_range (range, device_id, sensor_id, timestamp_us, sensor->value.number, batch, result);
    }

  return result->n_values > 0 ? STREAMED_CONTRIBUTED : STREAMED_REFUSED;
}

static gboolean
decode_status (MimicTelemetryDecoder *self,
               const char            *device_id,
               JsonObject            *object,
               gint64                 received_us,
               MimicUpdateBatch      *batch,
               MimicDecodeResult     *result)
{
  JsonNode *online;
  gint64 timestamp_us;

  if (find_device (self, device_id, result) == NULL)
    return FALSE;

  online = json_object_get_member (object, "online");
  if (online == NULL || !JSON_NODE_HOLDS_VALUE (online) || json_node_get_value_type (online) != G_TYPE_BOOLEAN)
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  if (!read_message_timestamp (self, json_object_get_member (object, "ts"), received_us, &timestamp_us, result))
    return FALSE;

  mimic_update_batch_add_presence (batch, device_id,
                                   json_node_get_boolean (online) ? MIMIC_PRESENCE_ONLINE : MIMIC_PRESENCE_OFFLINE,
                                   timestamp_us);
  return TRUE;
}

static const char *
read_optional_string (JsonObject        *object,
                      const char        *member,
                      gboolean          *ok)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }

  return json_node_get_string (node);
}

static gboolean
decode_birth (MimicTelemetryDecoder *self,
              const char            *device_id,
              JsonObject            *object,
              gint64                 received_us,
              MimicUpdateBatch      *batch,
              MimicDecodeResult     *result)
{
  DeviceState *device;
  const char *asset_type, *firmware;
  gboolean ok = TRUE;
  gint64 timestamp_us;

  asset_type = read_optional_string (object, "asset_type", &ok);
  firmware = read_optional_string (object, "firmware", &ok);
  if (!ok)
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  if (!read_message_timestamp (self, json_object_get_member (object, "ts"), received_us, &timestamp_us, result))
    return FALSE;

  device = register_device (self, device_id, asset_type);
  if (device == NULL)
    {
      result->rejections[MIMIC_REJECTION_DEVICE_LIMIT]++;
      return FALSE;
    }

  /* A birth is a restart: the device counts its sequence from anew. */
  device->has_sequence = FALSE;
  mimic_update_batch_add_birth (batch, device_id, asset_type, firmware, timestamp_us);
  return TRUE;
}

static gboolean
decode_reported (MimicTelemetryDecoder *self,
                 const char            *device_id,
                 JsonObject            *object,
                 gint64                 received_us,
                 MimicUpdateBatch      *batch,
                 MimicDecodeResult     *result)
{
  JsonNode *parameters;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value_node;
  gint64 timestamp_us;

  if (find_device (self, device_id, result) == NULL)
    return FALSE;

  if (!read_message_timestamp (self, json_object_get_member (object, "ts"), received_us, &timestamp_us, result))
    return FALSE;

  parameters = json_object_get_member (object, "parameters");
  if (parameters == NULL || !JSON_NODE_HOLDS_OBJECT (parameters))
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  json_object_iter_init (&iter, json_node_get_object (parameters));
  while (json_object_iter_next (&iter, &name, &value_node))
    {
      MimicRejection rejection;
      double value = read_number (value_node, &rejection);

      if (isnan (value))
        {
          result->rejections[rejection]++;
          continue;
        }

      mimic_update_batch_add_parameter (batch, device_id, name, value, FALSE, timestamp_us);
      result->n_values++;
    }

  return result->n_values > 0;
}

/* RFC 6901. Returns NULL when the pointer does not resolve. */
static JsonNode *
resolve_json_pointer (JsonNode   *root,
                      const char *pointer)
{
  JsonNode *node = root;
  const char *p = pointer;

  if (*p == '\0')
    return root;
  if (*p != '/')
    return NULL;

  while (*p == '/' && node != NULL)
    {
      const char *end = level_end (p + 1, '/');
      g_autoptr(GString) token = g_string_sized_new (end - p);

      for (const char *c = p + 1; c < end; c++)
        {
          if (c[0] == '~' && c + 1 < end && c[1] == '0')
            g_string_append_c (token, '~'), c++;
          else if (c[0] == '~' && c + 1 < end && c[1] == '1')
            g_string_append_c (token, '/'), c++;
          else
            g_string_append_c (token, *c);
        }

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          node = json_object_get_member (json_node_get_object (node), token->str);
        }
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint64 index;

          if (token->len == 0 || token->len > 9 || strspn (token->str, "0123456789") != token->len ||
              (token->len > 1 && token->str[0] == '0'))
            return NULL;
          index = g_ascii_strtoull (token->str, NULL, 10);
          if (index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, index);
        }
      else
        {
          return NULL;
        }

      p = end;
    }

  return node;
}

static char *
binding_device_id (Binding    *binding,
                   const char *topic,
                   JsonNode   *root)
{
  if (binding->device_id != NULL)
    return g_strdup (binding->device_id);

  if (binding->device_level >= 0)
    {
      const char *level = topic;

      for (int i = 0; i < binding->device_level; i++)
        {
          level = strchr (level, '/');
          if (level == NULL)
            return NULL;
          level++;
        }

      return g_strndup (level, level_end (level, '/') - level);
    }

  if (binding->device_pointer != NULL)
    {
      JsonNode *node = resolve_json_pointer (root, binding->device_pointer);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
    }

  return NULL;
}

static gboolean
decode_bound (MimicTelemetryDecoder *self,
              const char            *topic,
              JsonNode              *root,
              gint64                 received_us,
              MimicUpdateBatch      *batch,
              MimicDecodeResult     *result)
{
  guint n_matched = 0;
  gboolean any_present = FALSE;

  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);
      g_autofree char *device_id = NULL;
      DeviceState *device;
      JsonNode *value_node;
      MimicRejection rejection;
      gint64 timestamp_us = received_us;
      double raw, value;

      if (!match_filter (binding->topic_filter, topic, NULL, NULL))
        continue;
      n_matched++;

      device_id = binding_device_id (binding, topic, root);
      if (device_id == NULL || device_id[0] == '\0')
        {
          result->rejections[MIMIC_REJECTION_UNKNOWN_DEVICE]++;
          continue;
        }

      value_node = resolve_json_pointer (root, binding->value_pointer);
      /* A payload shape may carry only some of the bound sensors. */
      if (value_node == NULL)
        continue;
      any_present = TRUE;

      raw = read_number (value_node, &rejection);
      if (isnan (raw))
        {
          result->rejections[rejection]++;
          continue;
        }

      value = raw * binding->scale + binding->offset;
      if (!isfinite (value))
        {
          result->rejections[MIMIC_REJECTION_NON_FINITE]++;
          continue;
        }

      if (binding->timestamp_pointer != NULL)
        {
          JsonNode *ts_node = resolve_json_pointer (root, binding->timestamp_pointer);

          if (ts_node != NULL)
            {
              if (!read_timestamp (ts_node, binding->timestamp_unit, &timestamp_us, &rejection))
                {
                  result->rejections[rejection]++;
                  continue;
                }
              if (timestamp_us > received_us + self->max_future_us)
                {
                  result->rejections[MIMIC_REJECTION_FUTURE_TIMESTAMP]++;
                  continue;
                }
            }
        }

      /* A binding makes its devices known: they have no birth message,
       * so the first sight stands in for one and tells the twin the
       * asset type. */
      if (!g_hash_table_contains (self->devices, device_id))
        {
          device = register_device (self, device_id, binding->asset_type);
          if (device == NULL)
            {
              result->rejections[MIMIC_REJECTION_DEVICE_LIMIT]++;
              continue;
            }
          mimic_update_batch_add_birth (batch, device_id, binding->asset_type, NULL, timestamp_us);
        }
      device = g_hash_table_lookup (self->devices, device_id);

      add_checked_sample (lookup_asset_sensors (self, device->asset_type), device_id, binding->sensor_id,
                          timestamp_us, value, batch, result);
    }

  if (n_matched == 0)
    {
      result->rejections[MIMIC_REJECTION_UNKNOWN_TOPIC]++;
      return FALSE;
    }

  if (!any_present)
    result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;

  return result->n_values > 0;
}

static gboolean
topic_has_binding (MimicTelemetryDecoder *self,
                   const char            *topic)
{
  for (guint i = 0; i < self->bindings->len; i++)
    {
      Binding *binding = g_ptr_array_index (self->bindings, i);

      if (match_filter (binding->topic_filter, topic, NULL, NULL))
        return TRUE;
    }

  return FALSE;
}

gboolean
mimic_telemetry_decoder_decode (MimicTelemetryDecoder *self,
                                const char            *topic,
                                const guint8          *payload,
                                gsize                  length,
                                gint64                 received_us,
                                MimicUpdateBatch      *batch,
                                MimicDecodeResult     *result)
{
  g_autofree char *device_id = NULL;
  MessageKind kind = KIND_UNKNOWN;
  gboolean native;
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (result != NULL, FALSE);
  memset (result, 0, sizeof *result);
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || length == 0, FALSE);
  g_return_val_if_fail (batch != NULL, FALSE);

  if (length > self->max_payload)
    {
      result->rejections[MIMIC_REJECTION_OVERSIZED]++;
      return FALSE;
    }

  native = split_native_topic (self, topic, &device_id, &kind);
  if (native && kind == KIND_COMMAND)
    return FALSE;

  /* A binding may claim topics under the root too, for devices that
   * publish their own JSON on Mimic's topic names. */
  if ((!native || kind == KIND_UNKNOWN) && !topic_has_binding (self, topic))
    {
      result->rejections[MIMIC_REJECTION_UNKNOWN_TOPIC]++;
      return FALSE;
    }

  if (native && kind == KIND_TELEMETRY && self->streaming && length > 0)
    {
      StreamedOutcome outcome = decode_streamed_telemetry (self, device_id, payload, length,
                                                           received_us, batch, result);

      if (outcome != STREAMED_NOT_HANDLED)
        return outcome == STREAMED_CONTRIBUTED;
    }

  /* A length of 0 would make json-glib read up to a NUL. */
  if (length == 0 || !prescan_json (payload, length) ||
      !mimic_json_parser_load_from_data (self->parser, (const char *) payload, length, NULL))
    {
      result->rejections[MIMIC_REJECTION_MALFORMED_JSON]++;
      return FALSE;
    }

  root = json_parser_get_root (self->parser);
  if (root == NULL)
    {
      result->rejections[MIMIC_REJECTION_MALFORMED_JSON]++;
      return FALSE;
    }

  if (!native || kind == KIND_UNKNOWN)
    return decode_bound (self, topic, root, received_us, batch, result);

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      result->rejections[MIMIC_REJECTION_WRONG_TYPE]++;
      return FALSE;
    }

  object = json_node_get_object (root);
  switch (kind)
    {
    case KIND_TELEMETRY:
      return decode_telemetry (self, device_id, object, received_us, batch, result);
    case KIND_STATUS:
      return decode_status (self, device_id, object, received_us, batch, result);
    case KIND_BIRTH:
      return decode_birth (self, device_id, object, received_us, batch, result);
    case KIND_REPORTED:
      return decode_reported (self, device_id, object, received_us, batch, result);
    case KIND_COMMAND:
    case KIND_UNKNOWN:
    default:
      return FALSE;
    }
}
