/* mimic-console.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-console"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-audit-log.h"
#include "mimic-command.h"
#include "mimic-credentials.h"
#include "mimic-console.h"
#include "mimic-paths.h"
#include "mimic-recording-writer.h"

struct _MimicConsole
{
  GObject               parent_instance;

  MimicTwinStore       *store;
  MimicAssetRegistry   *assets;
  MimicAlarmManager    *alarms;
  MimicTwinRuntime     *runtime;
  MimicCommandManager  *commands;
  MimicAuditLog        *audit_log;
  GListStore           *sources;
  GListStore           *fleet;
  GHashTable           *fleet_by_id;      /* device id → MimicFleetItem */
  GHashTable           *assets_added;     /* asset ids handed to the alarm manager */
  GtkStringList        *events;
  guint                 n_events;
  GCancellable         *cancellable;

  MimicConnectionList  *connections;
  GHashTable           *profile_feeds;    /* profile id → MimicFeed it runs */
  GHashTable           *profile_lookups;  /* profile id → GCancellable of its password lookup */

  MimicRecordingWriter *recording;
  MimicFeed            *recorded_feed;

  char                 *operator_name;
  gboolean              view_only;
};

G_DEFINE_FINAL_TYPE (MimicConsole, mimic_console, G_TYPE_OBJECT)

static void
queue_into_store (MimicFeed        *feed,
                  MimicUpdateBatch *batch,
                  gpointer          user_data)
{
  mimic_twin_store_queue_batch (MIMIC_TWIN_STORE (user_data), batch);
}

static void
use_assets (MimicTelemetryDecoder *decoder,
            gpointer               user_data)
{
  mimic_telemetry_decoder_add_asset_registry (decoder, MIMIC_ASSET_REGISTRY (user_data));
}

/* Pairs a row with its asset once the device's birth names one, and lets
 * the alarm manager know the asset's limits. */
static void
attach_asset (MimicConsole   *self,
              MimicFleetItem *item)
{
  const char *asset_type;
  MimicAsset *asset;

  if (mimic_fleet_item_get_asset (item) != NULL)
    return;

  asset_type = mimic_twin_device_get_asset_type (mimic_fleet_item_get_device (item));
  if (asset_type == NULL)
    return;
  asset = mimic_asset_registry_lookup (self->assets, asset_type);
  if (asset == NULL)
    return;

  if (!g_hash_table_contains (self->assets_added, mimic_asset_get_id (asset)))
    {
      g_hash_table_add (self->assets_added, g_strdup (mimic_asset_get_id (asset)));
      mimic_alarm_manager_add_asset (self->alarms, asset);
    }
  mimic_fleet_item_set_asset (item, asset);
}

/* Touches only the devices this batch changed: the cost of an update is
 * the size of the batch, not of the fleet. */
static void
on_batch_applied (MimicTwinStore     *store,
                  const char * const *device_ids,
                  MimicConsole       *self)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; device_ids[i] != NULL; i++)
    {
      MimicFleetItem *item = g_hash_table_lookup (self->fleet_by_id, device_ids[i]);

      if (item == NULL)
        {
          MimicTwinDevice *device = mimic_twin_store_lookup (store, device_ids[i]);

          if (device == NULL)
            continue;
          item = mimic_fleet_item_new (device);
          g_hash_table_insert (self->fleet_by_id, g_strdup (mimic_twin_device_get_id (device)), item);
          g_ptr_array_add (added, g_object_ref (item));
        }
      else
        {
          mimic_fleet_item_refresh (item);
        }
      attach_asset (self, item);
    }

  if (added->len > 0)
    g_list_store_splice (self->fleet, g_list_model_get_n_items (G_LIST_MODEL (self->fleet)),
                         0, added->pdata, added->len);
}

static void
update_device_alarm_priority (MimicConsole *self,
                              const char   *device_id)
{
  MimicFleetItem *item = g_hash_table_lookup (self->fleet_by_id, device_id);
  GListModel *alarms;
  guint worst = 0;

  if (item == NULL)
    return;

  alarms = mimic_alarm_manager_get_alarms (self->alarms);
  for (guint i = 0, n = g_list_model_get_n_items (alarms); i < n; i++)
    {
      g_autoptr(MimicAlarm) alarm = g_list_model_get_item (alarms, i);

      if (mimic_alarm_is_standing (alarm) &&
          g_strcmp0 (mimic_alarm_get_device_id (alarm), device_id) == 0)
        worst = MAX (worst, (guint) mimic_alarm_get_priority (alarm));
    }
  mimic_fleet_item_set_alarm_priority (item, worst);
}

static void
on_alarm_transition (MimicAlarmManager *alarms,
                     MimicAlarm        *alarm,
                     gpointer           entry,
                     MimicConsole      *self)
{
  update_device_alarm_priority (self, mimic_alarm_get_device_id (alarm));
}

static void
on_alarm_raised (MimicAlarmManager *alarms,
                 MimicAlarm        *alarm,
                 MimicConsole      *self)
{
  mimic_console_log_event (self, _("Alarm %s: %s %s (%s)"),
                           mimic_alarm_priority_to_string (mimic_alarm_get_priority (alarm)),
                           mimic_alarm_get_device_id (alarm),
                           mimic_alarm_get_sensor_id (alarm),
                           mimic_alarm_condition_get_label (mimic_alarm_get_condition (alarm)));
}

static void
cancel_and_unref (gpointer data)
{
  g_cancellable_cancel (data);
  g_object_unref (data);
}

static void
mimic_console_dispose (GObject *object)
{
  MimicConsole *self = MIMIC_CONSOLE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  g_clear_object (&self->connections);
  if (self->profile_lookups != NULL)
    g_hash_table_remove_all (self->profile_lookups);
  if (self->profile_feeds != NULL)
    g_hash_table_remove_all (self->profile_feeds);
  mimic_console_stop_recording (self, NULL);
  mimic_console_stop_sources (self);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->runtime);
  if (self->alarms != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->alarms, self);
      mimic_alarm_manager_set_twin_store (self->alarms, NULL);
    }
  g_clear_object (&self->commands);
  g_clear_object (&self->audit_log);
  g_clear_object (&self->alarms);
  g_clear_object (&self->store);
  g_clear_object (&self->sources);
  g_clear_object (&self->fleet);
  g_clear_object (&self->events);

  G_OBJECT_CLASS (mimic_console_parent_class)->dispose (object);
}

static void
mimic_console_finalize (GObject *object)
{
  MimicConsole *self = MIMIC_CONSOLE (object);

  g_clear_pointer (&self->fleet_by_id, g_hash_table_unref);
  g_clear_pointer (&self->assets_added, g_hash_table_unref);
  g_clear_pointer (&self->profile_feeds, g_hash_table_unref);
  g_clear_pointer (&self->profile_lookups, g_hash_table_unref);
  g_clear_object (&self->assets);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->operator_name, g_free);

  G_OBJECT_CLASS (mimic_console_parent_class)->finalize (object);
}

static void
mimic_console_class_init (MimicConsoleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimic_console_dispose;
  object_class->finalize = mimic_console_finalize;
}

static void
mimic_console_init (MimicConsole *self)
{
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autoptr(GError) error = NULL;

  self->cancellable = g_cancellable_new ();
  self->store = mimic_twin_store_new ();
  self->assets = mimic_asset_registry_new ();
  /* Two small files for the bundled assets; a registry with problems still
   * serves the descriptions that loaded. */
  if (!mimic_asset_registry_load_directory (self->assets, asset_dir, &error))
    g_warning ("Asset descriptions in %s: %s", asset_dir, error->message);

  self->alarms = mimic_alarm_manager_new ();
  self->sources = g_list_store_new (MIMIC_TYPE_FEED);
  self->fleet = g_list_store_new (MIMIC_TYPE_FLEET_ITEM);
  self->fleet_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->assets_added = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->profile_feeds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->profile_lookups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cancel_and_unref);
  self->events = gtk_string_list_new (NULL);

  /* Before the alarm manager's own handler: a device's asset must be known
   * to it when the batch with the device's birth and first readings is
   * judged, or those readings would be passed over. */
  g_signal_connect (self->store, "batch-applied", G_CALLBACK (on_batch_applied), self);
  mimic_alarm_manager_set_twin_store (self->alarms, self->store);

  /* Every device with a known asset gets its calibrated model: expected
   * values for the trends, and "deviates from model" alarms once the
   * detector has learnt the unit's normal. */
  self->runtime = mimic_twin_runtime_new (self->store, self->assets);
  {
    g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();

    mimic_twin_runtime_set_anomaly_detector (self->runtime, detector);
  }
  mimic_twin_runtime_set_alarm_manager (self->runtime, self->alarms);
  g_signal_connect (self->alarms, "transition", G_CALLBACK (on_alarm_transition), self);
  g_signal_connect (self->alarms, "alarm-raised", G_CALLBACK (on_alarm_raised), self);
}

MimicConsole *
mimic_console_new (void)
{
  return g_object_new (MIMIC_TYPE_CONSOLE, NULL);
}

MimicTwinStore *
mimic_console_get_store (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->store;
}

MimicAssetRegistry *
mimic_console_get_assets (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->assets;
}

MimicAlarmManager *
mimic_console_get_alarms (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->alarms;
}

MimicTwinRuntime *
mimic_console_get_twin_runtime (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->runtime;
}

MimicCommandManager *
mimic_console_get_command_manager (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->commands;
}

GListModel *
mimic_console_get_sources (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return G_LIST_MODEL (self->sources);
}

GListModel *
mimic_console_get_fleet (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return G_LIST_MODEL (self->fleet);
}

MimicFleetItem *
mimic_console_lookup_fleet_item (MimicConsole *self,
                                 const char   *device_id)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return g_hash_table_lookup (self->fleet_by_id, device_id);
}

GListModel *
mimic_console_get_events (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return G_LIST_MODEL (self->events);
}

void
mimic_console_log_event (MimicConsole *self,
                         const char   *format,
                         ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  g_return_if_fail (MIMIC_IS_CONSOLE (self));

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_strconcat (clock, "  ", message, NULL);
  g_debug ("%s", line);

  if (self->n_events >= MIMIC_CONSOLE_MAX_EVENTS)
    {
      gtk_string_list_remove (self->events, 0);
      self->n_events--;
    }
  gtk_string_list_append (self->events, line);
  self->n_events++;
}

static void
on_source_state (MimicFeed    *feed,
                 GParamSpec   *pspec,
                 MimicConsole *self)
{
  MimicFeedState state = mimic_feed_get_state (feed);
  g_autofree char *error = mimic_feed_dup_last_error (feed);

  if (error != NULL && (state == MIMIC_FEED_STATE_FAILED || state == MIMIC_FEED_STATE_RECONNECTING))
    mimic_console_log_event (self, _("%s: %s (%s)"), mimic_feed_get_url (feed),
                             mimic_feed_state_to_string (state), error);
  else
    mimic_console_log_event (self, _("%s: %s"), mimic_feed_get_url (feed),
                             mimic_feed_state_to_string (state));
}

static void
on_source_gap (MimicFeed    *feed,
               gint64        gap_us,
               MimicConsole *self)
{
  mimic_console_log_event (self, _("%s was down for %.1f s: data from that time is missing"),
                           mimic_feed_get_url (feed), gap_us / (double) G_USEC_PER_SEC);
}

static void
on_source_started (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(MimicConsole) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_feed_start_finish (MIMIC_FEED (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mimic_console_log_event (self, _("Could not connect to %s: %s"),
                             mimic_feed_get_url (MIMIC_FEED (object)), error->message);
}

static void
on_command_changed (MimicCommand *command,
                    GParamSpec   *pspec,
                    MimicConsole *self)
{
  g_autofree char *device = NULL;
  g_autofree char *name = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *state = NULL;
  GEnumClass *states;
  GEnumValue *value;
  int state_value;

  g_object_get (command, "device-id", &device, "name", &name, "reason", &reason,
                "state", &state_value, NULL);
  states = g_type_class_ref (G_PARAM_SPEC_VALUE_TYPE (g_object_class_find_property (G_OBJECT_GET_CLASS (command), "state")));
  value = g_enum_get_value (states, state_value);
  state = g_strdup (value != NULL ? value->value_nick : "?");
  g_type_class_unref (states);

  mimic_console_log_event (self, _("Command %s to %s: %s%s%s"), name, device, state,
                           reason != NULL ? " — " : "", reason != NULL ? reason : "");
}

static void
on_commands_changed (GListModel   *commands,
                     guint         position,
                     guint         removed,
                     guint         added,
                     MimicConsole *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) command = g_list_model_get_item (commands, i);

      on_command_changed (MIMIC_COMMAND (command), NULL, self);
      g_signal_connect_object (command, "notify::state", G_CALLBACK (on_command_changed), self, 0);
    }
}

static void
ensure_command_manager (MimicConsole *self,
                        MimicFeed    *feed)
{
  g_autoptr(GError) error = NULL;

  if (!mimic_feed_can_send_commands (feed))
    return;
  /* Every source that can carry commands: each command goes back along
   * the source its device's data came from. */
  if (self->commands != NULL)
    {
      mimic_command_manager_add_feed (self->commands, feed);
      return;
    }

  if (self->audit_log == NULL)
    {
      self->audit_log = mimic_audit_log_open (NULL, &error);
      if (self->audit_log == NULL)
        {
          /* Without an audit log nothing may be sent; say why once. */
          mimic_console_log_event (self, _("Commands are off: %s"), error->message);
          return;
        }
    }

  self->commands = mimic_command_manager_new (feed, self->store, self->assets, self->audit_log);
  mimic_command_manager_set_view_only (self->commands, self->view_only);
  if (self->operator_name != NULL && *self->operator_name != '\0')
    mimic_command_manager_set_operator_name (self->commands, self->operator_name);
  g_signal_connect_object (mimic_command_manager_get_commands (self->commands), "items-changed",
                           G_CALLBACK (on_commands_changed), self, 0);
}

void
mimic_console_add_source (MimicConsole *self,
                          MimicFeed    *feed)
{
  g_return_if_fail (MIMIC_IS_CONSOLE (self));
  g_return_if_fail (MIMIC_IS_FEED (feed));

  mimic_feed_configure_decoder (feed, use_assets, self->assets);
  mimic_feed_set_batch_handler (feed, queue_into_store, g_object_ref (self->store), g_object_unref);
  g_signal_connect_object (feed, "notify::state", G_CALLBACK (on_source_state), self, 0);
  g_signal_connect_object (feed, "gap", G_CALLBACK (on_source_gap), self, 0);
  g_list_store_append (self->sources, feed);
  ensure_command_manager (self, feed);

  mimic_console_log_event (self, _("Connecting to %s"), mimic_feed_get_url (feed));
  mimic_feed_start_async (feed, self->cancellable, on_source_started, g_object_ref (self));
}

gboolean
mimic_console_add_source_for_url (MimicConsole  *self,
                                  const char    *url,
                                  GError       **error)
{
  g_autoptr(MimicFeed) feed = NULL;

  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), FALSE);

  feed = mimic_feed_new_for_url (url, error);
  if (feed == NULL)
    return FALSE;
  mimic_console_add_source (self, feed);
  return TRUE;
}

/* ---- Connection profiles ------------------------------------------ */

static void
remove_source (MimicConsole *self,
               MimicFeed    *feed)
{
  guint position;

  g_signal_handlers_disconnect_by_data (feed, self);
  mimic_feed_set_message_tap (feed, NULL, NULL, NULL);
  if (self->commands != NULL)
    mimic_command_manager_remove_feed (self->commands, feed);
  mimic_feed_stop (feed);
  if (g_list_store_find (self->sources, feed, &position))
    g_list_store_remove (self->sources, position);
}

static void
stop_profile (MimicConsole *self,
              const char   *id)
{
  MimicFeed *feed;

  /* Removing the lookup cancels it: a password that arrives later
   * starts nothing. */
  g_hash_table_remove (self->profile_lookups, id);
  feed = g_hash_table_lookup (self->profile_feeds, id);
  if (feed != NULL)
    {
      mimic_console_log_event (self, _("Disconnected from %s"), mimic_feed_get_url (feed));
      remove_source (self, feed);
      g_hash_table_remove (self->profile_feeds, id);
    }
}

typedef struct
{
  MimicConsole    *console;
  MimicConnection *connection;
  GCancellable    *cancellable;
} ProfileStart;

static void
profile_start_free (ProfileStart *start)
{
  g_object_unref (start->console);
  g_object_unref (start->connection);
  g_object_unref (start->cancellable);
  g_free (start);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProfileStart, profile_start_free)

static void
on_profile_password (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ProfileStart) start = user_data;
  MimicConsole *self = start->console;
  const char *id = mimic_connection_get_id (start->connection);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  char *password;

  password = mimic_credentials_lookup_finish (result, &error);
  if (g_cancellable_is_cancelled (start->cancellable) || self->profile_feeds == NULL)
    {
      secret_password_free (password);
      return;
    }
  g_hash_table_remove (self->profile_lookups, id);

  /* Without a keyring the profile may still work: a broker that needs no
   * password, or one that says why it refuses. */
  if (error != NULL)
    {
      mimic_console_log_event (self, _("No password for %s from the keyring: %s"),
                               mimic_connection_get_url (start->connection), error->message);
      g_clear_error (&error);
    }

  feed = mimic_connection_create_feed (start->connection, password, &error);
  secret_password_free (password);
  if (feed == NULL)
    {
      mimic_console_log_event (self, _("%s: %s"), mimic_connection_get_url (start->connection), error->message);
      return;
    }
  g_hash_table_replace (self->profile_feeds, g_strdup (id), g_object_ref (feed));
  mimic_console_add_source (self, feed);
}

static void
start_profile (MimicConsole    *self,
               MimicConnection *connection)
{
  ProfileStart *start = g_new0 (ProfileStart, 1);

  start->console = g_object_ref (self);
  start->connection = g_object_ref (connection);
  start->cancellable = g_cancellable_new ();
  g_hash_table_replace (self->profile_lookups, g_strdup (mimic_connection_get_id (connection)),
                        g_object_ref (start->cancellable));
  mimic_credentials_lookup_async (connection, start->cancellable, on_profile_password, start);
}

static void
on_profile_changed (MimicConnectionList *list,
                    MimicConnection     *connection,
                    gboolean             enabled,
                    MimicConsole        *self)
{
  /* An edited profile comes back with its new settings: start afresh. */
  stop_profile (self, mimic_connection_get_id (connection));
  if (enabled)
    start_profile (self, connection);
}

void
mimic_console_set_connection_list (MimicConsole        *self,
                                   MimicConnectionList *list)
{
  GHashTableIter iter;
  MimicFeed *feed;

  g_return_if_fail (MIMIC_IS_CONSOLE (self));
  g_return_if_fail (list == NULL || MIMIC_IS_CONNECTION_LIST (list));

  if (self->connections == list)
    return;

  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  g_hash_table_remove_all (self->profile_lookups);
  g_hash_table_iter_init (&iter, self->profile_feeds);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &feed))
    remove_source (self, feed);
  g_hash_table_remove_all (self->profile_feeds);

  g_set_object (&self->connections, list);
  if (list == NULL)
    return;

  g_signal_connect_object (list, "profile-changed", G_CALLBACK (on_profile_changed), self, 0);
  for (guint i = 0, n = g_list_model_get_n_items (G_LIST_MODEL (list)); i < n; i++)
    {
      g_autoptr(MimicConnection) connection = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (mimic_connection_list_get_enabled (list, mimic_connection_get_id (connection)))
        start_profile (self, connection);
    }
}

MimicConnectionList *
mimic_console_get_connection_list (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->connections;
}

/* The feed an enabled profile runs; NULL while its password is looked up,
 * or when it is off. */
MimicFeed *
mimic_console_lookup_profile_source (MimicConsole *self,
                                     const char   *id)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_hash_table_lookup (self->profile_feeds, id);
}

void
mimic_console_stop_sources (MimicConsole *self)
{
  g_return_if_fail (MIMIC_IS_CONSOLE (self));

  if (self->sources == NULL)
    return;

  for (guint i = 0, n = g_list_model_get_n_items (G_LIST_MODEL (self->sources)); i < n; i++)
    {
      g_autoptr(MimicFeed) feed = g_list_model_get_item (G_LIST_MODEL (self->sources), i);

      g_signal_handlers_disconnect_by_data (feed, self);
      mimic_feed_set_message_tap (feed, NULL, NULL, NULL);
      if (self->commands != NULL)
        mimic_command_manager_remove_feed (self->commands, feed);
      mimic_feed_stop (feed);
    }
  if (self->store != NULL)
    mimic_twin_store_flush (self->store);
  g_list_store_remove_all (self->sources);
}

/* Runs on the feed's thread; the writer is used by nobody else meanwhile. */
static void
record_message (MimicFeed    *feed,
                const char   *topic,
                const guint8 *payload,
                gsize         length,
                gint64        received_us,
                gpointer      user_data)
{
  MimicRecordingWriter *writer = user_data;
  g_autoptr(GError) error = NULL;

  if (!mimic_recording_writer_write_message (writer, topic, payload, length, received_us, &error))
    g_warning ("Recording: %s", error->message);
}

gboolean
mimic_console_start_recording (MimicConsole  *self,
                               MimicFeed     *feed,
                               const char    *path,
                               GError       **error)
{
  g_autoptr(MimicRecordingWriter) writer = NULL;

  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_FEED (feed), FALSE);

  if (!mimic_console_stop_recording (self, error))
    return FALSE;

  writer = mimic_recording_writer_new (path, mimic_feed_get_url (feed), mimic_feed_get_root (feed), error);
  if (writer == NULL)
    return FALSE;

  self->recording = g_object_ref (writer);
  self->recorded_feed = g_object_ref (feed);
  mimic_feed_set_message_tap (feed, record_message, g_steal_pointer (&writer), g_object_unref);
  mimic_console_log_event (self, _("Recording %s to %s"), mimic_feed_get_url (feed), path);
  return TRUE;
}

gboolean
mimic_console_stop_recording (MimicConsole  *self,
                              GError       **error)
{
  g_autoptr(MimicRecordingWriter) writer = NULL;
  g_autoptr(MimicFeed) feed = NULL;

  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), FALSE);

  if (self->recording == NULL)
    return TRUE;

  writer = g_steal_pointer (&self->recording);
  feed = g_steal_pointer (&self->recorded_feed);
  /* Removing the tap waits for a message being written to finish. */
  mimic_feed_set_message_tap (feed, NULL, NULL, NULL);
  if (!mimic_recording_writer_close (writer, error))
    return FALSE;
  mimic_console_log_event (self, _("Recording stopped after %llu messages"),
                           (unsigned long long) mimic_recording_writer_get_n_messages (writer));
  return TRUE;
}

gboolean
mimic_console_is_recording (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), FALSE);

  return self->recording != NULL;
}

const char *
mimic_console_get_operator_name (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), NULL);

  return self->operator_name;
}

void
mimic_console_set_operator_name (MimicConsole *self,
                                 const char   *operator_name)
{
  g_return_if_fail (MIMIC_IS_CONSOLE (self));

  if (g_strcmp0 (self->operator_name, operator_name) == 0)
    return;
  g_free (self->operator_name);
  self->operator_name = g_strdup (operator_name);
  if (self->commands != NULL && operator_name != NULL && *operator_name != '\0')
    mimic_command_manager_set_operator_name (self->commands, operator_name);
}

gboolean
mimic_console_get_view_only (MimicConsole *self)
{
  g_return_val_if_fail (MIMIC_IS_CONSOLE (self), FALSE);

  return self->view_only;
}

void
mimic_console_set_view_only (MimicConsole *self,
                             gboolean      view_only)
{
  g_return_if_fail (MIMIC_IS_CONSOLE (self));

  self->view_only = !!view_only;
  if (self->commands != NULL)
    mimic_command_manager_set_view_only (self->commands, self->view_only);
}
