/* test-cli-audit.c — `mimic-cli audit` and `mimic-cli alarms` read real
 * SQLite files written by the audit log and the alarm journal; their CSV is
 * parsed back as RFC 4180 and must give the stored text unchanged
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-audit"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "mimic-alarm-journal.h"
#include "mimic-audit-log.h"

/* Arguments and comments as operators and devices write them. */
#define NASTY_ARGUMENTS "{\"note\":\"a, b \\\"quoted\\\"\\nsecond line\",\"speed\":900}"
#define NASTY_REASON "interlock: door open, \"really\"\r\nsee the log"
#define NASTY_COMMENT "checked, \"fine\"\nby the pump"

typedef struct
{
  char *dir;
  char *audit_path;
  char *journal_path;
} Fixture;

static void
remove_database (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("mimic-cli-audit-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);
  fixture->journal_path = g_build_filename (fixture->dir, "alarms.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_database (fixture->audit_path);
  remove_database (fixture->journal_path);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->audit_path);
  g_free (fixture->journal_path);
}

static void
wait_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_get_source_tag (G_TASK (result)) == mimic_audit_log_record_async)
    mimic_audit_log_record_finish (MIMIC_AUDIT_LOG (source), result, &error);
  else
    mimic_audit_log_record_outcome_finish (MIMIC_AUDIT_LOG (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

static void
record (MimicAuditLog *log,
        const char    *id,
        const char    *device_id,
        gint64         wall_us,
        const char    *arguments,
        const char    *outcome,
        const char    *reason)
{
  MimicAuditEntry entry = { 0 };
  gboolean done = FALSE;

  entry.id = (char *) id;
  entry.operator_name = (char *) "alice";
  entry.wall_us = wall_us;
  entry.monotonic_us = g_get_monotonic_time ();
  entry.device_id = (char *) device_id;
  entry.command = (char *) "set_speed";
  entry.arguments_json = (char *) arguments;
  mimic_audit_log_record_async (log, &entry, NULL, wait_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  if (outcome == NULL)
    return;
  done = FALSE;
  mimic_audit_log_record_outcome_async (log, id, outcome, reason, wall_us + 1000, NULL, wait_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs mimic-cli with @arguments (NULL-terminated); returns its status. */
static int
run_cli (char       **out,
         char       **err,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *out_bytes = NULL, *err_bytes = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL));
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  /* Bytes, not UTF-8 text: CSV line ends must arrive untouched. */
  g_subprocess_communicate (process, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  *out = g_strndup (g_bytes_get_data (out_bytes, NULL), g_bytes_get_size (out_bytes));
  *err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  g_bytes_unref (out_bytes);
  g_bytes_unref (err_bytes);
  g_test_message ("%s%s", *out, *err);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* An RFC 4180 reader, strict: records end with CRLF, a quoted field is
 * quoted from its first to its last character, quotes inside are doubled,
 * and every record has as many fields as the header. Returns GStrv rows. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;

  g_assert_true (g_str_has_suffix (text, "\r\n"));
  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; ; p++)
            {
              g_assert_true (*p != '\0');
              if (p[0] == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (p[0] == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          /* After the closing quote only a separator may follow. */
          g_assert_true (*p == ',' || (p[0] == '\r' && p[1] == '\n'));
        }
      else
        {
          while (*p != ',' && *p != '\r' && *p != '\0')
            {
              /* Unquoted fields hold no quote and no line break. */
              g_assert_true (*p != '"' && *p != '\n');
              g_string_append_c (field, *p++);
            }
        }

      g_ptr_array_add (fields, g_string_free (g_steal_pointer (&field), FALSE));
      field = g_string_new (NULL);
      if (*p == ',')
        p++;
      else
        {
          g_assert_true (p[0] == '\r' && p[1] == '\n');
          p += 2;
          g_ptr_array_add (fields, NULL);
          /* Stealing leaves @fields empty for the next record. */
          g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
        }
    }

  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (g_strv_length (g_ptr_array_index (rows, i)), ==, g_strv_length (g_ptr_array_index (rows, 0)));
  return rows;
}

static int
column (GPtrArray  *rows,
        const char *name)
{
  char **header = g_ptr_array_index (rows, 0);

  for (int i = 0; header[i] != NULL; i++)
    if (strcmp (header[i], name) == 0)
      return i;
  g_assert_not_reached ();
}

static const char *
cell (GPtrArray  *rows,
      guint       row,
      const char *name)
{
  char **fields = g_ptr_array_index (rows, row);

  return fields[column (rows, name)];
}

static void
test_audit (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = mimic_audit_log_open (fixture->audit_path, &error);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 now_us = g_get_real_time ();

  g_assert_no_error (error);
  /* An old row, a nasty one and one still waiting for its outcome. */
  record (log, "old-1", "pump-001", 1700000000000000, "{\"speed\":100}", "acknowledged", NULL);
  record (log, "nasty-2", "pump-001", now_us - 60 * G_USEC_PER_SEC, NASTY_ARGUMENTS, "rejected", NASTY_REASON);
  record (log, "open-3", "rack-001", now_us - 30 * G_USEC_PER_SEC, "{}", NULL, NULL);
  mimic_audit_log_flush (log);

  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, "--csv", NULL), ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 4);
  /* Newest first, every field back as stored. */
  g_assert_cmpstr (cell (rows, 1, "id"), ==, "open-3");
  g_assert_cmpstr (cell (rows, 1, "outcome"), ==, "");
  g_assert_cmpstr (cell (rows, 2, "id"), ==, "nasty-2");
  g_assert_cmpstr (cell (rows, 2, "arguments"), ==, NASTY_ARGUMENTS);
  g_assert_cmpstr (cell (rows, 2, "reason"), ==, NASTY_REASON);
  g_assert_cmpstr (cell (rows, 2, "outcome"), ==, "rejected");
  g_assert_cmpstr (cell (rows, 2, "operator"), ==, "alice");
  g_assert_cmpstr (cell (rows, 3, "time"), ==, "2023-11-14T22:13:20.000000Z");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Filters: a device; a span back; a date and time. */
  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, "--csv", "--device", "rack-001", NULL),
                   ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (cell (rows, 1, "device"), ==, "rack-001");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, "--csv", "--since", "45s", NULL), ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (cell (rows, 1, "id"), ==, "open-3");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, "--csv", "--since",
                            "2024-01-01T00:00:00Z", "--device", "pump-001", NULL), ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (cell (rows, 1, "id"), ==, "nasty-2");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* For people: one line per row however many line breaks a reason has. */
  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, NULL), ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_true (g_str_has_suffix (lines[0], " no-outcome alice rack-001 set_speed {} open-3"));
    g_assert_nonnull (strstr (lines[1], " rejected alice pump-001 set_speed "));
    g_assert_nonnull (strstr (lines[1], "interlock: door open, \"really\"  see the log"));
    g_assert_true (g_str_has_prefix (lines[2], "2023-11-14T22:13:20Z acknowledged"));
    g_assert_cmpstr (lines[3], ==, "");
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "audit", "--db", fixture->audit_path, "--limit", "1", NULL), ==, 0);
  g_assert_cmpuint (strlen (out) > 0 && strchr (out, '\n') == out + strlen (out) - 1, ==, TRUE);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
}

static void
test_bad_usage (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.db", NULL);
  g_autofree char *garbage = g_build_filename (fixture->dir, "garbage.db", NULL);
  const char *bad_times[] = { "yesterday", "15", "15x", "-5m", "nan", "1e300d", "2024-13-45", "" };
  const char *commands[] = { "audit", "alarms" };
  char *out = NULL, *err = NULL;

  g_assert_true (g_file_set_contents (garbage, "this is no database, just text\n", -1, &error));
  g_assert_no_error (error);

  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    {
      /* A missing file is reported and not created. */
      g_assert_cmpint (run_cli (&out, &err, commands[c], "--db", missing, NULL), ==, 1);
      g_assert_nonnull (strstr (err, missing));
      g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);

      /* Not a database: a clear error, no crash. */
      g_assert_cmpint (run_cli (&out, &err, commands[c], "--db", garbage, NULL), ==, 1);
      g_assert_true (g_str_has_prefix (err, "mimic-cli "));
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);

      for (guint i = 0; i < G_N_ELEMENTS (bad_times); i++)
        {
          g_assert_cmpint (run_cli (&out, &err, commands[c], "--db", garbage, "--since", bad_times[i], NULL), ==, 2);
          g_assert_nonnull (strstr (err, "2024-05-01"));
          g_clear_pointer (&out, g_free);
          g_clear_pointer (&err, g_free);
        }

      g_assert_cmpint (run_cli (&out, &err, commands[c], "--db", garbage, "--csv", "--limit", "3", NULL), ==, 2);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (run_cli (&out, &err, commands[c], "--db", garbage, "stray", NULL), ==, 2);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  g_remove (garbage);
}

static void
append_transition (MimicAlarmJournal *journal,
                   gint64             timestamp_us,
                   const char        *device_id,
                   MimicAlarmState    old_state,
                   MimicAlarmState    new_state,
                   double             value,
                   const char        *operator_name,
                   const char        *comment)
{
  MimicAlarmJournalEntry entry = { 0 };

  entry.timestamp_us = timestamp_us;
  entry.device_id = (char *) device_id;
  entry.sensor_id = (char *) "bearing_de_temp";
  entry.condition = MIMIC_ALARM_CONDITION_HI;
  entry.priority = MIMIC_ALARM_PRIORITY_HIGH;
  entry.old_state = old_state;
  entry.new_state = new_state;
  entry.value = value;
  entry.operator_name = (char *) operator_name;
  entry.comment = (char *) comment;
  mimic_alarm_journal_append (journal, &entry);
}

static void
test_alarms (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAlarmJournal) journal = mimic_alarm_journal_open (fixture->journal_path, &error);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 now_us = g_get_real_time ();

  g_assert_no_error (error);
  /* Within the journal's default retention of a year. */
  append_transition (journal, now_us - 10 * G_TIME_SPAN_DAY, "pump-001", MIMIC_ALARM_STATE_NORMAL,
                     MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 81.5, NULL, NULL);
  append_transition (journal, now_us - 120 * G_USEC_PER_SEC, "pump-001", MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED,
                     MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED, NAN, "bob", NASTY_COMMENT);
  append_transition (journal, now_us - 60 * G_USEC_PER_SEC, "pump-002", MIMIC_ALARM_STATE_NORMAL,
                     MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 90.25, NULL, NULL);
  g_assert_true (mimic_alarm_journal_flush (journal, &error));
  g_assert_no_error (error);

  g_assert_cmpint (run_cli (&out, &err, "alarms", "--db", fixture->journal_path, "--csv", NULL), ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (cell (rows, 1, "device"), ==, "pump-002");
  g_assert_cmpstr (cell (rows, 2, "device"), ==, "pump-001");
  g_assert_cmpstr (cell (rows, 2, "comment"), ==, NASTY_COMMENT);
  g_assert_cmpstr (cell (rows, 2, "operator"), ==, "bob");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "alarms", "--db", fixture->journal_path, "--csv", "--device", "pump-001",
                            "--since", "1h", NULL), ==, 0);
  rows = parse_csv (out);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (cell (rows, 1, "comment"), ==, NASTY_COMMENT);
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (&out, &err, "alarms", "--db", fixture->journal_path, NULL), ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_nonnull (strstr (lines[0], " pump-002/bearing_de_temp/hi high normal→active-unacknowledged 90.25"));
    g_assert_true (g_str_has_suffix (lines[1], " - bob: checked, \"fine\" by the pump"));
    g_assert_true (g_str_has_suffix (lines[2], " pump-001/bearing_de_temp/hi high normal→active-unacknowledged 81.5"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mimic/cli/audit/show-and-csv", Fixture, NULL, fixture_set_up, test_audit, fixture_tear_down);
  g_test_add ("/mimic/cli/audit/bad-usage", Fixture, NULL, fixture_set_up, test_bad_usage, fixture_tear_down);
  g_test_add ("/mimic/cli/alarms/show-and-csv", Fixture, NULL, fixture_set_up, test_alarms, fixture_tear_down);

  return g_test_run ();
}
