/* test-sqlite-writer.c — the SQLite writer thread: order, flush, errors,
 * cancellation, closing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-sqlite-writer"

#include "config.h"

#include <string.h>

#include "mimic-sqlite-writer.h"
#include "mimic-test-utils.h"

#define SCHEMA "CREATE TABLE IF NOT EXISTS items (n INTEGER NOT NULL UNIQUE);"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (test-sqlite-writer-error-quark, test_error)

typedef struct Record Record;

typedef struct
{
  MimicTestTempFile  temp;
  /* For the tests that take the writer_fixture: a writer on @temp.path
   * (NORMAL, the items table) and what its done functions saw. */
  MimicSqliteWriter *writer;
  Record            *record;
} Fixture;

/* The core logs structured messages, which g_test_expect_message() does
 * not see: the writer's warnings are caught here instead of being fatal. */
static GMutex writer_warnings_lock;
static GPtrArray *writer_warnings;

static GLogWriterOutput
catch_writer_warnings (GLogLevelFlags   log_level,
                       const GLogField *fields,
                       gsize            n_fields,
                       gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if ((log_level & G_LOG_LEVEL_WARNING) != 0 && g_strcmp0 (domain, "mimic-sqlite-writer") == 0 && message != NULL)
    {
      g_mutex_lock (&writer_warnings_lock);
      g_ptr_array_add (writer_warnings, g_strdup (message));
      g_mutex_unlock (&writer_warnings_lock);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  mimic_test_temp_file_init (&fixture->temp, "mimic-sqlite-writer-XXXXXX", "items.db");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  mimic_test_temp_file_clear (&fixture->temp);
}

/* What the done functions saw, in the order they ran. */
struct Record
{
  GMutex     lock;
  GArray    *done_order;    /* int */
  GPtrArray *errors;        /* GError or NULL per done */
  gboolean   on_other_thread;
  GThread   *test_thread;
};

static void
error_free_nullable (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static void
record_init (Record *record)
{
  g_mutex_init (&record->lock);
  record->done_order = g_array_new (FALSE, FALSE, sizeof (int));
  record->errors = g_ptr_array_new_with_free_func (error_free_nullable);
  record->test_thread = g_thread_self ();
  record->on_other_thread = TRUE;
}

static void
record_clear (Record *record)
{
  g_array_unref (record->done_order);
  g_ptr_array_unref (record->errors);
  g_mutex_clear (&record->lock);
}

static void
writer_fixture_set_up (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_set_up (fixture, data);
  fixture->record = g_new0 (Record, 1);
  record_init (fixture->record);
  fixture->writer = mimic_sqlite_writer_open (fixture->temp.path, MIMIC_SQLITE_WRITER_SYNC_NORMAL, SCHEMA, &error);
  g_assert_no_error (error);
}

static void
writer_fixture_tear_down (Fixture       *fixture,
                          gconstpointer  data)
{
  /* Closing runs what is queued, whose done functions write the record. */
  g_clear_object (&fixture->writer);
  record_clear (fixture->record);
  g_free (fixture->record);
  fixture_tear_down (fixture, data);
}

/* Holds the writer thread in a work item until the test opens it. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
} Gate;

static void
gate_init (Gate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

static void
gate_pass (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

static void
gate_clear (Gate *gate)
{
  g_cond_clear (&gate->cond);
  g_mutex_clear (&gate->lock);
}

typedef struct
{
  Record   *record;
  int       n;
  gboolean  fail;           /* fail with TEST_ERROR, having inserted nothing */
  Gate     *gate;           /* when set: pass it first */
} Work;

static Work *
work_new (Record *record,
          int     n)
{
  Work *work = g_new0 (Work, 1);

  work->record = record;
  work->n = n;
  return work;
}

static gboolean
insert_item (MimicSqliteWriter  *writer,
             sqlite3            *db,
             gpointer            data,
             GError            **error)
{
  Work *work = data;
  sqlite3_stmt *stmt;

  if (work->gate != NULL)
    gate_pass (work->gate);
  if (work->fail)
    {
      g_set_error (error, TEST_ERROR, 1, "item %d fails", work->n);
      return FALSE;
    }

  stmt = mimic_sqlite_writer_prepare (writer, "INSERT INTO items (n) VALUES (?1)", error);
  if (stmt == NULL)
    return FALSE;
  /* The same SQL gives the same prepared statement, reset. */
  g_assert_true (stmt == mimic_sqlite_writer_prepare (writer, "INSERT INTO items (n) VALUES (?1)", NULL));
  sqlite3_bind_int (stmt, 1, work->n);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_set_error (error, TEST_ERROR, 2, "%s", sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static void
item_done (gpointer      data,
           const GError *error)
{
  Work *work = data;
  Record *record = work->record;

  g_mutex_lock (&record->lock);
  g_array_append_val (record->done_order, work->n);
  g_ptr_array_add (record->errors, error != NULL ? g_error_copy (error) : NULL);
  record->on_other_thread &= g_thread_self () != record->test_thread;
  g_mutex_unlock (&record->lock);
}

static GArray *
read_items (const char *path)
{
  g_autoptr(GError) error = NULL;
  GArray *items = g_array_new (FALSE, FALSE, sizeof (int));
  sqlite3 *db = mimic_sqlite_writer_open_reader (path, TEST_ERROR, 3, &error);
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT n FROM items ORDER BY rowid", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int n = sqlite3_column_int (stmt, 0);

      g_array_append_val (items, n);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return items;
}

/* Items run and complete in the order they were queued, from any number
 * of transactions, on the writer's thread. */
static void
test_order (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicSqliteWriter *writer = fixture->writer;
  g_autoptr(GArray) items = NULL;
  Record *record = fixture->record;

  g_assert_cmpstr (mimic_sqlite_writer_get_path (writer), ==, fixture->temp.path);

  for (int n = 0; n < 500; n++)
    {
      mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, n), g_free);
      /* Now and then let the writer wake, so there are several batches. */
      if (n % 97 == 0)
        g_usleep (1000);
    }
  g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (record->done_order->len, ==, 500);
  for (int n = 0; n < 500; n++)
    {
      g_assert_cmpint (g_array_index (record->done_order, int, n), ==, n);
      g_assert_null (g_ptr_array_index (record->errors, n));
    }
  g_assert_true (record->on_other_thread);

  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, 500);
  for (int n = 0; n < 500; n++)
    g_assert_cmpint (g_array_index (items, int, n), ==, n);
  g_assert_cmpuint (mimic_sqlite_writer_get_n_failed (writer), ==, 0);

}

typedef struct
{
  MimicSqliteWriter *writer;
  Record            *record;
  gboolean           done;
  gboolean           ok;
  GError            *error;
  guint              n_done_seen;   /* done functions run before the flush completed */
} FlushWait;

static void
flush_done (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  FlushWait *wait = user_data;

  g_mutex_lock (&wait->record->lock);
  wait->n_done_seen = wait->record->done_order->len;
  g_mutex_unlock (&wait->record->lock);
  wait->ok = mimic_sqlite_writer_flush_finish (wait->writer, result, &wait->error);
  wait->done = TRUE;
}

static void
start_flush (MimicSqliteWriter *writer,
             GCancellable      *cancellable,
             FlushWait         *wait)
{
  wait->writer = writer;
  mimic_sqlite_writer_flush_async (writer, cancellable, flush_done, wait);
}

/* A blocking flush succeeds, and then @n_done done functions have run and
 * the file has @n_rows rows. */
static void
assert_flush_leaves (Fixture *fixture,
                     guint    n_done,
                     guint    n_rows)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = NULL;

  g_assert_true (mimic_sqlite_writer_flush (fixture->writer, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->record->done_order->len, ==, n_done);
  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, n_rows);
}

/* Queues item @n, which holds the writer thread at @gate. */
static void
queue_gated (MimicSqliteWriter *writer,
             Record            *record,
             int                n,
             Gate              *gate)
{
  Work *gated = work_new (record, n);

  gated->gate = gate;
  mimic_sqlite_writer_queue (writer, insert_item, item_done, gated, g_free);
}

/* A flush completes only once every item queued before it is done, and
 * the rows are on the file by then; the blocking flush too. */
static void
test_flush_waits (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicSqliteWriter *writer = fixture->writer;
  g_autoptr(GArray) items = NULL;
  FlushWait wait = { 0 };
  Record *record = fixture->record;
  Gate gate;

  gate_init (&gate);

  /* The first item holds the writer until the test opens the gate. */
  queue_gated (writer, record, 0, &gate);
  for (int n = 1; n < 100; n++)
    mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, n), g_free);

  wait.record = record;
  start_flush (writer, NULL, &wait);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (20 * 1000);
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (wait.done);

  gate_open (&gate);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (wait.ok);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.n_done_seen, ==, 100);
  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, 100);
  g_clear_pointer (&items, g_array_unref);

  /* Blocking: the same promise. */
  for (int n = 100; n < 200; n++)
    mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, n), g_free);
  assert_flush_leaves (fixture, 200, 200);

  gate_clear (&gate);
}

/* A cancelled flush returns at once; the items it waited for still run,
 * and a later flush still waits for them. */
static void
test_flush_cancelled (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicSqliteWriter *writer = fixture->writer;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  FlushWait wait = { 0 };
  Record *record = fixture->record;
  Gate gate;

  gate_init (&gate);

  queue_gated (writer, record, 1, &gate);

  wait.record = record;
  start_flush (writer, cancellable, &wait);
  g_cancellable_cancel (cancellable);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (wait.ok);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&wait.error);
  g_assert_cmpuint (wait.n_done_seen, ==, 0);

  /* The blocking flush with a cancellable cancelled before. */
  g_cancellable_cancel (cancelled);
  g_assert_false (mimic_sqlite_writer_flush (writer, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  gate_open (&gate);
  assert_flush_leaves (fixture, 1, 1);

  gate_clear (&gate);
}

/* A failing item gets its own error; the others of its transaction are
 * committed and the thread goes on. A failure no one waits for is logged
 * and reported by the next flush, once. */
static void
test_item_error (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicSqliteWriter *writer = fixture->writer;
  g_autoptr(GArray) items = NULL;
  const GError *item_error;
  Record *record = fixture->record;
  Work *work;


  mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, 1), g_free);
  work = work_new (record, 2);
  work->fail = TRUE;
  mimic_sqlite_writer_queue (writer, insert_item, item_done, work, g_free);
  /* The UNIQUE constraint refuses a second 1. */
  mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, 1), g_free);
  mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, 3), g_free);
  g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (record->done_order->len, ==, 4);
  g_assert_null (g_ptr_array_index (record->errors, 0));
  item_error = g_ptr_array_index (record->errors, 1);
  g_assert_error (item_error, TEST_ERROR, 1);
  item_error = g_ptr_array_index (record->errors, 2);
  g_assert_error (item_error, TEST_ERROR, 2);
  g_assert_null (g_ptr_array_index (record->errors, 3));
  g_assert_cmpuint (mimic_sqlite_writer_get_n_failed (writer), ==, 2);

  /* Without a done function. */
  work = work_new (record, 4);
  work->fail = TRUE;
  mimic_sqlite_writer_queue (writer, insert_item, NULL, work, g_free);
  g_assert_false (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_mutex_lock (&writer_warnings_lock);
  g_assert_cmpuint (writer_warnings->len, ==, 1);
  g_assert_true (g_pattern_match_simple ("Could not write 1 items to *items.db: item 4 fails",
                                         g_ptr_array_index (writer_warnings, 0)));
  g_ptr_array_set_size (writer_warnings, 0);
  g_mutex_unlock (&writer_warnings_lock);
  g_assert_error (error, TEST_ERROR, 1);
  g_clear_error (&error);
  g_assert_cmpuint (mimic_sqlite_writer_get_n_failed (writer), ==, 3);
  /* Reported once. */
  g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_assert_no_error (error);

  /* The thread goes on. */
  mimic_sqlite_writer_queue (writer, insert_item, NULL, work_new (record, 5), g_free);
  g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_assert_no_error (error);
  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, 3);
  g_assert_cmpint (g_array_index (items, int, 0), ==, 1);
  g_assert_cmpint (g_array_index (items, int, 1), ==, 3);
  g_assert_cmpint (g_array_index (items, int, 2), ==, 5);

}

/* Closing commits what is queued and was never flushed; work queued after
 * is refused with an error, not lost silently. */
static void
test_close_commits (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MimicSqliteWriter *writer = fixture->writer;
  g_autoptr(GArray) items = NULL;
  const GError *item_error;
  Record *record = fixture->record;

  for (int n = 0; n < 50; n++)
    mimic_sqlite_writer_queue (writer, insert_item, n % 2 == 0 ? item_done : NULL, work_new (record, n), g_free);
  mimic_sqlite_writer_close (writer);
  g_assert_cmpuint (record->done_order->len, ==, 25);

  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, 50);

  mimic_sqlite_writer_queue (writer, insert_item, item_done, work_new (record, 50), g_free);
  g_assert_cmpuint (record->done_order->len, ==, 26);
  item_error = g_ptr_array_index (record->errors, 25);
  g_assert_error (item_error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_CLOSED);
  /* A flush after closing has nothing to wait for. */
  g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
  g_assert_no_error (error);
  /* Closing twice is closing once. */
  mimic_sqlite_writer_close (writer);
  g_assert_finalize_object (g_steal_pointer (&fixture->writer));

  g_clear_pointer (&items, g_array_unref);
  items = read_items (fixture->temp.path);
  g_assert_cmpuint (items->len, ==, 50);
}

typedef struct
{
  gint64  synchronous;
  char   *journal_mode;
  guint   n_committed;
  gboolean committed_outside_transaction;
} Pragmas;

static gboolean
read_pragmas (MimicSqliteWriter  *writer,
              sqlite3            *db,
              gpointer            data,
              GError            **error)
{
  Pragmas *pragmas = data;
  sqlite3_stmt *stmt = mimic_sqlite_writer_prepare (writer, "PRAGMA synchronous", error);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  pragmas->synchronous = sqlite3_column_int64 (stmt, 0);
  /* Left mid-way on purpose: the writer resets it before COMMIT. */
  stmt = mimic_sqlite_writer_prepare (writer, "PRAGMA journal_mode", error);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  pragmas->journal_mode = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return TRUE;
}

static void
count_commit (MimicSqliteWriter *writer,
              sqlite3           *db,
              gpointer           user_data)
{
  Pragmas *pragmas = user_data;

  pragmas->n_committed++;
  pragmas->committed_outside_transaction = sqlite3_get_autocommit (db) != 0;
}

/* The writer's connection has WAL and the synchronous level asked for;
 * the committed function runs after the commit. */
static void
test_pragmas (Fixture       *fixture,
              gconstpointer  data)
{
  const struct { MimicSqliteWriterSync sync; gint64 expected; } cases[] = {
    { MIMIC_SQLITE_WRITER_SYNC_NORMAL, 1 },
    { MIMIC_SQLITE_WRITER_SYNC_FULL, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicSqliteWriter) writer = NULL;
      Pragmas pragmas = { -1, NULL, 0, FALSE };

      writer = mimic_sqlite_writer_open (fixture->temp.path, cases[i].sync, NULL, &error);
      g_assert_no_error (error);
      mimic_sqlite_writer_set_committed_func (writer, count_commit, &pragmas);
      mimic_sqlite_writer_queue (writer, read_pragmas, NULL, &pragmas, NULL);
      g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (pragmas.synchronous, ==, cases[i].expected);
      g_assert_cmpstr (pragmas.journal_mode, ==, "wal");
      g_assert_cmpuint (pragmas.n_committed, ==, 1);
      g_assert_true (pragmas.committed_outside_transaction);

      /* A flush with nothing queued begins no transaction. */
      g_assert_true (mimic_sqlite_writer_flush (writer, NULL, &error));
      g_assert_cmpuint (pragmas.n_committed, ==, 1);
      g_clear_object (&writer);
      g_free (pragmas.journal_mode);
    }
}

/* A folder that cannot be made, SQL that does not run and a file that is
 * not a database each fail with a clear error that names the file. */
static void
test_open_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicSqliteWriter) writer = NULL;
  g_autofree char *not_db = g_build_filename (fixture->temp.dir, "not.db", NULL);
  g_autofree char *absent = g_build_filename (fixture->temp.dir, "absent.db", NULL);
  sqlite3 *db;

  writer = mimic_sqlite_writer_open ("/proc/mimic-no/items.db", MIMIC_SQLITE_WRITER_SYNC_FULL, SCHEMA, &error);
  g_assert_null (writer);
  g_assert_error (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "/proc/mimic-no"));
  g_clear_error (&error);

  writer = mimic_sqlite_writer_open (fixture->temp.path, MIMIC_SQLITE_WRITER_SYNC_FULL, "CREATE TABLE (", &error);
  g_assert_null (writer);
  g_assert_error (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, fixture->temp.path));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (not_db, "this is not an SQLite file, and it is long enough to tell", -1, NULL));
  writer = mimic_sqlite_writer_open (not_db, MIMIC_SQLITE_WRITER_SYNC_NORMAL, SCHEMA, &error);
  g_assert_null (writer);
  g_assert_error (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN);
  g_clear_error (&error);

  /* A reader of a file that is not there: in the domain asked for. */
  db = mimic_sqlite_writer_open_reader (absent, TEST_ERROR, 7, &error);
  g_assert_null (db);
  g_assert_error (error, TEST_ERROR, 7);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  writer_warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (catch_writer_warnings, NULL, NULL);

  g_test_add ("/mimic/sqlite-writer/order", Fixture, NULL, writer_fixture_set_up, test_order, writer_fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/flush-waits", Fixture, NULL, writer_fixture_set_up, test_flush_waits, writer_fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/flush-cancelled", Fixture, NULL, writer_fixture_set_up, test_flush_cancelled, writer_fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/item-error", Fixture, NULL, writer_fixture_set_up, test_item_error, writer_fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/close-commits", Fixture, NULL, writer_fixture_set_up, test_close_commits, writer_fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/pragmas", Fixture, NULL, fixture_set_up, test_pragmas, fixture_tear_down);
  g_test_add ("/mimic/sqlite-writer/open-errors", Fixture, NULL, fixture_set_up, test_open_errors, fixture_tear_down);

  status = g_test_run ();
  g_ptr_array_unref (writer_warnings);
  return status;
}
