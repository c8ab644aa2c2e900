/* mimic-alarm-manager.c
 *
 * Alarm management after ISA-18.2 / IEC 62682. Each sensor with limits in
 * its asset description gets one alarm per limit, each sensor the anomaly
 * detector watches one "deviates from model" alarm. A reading moves an
 * alarm's process condition through the deadband and the on- and
 * off-delays, all in sample time, so a signal chattering round a limit
 * raises one alarm and a replay behaves as the live feed did; the
 * condition and the operator's actions then move the alarm through the
 * state diagram of docs/alarms.md. Shelving, suppression by design (the
 * device is offline) and removal from service mask the diagram without
 * stopping the evaluation underneath, so an alarm comes back in the state
 * its condition asks for.
 *
 * Everything runs on the main thread and costs a few comparisons per
 * reading; the journal writes on its own thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-alarm-manager"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-alarm-manager.h"
#include "mimic-alarm-private.h"
#include "mimic-enums.h"

/* Raise times kept for the flood window; far beyond any threshold. */
#define MAX_RECENT_RAISES 100000

typedef struct
{
  MimicAlarm *alarms[MIMIC_N_ALARM_CONDITIONS];   /* owned, NULL until needed */
  gint64      last_twin_us;                       /* reading last taken from the twin */
} SensorAlarms;

typedef struct
{
  char       *id;
  MimicAsset *asset;            /* explicit, or NULL: by the twin's asset type */
  GHashTable *sensors;          /* sensor id → SensorAlarms */
  gboolean    offline;
  gboolean    connected;        /* to the twin device's "sensors-changed" */
} DeviceAlarms;

struct _MimicAlarmManager
{
  GObject              parent_instance;

  GHashTable          *assets;          /* asset id → MimicAsset */
  GHashTable          *devices;         /* device id → DeviceAlarms */
  GListStore          *list;            /* MimicAlarm not normal */
  MimicAlarmSortOrder  sort_order;

  MimicTwinStore      *store;
  gulong               batch_handler;
  MimicAlarmJournal   *journal;

  gint64               now_us;
  GArray              *recent_raises;   /* gint64, oldest first */
  guint                flood_count;
  GTimeSpan            flood_window;
  gboolean             flood;
  guint                n_standing[MIMIC_ALARM_PRIORITY_CRITICAL + 1];
  guint                n_unacknowledged;
  guint64              n_transitions;
  MimicAlarmPriority   deviation_priority;
};

enum {
  PROP_0,
  PROP_FLOOD,
  PROP_N_UNACKNOWLEDGED,
  PROP_SORT_ORDER,
  PROP_NOW_US,
  N_PROPS
};

enum {
  TRANSITION,
  ALARM_RAISED,
  HIGHEST_PRIORITY_RAISED,
  COUNTS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimicAlarmManager, mimic_alarm_manager, G_TYPE_OBJECT)

G_DEFINE_QUARK (mimic-alarm-manager-error-quark, mimic_alarm_manager_error)

static void
sensor_alarms_free (gpointer data)
{
  SensorAlarms *sensor = data;

  for (guint c = 0; c < MIMIC_N_ALARM_CONDITIONS; c++)
    g_clear_object (&sensor->alarms[c]);
  g_free (sensor);
}

static void
device_alarms_free (gpointer data)
{
  DeviceAlarms *device = data;

  g_free (device->id);
  g_clear_object (&device->asset);
  g_hash_table_unref (device->sensors);
  g_free (device);
}

static void
mimic_alarm_manager_dispose (GObject *object)
{
  MimicAlarmManager *self = MIMIC_ALARM_MANAGER (object);

  mimic_alarm_manager_set_twin_store (self, NULL);
  g_clear_object (&self->journal);
  if (self->list != NULL)
    g_list_store_remove_all (self->list);

  G_OBJECT_CLASS (mimic_alarm_manager_parent_class)->dispose (object);
}

static void
mimic_alarm_manager_finalize (GObject *object)
{
  MimicAlarmManager *self = MIMIC_ALARM_MANAGER (object);

  g_clear_object (&self->list);
  g_clear_pointer (&self->devices, g_hash_table_unref);
  g_clear_pointer (&self->assets, g_hash_table_unref);
  g_clear_pointer (&self->recent_raises, g_array_unref);

  G_OBJECT_CLASS (mimic_alarm_manager_parent_class)->finalize (object);
}

static void
mimic_alarm_manager_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  MimicAlarmManager *self = MIMIC_ALARM_MANAGER (object);

  switch (prop_id)
    {
    case PROP_FLOOD:
      g_value_set_boolean (value, self->flood);
      break;
    case PROP_N_UNACKNOWLEDGED:
      g_value_set_uint (value, self->n_unacknowledged);
      break;
    case PROP_SORT_ORDER:
      g_value_set_enum (value, self->sort_order);
      break;
    case PROP_NOW_US:
      g_value_set_int64 (value, self->now_us);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_alarm_manager_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  MimicAlarmManager *self = MIMIC_ALARM_MANAGER (object);

  switch (prop_id)
    {
    case PROP_SORT_ORDER:
      mimic_alarm_manager_set_sort_order (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_alarm_manager_class_init (MimicAlarmManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimic_alarm_manager_dispose;
  object_class->finalize = mimic_alarm_manager_finalize;
  object_class->get_property = mimic_alarm_manager_get_property;
  object_class->set_property = mimic_alarm_manager_set_property;

  /* More alarms raised within the flood window than the threshold. */
  properties[PROP_FLOOD] =
    g_param_spec_boolean ("flood", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_UNACKNOWLEDGED] =
    g_param_spec_uint ("n-unacknowledged", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT_ORDER] =
    g_param_spec_enum ("sort-order", NULL, NULL, MIMIC_TYPE_ALARM_SORT_ORDER,
                       MIMIC_ALARM_SORT_PRIORITY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NOW_US] =
    g_param_spec_int64 ("now-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicAlarmManager::transition:
   * @alarm: the alarm
   * @entry: the transition, as the journal records it
   */
  signals[TRANSITION] =
    g_signal_new ("transition", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, MIMIC_TYPE_ALARM,
                  MIMIC_TYPE_ALARM_JOURNAL_ENTRY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* An alarm became active-unacknowledged. */
  signals[ALARM_RAISED] =
    g_signal_new ("alarm-raised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, MIMIC_TYPE_ALARM);
  /* An alarm was raised with a priority no standing alarm exceeds: what
   * the console turns into a desktop notification. */
  signals[HIGHEST_PRIORITY_RAISED] =
    g_signal_new ("highest-priority-raised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, MIMIC_TYPE_ALARM);
  /* The standing alarms per priority changed. */
  signals[COUNTS_CHANGED] =
    g_signal_new ("counts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mimic_alarm_manager_init (MimicAlarmManager *self)
{
  self->assets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, device_alarms_free);
  self->list = g_list_store_new (MIMIC_TYPE_ALARM);
  self->recent_raises = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->flood_count = MIMIC_ALARM_MANAGER_DEFAULT_FLOOD_COUNT;
  self->flood_window = MIMIC_ALARM_MANAGER_DEFAULT_FLOOD_WINDOW;
  self->deviation_priority = MIMIC_ALARM_PRIORITY_MEDIUM;
}

MimicAlarmManager *
mimic_alarm_manager_new (void)
{
  return g_object_new (MIMIC_TYPE_ALARM_MANAGER, NULL);
}

void
mimic_alarm_manager_add_asset (MimicAlarmManager *self,
                               MimicAsset        *asset)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (MIMIC_IS_ASSET (asset));

  g_hash_table_replace (self->assets, g_strdup (mimic_asset_get_id (asset)), g_object_ref (asset));
}

static DeviceAlarms *
ensure_device (MimicAlarmManager *self,
               const char        *device_id)
{
  DeviceAlarms *device = g_hash_table_lookup (self->devices, device_id);

  if (device == NULL)
    {
      device = g_new0 (DeviceAlarms, 1);
      device->id = g_strdup (device_id);
      device->sensors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, sensor_alarms_free);
      g_hash_table_insert (self->devices, device->id, device);
    }
  return device;
}

void
mimic_alarm_manager_set_device_asset (MimicAlarmManager *self,
                                      const char        *device_id,
                                      MimicAsset        *asset)
{
  DeviceAlarms *device;

  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (asset == NULL || MIMIC_IS_ASSET (asset));

  device = ensure_device (self, device_id);
  g_set_object (&device->asset, asset);
}

static MimicAsset *
device_asset (MimicAlarmManager *self,
              DeviceAlarms      *device)
{
  MimicTwinDevice *twin;
  const char *type;

  if (device->asset != NULL)
    return device->asset;
  if (self->store == NULL || (twin = mimic_twin_store_lookup (self->store, device->id)) == NULL)
    return NULL;
  type = mimic_twin_device_get_asset_type (twin);
  return type != NULL ? g_hash_table_lookup (self->assets, type) : NULL;
}

void
mimic_alarm_manager_set_journal (MimicAlarmManager *self,
                                 MimicAlarmJournal *journal)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (journal == NULL || MIMIC_IS_ALARM_JOURNAL (journal));

  g_set_object (&self->journal, journal);
}

void
mimic_alarm_manager_set_deviation_priority (MimicAlarmManager  *self,
                                            MimicAlarmPriority  priority)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (priority >= MIMIC_ALARM_PRIORITY_LOW && priority <= MIMIC_ALARM_PRIORITY_CRITICAL);

  self->deviation_priority = priority;
}

/* The list and the counters */

static void
update_counts (MimicAlarmManager *self)
{
  guint n_standing[G_N_ELEMENTS (self->n_standing)] = { 0, };
  guint n_unacknowledged = 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MimicAlarm) alarm = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      if (mimic_alarm_is_standing (alarm))
        n_standing[alarm->priority]++;
      if (alarm->state == MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED ||
          alarm->state == MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED)
        n_unacknowledged++;
    }

  if (memcmp (n_standing, self->n_standing, sizeof n_standing) != 0)
    {
      memcpy (self->n_standing, n_standing, sizeof n_standing);
      g_signal_emit (self, signals[COUNTS_CHANGED], 0);
    }
  if (n_unacknowledged != self->n_unacknowledged)
    {
      self->n_unacknowledged = n_unacknowledged;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNACKNOWLEDGED]);
    }
}

static GCompareDataFunc
sort_func (MimicAlarmManager *self)
{
  return self->sort_order == MIMIC_ALARM_SORT_TIME
         ? mimic_alarm_compare_by_time : mimic_alarm_compare_by_priority;
}

static void
update_list (MimicAlarmManager *self,
             MimicAlarm        *alarm)
{
  guint position;

  if (alarm->listed && g_list_store_find (self->list, alarm, &position))
    g_list_store_remove (self->list, position);
  alarm->listed = alarm->state != MIMIC_ALARM_STATE_NORMAL;
  if (alarm->listed)
    g_list_store_insert_sorted (self->list, alarm, sort_func (self), NULL);
}

/* The flood window */

static void
update_flood (MimicAlarmManager *self)
{
  guint drop = 0;
  gboolean flood;

  while (drop < self->recent_raises->len &&
         g_array_index (self->recent_raises, gint64, drop) <= self->now_us - self->flood_window)
    drop++;
  if (drop > 0)
    g_array_remove_range (self->recent_raises, 0, drop);

  flood = self->recent_raises->len > self->flood_count;
  if (flood != self->flood)
    {
      self->flood = flood;
      g_debug ("Alarm flood %s: %u alarms in the window", flood ? "began" : "ended",
               self->recent_raises->len);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLOOD]);
    }
}

static void
note_raise (MimicAlarmManager *self,
            gint64             raised_us)
{
  if (self->recent_raises->len >= MAX_RECENT_RAISES)
    g_array_remove_index (self->recent_raises, 0);
  g_array_append_val (self->recent_raises, raised_us);
  update_flood (self);
}

/* Transitions */

static void
transition (MimicAlarmManager *self,
            MimicAlarm        *alarm,
            MimicAlarmState    new_state,
            gint64             now_us,
            const char        *operator_name,
            const char        *comment)
{
  MimicAlarmJournalEntry entry;
  MimicAlarmState old_state = alarm->state;
  gboolean raised = new_state == MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED;

  if (old_state == new_state)
    return;

  g_object_freeze_notify (G_OBJECT (alarm));
  if (raised)
    mimic_alarm_set_raised (alarm, now_us);
  mimic_alarm_set_state (alarm, new_state, now_us);
  g_object_thaw_notify (G_OBJECT (alarm));
  self->n_transitions++;

  entry = (MimicAlarmJournalEntry) {
    .timestamp_us = now_us,
    .device_id = alarm->device_id,
    .sensor_id = alarm->sensor_id,
    .condition = alarm->condition,
    .priority = alarm->priority,
    .old_state = old_state,
    .new_state = new_state,
    .value = alarm->value,
    .operator_name = (char *) operator_name,
    .comment = (char *) comment,
  };
  if (self->journal != NULL)
    mimic_alarm_journal_append (self->journal, &entry);

  update_list (self, alarm);
  update_counts (self);
  g_signal_emit (self, signals[TRANSITION], 0, alarm, &entry);

  if (raised)
    {
      gboolean highest = TRUE;
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

      note_raise (self, now_us);
      for (guint i = 0; i < n && highest; i++)
        {
          g_autoptr(MimicAlarm) other = g_list_model_get_item (G_LIST_MODEL (self->list), i);

          if (other != alarm && mimic_alarm_is_standing (other) && other->priority > alarm->priority)
            highest = FALSE;
        }
      g_signal_emit (self, signals[ALARM_RAISED], 0, alarm);
      if (highest)
        g_signal_emit (self, signals[HIGHEST_PRIORITY_RAISED], 0, alarm);
    }
}

/* Where an alarm stands when nothing masks it, from its condition alone:
 * what it comes back as after shelving, suppression or service. */
static MimicAlarmState
unmasked_state (MimicAlarm *alarm)
{
  return alarm->active ? MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED : MIMIC_ALARM_STATE_NORMAL;
}

static gboolean
is_masked (MimicAlarm *alarm)
{
  return alarm->state == MIMIC_ALARM_STATE_SHELVED ||
         alarm->state == MIMIC_ALARM_STATE_SUPPRESSED ||
         alarm->state == MIMIC_ALARM_STATE_OUT_OF_SERVICE;
}

/* The mask that applies, strongest first: the operator's removal from
 * service, then suppression by design, then shelving. */
static void
apply_masks (MimicAlarmManager *self,
             MimicAlarm        *alarm,
             gint64             now_us,
             const char        *operator_name,
             const char        *comment)
{
  MimicAlarmState state;

  if (alarm->out_of_service)
    state = MIMIC_ALARM_STATE_OUT_OF_SERVICE;
  else if (alarm->suppressed)
    state = MIMIC_ALARM_STATE_SUPPRESSED;
  else if (alarm->shelved_until_us > 0)
    state = MIMIC_ALARM_STATE_SHELVED;
  else if (is_masked (alarm))
    state = unmasked_state (alarm);
  else
    return;

  transition (self, alarm, state, now_us, operator_name, comment);
}

/* The process condition changed (after delays and deadband). */
static void
set_condition (MimicAlarmManager *self,
               MimicAlarm        *alarm,
               gboolean           active,
               gint64             now_us)
{
  if (alarm->active == active)
    return;

  mimic_alarm_set_active (alarm, active);
  switch (alarm->state)
    {
    case MIMIC_ALARM_STATE_NORMAL:
      transition (self, alarm, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, now_us, NULL, NULL);
      break;
    case MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED:
      transition (self, alarm, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED, now_us, NULL, NULL);
      break;
    case MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED:
      transition (self, alarm, MIMIC_ALARM_STATE_NORMAL, now_us, NULL, NULL);
      break;
    case MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED:
      transition (self, alarm, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, now_us, NULL, NULL);
      break;
    case MIMIC_ALARM_STATE_SHELVED:
    case MIMIC_ALARM_STATE_SUPPRESSED:
    case MIMIC_ALARM_STATE_OUT_OF_SERVICE:
    default:
      /* Masked: the condition is kept for when the mask lifts. */
      break;
    }
}

/* The clock */

static void
expire_shelving (MimicAlarmManager *self)
{
  g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

  for (guint i = 0; i < n; i++)
    {
      MimicAlarm *alarm = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      if (alarm->shelved_until_us > 0 && alarm->shelved_until_us <= self->now_us)
        g_ptr_array_add (expired, alarm);
      else
        g_object_unref (alarm);
    }

  for (guint i = 0; i < expired->len; i++)
    {
      MimicAlarm *alarm = g_ptr_array_index (expired, i);

      mimic_alarm_set_shelved_until (alarm, 0);
      apply_masks (self, alarm, self->now_us, NULL, _("Shelving ended"));
    }
}

static void
advance_clock (MimicAlarmManager *self,
               gint64             now_us)
{
  if (now_us <= self->now_us)
    return;

  self->now_us = now_us;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOW_US]);
  expire_shelving (self);
  update_flood (self);
}

gint64
mimic_alarm_manager_get_now (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), 0);

  return self->now_us;
}

void
mimic_alarm_manager_tick (MimicAlarmManager *self,
                          gint64             now_us)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));

  advance_clock (self, now_us);
}

/* Evaluation */

static SensorAlarms *
ensure_sensor (DeviceAlarms *device,
               const char   *sensor_id)
{
  SensorAlarms *sensor = g_hash_table_lookup (device->sensors, sensor_id);

  if (sensor == NULL)
    {
      sensor = g_new0 (SensorAlarms, 1);
      g_hash_table_insert (device->sensors, g_strdup (sensor_id), sensor);
    }
  return sensor;
}

static MimicAlarm *
ensure_alarm (DeviceAlarms        *device,
              SensorAlarms        *sensor,
              const char          *sensor_id,
              MimicAlarmCondition  condition,
              MimicAlarmPriority   priority,
              double               limit)
{
  MimicAlarm *alarm = sensor->alarms[condition];

  if (alarm == NULL)
    {
      alarm = sensor->alarms[condition] = mimic_alarm_new (device->id, sensor_id, condition, priority, limit);
      alarm->out_of_service = FALSE;
      alarm->suppressed = device->offline;
      if (alarm->suppressed)
        alarm->state = MIMIC_ALARM_STATE_SUPPRESSED;
    }
  return alarm;
}

/* One limit's condition for one reading, through deadband and delays. */
static void
evaluate_limit (MimicAlarmManager        *self,
                MimicAlarm               *alarm,
                const MimicAlarmSettings *settings,
                double                    value,
                gint64                    timestamp_us)
{
  gboolean high = alarm->condition == MIMIC_ALARM_CONDITION_HI ||
                  alarm->condition == MIMIC_ALARM_CONDITION_HIHI;
  gboolean wanted;
  double delay_s;

  /* An active alarm returns only once the value is back past the limit
   * by the deadband; an inactive one trips at the limit. */
  if (!alarm->active)
    wanted = high ? value >= alarm->limit : value <= alarm->limit;
  else
    wanted = high ? value > alarm->limit - settings->deadband
                  : value < alarm->limit + settings->deadband;

  if (timestamp_us < alarm->last_sample_us)
    return;   /* older than what was judged already: replays may overlap */
  alarm->last_sample_us = timestamp_us;
  mimic_alarm_set_value (alarm, value);

  if (wanted == alarm->active)
    {
      alarm->pending_since_us = 0;
      return;
    }

  if (alarm->pending_since_us == 0)
    alarm->pending_since_us = timestamp_us;
  delay_s = wanted ? settings->on_delay_s : settings->off_delay_s;
  if ((timestamp_us - alarm->pending_since_us) < (gint64) (delay_s * G_USEC_PER_SEC))
    return;

  alarm->pending_since_us = 0;
  set_condition (self, alarm, wanted, timestamp_us);
}

gboolean
mimic_alarm_manager_process_sample (MimicAlarmManager *self,
                                    const char        *device_id,
                                    const char        *sensor_id,
                                    gint64             timestamp_us,
                                    double             value,
                                    MimicQuality       quality)
{
  const MimicAssetSensor *info;
  DeviceAlarms *device;
  SensorAlarms *sensor;
  MimicAsset *asset;

  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);
  g_return_val_if_fail (sensor_id != NULL, FALSE);

  device = ensure_device (self, device_id);
  asset = device_asset (self, device);
  if (asset == NULL || (info = mimic_asset_get_sensor (asset, sensor_id)) == NULL)
    return FALSE;

  /* A value that cannot be trusted neither raises nor clears an alarm. */
  if (!isfinite (value) || quality != MIMIC_QUALITY_GOOD || timestamp_us <= 0)
    return TRUE;

  advance_clock (self, timestamp_us);
  sensor = ensure_sensor (device, sensor_id);
  for (guint kind = 0; kind < MIMIC_N_ALARM_LIMITS; kind++)
    {
      const MimicAlarmLimit *limit = &info->alarms.limits[kind];
      MimicAlarm *alarm;

      if (!limit->enabled)
        continue;

      /* MimicAlarmLimitKind and the first conditions share their order. */
      alarm = ensure_alarm (device, sensor, sensor_id, (MimicAlarmCondition) kind,
                            limit->priority, limit->value);
      evaluate_limit (self, alarm, &info->alarms, value, timestamp_us);
    }
  return TRUE;
}

void
mimic_alarm_manager_set_deviation (MimicAlarmManager *self,
                                   const char        *device_id,
                                   const char        *sensor_id,
                                   gboolean           deviating,
                                   double             statistic,
                                   gint64             timestamp_us)
{
  DeviceAlarms *device;
  SensorAlarms *sensor;
  MimicAlarm *alarm;

  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (sensor_id != NULL);

  device = ensure_device (self, device_id);
  sensor = ensure_sensor (device, sensor_id);
  advance_clock (self, timestamp_us);
  alarm = ensure_alarm (device, sensor, sensor_id, MIMIC_ALARM_CONDITION_DEVIATION,
                        self->deviation_priority, NAN);
  if (isfinite (statistic))
    mimic_alarm_set_value (alarm, statistic);
  set_condition (self, alarm, deviating, MAX (timestamp_us, self->now_us));
}

static void
for_each_alarm_of_device (DeviceAlarms *device,
                          void        (*func) (MimicAlarm *alarm, gpointer data),
                          gpointer      data)
{
  GHashTableIter iter;
  SensorAlarms *sensor;

  g_hash_table_iter_init (&iter, device->sensors);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sensor))
    for (guint c = 0; c < MIMIC_N_ALARM_CONDITIONS; c++)
      if (sensor->alarms[c] != NULL)
        func (sensor->alarms[c], data);
}

typedef struct
{
  MimicAlarmManager *self;
  gboolean           online;
  gint64             now_us;
} OnlineChange;

static void
apply_online (MimicAlarm *alarm,
              gpointer    data)
{
  OnlineChange *change = data;

  alarm->suppressed = !change->online;
  if (alarm->suppressed)
    {
      /* What the device said before it went is no evidence for later:
       * it comes back judged on fresh readings. */
      alarm->pending_since_us = 0;
      mimic_alarm_set_active (alarm, FALSE);
    }
  apply_masks (change->self, alarm, change->now_us, NULL,
               change->online ? NULL : _("Device offline"));
}

void
mimic_alarm_manager_set_device_online (MimicAlarmManager *self,
                                       const char        *device_id,
                                       gboolean           online,
                                       gint64             timestamp_us)
{
  DeviceAlarms *device;
  OnlineChange change;

  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (device_id != NULL);

  device = ensure_device (self, device_id);
  if (device->offline == !online)
    return;

  device->offline = !online;
  advance_clock (self, timestamp_us);
  change = (OnlineChange) { self, online, MAX (timestamp_us, self->now_us) };
  for_each_alarm_of_device (device, apply_online, &change);
}

/* Operator actions */

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
check_operator (const char  *operator_name,
                const char  *reason,
                gboolean     reason_required,
                GError     **error)
{
  if (is_blank (operator_name))
    {
      g_set_error_literal (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID,
                           _("An operator name is required"));
      return FALSE;
    }
  if (reason_required && is_blank (reason))
    {
      g_set_error_literal (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID,
                           _("A reason is required"));
      return FALSE;
    }
  return TRUE;
}

/* Each action has its own sentence, so that translations can order
 * their words; the state's label fills the %s. */
static gboolean wrong_state (GError     **error,
                             const char  *format,
                             ...) G_GNUC_PRINTF (2, 3);

static gboolean
wrong_state (GError     **error,
             const char  *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE, message);
  return FALSE;
}

gboolean
mimic_alarm_manager_acknowledge (MimicAlarmManager  *self,
                                 MimicAlarm         *alarm,
                                 const char         *operator_name,
                                 const char         *comment,
                                 GError            **error)
{
  MimicAlarmState next;

  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_ALARM (alarm), FALSE);

  if (!check_operator (operator_name, comment, FALSE, error))
    return FALSE;

  if (alarm->state == MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
    next = MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED;
  else if (alarm->state == MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED)
    next = MIMIC_ALARM_STATE_NORMAL;
  else
    return wrong_state (error, _("Cannot acknowledge an alarm in the state “%s”"), mimic_alarm_state_get_label (alarm->state));

  mimic_alarm_set_operator (alarm, operator_name, comment);
  transition (self, alarm, next, self->now_us, operator_name, comment);
  return TRUE;
}

gboolean
mimic_alarm_manager_shelve (MimicAlarmManager  *self,
                            MimicAlarm         *alarm,
                            const char         *operator_name,
                            const char         *reason,
                            GTimeSpan           duration,
                            GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_ALARM (alarm), FALSE);

  if (!check_operator (operator_name, reason, TRUE, error))
    return FALSE;
  if (duration <= 0 || duration > MIMIC_ALARM_MANAGER_MAX_SHELVE)
    {
      g_set_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID,
                   _("A shelving time must be more than zero and at most %d days"),
                   (int) (MIMIC_ALARM_MANAGER_MAX_SHELVE / G_TIME_SPAN_DAY));
      return FALSE;
    }
  if (alarm->out_of_service || alarm->suppressed)
    return wrong_state (error, _("Cannot shelve an alarm in the state “%s”"), mimic_alarm_state_get_label (alarm->state));

  /* Shelving again moves the end; the transition is recorded once. */
  mimic_alarm_set_operator (alarm, operator_name, reason);
  mimic_alarm_set_shelved_until (alarm, self->now_us + duration);
  apply_masks (self, alarm, self->now_us, operator_name, reason);
  return TRUE;
}

gboolean
mimic_alarm_manager_unshelve (MimicAlarmManager  *self,
                              MimicAlarm         *alarm,
                              const char         *operator_name,
                              GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_ALARM (alarm), FALSE);

  if (!check_operator (operator_name, NULL, FALSE, error))
    return FALSE;
  if (alarm->state != MIMIC_ALARM_STATE_SHELVED)
    return wrong_state (error, _("Cannot unshelve an alarm in the state “%s”"), mimic_alarm_state_get_label (alarm->state));

  mimic_alarm_set_operator (alarm, operator_name, NULL);
  mimic_alarm_set_shelved_until (alarm, 0);
  apply_masks (self, alarm, self->now_us, operator_name, NULL);
  return TRUE;
}

gboolean
mimic_alarm_manager_remove_from_service (MimicAlarmManager  *self,
                                         MimicAlarm         *alarm,
                                         const char         *operator_name,
                                         const char         *reason,
                                         GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_ALARM (alarm), FALSE);

  if (!check_operator (operator_name, reason, TRUE, error))
    return FALSE;
  if (alarm->out_of_service)
    return wrong_state (error, _("Cannot take out of service an alarm in the state “%s”"), mimic_alarm_state_get_label (alarm->state));

  /* Out of service ends any shelving: putting it back is a decision of
   * its own. */
  mimic_alarm_set_operator (alarm, operator_name, reason);
  mimic_alarm_set_shelved_until (alarm, 0);
  alarm->out_of_service = TRUE;
  apply_masks (self, alarm, self->now_us, operator_name, reason);
  return TRUE;
}

gboolean
mimic_alarm_manager_return_to_service (MimicAlarmManager  *self,
                                       MimicAlarm         *alarm,
                                       const char         *operator_name,
                                       GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_ALARM (alarm), FALSE);

  if (!check_operator (operator_name, NULL, FALSE, error))
    return FALSE;
  if (!alarm->out_of_service)
    return wrong_state (error, _("Cannot return to service an alarm in the state “%s”"), mimic_alarm_state_get_label (alarm->state));

  mimic_alarm_set_operator (alarm, operator_name, NULL);
  alarm->out_of_service = FALSE;
  apply_masks (self, alarm, self->now_us, operator_name, NULL);
  return TRUE;
}

/* Looking */

MimicAlarm *
mimic_alarm_manager_lookup (MimicAlarmManager   *self,
                            const char          *device_id,
                            const char          *sensor_id,
                            MimicAlarmCondition  condition)
{
  DeviceAlarms *device;
  SensorAlarms *sensor;

  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), NULL);
  g_return_val_if_fail ((guint) condition < MIMIC_N_ALARM_CONDITIONS, NULL);

  if (device_id == NULL || sensor_id == NULL ||
      (device = g_hash_table_lookup (self->devices, device_id)) == NULL ||
      (sensor = g_hash_table_lookup (device->sensors, sensor_id)) == NULL)
    return NULL;
  return sensor->alarms[condition];
}

GListModel *
mimic_alarm_manager_get_alarms (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), NULL);

  return G_LIST_MODEL (self->list);
}

MimicAlarmSortOrder
mimic_alarm_manager_get_sort_order (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), MIMIC_ALARM_SORT_PRIORITY);

  return self->sort_order;
}

void
mimic_alarm_manager_set_sort_order (MimicAlarmManager   *self,
                                    MimicAlarmSortOrder  order)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));

  if (self->sort_order == order)
    return;

  self->sort_order = order;
  g_list_store_sort (self->list, sort_func (self), NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_ORDER]);
}

guint
mimic_alarm_manager_get_n_standing (MimicAlarmManager  *self,
                                    MimicAlarmPriority  priority)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), 0);
  g_return_val_if_fail (priority >= MIMIC_ALARM_PRIORITY_LOW && priority <= MIMIC_ALARM_PRIORITY_CRITICAL, 0);

  return self->n_standing[priority];
}

guint
mimic_alarm_manager_get_n_unacknowledged (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), 0);

  return self->n_unacknowledged;
}

guint
mimic_alarm_manager_get_n_recent (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), 0);

  return self->recent_raises->len;
}

gboolean
mimic_alarm_manager_get_flood (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), FALSE);

  return self->flood;
}

void
mimic_alarm_manager_set_flood_threshold (MimicAlarmManager *self,
                                         guint              count,
                                         GTimeSpan          window)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (window > 0);

  self->flood_count = count;
  self->flood_window = window;
  update_flood (self);
}

guint64
mimic_alarm_manager_get_n_transitions (MimicAlarmManager *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_MANAGER (self), 0);

  return self->n_transitions;
}

/* The twin store */

static void
evaluate_twin_sensors (MimicAlarmManager  *self,
                       MimicTwinDevice    *twin,
                       DeviceAlarms       *device,
                       const char * const *sensor_ids)
{
  const char *device_id = mimic_twin_device_get_id (twin);

  for (guint i = 0; sensor_ids[i] != NULL; i++)
    {
      MimicSensorReading reading;
      SensorAlarms *sensor;

      if (!mimic_twin_device_get_sensor (twin, sensor_ids[i], &reading))
        continue;
      sensor = g_hash_table_lookup (device->sensors, sensor_ids[i]);
      if (sensor != NULL && sensor->last_twin_us == reading.timestamp_us)
        continue;
      if (mimic_alarm_manager_process_sample (self, device_id, sensor_ids[i], reading.timestamp_us,
                                              reading.value, reading.quality) &&
          (sensor = g_hash_table_lookup (device->sensors, sensor_ids[i])) != NULL)
        sensor->last_twin_us = reading.timestamp_us;
    }
}

static void
on_sensors_changed (MimicTwinDevice  *twin,
                    const char * const *sensor_ids,
                    MimicAlarmManager *self)
{
  DeviceAlarms *device = ensure_device (self, mimic_twin_device_get_id (twin));

  evaluate_twin_sensors (self, twin, device, sensor_ids);
}

static void
on_batch_applied (MimicTwinStore     *store,
                  const char * const *device_ids,
                  MimicAlarmManager  *self)
{
  for (guint i = 0; device_ids[i] != NULL; i++)
    {
      MimicTwinDevice *twin = mimic_twin_store_lookup (store, device_ids[i]);
      DeviceAlarms *device;
      MimicPresence presence;

      if (twin == NULL)
        continue;

      device = ensure_device (self, device_ids[i]);
      presence = mimic_twin_device_get_presence (twin);
      if (presence != MIMIC_PRESENCE_UNKNOWN)
        mimic_alarm_manager_set_device_online (self, device_ids[i], presence == MIMIC_PRESENCE_ONLINE,
                                               self->now_us);

      /* A device's own signal names the sensors that changed, but a new
       * device emitted it before anyone could listen: read all once. */
      if (!device->connected)
        {
          g_auto(GStrv) sensor_ids = mimic_twin_device_dup_sensor_ids (twin);

          device->connected = TRUE;
          g_signal_connect_object (twin, "sensors-changed", G_CALLBACK (on_sensors_changed), self, 0);
          evaluate_twin_sensors (self, twin, device, (const char * const *) sensor_ids);
        }
    }
}

void
mimic_alarm_manager_set_twin_store (MimicAlarmManager *self,
                                    MimicTwinStore    *store)
{
  g_return_if_fail (MIMIC_IS_ALARM_MANAGER (self));
  g_return_if_fail (store == NULL || MIMIC_IS_TWIN_STORE (store));

  if (self->store == store)
    return;

  if (self->store != NULL)
    {
      GHashTableIter iter;
      DeviceAlarms *device;
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));

      g_clear_signal_handler (&self->batch_handler, self->store);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(MimicTwinDevice) twin = g_list_model_get_item (G_LIST_MODEL (self->store), i);

          g_signal_handlers_disconnect_by_func (twin, on_sensors_changed, self);
        }
      g_hash_table_iter_init (&iter, self->devices);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
        device->connected = FALSE;
    }

  g_set_object (&self->store, store);
  if (store != NULL)
    self->batch_handler = g_signal_connect_object (store, "batch-applied",
                                                   G_CALLBACK (on_batch_applied), self, 0);
}
