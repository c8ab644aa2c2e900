/* test-fault-injection.c — Mimic's MQTT feed and commands behind a proxy
 * that delays, stalls and resets the connection to the broker
 *
 * The device side (a plain MQTT publisher, or mimic-device) talks to the
 * broker directly; only Mimic's connection goes through the proxy
 * (tests/mimic-test-proxy.h), as when the network near the console fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-fault-injection"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <string.h>

#include "mimic-command-manager.h"
#include "mimic-mqtt-feed.h"
#include "mimic-test-broker.h"
#include "mimic-test-proxy.h"
#include "mimic-test-utils.h"

#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)
/* The feed's reconnect backoff in these tests. */
#define BACKOFF_INITIAL_MS 50
#define BACKOFF_MAX_MS     400
/* Time to connect and subscribe once the backoff has run out, generous
 * enough for a sanitizer build on a busy machine. */
#define CONNECT_SLACK_MS   2000

static MimicTestBroker *shared_broker;

/* What reached the batch handler (on the feed's worker thread). */
typedef struct
{
  GMutex  mutex;
  double  last_flow;
  guint   n_flow;
} Collector;

static void
collect_batch (MimicFeed        *feed,
               MimicUpdateBatch *batch,
               gpointer          user_data)
{
  Collector *collector = user_data;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);

      if (strcmp (sample->sensor_id, "flow") == 0)
        {
          collector->last_flow = sample->value;
          collector->n_flow++;
        }
    }
  g_mutex_unlock (&collector->mutex);
}

static guint
collector_get_n_flow (Collector *collector)
{
  guint n;

  g_mutex_lock (&collector->mutex);
  n = collector->n_flow;
  g_mutex_unlock (&collector->mutex);
  return n;
}

static double
collector_get_last_flow (Collector *collector)
{
  double value;

  g_mutex_lock (&collector->mutex);
  value = collector->last_flow;
  g_mutex_unlock (&collector->mutex);
  return value;
}

static void
accept_any_device (MimicTelemetryDecoder *decoder,
                   gpointer               user_data)
{
  mimic_telemetry_decoder_set_require_birth (decoder, FALSE);
}

static gboolean
is_not_connected (gpointer data)
{
  return mimic_feed_get_state (MIMIC_FEED (data)) != MIMIC_FEED_STATE_CONNECTED;
}

/* A device publishing straight to the broker. */
static struct mosquitto *
publisher_new (void)
{
  struct mosquitto *mosq = mosquitto_new (NULL, TRUE, NULL);

  g_assert_nonnull (mosq);
  g_assert_cmpint (mosquitto_connect (mosq, "127.0.0.1", (int) mimic_test_broker_get_port (shared_broker), 30),
                   ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_loop_start (mosq), ==, MOSQ_ERR_SUCCESS);
  return mosq;
}

static void
publisher_free (struct mosquitto *mosq)
{
  mosquitto_disconnect (mosq);
  mosquitto_loop_stop (mosq, FALSE);
  mosquitto_destroy (mosq);
}

static void
publish_flow (struct mosquitto *mosq,
              const char       *root,
              guint             seq,
              double            flow)
{
  g_autofree char *topic = g_strdup_printf ("%s/dev-1/telemetry", root);
  g_autofree char *payload = g_strdup_printf ("{\"seq\":%u,\"values\":{\"flow\":%g}}", seq, flow);

  g_assert_cmpint (mosquitto_publish (mosq, NULL, topic, (int) strlen (payload), payload, 1, false),
                   ==, MOSQ_ERR_SUCCESS);
}

typedef struct
{
  Collector *collector;
  guint      n;
} FlowWait;

static gboolean
has_n_flow (gpointer data)
{
  FlowWait *wait = data;

  return collector_get_n_flow (wait->collector) >= wait->n;
}

typedef struct
{
  MimicTestProxy *proxy;
  MimicFeed      *feed;
  MimicBackoff   *backoff;
  Collector       collector;
  GArray         *states;         /* MimicFeedState, as notified */
  GArray         *gaps;           /* gint64 µs, as signalled */
} FeedFixture;

static void
on_state (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  FeedFixture *fixture = user_data;
  MimicFeedState state = mimic_feed_get_state (MIMIC_FEED (object));

  g_array_append_val (fixture->states, state);
}

static void
on_gap (MimicFeed *feed,
        gint64     gap_us,
        gpointer   user_data)
{
  FeedFixture *fixture = user_data;

  g_array_append_val (fixture->gaps, gap_us);
}

static void
saw_state (FeedFixture    *fixture,
           MimicFeedState  state,
           gboolean       *seen)
{
  *seen = FALSE;
  for (guint i = 0; i < fixture->states->len; i++)
    if (g_array_index (fixture->states, MimicFeedState, i) == state)
      *seen = TRUE;
}

static void
feed_fixture_set_up (FeedFixture   *fixture,
                     gconstpointer  data)
{
  const char *root = data;
  g_autoptr(GError) error = NULL;

  fixture->proxy = mimic_test_proxy_new (mimic_test_broker_get_port (shared_broker), &error);
  g_assert_no_error (error);
  g_mutex_init (&fixture->collector.mutex);
  fixture->states = g_array_new (FALSE, FALSE, sizeof (MimicFeedState));
  fixture->gaps = g_array_new (FALSE, FALSE, sizeof (gint64));

  fixture->feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_proxy_get_port (fixture->proxy), root));
  fixture->backoff = mimic_backoff_new (BACKOFF_INITIAL_MS, 2.0, BACKOFF_MAX_MS);
  mimic_mqtt_feed_set_backoff (MIMIC_MQTT_FEED (fixture->feed), fixture->backoff);
  mimic_feed_configure_decoder (fixture->feed, accept_any_device, NULL);
  mimic_feed_set_batch_handler (fixture->feed, collect_batch, &fixture->collector, NULL);
  g_signal_connect (fixture->feed, "notify::state", G_CALLBACK (on_state), fixture);
  g_signal_connect (fixture->feed, "gap", G_CALLBACK (on_gap), fixture);
  mimic_feed_start_async (fixture->feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, fixture->feed, WAIT_TIMEOUT_US));
}

static void
feed_fixture_tear_down (FeedFixture   *fixture,
                        gconstpointer  data)
{
  mimic_feed_stop (fixture->feed);
  g_assert_finalize_object (fixture->feed);
  g_clear_object (&fixture->backoff);
  g_clear_pointer (&fixture->proxy, mimic_test_proxy_free);
  g_array_unref (fixture->states);
  g_array_unref (fixture->gaps);
  g_mutex_clear (&fixture->collector.mutex);
}

/* Values flow through the proxy: the subscriptions are in place. */
static void
assert_values_flow (FeedFixture      *fixture,
                    struct mosquitto *device,
                    const char       *root,
                    guint             seq,
                    double            flow)
{
  FlowWait wait = { &fixture->collector, collector_get_n_flow (&fixture->collector) + 1 };

  publish_flow (device, root, seq, flow);
  g_assert_true (mimic_test_iterate_until (has_n_flow, &wait, WAIT_TIMEOUT_US));
  g_assert_cmpfloat (collector_get_last_flow (&fixture->collector), ==, flow);
}

static void
test_reset_reconnects (FeedFixture   *fixture,
                       gconstpointer  data)
{
  const char *root = data;
  struct mosquitto *device = publisher_new ();
  MimicFeedHealth health;
  gint64 reset_us, reconnected_us;
  gboolean seen;

  assert_values_flow (fixture, device, root, 1, 10.0);
  g_assert_cmpuint (mimic_test_proxy_get_n_accepted (fixture->proxy), ==, 1);

  for (guint round = 1; round <= 3; round++)
    {
      g_assert_cmpuint (mimic_test_proxy_reset (fixture->proxy), ==, 1);
      reset_us = g_get_monotonic_time ();
      g_assert_true (mimic_test_iterate_until (is_not_connected, fixture->feed, WAIT_TIMEOUT_US));
      g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, fixture->feed, WAIT_TIMEOUT_US));
      reconnected_us = g_get_monotonic_time ();
      g_test_message ("round %u: connected again after %.0f ms", round, (reconnected_us - reset_us) / 1000.0);

      /* Within the backoff's bound: the first retry waits at most the
       * initial delay, a later one at most the maximum. */
      g_assert_cmpint (reconnected_us - reset_us, <=, (BACKOFF_MAX_MS + CONNECT_SLACK_MS) * 1000);
      g_assert_cmpuint (mimic_test_proxy_get_n_accepted (fixture->proxy), >=, round + 1);

      /* Subscriptions restored: a value published now arrives. */
      assert_values_flow (fixture, device, root, round + 1, 10.0 + round);
    }

  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* The gap is marked: the state said so, and a gap per outage. */
  saw_state (fixture, MIMIC_FEED_STATE_RECONNECTING, &seen);
  g_assert_true (seen);
  mimic_feed_get_health (fixture->feed, &health);
  g_assert_cmpuint (health.reconnects, ==, 3);
  g_assert_cmpuint (fixture->gaps->len, ==, 3);
  for (guint i = 0; i < fixture->gaps->len; i++)
    g_assert_cmpint (g_array_index (fixture->gaps, gint64, i), >, 0);
  g_assert_cmpint (health.last_gap_us, ==, g_array_index (fixture->gaps, gint64, 2));

  publisher_free (device);
}

static void
test_delay_and_stall (FeedFixture   *fixture,
                      gconstpointer  data)
{
  const char *root = data;
  struct mosquitto *device = publisher_new ();
  MimicFeedHealth health;
  FlowWait wait = { &fixture->collector, 0 };
  gint64 start_us;

  /* Slow but working: values arrive, late. */
  mimic_test_proxy_set_delay (fixture->proxy, 200);
  start_us = g_get_monotonic_time ();
  assert_values_flow (fixture, device, root, 1, 1.0);
  g_assert_cmpint (g_get_monotonic_time () - start_us, >=, 200 * 1000);
  mimic_test_proxy_set_delay (fixture->proxy, 0);

  /* A stall shorter than the keep-alive: nothing arrives while it lasts,
   * everything arrives after, and it is not taken for an outage. */
  mimic_test_proxy_cut (fixture->proxy);
  for (guint seq = 2; seq <= 11; seq++)
    publish_flow (device, root, seq, seq);
  g_usleep (500 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (collector_get_n_flow (&fixture->collector), ==, 1);
  mimic_test_proxy_restore (fixture->proxy);
  wait.n = 11;
  g_assert_true (mimic_test_iterate_until (has_n_flow, &wait, WAIT_TIMEOUT_US));
  g_assert_cmpfloat (collector_get_last_flow (&fixture->collector), ==, 11.0);

  mimic_feed_get_health (fixture->feed, &health);
  g_assert_cmpuint (health.reconnects, ==, 0);
  g_assert_cmpuint (health.rejected_total, ==, 0);
  g_assert_cmpint (mimic_feed_get_state (fixture->feed), ==, MIMIC_FEED_STATE_CONNECTED);

  publisher_free (device);
}

/* Commands */

typedef struct
{
  char                *dir;
  char                *command_log;
  char                *audit_path;
  GSubprocess         *device;
  MimicTestProxy      *proxy;
  MimicBackoff        *backoff;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicAssetRegistry  *registry;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
} CommandFixture;

/* Online and, after a reset, seen again on the new link: the manager
 * refuses commands to a device until then, as they would be lost. */
static gboolean
device_online (gpointer data)
{
  CommandFixture *fixture = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, "pump-001");

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_command_manager_get_device_deduplicates (fixture->manager, "pump-001") &&
         mimic_command_manager_validate (fixture->manager, "pump-001", "stop", NULL, NULL);
}

static void
command_fixture_set_up (CommandFixture *fixture,
                        gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  fixture->dir = mimic_test_make_temp_dir ("mimic-fault-XXXXXX");
  fixture->command_log = g_build_filename (fixture->dir, "device-commands.jsonl", NULL);
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);

  {
    const char *args[] = { "--pumps", "1", "--rate", "5", "--mqtt", mimic_test_broker_get_url (shared_broker),
                           "--root", "faultcmd", "--command-log", fixture->command_log, NULL };
    fixture->device = mimic_test_spawn_device (args, NULL);
  }

  fixture->proxy = mimic_test_proxy_new (mimic_test_broker_get_port (shared_broker), &error);
  g_assert_no_error (error);
  fixture->registry = mimic_test_load_sample_assets ();
  url = g_strdup_printf ("mqtt://127.0.0.1:%u/faultcmd", mimic_test_proxy_get_port (fixture->proxy));
  fixture->feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  fixture->backoff = mimic_backoff_new (BACKOFF_INITIAL_MS, 2.0, BACKOFF_MAX_MS);
  mimic_mqtt_feed_set_backoff (MIMIC_MQTT_FEED (fixture->feed), fixture->backoff);
  fixture->store = mimic_twin_store_new ();
  fixture->manager = mimic_test_command_manager_new (fixture->feed, fixture->registry, fixture->store,
                                                     fixture->audit_path, &fixture->audit_log);

  mimic_feed_start_async (fixture->feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, fixture->feed, WAIT_TIMEOUT_US));
  g_assert_true (mimic_test_iterate_until (device_online, fixture, WAIT_TIMEOUT_US));
}

static void
command_fixture_tear_down (CommandFixture *fixture,
                           gconstpointer   data)
{
  mimic_test_stop_device (fixture->device);
  g_clear_object (&fixture->device);
  g_assert_finalize_object (fixture->manager);
  mimic_feed_stop (fixture->feed);
  g_clear_object (&fixture->feed);
  g_clear_object (&fixture->backoff);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->registry);
  g_assert_finalize_object (fixture->audit_log);
  g_clear_pointer (&fixture->proxy, mimic_test_proxy_free);
  g_remove (fixture->command_log);
  mimic_test_remove_sqlite_files (fixture->audit_path);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->command_log);
  g_free (fixture->audit_path);
}

/* Counts how often each command entered a terminal state. */
static void
on_command_state (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  GHashTable *terminal_counts = user_data;
  MimicCommand *command = MIMIC_COMMAND (object);

  if (mimic_command_state_is_terminal (mimic_command_get_state (command)))
    {
      const char *id = mimic_command_get_id (command);

      g_hash_table_insert (terminal_counts, g_strdup (id),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (terminal_counts, id)) + 1));
    }
}

static gboolean
all_finished (gpointer data)
{
  GPtrArray *commands = data;

  for (guint i = 0; i < commands->len; i++)
    if (!mimic_command_is_finished (g_ptr_array_index (commands, i)))
      return FALSE;
  return TRUE;
}

static gboolean
all_sent (gpointer data)
{
  GPtrArray *commands = data;

  for (guint i = 0; i < commands->len; i++)
    if (mimic_command_get_state (g_ptr_array_index (commands, i)) < MIMIC_COMMAND_STATE_SENT)
      return FALSE;
  return TRUE;
}

static gboolean
is_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

static MimicCommand *
send_speed (CommandFixture *fixture,
            double          speed,
            GHashTable     *terminal_counts)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  MimicCommand *command;

  json_object_set_double_member (arguments, "speed", speed);
  command = mimic_command_manager_send (fixture->manager, "pump-001", "set_speed", arguments, 3.0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_signal_connect (command, "notify::state", G_CALLBACK (on_command_state), terminal_counts);
  return command;
}

static void
test_commands_across_resets (CommandFixture *fixture,
                             gconstpointer   data)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) terminal_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_acknowledged = 0;

  for (guint round = 0; round < 4; round++)
    {
      g_autoptr(GPtrArray) in_flight = g_ptr_array_new ();
      MimicCommand *after;

      /* Some commands under way when the connection goes: in the first
       * round still being written to the audit log (so never sent), in
       * the others on the wire, their replies lost or not. */
      for (guint i = 0; i < 3; i++)
        {
          MimicCommand *command = send_speed (fixture, 900 + 10 * round + i, terminal_counts);

          g_ptr_array_add (commands, command);
          g_ptr_array_add (in_flight, command);
        }
      if (round > 0)
        g_assert_true (mimic_test_iterate_until (all_sent, in_flight, WAIT_TIMEOUT_US));
      g_assert_cmpuint (mimic_test_proxy_reset (fixture->proxy), ==, 1);
      g_assert_true (mimic_test_iterate_until (is_not_connected, fixture->feed, WAIT_TIMEOUT_US));
      g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, fixture->feed, WAIT_TIMEOUT_US));
      g_assert_true (mimic_test_iterate_until (device_online, fixture, WAIT_TIMEOUT_US));

      /* One after it is back, which must get through. */
      after = send_speed (fixture, 950 + round, terminal_counts);
      g_ptr_array_add (commands, after);
      g_assert_true (mimic_test_iterate_until (is_finished, after, WAIT_TIMEOUT_US));
      g_test_message ("round %u: after the reset: %s (%s)", round,
                      mimic_command_state_to_string (mimic_command_get_state (after)),
                      mimic_command_get_reason (after) != NULL ? mimic_command_get_reason (after) : "no reason");
      g_assert_cmpint (mimic_command_get_state (after), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
    }
  g_assert_true (mimic_test_iterate_until (all_finished, commands, WAIT_TIMEOUT_US));
  mimic_command_manager_flush_audit_log (fixture->manager);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (guint i = 0; i < commands->len; i++)
    {
      MimicCommand *command = g_ptr_array_index (commands, i);
      const char *id = mimic_command_get_id (command);
      g_autoptr(MimicAuditEntry) entry = NULL;
      g_autoptr(GError) error = NULL;

      /* Exactly one outcome, in the command and in the audit log. */
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (terminal_counts, id)), ==, 1);
      entry = mimic_audit_log_lookup (fixture->audit_log, id, &error);
      g_assert_no_error (error);
      g_assert_nonnull (entry->outcome);
      g_assert_cmpstr (entry->outcome, ==, mimic_command_state_to_string (mimic_command_get_state (command)));
      /* Executed once at most, whatever was resent. */
      g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, id), <=, 1);
      if (mimic_command_get_state (command) == MIMIC_COMMAND_STATE_ACKNOWLEDGED)
        {
          g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, id), ==, 1);
          n_acknowledged++;
        }
      g_test_message ("%s: %s (%s)", id, mimic_command_state_to_string (mimic_command_get_state (command)),
                      mimic_command_get_reason (command) != NULL ? mimic_command_get_reason (command) : "no reason");
    }
  g_test_message ("%u of %u acknowledged, %" G_GUINT64_FORMAT " resent", n_acknowledged, commands->len,
                  mimic_command_manager_get_n_resent (fixture->manager));
  /* At least those sent on a working connection got through. */
  g_assert_cmpuint (n_acknowledged, >=, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();
  shared_broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add ("/mimic/fault/mqtt/reset-reconnects", FeedFixture, "faultreset",
              feed_fixture_set_up, test_reset_reconnects, feed_fixture_tear_down);
  g_test_add ("/mimic/fault/mqtt/delay-and-stall", FeedFixture, "faultstall",
              feed_fixture_set_up, test_delay_and_stall, feed_fixture_tear_down);
  g_test_add ("/mimic/fault/command/across-resets", CommandFixture, NULL,
              command_fixture_set_up, test_commands_across_resets, command_fixture_tear_down);

  status = g_test_run ();
  mimic_test_broker_free (shared_broker);
  mosquitto_lib_cleanup ();
  return status;
}
