/* mimic-alarm-journal.c
 *
 * Rows go to a MimicSqliteWriter: its thread commits every row queued
 * when it wakes in one transaction, so an alarm flood costs one commit per
 * burst, not one per transition, and the main loop never waits for the
 * disk. Retention is enforced on that thread after each commit. Reads
 * open a connection of their own (WAL lets them run beside the writer).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-alarm-journal"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-alarm-journal.h"
#include "mimic-audit-log.h"
#include "mimic-paths.h"
#include "mimic-sqlite-writer.h"

G_DEFINE_QUARK (mimic-alarm-journal-error-quark, mimic_alarm_journal_error)

G_DEFINE_BOXED_TYPE (MimicAlarmJournalEntry, mimic_alarm_journal_entry,
                     mimic_alarm_journal_entry_copy, mimic_alarm_journal_entry_free)

MimicAlarmJournalEntry *
mimic_alarm_journal_entry_copy (const MimicAlarmJournalEntry *entry)
{
  MimicAlarmJournalEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = g_new0 (MimicAlarmJournalEntry, 1);
  *copy = *entry;
  copy->device_id = g_strdup (entry->device_id);
  copy->sensor_id = g_strdup (entry->sensor_id);
  copy->operator_name = g_strdup (entry->operator_name);
  copy->comment = g_strdup (entry->comment);
  return copy;
}

void
mimic_alarm_journal_entry_free (MimicAlarmJournalEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->device_id);
  g_free (entry->sensor_id);
  g_free (entry->operator_name);
  g_free (entry->comment);
  g_free (entry);
}

struct _MimicAlarmJournal
{
  GObject            parent_instance;

  char              *path;
  MimicSqliteWriter *writer;

  /* Read by the writer after each commit. */
  GMutex             settings_lock;
  guint              max_rows;
  GTimeSpan          max_age_us;
};

G_DEFINE_FINAL_TYPE (MimicAlarmJournal, mimic_alarm_journal, G_TYPE_OBJECT)

static gboolean
insert_row (MimicSqliteWriter  *writer,
            sqlite3            *db,
            gpointer            data,
            GError            **error)
{
  const MimicAlarmJournalEntry *entry = data;
  sqlite3_stmt *stmt;

  stmt = mimic_sqlite_writer_prepare (writer,
                                      "INSERT INTO transitions (ts_us, device, sensor, condition, priority,"
                                      " old_state, new_state, value, operator, comment)"
                                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, entry->timestamp_us);
  sqlite3_bind_text (stmt, 2, entry->device_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, entry->sensor_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, mimic_alarm_condition_to_string (entry->condition), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, entry->priority);
  sqlite3_bind_text (stmt, 6, mimic_alarm_state_to_string (entry->old_state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, mimic_alarm_state_to_string (entry->new_state), -1, SQLITE_STATIC);
  if (isfinite (entry->value))
    sqlite3_bind_double (stmt, 8, entry->value);
  else
    sqlite3_bind_null (stmt, 8);
  sqlite3_bind_text (stmt, 9, entry->operator_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, entry->comment, -1, SQLITE_STATIC);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_set_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_WRITE,
                   _("Could not write to the alarm journal: %s"), sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

/* After each commit, on the writer thread. */
static void
enforce_retention (MimicSqliteWriter *writer,
                   sqlite3           *db,
                   gpointer           user_data)
{
  MimicAlarmJournal *self = user_data;
  g_autofree char *sql = NULL;
  guint max_rows;
  GTimeSpan max_age;

  g_mutex_lock (&self->settings_lock);
  max_rows = self->max_rows;
  max_age = self->max_age_us;
  g_mutex_unlock (&self->settings_lock);

  if (max_age > 0)
    {
      sql = g_strdup_printf ("DELETE FROM transitions WHERE ts_us < "
                             "(SELECT MAX(ts_us) FROM transitions) - %" G_GINT64_FORMAT ";", max_age);
      sqlite3_exec (db, sql, NULL, NULL, NULL);
      g_clear_pointer (&sql, g_free);
    }
  if (max_rows > 0)
    {
      /* rowid grows with every insert, so the oldest rows have the lowest. */
      sql = g_strdup_printf ("DELETE FROM transitions WHERE rowid <= "
                             "(SELECT MAX(rowid) FROM transitions) - %u;", max_rows);
      sqlite3_exec (db, sql, NULL, NULL, NULL);
    }
}

static void
mimic_alarm_journal_finalize (GObject *object)
{
  MimicAlarmJournal *self = MIMIC_ALARM_JOURNAL (object);

  /* Everything queued before is written first, then the writer thread
   * stops; it reads the settings until then. */
  g_clear_object (&self->writer);
  g_mutex_clear (&self->settings_lock);
  g_free (self->path);

  G_OBJECT_CLASS (mimic_alarm_journal_parent_class)->finalize (object);
}

static void
mimic_alarm_journal_class_init (MimicAlarmJournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mimic_alarm_journal_finalize;
}

static void
mimic_alarm_journal_init (MimicAlarmJournal *self)
{
  g_mutex_init (&self->settings_lock);
  self->max_rows = MIMIC_ALARM_JOURNAL_DEFAULT_MAX_ROWS;
  self->max_age_us = (GTimeSpan) MIMIC_ALARM_JOURNAL_DEFAULT_MAX_AGE_DAYS * G_TIME_SPAN_DAY;
}

MimicAlarmJournal *
mimic_alarm_journal_open (const char  *path,
                          GError     **error)
{
  g_autoptr(MimicAlarmJournal) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MIMIC_TYPE_ALARM_JOURNAL, NULL);
  if (path != NULL)
    self->path = g_strdup (path);
  else
    {
      g_autofree char *state_dir = mimic_paths_get_state_dir ();

      self->path = g_build_filename (state_dir, MIMIC_ALARM_JOURNAL_FILE_NAME, NULL);
    }

  /* NORMAL is enough in WAL mode: a crash may lose the last burst, never
   * the file's consistency; the journal is a record, not a safety interlock. */
  self->writer = mimic_sqlite_writer_open (self->path, MIMIC_SQLITE_WRITER_SYNC_NORMAL,
                                           "CREATE TABLE IF NOT EXISTS transitions ("
                                           "  ts_us INTEGER NOT NULL,"
                                           "  device TEXT NOT NULL,"
                                           "  sensor TEXT NOT NULL,"
                                           "  condition TEXT NOT NULL,"
                                           "  priority INTEGER NOT NULL,"
                                           "  old_state TEXT NOT NULL,"
                                           "  new_state TEXT NOT NULL,"
                                           "  value REAL,"
                                           "  operator TEXT,"
                                           "  comment TEXT);"
                                           "CREATE INDEX IF NOT EXISTS transitions_by_time ON transitions (ts_us);"
                                           "CREATE INDEX IF NOT EXISTS transitions_by_device ON transitions (device, ts_us);",
                                           &local_error);
  if (self->writer == NULL)
    {
      g_set_error_literal (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_OPEN, local_error->message);
      return NULL;
    }
  mimic_sqlite_writer_set_committed_func (self->writer, enforce_retention, self);

  return g_steal_pointer (&self);
}

const char *
mimic_alarm_journal_get_path (MimicAlarmJournal *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), NULL);

  return self->path;
}

void
mimic_alarm_journal_set_retention (MimicAlarmJournal *self,
                                   guint              max_rows,
                                   GTimeSpan          max_age_us)
{
  g_return_if_fail (MIMIC_IS_ALARM_JOURNAL (self));
  g_return_if_fail (max_age_us >= 0);

  g_mutex_lock (&self->settings_lock);
  self->max_rows = max_rows;
  self->max_age_us = max_age_us;
  g_mutex_unlock (&self->settings_lock);
}

void
mimic_alarm_journal_append (MimicAlarmJournal            *self,
                            const MimicAlarmJournalEntry *entry)
{
  g_return_if_fail (MIMIC_IS_ALARM_JOURNAL (self));
  g_return_if_fail (entry != NULL);
  g_return_if_fail (entry->device_id != NULL && entry->sensor_id != NULL);

  /* No done function: a row that fails is logged, counted and reported by
   * the next flush. */
  mimic_sqlite_writer_queue (self->writer, insert_row, NULL, mimic_alarm_journal_entry_copy (entry),
                             (GDestroyNotify) mimic_alarm_journal_entry_free);
}

guint64
mimic_alarm_journal_get_n_failed (MimicAlarmJournal *self)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), 0);

  return mimic_sqlite_writer_get_n_failed (self->writer);
}

void
mimic_alarm_journal_flush_async (MimicAlarmJournal   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (MIMIC_IS_ALARM_JOURNAL (self));

  mimic_sqlite_writer_flush_async (self->writer, cancellable, callback, user_data);
}

/* A failed transaction comes in the writer's domain; say it in the
 * journal's. */
static gboolean
propagate_flush_error (GError **error,
                       GError  *flush_error)
{
  if (flush_error->domain == MIMIC_SQLITE_WRITER_ERROR)
    {
      g_set_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_WRITE,
                   _("Could not write to the alarm journal: %s"), flush_error->message);
      g_error_free (flush_error);
    }
  else
    g_propagate_error (error, flush_error);
  return FALSE;
}

gboolean
mimic_alarm_journal_flush_finish (MimicAlarmJournal  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (mimic_sqlite_writer_flush_finish (self->writer, result, &local_error))
    return TRUE;
  return propagate_flush_error (error, local_error);
}

gboolean
mimic_alarm_journal_flush (MimicAlarmJournal  *self,
                           GError            **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), FALSE);

  if (mimic_sqlite_writer_flush (self->writer, NULL, &local_error))
    return TRUE;
  return propagate_flush_error (error, local_error);
}

/* Reading */

static gboolean
check_filter (const MimicAlarmJournalFilter  *filter,
              GError                        **error)
{
  if (filter->condition >= MIMIC_N_ALARM_CONDITIONS || filter->condition < -1 ||
      (filter->min_priority != -1 &&
       (filter->min_priority < MIMIC_ALARM_PRIORITY_LOW || filter->min_priority > MIMIC_ALARM_PRIORITY_CRITICAL)) ||
      filter->since_us < 0 || filter->until_us < 0 ||
      (filter->until_us > 0 && filter->since_us > filter->until_us))
    {
      g_set_error_literal (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_INVALID,
                           _("The alarm journal filter is not valid"));
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
query_path (const char                     *path,
            const MimicAlarmJournalFilter  *filter,
            GCancellable                   *cancellable,
            GError                        **error)
{
  static const MimicAlarmJournalFilter no_filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_alarm_journal_entry_free);
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  int rc;

  if (filter == NULL)
    filter = &no_filter;
  if (!check_filter (filter, error))
    return NULL;
  if ((db = mimic_sqlite_writer_open_reader (path, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_READ, error)) == NULL)
    return NULL;

  /* Every condition is a bound parameter; NULL and -1 switch one off. */
  rc = sqlite3_prepare_v2 (db,
                           "SELECT ts_us, device, sensor, condition, priority, old_state, new_state,"
                           " value, operator, comment FROM transitions"
                           " WHERE (?1 IS NULL OR device = ?1) AND (?2 IS NULL OR sensor = ?2)"
                           " AND (?3 IS NULL OR condition = ?3) AND priority >= ?4"
                           " AND ts_us >= ?5 AND (?6 = 0 OR ts_us <= ?6)"
                           " ORDER BY ts_us DESC, rowid DESC LIMIT ?7",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, filter->device_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, filter->sensor_id, -1, SQLITE_STATIC);
      if (filter->condition >= 0)
        sqlite3_bind_text (stmt, 3, mimic_alarm_condition_to_string (filter->condition), -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 3);
      sqlite3_bind_int (stmt, 4, MAX (filter->min_priority, 0));
      sqlite3_bind_int64 (stmt, 5, filter->since_us);
      sqlite3_bind_int64 (stmt, 6, filter->until_us);
      sqlite3_bind_int64 (stmt, 7, filter->limit > 0 ? (gint64) filter->limit : -1);

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          MimicAlarmJournalEntry *entry = g_new0 (MimicAlarmJournalEntry, 1);
          int priority;

          entry->timestamp_us = sqlite3_column_int64 (stmt, 0);
          entry->device_id = mimic_sqlite_writer_dup_column_text (stmt, 1);
          entry->sensor_id = mimic_sqlite_writer_dup_column_text (stmt, 2);
          if (!mimic_alarm_condition_from_string ((const char *) sqlite3_column_text (stmt, 3), &entry->condition))
            entry->condition = MIMIC_ALARM_CONDITION_HI;
          priority = sqlite3_column_int (stmt, 4);
          entry->priority = CLAMP (priority, MIMIC_ALARM_PRIORITY_LOW, MIMIC_ALARM_PRIORITY_CRITICAL);
          if (!mimic_alarm_state_from_string ((const char *) sqlite3_column_text (stmt, 5), &entry->old_state))
            entry->old_state = MIMIC_ALARM_STATE_NORMAL;
          if (!mimic_alarm_state_from_string ((const char *) sqlite3_column_text (stmt, 6), &entry->new_state))
            entry->new_state = MIMIC_ALARM_STATE_NORMAL;
          entry->value = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 7);
          entry->operator_name = mimic_sqlite_writer_dup_column_text (stmt, 8);
          entry->comment = mimic_sqlite_writer_dup_column_text (stmt, 9);
          g_ptr_array_add (rows, entry);

          if (g_cancellable_is_cancelled (cancellable))
            break;
        }
    }

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      g_set_error (error, MIMIC_ALARM_JOURNAL_ERROR, MIMIC_ALARM_JOURNAL_ERROR_READ,
                   _("Could not read the alarm journal %s: %s"), path, sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_steal_pointer (&rows);
}

GPtrArray *
mimic_alarm_journal_query (MimicAlarmJournal              *self,
                           const MimicAlarmJournalFilter  *filter,
                           GError                        **error)
{
  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), NULL);

  return query_path (self->path, filter, NULL, error);
}

typedef struct
{
  MimicAlarmJournalFilter filter;
  char *device_id;
  char *sensor_id;
  char *path;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_free (data->device_id);
  g_free (data->sensor_id);
  g_free (data->path);
  g_free (data);
}

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueryData *data = task_data;
  GError *error = NULL;
  GPtrArray *rows = query_path (data->path, &data->filter, cancellable, &error);

  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

void
mimic_alarm_journal_query_async (MimicAlarmJournal             *self,
                                 const MimicAlarmJournalFilter *filter,
                                 GCancellable                  *cancellable,
                                 GAsyncReadyCallback            callback,
                                 gpointer                       user_data)
{
  static const MimicAlarmJournalFilter no_filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;
  g_autoptr(GTask) task = NULL;
  QueryData *data;

  g_return_if_fail (MIMIC_IS_ALARM_JOURNAL (self));

  data = g_new0 (QueryData, 1);
  data->filter = filter != NULL ? *filter : no_filter;
  data->device_id = g_strdup (data->filter.device_id);
  data->sensor_id = g_strdup (data->filter.sensor_id);
  data->filter.device_id = data->device_id;
  data->filter.sensor_id = data->sensor_id;
  data->path = g_strdup (self->path);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_alarm_journal_query_async);
  g_task_set_task_data (task, data, (GDestroyNotify) query_data_free);
  g_task_run_in_thread (task, query_thread);
}

GPtrArray *
mimic_alarm_journal_query_finish (MimicAlarmJournal  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The same RFC 4180 quoting as the audit log's export. */
char *
mimic_alarm_journal_csv_field (const char *text)
{
  return mimic_audit_csv_field (text);
}

static char *
format_time (gint64 timestamp_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (timestamp_us / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (time == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06dZ", seconds, (int) (timestamp_us % G_USEC_PER_SEC));
}

gboolean
mimic_alarm_journal_export_csv (MimicAlarmJournal              *self,
                                const MimicAlarmJournalFilter  *filter,
                                GOutputStream                  *output,
                                GCancellable                   *cancellable,
                                GError                        **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (MIMIC_IS_ALARM_JOURNAL (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  rows = query_path (self->path, filter, cancellable, error);
  if (rows == NULL)
    return FALSE;

  text = g_string_new ("time,device,sensor,condition,priority,old_state,new_state,value,operator,comment\r\n");
  for (guint i = 0; i < rows->len; i++)
    {
      MimicAlarmJournalEntry *entry = g_ptr_array_index (rows, i);
      g_autofree char *time = format_time (entry->timestamp_us);
      g_autofree char *device = mimic_alarm_journal_csv_field (entry->device_id);
      g_autofree char *sensor = mimic_alarm_journal_csv_field (entry->sensor_id);
      g_autofree char *operator_name = mimic_alarm_journal_csv_field (entry->operator_name);
      g_autofree char *comment = mimic_alarm_journal_csv_field (entry->comment);
      char value[G_ASCII_DTOSTR_BUF_SIZE] = "";

      if (isfinite (entry->value))
        g_ascii_formatd (value, sizeof value, "%.6g", entry->value);

      g_string_append_printf (text, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\r\n",
                              time, device, sensor,
                              mimic_alarm_condition_to_string (entry->condition),
                              mimic_alarm_priority_to_string (entry->priority),
                              mimic_alarm_state_to_string (entry->old_state),
                              mimic_alarm_state_to_string (entry->new_state),
                              value, operator_name, comment);
    }

  return g_output_stream_write_all (output, text->str, text->len, NULL, cancellable, error);
}
