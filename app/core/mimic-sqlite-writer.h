/* mimic-sqlite-writer.h — one SQLite file written on a thread of its own
 *
 * The writer opens (creating when needed) an SQLite file in WAL mode with
 * the synchronous level its owner asks for, runs the owner's schema, and
 * starts a thread that owns the write connection. Work items queued from
 * any thread run on that thread in queue order; every item queued at the
 * moment the thread wakes runs in one transaction (a group commit: one
 * commit for a burst). Readers open connections of their own, which WAL
 * lets run beside the writer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define MIMIC_SQLITE_WRITER_ERROR (mimic_sqlite_writer_error_quark ())

typedef enum
{
  MIMIC_SQLITE_WRITER_ERROR_OPEN,   /* the folder, the file or the schema could not be set up */
  MIMIC_SQLITE_WRITER_ERROR_WRITE,  /* a transaction could not begin or commit */
  MIMIC_SQLITE_WRITER_ERROR_CLOSED, /* work queued after the writer was closed */
} MimicSqliteWriterError;

GQuark mimic_sqlite_writer_error_quark (void);

/* How long a commit waits for the disk. */
typedef enum
{
  /* A commit returns before the disk has it: a kill -9 loses nothing
   * committed, a power cut may lose the last commits; never consistency. */
  MIMIC_SQLITE_WRITER_SYNC_NORMAL,
  /* A commit returns once it is on the disk: what was committed survives
   * a power cut too. */
  MIMIC_SQLITE_WRITER_SYNC_FULL,
} MimicSqliteWriterSync;

#define MIMIC_TYPE_SQLITE_WRITER (mimic_sqlite_writer_get_type ())
G_DECLARE_FINAL_TYPE (MimicSqliteWriter, mimic_sqlite_writer, MIMIC, SQLITE_WRITER, GObject)

/* Runs on the writer thread inside a transaction. Returns FALSE with
 * @error set when the item failed; the other items of the transaction are
 * committed all the same. */
typedef gboolean (*MimicSqliteWriterWorkFunc) (MimicSqliteWriter  *writer,
                                               sqlite3            *db,
                                               gpointer            work_data,
                                               GError            **error);
/* Runs on the writer thread once the item's transaction has ended: @error
 * is NULL when what the item did is committed, else the item's own error
 * or, when the transaction could not begin or commit, a
 * MIMIC_SQLITE_WRITER_ERROR_WRITE. */
typedef void     (*MimicSqliteWriterDoneFunc) (gpointer            work_data,
                                               const GError       *error);
/* Runs on the writer thread after each transaction that committed, outside
 * any transaction. */
typedef void     (*MimicSqliteWriterCommittedFunc) (MimicSqliteWriter *writer,
                                                    sqlite3           *db,
                                                    gpointer           user_data);

/* Creates the folder of @path (0700) when it is missing, opens the file,
 * sets WAL and @sync, runs @schema_sql (may be NULL) and starts the thread. */
MimicSqliteWriter *mimic_sqlite_writer_open           (const char                      *path,
                                                       MimicSqliteWriterSync            sync,
                                                       const char                      *schema_sql,
                                                       GError                         **error);
const char        *mimic_sqlite_writer_get_path       (MimicSqliteWriter               *self);

/* Called after each commit, on the writer thread; set it before queueing
 * work. */
void               mimic_sqlite_writer_set_committed_func (MimicSqliteWriter               *self,
                                                           MimicSqliteWriterCommittedFunc   func,
                                                           gpointer                         user_data);

/* Queues @work; returns at once (thread-safe). @done (may be NULL) tells
 * the outcome; without it a failure is logged and kept for the next flush.
 * @work_data_free (may be NULL) runs after @done, in the same thread.
 * After mimic_sqlite_writer_close() the item is not run: @done gets
 * MIMIC_SQLITE_WRITER_ERROR_CLOSED at once, in the calling thread. */
void               mimic_sqlite_writer_queue          (MimicSqliteWriter               *self,
                                                       MimicSqliteWriterWorkFunc        work,
                                                       MimicSqliteWriterDoneFunc        done,
                                                       gpointer                         work_data,
                                                       GDestroyNotify                   work_data_free);

/* For work functions only: @sql prepared once per writer and kept, reset
 * and without bindings. NULL with @error set when it does not prepare. */
sqlite3_stmt      *mimic_sqlite_writer_prepare        (MimicSqliteWriter               *self,
                                                       const char                      *sql,
                                                       GError                         **error);

/* Items that failed since the writer was opened. */
guint64            mimic_sqlite_writer_get_n_failed   (MimicSqliteWriter               *self);

/* Completes once every item queued before the call has been committed or
 * has failed; fails with the first error of an item without a done
 * function since the previous flush. A cancelled flush completes at once
 * with G_IO_ERROR_CANCELLED (the items still run). The callback runs in
 * the thread-default main context of the caller. */
void               mimic_sqlite_writer_flush_async    (MimicSqliteWriter               *self,
                                                       GCancellable                    *cancellable,
                                                       GAsyncReadyCallback              callback,
                                                       gpointer                         user_data);
gboolean           mimic_sqlite_writer_flush_finish   (MimicSqliteWriter               *self,
                                                       GAsyncResult                    *result,
                                                       GError                         **error);
/* The same, blocking the calling thread: for tests, command-line tools and
 * shutting down, not for a busy main loop. */
gboolean           mimic_sqlite_writer_flush          (MimicSqliteWriter               *self,
                                                       GCancellable                    *cancellable,
                                                       GError                         **error);

/* Runs everything queued before, commits it, stops the thread and closes
 * the file. Called by the finalizer when not called before; never from a
 * work or done function. */
void               mimic_sqlite_writer_close          (MimicSqliteWriter               *self);

/* A read-only connection to @path for the calling thread, with the same
 * busy timeout as the writer's. A failure is set in @error_domain with
 * @error_code, so readers report it in their own domain. */
sqlite3           *mimic_sqlite_writer_open_reader    (const char                      *path,
                                                       GQuark                           error_domain,
                                                       int                              error_code,
                                                       GError                         **error);

/* The text of @column of the current row, or NULL for SQL NULL. */
char              *mimic_sqlite_writer_dup_column_text (sqlite3_stmt                   *stmt,
                                                        int                             column);

G_END_DECLS
