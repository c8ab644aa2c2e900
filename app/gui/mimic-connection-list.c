/* mimic-connection-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-connection-list"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-connection-list.h"
#include "mimic-mqtt-feed.h"
#include "mimic-websocket-feed.h"

typedef struct
{
  MimicConnection *connection;
  gboolean         enabled;
} Entry;

struct _MimicConnectionList
{
  GObject    parent_instance;

  GSettings *settings;
  GPtrArray *entries;       /* Entry */
  GVariant  *written;       /* what was last written, to know our own change */
  guint      n_invalid;
};

static void mimic_connection_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimicConnectionList, mimic_connection_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, mimic_connection_list_model_init))

enum
{
  PROFILE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_object (&entry->connection);
  g_free (entry);
}

static GType
mimic_connection_list_get_item_type (GListModel *model)
{
  return MIMIC_TYPE_CONNECTION;
}

static guint
mimic_connection_list_get_n_items (GListModel *model)
{
  return MIMIC_CONNECTION_LIST (model)->entries->len;
}

static gpointer
mimic_connection_list_get_item (GListModel *model,
                                guint       position)
{
  MimicConnectionList *self = MIMIC_CONNECTION_LIST (model);
  Entry *entry;

  if (position >= self->entries->len)
    return NULL;
  entry = g_ptr_array_index (self->entries, position);
  return g_object_ref (entry->connection);
}

static void
mimic_connection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = mimic_connection_list_get_item_type;
  iface->get_n_items = mimic_connection_list_get_n_items;
  iface->get_item = mimic_connection_list_get_item;
}

static int
find_entry (MimicConnectionList *self,
            const char          *id)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (g_strcmp0 (mimic_connection_get_id (entry->connection), id) == 0)
        return (int) i;
    }
  return -1;
}

static void
save (MimicConnectionList *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      g_autoptr(GVariant) profile = g_variant_ref_sink (mimic_connection_to_variant (entry->connection));
      g_autoptr(GVariantDict) dict = g_variant_dict_new (profile);

      g_variant_dict_insert (dict, "enabled", "b", entry->enabled);
      g_variant_builder_add_value (&builder, g_variant_dict_end (dict));
    }

  g_clear_pointer (&self->written, g_variant_unref);
  self->written = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_settings_set_value (self->settings, MIMIC_CONNECTION_LIST_KEY, self->written);
}

static void
load (MimicConnectionList *self)
{
  g_autoptr(GVariant) profiles = g_settings_get_value (self->settings, MIMIC_CONNECTION_LIST_KEY);
  guint n_before = self->entries->len;
  GVariantIter iter;
  GVariant *profile;

  if (self->written != NULL && g_variant_equal (profiles, self->written))
    return;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_signal_emit (self, signals[PROFILE_CHANGED], 0, entry->connection, FALSE);
    }
  g_ptr_array_set_size (self->entries, 0);
  self->n_invalid = 0;

  g_variant_iter_init (&iter, profiles);
  while ((profile = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = profile;
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicConnection) connection = mimic_connection_new_from_variant (profile, &error);
      Entry *entry;
      gboolean enabled = TRUE;

      if (connection == NULL || self->entries->len >= MIMIC_CONNECTION_LIST_MAX_PROFILES ||
          find_entry (self, mimic_connection_get_id (connection)) >= 0)
        {
          /* Left out, but kept out of the way of the operator: a broken
           * profile should not stop the console from starting. */
          g_debug ("Leaving out a connection profile: %s",
                   error != NULL ? error->message : "duplicate or too many");
          self->n_invalid++;
          continue;
        }
      g_variant_lookup (profile, "enabled", "b", &enabled);

      entry = g_new0 (Entry, 1);
      entry->connection = g_steal_pointer (&connection);
      entry->enabled = enabled;
      g_ptr_array_add (self->entries, entry);
    }

  g_clear_pointer (&self->written, g_variant_unref);
  self->written = g_variant_ref (profiles);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n_before, self->entries->len);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_signal_emit (self, signals[PROFILE_CHANGED], 0, entry->connection, entry->enabled);
    }
}

static void
on_settings_changed (GSettings           *settings,
                     const char          *key,
                     MimicConnectionList *self)
{
  load (self);
}

MimicConnection *
mimic_connection_list_lookup (MimicConnectionList *self,
                              const char          *id)
{
  int index;

  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), NULL);

  index = find_entry (self, id);
  return index >= 0 ? ((Entry *) g_ptr_array_index (self->entries, index))->connection : NULL;
}

gboolean
mimic_connection_list_get_enabled (MimicConnectionList *self,
                                   const char          *id)
{
  int index;

  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), FALSE);

  index = find_entry (self, id);
  return index >= 0 && ((Entry *) g_ptr_array_index (self->entries, index))->enabled;
}

void
mimic_connection_list_set_enabled (MimicConnectionList *self,
                                   const char          *id,
                                   gboolean             enabled)
{
  Entry *entry;
  int index;

  g_return_if_fail (MIMIC_IS_CONNECTION_LIST (self));

  index = find_entry (self, id);
  if (index < 0)
    return;
  entry = g_ptr_array_index (self->entries, index);
  enabled = !!enabled;
  if (entry->enabled == enabled)
    return;

  entry->enabled = enabled;
  save (self);
  g_signal_emit (self, signals[PROFILE_CHANGED], 0, entry->connection, enabled);
}

static gboolean
check_profile (MimicConnectionList  *self,
               MimicConnection      *connection,
               int                   replacing,
               GError              **error)
{
  const char *id = mimic_connection_get_id (connection);
  int existing;

  if (id == NULL || *id == '\0')
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("A connection needs a name"));
      return FALSE;
    }
  existing = find_entry (self, id);
  if (existing >= 0 && existing != replacing)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("There is a connection named “%s” already"), id);
      return FALSE;
    }
  if (replacing < 0 && self->entries->len >= MIMIC_CONNECTION_LIST_MAX_PROFILES)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("At most %u connections can be kept"), MIMIC_CONNECTION_LIST_MAX_PROFILES);
      return FALSE;
    }
  return mimic_connection_validate (connection, error);
}

gboolean
mimic_connection_list_add (MimicConnectionList  *self,
                           MimicConnection      *connection,
                           gboolean              enabled,
                           GError              **error)
{
  Entry *entry;

  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_CONNECTION (connection), FALSE);

  if (!check_profile (self, connection, -1, error))
    return FALSE;

  entry = g_new0 (Entry, 1);
  entry->connection = g_object_ref (connection);
  entry->enabled = !!enabled;
  g_ptr_array_add (self->entries, entry);
  save (self);
  g_list_model_items_changed (G_LIST_MODEL (self), self->entries->len - 1, 0, 1);
  g_signal_emit (self, signals[PROFILE_CHANGED], 0, connection, entry->enabled);
  return TRUE;
}

gboolean
mimic_connection_list_replace (MimicConnectionList  *self,
                               const char           *id,
                               MimicConnection      *connection,
                               GError              **error)
{
  g_autoptr(MimicConnection) old = NULL;
  Entry *entry;
  int index;

  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_CONNECTION (connection), FALSE);

  index = find_entry (self, id);
  if (index < 0)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("There is no connection named “%s”"), id != NULL ? id : "");
      return FALSE;
    }
  if (!check_profile (self, connection, index, error))
    return FALSE;

  entry = g_ptr_array_index (self->entries, index);
  old = g_steal_pointer (&entry->connection);
  entry->connection = g_object_ref (connection);
  save (self);
  g_list_model_items_changed (G_LIST_MODEL (self), index, 1, 1);
  /* The window stops the old feed and, when enabled, starts the new one. */
  g_signal_emit (self, signals[PROFILE_CHANGED], 0, old, FALSE);
  g_signal_emit (self, signals[PROFILE_CHANGED], 0, connection, entry->enabled);
  return TRUE;
}

gboolean
mimic_connection_list_remove (MimicConnectionList *self,
                              const char          *id)
{
  g_autoptr(MimicConnection) old = NULL;
  Entry *entry;
  int index;

  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), FALSE);

  index = find_entry (self, id);
  if (index < 0)
    return FALSE;

  entry = g_ptr_array_index (self->entries, index);
  old = g_object_ref (entry->connection);
  g_ptr_array_remove_index (self->entries, index);
  save (self);
  g_list_model_items_changed (G_LIST_MODEL (self), index, 1, 0);
  g_signal_emit (self, signals[PROFILE_CHANGED], 0, old, FALSE);
  return TRUE;
}

guint
mimic_connection_list_get_n_invalid (MimicConnectionList *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (self), 0);

  return self->n_invalid;
}

MimicFeed *
mimic_connection_create_feed (MimicConnection  *connection,
                              const char       *password,
                              GError          **error)
{
  g_autoptr(MimicConnection) copy = NULL;
  g_autoptr(GUri) rooted = NULL;
  g_autoptr(GVariant) profile = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  MimicFeed *feed;

  g_return_val_if_fail (MIMIC_IS_CONNECTION (connection), NULL);

  switch (mimic_connection_get_kind (connection))
    {
    case MIMIC_CONNECTION_KIND_WS:
    case MIMIC_CONNECTION_KIND_WSS:
      /* The feed keeps the connection; the password stays in a copy of
       * its own rather than in the profile the list holds. */
      profile = g_variant_ref_sink (mimic_connection_to_variant (connection));
      copy = mimic_connection_new_from_variant (profile, error);
      if (copy == NULL)
        return NULL;
      mimic_connection_set_password (copy, password);
      return MIMIC_FEED (mimic_websocket_feed_new (copy, error));

    case MIMIC_CONNECTION_KIND_MQTT:
    case MIMIC_CONNECTION_KIND_MQTTS:
      /* An MQTT feed takes its topic root from the URL's path. */
      path = g_strconcat ("/", mimic_connection_get_topic_root (connection), NULL);
      rooted = g_uri_build (G_URI_FLAGS_NONE, mimic_connection_kind_to_scheme (mimic_connection_get_kind (connection)),
                            NULL, mimic_connection_get_host (connection),
                            (int) mimic_connection_get_port (connection), path, NULL, NULL);
      url = g_uri_to_string (rooted);
      feed = mimic_feed_new_for_url (url, error);
      if (feed == NULL)
        return NULL;
      if (mimic_connection_get_username (connection) != NULL)
        mimic_mqtt_feed_set_credentials (MIMIC_MQTT_FEED (feed), mimic_connection_get_username (connection),
                                         password);
      if (mimic_connection_uses_tls (connection))
        {
          const char *certificate = mimic_connection_get_client_certificate_file (connection);
          const char *key = mimic_connection_get_client_key_file (connection);

          mimic_mqtt_feed_set_tls (MIMIC_MQTT_FEED (feed), mimic_connection_get_ca_file (connection),
                                   certificate != NULL && key != NULL ? certificate : NULL,
                                   certificate != NULL && key != NULL ? key : NULL);
        }
      return feed;

    case MIMIC_CONNECTION_KIND_FILE:
    default:
      return mimic_feed_new_for_url (mimic_connection_get_url (connection), error);
    }
}

static void
mimic_connection_list_finalize (GObject *object)
{
  MimicConnectionList *self = MIMIC_CONNECTION_LIST (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->written, g_variant_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (mimic_connection_list_parent_class)->finalize (object);
}

static void
mimic_connection_list_class_init (MimicConnectionListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_connection_list_finalize;

  /* A profile was added, changed (emitted for the old one with FALSE,
   * then for the new one), enabled, disabled or removed (FALSE): the
   * window starts a feed for each enabled profile and stops the others. */
  signals[PROFILE_CHANGED] =
    g_signal_new ("profile-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, MIMIC_TYPE_CONNECTION, G_TYPE_BOOLEAN);
}

static void
mimic_connection_list_init (MimicConnectionList *self)
{
  self->entries = g_ptr_array_new_with_free_func (entry_free);
}

MimicConnectionList *
mimic_connection_list_new (GSettings *settings)
{
  MimicConnectionList *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MIMIC_TYPE_CONNECTION_LIST, NULL);
  self->settings = g_object_ref (settings);
  load (self);
  g_signal_connect_object (settings, "changed::" MIMIC_CONNECTION_LIST_KEY,
                           G_CALLBACK (on_settings_changed), self, 0);
  return self;
}
