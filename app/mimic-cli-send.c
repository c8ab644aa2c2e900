/* mimic-cli-send.c — `mimic-cli send URL DEVICE COMMAND name=value...`
 *
 * Sends one command the way the console does — the same validation, the
 * same audit log, the same outcome tracking — and waits for its outcome.
 * Exits 0 only when the device acknowledged it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>

#include "mimic-asset-registry.h"
#include "mimic-audit-log.h"
#include "mimic-cli-commands.h"
#include "mimic-cli-feed.h"
#include "mimic-command-manager.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"

/* How often the device's presence is looked at while waiting for it. */
#define POLL_INTERVAL_MS 50

typedef struct
{
  GMainLoop           *loop;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicCommandManager *manager;
  const char          *device_id;
  const char          *command_name;
  char               **assignments;
  double               timeout_s;
  gboolean             select;
  gint64               give_up_us;     /* monotonic: stop waiting for the device */
  guint                poll_source;
  MimicCommand        *command;
  int                  status;
} Send;

static void
fail (Send       *send,
      const char *message)
{
  g_printerr ("mimic-cli send: %s\n", message);
  send->status = 1;
  g_main_loop_quit (send->loop);
}

static void
on_finished (MimicCommand      *command,
             MimicCommandState  state,
             gpointer           user_data)
{
  Send *send = user_data;
  const char *reason = mimic_command_get_reason (command);

  /* One line, stable words first: scripts read it. */
  g_print ("%s %s %s %s%s%s\n", mimic_command_state_to_string (state), send->device_id, send->command_name,
           mimic_command_get_id (command), reason != NULL ? ": " : "", reason != NULL ? reason : "");
  send->status = state == MIMIC_COMMAND_STATE_ACKNOWLEDGED ? 0 : 1;
  g_main_loop_quit (send->loop);
}

static void
send_now (Send *send)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) arguments = NULL;
  const MimicAssetCommand *description;

  description = mimic_command_manager_lookup_description (send->manager, send->device_id, send->command_name, &error);
  if (description != NULL)
    arguments = mimic_command_parse_arguments (description, (const char * const *) send->assignments, &error);
  if (arguments == NULL)
    {
      fail (send, error->message);
      return;
    }

  if (description->select_before_operate)
    {
      if (!send->select)
        {
          g_autofree char *message = g_strdup_printf (_("“%s” needs select-before-operate: check the "
                                                        "arguments and send again with --select"),
                                                      send->command_name);
          fail (send, message);
          return;
        }
      if (!mimic_command_manager_select (send->manager, send->device_id, send->command_name, arguments, &error))
        {
          fail (send, error->message);
          return;
        }
    }

  send->command = mimic_command_manager_send (send->manager, send->device_id, send->command_name, arguments,
                                              send->timeout_s, &error);
  if (send->command == NULL)
    {
      fail (send, error->message);
      return;
    }
  g_signal_connect (send->command, "finished", G_CALLBACK (on_finished), send);
}

/* Waits for the device's birth and its online status to arrive (they are
 * retained, so this is quick when the device is there). */
static gboolean
poll_device (gpointer user_data)
{
  Send *send = user_data;
  MimicTwinDevice *device = mimic_twin_store_lookup (send->store, send->device_id);

  if (mimic_feed_get_state (send->feed) == MIMIC_FEED_STATE_CONNECTED && device != NULL &&
      mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
      mimic_twin_device_get_asset_type (device) != NULL)
    {
      send->poll_source = 0;
      send_now (send);
      return G_SOURCE_REMOVE;
    }

  if (g_get_monotonic_time () < send->give_up_us)
    return G_SOURCE_CONTINUE;

  send->poll_source = 0;
  /* Past the wait, send() says why: unknown, offline or not connected. */
  send_now (send);
  return G_SOURCE_REMOVE;
}

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Send *send = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_feed_start_finish (MIMIC_FEED (object), result, &error))
    {
      fail (send, error->message);
      return;
    }
  send->poll_source = g_timeout_add (POLL_INTERVAL_MS, poll_device, send);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Send *send = user_data;
  g_autoptr(GError) error = NULL;

  /* An interrupted wait is a cancel: the audit log gets its outcome. */
  if (send->command != NULL && !mimic_command_is_finished (send->command))
    mimic_command_manager_cancel (send->manager, send->command, &error);
  else
    fail (send, _("Interrupted"));
  return G_SOURCE_CONTINUE;
}

int
mimic_cli_send (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *asset_dir = NULL;
  g_autofree char *audit_path = NULL;
  g_autofree char *operator_name = NULL;
  g_auto(GStrv) arguments = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicTwinStore) store = NULL;
  g_autoptr(MimicAssetRegistry) assets = NULL;
  g_autoptr(MimicAuditLog) audit_log = NULL;
  g_autoptr(MimicCommandManager) manager = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Send send = { 0 };
  double timeout = 0, wait = 10;
  gboolean select = FALSE;
  guint signal_source;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout, N_("Seconds to wait for the reply (default: the asset description’s)"), N_("SECONDS") },
    { "select", 's', 0, G_OPTION_ARG_NONE, &select, N_("Select, then operate, a command that needs select-before-operate"), NULL },
    { "wait", 'w', 0, G_OPTION_ARG_DOUBLE, &wait, N_("Seconds to wait for the device to be seen online (default 10)"), N_("SECONDS") },
    { "root", 'r', 0, G_OPTION_ARG_STRING, &root, N_("Topic root of the devices (default: mimic)"), N_("ROOT") },
    { "assets", 'a', 0, G_OPTION_ARG_FILENAME, &asset_dir, N_("Directory of asset descriptions"), N_("DIR") },
    { "audit-log", 0, 0, G_OPTION_ARG_FILENAME, &audit_path, N_("Audit log file (default: in the state directory)"), N_("FILE") },
    { "operator", 'o', 0, G_OPTION_ARG_STRING, &operator_name, N_("Operator name for the audit log (default: the user name)"), N_("NAME") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &arguments, NULL, N_("URL DEVICE COMMAND [NAME=VALUE…]") },
    { NULL }
  };

  context = g_option_context_new (_("URL DEVICE COMMAND [NAME=VALUE…] — send a command and wait for its outcome"));
  g_option_context_set_summary (context,
                                _("Validate a command against the device’s asset description, write it to the "
                                  "audit log, send it and print its outcome. Exits with 0 only when the device "
                                  "acknowledged it."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli send: %s\n", error->message);
      return 2;
    }
  if (arguments == NULL || g_strv_length (arguments) < 3)
    {
      g_printerr ("mimic-cli send: %s\n", _("give a feed URL, a device and a command; see “mimic-cli send --help”"));
      return 2;
    }
  if (!(timeout >= 0) || timeout > 3600 || !(wait >= 0) || wait > 3600)
    {
      g_printerr ("mimic-cli send: %s\n", _("the timeout and the wait must be from 0 to 3600 seconds"));
      return 2;
    }

  feed = mimic_cli_feed_new (arguments[0], root, &error);
  if (feed == NULL)
    {
      g_printerr ("mimic-cli send: %s\n", error->message);
      return 2;
    }
  if (!mimic_feed_can_send_commands (feed))
    {
      g_printerr ("mimic-cli send: %s\n", _("this kind of feed cannot carry commands"));
      return 2;
    }

  assets = mimic_cli_feed_use_assets (feed, asset_dir, &error);
  if (assets == NULL)
    {
      g_printerr ("mimic-cli send: %s\n", error->message);
      return 1;
    }

  audit_log = mimic_audit_log_open (audit_path, &error);
  if (audit_log == NULL)
    {
      g_printerr ("mimic-cli send: %s\n", error->message);
      return 1;
    }

  store = mimic_twin_store_new ();
  mimic_cli_feed_into_store (feed, store);
  manager = mimic_command_manager_new (feed, store, assets, audit_log);
  mimic_command_manager_set_operator_name (manager, operator_name);

  loop = g_main_loop_new (NULL, FALSE);
  send.loop = loop;
  send.feed = feed;
  send.store = store;
  send.manager = manager;
  send.device_id = arguments[1];
  send.command_name = arguments[2];
  send.assignments = arguments + 3;
  send.timeout_s = timeout;
  send.select = select;
  send.give_up_us = g_get_monotonic_time () + (gint64) (wait * G_USEC_PER_SEC);
  send.status = 1;

  signal_source = g_unix_signal_add (SIGINT, on_interrupt, &send);
  mimic_feed_start_async (feed, NULL, on_started, &send);
  g_main_loop_run (loop);

  g_source_remove (signal_source);
  g_clear_handle_id (&send.poll_source, g_source_remove);
  if (send.command != NULL)
    g_signal_handlers_disconnect_by_data (send.command, &send);
  g_clear_object (&send.command);
  mimic_command_manager_flush_audit_log (manager);
  mimic_feed_stop (feed);
  mimic_twin_store_flush (store);

  return send.status;
}
