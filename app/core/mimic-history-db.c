/* mimic-history-db.c
 *
 * Sensor history on disk, so a restarted console shows what it had. SQLite
 * in WAL mode; every write happens on one writer thread that takes the
 * batches the twin store hands over and commits them together, at least
 * once a second and at most five times a second. synchronous=NORMAL: in
 * WAL mode a commit then does not wait for the disk, so a kill -9 of the
 * console loses nothing committed (only what arrived in the last 200 ms or
 * so is not committed yet), while a power cut or OS crash may lose the
 * commits since the last checkpoint synced the file. The file stays
 * consistent either way; losing seconds of history is the price of not
 * stalling on fsync five times a second for data that is a record, not a
 * ledger.
 *
 * Raw samples are kept for a week by default; per series and minute the
 * writer also keeps a min/max/mean/count row, kept for a year, which is what
 * long-range charts need. Old rows are deleted on the writer thread in small
 * batches so a large clean-up never holds the database for long.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-history-db"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mimic-history-db.h"
#include "mimic-paths.h"

#define SCHEMA_VERSION 1
/* Mimic's mark in the file header, so another program's SQLite file is
 * refused rather than written into. */
#define APPLICATION_ID 0x4d696d31   /* "Mim1" */
#define COMMIT_INTERVAL_US (200 * G_TIME_SPAN_MILLISECOND)
#define RETENTION_INTERVAL_US (60 * G_TIME_SPAN_SECOND)
#define RETENTION_BATCH 2000
#define RETENTION_PASS_US (100 * G_TIME_SPAN_MILLISECOND)
/* Samples waiting for the writer; a disk that cannot keep up must not make
 * the console's memory grow without end. */
#define MAX_PENDING_SAMPLES (4 * 1000 * 1000)

struct _MimicHistoryDb
{
  GObject      parent_instance;

  char        *path;
  sqlite3     *db;            /* the writer thread's once it runs */
  GThread     *writer;

  GMutex       lock;
  GCond        cond;
  GPtrArray   *pending;       /* MimicUpdateBatch */
  guint64      pending_samples;
  guint64      queued_generation;
  guint64      done_generation;
  gboolean     retention_requested;
  gboolean     stopping;
  gboolean     closed;
  GTimeSpan    raw_retention;
  GTimeSpan    rollup_retention;
  guint64      n_written;
  guint64      n_dropped;
  guint64      n_failed;

  /* Writer thread only. */
  sqlite3_stmt *find_series;
  sqlite3_stmt *insert_series;
  sqlite3_stmt *insert_sample;
  sqlite3_stmt *upsert_rollup;
  sqlite3_stmt *delete_samples;
  sqlite3_stmt *delete_rollups;
  GHashTable   *series_ids;   /* SeriesKey → id */
  gint64        last_commit_us;
  gint64        last_retention_us;
};

G_DEFINE_FINAL_TYPE (MimicHistoryDb, mimic_history_db, G_TYPE_OBJECT)

G_DEFINE_QUARK (mimic-history-error-quark, mimic_history_error)

typedef struct
{
  const char *device_id;
  const char *sensor_id;
} SeriesKey;

static guint
series_key_hash (gconstpointer data)
{
  const SeriesKey *key = data;

  return g_str_hash (key->device_id) * 31 + g_str_hash (key->sensor_id);
}

static gboolean
series_key_equal (gconstpointer a,
                  gconstpointer b)
{
  const SeriesKey *ka = a, *kb = b;

  return g_str_equal (ka->device_id, kb->device_id) && g_str_equal (ka->sensor_id, kb->sensor_id);
}

/* Allocated keys hold both strings in the same block. */
static SeriesKey *
series_key_new (const char *device_id,
                const char *sensor_id)
{
  gsize device_len = strlen (device_id) + 1, sensor_len = strlen (sensor_id) + 1;
  SeriesKey *key = g_malloc (sizeof (SeriesKey) + device_len + sensor_len);
  char *strings = (char *) (key + 1);

  memcpy (strings, device_id, device_len);
  memcpy (strings + device_len, sensor_id, sensor_len);
  key->device_id = strings;
  key->sensor_id = strings + device_len;

  return key;
}

typedef struct
{
  gint64 series;
  gint64 start_us;
} RollupKey;

typedef struct
{
  RollupKey key;
  double    min;
  double    max;
  double    sum;
  gint64    count;
} RollupAccumulator;

static guint
rollup_key_hash (gconstpointer data)
{
  const RollupKey *key = data;

  return (guint) (key->series * 2654435761u) ^ (guint) (key->start_us / G_TIME_SPAN_MINUTE);
}

static gboolean
rollup_key_equal (gconstpointer a,
                  gconstpointer b)
{
  const RollupKey *ka = a, *kb = b;

  return ka->series == kb->series && ka->start_us == kb->start_us;
}

void
mimic_history_series_free (MimicHistorySeries *series)
{
  if (series == NULL)
    return;

  g_free (series->device_id);
  g_free (series->sensor_id);
  g_clear_pointer (&series->rollups, g_array_unref);
  g_clear_pointer (&series->samples, g_array_unref);
  g_free (series);
}

static void
finalize_statements (MimicHistoryDb *self)
{
  g_clear_pointer (&self->find_series, sqlite3_finalize);
  g_clear_pointer (&self->insert_series, sqlite3_finalize);
  g_clear_pointer (&self->insert_sample, sqlite3_finalize);
  g_clear_pointer (&self->upsert_rollup, sqlite3_finalize);
  g_clear_pointer (&self->delete_samples, sqlite3_finalize);
  g_clear_pointer (&self->delete_rollups, sqlite3_finalize);
}

static void
mimic_history_db_finalize (GObject *object)
{
  MimicHistoryDb *self = (MimicHistoryDb *)object;

  mimic_history_db_close (self);

  finalize_statements (self);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->series_ids, g_hash_table_unref);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (mimic_history_db_parent_class)->finalize (object);
}

static void
mimic_history_db_class_init (MimicHistoryDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_history_db_finalize;
}

static void
mimic_history_db_init (MimicHistoryDb *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  self->series_ids = g_hash_table_new_full (series_key_hash, series_key_equal, g_free, NULL);
  self->raw_retention = MIMIC_HISTORY_DB_DEFAULT_RAW_RETENTION;
  self->rollup_retention = MIMIC_HISTORY_DB_DEFAULT_ROLLUP_RETENTION;
}

/* SQLite says "file is not a database" or "database disk image is
 * malformed" for a damaged file; everything else is about opening it. */
static void
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  int          code,
                  const char  *path)
{
  const char *message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (code);

  switch (code & 0xff)
    {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT,
                   _("The history database “%s” is damaged or not a database: %s"),
                   path, message);
      break;
    default:
      g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_OPEN,
                   _("Cannot open the history database “%s”: %s"), path, message);
      break;
    }
}

static gboolean
exec_sql (MimicHistoryDb  *self,
          const char      *sql,
          GError         **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, self->path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
query_int (MimicHistoryDb  *self,
           const char      *sql,
           gint64          *value,
           GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }

  if (rc != SQLITE_OK)
    set_sqlite_error (error, self->db, rc, self->path);
  sqlite3_finalize (stmt);

  return rc == SQLITE_OK;
}

static gboolean
prepare (MimicHistoryDb  *self,
         const char      *sql,
         sqlite3_stmt   **stmt,
         GError         **error)
{
  int rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, self->path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
open_database (MimicHistoryDb  *self,
               GError         **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  gint64 version = 0, application_id = 0;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_OPEN,
                   _("Cannot create the folder “%s” for the history database: %s"),
                   dir, g_strerror (saved_errno));
      return FALSE;
    }

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, self->path);
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }

  sqlite3_busy_timeout (self->db, 5000);

  /* The first statement reads the header: a damaged file fails here. */
  if (!exec_sql (self, "PRAGMA journal_mode=WAL", error) ||
      !exec_sql (self, "PRAGMA synchronous=NORMAL", error) ||
      !query_int (self, "PRAGMA user_version", &version, error) ||
      !query_int (self, "PRAGMA application_id", &application_id, error))
    return FALSE;

  if (version == 0 && application_id == 0)
    {
      gint64 n_tables = 0;

      if (!query_int (self, "SELECT count(*) FROM sqlite_schema", &n_tables, error))
        return FALSE;

      if (n_tables > 0)
        {
          g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT,
                       _("“%s” is an SQLite database of another program, not a Mimic history"),
                       self->path);
          return FALSE;
        }

      if (!exec_sql (self,
                     "BEGIN;"
                     "CREATE TABLE series ("
                     "  id INTEGER PRIMARY KEY,"
                     "  device TEXT NOT NULL,"
                     "  sensor TEXT NOT NULL,"
                     "  UNIQUE (device, sensor));"
                     "CREATE TABLE samples ("
                     "  series INTEGER NOT NULL,"
                     "  ts INTEGER NOT NULL,"
                     "  value REAL NOT NULL);"
                     "CREATE INDEX samples_by_series ON samples (series, ts);"
                     "CREATE INDEX samples_by_time ON samples (ts);"
                     "CREATE TABLE rollups ("
                     "  series INTEGER NOT NULL,"
                     "  start INTEGER NOT NULL,"
                     "  min REAL NOT NULL,"
                     "  max REAL NOT NULL,"
                     "  mean REAL NOT NULL,"
                     "  count INTEGER NOT NULL,"
                     "  PRIMARY KEY (series, start)) WITHOUT ROWID;"
                     "CREATE INDEX rollups_by_time ON rollups (start);"
                     "PRAGMA application_id=" G_STRINGIFY (APPLICATION_ID) ";"
                     "PRAGMA user_version=" G_STRINGIFY (SCHEMA_VERSION) ";"
                     "COMMIT;",
                     error))
        return FALSE;
    }
  else if (application_id != APPLICATION_ID)
    {
      g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT,
                   _("“%s” is an SQLite database of another program, not a Mimic history"),
                   self->path);
      return FALSE;
    }
  else if (version != SCHEMA_VERSION)
    {
      g_set_error (error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_CORRUPT,
                   _("The history database “%s” has format %d, which this version of Mimic cannot read"),
                   self->path, (int) version);
      return FALSE;
    }

  return prepare (self, "SELECT id FROM series WHERE device = ?1 AND sensor = ?2",
                  &self->find_series, error) &&
         prepare (self, "INSERT INTO series (device, sensor) VALUES (?1, ?2)",
                  &self->insert_series, error) &&
         prepare (self, "INSERT INTO samples (series, ts, value) VALUES (?1, ?2, ?3)",
                  &self->insert_sample, error) &&
         prepare (self,
                  "INSERT INTO rollups (series, start, min, max, mean, count)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                  " ON CONFLICT (series, start) DO UPDATE SET"
                  "  min = min(min, excluded.min),"
                  "  max = max(max, excluded.max),"
                  "  mean = (mean * count + excluded.mean * excluded.count) / (count + excluded.count),"
                  "  count = count + excluded.count",
                  &self->upsert_rollup, error) &&
         prepare (self,
                  "DELETE FROM samples WHERE rowid IN"
                  " (SELECT rowid FROM samples WHERE ts < ?1 LIMIT " G_STRINGIFY (RETENTION_BATCH) ")",
                  &self->delete_samples, error) &&
         prepare (self,
                  "DELETE FROM rollups WHERE (series, start) IN"
                  " (SELECT series, start FROM rollups WHERE start < ?1 LIMIT " G_STRINGIFY (RETENTION_BATCH) ")",
                  &self->delete_rollups, error);
}

/* Writer thread. Returns the series id, or -1. */
static gint64
lookup_series (MimicHistoryDb *self,
               const char     *device_id,
               const char     *sensor_id)
{
  SeriesKey key = { device_id, sensor_id };
  gpointer found;
  gint64 id = -1;

  if (g_hash_table_lookup_extended (self->series_ids, &key, NULL, &found))
    return GPOINTER_TO_SIZE (found);

  sqlite3_bind_text (self->find_series, 1, device_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->find_series, 2, sensor_id, -1, SQLITE_STATIC);
  if (sqlite3_step (self->find_series) == SQLITE_ROW)
    id = sqlite3_column_int64 (self->find_series, 0);
  sqlite3_reset (self->find_series);

  if (id < 0)
    {
      sqlite3_bind_text (self->insert_series, 1, device_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (self->insert_series, 2, sensor_id, -1, SQLITE_STATIC);
      if (sqlite3_step (self->insert_series) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid (self->db);
      sqlite3_reset (self->insert_series);
    }

  if (id >= 0)
    g_hash_table_insert (self->series_ids, series_key_new (device_id, sensor_id),
                         GSIZE_TO_POINTER ((gsize) id));

  return id;
}

static void
accumulate (GHashTable *rollups,
            gint64      series,
            gint64      timestamp_us,
            double      value)
{
  RollupKey key = { series, timestamp_us - timestamp_us % MIMIC_HISTORY_DB_ROLLUP_RESOLUTION };
  RollupAccumulator *acc = g_hash_table_lookup (rollups, &key);

  if (timestamp_us < 0)
    return;

  if (acc == NULL)
    {
      acc = g_new0 (RollupAccumulator, 1);
      acc->key = key;
      acc->min = value;
      acc->max = value;
      g_hash_table_add (rollups, acc);
    }

  acc->min = MIN (acc->min, value);
  acc->max = MAX (acc->max, value);
  acc->sum += value;
  acc->count++;
}

/* Writer thread: all batches in one transaction. */
static void
write_batches (MimicHistoryDb *self,
               GPtrArray      *batches)
{
  g_autoptr(GHashTable) rollups = g_hash_table_new_full (rollup_key_hash, rollup_key_equal, NULL, g_free);
  gint64 latest_us = g_get_real_time () + MIMIC_HISTORY_MAX_CLOCK_AHEAD;
  GHashTableIter iter;
  RollupAccumulator *acc;
  guint64 n_samples = 0, n_refused = 0;
  gboolean ok = TRUE;

  for (guint i = 0; i < batches->len; i++)
    n_samples += mimic_update_batch_get_n_samples (g_ptr_array_index (batches, i));

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_warning ("Cannot write history to %s: %s", self->path, sqlite3_errmsg (self->db));
      g_mutex_lock (&self->lock);
      self->n_failed += n_samples;
      g_mutex_unlock (&self->lock);
      return;
    }

  for (guint i = 0; ok && i < batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (batches, i);
      guint n = mimic_update_batch_get_n_samples (batch);

      for (guint j = 0; ok && j < n; j++)
        {
          const MimicSample *sample = mimic_update_batch_get_sample (batch, j);
          gint64 series;

          /* From a clock far ahead: reloaded, it would block the rings. */
          if (sample->timestamp_us > latest_us)
            {
              n_refused++;
              continue;
            }

          series = lookup_series (self, sample->device_id, sample->sensor_id);
          if (series < 0)
            {
              ok = FALSE;
              break;
            }

          sqlite3_bind_int64 (self->insert_sample, 1, series);
          sqlite3_bind_int64 (self->insert_sample, 2, sample->timestamp_us);
          sqlite3_bind_double (self->insert_sample, 3, sample->value);
          ok = sqlite3_step (self->insert_sample) == SQLITE_DONE;
          sqlite3_reset (self->insert_sample);

          accumulate (rollups, series, sample->timestamp_us, sample->value);
        }
    }

  g_hash_table_iter_init (&iter, rollups);
  while (ok && g_hash_table_iter_next (&iter, (gpointer *) &acc, NULL))
    {
      sqlite3_bind_int64 (self->upsert_rollup, 1, acc->key.series);
      sqlite3_bind_int64 (self->upsert_rollup, 2, acc->key.start_us);
      sqlite3_bind_double (self->upsert_rollup, 3, acc->min);
      sqlite3_bind_double (self->upsert_rollup, 4, acc->max);
      sqlite3_bind_double (self->upsert_rollup, 5, acc->sum / acc->count);
      sqlite3_bind_int64 (self->upsert_rollup, 6, acc->count);
      ok = sqlite3_step (self->upsert_rollup) == SQLITE_DONE;
      sqlite3_reset (self->upsert_rollup);
    }

  if (ok)
    ok = sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;

  if (!ok)
    {
      g_warning ("Cannot write history to %s: %s", self->path, sqlite3_errmsg (self->db));
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      /* Series rows inserted in the rolled-back transaction are gone. */
      g_hash_table_remove_all (self->series_ids);
    }

  g_mutex_lock (&self->lock);
  if (ok)
    {
      self->n_written += n_samples - n_refused;
      self->n_dropped += n_refused;
    }
  else
    self->n_failed += n_samples;
  g_mutex_unlock (&self->lock);
}

/* Writer thread: deletes in batches, each its own short transaction,
 * until done or until the time for this pass is up. Returns whether all
 * is done. */
static gboolean
delete_older (MimicHistoryDb *self,
              sqlite3_stmt   *stmt,
              gint64          before_us,
              gint64          deadline)
{
  int changes;

  do
    {
      int rc;

      sqlite3_bind_int64 (stmt, 1, before_us);
      rc = sqlite3_step (stmt);
      changes = rc == SQLITE_DONE ? sqlite3_changes (self->db) : 0;
      if (rc != SQLITE_DONE)
        g_warning ("Cannot delete old history from %s: %s", self->path, sqlite3_errmsg (self->db));
      sqlite3_reset (stmt);
    }
  while (changes == RETENTION_BATCH && g_get_monotonic_time () < deadline &&
         !g_atomic_int_get (&self->stopping));

  return changes < RETENTION_BATCH;
}

/* A pass takes at most RETENTION_PASS_US, so a large clean-up (the first
 * start after a long pause) never keeps new samples uncommitted for long:
 * the writer commits what came in and goes on with the next pass. */
static gboolean
run_retention (MimicHistoryDb *self,
               GTimeSpan       raw_retention,
               GTimeSpan       rollup_retention)
{
  gint64 now = g_get_real_time ();
  gint64 deadline = g_get_monotonic_time () + RETENTION_PASS_US;

  return delete_older (self, self->delete_samples, now - raw_retention, deadline) &&
         delete_older (self, self->delete_rollups, now - rollup_retention, deadline);
}

static gpointer
writer_thread (gpointer data)
{
  MimicHistoryDb *self = data;
  gboolean retention_unfinished = FALSE;

  g_mutex_lock (&self->lock);

  for (;;)
    {
      g_autoptr(GPtrArray) batches = NULL;
      gboolean retention;
      guint64 generation;
      GTimeSpan raw_retention, rollup_retention;
      gint64 retention_due = self->last_retention_us + RETENTION_INTERVAL_US;

      while (!self->stopping && self->pending->len == 0 && !self->retention_requested &&
             !retention_unfinished && self->queued_generation == self->done_generation &&
             g_get_monotonic_time () < retention_due)
        g_cond_wait_until (&self->cond, &self->lock, retention_due);

      /* Gather what arrives within the commit interval into one commit. */
      if (self->pending->len > 0)
        {
          gint64 commit_at = self->last_commit_us + COMMIT_INTERVAL_US;

          while (!self->stopping && g_get_monotonic_time () < commit_at)
            g_cond_wait_until (&self->cond, &self->lock, commit_at);
        }

      batches = g_steal_pointer (&self->pending);
      self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
      self->pending_samples = 0;
      generation = self->queued_generation;
      retention = self->retention_requested || retention_unfinished ||
                  g_get_monotonic_time () >= retention_due;
      self->retention_requested = FALSE;
      raw_retention = self->raw_retention;
      rollup_retention = self->rollup_retention;
      g_mutex_unlock (&self->lock);

      if (batches->len > 0)
        {
          write_batches (self, batches);
          self->last_commit_us = g_get_monotonic_time ();
        }

      if (retention)
        {
          retention_unfinished = !run_retention (self, raw_retention, rollup_retention);
          self->last_retention_us = g_get_monotonic_time ();
        }

      g_mutex_lock (&self->lock);
      /* A sync or retention request is answered once the clean-up it may
       * have started is complete. */
      if (!retention_unfinished)
        self->done_generation = MAX (self->done_generation, generation);
      g_cond_broadcast (&self->cond);

      if (self->stopping && self->pending->len == 0)
        break;
    }

  g_mutex_unlock (&self->lock);

  return NULL;
}

static MimicHistoryDb *
open_db (const char    *path,
         GError       **error)
{
  g_autoptr(MimicHistoryDb) self = g_object_new (MIMIC_TYPE_HISTORY_DB, NULL);

  if (path != NULL)
    {
      self->path = g_strdup (path);
    }
  else
    {
      g_autofree char *dir = mimic_paths_get_state_dir ();

      self->path = g_build_filename (dir, "history.db", NULL);
    }

  if (!open_database (self, error))
    {
      finalize_statements (self);
      g_clear_pointer (&self->db, sqlite3_close);
      self->closed = TRUE;
      return NULL;
    }

  /* Old rows are cleaned up soon after start, then every minute. */
  self->last_retention_us = g_get_monotonic_time () - RETENTION_INTERVAL_US + G_TIME_SPAN_SECOND;
  self->writer = g_thread_new ("mimic-history-writer", writer_thread, self);

  return g_steal_pointer (&self);
}

/* Opens (creating it when missing) the history database at path, or in the
 * XDG data directory when path is NULL. Blocks on file I/O: from the main
 * loop use mimic_history_db_open_async(). */
MimicHistoryDb *
mimic_history_db_open (const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return open_db (path, error);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  MimicHistoryDb *self = open_db (task_data, &error);

  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, g_object_unref);
}

void
mimic_history_db_open_async (const char          *path,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_history_db_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

MimicHistoryDb *
mimic_history_db_open_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
mimic_history_db_get_path (MimicHistoryDb *self)
{
  g_return_val_if_fail (MIMIC_IS_HISTORY_DB (self), NULL);

  return self->path;
}

/* Thread-safe. The batch must not change any more (batches never do once
 * given away); its samples are written within about a second. */
void
mimic_history_db_queue_batch (MimicHistoryDb   *self,
                              MimicUpdateBatch *batch)
{
  guint n_samples;

  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));
  g_return_if_fail (batch != NULL);

  n_samples = mimic_update_batch_get_n_samples (batch);
  if (n_samples == 0)
    return;

  g_mutex_lock (&self->lock);
  if (self->closed || self->pending_samples + n_samples > MAX_PENDING_SAMPLES)
    {
      self->n_dropped += n_samples;
    }
  else
    {
      g_ptr_array_add (self->pending, mimic_update_batch_ref (batch));
      self->pending_samples += n_samples;
      self->queued_generation++;
      g_cond_signal (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

static void
wait_for_writer (MimicHistoryDb *self,
                 gboolean        retention)
{
  guint64 target;

  g_mutex_lock (&self->lock);
  if (!self->closed)
    {
      target = ++self->queued_generation;
      if (retention)
        self->retention_requested = TRUE;
      g_cond_broadcast (&self->cond);
      while (self->done_generation < target)
        g_cond_wait (&self->cond, &self->lock);
    }
  g_mutex_unlock (&self->lock);
}

/* Blocks until everything queued before the call is committed. For tests,
 * tools and shutdown, not for the main loop of a running console. */
void
mimic_history_db_sync (MimicHistoryDb *self)
{
  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));

  wait_for_writer (self, FALSE);
}

/* Deletes rows past their retention now, and blocks until done. */
void
mimic_history_db_run_retention (MimicHistoryDb *self)
{
  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));

  wait_for_writer (self, TRUE);
}

void
mimic_history_db_set_retention (MimicHistoryDb *self,
                                GTimeSpan       raw_retention,
                                GTimeSpan       rollup_retention)
{
  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));
  g_return_if_fail (raw_retention > 0);
  g_return_if_fail (rollup_retention > 0);

  g_mutex_lock (&self->lock);
  self->raw_retention = raw_retention;
  self->rollup_retention = rollup_retention;
  g_mutex_unlock (&self->lock);
}

/* Commits what is queued, stops the writer thread and closes the file.
 * Batches queued afterwards are counted as dropped. */
void
mimic_history_db_close (MimicHistoryDb *self)
{
  GThread *writer;

  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  writer = g_steal_pointer (&self->writer);
  g_mutex_unlock (&self->lock);

  if (writer == NULL)
    return;

  g_thread_join (writer);
  finalize_statements (self);
  g_clear_pointer (&self->db, sqlite3_close);
}

#define DEFINE_COUNTER(name, field)                                    \
  guint64                                                              \
  mimic_history_db_get_##name (MimicHistoryDb *self)                   \
  {                                                                    \
    guint64 value;                                                     \
    g_return_val_if_fail (MIMIC_IS_HISTORY_DB (self), 0);              \
    g_mutex_lock (&self->lock);                                        \
    value = self->field;                                               \
    g_mutex_unlock (&self->lock);                                      \
    return value;                                                      \
  }

DEFINE_COUNTER (n_written, n_written)
DEFINE_COUNTER (n_dropped, n_dropped)
DEFINE_COUNTER (n_failed, n_failed)

typedef struct
{
  char   *path;
  gint64  raw_since_us;
  guint   max_raw;
  gint64  rollup_since_us;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data);
}

static gboolean
load_series (sqlite3             *db,
             sqlite3_stmt        *raw_stmt,
             sqlite3_stmt        *rollup_stmt,
             gint64               series,
             const LoadData      *data,
             MimicHistorySeries  *out)
{
  gint64 oldest_raw_us = G_MAXINT64;
  int rc;

  sqlite3_bind_int64 (raw_stmt, 1, series);
  sqlite3_bind_int64 (raw_stmt, 2, data->raw_since_us);
  sqlite3_bind_int64 (raw_stmt, 3, data->max_raw);
  while ((rc = sqlite3_step (raw_stmt)) == SQLITE_ROW)
    {
      MimicHistoryBucket sample = { 0, };

      sample.start_us = sqlite3_column_int64 (raw_stmt, 0);
      sample.mean = sample.min = sample.max = sqlite3_column_double (raw_stmt, 1);
      sample.count = 1;
      if (isfinite (sample.mean))
        g_array_prepend_val (out->samples, sample);
    }
  sqlite3_reset (raw_stmt);
  if (rc != SQLITE_DONE)
    return FALSE;

  if (out->samples->len > 0)
    oldest_raw_us = g_array_index (out->samples, MimicHistoryBucket, 0).start_us;

  /* Only the minutes before the raw samples: the rest is in the samples
   * themselves and must not count twice. */
  sqlite3_bind_int64 (rollup_stmt, 1, series);
  sqlite3_bind_int64 (rollup_stmt, 2, data->rollup_since_us);
  sqlite3_bind_int64 (rollup_stmt, 3, oldest_raw_us - MIMIC_HISTORY_DB_ROLLUP_RESOLUTION);
  while ((rc = sqlite3_step (rollup_stmt)) == SQLITE_ROW)
    {
      MimicHistoryBucket bucket = { 0, };

      bucket.start_us = sqlite3_column_int64 (rollup_stmt, 0);
      bucket.duration_us = MIMIC_HISTORY_DB_ROLLUP_RESOLUTION;
      bucket.min = sqlite3_column_double (rollup_stmt, 1);
      bucket.max = sqlite3_column_double (rollup_stmt, 2);
      bucket.mean = sqlite3_column_double (rollup_stmt, 3);
      bucket.count = (guint) CLAMP (sqlite3_column_int64 (rollup_stmt, 4), 0, G_MAXUINT);
      if (bucket.count > 0 && isfinite (bucket.min) && isfinite (bucket.max) && isfinite (bucket.mean))
        g_array_append_val (out->rollups, bucket);
    }
  sqlite3_reset (rollup_stmt);

  return rc == SQLITE_DONE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_history_series_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *series_stmt = NULL, *raw_stmt = NULL, *rollup_stmt = NULL;
  GError *error = NULL;
  int rc;

  /* A connection of its own: in WAL mode it reads while the writer
   * writes. */
  rc = sqlite3_open_v2 (data->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      rc = sqlite3_prepare_v2 (db, "SELECT id, device, sensor FROM series ORDER BY id",
                               -1, &series_stmt, NULL);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT ts, value FROM samples WHERE series = ?1 AND ts >= ?2"
                             " ORDER BY ts DESC LIMIT ?3",
                             -1, &raw_stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "SELECT start, min, max, mean, count FROM rollups"
                             " WHERE series = ?1 AND start >= ?2 AND start <= ?3 ORDER BY start",
                             -1, &rollup_stmt, NULL);

  while (rc == SQLITE_OK && (rc = sqlite3_step (series_stmt)) == SQLITE_ROW)
    {
      g_autoptr(MimicHistorySeries) series = g_new0 (MimicHistorySeries, 1);

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        break;

      series->device_id = g_strdup ((const char *) sqlite3_column_text (series_stmt, 1));
      series->sensor_id = g_strdup ((const char *) sqlite3_column_text (series_stmt, 2));
      series->samples = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
      series->rollups = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));

      if (!load_series (db, raw_stmt, rollup_stmt, sqlite3_column_int64 (series_stmt, 0), data, series))
        {
          rc = sqlite3_errcode (db);
          break;
        }

      if (series->device_id != NULL && series->sensor_id != NULL &&
          (series->samples->len > 0 || series->rollups->len > 0))
        g_ptr_array_add (result, g_steal_pointer (&series));

      rc = SQLITE_OK;
    }

  if (error == NULL && rc != SQLITE_DONE)
    g_set_error (&error, MIMIC_HISTORY_ERROR, MIMIC_HISTORY_ERROR_FAILED,
                 _("Cannot read the history database “%s”: %s"), data->path,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));

  sqlite3_finalize (series_stmt);
  sqlite3_finalize (raw_stmt);
  sqlite3_finalize (rollup_stmt);
  sqlite3_close (db);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) g_ptr_array_unref);
}

/* Reads, on a worker thread, every series in the database: up to
 * max_raw_per_series of its newest raw samples since raw_since_us, and its
 * minute rollups since rollup_since_us up to the first of those samples.
 * The result is a GPtrArray of MimicHistorySeries. */
void
mimic_history_db_load_async (MimicHistoryDb      *self,
                             gint64               raw_since_us,
                             guint                max_raw_per_series,
                             gint64               rollup_since_us,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (MIMIC_IS_HISTORY_DB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->path = g_strdup (self->path);
  data->raw_since_us = raw_since_us;
  data->max_raw = max_raw_per_series;
  data->rollup_since_us = rollup_since_us;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_history_db_load_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

GPtrArray *
mimic_history_db_load_finish (MimicHistoryDb  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (MIMIC_IS_HISTORY_DB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
