/* command-sender-child.c — sends commands through a real broker with the
 * command manager, continuously, until test-command-lifecycle kills it
 * with SIGKILL
 *
 *   command-sender-child mqtt://127.0.0.1:PORT/ROOT AUDIT.db
 *
 * Prints "sending" once the device is online; from then on it keeps a few
 * set_speed commands to pump-001 in flight, one more as each ends, so a
 * kill lands during audit writes, sends and outcome writes alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "command-sender-child"

#include "config.h"

#include <stdio.h>

#include "mimic-command-manager.h"
#include "mimic-paths.h"
#include "mimic-test-utils.h"

#define IN_FLIGHT 4
#define DEVICE_ID "pump-001"

typedef struct
{
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicCommandManager *manager;
  guint                in_flight;
  guint                n_sent;
} Sender;

static void send_more (Sender *sender);

static void
send_later (gpointer user_data)
{
  send_more (user_data);
}

static void
on_finished (MimicCommand      *command,
             MimicCommandState  state,
             gpointer           user_data)
{
  Sender *sender = user_data;

  sender->in_flight--;
  g_signal_handlers_disconnect_by_data (command, sender);
  send_more (sender);
}

static void
send_more (Sender *sender)
{
  while (sender->in_flight < IN_FLIGHT)
    {
      g_autoptr(JsonObject) arguments = json_object_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicCommand) command = NULL;

      json_object_set_double_member (arguments, "speed", 100 + (sender->n_sent++ % 1600));
      command = mimic_command_manager_send (sender->manager, DEVICE_ID, "set_speed", arguments, 2.0, &error);
      /* The link or the device can blink while the test restarts
       * senders; try again shortly, as an operator would. */
      if (g_error_matches (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_NOT_CONNECTED) ||
          g_error_matches (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OFFLINE))
        {
          g_timeout_add_once (50, send_later, sender);
          return;
        }
      if (command == NULL)
        g_error ("%s", error->message);
      sender->in_flight++;
      g_signal_connect (command, "finished", G_CALLBACK (on_finished), sender);
    }
}

static gboolean
wait_for_device (gpointer user_data)
{
  Sender *sender = user_data;
  MimicTwinDevice *device = mimic_twin_store_lookup (sender->store, DEVICE_ID);

  if (mimic_feed_get_state (sender->feed) != MIMIC_FEED_STATE_CONNECTED ||
      device == NULL || mimic_twin_device_get_presence (device) != MIMIC_PRESENCE_ONLINE ||
      mimic_twin_device_get_asset_type (device) == NULL)
    return G_SOURCE_CONTINUE;

  printf ("sending\n");
  fflush (stdout);
  send_more (sender);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicAuditLog) audit_log = NULL;
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  Sender sender = { 0 };

  if (argc != 3)
    return 2;

  if (!mimic_asset_registry_load_directory (registry, asset_dir, &error) ||
      (feed = mimic_feed_new_for_url (argv[1], &error)) == NULL ||
      (audit_log = mimic_audit_log_open (argv[2], &error)) == NULL)
    g_error ("%s", error->message);

  sender.feed = feed;
  sender.store = mimic_twin_store_new ();
  mimic_test_feed_into_store (feed, registry, sender.store);
  sender.manager = mimic_command_manager_new (feed, sender.store, registry, audit_log);
  mimic_command_manager_set_operator_name (sender.manager, "killed-sender");

  mimic_feed_start_async (feed, NULL, NULL, NULL);
  g_timeout_add (10, wait_for_device, &sender);
  g_main_loop_run (loop);
  return 0;
}
