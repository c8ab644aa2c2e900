/* audit-log-writer-child.c — records commands in an audit log until
 * test-audit-log kills it with SIGKILL
 *
 * Prints the id of every row once its record call reported it durable,
 * so the test knows which rows must survive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "audit-log-writer-child"

#include "config.h"

#include <stdio.h>

#include "mimic-audit-log.h"

#define IN_FLIGHT 4

typedef struct
{
  MimicAuditLog *log;
  guint          in_flight;
} Writer;

typedef struct
{
  Writer *writer;
  char   *id;
} Call;

static void record_more (Writer *writer);

static void
recorded (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Call *call = user_data;
  Writer *writer = call->writer;
  g_autoptr(GError) error = NULL;

  if (!mimic_audit_log_record_finish (writer->log, result, &error))
    g_error ("%s", error->message);
  printf ("%s\n", call->id);
  fflush (stdout);
  /* Half the rows also get an outcome, as a console's would. */
  if (call->id[0] < '8')
    mimic_audit_log_record_outcome_async (writer->log, call->id, "acknowledged", NULL, g_get_real_time (),
                                          NULL, NULL, NULL);
  g_free (call->id);
  g_free (call);
  writer->in_flight--;
  record_more (writer);
}

static void
record_more (Writer *writer)
{
  while (writer->in_flight < IN_FLIGHT)
    {
      Call *call = g_new0 (Call, 1);
      MimicAuditEntry entry = { 0 };

      call->writer = writer;
      call->id = g_uuid_string_random ();
      entry.id = call->id;
      entry.operator_name = (char *) "child";
      entry.wall_us = g_get_real_time ();
      entry.monotonic_us = g_get_monotonic_time ();
      entry.device_id = (char *) "pump-001";
      entry.command = (char *) "set_speed";
      entry.arguments_json = (char *) "{\"speed\":1200}";
      writer->in_flight++;
      mimic_audit_log_record_async (writer->log, &entry, NULL, recorded, call);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Writer writer = { 0 };

  if (argc != 2)
    return 2;

  writer.log = mimic_audit_log_open (argv[1], &error);
  if (writer.log == NULL)
    g_error ("%s", error->message);

  record_more (&writer);
  g_main_loop_run (loop);
  return 0;
}
