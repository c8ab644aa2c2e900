/* mimic-audit-log.h — the durable record of every command sent
 *
 * One SQLite file (WAL, synchronous=FULL) holds a row per command: who
 * sent it, when (wall clock and monotonic), to which device, what, with
 * which arguments and id, and once known its outcome and the reason. A
 * row is committed before its command is sent; the outcome is an update
 * of that row. Writes run on the log's own thread; their completions
 * come back in the thread-default main context of the caller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMIC_AUDIT_LOG_ERROR (mimic_audit_log_error_quark ())

typedef enum
{
  MIMIC_AUDIT_LOG_ERROR_OPEN,       /* the file cannot be opened or set up */
  MIMIC_AUDIT_LOG_ERROR_WRITE,      /* a row could not be committed */
  MIMIC_AUDIT_LOG_ERROR_READ,
  MIMIC_AUDIT_LOG_ERROR_DUPLICATE,  /* a command id recorded before */
  MIMIC_AUDIT_LOG_ERROR_UNKNOWN_ID, /* an outcome for an id never recorded */
  MIMIC_AUDIT_LOG_ERROR_CLOSED,
} MimicAuditLogError;

GQuark mimic_audit_log_error_quark (void);

/* The file name in the state directory when no path is given. */
#define MIMIC_AUDIT_LOG_FILE_NAME "audit.db"

/* One command as recorded. @outcome is NULL while the command waits for
 * its reply (or when the console died before it came). */
typedef struct
{
  char   *id;
  char   *operator_name;
  gint64  wall_us;              /* microseconds since the epoch */
  gint64  monotonic_us;         /* g_get_monotonic_time() of the sender */
  char   *device_id;
  char   *command;
  char   *arguments_json;      /* a JSON object */
  char   *outcome;             /* "acknowledged", "rejected", ... or NULL */
  char   *reason;              /* may be NULL */
  gint64  outcome_wall_us;      /* 0 while there is no outcome */
} MimicAuditEntry;

#define MIMIC_TYPE_AUDIT_ENTRY (mimic_audit_entry_get_type ())
GType            mimic_audit_entry_get_type (void) G_GNUC_CONST;
MimicAuditEntry *mimic_audit_entry_copy     (const MimicAuditEntry *entry);
void             mimic_audit_entry_free     (MimicAuditEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicAuditEntry, mimic_audit_entry_free)

#define MIMIC_TYPE_AUDIT_LOG (mimic_audit_log_get_type ())
G_DECLARE_FINAL_TYPE (MimicAuditLog, mimic_audit_log, MIMIC, AUDIT_LOG, GObject)

/* @path NULL: MIMIC_AUDIT_LOG_FILE_NAME in the state directory. Opens
 * (creating when needed) and checks the file before returning. */
MimicAuditLog *mimic_audit_log_open                 (const char             *path,
                                                     GError                **error);
const char    *mimic_audit_log_get_path             (MimicAuditLog          *self);

/* Commits a new row for @entry (its outcome members are ignored). The
 * callback runs once the row is durable, or with the error. */
void           mimic_audit_log_record_async         (MimicAuditLog          *self,
                                                     const MimicAuditEntry  *entry,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gboolean       mimic_audit_log_record_finish        (MimicAuditLog          *self,
                                                     GAsyncResult           *result,
                                                     GError                **error);
/* Sets the outcome of the row of @id, once: a second outcome is refused
 * with MIMIC_AUDIT_LOG_ERROR_DUPLICATE. */
void           mimic_audit_log_record_outcome_async (MimicAuditLog          *self,
                                                     const char             *id,
                                                     const char             *outcome,
                                                     const char             *reason,
                                                     gint64                  wall_us,
                                                     GCancellable           *cancellable,
                                                     GAsyncReadyCallback     callback,
                                                     gpointer                user_data);
gboolean       mimic_audit_log_record_outcome_finish (MimicAuditLog         *self,
                                                      GAsyncResult          *result,
                                                      GError               **error);
/* Blocks until every write queued before has been committed. For tests
 * and for shutting down; not on a busy main loop. */
void           mimic_audit_log_flush                (MimicAuditLog          *self);

/* Rows, newest first. @device_id NULL: every device; @since_us and
 * @until_us (wall clock, inclusive) 0: unbounded; @limit 0: no limit.
 * Reads on the calling thread with a connection of its own, so it never
 * waits for the writer. Returns MimicAuditEntry. */
GPtrArray     *mimic_audit_log_query                (MimicAuditLog          *self,
                                                     const char             *device_id,
                                                     gint64                  since_us,
                                                     gint64                  until_us,
                                                     guint                   limit,
                                                     GError                **error);
MimicAuditEntry *mimic_audit_log_lookup             (MimicAuditLog          *self,
                                                     const char             *id,
                                                     GError                **error);
/* The same rows as CSV (RFC 4180: CRLF line ends, fields with a comma,
 * quote or line break quoted, quotes doubled), with a header line; times
 * as ISO 8601 UTC. */
gboolean       mimic_audit_log_export_csv           (MimicAuditLog          *self,
                                                     GOutputStream          *output,
                                                     const char             *device_id,
                                                     gint64                  since_us,
                                                     gint64                  until_us,
                                                     GCancellable           *cancellable,
                                                     GError                **error);
/* One field quoted as RFC 4180 asks; NULL becomes the empty field. */
char          *mimic_audit_csv_field                (const char             *text);

G_END_DECLS
