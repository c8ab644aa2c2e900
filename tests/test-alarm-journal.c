/* test-alarm-journal.c — the alarm journal: persisted, reloaded, filtered,
 * exported as CSV, bounded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-alarm-journal"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mimic-alarm-journal.h"
#include "mimic-test-utils.h"

#define T0 (G_GINT64_CONSTANT (1764172800) * G_USEC_PER_SEC)

typedef MimicTestTempFile Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  mimic_test_temp_file_init (fixture, "mimic-alarm-journal-XXXXXX", "alarms.db");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  mimic_test_temp_file_clear (fixture);
}

static void
append (MimicAlarmJournal   *journal,
        gint64               timestamp_us,
        const char          *device,
        const char          *sensor,
        MimicAlarmCondition  condition,
        MimicAlarmPriority   priority,
        MimicAlarmState      old_state,
        MimicAlarmState      new_state,
        double               value,
        const char          *operator_name,
        const char          *comment)
{
  MimicAlarmJournalEntry entry = {
    .timestamp_us = timestamp_us,
    .device_id = (char *) device,
    .sensor_id = (char *) sensor,
    .condition = condition,
    .priority = priority,
    .old_state = old_state,
    .new_state = new_state,
    .value = value,
    .operator_name = (char *) operator_name,
    .comment = (char *) comment,
  };

  mimic_alarm_journal_append (journal, &entry);
}

static void
fill (MimicAlarmJournal *journal)
{
  append (journal, T0, "pump-001", "bearing_de_temp", MIMIC_ALARM_CONDITION_HI, MIMIC_ALARM_PRIORITY_MEDIUM,
          MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 86.25, NULL, NULL);
  append (journal, T0 + G_USEC_PER_SEC, "pump-002", "flow", MIMIC_ALARM_CONDITION_LOLO, MIMIC_ALARM_PRIORITY_HIGH,
          MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 12, NULL, NULL);
  append (journal, T0 + 2 * G_USEC_PER_SEC, "pump-001", "bearing_de_temp", MIMIC_ALARM_CONDITION_HI, MIMIC_ALARM_PRIORITY_MEDIUM,
          MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED, 86.5,
          "Zoë \"night shift\"", "Seen, greasing at 14:00,\nthen recheck");
  append (journal, T0 + 3 * G_USEC_PER_SEC, "rack-001", "module_05_temp", MIMIC_ALARM_CONDITION_DEVIATION, MIMIC_ALARM_PRIORITY_LOW,
          MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_SHELVED, NAN, "ops", "maintenance");
}

/* Written by one instance, read back by a second after the first closed. */
static void
test_persisted (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  MimicAlarmJournal *journal;
  MimicAlarmJournalEntry *row;

  journal = mimic_alarm_journal_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_alarm_journal_get_path (journal), ==, fixture->path);
  fill (journal);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mimic_alarm_journal_get_n_failed (journal), ==, 0);
  /* Rows queued and not flushed are written before the journal closes. */
  append (journal, T0 + 4 * G_USEC_PER_SEC, "pump-003", "vibration", MIMIC_ALARM_CONDITION_HIHI, MIMIC_ALARM_PRIORITY_CRITICAL,
          MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 7.5, NULL, NULL);
  g_assert_finalize_object (journal);

  journal = mimic_alarm_journal_open (fixture->path, &error);
  g_assert_no_error (error);
  rows = mimic_alarm_journal_query (journal, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 5);

  /* Newest first. */
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->device_id, ==, "pump-003");
  g_assert_cmpint (row->priority, ==, MIMIC_ALARM_PRIORITY_CRITICAL);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->device_id, ==, "rack-001");
  g_assert_cmpint (row->condition, ==, MIMIC_ALARM_CONDITION_DEVIATION);
  g_assert_cmpint (row->new_state, ==, MIMIC_ALARM_STATE_SHELVED);
  g_assert_true (isnan (row->value));
  row = g_ptr_array_index (rows, 2);
  g_assert_cmpint (row->timestamp_us, ==, T0 + 2 * G_USEC_PER_SEC);
  g_assert_cmpstr (row->sensor_id, ==, "bearing_de_temp");
  g_assert_cmpint (row->old_state, ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpint (row->new_state, ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);
  g_assert_cmpfloat (row->value, ==, 86.5);
  g_assert_cmpstr (row->operator_name, ==, "Zoë \"night shift\"");
  g_assert_cmpstr (row->comment, ==, "Seen, greasing at 14:00,\nthen recheck");
  row = g_ptr_array_index (rows, 4);
  g_assert_null (row->operator_name);
  g_assert_null (row->comment);

  g_assert_finalize_object (journal);
}

static void
test_filter (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAlarmJournal) journal = mimic_alarm_journal_open (fixture->path, &error);
  MimicAlarmJournalFilter filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;
  GPtrArray *rows;

  g_assert_no_error (error);
  fill (journal);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));

  filter.device_id = "pump-001";
  rows = mimic_alarm_journal_query (journal, &filter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_ptr_array_unref (rows);

  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.min_priority = MIMIC_ALARM_PRIORITY_HIGH;
  rows = mimic_alarm_journal_query (journal, &filter, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((MimicAlarmJournalEntry *) g_ptr_array_index (rows, 0))->sensor_id, ==, "flow");
  g_ptr_array_unref (rows);

  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.condition = MIMIC_ALARM_CONDITION_DEVIATION;
  rows = mimic_alarm_journal_query (journal, &filter, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_ptr_array_unref (rows);

  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.since_us = T0 + G_USEC_PER_SEC;
  filter.until_us = T0 + 2 * G_USEC_PER_SEC;
  rows = mimic_alarm_journal_query (journal, &filter, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_ptr_array_unref (rows);

  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.limit = 3;
  filter.sensor_id = "bearing_de_temp";
  rows = mimic_alarm_journal_query (journal, &filter, &error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_ptr_array_unref (rows);

  /* Bad filters get an error, not a crash. */
  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.condition = 99;
  g_assert_null (mimic_alarm_journal_query (journal, &filter, &error));
  g_assert_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_INVALID);
  g_clear_error (&error);
  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.since_us = T0 + 10;
  filter.until_us = T0;
  g_assert_null (mimic_alarm_journal_query (journal, &filter, &error));
  g_assert_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_INVALID);
  g_clear_error (&error);
  filter = (MimicAlarmJournalFilter) MIMIC_ALARM_JOURNAL_FILTER_INIT;
  filter.min_priority = 42;
  g_assert_null (mimic_alarm_journal_query (journal, &filter, &error));
  g_assert_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_INVALID);
}

static void
test_csv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAlarmJournal) journal = mimic_alarm_journal_open (fixture->path, &error);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  MimicAlarmJournalFilter filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;

  g_assert_no_error (error);
  fill (journal);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));

  filter.device_id = "pump-001";
  g_assert_true (mimic_alarm_journal_export_csv (journal, &filter, output, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (output, NULL, NULL));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)));

  g_assert_cmpstr (text, ==,
                   "time,device,sensor,condition,priority,old_state,new_state,value,operator,comment\r\n"
                   "2025-11-26T16:00:02.000000Z,pump-001,bearing_de_temp,hi,medium,active-unacknowledged,"
                   "active-acknowledged,86.5,\"Zoë \"\"night shift\"\"\",\"Seen, greasing at 14:00,\nthen recheck\"\r\n"
                   "2025-11-26T16:00:00.000000Z,pump-001,bearing_de_temp,hi,medium,normal,"
                   "active-unacknowledged,86.25,,\r\n");

  /* The field quoting on its own. */
  {
    g_autofree char *plain = mimic_alarm_journal_csv_field ("plain");
    g_autofree char *quoted = mimic_alarm_journal_csv_field ("a\"b");
    g_autofree char *cr = mimic_alarm_journal_csv_field ("a\rb");
    g_autofree char *empty = mimic_alarm_journal_csv_field (NULL);

    g_assert_cmpstr (plain, ==, "plain");
    g_assert_cmpstr (quoted, ==, "\"a\"\"b\"");
    g_assert_cmpstr (cr, ==, "\"a\rb\"");
    g_assert_cmpstr (empty, ==, "");
  }
}

/* The oldest go beyond the row limit and beyond the age limit. */
static void
test_retention (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAlarmJournal) journal = mimic_alarm_journal_open (fixture->path, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) aged = NULL;

  g_assert_no_error (error);
  mimic_alarm_journal_set_retention (journal, 5, 0);
  for (guint i = 0; i < 20; i++)
    append (journal, T0 + i * G_USEC_PER_SEC, "pump-001", "flow", MIMIC_ALARM_CONDITION_LO, MIMIC_ALARM_PRIORITY_MEDIUM,
            MIMIC_ALARM_STATE_NORMAL, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, i, NULL, NULL);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));
  rows = mimic_alarm_journal_query (journal, NULL, &error);
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_cmpfloat (((MimicAlarmJournalEntry *) g_ptr_array_index (rows, 0))->value, ==, 19);
  g_assert_cmpfloat (((MimicAlarmJournalEntry *) g_ptr_array_index (rows, 4))->value, ==, 15);

  mimic_alarm_journal_set_retention (journal, 0, G_TIME_SPAN_HOUR);
  append (journal, T0 + G_TIME_SPAN_HOUR + 17 * G_USEC_PER_SEC, "pump-001", "flow", MIMIC_ALARM_CONDITION_LO,
          MIMIC_ALARM_PRIORITY_MEDIUM, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED,
          40, NULL, NULL);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));
  aged = mimic_alarm_journal_query (journal, NULL, &error);
  /* 17, 18, 19 are within the hour before the newest. */
  g_assert_cmpuint (aged->len, ==, 4);
}

static void
on_query (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GPtrArray **rows = user_data;
  g_autoptr(GError) error = NULL;

  *rows = mimic_alarm_journal_query_finish (MIMIC_ALARM_JOURNAL (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAlarmJournal) journal = mimic_alarm_journal_open (fixture->path, &error);
  MimicAlarmJournalFilter filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_no_error (error);
  fill (journal);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));

  filter.device_id = "rack-001";
  mimic_alarm_journal_query_async (journal, &filter, NULL, on_query, &rows);
  while (rows == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (rows->len, ==, 1);
}

/* A journal where no file can be: a clear error. */
static void
test_open_error (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blocker = g_build_filename (fixture->dir, "not-a-dir", NULL);
  g_autofree char *path = g_build_filename (blocker, "alarms.db", NULL);

  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  g_assert_null (mimic_alarm_journal_open (path, &error));
  g_assert_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_OPEN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/mimic/alarm-journal/persisted", test_persisted);
  ADD ("/mimic/alarm-journal/filter", test_filter);
  ADD ("/mimic/alarm-journal/csv", test_csv);
  ADD ("/mimic/alarm-journal/retention", test_retention);
  ADD ("/mimic/alarm-journal/async", test_async);
  ADD ("/mimic/alarm-journal/open-error", test_open_error);

  return g_test_run ();
}
