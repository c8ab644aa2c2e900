/* mimic-alarm-private.h — what the alarm manager changes in an alarm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-alarm.h"

G_BEGIN_DECLS

struct _MimicAlarm
{
  GObject              parent_instance;

  char                *device_id;
  char                *sensor_id;
  MimicAlarmCondition  condition;
  MimicAlarmPriority   priority;
  double               limit;

  MimicAlarmState      state;
  gboolean             active;          /* the condition, after delays and deadband */
  double               value;
  gint64               raised_us;
  gint64               changed_us;
  gint64               shelved_until_us;
  char                *operator_name;
  char                *comment;

  /* The evaluation: when the raw condition started to disagree with
   * "active" (0: it agrees), for the on- and off-delays. */
  gint64               pending_since_us;
  gint64               last_sample_us;
  gboolean             out_of_service;  /* taken out by an operator */
  gboolean             suppressed;      /* by design: device offline */
  gboolean             listed;          /* in the manager's list of non-normal alarms */
};

MimicAlarm *mimic_alarm_new            (const char          *device_id,
                                        const char          *sensor_id,
                                        MimicAlarmCondition  condition,
                                        MimicAlarmPriority   priority,
                                        double               limit);

/* Setters that notify only on change. */
void        mimic_alarm_set_state      (MimicAlarm          *self,
                                        MimicAlarmState      state,
                                        gint64               now_us);
void        mimic_alarm_set_active     (MimicAlarm          *self,
                                        gboolean             active);
void        mimic_alarm_set_value      (MimicAlarm          *self,
                                        double               value);
void        mimic_alarm_set_raised     (MimicAlarm          *self,
                                        gint64               raised_us);
void        mimic_alarm_set_shelved_until (MimicAlarm       *self,
                                        gint64               until_us);
void        mimic_alarm_set_operator   (MimicAlarm          *self,
                                        const char          *operator_name,
                                        const char          *comment);
void        mimic_alarm_set_priority   (MimicAlarm          *self,
                                        MimicAlarmPriority   priority);
void        mimic_alarm_set_limit      (MimicAlarm          *self,
                                        double               limit);

G_END_DECLS
