/* bench-twin-store.c — how fast the twin store applies updates, and what a
 * stored history sample costs in memory
 *
 * Prints its figures; asserts nothing about speed. Run with
 *   meson test -C build --suite bench --verbose twin-store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "mimic-history-db.h"
#include "mimic-twin-store.h"
#include "mimic-bench.h"

#define N_DEVICES 1000
#define N_SENSORS 12
#define BATCH_SIZE 500
#define N_ROUNDS 100
#define T0 (G_GINT64_CONSTANT (1700000000) * G_TIME_SPAN_SECOND)

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One round: every sensor of every device once, cut into batches of
 * BATCH_SIZE samples as a feed would hand them over. */
static GPtrArray *
make_round (guint  round,
            char **device_ids,
            char **sensor_ids)
{
  GPtrArray *batches = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  MimicUpdateBatch *batch = NULL;

  for (guint d = 0; d < N_DEVICES; d++)
    for (guint s = 0; s < N_SENSORS; s++)
      {
        if (batch == NULL || mimic_update_batch_get_n_samples (batch) == BATCH_SIZE)
          {
            batch = mimic_update_batch_new ();
            g_ptr_array_add (batches, batch);
          }
        mimic_update_batch_add_sample (batch, device_ids[d], sensor_ids[s],
                                       T0 + round * G_TIME_SPAN_SECOND + d,
                                       (double) ((round * 7 + d + s) % 1000) / 10.0,
                                       MIMIC_QUALITY_GOOD);
      }

  return batches;
}

static void
bench_apply (void)
{
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(GPtrArray) rounds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  char *device_ids[N_DEVICES], *sensor_ids[N_SENSORS];
  double cpu, wall;
  gint64 started;
  guint64 n_values = 0;

  for (guint d = 0; d < N_DEVICES; d++)
    device_ids[d] = g_strdup_printf ("device-%04u", d);
  for (guint s = 0; s < N_SENSORS; s++)
    sensor_ids[s] = g_strdup_printf ("sensor-%02u", s);

  /* Batches are built up front: this measures the store, not the decoder. */
  for (guint r = 0; r <= N_ROUNDS; r++)
    g_ptr_array_add (rounds, make_round (r, device_ids, sensor_ids));

  /* Round 0 creates the devices, sensors and histories. */
  {
    GPtrArray *batches = g_ptr_array_index (rounds, 0);

    for (guint i = 0; i < batches->len; i++)
      mimic_twin_store_apply_batch (store, g_ptr_array_index (batches, i));
  }

  /* One batch at a time, each its own change with its own signals. */
  started = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  for (guint r = 1; r <= N_ROUNDS / 2; r++)
    {
      GPtrArray *batches = g_ptr_array_index (rounds, r);

      for (guint i = 0; i < batches->len; i++)
        {
          mimic_twin_store_apply_batch (store, g_ptr_array_index (batches, i));
          n_values += BATCH_SIZE;
        }
    }
  cpu = cpu_seconds () - cpu;
  wall = (g_get_monotonic_time () - started) / 1e6;
  printf ("apply_batch: %u devices x %u sensors, batches of %u: %" G_GUINT64_FORMAT " values in %.3f s CPU (%.3f s wall): %.0f values/s on one core\n",
          N_DEVICES, N_SENSORS, BATCH_SIZE, n_values, cpu, wall, n_values / cpu);
  mimic_bench_report ("twin_store.apply_rate", n_values / cpu, "values/s");

  /* Queued then flushed once per round (24 batches per flush), as the
   * main loop does once per frame. */
  n_values = 0;
  started = g_get_monotonic_time ();
  cpu = cpu_seconds ();
  for (guint r = N_ROUNDS / 2 + 1; r <= N_ROUNDS; r++)
    {
      GPtrArray *batches = g_ptr_array_index (rounds, r);

      for (guint i = 0; i < batches->len; i++)
        {
          mimic_twin_store_queue_batch (store, g_ptr_array_index (batches, i));
          n_values += BATCH_SIZE;
        }
      mimic_twin_store_flush (store);
    }
  cpu = cpu_seconds () - cpu;
  wall = (g_get_monotonic_time () - started) / 1e6;
  printf ("queue_batch + flush: %" G_GUINT64_FORMAT " values in %.3f s CPU (%.3f s wall): %.0f values/s on one core\n",
          n_values, cpu, wall, n_values / cpu);

  for (guint d = 0; d < N_DEVICES; d++)
    g_free (device_ids[d]);
  for (guint s = 0; s < N_SENSORS; s++)
    g_free (sensor_ids[s]);
}

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;

  return resident * (gsize) sysconf (_SC_PAGESIZE);
}

/* Fills n histories of the given raw capacity until every ring is full
 * (samples spread over 32 days) and returns them. */
static GPtrArray *
fill_histories (guint n,
                guint raw_capacity)
{
  GPtrArray *histories = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_history_unref);
  gint64 span = 32 * G_TIME_SPAN_DAY;
  guint n_samples = MAX (raw_capacity, 8000);

  for (guint h = 0; h < n; h++)
    {
      MimicHistory *history = mimic_history_new (raw_capacity);

      for (guint i = 0; i < n_samples; i++)
        mimic_history_add (history, T0 + span / n_samples * i, (double) (i % 97));
      g_ptr_array_add (histories, history);
    }

  return histories;
}

static void
bench_memory (void)
{
  const guint n = 1000;
  const guint small = 1024, large = 8192;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  gsize heap0, heap1, heap2, rss0, rss1, rss2;
  gsize rollup_buckets = 0;
  double per_sample_heap, per_sample_rss;

  for (guint level = 0; level < MIMIC_HISTORY_N_LEVELS; level++)
    rollup_buckets += mimic_history_level_get_capacity (level);

  printf ("history structure: raw sample %zu bytes (gint64 time + float value, two arrays); "
          "rollup bucket 20 bytes; %zu rollup buckets per sensor when full = %zu bytes\n",
          sizeof (gint64) + sizeof (float), rollup_buckets, rollup_buckets * 20);
  printf ("history structure: a full sensor with the default %u raw samples = %zu bytes "
          "(%.1f bytes per raw sample with rollups amortised over it)\n",
          MIMIC_HISTORY_DEFAULT_RAW_CAPACITY,
          (gsize) MIMIC_HISTORY_DEFAULT_RAW_CAPACITY * 12 + rollup_buckets * 20,
          (MIMIC_HISTORY_DEFAULT_RAW_CAPACITY * 12.0 + rollup_buckets * 20.0) / MIMIC_HISTORY_DEFAULT_RAW_CAPACITY);

  malloc_trim (0);
  heap0 = heap_in_use ();
  rss0 = resident_bytes ();
  a = fill_histories (n, small);
  heap1 = heap_in_use ();
  rss1 = resident_bytes ();
  b = fill_histories (n, large);
  heap2 = heap_in_use ();
  rss2 = resident_bytes ();

  printf ("measured (mallinfo2): %u full histories of %u raw samples: %zu bytes each "
          "(mimic_history_get_memory_size says %zu)\n",
          n, small, (heap1 - heap0) / n, mimic_history_get_memory_size (g_ptr_array_index (a, 0)));
  printf ("measured (mallinfo2): %u full histories of %u raw samples: %zu bytes each\n",
          n, large, (heap2 - heap1) / n);

  /* The difference between the two sizes is raw samples only: the rollup
   * rings are the same size in both. */
  per_sample_heap = (double) ((heap2 - heap1) - (heap1 - heap0)) / n / (large - small);
  per_sample_rss = ((double) rss2 - rss1 - ((double) rss1 - rss0)) / n / (large - small);
  printf ("measured: %.2f bytes per additional raw sample (mallinfo2), %.2f (/proc/self/statm RSS)\n",
          per_sample_heap, per_sample_rss);
  mimic_bench_report ("twin_store.bytes_per_sample", per_sample_heap, "bytes");
}

static void
bench_query (void)
{
  g_autoptr(GPtrArray) histories = fill_histories (1, MIMIC_HISTORY_DEFAULT_RAW_CAPACITY);
  MimicHistory *history = g_ptr_array_index (histories, 0);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  gint64 end = T0 + 32 * G_TIME_SPAN_DAY;
  const gint64 spans[] = { G_TIME_SPAN_HOUR, G_TIME_SPAN_DAY, 7 * G_TIME_SPAN_DAY, 30 * G_TIME_SPAN_DAY };
  const char *names[] = { "hour", "day", "week", "30 days" };

  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    {
      const guint repeats = 20000;
      double cpu = cpu_seconds ();

      for (guint r = 0; r < repeats; r++)
        {
          g_array_set_size (out, 0);
          mimic_history_query (history, end - spans[i], end, 500, out);
        }
      cpu = cpu_seconds () - cpu;
      printf ("query last %s (max 500 points): %u points, %.2f µs per query\n",
              names[i], out->len, cpu / repeats * 1e6);
    }
}

static void
bench_database (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-bench-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "history.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicHistoryDb) db = mimic_history_db_open (path, &error);
  const guint n_batches = 1000;
  gint64 started;
  double wall;

  g_assert_no_error (error);

  started = g_get_monotonic_time ();
  for (guint b = 0; b < n_batches; b++)
    {
      g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
      char device[32];

      for (guint i = 0; i < BATCH_SIZE; i++)
        {
          g_snprintf (device, sizeof device, "device-%04u", (b * BATCH_SIZE + i) / N_SENSORS % N_DEVICES);
          mimic_update_batch_add_sample (batch, device, "sensor", T0 + b * G_TIME_SPAN_SECOND, i,
                                         MIMIC_QUALITY_GOOD);
        }
      mimic_history_db_queue_batch (db, batch);
    }
  mimic_history_db_sync (db);
  wall = (g_get_monotonic_time () - started) / 1e6;
  printf ("history database: %u samples written by the writer thread in %.2f s wall: %.0f samples/s\n",
          n_batches * BATCH_SIZE, wall, n_batches * BATCH_SIZE / wall);

  mimic_history_db_close (db);
  for (guint i = 0; i < 3; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  printf ("# %u CPUs online\n", (guint) sysconf (_SC_NPROCESSORS_ONLN));
  bench_apply ();
  bench_memory ();
  bench_query ();
  bench_database ();

  return 0;
}
