/* test-command-routing.c — with several sources, a command goes to the
 * source its device's data came from
 *
 * Two real mimic-device simulators serve WebSocket on loopback: one a
 * pump, the other a battery rack. The console's command manager takes
 * both feeds; a command for the rack must reach the second simulator and
 * never the first, and one for the pump the first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-command-routing"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "mimic-command-manager.h"
#include "mimic-recording-writer.h"
#include "mimic-replay-feed.h"
#include "mimic-test-utils.h"

#define WAIT_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* One simulator and the feed that watches it. */
typedef struct
{
  GSubprocess *process;
  char        *command_log;
  char        *url;
  MimicFeed   *feed;
} Source;

typedef struct
{
  char                *dir;
  char                *audit_path;
  MimicTwinStore      *store;
  MimicAssetRegistry  *registry;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
  Source               pumps;
  Source               racks;
} Fixture;

static gboolean
command_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

typedef struct
{
  MimicTwinStore *store;
  const char     *device_id;
} DeviceWait;

static gboolean
device_online (gpointer data)
{
  DeviceWait *wait = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (wait->store, wait->device_id);

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_twin_device_get_asset_type (device) != NULL;
}

/* Starts mimic-device with @kind ("--pumps" or "--racks") on a free
 * loopback port and a feed for it, wired into the fixture's store. */
static void
source_start (Fixture    *fixture,
              Source     *source,
              const char *kind)
{
  g_autofree char *log_name = g_strdup_printf ("%s.jsonl", kind + 2);
  g_autoptr(GError) error = NULL;
  guint port = 0;

  source->command_log = g_build_filename (fixture->dir, log_name, NULL);
  {
    const char *args[] = { kind, "1", "--rate", "5", "--ws", "127.0.0.1:0",
                           "--command-log", source->command_log, NULL };

    source->process = mimic_test_spawn_device (args, &port);
  }
  g_assert_cmpuint (port, >, 0);

  source->url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  source->feed = mimic_feed_new_for_url (source->url, &error);
  g_assert_no_error (error);
  mimic_test_feed_into_store (source->feed, fixture->registry, fixture->store);
  mimic_feed_start_async (source->feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_iterate_until (mimic_test_feed_is_connected, source->feed, WAIT_TIMEOUT_US));
}

static void
source_stop (Source *source)
{
  mimic_feed_stop (source->feed);
  g_clear_object (&source->feed);
  mimic_test_stop_device (source->process);
  g_clear_object (&source->process);
  g_remove (source->command_log);
  g_free (source->command_log);
  g_free (source->url);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  DeviceWait pump = { NULL, "pump-001" }, rack = { NULL, "rack-001" };

  fixture->dir = mimic_test_make_temp_dir ("mimic-command-routing-XXXXXX");
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);
  fixture->registry = mimic_test_load_sample_assets ();
  fixture->store = mimic_twin_store_new ();
  fixture->audit_log = mimic_audit_log_open (fixture->audit_path, &error);
  g_assert_no_error (error);

  source_start (fixture, &fixture->pumps, "--pumps");
  source_start (fixture, &fixture->racks, "--racks");

  /* As the console does: the manager is made with the first source and
   * told about each further one. */
  fixture->manager = mimic_command_manager_new (fixture->pumps.feed, fixture->store, fixture->registry,
                                                fixture->audit_log);
  mimic_command_manager_add_feed (fixture->manager, fixture->racks.feed);
  mimic_command_manager_set_operator_name (fixture->manager, "alice");

  pump.store = rack.store = fixture->store;
  g_assert_true (mimic_test_iterate_until (device_online, &pump, WAIT_TIMEOUT_US));
  g_assert_true (mimic_test_iterate_until (device_online, &rack, WAIT_TIMEOUT_US));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->manager);
  source_stop (&fixture->pumps);
  source_stop (&fixture->racks);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->registry);
  g_assert_finalize_object (fixture->audit_log);
  mimic_test_remove_sqlite_files (fixture->audit_path);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->audit_path);
}

static MimicCommand *
send_and_wait (Fixture    *fixture,
               const char *device_id,
               const char *name,
               const char *argument,
               double      value)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  MimicCommand *command;

  json_object_set_double_member (arguments, argument, value);
  command = mimic_command_manager_send (fixture->manager, device_id, name, arguments, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_assert_true (mimic_test_iterate_until (command_finished, command, WAIT_TIMEOUT_US));
  return command;
}

static void
test_routing_two_sources (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MimicCommand) to_rack = NULL;
  g_autoptr(MimicCommand) to_pump = NULL;
  MimicTwinDevice *rack = mimic_twin_store_lookup (fixture->store, "rack-001");
  MimicTwinDevice *pump = mimic_twin_store_lookup (fixture->store, "pump-001");

  /* Each device knows the source its data came from. */
  g_assert_cmpstr (mimic_twin_device_get_source_id (rack), ==, mimic_feed_get_id (fixture->racks.feed));
  g_assert_cmpstr (mimic_twin_device_get_source_id (pump), ==, mimic_feed_get_id (fixture->pumps.feed));
  g_assert_cmpstr (mimic_feed_get_id (fixture->racks.feed), !=, mimic_feed_get_id (fixture->pumps.feed));
  g_assert_true (mimic_command_manager_get_feed_for_device (fixture->manager, "rack-001") == fixture->racks.feed);
  g_assert_true (mimic_command_manager_get_feed_for_device (fixture->manager, "pump-001") == fixture->pumps.feed);
  g_assert_null (mimic_command_manager_get_feed_for_device (fixture->manager, "no-such-device"));

  /* The rack's command reaches the rack's simulator, which acknowledges
   * it, and not the pump's, which is the first source. */
  to_rack = send_and_wait (fixture, "rack-001", "set_power", "power", -40);
  g_assert_cmpint (mimic_command_get_state (to_rack), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_test_count_executions (fixture->racks.command_log, mimic_command_get_id (to_rack)), ==, 1);
  g_assert_cmpuint (mimic_test_count_executions (fixture->pumps.command_log, mimic_command_get_id (to_rack)), ==, 0);

  /* And the other way round. */
  to_pump = send_and_wait (fixture, "pump-001", "set_valve", "position", 40);
  g_assert_cmpint (mimic_command_get_state (to_pump), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_test_count_executions (fixture->pumps.command_log, mimic_command_get_id (to_pump)), ==, 1);
  g_assert_cmpuint (mimic_test_count_executions (fixture->racks.command_log, mimic_command_get_id (to_pump)), ==, 0);

  /* Both in one list of recent commands. */
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 2);
}

/* A source taken away takes its devices' commands with it: no other
 * source stands in, and adding feeds twice or a feed that cannot carry
 * commands changes nothing. */
static void
test_routing_source_removed (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommand) refused = NULL;
  g_autoptr(MimicCommand) to_pump = NULL;
  g_autoptr(MimicFeed) replay = NULL;
  g_autofree char *replay_path = g_build_filename (fixture->dir, "empty.mimicrec", NULL);
  g_autoptr(MimicRecordingWriter) writer = NULL;

  mimic_command_manager_add_feed (fixture->manager, fixture->racks.feed);
  mimic_command_manager_add_feed (fixture->manager, fixture->pumps.feed);
  g_assert_true (mimic_command_manager_get_feed_for_device (fixture->manager, "rack-001") == fixture->racks.feed);

  /* A recording carries no commands: it is not taken. */
  writer = mimic_recording_writer_new (replay_path, fixture->pumps.url, "mimic", &error);
  g_assert_no_error (error);
  g_assert_true (mimic_recording_writer_close (writer, &error));
  g_assert_no_error (error);
  replay = MIMIC_FEED (mimic_replay_feed_new (replay_path, &error));
  g_assert_no_error (error);
  g_assert_false (mimic_feed_can_send_commands (replay));
  mimic_command_manager_add_feed (fixture->manager, replay);
  g_assert_true (mimic_command_manager_get_feed_for_device (fixture->manager, "pump-001") == fixture->pumps.feed);

  /* The rack's source goes; the rack is still in the twin, but its
   * commands are refused rather than sent to the pump's source. */
  mimic_command_manager_remove_feed (fixture->manager, fixture->racks.feed);
  g_assert_null (mimic_command_manager_get_feed_for_device (fixture->manager, "rack-001"));
  json_object_set_double_member (arguments, "power", 10);
  g_assert_false (mimic_command_manager_validate (fixture->manager, "rack-001", "set_power", arguments, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_NOT_CONNECTED);
  g_assert_nonnull (strstr (error->message, "rack-001"));
  g_clear_error (&error);
  refused = mimic_command_manager_send (fixture->manager, "rack-001", "set_power", arguments, 0, &error);
  g_assert_null (refused);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 0);

  /* The pump's source is untouched. */
  to_pump = send_and_wait (fixture, "pump-001", "set_valve", "position", 55);
  g_assert_cmpint (mimic_command_get_state (to_pump), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_cmpuint (mimic_test_count_executions (fixture->pumps.command_log, mimic_command_get_id (to_pump)), ==, 1);

  /* Removing it again, or a feed never added, is harmless. */
  mimic_command_manager_remove_feed (fixture->manager, fixture->racks.feed);
  mimic_command_manager_remove_feed (fixture->manager, replay);
  g_remove (replay_path);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *state = g_dir_make_tmp ("mimic-command-routing-state-XXXXXX", NULL);
  int status;

  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mimic/command/routing/two-sources", Fixture, NULL,
              fixture_set_up, test_routing_two_sources, fixture_tear_down);
  g_test_add ("/mimic/command/routing/source-removed", Fixture, NULL,
              fixture_set_up, test_routing_source_removed, fixture_tear_down);

  status = g_test_run ();
  g_rmdir (state);
  return status;
}
