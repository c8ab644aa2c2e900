/* test-alarm.c — the alarm manager: ISA-18.2 states, deadband and delays,
 * shelving, suppression, flood, priorities, the twin store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-alarm"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mimic-alarm-manager.h"

#define T0 (G_GINT64_CONSTANT (1764172800) * G_USEC_PER_SEC)
#define SEC(s) ((gint64) ((s) * G_USEC_PER_SEC))

/* A tank: "level" has all four limits, a deadband of 2 and delays;
 * "temp" has one limit with neither. */
static const char tank_json[] =
  "{\"@context\": [\"https://www.w3.org/2022/wot/td/v1.1\", {\"mimic\": \"urn:mimic:asset-format:1#\"}],"
  " \"@type\": \"tm:ThingModel\", \"id\": \"tank\", \"title\": \"Tank\","
  " \"properties\": {"
  "  \"level\": {\"type\": \"number\", \"unit\": \"%\", \"minimum\": 0, \"maximum\": 100, \"readOnly\": true,"
  "   \"mimic:alarms\": {\"lolo\": {\"value\": 5, \"priority\": \"critical\"}, \"lo\": {\"value\": 10, \"priority\": \"low\"},"
  "    \"hi\": {\"value\": 80, \"priority\": \"medium\"}, \"hihi\": {\"value\": 90, \"priority\": \"high\"},"
  "    \"deadband\": 2, \"onDelay\": 3, \"offDelay\": 2}},"
  "  \"temp\": {\"type\": \"number\", \"unit\": \"°C\", \"minimum\": -50, \"maximum\": 200, \"readOnly\": true,"
  "   \"mimic:alarms\": {\"hi\": {\"value\": 60, \"priority\": \"high\"}}}"
  " }}";

typedef struct
{
  MimicAlarmManager *manager;
  MimicAsset        *asset;
  GPtrArray         *transitions;   /* MimicAlarmJournalEntry */
  guint              n_raised;
  guint              n_highest;
  MimicAlarm        *last_highest;
} Fixture;

static void
on_transition (MimicAlarmManager            *manager,
               MimicAlarm                   *alarm,
               const MimicAlarmJournalEntry *entry,
               Fixture                      *fixture)
{
  g_assert_cmpint (entry->new_state, ==, mimic_alarm_get_state (alarm));
  g_ptr_array_add (fixture->transitions, mimic_alarm_journal_entry_copy (entry));
}

static void
on_raised (MimicAlarmManager *manager,
           MimicAlarm        *alarm,
           Fixture           *fixture)
{
  fixture->n_raised++;
}

static void
on_highest (MimicAlarmManager *manager,
            MimicAlarm        *alarm,
            Fixture           *fixture)
{
  fixture->n_highest++;
  fixture->last_highest = alarm;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->asset = mimic_asset_new_from_data (tank_json, strlen (tank_json), "tank.json", &error);
  g_assert_no_error (error);
  fixture->manager = mimic_alarm_manager_new ();
  mimic_alarm_manager_add_asset (fixture->manager, fixture->asset);
  fixture->transitions = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_alarm_journal_entry_free);
  g_signal_connect (fixture->manager, "transition", G_CALLBACK (on_transition), fixture);
  g_signal_connect (fixture->manager, "alarm-raised", G_CALLBACK (on_raised), fixture);
  g_signal_connect (fixture->manager, "highest-priority-raised", G_CALLBACK (on_highest), fixture);
  for (guint i = 1; i <= 12; i++)
    {
      g_autofree char *id = g_strdup_printf ("tank-%02u", i);

      mimic_alarm_manager_set_device_asset (fixture->manager, id, fixture->asset);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_ptr_array_unref (fixture->transitions);
  g_assert_finalize_object (fixture->manager);
  g_assert_finalize_object (fixture->asset);
}

static void
feed (Fixture    *fixture,
      const char *device,
      const char *sensor,
      double      t_s,
      double      value)
{
  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, device, sensor, T0 + SEC (t_s),
                                                     value, MIMIC_QUALITY_GOOD));
}

static MimicAlarm *
alarm_of (Fixture             *fixture,
          const char          *device,
          const char          *sensor,
          MimicAlarmCondition  condition)
{
  MimicAlarm *alarm = mimic_alarm_manager_lookup (fixture->manager, device, sensor, condition);

  g_assert_nonnull (alarm);
  return alarm;
}

static void
assert_transition (Fixture         *fixture,
                   guint            index,
                   MimicAlarmState  old_state,
                   MimicAlarmState  new_state)
{
  MimicAlarmJournalEntry *entry;

  g_assert_cmpuint (index, <, fixture->transitions->len);
  entry = g_ptr_array_index (fixture->transitions, index);
  g_assert_cmpstr (mimic_alarm_state_to_string (entry->old_state), ==, mimic_alarm_state_to_string (old_state));
  g_assert_cmpstr (mimic_alarm_state_to_string (entry->new_state), ==, mimic_alarm_state_to_string (new_state));
}

/* normal → active-unacknowledged → active-acknowledged → normal */
static void
test_raise_acknowledge_return (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicAlarm *hi;

  feed (fixture, "tank-01", "level", 0, 50);
  hi = alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_HI);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_NORMAL);

  /* Over the limit, but the on-delay is 3 s. */
  feed (fixture, "tank-01", "level", 1, 85);
  feed (fixture, "tank-01", "level", 3, 85);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_NORMAL);
  feed (fixture, "tank-01", "level", 4, 85);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_true (mimic_alarm_get_active (hi));
  g_assert_cmpint (mimic_alarm_get_raised_us (hi), ==, T0 + SEC (4));
  g_assert_cmpfloat (mimic_alarm_get_value (hi), ==, 85);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_alarm_manager_get_alarms (fixture->manager)), ==, 1);
  g_assert_cmpuint (mimic_alarm_manager_get_n_unacknowledged (fixture->manager), ==, 1);

  /* An operator is required. */
  g_assert_false (mimic_alarm_manager_acknowledge (fixture->manager, hi, "", NULL, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (mimic_alarm_manager_acknowledge (fixture->manager, hi, "alice", "Pump started, watching", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);
  g_assert_cmpstr (mimic_alarm_get_operator_name (hi), ==, "alice");
  g_assert_cmpstr (mimic_alarm_get_comment (hi), ==, "Pump started, watching");
  g_assert_cmpuint (mimic_alarm_manager_get_n_unacknowledged (fixture->manager), ==, 0);

  /* Twice is refused. */
  g_assert_false (mimic_alarm_manager_acknowledge (fixture->manager, hi, "alice", NULL, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* 79 is inside the deadband (80 − 2): still active. */
  feed (fixture, "tank-01", "level", 10, 79);
  feed (fixture, "tank-01", "level", 20, 79);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);
  /* Below 78, for the off-delay of 2 s. */
  feed (fixture, "tank-01", "level", 21, 77);
  feed (fixture, "tank-01", "level", 22, 77);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);
  feed (fixture, "tank-01", "level", 23, 77);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_NORMAL);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_alarm_manager_get_alarms (fixture->manager)), ==, 0);

  g_assert_cmpuint (fixture->transitions->len, ==, 3);
  assert_transition (fixture, 0, MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  assert_transition (fixture, 1, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);
  assert_transition (fixture, 2, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED, MIMIC_ALARM_STATE_NORMAL);
  g_assert_cmpstr (((MimicAlarmJournalEntry *) g_ptr_array_index (fixture->transitions, 1))->operator_name, ==, "alice");
  g_assert_null (((MimicAlarmJournalEntry *) g_ptr_array_index (fixture->transitions, 2))->operator_name);
}

/* normal → active-unacknowledged → returned-unacknowledged → (again)
 * active-unacknowledged → returned-unacknowledged → acknowledged: normal */
static void
test_return_unacknowledged (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicAlarm *hi;

  feed (fixture, "tank-01", "temp", 0, 61);
  hi = alarm_of (fixture, "tank-01", "temp", MIMIC_ALARM_CONDITION_HI);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  feed (fixture, "tank-01", "temp", 1, 50);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
  g_assert_true (mimic_alarm_is_standing (hi));
  feed (fixture, "tank-01", "temp", 2, 65);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (mimic_alarm_get_raised_us (hi), ==, T0 + SEC (2));
  feed (fixture, "tank-01", "temp", 3, 40);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
  g_assert_true (mimic_alarm_manager_acknowledge (fixture->manager, hi, "bob", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_alarm_get_state (hi), ==, MIMIC_ALARM_STATE_NORMAL);

  g_assert_cmpuint (fixture->transitions->len, ==, 5);
  assert_transition (fixture, 1, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
  assert_transition (fixture, 2, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  assert_transition (fixture, 4, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED, MIMIC_ALARM_STATE_NORMAL);
  g_assert_cmpuint (fixture->n_raised, ==, 2);

  /* Nothing to acknowledge in normal. */
  g_assert_false (mimic_alarm_manager_acknowledge (fixture->manager, hi, "bob", NULL, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
}

/* A level chattering round the limit with noise as wide as the deadband:
 * one alarm with the deadband and delays, dozens without. */
static void
test_chattering (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  MimicAlarm *level_hi, *temp_hi;
  guint level_raises = 0, temp_raises = 0;

  for (guint i = 0; i < 1200; i++)
    {
      double t = i * 0.5;
      double noise = g_rand_double_range (rand, -1.5, 1.5);
      guint before = fixture->n_raised;

      /* Up to the limit in the first minute, then round it for ten. */
      feed (fixture, "tank-01", "level", t, MIN (70 + t / 6, 80.5) + noise);
      level_raises += fixture->n_raised - before;
      before = fixture->n_raised;
      feed (fixture, "tank-02", "temp", t, MIN (50 + t / 6, 60.0) + noise);
      temp_raises += fixture->n_raised - before;
    }

  level_hi = alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_HI);
  temp_hi = alarm_of (fixture, "tank-02", "temp", MIMIC_ALARM_CONDITION_HI);
  g_test_message ("raised with deadband and delays: %u, without: %u", level_raises, temp_raises);
  g_assert_cmpuint (level_raises, ==, 1);
  g_assert_cmpint (mimic_alarm_get_state (level_hi), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpuint (temp_raises, >, 20);
  g_assert_true (mimic_alarm_is_standing (temp_hi));
}

/* An excursion shorter than the on-delay raises nothing. */
static void
test_on_delay (Fixture       *fixture,
               gconstpointer  data)
{
  feed (fixture, "tank-01", "level", 0, 50);
  feed (fixture, "tank-01", "level", 1, 95);
  feed (fixture, "tank-01", "level", 3.5, 95);
  feed (fixture, "tank-01", "level", 4, 60);
  feed (fixture, "tank-01", "level", 10, 60);
  g_assert_cmpuint (fixture->transitions->len, ==, 0);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_HIHI)),
                   ==, MIMIC_ALARM_STATE_NORMAL);

  /* Low side: the deadband is above the limit. */
  feed (fixture, "tank-01", "level", 11, 4);
  feed (fixture, "tank-01", "level", 14, 4);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_LOLO)),
                   ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_LO)),
                   ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  feed (fixture, "tank-01", "level", 15, 6.5);
  feed (fixture, "tank-01", "level", 20, 6.5);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_LOLO)),
                   ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  feed (fixture, "tank-01", "level", 21, 7.5);
  feed (fixture, "tank-01", "level", 23, 7.5);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-01", "level", MIMIC_ALARM_CONDITION_LOLO)),
                   ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
}

/* Shelved for a time; back unacknowledged when the time ends while the
 * condition holds, back to normal when it has cleared. */
static void
test_shelve (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicAlarm *temp1, *temp2;

  feed (fixture, "tank-01", "temp", 0, 70);
  feed (fixture, "tank-02", "temp", 0, 70);
  temp1 = alarm_of (fixture, "tank-01", "temp", MIMIC_ALARM_CONDITION_HI);
  temp2 = alarm_of (fixture, "tank-02", "temp", MIMIC_ALARM_CONDITION_HI);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH), ==, 2);

  /* A reason and a sane duration are required. */
  g_assert_false (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "  ", G_TIME_SPAN_MINUTE, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "sensor work", 0, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "sensor work", -5, &error));
  g_clear_error (&error);
  g_assert_false (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "sensor work", 8 * G_TIME_SPAN_DAY, &error));
  g_clear_error (&error);
  g_assert_cmpint (mimic_alarm_get_state (temp1), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);

  g_assert_true (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "sensor work", 10 * G_TIME_SPAN_MINUTE, &error));
  g_assert_no_error (error);
  g_assert_true (mimic_alarm_manager_shelve (fixture->manager, temp2, "carol", "sensor work", 10 * G_TIME_SPAN_MINUTE, &error));
  g_assert_cmpint (mimic_alarm_get_state (temp1), ==, MIMIC_ALARM_STATE_SHELVED);
  g_assert_cmpint (mimic_alarm_get_shelved_until_us (temp1), ==, T0 + 10 * G_TIME_SPAN_MINUTE);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH), ==, 0);
  /* Shelved alarms stay in the list, so the operator can see them. */
  g_assert_cmpuint (g_list_model_get_n_items (mimic_alarm_manager_get_alarms (fixture->manager)), ==, 2);

  /* Tank 2 clears while shelved; tank 1 stays high. */
  feed (fixture, "tank-02", "temp", 60, 20);
  g_assert_cmpint (mimic_alarm_get_state (temp2), ==, MIMIC_ALARM_STATE_SHELVED);
  g_assert_false (mimic_alarm_get_active (temp2));

  mimic_alarm_manager_tick (fixture->manager, T0 + 9 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (mimic_alarm_get_state (temp1), ==, MIMIC_ALARM_STATE_SHELVED);
  /* Time never goes back. */
  mimic_alarm_manager_tick (fixture->manager, T0);
  g_assert_cmpint (mimic_alarm_manager_get_now (fixture->manager), ==, T0 + 9 * G_TIME_SPAN_MINUTE);

  mimic_alarm_manager_tick (fixture->manager, T0 + 10 * G_TIME_SPAN_MINUTE);
  g_assert_cmpint (mimic_alarm_get_state (temp1), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (mimic_alarm_get_state (temp2), ==, MIMIC_ALARM_STATE_NORMAL);
  g_assert_cmpint (mimic_alarm_get_shelved_until_us (temp1), ==, 0);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH), ==, 1);

  /* Unshelve by hand. */
  g_assert_false (mimic_alarm_manager_unshelve (fixture->manager, temp1, "carol", &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
  g_clear_error (&error);
  g_assert_true (mimic_alarm_manager_shelve (fixture->manager, temp1, "carol", "again", G_TIME_SPAN_HOUR, &error));
  g_assert_true (mimic_alarm_manager_unshelve (fixture->manager, temp1, "dave", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_alarm_get_state (temp1), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  assert_transition (fixture, fixture->transitions->len - 2,
                     MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, MIMIC_ALARM_STATE_SHELVED);
  g_assert_cmpstr (((MimicAlarmJournalEntry *) g_ptr_array_index (fixture->transitions, fixture->transitions->len - 2))->comment,
                   ==, "again");
  g_assert_cmpstr (((MimicAlarmJournalEntry *) g_ptr_array_index (fixture->transitions, fixture->transitions->len - 1))->operator_name,
                   ==, "dave");
}

/* Suppressed by design while the device is offline; out of service by an
 * operator; both come back in the state the condition asks for. */
static void
test_suppress_and_out_of_service (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicAlarm *temp;

  feed (fixture, "tank-01", "temp", 0, 70);
  temp = alarm_of (fixture, "tank-01", "temp", MIMIC_ALARM_CONDITION_HI);

  mimic_alarm_manager_set_device_online (fixture->manager, "tank-01", FALSE, T0 + SEC (1));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_SUPPRESSED);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH), ==, 0);
  /* No shelving a suppressed alarm. */
  g_assert_false (mimic_alarm_manager_shelve (fixture->manager, temp, "erin", "why", G_TIME_SPAN_MINUTE, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* Back online, judged on fresh readings: normal until one says high. */
  mimic_alarm_manager_set_device_online (fixture->manager, "tank-01", TRUE, T0 + SEC (30));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_NORMAL);
  feed (fixture, "tank-01", "temp", 31, 70);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);

  /* Out of service: a reason is required; evaluation goes on beneath. */
  g_assert_false (mimic_alarm_manager_remove_from_service (fixture->manager, temp, "erin", NULL, &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (mimic_alarm_manager_remove_from_service (fixture->manager, temp, "erin", "transmitter replaced", &error));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_OUT_OF_SERVICE);
  feed (fixture, "tank-01", "temp", 40, 20);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_OUT_OF_SERVICE);
  g_assert_false (mimic_alarm_get_active (temp));

  /* Offline while out of service: the operator's decision wins. */
  mimic_alarm_manager_set_device_online (fixture->manager, "tank-01", FALSE, T0 + SEC (50));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_OUT_OF_SERVICE);
  mimic_alarm_manager_set_device_online (fixture->manager, "tank-01", TRUE, T0 + SEC (60));

  g_assert_false (mimic_alarm_manager_remove_from_service (fixture->manager, temp, "erin", "twice", &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
  g_clear_error (&error);
  g_assert_true (mimic_alarm_manager_return_to_service (fixture->manager, temp, "erin", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_NORMAL);
  g_assert_false (mimic_alarm_manager_return_to_service (fixture->manager, temp, "erin", &error));
  g_assert_error (error, MIMIC_ALARM_MANAGER_ERROR, MIMIC_ALARM_MANAGER_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* Returned to service while the condition holds: unacknowledged. */
  g_assert_true (mimic_alarm_manager_remove_from_service (fixture->manager, temp, "erin", "test", &error));
  feed (fixture, "tank-01", "temp", 70, 90);
  g_assert_true (mimic_alarm_manager_return_to_service (fixture->manager, temp, "erin", &error));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);

  /* Alarms made while the device is offline start suppressed. */
  mimic_alarm_manager_set_device_online (fixture->manager, "tank-03", FALSE, T0 + SEC (80));
  feed (fixture, "tank-03", "temp", 81, 90);
  g_assert_cmpint (mimic_alarm_get_state (alarm_of (fixture, "tank-03", "temp", MIMIC_ALARM_CONDITION_HI)),
                   ==, MIMIC_ALARM_STATE_SUPPRESSED);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *n)
{
  (*n)++;
}

/* More than 10 raised in 10 minutes is a flood; it ends as they age. */
static void
test_flood (Fixture       *fixture,
            gconstpointer  data)
{
  MimicAlarmManager *manager = fixture->manager;
  guint n_notify = 0;

  g_signal_connect (manager, "notify::flood", G_CALLBACK (count_notify), &n_notify);

  for (guint i = 1; i <= 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("tank-%02u", i);

      feed (fixture, id, "temp", i * 30, 70);
    }
  g_assert_cmpuint (mimic_alarm_manager_get_n_recent (manager), ==, 10);
  g_assert_false (mimic_alarm_manager_get_flood (manager));
  g_assert_cmpuint (n_notify, ==, 0);

  feed (fixture, "tank-11", "temp", 330, 70);
  g_assert_true (mimic_alarm_manager_get_flood (manager));
  g_assert_cmpuint (n_notify, ==, 1);

  /* The first raise (at 30 s) leaves the window at 10:30. */
  mimic_alarm_manager_tick (manager, T0 + SEC (629));
  g_assert_true (mimic_alarm_manager_get_flood (manager));
  mimic_alarm_manager_tick (manager, T0 + SEC (630));
  g_assert_false (mimic_alarm_manager_get_flood (manager));
  g_assert_cmpuint (mimic_alarm_manager_get_n_recent (manager), ==, 10);
  g_assert_cmpuint (n_notify, ==, 2);

  /* A lower threshold turns it on again at once. */
  mimic_alarm_manager_set_flood_threshold (manager, 5, 10 * G_TIME_SPAN_MINUTE);
  g_assert_true (mimic_alarm_manager_get_flood (manager));
  mimic_alarm_manager_tick (manager, T0 + SEC (2000));
  g_assert_false (mimic_alarm_manager_get_flood (manager));
  g_assert_cmpuint (mimic_alarm_manager_get_n_recent (manager), ==, 0);
}

static void
count_counts (guint *n)
{
  (*n)++;
}

/* Counts per priority, the list's order, the "highest" signal. */
static void
test_priorities (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GListModel *list = mimic_alarm_manager_get_alarms (fixture->manager);
  g_autoptr(MimicAlarm) first = NULL;
  g_autoptr(MimicAlarm) last = NULL;
  guint n_counts = 0;

  g_signal_connect_swapped (fixture->manager, "counts-changed", G_CALLBACK (count_counts), &n_counts);

  /* level 95: hi (medium) and hihi (high) after the on-delay. */
  feed (fixture, "tank-01", "level", 0, 95);
  feed (fixture, "tank-01", "level", 3, 95);
  g_assert_cmpuint (fixture->n_raised, ==, 2);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_MEDIUM), ==, 1);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH), ==, 1);
  g_assert_cmpuint (fixture->n_highest, ==, 2);

  /* A low-priority alarm raised now is not the highest. */
  feed (fixture, "tank-02", "level", 10, 8);
  feed (fixture, "tank-02", "level", 13, 8);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_LOW), ==, 1);
  g_assert_cmpuint (fixture->n_raised, ==, 3);
  g_assert_cmpuint (fixture->n_highest, ==, 2);

  /* A critical one is. */
  feed (fixture, "tank-02", "level", 14, 2);
  feed (fixture, "tank-02", "level", 17, 2);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_CRITICAL), ==, 1);
  g_assert_cmpuint (fixture->n_highest, ==, 3);
  g_assert_cmpint (mimic_alarm_get_condition (fixture->last_highest), ==, MIMIC_ALARM_CONDITION_LOLO);

  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 4);
  first = g_list_model_get_item (list, 0);
  last = g_list_model_get_item (list, 3);
  g_assert_cmpint (mimic_alarm_get_priority (first), ==, MIMIC_ALARM_PRIORITY_CRITICAL);
  g_assert_cmpint (mimic_alarm_get_priority (last), ==, MIMIC_ALARM_PRIORITY_LOW);
  g_clear_object (&first);
  g_clear_object (&last);

  /* By time: newest first (the critical and the low one share a device,
   * the critical one is newer). */
  mimic_alarm_manager_set_sort_order (fixture->manager, MIMIC_ALARM_SORT_TIME);
  first = g_list_model_get_item (list, 0);
  last = g_list_model_get_item (list, 3);
  g_assert_cmpint (mimic_alarm_get_raised_us (first), ==, T0 + SEC (17));
  g_assert_cmpint (mimic_alarm_get_raised_us (last), ==, T0 + SEC (3));
  /* Raised together with the high one: the lower priority comes after. */
  g_assert_cmpint (mimic_alarm_get_priority (last), ==, MIMIC_ALARM_PRIORITY_MEDIUM);

  /* Acknowledging changes the unacknowledged count, not the standing one. */
  g_assert_cmpuint (mimic_alarm_manager_get_n_unacknowledged (fixture->manager), ==, 4);
  g_assert_true (mimic_alarm_manager_acknowledge (fixture->manager, first, "fay", NULL, &error));
  g_assert_cmpuint (mimic_alarm_manager_get_n_unacknowledged (fixture->manager), ==, 3);
  g_assert_cmpuint (mimic_alarm_manager_get_n_standing (fixture->manager, MIMIC_ALARM_PRIORITY_CRITICAL), ==, 1);
  g_assert_cmpuint (n_counts, >=, 4);
}

/* Values that cannot be trusted raise nothing and clear nothing. */
static void
test_bad_values (Fixture       *fixture,
                 gconstpointer  data)
{
  MimicAlarm *temp;

  feed (fixture, "tank-01", "temp", 0, 70);
  temp = alarm_of (fixture, "tank-01", "temp", MIMIC_ALARM_CONDITION_HI);

  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "temp", T0 + SEC (1), NAN, MIMIC_QUALITY_GOOD));
  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "temp", T0 + SEC (2), INFINITY, MIMIC_QUALITY_GOOD));
  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "temp", T0 + SEC (3), -INFINITY, MIMIC_QUALITY_GOOD));
  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "temp", T0 + SEC (4), 10, MIMIC_QUALITY_STALE));
  g_assert_true (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "temp", T0 + SEC (5), 10, MIMIC_QUALITY_BAD));
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpfloat (mimic_alarm_get_value (temp), ==, 70);

  /* An older reading than one judged already changes nothing. */
  feed (fixture, "tank-01", "temp", 10, 20);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
  feed (fixture, "tank-01", "temp", 9, 90);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);

  /* Unknown devices and sensors are refused. */
  g_assert_false (mimic_alarm_manager_process_sample (fixture->manager, "stranger", "temp", T0, 1, MIMIC_QUALITY_GOOD));
  g_assert_false (mimic_alarm_manager_process_sample (fixture->manager, "tank-01", "nope", T0, 1, MIMIC_QUALITY_GOOD));
  g_assert_null (mimic_alarm_manager_lookup (fixture->manager, "tank-01", "nope", MIMIC_ALARM_CONDITION_HI));
}

/* "Deviates from model" from the detector's verdicts. */
static void
test_deviation (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicAlarm *deviation;

  mimic_alarm_manager_set_deviation_priority (fixture->manager, MIMIC_ALARM_PRIORITY_HIGH);
  mimic_alarm_manager_set_deviation (fixture->manager, "tank-01", "temp", TRUE, 16.5, T0 + SEC (100));
  deviation = alarm_of (fixture, "tank-01", "temp", MIMIC_ALARM_CONDITION_DEVIATION);
  g_assert_cmpint (mimic_alarm_get_state (deviation), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (mimic_alarm_get_priority (deviation), ==, MIMIC_ALARM_PRIORITY_HIGH);
  g_assert_cmpfloat (mimic_alarm_get_value (deviation), ==, 16.5);
  g_assert_true (mimic_alarm_manager_acknowledge (fixture->manager, deviation, "gus", "checking the bearing", &error));
  mimic_alarm_manager_set_deviation (fixture->manager, "tank-01", "temp", FALSE, 0, T0 + SEC (200));
  g_assert_cmpint (mimic_alarm_get_state (deviation), ==, MIMIC_ALARM_STATE_NORMAL);
  g_assert_cmpstr (mimic_alarm_condition_to_string (mimic_alarm_get_condition (deviation)), ==, "deviation");
}

/* Driven by a real twin store: the birth names the asset, presence
 * suppresses. */
static void
test_twin_store (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  MimicAlarm *temp;

  mimic_twin_store_set_heartbeat_timeout (store, 0);
  mimic_alarm_manager_set_twin_store (fixture->manager, store);

  mimic_update_batch_add_birth (batch, "twin-01", "tank", "1.0", T0);
  mimic_update_batch_add_presence (batch, "twin-01", MIMIC_PRESENCE_ONLINE, T0);
  mimic_update_batch_add_sample (batch, "twin-01", "temp", T0, 75, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "twin-01", "level", T0, 50, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  temp = alarm_of (fixture, "twin-01", "temp", MIMIC_ALARM_CONDITION_HI);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (mimic_alarm_manager_get_now (fixture->manager), ==, T0);

  /* Only changed sensors: a later batch with level alone. */
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_sample (batch, "twin-01", "temp", T0 + SEC (1), 20, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);

  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_presence (batch, "twin-01", MIMIC_PRESENCE_OFFLINE, T0 + SEC (2));
  mimic_twin_store_apply_batch (store, batch);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_SUPPRESSED);

  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_presence (batch, "twin-01", MIMIC_PRESENCE_ONLINE, T0 + SEC (3));
  mimic_update_batch_add_sample (batch, "twin-01", "temp", T0 + SEC (3), 80, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  g_assert_cmpint (mimic_alarm_get_state (temp), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);

  /* A device of a type nobody described raises nothing. */
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = mimic_update_batch_new ();
  mimic_update_batch_add_birth (batch, "other-01", "mystery", NULL, T0);
  mimic_update_batch_add_sample (batch, "other-01", "temp", T0 + SEC (4), 500, MIMIC_QUALITY_GOOD);
  mimic_twin_store_apply_batch (store, batch);
  g_assert_null (mimic_alarm_manager_lookup (fixture->manager, "other-01", "temp", MIMIC_ALARM_CONDITION_HI));

  mimic_alarm_manager_set_twin_store (fixture->manager, NULL);
}

static void
test_strings (void)
{
  for (guint s = MIMIC_ALARM_STATE_NORMAL; s <= MIMIC_ALARM_STATE_OUT_OF_SERVICE; s++)
    {
      MimicAlarmState back;

      g_assert_true (mimic_alarm_state_from_string (mimic_alarm_state_to_string (s), &back));
      g_assert_cmpint (back, ==, s);
      g_assert_nonnull (mimic_alarm_state_get_label (s));
    }
  for (guint c = 0; c < MIMIC_N_ALARM_CONDITIONS; c++)
    {
      MimicAlarmCondition back;

      g_assert_true (mimic_alarm_condition_from_string (mimic_alarm_condition_to_string (c), &back));
      g_assert_cmpint (back, ==, c);
      g_assert_nonnull (mimic_alarm_condition_get_label (c));
    }
  g_assert_false (mimic_alarm_condition_from_string ("HI", &(MimicAlarmCondition) { 0 }));
  g_assert_false (mimic_alarm_state_from_string (NULL, &(MimicAlarmState) { 0 }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/mimic/alarm/raise-acknowledge-return", test_raise_acknowledge_return);
  ADD ("/mimic/alarm/return-unacknowledged", test_return_unacknowledged);
  ADD ("/mimic/alarm/chattering", test_chattering);
  ADD ("/mimic/alarm/on-delay-and-low-deadband", test_on_delay);
  ADD ("/mimic/alarm/shelve", test_shelve);
  ADD ("/mimic/alarm/suppress-and-out-of-service", test_suppress_and_out_of_service);
  ADD ("/mimic/alarm/flood", test_flood);
  ADD ("/mimic/alarm/priorities", test_priorities);
  ADD ("/mimic/alarm/bad-values", test_bad_values);
  ADD ("/mimic/alarm/deviation", test_deviation);
  ADD ("/mimic/alarm/twin-store", test_twin_store);
  g_test_add_func ("/mimic/alarm/strings", test_strings);

  return g_test_run ();
}
