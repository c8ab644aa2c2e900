/* mimic-alarm-manager.h — ISA-18.2 alarm management for the fleet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-alarm.h"
#include "mimic-alarm-journal.h"
#include "mimic-asset.h"
#include "mimic-twin-store.h"

G_BEGIN_DECLS

#define MIMIC_ALARM_MANAGER_ERROR (mimic_alarm_manager_error_quark ())

typedef enum
{
  MIMIC_ALARM_MANAGER_ERROR_NOT_FOUND,    /* no such alarm */
  MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE,  /* the action does not apply in this state */
  MIMIC_ALARM_MANAGER_ERROR_INVALID,      /* a bad duration, a missing operator or reason */
} MimicAlarmManagerError;

GQuark mimic_alarm_manager_error_quark (void);

/* ISA-18.2's usual flood threshold: more than 10 alarms in 10 minutes. */
#define MIMIC_ALARM_MANAGER_DEFAULT_FLOOD_COUNT  10
#define MIMIC_ALARM_MANAGER_DEFAULT_FLOOD_WINDOW (10 * G_TIME_SPAN_MINUTE)
/* The longest an operator may shelve an alarm for. */
#define MIMIC_ALARM_MANAGER_MAX_SHELVE           (7 * G_TIME_SPAN_DAY)

#define MIMIC_TYPE_ALARM_MANAGER (mimic_alarm_manager_get_type ())

G_DECLARE_FINAL_TYPE (MimicAlarmManager, mimic_alarm_manager, MIMIC, ALARM_MANAGER, GObject)

MimicAlarmManager *mimic_alarm_manager_new                (void);

/* Limits come from asset descriptions: a device uses the asset its birth
 * names (add_asset), or the one set for it explicitly. */
void               mimic_alarm_manager_add_asset          (MimicAlarmManager   *self,
                                                           MimicAsset          *asset);
void               mimic_alarm_manager_set_device_asset   (MimicAlarmManager   *self,
                                                           const char          *device_id,
                                                           MimicAsset          *asset);

/* Evaluates the sensors each applied batch changed, and suppresses a
 * device's alarms while it is offline. NULL disconnects. */
void               mimic_alarm_manager_set_twin_store     (MimicAlarmManager   *self,
                                                           MimicTwinStore      *store);
/* Every transition goes to @journal as well (NULL: none). */
void               mimic_alarm_manager_set_journal        (MimicAlarmManager   *self,
                                                           MimicAlarmJournal   *journal);

/* Feeding it by hand (what the twin store connection does): one reading,
 * in sample time. A value that is not finite, or of a quality other than
 * good, leaves the alarms as they are. Returns FALSE when nothing is known
 * about the device's asset or the sensor. */
gboolean           mimic_alarm_manager_process_sample     (MimicAlarmManager   *self,
                                                           const char          *device_id,
                                                           const char          *sensor_id,
                                                           gint64               timestamp_us,
                                                           double               value,
                                                           MimicQuality         quality);
void               mimic_alarm_manager_set_device_online  (MimicAlarmManager   *self,
                                                           const char          *device_id,
                                                           gboolean             online,
                                                           gint64               timestamp_us);
/* The anomaly detector's verdict for a sensor: @deviating raises (or
 * keeps) its "deviates from model" alarm, FALSE returns it. @statistic is
 * recorded as the alarm's value. */
void               mimic_alarm_manager_set_deviation      (MimicAlarmManager   *self,
                                                           const char          *device_id,
                                                           const char          *sensor_id,
                                                           gboolean             deviating,
                                                           double               statistic,
                                                           gint64               timestamp_us);
/* Priority of "deviates from model" alarms (default medium). */
void               mimic_alarm_manager_set_deviation_priority (MimicAlarmManager *self,
                                                           MimicAlarmPriority   priority);

/* The clock is the newest sample time seen; tick moves it on when no
 * data comes (shelving ends, the flood window slides). It never goes
 * back. */
gint64             mimic_alarm_manager_get_now            (MimicAlarmManager   *self);
void               mimic_alarm_manager_tick               (MimicAlarmManager   *self,
                                                           gint64               now_us);

/* Operator actions. @operator_name is required; so is @reason for shelve
 * and remove_from_service. Actions that do not apply in the alarm's state
 * fail with MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE and change nothing. */
gboolean           mimic_alarm_manager_acknowledge        (MimicAlarmManager   *self,
                                                           MimicAlarm          *alarm,
                                                           const char          *operator_name,
                                                           const char          *comment,
                                                           GError             **error);
gboolean           mimic_alarm_manager_shelve             (MimicAlarmManager   *self,
                                                           MimicAlarm          *alarm,
                                                           const char          *operator_name,
                                                           const char          *reason,
                                                           GTimeSpan            duration,
                                                           GError             **error);
gboolean           mimic_alarm_manager_unshelve           (MimicAlarmManager   *self,
                                                           MimicAlarm          *alarm,
                                                           const char          *operator_name,
                                                           GError             **error);
gboolean           mimic_alarm_manager_remove_from_service (MimicAlarmManager  *self,
                                                           MimicAlarm          *alarm,
                                                           const char          *operator_name,
                                                           const char          *reason,
                                                           GError             **error);
gboolean           mimic_alarm_manager_return_to_service  (MimicAlarmManager   *self,
                                                           MimicAlarm          *alarm,
                                                           const char          *operator_name,
                                                           GError             **error);

/* Any alarm, by its parts; NULL if the manager has not made it yet. */
MimicAlarm        *mimic_alarm_manager_lookup             (MimicAlarmManager   *self,
                                                           const char          *device_id,
                                                           const char          *sensor_id,
                                                           MimicAlarmCondition  condition);
/* The alarms that are not normal (MimicAlarm), in the sort order. */
GListModel        *mimic_alarm_manager_get_alarms         (MimicAlarmManager   *self);
MimicAlarmSortOrder mimic_alarm_manager_get_sort_order    (MimicAlarmManager   *self);
void               mimic_alarm_manager_set_sort_order     (MimicAlarmManager   *self,
                                                           MimicAlarmSortOrder  order);
/* Standing alarms (active or returned unacknowledged, neither shelved nor
 * suppressed) of one priority. */
guint              mimic_alarm_manager_get_n_standing     (MimicAlarmManager   *self,
                                                           MimicAlarmPriority   priority);
guint              mimic_alarm_manager_get_n_unacknowledged (MimicAlarmManager *self);
/* Alarms raised within the flood window before now. */
guint              mimic_alarm_manager_get_n_recent       (MimicAlarmManager   *self);
gboolean           mimic_alarm_manager_get_flood          (MimicAlarmManager   *self);
void               mimic_alarm_manager_set_flood_threshold (MimicAlarmManager  *self,
                                                           guint                count,
                                                           GTimeSpan            window);
/* Transitions since the manager was made (all alarms, all kinds). */
guint64            mimic_alarm_manager_get_n_transitions  (MimicAlarmManager   *self);

G_END_DECLS
