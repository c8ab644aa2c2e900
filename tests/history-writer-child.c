/* history-writer-child.c — writes history until it is killed
 *
 * Helper of test-history-db's kill -9 test: opens the database given as
 * the only argument, says "ready" on stdout, then queues one sample per
 * millisecond (value = its sequence number, timestamp = when it was made)
 * through the real writer thread, forever.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "mimic-history-db.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MimicHistoryDb) db = NULL;
  g_autoptr(GError) error = NULL;
  guint64 sequence = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s DATABASE\n", argv[0]);
      return 2;
    }

  db = mimic_history_db_open (argv[1], &error);
  if (db == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  printf ("ready\n");
  fflush (stdout);

  /* Five samples every 5 ms, each stamped with the time it was made. */
  for (;;)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
      gint64 now = g_get_real_time ();

      for (int i = 0; i < 5; i++)
        mimic_update_batch_add_sample (batch, "child", "counter", now, (double) sequence++,
                                       MIMIC_QUALITY_GOOD);
      mimic_history_db_queue_batch (db, batch);
      g_usleep (5 * G_TIME_SPAN_MILLISECOND);
    }

  return 0;
}
