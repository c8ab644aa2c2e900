/* mimic-device-main.c — the Mimic device simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-device"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mimic-asset-registry.h"
#include "mimic-paths.h"
#include "mimic-sim-fleet.h"

typedef struct
{
  GMainLoop     *loop;
  MimicSimFleet *fleet;
  gboolean       stopping;
  int            status;
} Simulator;

static void
fleet_stopped_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Simulator *simulator = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_sim_fleet_stop_finish (MIMIC_SIM_FLEET (source), result, &error))
    g_printerr ("mimic-device: %s\n", error->message);
  g_main_loop_quit (simulator->loop);
}

static void
stop_simulator (Simulator *simulator)
{
  if (simulator->stopping)
    return;
  simulator->stopping = TRUE;
  mimic_sim_fleet_stop_async (simulator->fleet, NULL, fleet_stopped_cb, simulator);
}

static gboolean
on_signal (gpointer user_data)
{
  stop_simulator (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration_over (gpointer user_data)
{
  stop_simulator (user_data);
  return G_SOURCE_REMOVE;
}

/* Every device over MQTT is its own connection: make room for a large
 * fleet's sockets. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* For benchmarks: one machine-readable line. */
static void
print_stats (MimicSimFleet *fleet,
             double         wall_s)
{
  struct rusage usage;
  double user_s, system_s;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return;

  user_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6;
  system_s = usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  g_print ("mimic-device: stats devices=%u telemetry=%" G_GUINT64_FORMAT " missed=%" G_GUINT64_FORMAT
           " wall_s=%.2f user_s=%.2f sys_s=%.2f cpu_percent=%.1f max_rss_kib=%ld\n",
           mimic_sim_fleet_get_n_devices (fleet), mimic_sim_fleet_get_n_telemetry (fleet),
           mimic_sim_fleet_get_n_ticks_missed (fleet), wall_s, user_s, system_s,
           100.0 * (user_s + system_s) / MAX (wall_s, 1e-3), usage.ru_maxrss);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAssetRegistry) registry = NULL;
  g_autoptr(MimicSimFleet) fleet = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) faults = NULL;
  g_autofree char *mqtt_url = NULL;
  g_autofree char *ws_address = NULL;
  g_autofree char *assets_dir = NULL;
  g_autofree char *scenario = NULL;
  g_autofree char *command_log = NULL;
  g_autofree char *root = NULL;
  gboolean version = FALSE;
  gboolean allow_fault_commands = FALSE;
  gboolean stats = FALSE;
  gint64 started_us;
  int n_pumps = 0, n_racks = 0, per_connection = 1;
  gint64 seed = 1;
  double speed = 1.0, rate = 1.0, duration = 0.0;
  Simulator simulator = { 0, };
  const GOptionEntry entries[] = {
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { "pumps", 0, 0, G_OPTION_ARG_INT, &n_pumps, N_("Simulate N pump skids"), N_("N") },
    { "racks", 0, 0, G_OPTION_ARG_INT, &n_racks, N_("Simulate N battery racks"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the devices' variation and noise (default 1)"), N_("S") },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, N_("Simulated seconds per second (default 1)"), N_("X") },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, N_("Telemetry messages per device per second (default 1)"), N_("HZ") },
    { "mqtt", 0, 0, G_OPTION_ARG_STRING, &mqtt_url, N_("Publish to the broker at mqtt://HOST:PORT"), N_("URL") },
    { "devices-per-connection", 0, 0, G_OPTION_ARG_INT, &per_connection, N_("Devices sharing one MQTT connection (default 1; only 1 gives each device a Will)"), N_("N") },
    { "root", 0, 0, G_OPTION_ARG_STRING, &root, N_("Topic root (default mimic)"), N_("ROOT") },
    { "ws", 0, 0, G_OPTION_ARG_STRING, &ws_address, N_("Serve WebSocket clients on HOST:PORT (port 0 picks one)"), N_("HOST:PORT") },
    { "assets", 0, 0, G_OPTION_ARG_FILENAME, &assets_dir, N_("Read asset descriptions from DIR"), N_("DIR") },
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop after S seconds"), N_("S") },
    { "scenario", 0, 0, G_OPTION_ARG_FILENAME, &scenario, N_("Inject the faults listed in FILE"), N_("FILE") },
    { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &faults, N_("Inject a fault: DEVICE:KIND[:key=value,...] (repeatable)"), N_("SPEC") },
    { "allow-fault-commands", 0, 0, G_OPTION_ARG_NONE, &allow_fault_commands, N_("Accept inject_fault commands"), NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &stats, N_("Print the CPU time and memory used when stopping"), NULL },
    { "command-log", 0, 0, G_OPTION_ARG_FILENAME, &command_log, N_("Append every command acted on to FILE (JSON Lines)"), N_("FILE") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Simulates a fleet of devices that speak Mimic's protocol."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("mimic-device %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (n_pumps < 0 || n_racks < 0 || n_pumps > 100000 || n_racks > 100000)
    {
      g_printerr ("mimic-device: %s\n", _("the number of devices must be from 0 to 100000"));
      return 2;
    }
  if (n_pumps == 0 && n_racks == 0)
    {
      g_printerr ("mimic-device: %s\n", _("no devices to simulate"));
      return 2;
    }
  if (seed < 0 || seed > G_MAXUINT32)
    {
      g_printerr ("mimic-device: %s\n", _("the seed must be from 0 to 4294967295"));
      return 2;
    }
  if (!(duration >= 0.0) || duration > 1e7)
    {
      g_printerr ("mimic-device: %s\n", _("the duration must be a number of seconds, 0 for no end"));
      return 2;
    }

  registry = mimic_asset_registry_new ();
  if (!mimic_asset_registry_load_directory (registry, assets_dir, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 1;
    }

  fleet = mimic_sim_fleet_new (registry, n_pumps, n_racks, (guint32) seed, &error);
  if (fleet == NULL ||
      !mimic_sim_fleet_set_speed (fleet, speed, &error) ||
      !mimic_sim_fleet_set_rate (fleet, rate, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 2;
    }
  if (per_connection < 1 || !mimic_sim_fleet_set_devices_per_connection (fleet, (guint) per_connection, &error))
    {
      g_printerr ("mimic-device: %s\n", error != NULL ? error->message : _("devices per connection must be 1 or more"));
      return 2;
    }
  mimic_sim_fleet_set_root (fleet, root);
  mimic_sim_fleet_set_allow_fault_commands (fleet, allow_fault_commands);

  if (command_log != NULL && !mimic_sim_fleet_open_command_log (fleet, command_log, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; faults != NULL && faults[i] != NULL; i++)
    {
      if (!mimic_sim_fleet_add_fault_spec (fleet, faults[i], &error))
        {
          g_printerr ("mimic-device: %s\n", error->message);
          return 2;
        }
    }
  if (scenario != NULL && !mimic_sim_fleet_load_scenario (fleet, scenario, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 2;
    }

  raise_file_limit ();

  if (ws_address != NULL)
    {
      guint port = mimic_sim_fleet_listen_websocket (fleet, ws_address, &error);
      g_autofree char *host = NULL;

      if (port == 0)
        {
          g_printerr ("mimic-device: %s\n", error->message);
          return 1;
        }
      host = g_strndup (ws_address, strrchr (ws_address, ':') - ws_address);
      /* A machine-readable line: demos and tests read the port from it. */
      g_print ("mimic-device: listening on ws://%s:%u/\n", host, port);
      fflush (stdout);
    }
  if (mqtt_url != NULL && !mimic_sim_fleet_connect_mqtt (fleet, mqtt_url, &error))
    {
      g_printerr ("mimic-device: %s\n", error->message);
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  simulator.loop = loop;
  simulator.fleet = fleet;
  g_unix_signal_add (SIGINT, on_signal, &simulator);
  g_unix_signal_add (SIGTERM, on_signal, &simulator);
  if (duration > 0.0)
    g_timeout_add ((guint) (duration * 1000.0), on_duration_over, &simulator);

  g_print ("mimic-device: simulating %u devices\n", mimic_sim_fleet_get_n_devices (fleet));
  fflush (stdout);
  started_us = g_get_monotonic_time ();
  mimic_sim_fleet_start (fleet);
  g_main_loop_run (loop);

  if (stats)
    print_stats (fleet, (g_get_monotonic_time () - started_us) / (double) G_USEC_PER_SEC);

  return simulator.status;
}
