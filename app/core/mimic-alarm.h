/* mimic-alarm.h — one alarm: a condition on one sensor of one device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-asset.h"

G_BEGIN_DECLS

/* What an alarm watches. The four limits come from the asset description;
 * a deviation comes from the anomaly detector (actual against model). */
typedef enum
{
  MIMIC_ALARM_CONDITION_LOLO,
  MIMIC_ALARM_CONDITION_LO,
  MIMIC_ALARM_CONDITION_HI,
  MIMIC_ALARM_CONDITION_HIHI,
  MIMIC_ALARM_CONDITION_DEVIATION,
} MimicAlarmCondition;

#define MIMIC_N_ALARM_CONDITIONS 5

/* The states of ISA-18.2 / IEC 62682 (see docs/alarms.md for the
 * diagram). SUPPRESSED is suppression by design (the device is offline);
 * OUT_OF_SERVICE is an operator's decision. */
typedef enum
{
  MIMIC_ALARM_STATE_NORMAL,
  MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED,
  MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED,
  MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED,
  MIMIC_ALARM_STATE_SHELVED,
  MIMIC_ALARM_STATE_SUPPRESSED,
  MIMIC_ALARM_STATE_OUT_OF_SERVICE,
} MimicAlarmState;

/* How a list of alarms is ordered. */
typedef enum
{
  MIMIC_ALARM_SORT_PRIORITY,    /* highest priority first, then newest */
  MIMIC_ALARM_SORT_TIME,        /* newest first, then highest priority */
} MimicAlarmSortOrder;

#define MIMIC_TYPE_ALARM (mimic_alarm_get_type ())

G_DECLARE_FINAL_TYPE (MimicAlarm, mimic_alarm, MIMIC, ALARM, GObject)

/* Alarms are made and changed only by MimicAlarmManager, on the main
 * thread; everything here reads. Times are sample times (microseconds
 * since the epoch), so replays behave as live data does. */
const char          *mimic_alarm_get_device_id        (MimicAlarm  *self);
const char          *mimic_alarm_get_sensor_id        (MimicAlarm  *self);
MimicAlarmCondition  mimic_alarm_get_condition        (MimicAlarm  *self);
MimicAlarmPriority   mimic_alarm_get_priority         (MimicAlarm  *self);
MimicAlarmState      mimic_alarm_get_state            (MimicAlarm  *self);
/* Whether the process condition holds now (after delays and deadband),
 * whatever the state: a shelved alarm can be active underneath. */
gboolean             mimic_alarm_get_active           (MimicAlarm  *self);
/* The limit (or, for a deviation, the detector's decision interval). */
double               mimic_alarm_get_limit            (MimicAlarm  *self);
/* The value at the last transition; NaN before any. */
double               mimic_alarm_get_value            (MimicAlarm  *self);
/* When the alarm last became active; 0 before it ever did. */
gint64               mimic_alarm_get_raised_us        (MimicAlarm  *self);
/* When the state last changed. */
gint64               mimic_alarm_get_changed_us       (MimicAlarm  *self);
/* End of the shelving; 0 unless shelved. */
gint64               mimic_alarm_get_shelved_until_us (MimicAlarm  *self);
/* Who last acknowledged, shelved or took the alarm out of service, and
 * their comment or reason; NULL if nobody did. */
const char          *mimic_alarm_get_operator_name    (MimicAlarm  *self);
const char          *mimic_alarm_get_comment          (MimicAlarm  *self);

/* "pump-001/bearing_de_temp/hi": unique within a manager. */
char                *mimic_alarm_dup_key              (MimicAlarm  *self);
/* Whether the alarm asks for the operator: active or returned, unshelved,
 * not suppressed. */
gboolean             mimic_alarm_is_standing          (MimicAlarm  *self);

/* Higher priority first, then the most recently raised first. */
int                  mimic_alarm_compare_by_priority  (gconstpointer a,
                                                       gconstpointer b,
                                                       gpointer      user_data);
/* The most recently raised first, then higher priority first. */
int                  mimic_alarm_compare_by_time      (gconstpointer a,
                                                       gconstpointer b,
                                                       gpointer      user_data);

/* Stable identifiers ("hi", "active-unacknowledged") for files and logs. */
const char          *mimic_alarm_condition_to_string  (MimicAlarmCondition condition);
const char          *mimic_alarm_state_to_string      (MimicAlarmState     state);
gboolean             mimic_alarm_condition_from_string (const char         *text,
                                                        MimicAlarmCondition *condition);
gboolean             mimic_alarm_state_from_string    (const char          *text,
                                                       MimicAlarmState     *state);
/* Translated, for people. */
const char          *mimic_alarm_state_get_label      (MimicAlarmState     state);
const char          *mimic_alarm_condition_get_label  (MimicAlarmCondition condition);

G_END_DECLS
