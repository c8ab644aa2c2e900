/* mimic-alarm-journal.h — every alarm transition, kept in SQLite
 *
 * One SQLite file (WAL) holds a row per transition: when, which device,
 * sensor and condition, the priority, the old and the new state, the
 * value, and the operator with their comment or reason. Rows are written
 * on the journal's own thread, a burst in one transaction; the oldest are
 * deleted beyond the retention limits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-alarm.h"

G_BEGIN_DECLS

#define MIMIC_ALARM_JOURNAL_ERROR (mimic_alarm_journal_error_quark ())

typedef enum
{
  MIMIC_ALARM_JOURNAL_ERROR_OPEN,   /* the file cannot be opened or set up */
  MIMIC_ALARM_JOURNAL_ERROR_WRITE,
  MIMIC_ALARM_JOURNAL_ERROR_READ,
  MIMIC_ALARM_JOURNAL_ERROR_INVALID, /* a bad filter or limit */
} MimicAlarmJournalError;

GQuark mimic_alarm_journal_error_quark (void);

#define MIMIC_ALARM_JOURNAL_FILE_NAME "alarms.db"
/* Rows kept by default; the oldest go first. */
#define MIMIC_ALARM_JOURNAL_DEFAULT_MAX_ROWS 1000000
/* Days kept by default (sample time of the newest row minus this). */
#define MIMIC_ALARM_JOURNAL_DEFAULT_MAX_AGE_DAYS 365

/* One transition. @value is NaN when there is none (an operator's
 * action on an alarm with no reading yet); @operator_name and @comment
 * are NULL for transitions the process made. */
typedef struct
{
  gint64               timestamp_us;  /* sample time, microseconds since the epoch */
  char                *device_id;
  char                *sensor_id;
  MimicAlarmCondition  condition;
  MimicAlarmPriority   priority;
  MimicAlarmState      old_state;
  MimicAlarmState      new_state;
  double               value;
  char                *operator_name;
  char                *comment;
} MimicAlarmJournalEntry;

#define MIMIC_TYPE_ALARM_JOURNAL_ENTRY (mimic_alarm_journal_entry_get_type ())
GType                   mimic_alarm_journal_entry_get_type (void) G_GNUC_CONST;
MimicAlarmJournalEntry *mimic_alarm_journal_entry_copy     (const MimicAlarmJournalEntry *entry);
void                    mimic_alarm_journal_entry_free     (MimicAlarmJournalEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicAlarmJournalEntry, mimic_alarm_journal_entry_free)

/* What a query returns; every member is optional (NULL, 0, -1: any). */
typedef struct
{
  const char *device_id;
  const char *sensor_id;
  int         condition;        /* a MimicAlarmCondition, or -1 */
  int         min_priority;     /* a MimicAlarmPriority, or -1 */
  gint64      since_us;         /* inclusive; 0: unbounded */
  gint64      until_us;         /* inclusive; 0: unbounded */
  guint       limit;            /* rows; 0: no limit */
} MimicAlarmJournalFilter;

#define MIMIC_ALARM_JOURNAL_FILTER_INIT { NULL, NULL, -1, -1, 0, 0, 0 }

#define MIMIC_TYPE_ALARM_JOURNAL (mimic_alarm_journal_get_type ())
G_DECLARE_FINAL_TYPE (MimicAlarmJournal, mimic_alarm_journal, MIMIC, ALARM_JOURNAL, GObject)

/* @path NULL: MIMIC_ALARM_JOURNAL_FILE_NAME in the state directory. */
MimicAlarmJournal *mimic_alarm_journal_open          (const char                     *path,
                                                      GError                        **error);
const char        *mimic_alarm_journal_get_path      (MimicAlarmJournal              *self);

/* Retention: beyond @max_rows rows, or rows older than @max_age_us
 * before the newest one, the oldest are deleted (0: no such limit). */
void               mimic_alarm_journal_set_retention (MimicAlarmJournal              *self,
                                                      guint                           max_rows,
                                                      GTimeSpan                       max_age_us);

/* Queues a row; returns at once (thread-safe). */
void               mimic_alarm_journal_append        (MimicAlarmJournal              *self,
                                                      const MimicAlarmJournalEntry   *entry);
/* Rows that could not be written since the journal was opened. */
guint64            mimic_alarm_journal_get_n_failed  (MimicAlarmJournal              *self);

/* Completes once every row queued before the call is committed. */
void               mimic_alarm_journal_flush_async   (MimicAlarmJournal              *self,
                                                      GCancellable                   *cancellable,
                                                      GAsyncReadyCallback             callback,
                                                      gpointer                        user_data);
gboolean           mimic_alarm_journal_flush_finish  (MimicAlarmJournal              *self,
                                                      GAsyncResult                   *result,
                                                      GError                        **error);
/* The same, blocking: for tests, the command line and shutting down. */
gboolean           mimic_alarm_journal_flush         (MimicAlarmJournal              *self,
                                                      GError                        **error);

/* Rows matching @filter (NULL: all), newest first, read with a connection
 * of the caller's own. Returns MimicAlarmJournalEntry. */
GPtrArray         *mimic_alarm_journal_query         (MimicAlarmJournal              *self,
                                                      const MimicAlarmJournalFilter  *filter,
                                                      GError                        **error);
/* The same on a worker thread, for the console. */
void               mimic_alarm_journal_query_async   (MimicAlarmJournal              *self,
                                                      const MimicAlarmJournalFilter  *filter,
                                                      GCancellable                   *cancellable,
                                                      GAsyncReadyCallback             callback,
                                                      gpointer                        user_data);
GPtrArray         *mimic_alarm_journal_query_finish  (MimicAlarmJournal              *self,
                                                      GAsyncResult                   *result,
                                                      GError                        **error);

/* The rows of @filter as CSV (RFC 4180: CRLF line ends; fields with a
 * comma, quote or line break quoted, quotes doubled) with a header line;
 * times as ISO 8601 UTC with microseconds. */
gboolean           mimic_alarm_journal_export_csv    (MimicAlarmJournal              *self,
                                                      const MimicAlarmJournalFilter  *filter,
                                                      GOutputStream                  *output,
                                                      GCancellable                   *cancellable,
                                                      GError                        **error);
/* One CSV field, quoted when it needs to be; NULL gives the empty field. */
char              *mimic_alarm_journal_csv_field     (const char                     *text);

G_END_DECLS
