/* mimic-history-db.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-history.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

#define MIMIC_HISTORY_ERROR (mimic_history_error_quark ())

typedef enum
{
  MIMIC_HISTORY_ERROR_OPEN,      /* the file or its directory cannot be opened or created */
  MIMIC_HISTORY_ERROR_CORRUPT,   /* the file is not a usable history database */
  MIMIC_HISTORY_ERROR_FAILED,    /* a query failed */
} MimicHistoryError;

#define MIMIC_HISTORY_DB_DEFAULT_RAW_RETENTION     (7 * G_TIME_SPAN_DAY)
#define MIMIC_HISTORY_DB_DEFAULT_ROLLUP_RETENTION  (365 * G_TIME_SPAN_DAY)
/* The rollup rows the database keeps: one per series and minute. */
#define MIMIC_HISTORY_DB_ROLLUP_RESOLUTION         (60 * G_TIME_SPAN_SECOND)

/* What a reload brings back for one sensor: rollup buckets for the older
 * stretch, then the newest raw samples (duration 0), both oldest first. */
typedef struct
{
  char   *device_id;
  char   *sensor_id;
  GArray *rollups;   /* MimicHistoryBucket */
  GArray *samples;   /* MimicHistoryBucket, count 1 */
} MimicHistorySeries;

void      mimic_history_series_free (MimicHistorySeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicHistorySeries, mimic_history_series_free)

#define MIMIC_TYPE_HISTORY_DB (mimic_history_db_get_type ())

G_DECLARE_FINAL_TYPE (MimicHistoryDb, mimic_history_db, MIMIC, HISTORY_DB, GObject)

GQuark             mimic_history_error_quark           (void);

MimicHistoryDb    *mimic_history_db_open               (const char           *path,
                                                        GError              **error);
void               mimic_history_db_open_async         (const char           *path,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
MimicHistoryDb    *mimic_history_db_open_finish        (GAsyncResult         *result,
                                                        GError              **error);

const char        *mimic_history_db_get_path           (MimicHistoryDb       *self);

void               mimic_history_db_queue_batch        (MimicHistoryDb       *self,
                                                        MimicUpdateBatch     *batch);
void               mimic_history_db_sync               (MimicHistoryDb       *self);
void               mimic_history_db_close              (MimicHistoryDb       *self);

void               mimic_history_db_set_retention      (MimicHistoryDb       *self,
                                                        GTimeSpan             raw_retention,
                                                        GTimeSpan             rollup_retention);
void               mimic_history_db_run_retention      (MimicHistoryDb       *self);

guint64            mimic_history_db_get_n_written      (MimicHistoryDb       *self);
guint64            mimic_history_db_get_n_dropped      (MimicHistoryDb       *self);
guint64            mimic_history_db_get_n_failed       (MimicHistoryDb       *self);

void               mimic_history_db_load_async         (MimicHistoryDb       *self,
                                                        gint64                raw_since_us,
                                                        guint                 max_raw_per_series,
                                                        gint64                rollup_since_us,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray         *mimic_history_db_load_finish        (MimicHistoryDb       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
