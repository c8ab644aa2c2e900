/* mimic-cli-watch.c — `mimic-cli watch URL`
 *
 * Connects to a feed the way the console does (same decoder, same twin
 * store) and prints every sensor update as it is applied, plus the
 * source's health once a second, so a device integration can be checked
 * from a terminal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>

#include "mimic-asset-registry.h"
#include "mimic-cli-commands.h"
#include "mimic-cli-feed.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"

typedef struct
{
  GMainLoop          *loop;
  MimicFeed          *feed;
  MimicTwinStore     *store;
  MimicAssetRegistry *assets;
  /* "device\x1fsensor" → timestamp of the reading printed last */
  GHashTable         *printed;
  guint               duration_source;
  gboolean            start_failed;
} Watch;

static const char *
lookup_unit (Watch           *watch,
             MimicTwinDevice *device,
             const char      *sensor_id)
{
  const char *asset_type = mimic_twin_device_get_asset_type (device);
  const MimicAssetSensor *sensor;
  MimicAsset *asset;

  if (asset_type == NULL)
    return "";

  asset = mimic_asset_registry_lookup (watch->assets, asset_type);
  if (asset == NULL)
    return "";

  sensor = mimic_asset_get_sensor (asset, sensor_id);
  return sensor != NULL && sensor->unit != NULL ? sensor->unit : "";
}

static void
print_device_updates (Watch           *watch,
                      MimicTwinDevice *device)
{
  g_auto(GStrv) sensor_ids = mimic_twin_device_dup_sensor_ids (device);
  const char *device_id = mimic_twin_device_get_id (device);

  for (guint i = 0; sensor_ids[i] != NULL; i++)
    {
      MimicSensorReading reading;
      g_autofree char *key = g_strdup_printf ("%s\x1f%s", device_id, sensor_ids[i]);
      gpointer last = NULL;

      if (!mimic_twin_device_get_sensor (device, sensor_ids[i], &reading))
        continue;

      if (g_hash_table_lookup_extended (watch->printed, key, NULL, &last) &&
          *(gint64 *) last == reading.timestamp_us)
        continue;

      g_print ("%s %s %g %s %s\n", device_id, sensor_ids[i], reading.value,
               lookup_unit (watch, device, sensor_ids[i]), mimic_quality_to_string (reading.quality));
      g_hash_table_replace (watch->printed, g_steal_pointer (&key),
                            g_memdup2 (&reading.timestamp_us, sizeof reading.timestamp_us));
    }
}

static void
on_batch_applied (MimicTwinStore *store,
                  GStrv           device_ids,
                  gpointer        user_data)
{
  Watch *watch = user_data;

  for (guint i = 0; device_ids[i] != NULL; i++)
    {
      MimicTwinDevice *device = mimic_twin_store_lookup (store, device_ids[i]);

      if (device != NULL)
        print_device_updates (watch, device);
    }
}

static void
print_health (Watch *watch)
{
  MimicFeedHealth health;
  g_autoptr(GString) rejected = g_string_new (NULL);
  g_autofree char *error = mimic_feed_dup_last_error (watch->feed);

  mimic_feed_get_health (watch->feed, &health);
  for (guint i = 0; i < MIMIC_N_REJECTIONS; i++)
    {
      if (health.rejected[i] > 0)
        g_string_append_printf (rejected, " %s=%" G_GUINT64_FORMAT, mimic_rejection_to_string (i),
                                health.rejected[i]);
    }

  /* One line, stable field names: scripts grep for them. */
  g_print ("# health %s state=%s msg/s=%.1f values/s=%.1f messages=%" G_GUINT64_FORMAT
           " values=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT " reconnects=%u rejected=%" G_GUINT64_FORMAT "%s\n",
           mimic_feed_get_id (watch->feed), mimic_feed_state_to_string (health.state),
           health.messages_per_second, health.values_per_second, health.messages, health.values,
           health.bytes, health.reconnects, health.rejected_total, rejected->str);
  if (error != NULL && health.state != MIMIC_FEED_STATE_CONNECTED)
    g_print ("# %s\n", error);
}

static gboolean
on_second (gpointer user_data)
{
  print_health (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_gap (MimicFeed *feed,
        gint64     gap_us,
        gpointer   user_data)
{
  g_print ("# ");
  g_print (_("%s was down for %.1f s: data from that time is missing"), mimic_feed_get_id (feed),
           gap_us / (double) G_USEC_PER_SEC);
  g_print ("\n");
}

static gboolean
on_interrupt (gpointer user_data)
{
  Watch *watch = user_data;

  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration_over (gpointer user_data)
{
  Watch *watch = user_data;

  watch->duration_source = 0;
  g_main_loop_quit (watch->loop);
  return G_SOURCE_REMOVE;
}

static void
on_started (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Watch *watch = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_feed_start_finish (MIMIC_FEED (object), result, &error))
    {
      g_printerr ("mimic-cli watch: %s\n", error->message);
      watch->start_failed = TRUE;
      g_main_loop_quit (watch->loop);
    }
}

int
mimic_cli_watch (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *asset_dir = NULL;
  g_auto(GStrv) arguments = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicTwinStore) store = NULL;
  g_autoptr(MimicAssetRegistry) assets = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GHashTable) printed = NULL;
  Watch watch = { 0 };
  double duration = 0;
  guint health_source, signal_source;
  const GOptionEntry entries[] = {
    { "root", 'r', 0, G_OPTION_ARG_STRING, &root, N_("Topic root of the devices (default: mimic)"), N_("ROOT") },
    { "assets", 'a', 0, G_OPTION_ARG_FILENAME, &asset_dir, N_("Directory of asset descriptions"), N_("DIR") },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, N_("Stop after this many seconds"), N_("SECONDS") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &arguments, NULL, N_("URL") },
    { NULL }
  };

  context = g_option_context_new (_("URL — print live twin updates and source health"));
  g_option_context_set_summary (context,
                                _("Print “device sensor value unit quality” for every update and the "
                                  "source’s health once a second, until interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli watch: %s\n", error->message);
      return 2;
    }

  if (arguments == NULL || g_strv_length (arguments) != 1)
    {
      g_printerr ("mimic-cli watch: %s\n", _("give exactly one feed URL; see “mimic-cli watch --help”"));
      return 2;
    }

  if (duration < 0 || duration > G_MAXUINT / 1000)
    {
      g_printerr ("mimic-cli watch: %s\n", _("the duration must be a positive number of seconds"));
      return 2;
    }

  feed = mimic_cli_feed_new (arguments[0], root, &error);
  if (feed == NULL)
    {
      g_printerr ("mimic-cli watch: %s\n", error->message);
      return 2;
    }

  assets = mimic_cli_feed_use_assets (feed, asset_dir, &error);
  if (assets == NULL)
    {
      g_printerr ("mimic-cli watch: %s\n", error->message);
      return 1;
    }

  store = mimic_twin_store_new ();
  loop = g_main_loop_new (NULL, FALSE);
  printed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  watch.loop = loop;
  watch.feed = feed;
  watch.store = store;
  watch.assets = assets;
  watch.printed = printed;

  mimic_cli_feed_into_store (feed, store);
  g_signal_connect (store, "batch-applied", G_CALLBACK (on_batch_applied), &watch);
  g_signal_connect (feed, "gap", G_CALLBACK (on_gap), &watch);

  health_source = g_timeout_add_seconds (1, on_second, &watch);
  signal_source = g_unix_signal_add (SIGINT, on_interrupt, &watch);
  if (duration > 0)
    watch.duration_source = g_timeout_add ((guint) (duration * 1000), on_duration_over, &watch);

  mimic_feed_start_async (feed, NULL, on_started, &watch);
  g_main_loop_run (loop);

  g_source_remove (health_source);
  g_source_remove (signal_source);
  g_clear_handle_id (&watch.duration_source, g_source_remove);

  mimic_feed_stop (feed);
  mimic_twin_store_flush (store);
  if (!watch.start_failed)
    print_health (&watch);
  g_signal_handlers_disconnect_by_data (store, &watch);
  g_signal_handlers_disconnect_by_data (feed, &watch);

  return watch.start_failed ? 1 : 0;
}
