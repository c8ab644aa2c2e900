/* mimic-asset.h — an asset type, loaded and validated from its description
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define MIMIC_ASSET_ERROR (mimic_asset_error_quark ())

/* What is wrong with a description. When a file has several problems, a
 * GError carries the code of the first one and the message lists them all,
 * one per line. */
typedef enum
{
  MIMIC_ASSET_ERROR_IO,            /* the file cannot be read, or is too large */
  MIMIC_ASSET_ERROR_SYNTAX,        /* not JSON; the reason has line:column */
  MIMIC_ASSET_ERROR_TYPE,          /* a member has the wrong JSON type */
  MIMIC_ASSET_ERROR_MISSING,       /* a required member is absent */
  MIMIC_ASSET_ERROR_UNIT,          /* a number with no unit */
  MIMIC_ASSET_ERROR_RANGE,         /* minimum above maximum, value outside its range */
  MIMIC_ASSET_ERROR_ALARM_ORDER,   /* not lolo <= lo <= hi <= hihi */
  MIMIC_ASSET_ERROR_GEOMETRY,      /* glTF unreadable, or a node it lacks */
  MIMIC_ASSET_ERROR_SCHEMATIC,     /* SVG unreadable, or an element id it lacks */
  MIMIC_ASSET_ERROR_DUPLICATE,     /* a key or id given twice */
  MIMIC_ASSET_ERROR_NON_FINITE,    /* a number that overflows to infinity */
  MIMIC_ASSET_ERROR_UNKNOWN_TERM,  /* a mimic: key this version does not know */
  MIMIC_ASSET_ERROR_INVALID,       /* any other bad value: id, topic filter, pointer... */
} MimicAssetError;

GQuark mimic_asset_error_quark (void);

/* One problem found while loading. All strings are owned by the problem. */
typedef struct
{
  MimicAssetError  code;
  char            *file;        /* as given to the loader */
  char            *json_path;   /* e.g. "$.properties.flow.minimum" */
  char            *reason;      /* translated */
} MimicAssetProblem;

void   mimic_asset_problem_free      (MimicAssetProblem       *problem);
/* "FILE: $.json.path: reason" */
char  *mimic_asset_problem_to_string (const MimicAssetProblem *problem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicAssetProblem, mimic_asset_problem_free)

typedef enum
{
  MIMIC_ALARM_LIMIT_LOLO,
  MIMIC_ALARM_LIMIT_LO,
  MIMIC_ALARM_LIMIT_HI,
  MIMIC_ALARM_LIMIT_HIHI,
} MimicAlarmLimitKind;

#define MIMIC_N_ALARM_LIMITS 4

/* ISA-18.2 style priorities, lowest first. */
typedef enum
{
  MIMIC_ALARM_PRIORITY_LOW = 1,
  MIMIC_ALARM_PRIORITY_MEDIUM,
  MIMIC_ALARM_PRIORITY_HIGH,
  MIMIC_ALARM_PRIORITY_CRITICAL,
} MimicAlarmPriority;

typedef struct
{
  gboolean            enabled;
  double              value;
  MimicAlarmPriority  priority;
} MimicAlarmLimit;

typedef struct
{
  MimicAlarmLimit limits[MIMIC_N_ALARM_LIMITS];   /* indexed by MimicAlarmLimitKind */
  double          deadband;                       /* sensor unit; 0 if not given */
  double          on_delay_s;                     /* 0 if not given */
  double          off_delay_s;                    /* 0 if not given */
} MimicAlarmSettings;

/* Everything below is owned by the asset and lives as long as it does. */
typedef struct
{
  const char         *id;
  const char         *title;        /* falls back to the id */
  const char         *description;  /* may be NULL */
  const char         *unit;
  gboolean            integer;      /* "type": "integer" */
  double              minimum;
  double              maximum;
  gboolean            has_normal;
  double              normal_low;
  double              normal_high;
  MimicAlarmSettings  alarms;
  const char         *node_path;    /* glTF node path, may be NULL */
  const char         *svg_id;       /* schematic element id, may be NULL */
} MimicAssetSensor;

typedef struct
{
  const char *id;
  const char *title;
  const char *description;          /* may be NULL */
  const char *unit;
  double      minimum;
  double      maximum;
  double      default_value;
  gboolean    writable;             /* may be written to the device */
  gboolean    is_sensor;            /* also measured: a sensor with the same id exists */
  gboolean    has_whatif;           /* shown as a what-if slider */
  double      whatif_minimum;
  double      whatif_maximum;
  double      whatif_step;
} MimicAssetParameter;

typedef enum
{
  MIMIC_ASSET_VALUE_NUMBER,
  MIMIC_ASSET_VALUE_INTEGER,
  MIMIC_ASSET_VALUE_BOOLEAN,
  MIMIC_ASSET_VALUE_STRING,
} MimicAssetValueType;

typedef struct
{
  const char          *name;
  const char          *title;
  MimicAssetValueType  type;
  const char          *unit;        /* NULL for boolean and string */
  gboolean             has_minimum;
  double               minimum;
  gboolean             has_maximum;
  double               maximum;
  gboolean             required;
} MimicAssetArgument;

typedef struct
{
  const char  *id;
  const char  *title;
  const char  *description;         /* may be NULL */
  GPtrArray   *arguments;           /* MimicAssetArgument, in declaration order */
  double       timeout_s;
  gboolean     select_before_operate;
} MimicAssetCommand;

typedef enum
{
  MIMIC_TIMESTAMP_ARRIVAL,          /* no timestamp in the payload: time of arrival */
  MIMIC_TIMESTAMP_SECONDS,          /* number, seconds since the epoch */
  MIMIC_TIMESTAMP_MILLISECONDS,     /* number, milliseconds since the epoch */
  MIMIC_TIMESTAMP_ISO8601,          /* string */
} MimicTimestampUnit;

typedef struct
{
  const char *sensor_id;
  const char *pointer;              /* RFC 6901 JSON Pointer into the payload */
  double      scale;                /* value = raw * scale + offset */
  double      offset;
} MimicAssetBindingValue;

typedef struct
{
  const char         *topic_filter;      /* MQTT filter, may hold + and # */
  int                 device_level;      /* topic level (from 0) holding the device id, or -1 */
  const char         *device_pointer;    /* or a JSON Pointer to it; NULL when device_level >= 0 */
  const char         *timestamp_pointer; /* NULL: time of arrival */
  MimicTimestampUnit  timestamp_unit;
  GPtrArray          *values;            /* MimicAssetBindingValue, in declaration order */
} MimicAssetBinding;

#define MIMIC_TYPE_ASSET (mimic_asset_get_type ())

/* An asset is immutable once loaded, so any thread may read it (a feed's
 * decoder does) while it holds a reference. mimic_asset_get_file() is the
 * absolute path of the description; problems name it as it was given. */

G_DECLARE_FINAL_TYPE (MimicAsset, mimic_asset, MIMIC, ASSET, GObject)

MimicAsset                *mimic_asset_new_from_file          (const char   *path,
                                                               GError      **error);
MimicAsset                *mimic_asset_new_from_data          (const char   *data,
                                                               gsize         length,
                                                               const char   *display_name,
                                                               GError      **error);
/* Like the two above, but hand back every problem (MimicAssetProblem, in
 * the order found) instead of one GError. Returns NULL when there was any. */
MimicAsset                *mimic_asset_load_file              (const char   *path,
                                                               GPtrArray   **problems);
MimicAsset                *mimic_asset_load_data              (const char   *data,
                                                               gsize         length,
                                                               const char   *display_name,
                                                               GPtrArray   **problems);

const char                *mimic_asset_get_id                 (MimicAsset   *self);
const char                *mimic_asset_get_title              (MimicAsset   *self);
const char                *mimic_asset_get_description        (MimicAsset   *self);
const char                *mimic_asset_get_file               (MimicAsset   *self);
/* Absolute paths, or NULL when the description names none. */
const char                *mimic_asset_get_geometry_path      (MimicAsset   *self);
const char                *mimic_asset_get_schematic_path     (MimicAsset   *self);

GPtrArray                 *mimic_asset_get_sensors            (MimicAsset   *self);
const MimicAssetSensor    *mimic_asset_get_sensor             (MimicAsset   *self,
                                                               const char   *id);
GPtrArray                 *mimic_asset_get_parameters         (MimicAsset   *self);
const MimicAssetParameter *mimic_asset_get_parameter          (MimicAsset   *self,
                                                               const char   *id);
GPtrArray                 *mimic_asset_get_commands           (MimicAsset   *self);
const MimicAssetCommand   *mimic_asset_get_command            (MimicAsset   *self,
                                                               const char   *id);
const MimicAssetArgument  *mimic_asset_command_get_argument   (const MimicAssetCommand *command,
                                                               const char   *name);
GPtrArray                 *mimic_asset_get_bindings           (MimicAsset   *self);

const char                *mimic_asset_get_model_name         (MimicAsset   *self);
/* Parameter names of the model, in declaration order. */
GPtrArray                 *mimic_asset_get_model_parameter_names (MimicAsset *self);
gboolean                   mimic_asset_get_model_parameter    (MimicAsset   *self,
                                                               const char   *name,
                                                               double       *value);

/* "12 sensors, 5 parameters, 5 commands" — translated. */
char                      *mimic_asset_describe_contents      (MimicAsset   *self);

const char                *mimic_alarm_priority_to_string     (MimicAlarmPriority priority);
const char                *mimic_alarm_limit_kind_to_string   (MimicAlarmLimitKind kind);

G_END_DECLS
