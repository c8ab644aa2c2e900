/* bench-ingest.c — can Mimic keep up with the broker?
 *
 * One run publishes the same fixed stream of telemetry through a local
 * Mosquitto broker twice per round: once to `mosquitto_sub`, which only
 * receives and discards, and once to Mimic's MQTT feed, which decodes,
 * validates and batches into a twin store that applies everything on the
 * main loop. Both are timed from the first message published to the last
 * one consumed; the figures printed are the medians over the rounds.
 *
 *   meson test -C build --suite bench --verbose bench-ingest
 *   MIMIC_BENCH_MESSAGES=50000 MIMIC_BENCH_ROUNDS=5 build/tests/bench-ingest
 *
 * MIMIC_BENCH_FEED_ONLY=1 leaves the store out; MIMIC_BENCH_DECODE_THREAD=1
 * decodes on the feed's own worker thread instead of the MQTT I/O thread,
 * so receiving, decoding and applying run as three stages in parallel.
 * MIMIC_BENCH_JSON_TREE=1 reads native telemetry through a json-glib tree
 * instead of the streaming reader. Both consumers speak MQTT 5, as Mimic
 * does by default (the broker does more per message for an MQTT 5
 * subscriber); MIMIC_BENCH_MQTT_VERSION=4 runs both with MQTT 3.1.1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-ingest"

#include "config.h"

#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mimic-mqtt-feed.h"
#include "mimic-telemetry-decoder-private.h"
#include "mimic-test-broker.h"
#include "mimic-twin-store.h"

#define N_DEVICES 1000
#define N_VALUES 12
#define ROOT "bench"
#define DEADLINE_US (120 * G_USEC_PER_SEC)

typedef struct
{
  guint    n_messages;
  GString *payloads;      /* all payloads back to back */
  guint   *offsets;       /* n_messages + 1 */
  char   **topics;        /* per device */
} Stream;

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

static Stream *
stream_new (guint n_messages)
{
  Stream *stream = g_new0 (Stream, 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 ts_ms = 1700000000000;

  stream->n_messages = n_messages;
  stream->payloads = g_string_sized_new ((gsize) n_messages * 240);
  stream->offsets = g_new (guint, n_messages + 1);
  stream->topics = g_new0 (char *, N_DEVICES + 1);
  for (guint d = 0; d < N_DEVICES; d++)
    stream->topics[d] = g_strdup_printf (ROOT "/dev-%04u/telemetry", d);

  for (guint i = 0; i < n_messages; i++)
    {
      guint device = i % N_DEVICES;
      guint seq = i / N_DEVICES;

      stream->offsets[i] = stream->payloads->len;
      g_string_append_printf (stream->payloads, "{\"ts\":%" G_GINT64_FORMAT ",\"seq\":%u,\"values\":{",
                              ts_ms + seq * 100, seq);
      for (guint v = 0; v < N_VALUES; v++)
        g_string_append_printf (stream->payloads, "%s\"s%u\":%.3f", v > 0 ? "," : "", v,
                                g_rand_double_range (rand, 0, 1000) + device);
      g_string_append (stream->payloads, "}}");
    }
  stream->offsets[n_messages] = stream->payloads->len;

  return stream;
}

static void
stream_free (Stream *stream)
{
  g_string_free (stream->payloads, TRUE);
  g_free (stream->offsets);
  g_strfreev (stream->topics);
  g_free (stream);
}

static struct mosquitto *
connect_publisher (guint port)
{
  struct mosquitto *mosq = mosquitto_new (NULL, true, NULL);

  if (mosquitto_connect (mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS)
    g_error ("publisher cannot connect to port %u", port);
  return mosq;
}

/* Writes everything queued; an unthreaded client only writes when asked. */
static void
drain_publisher (struct mosquitto *mosq)
{
  while (mosquitto_want_write (mosq))
    if (mosquitto_loop_write (mosq, 1) != MOSQ_ERR_SUCCESS)
      break;
  mosquitto_loop (mosq, 10, 1);
}

static void
publish_births (guint port)
{
  struct mosquitto *mosq = connect_publisher (port);

  for (guint d = 0; d < N_DEVICES; d++)
    {
      g_autofree char *topic = g_strdup_printf (ROOT "/dev-%04u/birth", d);
      const char *payload = "{\"asset_type\":\"bench-device\"}";

      mosquitto_publish (mosq, NULL, topic, strlen (payload), payload, 0, true);
      drain_publisher (mosq);
    }
  for (guint i = 0; i < 20; i++)
    mosquitto_loop (mosq, 10, 1);
  mosquitto_disconnect (mosq);
  mosquitto_destroy (mosq);
}

typedef struct
{
  Stream *stream;
  guint   port;
  gint64  started_us;
  gint64  published_us;   /* when the last message was written to the broker */
  double  cpu_s;          /* the publisher thread's own CPU time */
} PublishJob;

static double
cpu_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static gpointer
publish_stream (gpointer data)
{
  PublishJob *job = data;
  Stream *stream = job->stream;
  struct mosquitto *mosq = connect_publisher (job->port);

  for (guint i = 0; i < 10; i++)
    mosquitto_loop (mosq, 5, 1);

  job->started_us = g_get_monotonic_time ();
  for (guint i = 0; i < stream->n_messages; i++)
    {
      int rc = mosquitto_publish (mosq, NULL, stream->topics[i % N_DEVICES],
                                  stream->offsets[i + 1] - stream->offsets[i],
                                  stream->payloads->str + stream->offsets[i], 0, false);

      if (rc != MOSQ_ERR_SUCCESS)
        g_error ("publish failed: %s", mosquitto_strerror (rc));
      if (mosquitto_want_write (mosq))
        mosquitto_loop_write (mosq, 1);
    }
  drain_publisher (mosq);
  job->published_us = g_get_monotonic_time ();
  mosquitto_disconnect (mosq);
  mosquitto_destroy (mosq);
  {
    struct timespec thread_time;

    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &thread_time);
    job->cpu_s = thread_time.tv_sec + thread_time.tv_nsec / 1e9;
  }

  return NULL;
}

/* Seconds for mosquitto_sub to receive the whole stream, or a negative
 * number when it did not within the deadline. */
static double
run_mosquitto_sub (MimicTestBroker *broker,
                   Stream          *stream,
                   double          *cpu_s)
{
  double children_before = cpu_seconds (RUSAGE_CHILDREN);
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = g_strdup_printf ("%u", mimic_test_broker_get_port (broker));
  g_autofree char *count = g_strdup_printf ("%u", stream->n_messages);
  PublishJob job = { stream, mimic_test_broker_get_port (broker), 0 };
  GThread *publisher;
  gint64 deadline;
  double seconds = -1;

  sub = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "mosquitto_sub",
                          "-h", "127.0.0.1", "-p", port, "-t", ROOT "/+/telemetry", "-C", count,
                          "-V", g_strcmp0 (g_getenv ("MIMIC_BENCH_MQTT_VERSION"), "4") == 0 ? "mqttv311" : "mqttv5",
                          NULL);
  g_assert_no_error (error);
  /* mosquitto_sub says nothing when it has subscribed; give it time. */
  g_usleep (500 * 1000);

  publisher = g_thread_new ("publisher", publish_stream, &job);
  deadline = g_get_monotonic_time () + DEADLINE_US;
  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_subprocess_get_identifier (sub) == NULL)
        break;
      g_usleep (200);
    }
  g_thread_join (publisher);

  g_printerr ("# mosquitto_sub run: the publisher took %.2f s\n",
              (job.published_us - job.started_us) / (double) G_USEC_PER_SEC);
  if (g_subprocess_get_identifier (sub) == NULL)
    seconds = (g_get_monotonic_time () - job.started_us) / (double) G_USEC_PER_SEC;
  else
    g_subprocess_force_exit (sub);
  g_subprocess_wait (sub, NULL, NULL);
  /* The broker is a child too, but it is reaped only at the very end. */
  *cpu_s = cpu_seconds (RUSAGE_CHILDREN) - children_before;

  return seconds;
}

typedef struct
{
  MimicFeed      *feed;
  MimicTwinStore *store;
} Mimic;

static void
queue_into_store (MimicFeed        *feed,
                  MimicUpdateBatch *batch,
                  gpointer          user_data)
{
  mimic_twin_store_queue_batch (MIMIC_TWIN_STORE (user_data), batch);
}

static gsize values_handed_over;

/* MIMIC_BENCH_FEED_ONLY=1: the feed alone, without the store's main-loop
 * work, to tell the two costs apart. */
static void
count_values (MimicFeed        *feed,
              MimicUpdateBatch *batch,
              gpointer          user_data)
{
  g_atomic_pointer_add (&values_handed_over, mimic_update_batch_get_n_samples (batch));
}

/* MIMIC_BENCH_JSON_TREE=1: native telemetry through a json-glib tree, as
 * before the streaming reader, to compare the two in one build. */
static void
decode_through_json_tree (MimicTelemetryDecoder *decoder,
                          gpointer               user_data)
{
  mimic_telemetry_decoder_set_streaming (decoder, FALSE);
}

static guint64
n_consumed (MimicTwinStore *store)
{
  if (g_getenv ("MIMIC_BENCH_FEED_ONLY") != NULL)
    return (guint64) g_atomic_pointer_get (&values_handed_over);

  return mimic_twin_store_get_n_applied_samples (store) + mimic_twin_store_get_n_dropped_samples (store);
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static Mimic
start_mimic (MimicTestBroker *broker)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  MimicFeedHealth health;
  gint64 deadline;
  Mimic mimic;

  mimic.store = mimic_twin_store_new ();
  mimic.feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_broker_get_port (broker), ROOT));
  if (g_getenv ("MIMIC_BENCH_DECODE_THREAD") != NULL)
    mimic_feed_set_decode_in_caller (mimic.feed, FALSE);
  if (g_getenv ("MIMIC_BENCH_JSON_TREE") != NULL)
    mimic_feed_configure_decoder (mimic.feed, decode_through_json_tree, NULL);
  if (g_strcmp0 (g_getenv ("MIMIC_BENCH_MQTT_VERSION"), "4") == 0)
    mimic_mqtt_feed_set_protocol_version (MIMIC_MQTT_FEED (mimic.feed), 4);
  if (g_getenv ("MIMIC_BENCH_FEED_ONLY") != NULL)
    mimic_feed_set_batch_handler (mimic.feed, count_values, NULL, NULL);
  else
    mimic_feed_set_batch_handler (mimic.feed, queue_into_store, g_object_ref (mimic.store), g_object_unref);
  mimic_feed_start_async (mimic.feed, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!mimic_feed_start_finish (mimic.feed, result, &error))
    g_error ("feed: %s", error->message);

  /* The retained births make the devices known. */
  deadline = g_get_monotonic_time () + DEADLINE_US;
  do
    {
      g_main_context_iteration (NULL, FALSE);
      mimic_feed_get_health (mimic.feed, &health);
      if (g_get_monotonic_time () > deadline)
        g_error ("only %" G_GUINT64_FORMAT " of %u births arrived", health.messages, N_DEVICES);
      g_usleep (1000);
    }
  while (health.messages < N_DEVICES);
  mimic_feed_flush (mimic.feed);
  mimic_twin_store_flush (mimic.store);

  return mimic;
}

static void
stop_mimic (Mimic *mimic)
{
  mimic_feed_stop (mimic->feed);
  g_clear_object (&mimic->feed);
  g_clear_object (&mimic->store);
}

/* Seconds until the twin store applied every value of the stream. */
static double
run_mimic (MimicTestBroker *broker,
           Stream          *stream,
           double          *values_per_second,
           double          *cpu_s)
{
  Mimic mimic = start_mimic (broker);
  double self_before = cpu_seconds (RUSAGE_SELF);
  PublishJob job = { stream, mimic_test_broker_get_port (broker), 0 };
  guint64 expected = (guint64) stream->n_messages * N_VALUES;
  guint64 applied_before = n_consumed (mimic.store);
  GThread *publisher;
  gint64 deadline, finished_us = 0;
  MimicFeedHealth health;

  publisher = g_thread_new ("publisher", publish_stream, &job);
  deadline = g_get_monotonic_time () + DEADLINE_US;
  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      if (n_consumed (mimic.store) - applied_before >= expected)
        {
          finished_us = g_get_monotonic_time ();
          break;
        }
    }
  g_thread_join (publisher);
  g_printerr ("# Mimic run: the publisher took %.2f s\n",
              (job.published_us - job.started_us) / (double) G_USEC_PER_SEC);
  /* Everything this process did but publishing: feed threads and store. */
  *cpu_s = cpu_seconds (RUSAGE_SELF) - self_before - job.cpu_s;

  mimic_feed_get_health (mimic.feed, &health);
  if (health.rejected_total > 0 || mimic_twin_store_get_n_dropped_samples (mimic.store) > 0)
    g_printerr ("# Mimic refused %" G_GUINT64_FORMAT " messages and the store dropped %" G_GUINT64_FORMAT " samples\n",
                health.rejected_total, mimic_twin_store_get_n_dropped_samples (mimic.store));
  stop_mimic (&mimic);

  if (finished_us == 0)
    return -1;

  *values_per_second = expected / ((finished_us - job.started_us) / (double) G_USEC_PER_SEC);
  return (finished_us - job.started_us) / (double) G_USEC_PER_SEC;
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
  return values->len > 0 ? g_array_index (values, double, values->len / 2) : 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) sub_rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) mimic_rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) value_rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sub_cpus = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) mimic_cpus = g_array_new (FALSE, FALSE, sizeof (double));
  guint n_messages = env_uint ("MIMIC_BENCH_MESSAGES", 200000);
  guint rounds = env_uint ("MIMIC_BENCH_ROUNDS", 3);
  MimicTestBrokerOptions options = {
    /* The stream is a burst: let the broker queue it for a slow consumer
     * instead of dropping, so both sides see every message. */
    .extra_config = "max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0",
  };
  const char *what = g_getenv ("MIMIC_BENCH_FEED_ONLY") != NULL ? "feed alone" : "feed + twin store";
  MimicTestBroker *broker;
  Stream *stream;
  double sub_median, mimic_median;

  mosquitto_lib_init ();
  broker = mimic_test_broker_new (&options, &error);
  g_assert_no_error (error);

  stream = stream_new (n_messages);
  publish_births (mimic_test_broker_get_port (broker));

  g_print ("# %u messages of %u values from %u devices (%.0f bytes each on average), QoS 0, %u rounds\n",
           n_messages, N_VALUES, N_DEVICES, (double) stream->payloads->len / n_messages, rounds);

  for (guint r = 0; r < rounds; r++)
    {
      double sub_cpu = 0, mimic_cpu = 0;
      double sub_s = run_mosquitto_sub (broker, stream, &sub_cpu);
      double values_per_second = 0;
      double mimic_s = run_mimic (broker, stream, &values_per_second, &mimic_cpu);
      double sub_rate = sub_s > 0 ? n_messages / sub_s : 0;
      double mimic_rate = mimic_s > 0 ? n_messages / mimic_s : 0;
      double sub_cpu_us = sub_cpu * 1e6 / n_messages, mimic_cpu_us = mimic_cpu * 1e6 / n_messages;

      g_print ("# round %u: mosquitto_sub %.0f msg/s (%.2f s, %.1f us CPU/msg), "
               "Mimic %s %.0f msg/s (%.2f s, %.1f us CPU/msg), %.0f values/s\n",
               r + 1, sub_rate, sub_s, sub_cpu_us, what, mimic_rate, mimic_s, mimic_cpu_us, values_per_second);
      g_array_append_val (sub_rates, sub_rate);
      g_array_append_val (mimic_rates, mimic_rate);
      g_array_append_val (value_rates, values_per_second);
      g_array_append_val (sub_cpus, sub_cpu_us);
      g_array_append_val (mimic_cpus, mimic_cpu_us);
    }

  sub_median = median (sub_rates);
  mimic_median = median (mimic_rates);
  g_print ("mosquitto_sub: %.0f msg/s, %.1f us CPU per message (median)\n", sub_median, median (sub_cpus));
  g_print ("Mimic %s: %.0f msg/s, %.0f values/s, %.1f us CPU per message (median)\n",
           what, mimic_median, median (value_rates), median (mimic_cpus));
  g_print ("ratio Mimic / mosquitto_sub: %.2f (goal: at least 0.9)\n",
           sub_median > 0 ? mimic_median / sub_median : 0);

  stream_free (stream);
  mimic_test_broker_free (broker);
  mosquitto_lib_cleanup ();
  return 0;
}
