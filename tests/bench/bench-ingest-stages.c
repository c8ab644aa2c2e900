/* bench-ingest-stages.c — the CPU cost of each stage of Mimic's ingest path
 *
 * The same telemetry stream as bench-ingest (1000 devices, 12 values per
 * message), without a broker: one thread decodes the messages with
 * MimicTelemetryDecoder into batches of MIMIC_FEED_BATCH_MESSAGES, as a
 * feed does, and applies each batch to a twin store, as the main loop does.
 * The two stages are timed apart (thread CPU time), so a change to either
 * shows without the noise of the network and of other processes; the run
 * is also small and deterministic enough for callgrind:
 *
 *   meson test -C build --suite bench --verbose bench-ingest-stages
 *   MIMIC_BENCH_MESSAGES=20000 valgrind --tool=callgrind build/tests/bench-ingest-stages
 *
 * A second pass registers the twelve sensors with ranges for the asset
 * type, so every value is also checked against its sensor's description.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-ingest-stages"

#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "mimic-feed.h"
#include "mimic-telemetry-decoder.h"
#include "mimic-telemetry-decoder-private.h"
#include "mimic-twin-store.h"

#define N_DEVICES 1000
#define N_VALUES 12
#define ROOT "bench"
#define ASSET_TYPE "bench-device"

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &value, NULL))
    return fallback;
  return value;
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The payload of message i, as bench-ingest publishes it. */
static void
format_message (GString *payload,
                GRand   *rand,
                guint    i)
{
  guint device = i % N_DEVICES;
  guint seq = i / N_DEVICES;

  g_string_truncate (payload, 0);
  g_string_append_printf (payload, "{\"ts\":%" G_GINT64_FORMAT ",\"seq\":%u,\"values\":{",
                          (gint64) 1700000000000 + seq * 100, seq);
  for (guint v = 0; v < N_VALUES; v++)
    g_string_append_printf (payload, "%s\"s%u\":%.3f", v > 0 ? "," : "", v,
                            g_rand_double_range (rand, 0, 1000) + device);
  g_string_append (payload, "}}");
}

typedef struct
{
  double decode_s;
  double apply_s;
  guint  n_samples;
} StageTimes;

static void
run_pass (guint       n_messages,
          gboolean    with_ranges,
          StageTimes *times)
{
  g_autoptr(MimicTelemetryDecoder) decoder = mimic_telemetry_decoder_new (ROOT);
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GString) payload = g_string_new (NULL);
  g_autoptr(MimicUpdateBatch) births = mimic_update_batch_new ();
  g_auto(GStrv) topics = g_new0 (char *, N_DEVICES + 1);
  gint64 received_us = g_get_real_time ();
  MimicUpdateBatch *batch = NULL;
  guint batch_messages = 0;
  MimicDecodeResult result;

  memset (times, 0, sizeof *times);
  /* MIMIC_BENCH_JSON_TREE=1: through a json-glib tree, as before the
   * streaming reader. */
  if (g_getenv ("MIMIC_BENCH_JSON_TREE") != NULL)
    mimic_telemetry_decoder_set_streaming (decoder, FALSE);
  /* No heartbeat pass in the middle of the measurement. */
  mimic_twin_store_set_heartbeat_timeout (store, 0);

  if (with_ranges)
    for (guint v = 0; v < N_VALUES; v++)
      {
        g_autofree char *sensor = g_strdup_printf ("s%u", v);

        mimic_telemetry_decoder_add_sensor (decoder, ASSET_TYPE, sensor, -1e6, 1e6);
      }

  for (guint d = 0; d < N_DEVICES; d++)
    {
      g_autofree char *birth_topic = g_strdup_printf (ROOT "/dev-%04u/birth", d);
      const char *birth = "{\"asset_type\":\"" ASSET_TYPE "\"}";

      topics[d] = g_strdup_printf (ROOT "/dev-%04u/telemetry", d);
      mimic_telemetry_decoder_decode (decoder, birth_topic, (const guint8 *) birth, strlen (birth),
                                      received_us, births, &result);
    }
  mimic_twin_store_apply_batch (store, births);

  for (guint i = 0; i < n_messages; i++)
    {
      double started;

      format_message (payload, rand, i);

      started = thread_cpu_seconds ();
      if (batch == NULL)
        batch = mimic_update_batch_new ();
      mimic_telemetry_decoder_decode (decoder, topics[i % N_DEVICES], (const guint8 *) payload->str,
                                      payload->len, received_us, batch, &result);
      times->decode_s += thread_cpu_seconds () - started;
      if (result.n_values != N_VALUES)
        g_error ("message %u gave %u values", i, result.n_values);

      if (++batch_messages == MIMIC_FEED_BATCH_MESSAGES || i == n_messages - 1)
        {
          times->n_samples += mimic_update_batch_get_n_samples (batch);
          started = thread_cpu_seconds ();
          mimic_twin_store_apply_batch (store, batch);
          g_clear_pointer (&batch, mimic_update_batch_unref);
          times->apply_s += thread_cpu_seconds () - started;
          batch_messages = 0;
        }
    }

  if (mimic_twin_store_get_n_applied_samples (store) != times->n_samples)
    g_error ("the store applied %" G_GUINT64_FORMAT " of %u samples",
             mimic_twin_store_get_n_applied_samples (store), times->n_samples);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

int
main (int   argc,
      char *argv[])
{
  guint n_messages = env_uint ("MIMIC_BENCH_MESSAGES", 200000);
  guint rounds = env_uint ("MIMIC_BENCH_ROUNDS", 3);

  g_print ("# %u messages of %u values from %u devices, %u rounds; CPU time of one thread, medians\n",
           n_messages, N_VALUES, N_DEVICES, rounds);

  for (guint with_ranges = 0; with_ranges < 2; with_ranges++)
    {
      g_autoptr(GArray) decode = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) apply = g_array_new (FALSE, FALSE, sizeof (double));
      double decode_us, apply_us;

      for (guint r = 0; r < rounds; r++)
        {
          StageTimes times;

          run_pass (n_messages, with_ranges, &times);
          decode_us = times.decode_s * 1e6 / n_messages;
          apply_us = times.apply_s * 1e6 / n_messages;
          g_array_append_val (decode, decode_us);
          g_array_append_val (apply, apply_us);
        }

      decode_us = median (decode);
      apply_us = median (apply);
      g_print ("%s: decode %.2f us/message, apply %.2f us/message, together %.2f us/message "
               "(%.0f messages/s, %.0f values/s on one core)\n",
               with_ranges ? "sensors described with ranges" : "sensors not described",
               decode_us, apply_us, decode_us + apply_us,
               1e6 / (decode_us + apply_us), N_VALUES * 1e6 / (decode_us + apply_us));
    }

  return 0;
}
