/* mimic-alarm.c
 *
 * One alarm as the operator sees it: which condition on which sensor of
 * which device, how urgent, and where it stands in the ISA-18.2 state
 * diagram. The alarm manager makes and moves it; views bind to its
 * properties, which notify only when they change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-alarm"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-alarm-private.h"
#include "mimic-enums.h"

enum {
  PROP_0,
  PROP_DEVICE_ID,
  PROP_SENSOR_ID,
  PROP_CONDITION,
  PROP_PRIORITY,
  PROP_STATE,
  PROP_ACTIVE,
  PROP_LIMIT,
  PROP_VALUE,
  PROP_RAISED_US,
  PROP_CHANGED_US,
  PROP_SHELVED_UNTIL_US,
  PROP_OPERATOR_NAME,
  PROP_COMMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MimicAlarm, mimic_alarm, G_TYPE_OBJECT)

static void
mimic_alarm_finalize (GObject *object)
{
  MimicAlarm *self = MIMIC_ALARM (object);

  g_free (self->device_id);
  g_free (self->sensor_id);
  g_free (self->operator_name);
  g_free (self->comment);

  G_OBJECT_CLASS (mimic_alarm_parent_class)->finalize (object);
}

static void
mimic_alarm_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  MimicAlarm *self = MIMIC_ALARM (object);

  switch (prop_id)
    {
    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;
    case PROP_SENSOR_ID:
      g_value_set_string (value, self->sensor_id);
      break;
    case PROP_CONDITION:
      g_value_set_enum (value, self->condition);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    case PROP_LIMIT:
      g_value_set_double (value, self->limit);
      break;
    case PROP_VALUE:
      g_value_set_double (value, self->value);
      break;
    case PROP_RAISED_US:
      g_value_set_int64 (value, self->raised_us);
      break;
    case PROP_CHANGED_US:
      g_value_set_int64 (value, self->changed_us);
      break;
    case PROP_SHELVED_UNTIL_US:
      g_value_set_int64 (value, self->shelved_until_us);
      break;
    case PROP_OPERATOR_NAME:
      g_value_set_string (value, self->operator_name);
      break;
    case PROP_COMMENT:
      g_value_set_string (value, self->comment);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_alarm_class_init (MimicAlarmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = mimic_alarm_finalize;
  object_class->get_property = mimic_alarm_get_property;

  properties[PROP_DEVICE_ID] = g_param_spec_string ("device-id", NULL, NULL, NULL, flags);
  properties[PROP_SENSOR_ID] = g_param_spec_string ("sensor-id", NULL, NULL, NULL, flags);
  properties[PROP_CONDITION] =
    g_param_spec_enum ("condition", NULL, NULL, MIMIC_TYPE_ALARM_CONDITION,
                       MIMIC_ALARM_CONDITION_HI, flags);
  /* A MimicAlarmPriority: the asset description's enum has no GType. */
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      MIMIC_ALARM_PRIORITY_LOW, MIMIC_ALARM_PRIORITY_CRITICAL,
                      MIMIC_ALARM_PRIORITY_MEDIUM, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, MIMIC_TYPE_ALARM_STATE,
                       MIMIC_ALARM_STATE_NORMAL, flags);
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, flags);
  properties[PROP_LIMIT] = g_param_spec_double ("limit", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_VALUE] = g_param_spec_double ("value", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_RAISED_US] = g_param_spec_int64 ("raised-us", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CHANGED_US] = g_param_spec_int64 ("changed-us", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SHELVED_UNTIL_US] =
    g_param_spec_int64 ("shelved-until-us", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_OPERATOR_NAME] = g_param_spec_string ("operator-name", NULL, NULL, NULL, flags);
  properties[PROP_COMMENT] = g_param_spec_string ("comment", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_alarm_init (MimicAlarm *self)
{
  self->value = NAN;
}

MimicAlarm *
mimic_alarm_new (const char          *device_id,
                 const char          *sensor_id,
                 MimicAlarmCondition  condition,
                 MimicAlarmPriority   priority,
                 double               limit)
{
  MimicAlarm *self;

  g_return_val_if_fail (device_id != NULL, NULL);
  g_return_val_if_fail (sensor_id != NULL, NULL);

  self = g_object_new (MIMIC_TYPE_ALARM, NULL);
  self->device_id = g_strdup (device_id);
  self->sensor_id = g_strdup (sensor_id);
  self->condition = condition;
  self->priority = priority;
  self->limit = limit;
  return self;
}

const char *
mimic_alarm_get_device_id (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NULL);
  return self->device_id;
}

const char *
mimic_alarm_get_sensor_id (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NULL);
  return self->sensor_id;
}

MimicAlarmCondition
mimic_alarm_get_condition (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), MIMIC_ALARM_CONDITION_HI);
  return self->condition;
}

MimicAlarmPriority
mimic_alarm_get_priority (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), MIMIC_ALARM_PRIORITY_LOW);
  return self->priority;
}

MimicAlarmState
mimic_alarm_get_state (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), MIMIC_ALARM_STATE_NORMAL);
  return self->state;
}

gboolean
mimic_alarm_get_active (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), FALSE);
  return self->active;
}

double
mimic_alarm_get_limit (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NAN);
  return self->limit;
}

double
mimic_alarm_get_value (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NAN);
  return self->value;
}

gint64
mimic_alarm_get_raised_us (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), 0);
  return self->raised_us;
}

gint64
mimic_alarm_get_changed_us (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), 0);
  return self->changed_us;
}

gint64
mimic_alarm_get_shelved_until_us (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), 0);
  return self->shelved_until_us;
}

const char *
mimic_alarm_get_operator_name (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NULL);
  return self->operator_name;
}

const char *
mimic_alarm_get_comment (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NULL);
  return self->comment;
}

char *
mimic_alarm_dup_key (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), NULL);

  return g_strdup_printf ("%s/%s/%s", self->device_id, self->sensor_id,
                          mimic_alarm_condition_to_string (self->condition));
}

gboolean
mimic_alarm_is_standing (MimicAlarm *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM (self), FALSE);

  return self->state == MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED ||
         self->state == MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED ||
         self->state == MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED;
}

int
mimic_alarm_compare_by_priority (gconstpointer a,
                                 gconstpointer b,
                                 gpointer      user_data)
{
  const MimicAlarm *alarm_a = a, *alarm_b = b;

  if (alarm_a->priority != alarm_b->priority)
    return alarm_a->priority > alarm_b->priority ? -1 : 1;
  if (alarm_a->raised_us != alarm_b->raised_us)
    return alarm_a->raised_us > alarm_b->raised_us ? -1 : 1;
  return 0;
}

int
mimic_alarm_compare_by_time (gconstpointer a,
                             gconstpointer b,
                             gpointer      user_data)
{
  const MimicAlarm *alarm_a = a, *alarm_b = b;

  if (alarm_a->raised_us != alarm_b->raised_us)
    return alarm_a->raised_us > alarm_b->raised_us ? -1 : 1;
  if (alarm_a->priority != alarm_b->priority)
    return alarm_a->priority > alarm_b->priority ? -1 : 1;
  return 0;
}

void
mimic_alarm_set_state (MimicAlarm      *self,
                       MimicAlarmState  state,
                       gint64           now_us)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (self->changed_us != now_us)
    {
      self->changed_us = now_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHANGED_US]);
    }
}

void
mimic_alarm_set_active (MimicAlarm *self,
                        gboolean    active)
{
  active = !!active;
  if (self->active == active)
    return;

  self->active = active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

void
mimic_alarm_set_value (MimicAlarm *self,
                       double      value)
{
  /* NaN != NaN, so compare bit patterns of "no value" apart. */
  if (self->value == value || (isnan (self->value) && isnan (value)))
    return;

  self->value = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

void
mimic_alarm_set_raised (MimicAlarm *self,
                        gint64      raised_us)
{
  if (self->raised_us == raised_us)
    return;

  self->raised_us = raised_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RAISED_US]);
}

void
mimic_alarm_set_shelved_until (MimicAlarm *self,
                               gint64      until_us)
{
  if (self->shelved_until_us == until_us)
    return;

  self->shelved_until_us = until_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHELVED_UNTIL_US]);
}

/* g_set_str() is GLib 2.76. */
static gboolean
replace_string (char       **field,
                const char  *text)
{
  if (g_strcmp0 (*field, text) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (text);
  return TRUE;
}

void
mimic_alarm_set_operator (MimicAlarm *self,
                          const char *operator_name,
                          const char *comment)
{
  if (replace_string (&self->operator_name, operator_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPERATOR_NAME]);
  if (replace_string (&self->comment, comment))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMENT]);
}

void
mimic_alarm_set_priority (MimicAlarm         *self,
                          MimicAlarmPriority  priority)
{
  if (self->priority == priority)
    return;

  self->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

void
mimic_alarm_set_limit (MimicAlarm *self,
                       double      limit)
{
  if (self->limit == limit)
    return;

  self->limit = limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT]);
}

static const char * const condition_ids[] = { "lolo", "lo", "hi", "hihi", "deviation" };
static const char * const state_ids[] = {
  "normal", "active-unacknowledged", "active-acknowledged", "returned-unacknowledged",
  "shelved", "suppressed", "out-of-service",
};

G_STATIC_ASSERT (G_N_ELEMENTS (condition_ids) == MIMIC_N_ALARM_CONDITIONS);
G_STATIC_ASSERT (G_N_ELEMENTS (state_ids) == MIMIC_ALARM_STATE_OUT_OF_SERVICE + 1);

const char *
mimic_alarm_condition_to_string (MimicAlarmCondition condition)
{
  g_return_val_if_fail ((guint) condition < G_N_ELEMENTS (condition_ids), NULL);
  return condition_ids[condition];
}

const char *
mimic_alarm_state_to_string (MimicAlarmState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_ids), NULL);
  return state_ids[state];
}

gboolean
mimic_alarm_condition_from_string (const char          *text,
                                   MimicAlarmCondition *condition)
{
  for (guint i = 0; i < G_N_ELEMENTS (condition_ids); i++)
    if (g_strcmp0 (text, condition_ids[i]) == 0)
      {
        *condition = i;
        return TRUE;
      }
  return FALSE;
}

gboolean
mimic_alarm_state_from_string (const char      *text,
                               MimicAlarmState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_ids); i++)
    if (g_strcmp0 (text, state_ids[i]) == 0)
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

const char *
mimic_alarm_state_get_label (MimicAlarmState state)
{
  switch (state)
    {
    case MIMIC_ALARM_STATE_NORMAL:
      return _("Normal");
    case MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED:
      return _("Active, unacknowledged");
    case MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED:
      return _("Active, acknowledged");
    case MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED:
      return _("Returned, unacknowledged");
    case MIMIC_ALARM_STATE_SHELVED:
      return _("Shelved");
    case MIMIC_ALARM_STATE_SUPPRESSED:
      return _("Suppressed");
    case MIMIC_ALARM_STATE_OUT_OF_SERVICE:
      return _("Out of service");
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
mimic_alarm_condition_get_label (MimicAlarmCondition condition)
{
  switch (condition)
    {
    case MIMIC_ALARM_CONDITION_LOLO:
      return _("Low low");
    case MIMIC_ALARM_CONDITION_LO:
      return _("Low");
    case MIMIC_ALARM_CONDITION_HI:
      return _("High");
    case MIMIC_ALARM_CONDITION_HIHI:
      return _("High high");
    case MIMIC_ALARM_CONDITION_DEVIATION:
      return _("Deviates from model");
    default:
      g_return_val_if_reached (NULL);
    }
}
