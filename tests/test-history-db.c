/* test-history-db.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "mimic-history-db.h"
#include "mimic-test-utils.h"
#include "mimic-twin-store.h"

typedef MimicTestTempFile Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  mimic_test_temp_file_init (fixture, "mimic-history-db-XXXXXX", "history.db");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  mimic_test_temp_file_clear (fixture);
}

static gint64
count_rows (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return value;
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (mimic_twin_store_load_history_finish (MIMIC_TWIN_STORE (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_history_db_persist_and_reload (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = mimic_history_db_open (fixture->path, &error);
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(MimicHistoryDb) reopened = NULL;
  g_autoptr(MimicTwinStore) restarted = NULL;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  gint64 now = g_get_real_time ();
  MimicTwinDevice *device;
  MimicSensorReading reading;
  gboolean done = FALSE;
  guint64 total = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (mimic_history_db_get_path (db), ==, fixture->path);
  mimic_twin_store_set_history_db (store, db);
  g_assert_true (mimic_twin_store_get_history_db (store) == db);

  /* An hour of minute samples three hours ago, then 100 recent ones. */
  for (int i = 0; i < 60; i++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      mimic_update_batch_add_sample (batch, "pump-001", "flow",
                                     now - 3 * G_TIME_SPAN_HOUR + i * G_TIME_SPAN_MINUTE, i,
                                     MIMIC_QUALITY_GOOD);
      mimic_twin_store_apply_batch (store, batch);
    }
  for (int i = 0; i < 100; i++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

      mimic_update_batch_add_sample (batch, "pump-001", "flow",
                                     now - 100 * G_TIME_SPAN_SECOND + i * G_TIME_SPAN_SECOND,
                                     1000 + i, MIMIC_QUALITY_GOOD);
      mimic_update_batch_add_sample (batch, "rack-001", "soc", now - 100 * G_TIME_SPAN_SECOND + i * G_TIME_SPAN_SECOND,
                                     50, MIMIC_QUALITY_GOOD);
      mimic_twin_store_apply_batch (store, batch);
    }

  mimic_history_db_sync (db);
  g_assert_cmpuint (mimic_history_db_get_n_written (db), ==, 260);
  g_assert_cmpuint (mimic_history_db_get_n_dropped (db), ==, 0);
  g_assert_cmpuint (mimic_history_db_get_n_failed (db), ==, 0);
  g_clear_object (&store);
  mimic_history_db_close (db);
  g_clear_object (&db);

  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM samples"), ==, 260);
  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), ==, 1);

  /* A second console starts and reloads. */
  reopened = mimic_history_db_open (fixture->path, &error);
  g_assert_no_error (error);
  restarted = mimic_twin_store_new ();
  mimic_twin_store_set_history_db (restarted, reopened);
  mimic_twin_store_load_history_async (restarted, NULL, on_loaded, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (restarted)), ==, 2);
  device = mimic_twin_store_lookup (restarted, "pump-001");
  g_assert_nonnull (device);
  g_assert_cmpint (mimic_twin_device_get_presence (device), ==, MIMIC_PRESENCE_UNKNOWN);

  /* The last value is back, marked as not live. */
  g_assert_true (mimic_twin_device_get_sensor (device, "flow", &reading));
  g_assert_cmpfloat (reading.value, ==, 1099);
  g_assert_cmpint (reading.quality, ==, MIMIC_QUALITY_STALE);

  /* The recent samples raw, the older hour as minute buckets. */
  mimic_history_query (mimic_twin_device_get_history (device, "flow"),
                       now - 100 * G_TIME_SPAN_SECOND, now, 200, out);
  g_assert_cmpuint (out->len, ==, 100);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 99).max, ==, 1099);

  g_array_set_size (out, 0);
  mimic_history_query (mimic_twin_device_get_history (device, "flow"),
                       now - 4 * G_TIME_SPAN_HOUR, now, 500, out);
  for (guint i = 0; i < out->len; i++)
    total += g_array_index (out, MimicHistoryBucket, i).count;
  g_assert_cmpuint (total, ==, 160);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).min, ==, 0);
}

static void
test_history_db_retention (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = mimic_history_db_open (fixture->path, &error);
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  gint64 now = g_get_real_time ();
  gint64 speed_start = now - 8 * G_TIME_SPAN_DAY;
  gint64 speed_minutes = (speed_start + 4999 * G_TIME_SPAN_SECOND) / G_TIME_SPAN_MINUTE -
                         speed_start / G_TIME_SPAN_MINUTE + 1;

  g_assert_no_error (error);

  mimic_update_batch_add_sample (batch, "pump-001", "flow", now - 10 * G_TIME_SPAN_DAY, 1, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "flow", now - 5 * G_TIME_SPAN_DAY, 2, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "flow", now, 3, MIMIC_QUALITY_GOOD);
  /* From a clock a day ahead: not stored, counted as dropped. */
  mimic_update_batch_add_sample (batch, "pump-001", "flow", now + G_TIME_SPAN_DAY, 4, MIMIC_QUALITY_GOOD);
  /* More old rows than one delete batch takes, a second apart. */
  for (int i = 0; i < 5000; i++)
    mimic_update_batch_add_sample (batch, "pump-001", "speed",
                                   speed_start + i * G_TIME_SPAN_SECOND, i,
                                   MIMIC_QUALITY_GOOD);
  mimic_history_db_queue_batch (db, batch);
  mimic_history_db_sync (db);

  g_assert_cmpuint (mimic_history_db_get_n_written (db), ==, 5003);
  g_assert_cmpuint (mimic_history_db_get_n_dropped (db), ==, 1);
  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM samples"), ==, 5003);
  /* One minute row per flow sample, 84 or 85 for 5000 s of speed. */
  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM rollups"), ==, 3 + speed_minutes);
  g_assert_cmpint (count_rows (fixture->path, "SELECT sum(count) FROM rollups"), ==, 5003);

  /* Raw samples for 7 days, minute rollups for 9. */
  mimic_history_db_set_retention (db, 7 * G_TIME_SPAN_DAY, 9 * G_TIME_SPAN_DAY);
  mimic_history_db_run_retention (db);

  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM samples"), ==, 2);
  g_assert_cmpint (count_rows (fixture->path, "SELECT min(value) FROM samples"), ==, 2);
  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM rollups"), ==, 2 + speed_minutes);
}

static void
test_history_db_corrupt_file (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = NULL;
  g_autofree char *garbage = g_strnfill (8192, 'x');
  g_autofree char *foreign = g_build_filename (fixture->dir, "foreign.db", NULL);
  sqlite3 *other = NULL;

  g_assert_true (g_file_set_contents (fixture->path, garbage, -1, NULL));
  db = mimic_history_db_open (fixture->path, &error);
  g_assert_null (db);
  g_assert_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_clear_error (&error);

  /* Another program's database is not written into. */
  g_assert_cmpint (sqlite3_open (foreign, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "CREATE TABLE notes (text TEXT)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);
  db = mimic_history_db_open (foreign, &error);
  g_assert_null (db);
  g_assert_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT);
  g_assert_cmpint (count_rows (foreign, "SELECT count(*) FROM sqlite_schema"), ==, 1);
}

static void
test_history_db_unwritable_directory (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = NULL;
  g_autofree char *file = g_build_filename (fixture->dir, "a-file", NULL);
  g_autofree char *inside = g_build_filename (file, "sub", "history.db", NULL);

  /* A regular file where the folder should be: no permission trick, so it
   * fails for root as well. */
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  db = mimic_history_db_open (inside, &error);
  g_assert_null (db);
  g_assert_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);

  /* A folder where the file should be. */
  db = mimic_history_db_open (fixture->dir, &error);
  g_assert_null (db);
  g_assert_true (error != NULL && error->domain == MIMIC_HISTORY_ERROR);
}

static void
on_opened (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  MimicHistoryDb **db = user_data;
  g_autoptr(GError) error = NULL;

  *db = mimic_history_db_open_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_history_db_default_location (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = NULL;
  g_autofree char *expected = g_build_filename (g_getenv ("MIMIC_STATE_DIR"), "history.db", NULL);

  /* main() pointed MIMIC_STATE_DIR at a folder that does not exist yet. */
  g_assert_false (g_file_test (g_getenv ("MIMIC_STATE_DIR"), G_FILE_TEST_EXISTS));
  mimic_history_db_open_async (NULL, NULL, on_opened, &db);
  while (db == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (mimic_history_db_get_path (db), ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));

  /* Closed, it takes nothing more and says so. */
  mimic_history_db_close (db);
  {
    g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

    mimic_update_batch_add_sample (batch, "d", "s", 1, 1, MIMIC_QUALITY_GOOD);
    mimic_history_db_queue_batch (db, batch);
    g_assert_cmpuint (mimic_history_db_get_n_dropped (db), ==, 1);
  }
}

static void
on_load_failed (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (mimic_twin_store_load_history_finish (MIMIC_TWIN_STORE (object), result, error));
}

static void
test_history_db_reload_needs_database (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(GError) error = NULL;

  mimic_twin_store_load_history_async (store, NULL, on_load_failed, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_NO_DATABASE);
}

static void
test_history_db_kill_9 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "history-writer-child", NULL);
  const char *argv[] = { child, fixture->path, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *line = NULL;
  g_autoptr(MimicHistoryDb) db = NULL;
  GPid pid;
  int out_fd, status;
  gint64 killed_at, newest, n_rows, max_value, min_value;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);

  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_assert_cmpint (g_io_channel_read_line (channel, &line, NULL, NULL, &error), ==, G_IO_STATUS_NORMAL);
  g_assert_cmpstr (line, ==, "ready\n");

  /* Let it write for a while, then kill it in the middle of its work. */
  g_usleep (2 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  killed_at = g_get_real_time ();
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_spawn_close_pid (pid);

  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), ==, 1);
  g_assert_cmpint (count_rows (fixture->path, "SELECT count(*) FROM pragma_integrity_check"), ==, 1);

  n_rows = count_rows (fixture->path, "SELECT count(*) FROM samples");
  min_value = count_rows (fixture->path, "SELECT min(value) FROM samples");
  max_value = count_rows (fixture->path, "SELECT max(value) FROM samples");
  newest = count_rows (fixture->path, "SELECT max(ts) FROM samples");
  g_test_message ("%" G_GINT64_FORMAT " samples survived; the newest was made %" G_GINT64_FORMAT " ms before the kill",
                  n_rows, (killed_at - newest) / 1000);

  /* No holes: every sample up to the newest committed one is there ... */
  g_assert_cmpint (n_rows, >, 100);
  g_assert_cmpint (min_value, ==, 0);
  g_assert_cmpint (max_value, ==, n_rows - 1);
  /* ... and at most the last second is lost. */
  g_assert_cmpint (killed_at - newest, <=, G_TIME_SPAN_SECOND);

  /* And Mimic opens it as usual. */
  db = mimic_history_db_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (db);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state_root = g_dir_make_tmp ("mimic-history-state-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (state_root, "nested", "mimic", NULL);
  int status;

  /* Set before any thread exists: setenv is not thread-safe. */
  g_setenv ("MIMIC_STATE_DIR", state, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mimic/history-db/persist-and-reload", Fixture, NULL,
              fixture_set_up, test_history_db_persist_and_reload, fixture_tear_down);
  g_test_add ("/mimic/history-db/retention", Fixture, NULL,
              fixture_set_up, test_history_db_retention, fixture_tear_down);
  g_test_add ("/mimic/history-db/corrupt-file", Fixture, NULL,
              fixture_set_up, test_history_db_corrupt_file, fixture_tear_down);
  g_test_add ("/mimic/history-db/unwritable-directory", Fixture, NULL,
              fixture_set_up, test_history_db_unwritable_directory, fixture_tear_down);
  g_test_add ("/mimic/history-db/default-location", Fixture, NULL,
              fixture_set_up, test_history_db_default_location, fixture_tear_down);
  g_test_add_func ("/mimic/history-db/reload-needs-database", test_history_db_reload_needs_database);
  g_test_add ("/mimic/history-db/kill-9", Fixture, NULL,
              fixture_set_up, test_history_db_kill_9, fixture_tear_down);

  status = g_test_run ();
  mimic_test_remove_tree (state_root);

  return status;
}
