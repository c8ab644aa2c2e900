/* mimic-sqlite-writer.c
 *
 * The writer thread takes every item queued at the moment it wakes and
 * runs the work items in one transaction, then tells each item's outcome
 * and completes the flushes among them, in queue order. Because the queue
 * is FIFO, a flush completes after everything queued before it, and
 * closing (a quit item) commits everything queued before it.
 *
 * Completions are told only after COMMIT returned, so with
 * MIMIC_SQLITE_WRITER_SYNC_FULL a completed item is on the disk, and a
 * kill -9 right after cannot lose it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-sqlite-writer"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mimic-sqlite-writer.h"

/* How long a connection waits for another one's lock before it fails. */
#define BUSY_TIMEOUT_MS 5000

G_DEFINE_QUARK (mimic-sqlite-writer-error-quark, mimic_sqlite_writer_error)

typedef enum
{
  ITEM_WORK,
  ITEM_FLUSH,
  ITEM_QUIT,
} ItemKind;

typedef struct
{
  ItemKind                   kind;
  MimicSqliteWriterWorkFunc  work;
  MimicSqliteWriterDoneFunc  done;
  gpointer                   work_data;
  GDestroyNotify             work_data_free;
  GError                    *error;
  GTask                     *flush_task;
} Item;

/* The task data of a flush. The writer and a cancellation race to
 * complete it; whoever sets @completed first does. */
typedef struct
{
  gint          completed;   /* atomic */
  GCancellable *cancellable;
  gulong        cancelled_id;
} FlushState;

struct _MimicSqliteWriter
{
  GObject                         parent_instance;

  char                           *path;
  sqlite3                        *db;           /* the writer thread's once it runs */
  GThread                        *thread;
  GAsyncQueue                    *queue;        /* Item */
  MimicSqliteWriterCommittedFunc  committed_func;
  gpointer                        committed_data;

  /* Writer thread only: SQL text → sqlite3_stmt. */
  GHashTable                     *statements;

  GMutex                          lock;
  gboolean                        closed;
  guint64                         n_failed;
  GError                         *unreported_error;  /* for the next flush */
};

G_DEFINE_FINAL_TYPE (MimicSqliteWriter, mimic_sqlite_writer, G_TYPE_OBJECT)

static Item *
item_new (ItemKind kind)
{
  Item *item = g_new0 (Item, 1);

  item->kind = kind;
  return item;
}

static void
item_free (Item *item)
{
  if (item->work_data_free != NULL)
    item->work_data_free (item->work_data);
  g_clear_error (&item->error);
  g_clear_object (&item->flush_task);
  g_free (item);
}

static void
flush_state_free (FlushState *state)
{
  g_clear_object (&state->cancellable);
  g_free (state);
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          int          code,
          GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error_literal (error, MIMIC_SQLITE_WRITER_ERROR, code,
                           message != NULL ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

/* A statement a work function left mid-way would keep the transaction
 * from committing cleanly; reset every busy one after each item. */
static void
reset_statements (sqlite3 *db)
{
  for (sqlite3_stmt *stmt = sqlite3_next_stmt (db, NULL); stmt != NULL; stmt = sqlite3_next_stmt (db, stmt))
    if (sqlite3_stmt_busy (stmt))
      sqlite3_reset (stmt);
}

static void
run_transaction (MimicSqliteWriter *self,
                 GPtrArray         *batch)
{
  g_autoptr(GError) error = NULL;
  gboolean any_work = FALSE;

  for (guint i = 0; i < batch->len && !any_work; i++)
    any_work = ((Item *) g_ptr_array_index (batch, i))->kind == ITEM_WORK;
  if (!any_work)
    return;

  if (exec_sql (self->db, "BEGIN IMMEDIATE", MIMIC_SQLITE_WRITER_ERROR_WRITE, &error))
    {
      for (guint i = 0; i < batch->len; i++)
        {
          Item *item = g_ptr_array_index (batch, i);

          if (item->kind != ITEM_WORK)
            continue;
          if (!item->work (self, self->db, item->work_data, &item->error) && item->error == NULL)
            g_set_error (&item->error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_WRITE,
                         "%s", sqlite3_errmsg (self->db));
          reset_statements (self->db);
        }
      if (exec_sql (self->db, "COMMIT", MIMIC_SQLITE_WRITER_ERROR_WRITE, &error))
        {
          if (self->committed_func != NULL)
            self->committed_func (self, self->db, self->committed_data);
          return;
        }
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }

  /* Nothing of this transaction is on the disk: every item failed. */
  for (guint i = 0; i < batch->len; i++)
    {
      Item *item = g_ptr_array_index (batch, i);

      if (item->kind != ITEM_WORK)
        continue;
      g_clear_error (&item->error);
      item->error = g_error_copy (error);
    }
}

/* Returns whether the item failed with no one to tell. */
static gboolean
finish_work (MimicSqliteWriter *self,
             Item              *item)
{
  gboolean unwatched_failure = FALSE;

  if (item->error != NULL)
    {
      g_mutex_lock (&self->lock);
      self->n_failed++;
      if (item->done == NULL)
        {
          unwatched_failure = TRUE;
          if (self->unreported_error == NULL)
            self->unreported_error = g_error_copy (item->error);
        }
      g_mutex_unlock (&self->lock);
    }
  if (item->done != NULL)
    item->done (item->work_data, item->error);
  return unwatched_failure;
}

static void
complete_flush (MimicSqliteWriter *self,
                GTask             *task)
{
  FlushState *state = g_task_get_task_data (task);
  GError *error;

  /* Waits for a cancellation handler running in another thread. */
  if (state->cancelled_id != 0)
    g_cancellable_disconnect (state->cancellable, state->cancelled_id);
  if (!g_atomic_int_compare_and_exchange (&state->completed, FALSE, TRUE))
    return;

  g_mutex_lock (&self->lock);
  error = g_steal_pointer (&self->unreported_error);
  g_mutex_unlock (&self->lock);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* One line for a burst of failures no one waits for, not one per item;
 * logged before a flush completes, so the flush's caller sees it first. */
static void
warn_unwatched (MimicSqliteWriter  *self,
                guint              *n_unwatched,
                const GError      **first_unwatched)
{
  if (*n_unwatched > 0)
    g_warning ("Could not write %u items to %s: %s", *n_unwatched, self->path, (*first_unwatched)->message);
  *n_unwatched = 0;
  *first_unwatched = NULL;
}

static gpointer
writer_thread (gpointer data)
{
  MimicSqliteWriter *self = data;
  gboolean quit = FALSE;

  while (!quit)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
      const GError *first_unwatched = NULL;
      guint n_unwatched = 0;
      Item *item;

      g_ptr_array_add (batch, g_async_queue_pop (self->queue));
      while ((item = g_async_queue_try_pop (self->queue)) != NULL)
        g_ptr_array_add (batch, item);

      run_transaction (self, batch);

      for (guint i = 0; i < batch->len; i++)
        {
          item = g_ptr_array_index (batch, i);
          switch (item->kind)
            {
            case ITEM_WORK:
              if (finish_work (self, item) && n_unwatched++ == 0)
                first_unwatched = item->error;
              break;
            case ITEM_FLUSH:
              warn_unwatched (self, &n_unwatched, &first_unwatched);
              complete_flush (self, item->flush_task);
              break;
            case ITEM_QUIT:
              quit = TRUE;
              break;
            default:
              g_assert_not_reached ();
            }
        }
      warn_unwatched (self, &n_unwatched, &first_unwatched);
    }

  g_hash_table_remove_all (self->statements);
  return NULL;
}

static void
statement_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
mimic_sqlite_writer_finalize (GObject *object)
{
  MimicSqliteWriter *self = MIMIC_SQLITE_WRITER (object);

  mimic_sqlite_writer_close (self);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_error (&self->unreported_error);
  g_mutex_clear (&self->lock);
  g_free (self->path);

  G_OBJECT_CLASS (mimic_sqlite_writer_parent_class)->finalize (object);
}

static void
mimic_sqlite_writer_class_init (MimicSqliteWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimic_sqlite_writer_finalize;
}

static void
mimic_sqlite_writer_init (MimicSqliteWriter *self)
{
  g_mutex_init (&self->lock);
  self->queue = g_async_queue_new ();
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, statement_free);
}

static sqlite3 *
open_connection (const char  *path,
                 gboolean     read_only,
                 GQuark       error_domain,
                 int          error_code,
                 GError     **error)
{
  sqlite3 *db = NULL;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

  if (sqlite3_open_v2 (path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, error_domain, error_code, _("Could not open the database %s: %s"), path,
                   db != NULL ? sqlite3_errmsg (db) : g_strerror (ENOMEM));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  return db;
}

sqlite3 *
mimic_sqlite_writer_open_reader (const char  *path,
                                 GQuark       error_domain,
                                 int          error_code,
                                 GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return open_connection (path, TRUE, error_domain, error_code, error);
}

char *
mimic_sqlite_writer_dup_column_text (sqlite3_stmt *stmt,
                                     int           column)
{
  const unsigned char *text;

  g_return_val_if_fail (stmt != NULL, NULL);

  text = sqlite3_column_text (stmt, column);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

MimicSqliteWriter *
mimic_sqlite_writer_open (const char             *path,
                          MimicSqliteWriterSync   sync,
                          const char             *schema_sql,
                          GError                **error)
{
  g_autoptr(MimicSqliteWriter) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *thread_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (sync == MIMIC_SQLITE_WRITER_SYNC_NORMAL || sync == MIMIC_SQLITE_WRITER_SYNC_FULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MIMIC_TYPE_SQLITE_WRITER, NULL);
  self->path = g_strdup (path);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN,
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  self->db = open_connection (path, FALSE, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN, error);
  if (self->db == NULL)
    return NULL;

  if (!exec_sql (self->db, "PRAGMA journal_mode = WAL", MIMIC_SQLITE_WRITER_ERROR_OPEN, &local_error) ||
      !exec_sql (self->db,
                 sync == MIMIC_SQLITE_WRITER_SYNC_FULL ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                 MIMIC_SQLITE_WRITER_ERROR_OPEN, &local_error) ||
      (schema_sql != NULL && !exec_sql (self->db, schema_sql, MIMIC_SQLITE_WRITER_ERROR_OPEN, &local_error)))
    {
      g_set_error (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_OPEN,
                   _("Could not set up the database %s: %s"), path, local_error->message);
      return NULL;
    }

  /* Linux keeps 15 bytes of a thread name: the file's name is the part
   * that tells two writers apart. */
  base = g_path_get_basename (path);
  thread_name = g_strconcat ("sqlite:", base, NULL);
  self->thread = g_thread_new (thread_name, writer_thread, self);
  return g_steal_pointer (&self);
}

const char *
mimic_sqlite_writer_get_path (MimicSqliteWriter *self)
{
  g_return_val_if_fail (MIMIC_IS_SQLITE_WRITER (self), NULL);

  return self->path;
}

void
mimic_sqlite_writer_set_committed_func (MimicSqliteWriter              *self,
                                        MimicSqliteWriterCommittedFunc  func,
                                        gpointer                        user_data)
{
  g_return_if_fail (MIMIC_IS_SQLITE_WRITER (self));

  /* The queue's lock orders this before any item the writer pops later. */
  self->committed_func = func;
  self->committed_data = user_data;
}

/* Pushes @item unless the writer is closed; returns whether it did. */
static gboolean
push_item (MimicSqliteWriter *self,
           Item              *item)
{
  gboolean pushed;

  g_mutex_lock (&self->lock);
  pushed = !self->closed;
  if (pushed)
    g_async_queue_push (self->queue, item);
  g_mutex_unlock (&self->lock);
  return pushed;
}

void
mimic_sqlite_writer_queue (MimicSqliteWriter         *self,
                           MimicSqliteWriterWorkFunc  work,
                           MimicSqliteWriterDoneFunc  done,
                           gpointer                   work_data,
                           GDestroyNotify             work_data_free)
{
  Item *item;

  g_return_if_fail (MIMIC_IS_SQLITE_WRITER (self));
  g_return_if_fail (work != NULL);

  item = item_new (ITEM_WORK);
  item->work = work;
  item->done = done;
  item->work_data = work_data;
  item->work_data_free = work_data_free;
  if (push_item (self, item))
    return;

  g_set_error (&item->error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_CLOSED,
               "The database %s is closed", self->path);
  if (finish_work (self, item))
    g_warning ("Could not write to %s: %s", self->path, item->error->message);
  item_free (item);
}

sqlite3_stmt *
mimic_sqlite_writer_prepare (MimicSqliteWriter  *self,
                             const char         *sql,
                             GError            **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (MIMIC_IS_SQLITE_WRITER (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (g_thread_self () == self->thread, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error_literal (error, MIMIC_SQLITE_WRITER_ERROR, MIMIC_SQLITE_WRITER_ERROR_WRITE,
                           sqlite3_errmsg (self->db));
      sqlite3_finalize (stmt);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

guint64
mimic_sqlite_writer_get_n_failed (MimicSqliteWriter *self)
{
  guint64 n;

  g_return_val_if_fail (MIMIC_IS_SQLITE_WRITER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_failed;
  g_mutex_unlock (&self->lock);
  return n;
}

static void
flush_cancelled (GCancellable *cancellable,
                 GTask        *task)
{
  FlushState *state = g_task_get_task_data (task);

  if (g_atomic_int_compare_and_exchange (&state->completed, FALSE, TRUE))
    g_task_return_error_if_cancelled (task);
}

/* No source object: the writer thread may drop the task's last
 * reference, and the writer's finalizer must not run there (it joins the
 * thread). */
void
mimic_sqlite_writer_flush_async (MimicSqliteWriter   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FlushState *state;
  Item *item;

  g_return_if_fail (MIMIC_IS_SQLITE_WRITER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_sqlite_writer_flush_async);
  state = g_new0 (FlushState, 1);
  g_task_set_task_data (task, state, (GDestroyNotify) flush_state_free);

  /* The queued item keeps the task alive until the writer disconnects
   * this handler, so the handler never sees a freed task. */
  item = item_new (ITEM_FLUSH);
  item->flush_task = g_object_ref (task);
  if (cancellable != NULL)
    {
      state->cancellable = g_object_ref (cancellable);
      state->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (flush_cancelled), task, NULL);
    }
  if (push_item (self, item))
    return;

  /* Closed: everything was committed when it closed. */
  complete_flush (self, item->flush_task);
  item_free (item);
}

gboolean
mimic_sqlite_writer_flush_finish (MimicSqliteWriter  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_SQLITE_WRITER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_sqlite_writer_flush_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
store_result (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **stored = user_data;

  *stored = g_object_ref (result);
}

gboolean
mimic_sqlite_writer_flush (MimicSqliteWriter  *self,
                           GCancellable       *cancellable,
                           GError            **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (MIMIC_IS_SQLITE_WRITER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A context of its own, so nothing else of the caller's runs while it
   * waits. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  mimic_sqlite_writer_flush_async (self, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return mimic_sqlite_writer_flush_finish (self, result, error);
}

void
mimic_sqlite_writer_close (MimicSqliteWriter *self)
{
  GThread *thread;

  g_return_if_fail (MIMIC_IS_SQLITE_WRITER (self));

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  thread = self->thread;
  /* Everything queued before is run first: the queue is FIFO. */
  if (thread != NULL)
    g_async_queue_push (self->queue, item_new (ITEM_QUIT));
  g_mutex_unlock (&self->lock);

  /* self->thread stays set while the thread drains the queue: the work
   * it runs may still prepare statements. */
  if (thread != NULL)
    g_thread_join (thread);
  self->thread = NULL;
  if (self->db != NULL)
    sqlite3_close (self->db);
  self->db = NULL;
}
