/* mimic-audit-log.c
 *
 * Writes go to a MimicSqliteWriter: its thread commits every write queued
 * at the moment it wakes in one transaction (a group commit: one fsync for
 * a burst of commands), then completes their tasks. With WAL and
 * synchronous=FULL a commit that returned is on disk, so a kill -9 right
 * after the callback cannot lose the row, and SQLite's journal keeps the
 * file consistent whatever moment it dies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-audit-log"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-audit-log.h"
#include "mimic-paths.h"
#include "mimic-sqlite-writer.h"

G_DEFINE_QUARK (mimic-audit-log-error-quark, mimic_audit_log_error)

G_DEFINE_BOXED_TYPE (MimicAuditEntry, mimic_audit_entry, mimic_audit_entry_copy, mimic_audit_entry_free)

MimicAuditEntry *
mimic_audit_entry_copy (const MimicAuditEntry *entry)
{
  MimicAuditEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = g_new0 (MimicAuditEntry, 1);
  *copy = *entry;
  copy->id = g_strdup (entry->id);
  copy->operator_name = g_strdup (entry->operator_name);
  copy->device_id = g_strdup (entry->device_id);
  copy->command = g_strdup (entry->command);
  copy->arguments_json = g_strdup (entry->arguments_json);
  copy->outcome = g_strdup (entry->outcome);
  copy->reason = g_strdup (entry->reason);
  return copy;
}

void
mimic_audit_entry_free (MimicAuditEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->id);
  g_free (entry->operator_name);
  g_free (entry->device_id);
  g_free (entry->command);
  g_free (entry->arguments_json);
  g_free (entry->outcome);
  g_free (entry->reason);
  g_free (entry);
}

/* A new row or an outcome, and the task told once it is committed. */
typedef struct
{
  MimicAuditEntry *entry;     /* a new row; or id, outcome, reason, outcome_wall_us */
  GTask           *task;
} Write;

struct _MimicAuditLog
{
  GObject            parent_instance;

  char              *path;
  MimicSqliteWriter *writer;
};

G_DEFINE_FINAL_TYPE (MimicAuditLog, mimic_audit_log, G_TYPE_OBJECT)

static void
write_free (Write *write)
{
  mimic_audit_entry_free (write->entry);
  g_clear_object (&write->task);
  g_free (write);
}

static gboolean
run_record (MimicSqliteWriter  *writer,
            sqlite3            *db,
            gpointer            data,
            GError            **error)
{
  const MimicAuditEntry *entry = ((Write *) data)->entry;
  sqlite3_stmt *stmt;
  int rc;

  stmt = mimic_sqlite_writer_prepare (writer,
                                      "INSERT INTO commands (id, operator, wall_us, monotonic_us, device, command, arguments) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, entry->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, entry->operator_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, entry->wall_us);
  sqlite3_bind_int64 (stmt, 4, entry->monotonic_us);
  sqlite3_bind_text (stmt, 5, entry->device_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, entry->command, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, entry->arguments_json != NULL ? entry->arguments_json : "{}", -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);

  if (rc == SQLITE_CONSTRAINT)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_DUPLICATE,
                 _("The command id %s is in the audit log already"), entry->id);
  else if (rc != SQLITE_DONE)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_WRITE,
                 _("Could not write to the audit log: %s"), sqlite3_errmsg (db));
  return rc == SQLITE_DONE;
}

static gboolean
row_exists (MimicSqliteWriter *writer,
            const char        *id)
{
  sqlite3_stmt *stmt = mimic_sqlite_writer_prepare (writer, "SELECT 1 FROM commands WHERE id = ?1", NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

static gboolean
run_outcome (MimicSqliteWriter  *writer,
             sqlite3            *db,
             gpointer            data,
             GError            **error)
{
  const MimicAuditEntry *entry = ((Write *) data)->entry;
  sqlite3_stmt *stmt;

  stmt = mimic_sqlite_writer_prepare (writer,
                                      "UPDATE commands SET outcome = ?2, reason = ?3, outcome_wall_us = ?4 "
                                      "WHERE id = ?1 AND outcome IS NULL", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, entry->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, entry->outcome, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, entry->reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, entry->outcome_wall_us);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_WRITE,
                 _("Could not write to the audit log: %s"), sqlite3_errmsg (db));
  else if (sqlite3_changes (db) == 0 && row_exists (writer, entry->id))
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_DUPLICATE,
                 _("The command %s has an outcome already"), entry->id);
  else if (sqlite3_changes (db) == 0)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_UNKNOWN_ID,
                 _("The command %s is not in the audit log"), entry->id);
  else
    return TRUE;
  return FALSE;
}

/* On the writer thread, once the transaction has committed (with FULL,
 * the row is on the disk) or failed. */
static void
write_done (gpointer      data,
            const GError *error)
{
  Write *write = data;

  if (error == NULL)
    g_task_return_boolean (write->task, TRUE);
  else if (error->domain == MIMIC_AUDIT_LOG_ERROR)
    g_task_return_error (write->task, g_error_copy (error));
  else
    g_task_return_new_error (write->task, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_WRITE,
                             _("Could not write to the audit log: %s"), error->message);
}

static void
mimic_audit_log_finalize (GObject *object)
{
  MimicAuditLog *self = MIMIC_AUDIT_LOG (object);

  /* Commits what is queued and joins the writer thread. */
  g_clear_object (&self->writer);
  g_free (self->path);

  G_OBJECT_CLASS (mimic_audit_log_parent_class)->finalize (object);
}

static void
mimic_audit_log_class_init (MimicAuditLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimic_audit_log_finalize;
}

static void
mimic_audit_log_init (MimicAuditLog *self)
{
}

MimicAuditLog *
mimic_audit_log_open (const char  *path,
                      GError     **error)
{
  g_autoptr(MimicAuditLog) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MIMIC_TYPE_AUDIT_LOG, NULL);
  if (path != NULL)
    self->path = g_strdup (path);
  else
    {
      g_autofree char *state_dir = mimic_paths_get_state_dir ();

      self->path = g_build_filename (state_dir, MIMIC_AUDIT_LOG_FILE_NAME, NULL);
    }

  /* FULL: every commit is fsynced before it returns, which is what
   * "recorded before it is sent" needs. */
  self->writer = mimic_sqlite_writer_open (self->path, MIMIC_SQLITE_WRITER_SYNC_FULL,
                                           "CREATE TABLE IF NOT EXISTS commands ("
                                           "  id TEXT PRIMARY KEY,"
                                           "  operator TEXT NOT NULL,"
                                           "  wall_us INTEGER NOT NULL,"
                                           "  monotonic_us INTEGER NOT NULL,"
                                           "  device TEXT NOT NULL,"
                                           "  command TEXT NOT NULL,"
                                           "  arguments TEXT NOT NULL,"
                                           "  outcome TEXT,"
                                           "  reason TEXT,"
                                           "  outcome_wall_us INTEGER NOT NULL DEFAULT 0);"
                                           "CREATE INDEX IF NOT EXISTS commands_by_time ON commands (wall_us);"
                                           "CREATE INDEX IF NOT EXISTS commands_by_device ON commands (device, wall_us);",
                                           &local_error);
  if (self->writer == NULL)
    {
      g_set_error_literal (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_OPEN, local_error->message);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
mimic_audit_log_get_path (MimicAuditLog *self)
{
  g_return_val_if_fail (MIMIC_IS_AUDIT_LOG (self), NULL);

  return self->path;
}

/* No source object: the writer thread may drop the task's last
 * reference, and the log's finalizer must not run there (it joins the
 * writer). */
static void
queue_write (MimicAuditLog             *self,
             MimicSqliteWriterWorkFunc  work,
             MimicAuditEntry           *entry,
             gpointer                   source_tag,
             GCancellable              *cancellable,
             GAsyncReadyCallback        callback,
             gpointer                   user_data)
{
  Write *write = g_new0 (Write, 1);

  write->entry = entry;
  write->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (write->task, source_tag);
  g_task_set_check_cancellable (write->task, FALSE);
  mimic_sqlite_writer_queue (self->writer, work, write_done, write, (GDestroyNotify) write_free);
}

void
mimic_audit_log_record_async (MimicAuditLog         *self,
                              const MimicAuditEntry *entry,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data)
{
  MimicAuditEntry *row;

  g_return_if_fail (MIMIC_IS_AUDIT_LOG (self));
  g_return_if_fail (entry != NULL && entry->id != NULL && entry->device_id != NULL && entry->command != NULL);

  row = mimic_audit_entry_copy (entry);
  if (row->operator_name == NULL)
    row->operator_name = g_strdup (g_get_user_name ());
  g_clear_pointer (&row->outcome, g_free);
  g_clear_pointer (&row->reason, g_free);
  queue_write (self, run_record, row, mimic_audit_log_record_async, cancellable, callback, user_data);
}

gboolean
mimic_audit_log_record_finish (MimicAuditLog  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_audit_log_record_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
mimic_audit_log_record_outcome_async (MimicAuditLog       *self,
                                      const char          *id,
                                      const char          *outcome,
                                      const char          *reason,
                                      gint64               wall_us,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  MimicAuditEntry *row;

  g_return_if_fail (MIMIC_IS_AUDIT_LOG (self));
  g_return_if_fail (id != NULL && outcome != NULL);

  row = g_new0 (MimicAuditEntry, 1);
  row->id = g_strdup (id);
  row->outcome = g_strdup (outcome);
  row->reason = g_strdup (reason);
  row->outcome_wall_us = wall_us;
  queue_write (self, run_outcome, row, mimic_audit_log_record_outcome_async, cancellable, callback, user_data);
}

gboolean
mimic_audit_log_record_outcome_finish (MimicAuditLog  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_audit_log_record_outcome_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
mimic_audit_log_flush (MimicAuditLog *self)
{
  g_return_if_fail (MIMIC_IS_AUDIT_LOG (self));

  /* Every write has a task that is told its own outcome: there is no
   * error left for the flush to report. */
  mimic_sqlite_writer_flush (self->writer, NULL, NULL);
}

static MimicAuditEntry *
entry_from_row (sqlite3_stmt *stmt)
{
  MimicAuditEntry *entry = g_new0 (MimicAuditEntry, 1);

  entry->id = mimic_sqlite_writer_dup_column_text (stmt, 0);
  entry->operator_name = mimic_sqlite_writer_dup_column_text (stmt, 1);
  entry->wall_us = sqlite3_column_int64 (stmt, 2);
  entry->monotonic_us = sqlite3_column_int64 (stmt, 3);
  entry->device_id = mimic_sqlite_writer_dup_column_text (stmt, 4);
  entry->command = mimic_sqlite_writer_dup_column_text (stmt, 5);
  entry->arguments_json = mimic_sqlite_writer_dup_column_text (stmt, 6);
  entry->outcome = mimic_sqlite_writer_dup_column_text (stmt, 7);
  entry->reason = mimic_sqlite_writer_dup_column_text (stmt, 8);
  entry->outcome_wall_us = sqlite3_column_int64 (stmt, 9);
  return entry;
}

#define SELECT_COLUMNS \
  "SELECT id, operator, wall_us, monotonic_us, device, command, arguments, outcome, reason, outcome_wall_us " \
  "FROM commands "

typedef gboolean (*RowFunc) (sqlite3_stmt *stmt,
                             gpointer      user_data,
                             GError      **error);

static gboolean
for_each_row (MimicAuditLog  *self,
              const char     *device_id,
              gint64          since_us,
              gint64          until_us,
              guint           limit,
              RowFunc         func,
              gpointer        user_data,
              GError        **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  int rc;

  db = mimic_sqlite_writer_open_reader (self->path, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_READ, error);
  if (db == NULL)
    return FALSE;

  rc = sqlite3_prepare_v2 (db,
                           SELECT_COLUMNS
                           "WHERE (?1 IS NULL OR device = ?1) AND (?2 = 0 OR wall_us >= ?2) "
                           "AND (?3 = 0 OR wall_us <= ?3) "
                           "ORDER BY wall_us DESC, rowid DESC LIMIT ?4", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      if (device_id != NULL)
        sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, since_us);
      sqlite3_bind_int64 (stmt, 3, until_us);
      sqlite3_bind_int64 (stmt, 4, limit > 0 ? (sqlite3_int64) limit : -1);
      while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        ok = func (stmt, user_data, error);
    }

  if (ok && rc != SQLITE_DONE)
    {
      g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_READ,
                   _("Could not read the audit log %s: %s"), self->path, sqlite3_errmsg (db));
      ok = FALSE;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static gboolean
collect_row (sqlite3_stmt  *stmt,
             gpointer       user_data,
             GError       **error)
{
  g_ptr_array_add (user_data, entry_from_row (stmt));
  return TRUE;
}

GPtrArray *
mimic_audit_log_query (MimicAuditLog  *self,
                       const char     *device_id,
                       gint64          since_us,
                       gint64          until_us,
                       guint           limit,
                       GError        **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (MIMIC_IS_AUDIT_LOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_audit_entry_free);
  if (!for_each_row (self, device_id, since_us, until_us, limit, collect_row, rows, error))
    return NULL;
  return g_steal_pointer (&rows);
}

MimicAuditEntry *
mimic_audit_log_lookup (MimicAuditLog  *self,
                        const char     *id,
                        GError        **error)
{
  MimicAuditEntry *entry = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  int rc;

  g_return_val_if_fail (MIMIC_IS_AUDIT_LOG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  db = mimic_sqlite_writer_open_reader (self->path, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_READ, error);
  if (db == NULL)
    return NULL;

  rc = sqlite3_prepare_v2 (db, SELECT_COLUMNS "WHERE id = ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        entry = entry_from_row (stmt);
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_UNKNOWN_ID,
                 _("The command %s is not in the audit log"), id);
  else if (entry == NULL)
    g_set_error (error, MIMIC_AUDIT_LOG_ERROR, MIMIC_AUDIT_LOG_ERROR_READ,
                 _("Could not read the audit log %s: %s"), self->path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return entry;
}

char *
mimic_audit_csv_field (const char *text)
{
  GString *field;

  if (text == NULL)
    return g_strdup ("");
  if (strpbrk (text, ",\"\r\n") == NULL)
    return g_strdup (text);

  field = g_string_new ("\"");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (field, '"');
      g_string_append_c (field, *p);
    }
  g_string_append_c (field, '"');
  return g_string_free (field, FALSE);
}

static char *
format_time (gint64 wall_us)
{
  g_autoptr(GDateTime) seconds = NULL;
  g_autoptr(GDateTime) time = NULL;

  if (wall_us <= 0)
    return g_strdup ("");

  seconds = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC);
  if (seconds == NULL)
    return g_strdup ("");
  time = g_date_time_add (seconds, wall_us % G_USEC_PER_SEC);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.%fZ");
}

typedef struct
{
  GOutputStream *output;
  GCancellable  *cancellable;
} CsvExport;

static gboolean
write_csv_line (CsvExport   *export,
                const char  *fields[],
                guint        n_fields,
                GError     **error)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < n_fields; i++)
    {
      g_autofree char *field = mimic_audit_csv_field (fields[i]);

      if (i > 0)
        g_string_append_c (line, ',');
      g_string_append (line, field);
    }
  g_string_append (line, "\r\n");

  return g_output_stream_write_all (export->output, line->str, line->len, NULL, export->cancellable, error);
}

static gboolean
export_row (sqlite3_stmt  *stmt,
            gpointer       user_data,
            GError       **error)
{
  g_autoptr(MimicAuditEntry) entry = entry_from_row (stmt);
  g_autofree char *wall = format_time (entry->wall_us);
  g_autofree char *monotonic = g_strdup_printf ("%" G_GINT64_FORMAT, entry->monotonic_us);
  g_autofree char *outcome_time = format_time (entry->outcome_wall_us);
  const char *fields[] = {
    wall, monotonic, entry->operator_name, entry->device_id, entry->command, entry->arguments_json,
    entry->id, entry->outcome, entry->reason, outcome_time,
  };

  return write_csv_line (user_data, fields, G_N_ELEMENTS (fields), error);
}

gboolean
mimic_audit_log_export_csv (MimicAuditLog  *self,
                            GOutputStream  *output,
                            const char     *device_id,
                            gint64          since_us,
                            gint64          until_us,
                            GCancellable   *cancellable,
                            GError        **error)
{
  const char *header[] = {
    "time", "monotonic_us", "operator", "device", "command", "arguments", "id", "outcome", "reason", "outcome_time",
  };
  CsvExport export = { output, cancellable };

  g_return_val_if_fail (MIMIC_IS_AUDIT_LOG (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  if (!write_csv_line (&export, header, G_N_ELEMENTS (header), error))
    return FALSE;
  return for_each_row (self, device_id, since_us, until_us, 0, export_row, &export, error);
}
