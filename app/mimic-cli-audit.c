/* mimic-cli-audit.c — `mimic-cli audit` and `mimic-cli alarms`: the command
 * audit log and the alarm journal, read from their SQLite files
 *
 * Both print the newest rows first, one line each, or with --csv the same
 * RFC 4180 export the console writes, so an auditor needs no console and no
 * SQL. The files are only read: a missing file is an error, not created.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "mimic-alarm-journal.h"
#include "mimic-audit-log.h"
#include "mimic-cli-commands.h"
#include "mimic-paths.h"

/* Parses --since: an ISO 8601 date and time (UTC unless it names a zone),
 * a date (midnight UTC), or a span back from @now_us such as 90s, 15m,
 * 12h or 7d. */
static gboolean
parse_since (const char  *text,
             gint64       now_us,
             gint64      *since_us,
             GError     **error)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = NULL;
  char *end = NULL;
  double amount;

  when = g_date_time_new_from_iso8601 (text, utc);
  if (when == NULL && strlen (text) == 10)
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00", NULL);

      when = g_date_time_new_from_iso8601 (midnight, utc);
    }
  if (when != NULL)
    {
      *since_us = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
      return TRUE;
    }

  amount = g_ascii_strtod (text, &end);
  if (end != text && isfinite (amount) && amount >= 0 && end[0] != '\0' && end[1] == '\0')
    {
      double unit_s = 0;

      switch (end[0])
        {
        case 's': unit_s = 1; break;
        case 'm': unit_s = 60; break;
        case 'h': unit_s = 3600; break;
        case 'd': unit_s = 86400; break;
        default: break;
        }
      /* More than a century back is a typing mistake, and would overflow. */
      if (unit_s > 0 && amount * unit_s <= 100.0 * 365 * 86400)
        {
          *since_us = now_us - (gint64) (amount * unit_s * G_USEC_PER_SEC);
          return TRUE;
        }
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a time: give a date and time such as 2024-05-01T08:00:00Z, "
                 "a date such as 2024-05-01, or a span back such as 90s, 15m, 12h or 7d"), text);
  return FALSE;
}

/* Microseconds since the epoch as ISO 8601 UTC, to the second. */
static char *
format_time (gint64 wall_us)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (wall_us / G_USEC_PER_SEC);

  return when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("?");
}

/* A terminal line must stay one line whatever an operator typed. */
static char *
one_line (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *p = copy; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return copy;
}

static gboolean
open_existing (const char  *path,
               const char  *default_name,
               char       **resolved,
               GError     **error)
{
  if (path != NULL)
    *resolved = g_strdup (path);
  else
    {
      g_autofree char *state_dir = mimic_paths_get_state_dir ();

      *resolved = g_build_filename (state_dir, default_name, NULL);
    }

  if (!g_file_test (*resolved, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("There is no file %s"), *resolved);
      return FALSE;
    }
  return TRUE;
}

static GOutputStream *
stdout_stream (void)
{
  return g_unix_output_stream_new (STDOUT_FILENO, FALSE);
}

typedef struct
{
  char     *db_path;
  char     *device_id;
  char     *since;
  gboolean  csv;
  int       limit;
  gint64    since_us;
} ReadOptions;

static void
read_options_clear (ReadOptions *options)
{
  g_free (options->db_path);
  g_free (options->device_id);
  g_free (options->since);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReadOptions, read_options_clear)

/* Parses the options both commands share. Returns FALSE with the message
 * printed, and the exit status in @status. */
static gboolean
parse_read_options (const char  *command,
                    const char  *parameter,
                    const char  *summary,
                    const char  *db_description,
                    int         *argc,
                    char      ***argv,
                    ReadOptions *options,
                    int         *status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) remaining = NULL;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &options->db_path, db_description, N_("FILE") },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &options->device_id, N_("Only rows of this device"), N_("ID") },
    { "since", 's', 0, G_OPTION_ARG_STRING, &options->since,
      N_("Only rows from this time on: 2024-05-01T08:00:00Z, 2024-05-01, or a span back such as 15m, 12h, 7d"),
      N_("TIME") },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &options->csv, N_("Write CSV (RFC 4180) with a header line"), NULL },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &options->limit, N_("At most N rows, the newest (not with --csv)"), N_("N") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &remaining, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new (parameter);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("mimic-cli %s: %s\n", command, error->message);
      *status = 2;
      return FALSE;
    }
  if (remaining != NULL)
    {
      g_printerr ("mimic-cli %s: ", command);
      g_printerr (_("unexpected argument “%s”"), remaining[0]);
      g_printerr ("\n");
      *status = 2;
      return FALSE;
    }
  if (options->limit < 0 || (options->limit > 0 && options->csv))
    {
      g_printerr ("mimic-cli %s: %s\n", command, _("--limit takes a positive number and does not go with --csv"));
      *status = 2;
      return FALSE;
    }
  if (options->since != NULL && !parse_since (options->since, g_get_real_time (), &options->since_us, &error))
    {
      g_printerr ("mimic-cli %s: %s\n", command, error->message);
      *status = 2;
      return FALSE;
    }
  return TRUE;
}

int
mimic_cli_audit (int    argc,
                 char **argv)
{
  g_auto(ReadOptions) options = { 0 };
  g_autoptr(MimicAuditLog) log = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int status = 0;

  if (!parse_read_options ("audit", _("— show or export the command audit log"),
                           _("Print the commands sent, newest first: when, who, to which device, what, with "
                             "which arguments, their outcome and its reason. --csv writes them as CSV."),
                           N_("Audit log file (default: audit.db in the state directory)"),
                           &argc, &argv, &options, &status))
    return status;

  if (!open_existing (options.db_path, MIMIC_AUDIT_LOG_FILE_NAME, &path, &error) ||
      (log = mimic_audit_log_open (path, &error)) == NULL)
    {
      g_printerr ("mimic-cli audit: %s\n", error->message);
      return 1;
    }

  if (options.csv)
    {
      g_autoptr(GOutputStream) out = stdout_stream ();

      if (!mimic_audit_log_export_csv (log, out, options.device_id, options.since_us, 0, NULL, &error) ||
          !g_output_stream_flush (out, NULL, &error))
        {
          g_printerr ("mimic-cli audit: %s\n", error->message);
          return 1;
        }
      return 0;
    }

  rows = mimic_audit_log_query (log, options.device_id, options.since_us, 0, (guint) options.limit, &error);
  if (rows == NULL)
    {
      g_printerr ("mimic-cli audit: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MimicAuditEntry *entry = g_ptr_array_index (rows, i);
      g_autofree char *time = format_time (entry->wall_us);
      g_autofree char *operator_name = one_line (entry->operator_name);
      g_autofree char *arguments = one_line (entry->arguments_json);
      g_autofree char *reason = one_line (entry->reason);

      /* Stable words first and the free text last, as `send` prints. */
      g_print ("%s %s %s %s %s %s %s%s%s\n", time, entry->outcome != NULL ? entry->outcome : "no-outcome",
               operator_name, entry->device_id, entry->command, arguments, entry->id,
               reason[0] != '\0' ? ": " : "", reason);
    }
  return 0;
}

int
mimic_cli_alarms (int    argc,
                  char **argv)
{
  g_auto(ReadOptions) options = { 0 };
  g_autoptr(MimicAlarmJournal) journal = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  MimicAlarmJournalFilter filter = MIMIC_ALARM_JOURNAL_FILTER_INIT;
  int status = 0;

  if (!parse_read_options ("alarms", _("— show or export the alarm journal"),
                           _("Print the alarm transitions, newest first: when, which device, sensor and "
                             "condition, the priority, the old and the new state, the value, and who acted "
                             "with their comment. --csv writes them as CSV."),
                           N_("Alarm journal file (default: alarms.db in the state directory)"),
                           &argc, &argv, &options, &status))
    return status;

  if (!open_existing (options.db_path, MIMIC_ALARM_JOURNAL_FILE_NAME, &path, &error) ||
      (journal = mimic_alarm_journal_open (path, &error)) == NULL)
    {
      g_printerr ("mimic-cli alarms: %s\n", error->message);
      return 1;
    }

  filter.device_id = options.device_id;
  filter.since_us = options.since_us;
  filter.limit = (guint) options.limit;

  if (options.csv)
    {
      g_autoptr(GOutputStream) out = stdout_stream ();

      if (!mimic_alarm_journal_export_csv (journal, &filter, out, NULL, &error) ||
          !g_output_stream_flush (out, NULL, &error))
        {
          g_printerr ("mimic-cli alarms: %s\n", error->message);
          return 1;
        }
      return 0;
    }

  rows = mimic_alarm_journal_query (journal, &filter, &error);
  if (rows == NULL)
    {
      g_printerr ("mimic-cli alarms: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const MimicAlarmJournalEntry *entry = g_ptr_array_index (rows, i);
      g_autofree char *time = format_time (entry->timestamp_us);
      g_autofree char *operator_name = one_line (entry->operator_name);
      g_autofree char *comment = one_line (entry->comment);
      char value[G_ASCII_DTOSTR_BUF_SIZE] = "-";

      if (isfinite (entry->value))
        g_ascii_formatd (value, sizeof value, "%.6g", entry->value);
      g_print ("%s %s/%s/%s %s %s→%s %s%s%s%s%s\n", time, entry->device_id, entry->sensor_id,
               mimic_alarm_condition_to_string (entry->condition), mimic_alarm_priority_to_string (entry->priority),
               mimic_alarm_state_to_string (entry->old_state), mimic_alarm_state_to_string (entry->new_state), value,
               operator_name[0] != '\0' ? " " : "", operator_name, comment[0] != '\0' ? ": " : "", comment);
    }
  return 0;
}
