/* test-command-lifecycle.c — the edges of a command's life against a real
 * Mosquitto broker: broker restarts mid-command with and without a
 * deduplicating device, selections lost with the link, both ways to
 * expire, and the audit log of a sender killed with SIGKILL
 *
 * The devices are the real mimic-device, and a small firmware written here
 * against libmosquitto for what the simulator never does (a birth without
 * "deduplicates_commands", a reply with "status": "expired").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-command-lifecycle"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/prctl.h>

#include "mimic-command-manager.h"
#include "mimic-mqtt-feed.h"
#include "mimic-test-broker.h"
#include "mimic-test-proxy.h"
#include "mimic-test-utils.h"

#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define DEVICE_ID "pump-001"

/* How a test firmware answers. */
typedef enum
{
  FIRMWARE_SILENT,     /* receives, never answers */
  FIRMWARE_EXPIRED,    /* answers "status": "expired" */
} FirmwareMode;

/* A device as simple firmware writes it: a birth without
 * "deduplicates_commands", status with a Will, commands counted by id. */
typedef struct
{
  struct mosquitto *mosq;
  char             *root;
  FirmwareMode      mode;
  GMutex            mutex;
  GHashTable       *received;   /* id → number of copies received */
} Firmware;

typedef struct
{
  MimicTestBroker     *broker;
  char                *dir;
  char                *root;
  char                *command_log;
  char                *audit_path;
  MimicTestProxy      *proxy;        /* between the simulator and the broker, where used */
  GSubprocess         *device;
  Firmware            *firmware;
  MimicBackoff        *backoff;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicAssetRegistry  *registry;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
} Fixture;

/* What each test starts with. */
typedef enum
{
  DEVICE_SIMULATOR,
  DEVICE_SIMULATOR_BEHIND_PROXY,
  DEVICE_SILENT_FIRMWARE,
  DEVICE_EXPIRING_FIRMWARE,
} DeviceKind;

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn_program (const char         *program,
               const char * const *arguments,
               const char         *ready_prefix)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  GSubprocess *process;

  /* A failed assertion must not leave children holding the runner's pipes. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, g_strdup (program));
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while (TRUE)
    {
      g_autofree char *line = g_data_input_stream_read_line (output, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, ready_prefix))
        break;
    }
  return process;
}

static GSubprocess *
spawn_device (Fixture *fixture)
{
  g_autofree char *url = fixture->proxy != NULL ?
                         g_strdup_printf ("mqtt://127.0.0.1:%u", mimic_test_proxy_get_port (fixture->proxy)) :
                         g_strdup (mimic_test_broker_get_url (fixture->broker));
  const char *args[] = { "--pumps", "1", "--rate", "5", "--mqtt", url,
                         "--root", fixture->root, "--command-log", fixture->command_log, NULL };

  return mimic_test_spawn_device (args, NULL);
}

/* The test firmware */

static char *
firmware_topic (Firmware   *firmware,
                const char *leaf)
{
  return g_strdup_printf ("%s/%s/%s", firmware->root, DEVICE_ID, leaf);
}

static void
firmware_on_connect (struct mosquitto         *mosq,
                     void                     *data,
                     int                       reason,
                     int                       flags,
                     const mosquitto_property *properties)
{
  Firmware *firmware = data;
  g_autofree char *birth_topic = firmware_topic (firmware, "birth");
  g_autofree char *status_topic = firmware_topic (firmware, "status");
  g_autofree char *command_filter = firmware_topic (firmware, "cmd/+");
  /* Names its commands but says nothing about repeated ids. */
  const char *birth = "{\"asset_type\":\"pump-skid\",\"firmware\":\"plain 1.0\","
                      "\"capabilities\":[\"start\",\"stop\",\"set_speed\"]}";
  const char *online = "{\"online\":true}";

  if (reason != 0)
    return;
  /* Every connect, as a device does: a restarted broker has forgotten
   * the retained messages and the subscription. */
  mosquitto_subscribe (mosq, NULL, command_filter, 1);
  mosquitto_publish (mosq, NULL, birth_topic, (int) strlen (birth), birth, 1, true);
  mosquitto_publish (mosq, NULL, status_topic, (int) strlen (online), online, 1, true);
}

static void
firmware_on_message (struct mosquitto               *mosq,
                     void                           *data,
                     const struct mosquitto_message *message,
                     const mosquitto_property       *properties)
{
  Firmware *firmware = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *reply = NULL;
  const mosquitto_property *copy = NULL;
  mosquitto_property *reply_properties = NULL;
  char *response_topic = NULL;
  void *correlation = NULL;
  uint16_t correlation_length = 0;
  const char *id;

  g_assert_true (json_parser_load_from_data (parser, message->payload, message->payloadlen, NULL));
  id = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "id");
  g_mutex_lock (&firmware->mutex);
  g_hash_table_insert (firmware->received, g_strdup (id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (firmware->received, id)) + 1));
  g_mutex_unlock (&firmware->mutex);

  if (firmware->mode == FIRMWARE_SILENT)
    return;

  copy = mosquitto_property_read_string (properties, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false);
  g_assert_nonnull (copy);
  mosquitto_property_read_binary (properties, MQTT_PROP_CORRELATION_DATA, &correlation, &correlation_length, false);
  mosquitto_property_add_binary (&reply_properties, MQTT_PROP_CORRELATION_DATA, correlation, correlation_length);
  reply = g_strdup_printf ("{\"id\":\"%s\",\"status\":\"expired\",\"reason\":\"arrived after its deadline\"}", id);
  mosquitto_publish_v5 (mosq, NULL, response_topic, (int) strlen (reply), reply, 1, false, reply_properties);
  mosquitto_property_free_all (&reply_properties);
  free (response_topic);
  free (correlation);
}

static Firmware *
firmware_start (MimicTestBroker *broker,
                const char      *root,
                FirmwareMode     mode)
{
  Firmware *firmware = g_new0 (Firmware, 1);
  g_autofree char *status_topic = NULL;
  const char *offline = "{\"online\":false}";

  firmware->root = g_strdup (root);
  firmware->mode = mode;
  g_mutex_init (&firmware->mutex);
  firmware->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  status_topic = firmware_topic (firmware, "status");

  firmware->mosq = mosquitto_new (NULL, true, firmware);
  mosquitto_int_option (firmware->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_will_set (firmware->mosq, status_topic, (int) strlen (offline), offline, 1, true);
  mosquitto_connect_v5_callback_set (firmware->mosq, firmware_on_connect);
  mosquitto_message_v5_callback_set (firmware->mosq, firmware_on_message);
  mosquitto_reconnect_delay_set (firmware->mosq, 1, 1, false);
  g_assert_cmpint (mosquitto_connect (firmware->mosq, "127.0.0.1", (int) mimic_test_broker_get_port (broker), 30),
                   ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_loop_start (firmware->mosq), ==, MOSQ_ERR_SUCCESS);
  return firmware;
}

static guint
firmware_get_n_received (Firmware   *firmware,
                         const char *id)
{
  guint n;

  g_mutex_lock (&firmware->mutex);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (firmware->received, id));
  g_mutex_unlock (&firmware->mutex);
  return n;
}

static void
firmware_stop (Firmware *firmware)
{
  mosquitto_disconnect (firmware->mosq);
  mosquitto_loop_stop (firmware->mosq, true);
  mosquitto_destroy (firmware->mosq);
  g_hash_table_unref (firmware->received);
  g_mutex_clear (&firmware->mutex);
  g_free (firmware->root);
  g_free (firmware);
}

/* Waiting */

static void
iterate_until (MimicTestPredicate done,
               gpointer           data)
{
  g_assert_true (mimic_test_iterate_until (done, data, WAIT_TIMEOUT_US));
}

static void
iterate_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
device_online (gpointer data)
{
  Fixture *fixture = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, DEVICE_ID);

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_twin_device_get_asset_type (device) != NULL;
}

static gboolean
device_offline (gpointer data)
{
  Fixture *fixture = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, DEVICE_ID);

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_OFFLINE;
}

static gboolean
feed_disconnected (gpointer data)
{
  return mimic_feed_get_state (MIMIC_FEED (data)) != MIMIC_FEED_STATE_CONNECTED;
}

/* Whether a command to the device would go out now: connected, online,
 * and seen on the current link (the manager's own condition). */
static gboolean
device_commandable (gpointer data)
{
  Fixture *fixture = data;

  return mimic_command_manager_validate (fixture->manager, DEVICE_ID, "maintenance_done", NULL, NULL);
}

static gboolean
command_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

static gboolean
command_sent (gpointer data)
{
  return mimic_command_get_state (MIMIC_COMMAND (data)) != MIMIC_COMMAND_STATE_VALIDATED;
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static int counter;
  DeviceKind kind = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  /* A broker of its own: tests stop and start it. */
  fixture->broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);
  fixture->dir = mimic_test_make_temp_dir ("mimic-lifecycle-XXXXXX");
  fixture->root = g_strdup_printf ("life%d", ++counter);
  fixture->command_log = g_build_filename (fixture->dir, "device-commands.jsonl", NULL);
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);

  if (kind == DEVICE_SIMULATOR_BEHIND_PROXY)
    {
      fixture->proxy = mimic_test_proxy_new (mimic_test_broker_get_port (fixture->broker), &error);
      g_assert_no_error (error);
    }
  if (kind == DEVICE_SIMULATOR || kind == DEVICE_SIMULATOR_BEHIND_PROXY)
    fixture->device = spawn_device (fixture);
  else
    fixture->firmware = firmware_start (fixture->broker, fixture->root,
                                        kind == DEVICE_SILENT_FIRMWARE ? FIRMWARE_SILENT : FIRMWARE_EXPIRED);

  fixture->registry = mimic_test_load_sample_assets ();
  url = g_strdup_printf ("%s/%s", mimic_test_broker_get_url (fixture->broker), fixture->root);
  fixture->feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  /* Quick reconnects, so a restart fits well within a command's timeout. */
  fixture->backoff = mimic_backoff_new (50, 2.0, 400);
  mimic_mqtt_feed_set_backoff (MIMIC_MQTT_FEED (fixture->feed), fixture->backoff);
  fixture->store = mimic_twin_store_new ();
  fixture->manager = mimic_test_command_manager_new (fixture->feed, fixture->registry, fixture->store,
                                                     fixture->audit_path, &fixture->audit_log);

  mimic_feed_start_async (fixture->feed, NULL, NULL, NULL);
  iterate_until (mimic_test_feed_is_connected, fixture->feed);
  iterate_until (device_online, fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->device != NULL)
    {
      mimic_test_stop_device (fixture->device);
      g_clear_object (&fixture->device);
    }
  g_clear_pointer (&fixture->firmware, firmware_stop);
  g_assert_finalize_object (fixture->manager);
  mimic_feed_stop (fixture->feed);
  g_clear_object (&fixture->feed);
  g_clear_object (&fixture->backoff);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->registry);
  g_assert_finalize_object (fixture->audit_log);
  g_clear_pointer (&fixture->proxy, mimic_test_proxy_free);
  g_clear_pointer (&fixture->broker, mimic_test_broker_free);
  g_remove (fixture->command_log);
  mimic_test_remove_sqlite_files (fixture->audit_path);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->root);
  g_free (fixture->command_log);
  g_free (fixture->audit_path);
}

/* Helpers */

static MimicCommand *
send_speed (Fixture *fixture,
            double   speed,
            double   timeout_s)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  MimicCommand *command;

  json_object_set_double_member (arguments, "speed", speed);
  command = mimic_command_manager_send (fixture->manager, DEVICE_ID, "set_speed", arguments, timeout_s, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  return command;
}

static void
assert_audit (Fixture      *fixture,
              MimicCommand *command,
              const char   *outcome,
              const char   *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditEntry) entry = NULL;

  mimic_command_manager_flush_audit_log (fixture->manager);
  iterate_for (10);
  mimic_command_manager_flush_audit_log (fixture->manager);
  entry = mimic_audit_log_lookup (fixture->audit_log, mimic_command_get_id (command), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (entry->outcome, ==, outcome);
  if (reason != NULL)
    g_assert_cmpstr (entry->reason, ==, reason);
}

/* Stops the broker under a command and starts it again on the same port;
 * returns once the console is connected and the device online again. */
static void
restart_broker (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  mimic_test_broker_stop (fixture->broker);
  iterate_until (feed_disconnected, fixture->feed);
  g_assert_true (mimic_test_broker_start (fixture->broker, &error));
  g_assert_no_error (error);
  iterate_until (mimic_test_feed_is_connected, fixture->feed);
}

/* Tests */

/* A device that never said it deduplicates: a repeat could run twice, so
 * the command is not sent again after the reconnect; it times out. */
static void
test_no_resend_without_dedupe (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(MimicCommand) command = NULL;
  const char *id;

  g_assert_false (mimic_command_manager_get_device_deduplicates (fixture->manager, DEVICE_ID));

  command = send_speed (fixture, 800, 5.0);
  id = mimic_command_get_id (command);
  while (firmware_get_n_received (fixture->firmware, id) == 0)
    {
      g_assert_false (mimic_command_is_finished (command));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  restart_broker (fixture);
  /* The firmware is back (its birth and status are new after the restart). */
  iterate_until (device_online, fixture);
  iterate_until (command_finished, command);

  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_TIMED_OUT);
  g_assert_cmpuint (mimic_command_manager_get_n_resent (fixture->manager), ==, 0);
  g_assert_cmpuint (firmware_get_n_received (fixture->firmware, id), ==, 1);
  assert_audit (fixture, command, "timed-out", NULL);
}

/* The simulator deduplicates: the waiting command goes once more after
 * the broker restart, with the same id, and runs once. The simulator is
 * held while the broker goes, so the first copy is stuck in its socket
 * and its reply (if it ever acts on it) lost with the connection. */
static void
test_resend_once_with_dedupe (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(MimicCommand) after = NULL;

  g_assert_true (mimic_command_manager_get_device_deduplicates (fixture->manager, DEVICE_ID));

  g_subprocess_send_signal (fixture->device, SIGSTOP);
  command = send_speed (fixture, 850, 10.0);
  iterate_until (command_sent, command);
  iterate_for (200);

  restart_broker (fixture);
  g_subprocess_send_signal (fixture->device, SIGCONT);
  iterate_until (command_finished, command);

  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_command_manager_get_n_resent (fixture->manager), ==, 1);
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 1);
  assert_audit (fixture, command, "acknowledged", NULL);

  /* Later births (the device reconnecting again) send nothing more. */
  iterate_until (device_online, fixture);
  after = send_speed (fixture, 860, 5.0);
  iterate_until (command_finished, after);
  g_assert_cmpint (mimic_command_get_state (after), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_command_manager_get_n_resent (fixture->manager), ==, 1);
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 1);
}

static gboolean
selection_dropped (gpointer data)
{
  Fixture *fixture = data;

  return mimic_command_manager_get_selection_holder (fixture->manager, DEVICE_ID) == NULL;
}

/* The first copy is lost for sure this time: it is held on the device's
 * link, which is then torn down, and the broker restarts. The console is
 * back long before the device (which waits a second before reconnecting),
 * so the resend must wait until the device is seen again, and only then
 * does the command get through. */
static void
test_resend_when_device_returns (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  mimic_test_proxy_cut (fixture->proxy);
  command = send_speed (fixture, 870, 10.0);
  iterate_until (command_sent, command);
  iterate_for (200);
  g_assert_cmpuint (mimic_test_proxy_reset (fixture->proxy), >=, 1);

  restart_broker (fixture);
  /* Connected again, and the device not yet back: nothing sent so far. */
  g_assert_cmpuint (mimic_command_manager_get_n_resent (fixture->manager), ==, 0);
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 0);
  mimic_test_proxy_restore (fixture->proxy);

  iterate_until (command_finished, command);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_command_manager_get_n_resent (fixture->manager), ==, 1);
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 1);
  assert_audit (fixture, command, "acknowledged", NULL);
}

static void
test_selection_dropped_on_disconnect (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) refused = NULL;
  g_autoptr(MimicCommand) command = NULL;

  /* Far longer than the test waits: only the lost link can end it. */
  mimic_command_manager_set_select_timeout (fixture->manager, 600);
  g_assert_true (mimic_command_manager_select (fixture->manager, DEVICE_ID, "maintenance_done", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_command_manager_get_selection_holder (fixture->manager, DEVICE_ID), ==, "alice");

  mimic_test_broker_stop (fixture->broker);
  /* The feed's state changes on its thread and is told in this one. */
  iterate_until (selection_dropped, fixture);

  g_assert_true (mimic_test_broker_start (fixture->broker, &error));
  g_assert_no_error (error);
  iterate_until (mimic_test_feed_is_connected, fixture->feed);
  /* The console is back before the device, whose presence may still say
   * online from before the restart: wait until it has been seen again,
   * as a command sent before that would be lost. */
  iterate_until (device_commandable, fixture);

  /* The operate of the lost selection is refused and sends nothing. */
  refused = mimic_command_manager_send (fixture->manager, DEVICE_ID, "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
  g_assert_null (refused);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 0);

  /* Selected again on the new link, it goes through. */
  g_assert_true (mimic_command_manager_select (fixture->manager, DEVICE_ID, "maintenance_done", NULL, &error));
  command = mimic_command_manager_send (fixture->manager, DEVICE_ID, "maintenance_done", NULL, 0, &error);
  g_assert_no_error (error);
  iterate_until (command_finished, command);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
}

/* After a broker restart the console is back before the device: until
 * the device has been seen on the new link a command would be lost (the
 * broker has not seen its subscription again), so it is refused at once,
 * whatever presence the twin still shows; once the device's birth has
 * come, it goes through. The device is held, so it cannot come back
 * before the console does. */
static void
test_refused_until_device_seen (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) refused = NULL;
  g_autoptr(MimicCommand) command = NULL;

  g_subprocess_send_signal (fixture->device, SIGSTOP);
  restart_broker (fixture);

  json_object_set_double_member (arguments, "speed", 880);
  refused = mimic_command_manager_send (fixture->manager, DEVICE_ID, "set_speed", arguments, 5.0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OFFLINE);
  g_assert_null (refused);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 0);

  g_subprocess_send_signal (fixture->device, SIGCONT);
  iterate_until (device_commandable, fixture);
  command = send_speed (fixture, 880, 5.0);
  iterate_until (command_finished, command);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
}

/* The device drops off while the command waits: at the timeout it is
 * offline, so the broker has dropped the request at its expiry. */
static void
test_expired_when_offline (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MimicCommand) command = NULL;

  g_subprocess_send_signal (fixture->device, SIGSTOP);
  command = send_speed (fixture, 700, 3.0);
  iterate_until (command_sent, command);
  /* Killed without a goodbye: the broker publishes its Will. */
  g_subprocess_send_signal (fixture->device, SIGKILL);
  g_subprocess_wait (fixture->device, NULL, NULL);
  iterate_until (device_offline, fixture);
  g_assert_false (mimic_command_is_finished (command));

  iterate_until (command_finished, command);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_EXPIRED);
  g_assert_nonnull (mimic_command_get_reason (command));
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 0);
  assert_audit (fixture, command, "expired", mimic_command_get_reason (command));
}

/* The device itself says the command came too late. */
static void
test_expired_reply (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MimicCommand) command = send_speed (fixture, 750, 5.0);

  iterate_until (command_finished, command);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_EXPIRED);
  g_assert_cmpstr (mimic_command_get_reason (command), ==, "arrived after its deadline");
  g_assert_cmpuint (firmware_get_n_received (fixture->firmware, mimic_command_get_id (command)), ==, 1);
  assert_audit (fixture, command, "expired", "arrived after its deadline");
  g_assert_cmpuint (mimic_command_manager_get_n_malformed_replies (fixture->manager), ==, 0);
}

/* A sender killed at random moments */

static char *
integrity_check (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  result = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return result;
}

static void
test_audit_survives_sigkill (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *sender = g_test_build_filename (G_TEST_BUILT, "command-sender-child", NULL);
  g_autofree char *url = g_strdup_printf ("%s/%s", mimic_test_broker_get_url (fixture->broker), fixture->root);
  g_autofree char *audit_path = g_build_filename (fixture->dir, "killed.db", NULL);
  g_autofree char *log_text = NULL;
  g_autofree char *check = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditLog) log = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  guint n_acked = 0, n_with_outcome = 0;
  const guint n_kills = 6;

  for (guint round = 0; round < n_kills; round++)
    {
      const char *args[] = { url, audit_path, NULL };
      g_autoptr(GSubprocess) child = spawn_program (sender, args, "sending");

      /* Anywhere in the send loop: mid-write, mid-send, mid-outcome. */
      g_usleep (g_test_rand_int_range (50, 700) * 1000);
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
    }

  check = integrity_check (audit_path);
  g_assert_cmpstr (check, ==, "ok");

  /* Let the device answer what reached it last. */
  g_usleep (200 * 1000);
  g_assert_true (g_file_get_contents (fixture->command_log, &log_text, NULL, NULL));
  lines = g_strsplit (log_text, "\n", -1);
  log = mimic_audit_log_open (audit_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(MimicAuditEntry) entry = NULL;
      JsonObject *line;

      if (lines[i][0] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      line = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (line, "outcome"), "acked") != 0)
        continue;
      /* Executed by the device means it was in the audit log first. */
      entry = mimic_audit_log_lookup (log, json_object_get_string_member (line, "id"), &error);
      g_assert_no_error (error);
      g_assert_nonnull (entry);
      g_assert_cmpstr (entry->command, ==, "set_speed");
      g_assert_cmpstr (entry->operator_name, ==, "killed-sender");
      n_acked++;
    }

  rows = mimic_audit_log_query (log, NULL, 0, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const MimicAuditEntry *entry = g_ptr_array_index (rows, i);

      if (entry->outcome != NULL)
        {
          g_assert_true (g_str_equal (entry->outcome, "acknowledged") || g_str_equal (entry->outcome, "timed-out"));
          n_with_outcome++;
        }
    }
  g_test_message ("%u kills, %u audit rows, %u with an outcome, %u executed by the device",
                  n_kills, rows->len, n_with_outcome, n_acked);
  /* Each sender got some commands through before it was killed. */
  g_assert_cmpuint (n_acked, >=, n_kills);
  g_assert_cmpuint (rows->len, >=, n_acked);
  mimic_test_remove_sqlite_files (audit_path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();

  g_test_add ("/mimic/command/lifecycle/no-resend-without-dedupe", Fixture,
              GINT_TO_POINTER (DEVICE_SILENT_FIRMWARE), fixture_set_up, test_no_resend_without_dedupe, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/resend-once-with-dedupe", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR), fixture_set_up, test_resend_once_with_dedupe, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/resend-when-device-returns", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR_BEHIND_PROXY), fixture_set_up, test_resend_when_device_returns,
              fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/refused-until-device-seen", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR), fixture_set_up, test_refused_until_device_seen, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/selection-dropped-on-disconnect", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR), fixture_set_up, test_selection_dropped_on_disconnect, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/expired-when-offline", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR), fixture_set_up, test_expired_when_offline, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/expired-reply", Fixture,
              GINT_TO_POINTER (DEVICE_EXPIRING_FIRMWARE), fixture_set_up, test_expired_reply, fixture_tear_down);
  g_test_add ("/mimic/command/lifecycle/audit-survives-sigkill", Fixture,
              GINT_TO_POINTER (DEVICE_SIMULATOR), fixture_set_up, test_audit_survives_sigkill, fixture_tear_down);

  return g_test_run ();
}
