/* test-command.c — commands from validation to outcome against the real
 * mimic-device over a real broker, and mimic-cli send end to end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-command"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <string.h>

#include "mimic-command-manager.h"
#include "mimic-paths.h"
#include "mimic-test-broker.h"
#include "mimic-test-utils.h"

#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)

static MimicTestBroker *shared_broker;

typedef struct
{
  char                *dir;
  char                *root;
  char                *command_log;
  char                *audit_path;
  GSubprocess         *device;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicAssetRegistry  *registry;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
} Fixture;

static gboolean
device_online (gpointer data)
{
  Fixture *fixture = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, "pump-001");

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_twin_device_get_asset_type (device) != NULL &&
         mimic_command_manager_get_device_deduplicates (fixture->manager, "pump-001");
}

static gboolean
command_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static int counter;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  fixture->dir = mimic_test_make_temp_dir ("mimic-command-XXXXXX");
  fixture->root = g_strdup_printf ("cmd%d", ++counter);
  fixture->command_log = g_build_filename (fixture->dir, "device-commands.jsonl", NULL);
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);

  {
    const char *args[] = { "--pumps", "1", "--rate", "5", "--mqtt", mimic_test_broker_get_url (shared_broker),
                           "--root", fixture->root, "--command-log", fixture->command_log, NULL };
    fixture->device = mimic_test_spawn_device (args, NULL);
  }

  fixture->registry = mimic_test_load_sample_assets ();
  url = g_strdup_printf ("%s/%s", mimic_test_broker_get_url (shared_broker), fixture->root);
  fixture->feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  fixture->store = mimic_twin_store_new ();
  fixture->manager = mimic_test_command_manager_new (fixture->feed, fixture->registry, fixture->store,
                                                     fixture->audit_path, &fixture->audit_log);

  mimic_feed_start_async (fixture->feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, fixture->feed, WAIT_TIMEOUT_US));
  g_assert_true (mimic_test_iterate_until (device_online, fixture, WAIT_TIMEOUT_US));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  mimic_test_stop_device (fixture->device);
  g_clear_object (&fixture->device);
  g_assert_finalize_object (fixture->manager);
  mimic_feed_stop (fixture->feed);
  g_clear_object (&fixture->feed);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->registry);
  g_assert_finalize_object (fixture->audit_log);
  g_remove (fixture->command_log);
  mimic_test_remove_sqlite_files (fixture->audit_path);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->root);
  g_free (fixture->command_log);
  g_free (fixture->audit_path);
}

static JsonObject *
speed_arguments (double speed)
{
  JsonObject *arguments = json_object_new ();

  json_object_set_double_member (arguments, "speed", speed);
  return arguments;
}

static MimicCommand *
send_and_wait (Fixture    *fixture,
               const char *name,
               JsonObject *arguments,
               double      timeout_s)
{
  g_autoptr(GError) error = NULL;
  MimicCommand *command = mimic_command_manager_send (fixture->manager, "pump-001", name, arguments, timeout_s, &error);

  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_assert_true (mimic_test_iterate_until (command_finished, command, WAIT_TIMEOUT_US));
  mimic_command_manager_flush_audit_log (fixture->manager);
  return command;
}

static void
assert_audit_outcome (Fixture    *fixture,
                      const char *id,
                      const char *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAuditEntry) entry = mimic_audit_log_lookup (fixture->audit_log, id, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (entry->outcome, ==, outcome);
  g_assert_cmpstr (entry->operator_name, ==, "alice");
  g_assert_cmpstr (entry->device_id, ==, "pump-001");
}

static void
test_acknowledged (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = speed_arguments (900);
  g_autoptr(MimicCommand) command = send_and_wait (fixture, "set_speed", arguments, 0);
  GListModel *recent = mimic_command_manager_get_commands (fixture->manager);

  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_null (mimic_command_get_reason (command));
  g_assert_cmpint (strlen (mimic_command_get_id (command)), ==, 36);
  g_assert_cmpfloat (mimic_command_get_timeout (command), ==, 10.0);
  assert_audit_outcome (fixture, mimic_command_get_id (command), "acknowledged");
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (recent), ==, 1);
  g_assert_cmpuint (mimic_command_manager_get_n_malformed_replies (fixture->manager), ==, 0);
}

static void
assert_refused (Fixture           *fixture,
                const char        *name,
                JsonObject        *arguments,
                MimicCommandError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = mimic_command_manager_send (fixture->manager, "pump-001", name, arguments, 0, &error);

  g_assert_error (error, MIMIC_COMMAND_ERROR, (int) code);
  g_assert_null (command);
  g_test_message ("refused: %s", error->message);
}

static void
test_refused_by_console (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) too_fast = speed_arguments (1801);
  g_autoptr(JsonObject) negative = speed_arguments (-1);
  g_autoptr(JsonObject) not_a_number = speed_arguments (NAN);
  g_autoptr(JsonObject) infinite = speed_arguments (INFINITY);
  g_autoptr(JsonObject) wrong_type = json_object_new ();
  g_autoptr(JsonObject) unknown = speed_arguments (100);
  g_autoptr(JsonObject) missing = json_object_new ();
  g_autoptr(JsonObject) many = json_object_new ();
  g_autoptr(JsonObject) fine = speed_arguments (100);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = NULL;

  json_object_set_string_member (wrong_type, "speed", "fast");
  json_object_set_int_member (unknown, "turbo", 1);
  for (int i = 0; i < MIMIC_COMMAND_MAX_ARGUMENTS + 1; i++)
    {
      g_autofree char *name = g_strdup_printf ("a%d", i);

      json_object_set_int_member (many, name, i);
    }

  assert_refused (fixture, "set_speed", too_fast, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", negative, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", not_a_number, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", infinite, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", wrong_type, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", unknown, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", missing, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  assert_refused (fixture, "set_speed", many, MIMIC_COMMAND_ERROR_OVERSIZED);
  assert_refused (fixture, "self_destruct", NULL, MIMIC_COMMAND_ERROR_UNKNOWN_COMMAND);

  command = mimic_command_manager_send (fixture->manager, "pump-999", "stop", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_DEVICE);
  g_clear_error (&error);

  /* Names that are not UTF-8 are refused with a message that is. */
  command = mimic_command_manager_send (fixture->manager, "pump-\xff", "stop", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_DEVICE);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "pump-\\xFF"));
  g_clear_error (&error);
  command = mimic_command_manager_send (fixture->manager, "pump-001", "st\xc3op", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_COMMAND);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  mimic_command_manager_set_view_only (fixture->manager, TRUE);
  assert_refused (fixture, "set_speed", fine, MIMIC_COMMAND_ERROR_VIEW_ONLY);
  g_assert_false (mimic_command_manager_select (fixture->manager, "pump-001", "maintenance_done", NULL, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY);
  mimic_command_manager_set_view_only (fixture->manager, FALSE);

  /* Nothing refused was recorded or left the console. */
  mimic_command_manager_flush_audit_log (fixture->manager);
  rows = mimic_audit_log_query (fixture->audit_log, NULL, 0, 0, 0, NULL);
  g_assert_cmpuint (rows->len, ==, 0);
  {
    g_autofree char *executed = NULL;

    g_file_get_contents (fixture->command_log, &executed, NULL, NULL);
    g_assert_true (executed == NULL || executed[0] == '\0');
  }
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 0);
}

static gboolean
device_offline (gpointer data)
{
  return mimic_twin_device_get_presence (MIMIC_TWIN_DEVICE (data)) == MIMIC_PRESENCE_OFFLINE;
}

static void
test_refused_when_offline (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = NULL;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, "pump-001");

  /* A clean shutdown publishes the device offline. */
  mimic_test_stop_device (fixture->device);
  g_assert_true (mimic_test_iterate_until (device_offline, device, WAIT_TIMEOUT_US));

  command = mimic_command_manager_send (fixture->manager, "pump-001", "stop", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OFFLINE);
  g_assert_null (command);
}

static void
test_select_before_operate (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) refused = NULL;
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(JsonObject) speed = speed_arguments (100);

  /* Operate without select. */
  refused = mimic_command_manager_send (fixture->manager, "pump-001", "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
  g_clear_error (&error);

  /* A second operator cannot take or use alice's selection. */
  g_assert_true (mimic_command_manager_select (fixture->manager, "pump-001", "maintenance_done", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"), ==, "alice");
  mimic_command_manager_set_operator_name (fixture->manager, "bob");
  g_assert_false (mimic_command_manager_select (fixture->manager, "pump-001", "maintenance_done", NULL, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTED_BY_OTHER);
  g_clear_error (&error);
  refused = mimic_command_manager_send (fixture->manager, "pump-001", "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTED_BY_OTHER);
  g_clear_error (&error);
  mimic_command_manager_deselect (fixture->manager, "pump-001");
  g_assert_cmpstr (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"), ==, "alice");
  mimic_command_manager_set_operator_name (fixture->manager, "alice");

  /* Operate must match what was selected. */
  mimic_command_manager_deselect (fixture->manager, "pump-001");
  g_assert_true (mimic_command_manager_select (fixture->manager, "pump-001", "set_speed", speed, &error));
  refused = mimic_command_manager_send (fixture->manager, "pump-001", "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTION_MISMATCH);
  g_clear_error (&error);

  /* A selection runs out. */
  mimic_command_manager_set_select_timeout (fixture->manager, 0.1);
  g_assert_true (mimic_command_manager_select (fixture->manager, "pump-001", "maintenance_done", NULL, &error));
  g_usleep (150 * 1000);
  refused = mimic_command_manager_send (fixture->manager, "pump-001", "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
  g_clear_error (&error);
  mimic_command_manager_set_select_timeout (fixture->manager, 30);

  /* Select, then operate: acknowledged, and the selection is used up. */
  g_assert_true (mimic_command_manager_select (fixture->manager, "pump-001", "maintenance_done", NULL, &error));
  command = send_and_wait (fixture, "maintenance_done", NULL, 0);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_null (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"));
  refused = mimic_command_manager_send (fixture->manager, "pump-001", "maintenance_done", NULL, 0, &error);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
}

static gboolean
late_reply_counted (gpointer data)
{
  return mimic_command_manager_get_n_late_replies (MIMIC_COMMAND_MANAGER (data)) > 0;
}

/* The device answers after the timeout: the command stays timed out,
 * the audit log holds one outcome, the reply is counted as late. */
static void
test_timeout_then_late_reply (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = speed_arguments (700);
  g_autoptr(MimicCommand) command = NULL;

  g_subprocess_send_signal (fixture->device, SIGSTOP);
  command = send_and_wait (fixture, "set_speed", arguments, 0.5);
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_TIMED_OUT);
  g_assert_nonnull (mimic_command_get_reason (command));

  g_subprocess_send_signal (fixture->device, SIGCONT);
  g_assert_true (mimic_test_iterate_until (late_reply_counted, fixture->manager, WAIT_TIMEOUT_US));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_TIMED_OUT);
  mimic_command_manager_flush_audit_log (fixture->manager);
  assert_audit_outcome (fixture, mimic_command_get_id (command), "timed-out");
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 1);
}

/* Replies racing the timeout: whichever comes first wins, exactly once. */
static void
test_race_reply_and_timeout (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(JsonObject) arguments = speed_arguments (100 + i);
      g_autoptr(GError) error = NULL;
      /* Timeouts around the round trip on loopback (a few ms). */
      MimicCommand *command = mimic_command_manager_send (fixture->manager, "pump-001", "set_speed", arguments,
                                                          0.001 * (i % 10 + 1), &error);

      g_assert_no_error (error);
      g_ptr_array_add (commands, command);
    }
  for (guint i = 0; i < commands->len; i++)
    g_assert_true (mimic_test_iterate_until (command_finished, g_ptr_array_index (commands, i), WAIT_TIMEOUT_US));

  /* Let the late replies arrive too. */
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  mimic_command_manager_flush_audit_log (fixture->manager);
  rows = mimic_audit_log_query (fixture->audit_log, "pump-001", 0, 0, 0, NULL);
  g_assert_cmpuint (rows->len, ==, 20);
  for (guint i = 0; i < commands->len; i++)
    {
      MimicCommand *command = g_ptr_array_index (commands, i);
      MimicCommandState state = mimic_command_get_state (command);
      g_autoptr(MimicAuditEntry) entry = mimic_audit_log_lookup (fixture->audit_log, mimic_command_get_id (command), NULL);

      g_assert_true (state == MIMIC_COMMAND_STATE_ACKNOWLEDGED || state == MIMIC_COMMAND_STATE_TIMED_OUT);
      g_assert_cmpstr (entry->outcome, ==, mimic_command_state_to_string (state));
    }
  g_assert_cmpuint (mimic_command_manager_get_n_unmatched_replies (fixture->manager), ==, 0);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = speed_arguments (300);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = NULL;

  g_subprocess_send_signal (fixture->device, SIGSTOP);
  command = mimic_command_manager_send (fixture->manager, "pump-001", "set_speed", arguments, 5, &error);
  g_assert_no_error (error);
  g_assert_true (mimic_command_manager_cancel (fixture->manager, command, &error));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_CANCELLED);
  g_assert_false (mimic_command_manager_cancel (fixture->manager, command, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_FINISHED);
  g_subprocess_send_signal (fixture->device, SIGCONT);

  /* Cancelled while the audit row was being written: never sent. */
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;

    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  mimic_command_manager_flush_audit_log (fixture->manager);
  assert_audit_outcome (fixture, mimic_command_get_id (command), "cancelled");
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, mimic_command_get_id (command)), ==, 0);
}

/* A second client that answers in the device's place */

typedef struct
{
  GMutex            mutex;
  char             *response_topic;
  char             *correlation;
  struct mosquitto *mosq;
} Impostor;

static void
impostor_on_message (struct mosquitto               *mosq,
                     void                           *data,
                     const struct mosquitto_message *message,
                     const mosquitto_property       *properties)
{
  Impostor *impostor = data;
  char *topic = NULL;
  void *correlation = NULL;
  uint16_t length = 0;

  mosquitto_property_read_string (properties, MQTT_PROP_RESPONSE_TOPIC, &topic, false);
  mosquitto_property_read_binary (properties, MQTT_PROP_CORRELATION_DATA, &correlation, &length, false);
  g_mutex_lock (&impostor->mutex);
  g_free (impostor->response_topic);
  g_free (impostor->correlation);
  impostor->response_topic = g_strdup (topic);
  impostor->correlation = g_strndup (correlation, length);
  g_mutex_unlock (&impostor->mutex);
  free (topic);
  free (correlation);
}

static gboolean
impostor_saw_command (gpointer data)
{
  Impostor *impostor = data;
  gboolean seen;

  g_mutex_lock (&impostor->mutex);
  seen = impostor->response_topic != NULL;
  g_mutex_unlock (&impostor->mutex);
  return seen;
}

static void
impostor_reply (Impostor   *impostor,
                const char *correlation,
                const char *payload,
                gsize       length)
{
  mosquitto_property *properties = NULL;

  if (correlation != NULL)
    mosquitto_property_add_binary (&properties, MQTT_PROP_CORRELATION_DATA, correlation, (uint16_t) strlen (correlation));
  g_assert_cmpint (mosquitto_publish_v5 (impostor->mosq, NULL, impostor->response_topic, (int) length, payload, 1,
                                         false, properties), ==, MOSQ_ERR_SUCCESS);
  mosquitto_property_free_all (&properties);
}

static gboolean
malformed_counted (gpointer data)
{
  return mimic_command_manager_get_n_malformed_replies (MIMIC_COMMAND_MANAGER (data)) >= 5 &&
         mimic_command_manager_get_n_unmatched_replies (MIMIC_COMMAND_MANAGER (data)) >= 1;
}

static void
test_bad_replies (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = speed_arguments (500);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) command = NULL;
  g_autofree char *filter = g_strdup_printf ("%s/pump-001/cmd/+", fixture->root);
  g_autofree char *wrong_id = NULL;
  g_autofree char *big = NULL;
  g_autofree char *good = NULL;
  Impostor impostor = { 0 };

  g_mutex_init (&impostor.mutex);
  impostor.mosq = mosquitto_new (NULL, true, &impostor);
  mosquitto_int_option (impostor.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_message_v5_callback_set (impostor.mosq, impostor_on_message);
  g_assert_cmpint (mosquitto_connect (impostor.mosq, "127.0.0.1", (int) mimic_test_broker_get_port (shared_broker), 30),
                   ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_subscribe (impostor.mosq, NULL, filter, 1), ==, MOSQ_ERR_SUCCESS);
  mosquitto_loop_start (impostor.mosq);
  g_usleep (200 * 1000);

  /* The real device is held, so only the impostor answers. */
  g_subprocess_send_signal (fixture->device, SIGSTOP);
  command = mimic_command_manager_send (fixture->manager, "pump-001", "set_speed", arguments, 10, &error);
  g_assert_no_error (error);
  g_assert_true (mimic_test_iterate_until (impostor_saw_command, &impostor, WAIT_TIMEOUT_US));
  g_assert_cmpstr (impostor.correlation, ==, mimic_command_get_id (command));
  g_assert_true (g_str_has_prefix (impostor.response_topic, fixture->root));

  impostor_reply (&impostor, NULL, "not json", 8);
  impostor_reply (&impostor, impostor.correlation, "[1, 2]", 6);
  wrong_id = g_strdup_printf ("{\"id\": \"someone-else\", \"status\": \"acked\"}");
  impostor_reply (&impostor, impostor.correlation, wrong_id, strlen (wrong_id));
  impostor_reply (&impostor, impostor.correlation, "{\"status\": \"maybe\"}", 19);
  big = g_strnfill (MIMIC_COMMAND_MAX_PAYLOAD + 10, ' ');
  big[0] = '{';
  big[MIMIC_COMMAND_MAX_PAYLOAD + 9] = '}';
  impostor_reply (&impostor, impostor.correlation, big, strlen (big));
  impostor_reply (&impostor, NULL, "{\"id\": \"never-sent\", \"status\": \"acked\"}", 39);
  g_assert_true (mimic_test_iterate_until (malformed_counted, fixture->manager, WAIT_TIMEOUT_US));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_SENT);

  /* A well-formed rejection ends it, with the reason. */
  good = g_strdup_printf ("{\"id\": \"%s\", \"status\": \"rejected\", \"reason\": \"interlock: door open\"}",
                          mimic_command_get_id (command));
  impostor_reply (&impostor, impostor.correlation, good, strlen (good));
  g_assert_true (mimic_test_iterate_until (command_finished, command, WAIT_TIMEOUT_US));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_REJECTED);
  g_assert_cmpstr (mimic_command_get_reason (command), ==, "interlock: door open");

  mimic_command_manager_flush_audit_log (fixture->manager);
  assert_audit_outcome (fixture, mimic_command_get_id (command), "rejected");
  g_subprocess_send_signal (fixture->device, SIGCONT);

  mosquitto_disconnect (impostor.mosq);
  mosquitto_loop_stop (impostor.mosq, false);
  mosquitto_destroy (impostor.mosq);
  g_free (impostor.response_topic);
  g_free (impostor.correlation);
  g_mutex_clear (&impostor.mutex);
}

/* mimic-cli send */

static int
run_cli (const char  *audit_path,
         char       **output,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL));
  g_ptr_array_add (argv, g_strdup ("send"));
  g_ptr_array_add (argv, g_strdup ("--audit-log"));
  g_ptr_array_add (argv, g_strdup (audit_path));
  va_start (args, output);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s stderr: %s", out, err);
  *output = g_strconcat (out, err, NULL);
  return g_subprocess_get_exit_status (process);
}

/* A copy of the pump description whose set_speed allows more than the
 * device accepts, so the device, not the console, refuses. */
static const char *lenient_copies[] = { "pump-skid.gltf", "pump-skid.svg" };

static char *
write_lenient_assets (const char *dir)
{
  g_autofree char *source = NULL;
  g_autofree char *text = NULL;
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  char *lenient_dir = g_build_filename (dir, "lenient", NULL);
  g_autofree char *type_dir = g_build_filename (lenient_dir, "pump-skid", NULL);
  g_autofree char *target = g_build_filename (type_dir, "pump-skid.json", NULL);
  JsonObject *root, *speed;

  source = g_build_filename (asset_dir, "pump-skid", "pump-skid.json", NULL);
  g_assert_true (json_parser_load_from_file (parser, source, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  speed = json_object_get_object_member (
            json_object_get_object_member (
              json_object_get_object_member (
                json_object_get_object_member (json_object_get_object_member (root, "actions"), "set_speed"),
                "input"),
              "properties"),
            "speed");
  json_object_set_double_member (speed, "maximum", 5000);
  json_generator_set_root (generator, json_parser_get_root (parser));
  text = json_generator_to_data (generator, NULL);
  g_assert_cmpint (g_mkdir_with_parents (type_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (target, text, -1, &error));
  for (guint i = 0; i < G_N_ELEMENTS (lenient_copies); i++)
    {
      g_autofree char *from_path = g_build_filename (asset_dir, "pump-skid", lenient_copies[i], NULL);
      g_autofree char *to_path = g_build_filename (type_dir, lenient_copies[i], NULL);
      g_autoptr(GFile) from = g_file_new_for_path (from_path);
      g_autoptr(GFile) to = g_file_new_for_path (to_path);

      g_assert_true (g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error));
    }
  return lenient_dir;
}

static void
test_cli_mqtt (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *audit = g_build_filename (fixture->dir, "cli-audit.db", NULL);
  g_autofree char *lenient = write_lenient_assets (fixture->dir);
  g_autofree char *url = g_strdup (mimic_test_broker_get_url (shared_broker));
  g_autofree char *out = NULL;
  g_autoptr(MimicAuditLog) log = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_auto(GStrv) fields = NULL;

  /* Acknowledged: exit 0, executed exactly once. */
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, url, "pump-001", "set_speed", "speed=1000", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "acknowledged pump-001 set_speed "));
  fields = g_strsplit (out, " ", 5);
  g_strchomp (fields[3]);
  g_assert_cmpuint (mimic_test_count_executions (fixture->command_log, fields[3]), ==, 1);
  g_clear_pointer (&out, g_free);

  /* Refused by the console, with the reason: exit 1, nothing sent. */
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, url, "pump-001", "set_speed", "speed=2500", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "above its maximum of 1800"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, url, "pump-001", "set_speed", "speed=inf", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "not a finite number"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, url, "pump-001", "maintenance_done", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "--select"));
  g_clear_pointer (&out, g_free);

  /* Refused by the device: exit 1 with the device's reason. */
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, "--assets", lenient, url, "pump-001", "set_speed",
                            "speed=2500", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (out, "rejected pump-001 set_speed "));
  g_assert_nonnull (strstr (out, "above its maximum"));
  g_clear_pointer (&out, g_free);

  /* Select-before-operate done by --select. */
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, "--select", url, "pump-001", "maintenance_done", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  /* Timed out: the device is stopped. */
  g_subprocess_send_signal (fixture->device, SIGSTOP);
  g_assert_cmpint (run_cli (audit, &out, "--root", fixture->root, "--timeout", "1", url, "pump-001", "stop", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (out, "timed-out pump-001 stop "));
  g_subprocess_send_signal (fixture->device, SIGCONT);
  g_clear_pointer (&out, g_free);

  /* Usage. */
  g_assert_cmpint (run_cli (audit, &out, url, "pump-001", NULL), ==, 2);

  log = mimic_audit_log_open (audit, NULL);
  rows = mimic_audit_log_query (log, NULL, 0, 0, 0, NULL);
  /* ack, device rejection, select-before-operate, timeout: four sent. */
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (((MimicAuditEntry *) rows->pdata[0])->outcome, ==, "timed-out");
  g_assert_cmpstr (((MimicAuditEntry *) rows->pdata[1])->outcome, ==, "acknowledged");
  g_assert_cmpstr (((MimicAuditEntry *) rows->pdata[2])->outcome, ==, "rejected");
  g_assert_cmpstr (((MimicAuditEntry *) rows->pdata[3])->outcome, ==, "acknowledged");

  g_clear_object (&log);
  mimic_test_remove_sqlite_files (audit);
  {
    g_autofree char *type_dir = g_build_filename (lenient, "pump-skid", NULL);
    g_autofree char *json = g_build_filename (type_dir, "pump-skid.json", NULL);

    for (guint i = 0; i < G_N_ELEMENTS (lenient_copies); i++)
      {
        g_autofree char *file = g_build_filename (type_dir, lenient_copies[i], NULL);

        g_remove (file);
      }
    g_remove (json);
    g_rmdir (type_dir);
    g_rmdir (lenient);
  }
}

static void
test_cli_websocket (void)
{
  g_autofree char *dir = mimic_test_make_temp_dir ("mimic-command-ws-XXXXXX");
  g_autofree char *audit = g_build_filename (dir, "audit.db", NULL);
  g_autofree char *log = g_build_filename (dir, "commands.jsonl", NULL);
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GSubprocess) device = NULL;
  g_auto(GStrv) fields = NULL;
  guint port = 0;
  const char *args[] = { "--pumps", "1", "--ws", "127.0.0.1:0", "--command-log", log, NULL };

  device = mimic_test_spawn_device (args, &port);
  g_assert_cmpuint (port, >, 0);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);

  g_assert_cmpint (run_cli (audit, &out, url, "pump-001", "set_valve", "position=40", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "acknowledged pump-001 set_valve "));
  fields = g_strsplit (out, " ", 5);
  g_strchomp (fields[3]);
  g_assert_cmpuint (mimic_test_count_executions (log, fields[3]), ==, 1);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (audit, &out, url, "pump-001", "set_valve", "position=140", NULL), ==, 1);
  g_assert_nonnull (strstr (out, "above its maximum"));
  /* A stopped simulator is also a stopped WebSocket server, so a timeout
   * cannot be staged here; the MQTT test covers it. */

  /* A clean exit, also under LeakSanitizer, which fails a process that
   * leaks: libsoup 3.2's listener used to leak every accepted socket. */
  mimic_test_stop_device_cleanly (device);
  g_remove (log);
  mimic_test_remove_sqlite_files (audit);
  g_rmdir (dir);
}

static void
test_parse_arguments (void)
{
  MimicAssetArgument speed = { .name = "speed", .type = MIMIC_ASSET_VALUE_NUMBER };
  MimicAssetArgument count = { .name = "count", .type = MIMIC_ASSET_VALUE_INTEGER };
  MimicAssetArgument on = { .name = "on", .type = MIMIC_ASSET_VALUE_BOOLEAN };
  g_autoptr(GPtrArray) arguments = g_ptr_array_new ();
  MimicAssetCommand command = { .id = "test", .arguments = arguments };
  const char *good[] = { "speed=12.5", "count=3", "on=true", NULL };
  const char *bad[][2] = { { "speed=fast", NULL }, { "count=1.5", NULL }, { "on=yes", NULL },
                           { "turbo=1", NULL }, { "speed", NULL }, { "=1", NULL } };
  const char *twice[] = { "speed=1", "speed=2", NULL };
  const char *not_utf8[] = { "speed=\xff\xc3", NULL };
  g_autoptr(JsonObject) parsed = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (arguments, &speed);
  g_ptr_array_add (arguments, &count);
  g_ptr_array_add (arguments, &on);

  parsed = mimic_command_parse_arguments (&command, good, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (json_object_get_double_member (parsed, "speed"), ==, 12.5);
  g_assert_cmpint (json_object_get_int_member (parsed, "count"), ==, 3);
  g_assert_true (json_object_get_boolean_member (parsed, "on"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) refused = mimic_command_parse_arguments (&command, bad[i], &error);

      g_assert_null (refused);
      g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_null (mimic_command_parse_arguments (&command, twice, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A command line need not be UTF-8; the error quotes it all the same. */
  g_assert_null (mimic_command_parse_arguments (&command, not_utf8, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "speed=\\xFF\\xC3"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  shared_broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/mimic/command/parse-arguments", test_parse_arguments);
  g_test_add ("/mimic/command/acknowledged", Fixture, NULL, fixture_set_up, test_acknowledged, fixture_tear_down);
  g_test_add ("/mimic/command/refused-by-console", Fixture, NULL, fixture_set_up, test_refused_by_console, fixture_tear_down);
  g_test_add ("/mimic/command/refused-when-offline", Fixture, NULL, fixture_set_up, test_refused_when_offline, fixture_tear_down);
  g_test_add ("/mimic/command/select-before-operate", Fixture, NULL, fixture_set_up, test_select_before_operate, fixture_tear_down);
  g_test_add ("/mimic/command/timeout-then-late-reply", Fixture, NULL, fixture_set_up, test_timeout_then_late_reply, fixture_tear_down);
  g_test_add ("/mimic/command/race-reply-and-timeout", Fixture, NULL, fixture_set_up, test_race_reply_and_timeout, fixture_tear_down);
  g_test_add ("/mimic/command/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/mimic/command/bad-replies", Fixture, NULL, fixture_set_up, test_bad_replies, fixture_tear_down);
  g_test_add ("/mimic/command/cli/mqtt", Fixture, NULL, fixture_set_up, test_cli_mqtt, fixture_tear_down);
  g_test_add_func ("/mimic/command/cli/websocket", test_cli_websocket);

  status = g_test_run ();
  mimic_test_broker_free (shared_broker);
  return status;
}
