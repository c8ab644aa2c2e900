/* test-audit-log.c — the command audit log: rows and outcomes, queries,
 * CSV export and surviving SIGKILL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-audit-log"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "mimic-audit-log.h"

typedef struct
{
  char          *dir;
  char          *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("mimic-audit-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "audit.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (fixture->path, suffixes[i], NULL);

      g_remove (file);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} Wait;

static void
record_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = g_task_get_source_tag (G_TASK (result)) == mimic_audit_log_record_async ?
             mimic_audit_log_record_finish (NULL, result, &wait->error) :
             mimic_audit_log_record_outcome_finish (NULL, result, &wait->error);
  wait->done = TRUE;
}

static gboolean
record (MimicAuditLog  *log,
        const char     *id,
        const char     *device,
        gint64          wall_us,
        const char     *arguments,
        GError        **error)
{
  MimicAuditEntry entry = { 0 };
  Wait wait = { 0 };

  entry.id = (char *) id;
  entry.operator_name = (char *) "alice";
  entry.wall_us = wall_us;
  entry.monotonic_us = g_get_monotonic_time ();
  entry.device_id = (char *) device;
  entry.command = (char *) "set_speed";
  entry.arguments_json = (char *) arguments;
  mimic_audit_log_record_async (log, &entry, NULL, record_done, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static gboolean
record_outcome (MimicAuditLog  *log,
                const char     *id,
                const char     *outcome,
                const char     *reason,
                GError        **error)
{
  Wait wait = { 0 };

  mimic_audit_log_record_outcome_async (log, id, outcome, reason, g_get_real_time (), NULL, record_done, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static void
test_rows_and_outcomes (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = mimic_audit_log_open (fixture->path, &error);
  g_autoptr(MimicAuditEntry) entry = NULL;

  g_assert_no_error (error);
  g_assert_true (record (log, "id-1", "pump-001", 1000, "{\"speed\":1200}", &error));
  g_assert_no_error (error);

  entry = mimic_audit_log_lookup (log, "id-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (entry->operator_name, ==, "alice");
  g_assert_cmpstr (entry->arguments_json, ==, "{\"speed\":1200}");
  g_assert_null (entry->outcome);
  g_clear_pointer (&entry, mimic_audit_entry_free);

  /* The same id twice is refused; so is a second outcome. */
  g_assert_false (record (log, "id-1", "pump-001", 2000, "{}", &error));
  g_assert_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_true (record_outcome (log, "id-1", "rejected", "door open", &error));
  g_assert_false (record_outcome (log, "id-1", "acknowledged", NULL, &error));
  g_assert_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_false (record_outcome (log, "never", "acknowledged", NULL, &error));
  g_assert_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_UNKNOWN_ID);
  g_clear_error (&error);

  entry = mimic_audit_log_lookup (log, "id-1", &error);
  g_assert_cmpstr (entry->outcome, ==, "rejected");
  g_assert_cmpstr (entry->reason, ==, "door open");
  g_assert_cmpint (entry->outcome_wall_us, >, 0);
}

static void
test_query (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = mimic_audit_log_open (fixture->path, &error);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) pump = NULL;
  g_autoptr(GPtrArray) window = NULL;
  g_autoptr(GPtrArray) newest = NULL;

  g_assert_true (record (log, "a", "pump-001", 1000, "{}", NULL));
  g_assert_true (record (log, "b", "rack-001", 2000, "{}", NULL));
  g_assert_true (record (log, "c", "pump-001", 3000, "{}", NULL));

  all = mimic_audit_log_query (log, NULL, 0, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpstr (((MimicAuditEntry *) all->pdata[0])->id, ==, "c");
  g_assert_cmpstr (((MimicAuditEntry *) all->pdata[2])->id, ==, "a");
  pump = mimic_audit_log_query (log, "pump-001", 0, 0, 0, NULL);
  g_assert_cmpuint (pump->len, ==, 2);
  window = mimic_audit_log_query (log, NULL, 1500, 2500, 0, NULL);
  g_assert_cmpuint (window->len, ==, 1);
  g_assert_cmpstr (((MimicAuditEntry *) window->pdata[0])->id, ==, "b");
  newest = mimic_audit_log_query (log, NULL, 0, 0, 1, NULL);
  g_assert_cmpuint (newest->len, ==, 1);
  g_assert_cmpstr (((MimicAuditEntry *) newest->pdata[0])->id, ==, "c");
}

static void
test_csv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = mimic_audit_log_open (fixture->path, &error);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autofree char *text = NULL;
  g_autofree char *plain = mimic_audit_csv_field ("plain");
  g_autofree char *quoted = mimic_audit_csv_field ("say \"hi\", twice\nnow");
  g_autofree char *empty = mimic_audit_csv_field (NULL);

  g_assert_cmpstr (plain, ==, "plain");
  g_assert_cmpstr (quoted, ==, "\"say \"\"hi\"\", twice\nnow\"");
  g_assert_cmpstr (empty, ==, "");

  g_assert_true (record (log, "x", "pump-001", 1700000000123456, "{\"speed\":1200,\"mode\":\"a\"}", NULL));
  g_assert_true (record_outcome (log, "x", "rejected", "too fast, \"really\"", NULL));

  g_assert_true (mimic_audit_log_export_csv (log, output, NULL, 0, 0, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (output, "", 1, NULL, NULL, NULL);
  g_output_stream_close (output, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (output));
  g_test_message ("%s", text);

  g_assert_true (g_str_has_prefix (text, "time,monotonic_us,operator,device,command,arguments,id,outcome,reason,outcome_time\r\n"));
  g_assert_nonnull (strstr (text, "\r\n2023-11-14T22:13:20.123456Z,"));
  g_assert_nonnull (strstr (text, ",alice,pump-001,set_speed,\"{\"\"speed\"\":1200,\"\"mode\"\":\"\"a\"\"}\",x,rejected,"
                                  "\"too fast, \"\"really\"\"\","));
  g_assert_true (g_str_has_suffix (text, "Z\r\n"));
}

static void
test_pragmas (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = mimic_audit_log_open (fixture->path, &error);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  /* A log in a folder that cannot be made fails with a clear error. */
  g_clear_object (&log);
  log = mimic_audit_log_open ("/proc/mimic-no/audit.db", &error);
  g_assert_null (log);
  g_assert_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_OPEN);
}

/* Kill a writer at random moments: no row it was told is durable may be
 * missing and the file must stay sound. */
static void
test_survives_sigkill (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) confirmed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "audit-log-writer-child", NULL);
  g_autoptr(MimicAuditLog) log = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint missing = 0;

  for (guint round = 0; round < 6; round++)
    {
      g_autoptr(GSubprocess) process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, child,
                                                         fixture->path, NULL);
      g_autoptr(GDataInputStream) lines = NULL;
      gint64 kill_at = g_get_monotonic_time () + g_test_rand_int_range (50, 400) * 1000;
      char *line;

      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      while (g_get_monotonic_time () < kill_at &&
             (line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
        g_ptr_array_add (confirmed, line);
      g_subprocess_send_signal (process, SIGKILL);
      /* Ids printed before the kill landed count too. */
      while ((line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
        g_ptr_array_add (confirmed, line);
      g_subprocess_wait (process, NULL, NULL);
    }
  g_assert_cmpuint (confirmed->len, >, 0);
  g_test_message ("%u rows confirmed across 6 kills", confirmed->len);

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  log = mimic_audit_log_open (fixture->path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < confirmed->len; i++)
    {
      g_autoptr(MimicAuditEntry) entry = mimic_audit_log_lookup (log, confirmed->pdata[i], NULL);

      missing += entry == NULL;
    }
  g_assert_cmpuint (missing, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mimic/audit-log/rows-and-outcomes", Fixture, NULL, fixture_set_up, test_rows_and_outcomes, fixture_tear_down);
  g_test_add ("/mimic/audit-log/query", Fixture, NULL, fixture_set_up, test_query, fixture_tear_down);
  g_test_add ("/mimic/audit-log/csv", Fixture, NULL, fixture_set_up, test_csv, fixture_tear_down);
  g_test_add ("/mimic/audit-log/pragmas", Fixture, NULL, fixture_set_up, test_pragmas, fixture_tear_down);
  g_test_add ("/mimic/audit-log/survives-sigkill", Fixture, NULL, fixture_set_up, test_survives_sigkill, fixture_tear_down);

  return g_test_run ();
}
