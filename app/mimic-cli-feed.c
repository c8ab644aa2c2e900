/* mimic-cli-feed.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include "mimic-cli-feed.h"
#include "mimic-connection.h"
#include "mimic-paths.h"
#include "mimic-websocket-feed.h"

MimicFeed *
mimic_cli_feed_new (const char  *url,
                    const char  *root,
                    GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) rooted = NULL;
  g_autofree char *path = NULL;
  g_autofree char *rooted_url = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);

  if (root == NULL)
    return mimic_feed_new_for_url (url, error);

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, error);
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);

  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0)
    {
      g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (url, error);

      if (connection == NULL || !mimic_connection_set_topic_root (connection, root, error))
        return NULL;
      return MIMIC_FEED (mimic_websocket_feed_new (connection, error));
    }

  if (g_ascii_strcasecmp (scheme, "mqtt") != 0 && g_ascii_strcasecmp (scheme, "mqtts") != 0)
    return mimic_feed_new_for_url (url, error);

  path = g_strconcat ("/", root, NULL);
  rooted = g_uri_build_with_user (G_URI_FLAGS_HAS_PASSWORD, scheme, g_uri_get_user (uri),
                                  g_uri_get_password (uri), NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                                  path, NULL, NULL);
  rooted_url = g_uri_to_string (rooted);
  return mimic_feed_new_for_url (rooted_url, error);
}

static void
add_assets_to_decoder (MimicTelemetryDecoder *decoder,
                       gpointer               user_data)
{
  mimic_telemetry_decoder_add_asset_registry (decoder, MIMIC_ASSET_REGISTRY (user_data));
}

MimicAssetRegistry *
mimic_cli_feed_use_assets (MimicFeed   *feed,
                           const char  *asset_dir,
                           GError     **error)
{
  g_autoptr(MimicAssetRegistry) assets = mimic_asset_registry_new ();
  g_autofree char *installed_dir = NULL;

  g_return_val_if_fail (MIMIC_IS_FEED (feed), NULL);

  if (asset_dir == NULL)
    asset_dir = installed_dir = mimic_paths_get_asset_dir ();
  if (!mimic_asset_registry_load_directory (assets, asset_dir, error))
    return NULL;

  mimic_feed_configure_decoder (feed, add_assets_to_decoder, assets);
  return g_steal_pointer (&assets);
}

static void
queue_into_store (MimicFeed        *feed,
                  MimicUpdateBatch *batch,
                  gpointer          user_data)
{
  mimic_twin_store_queue_batch (MIMIC_TWIN_STORE (user_data), batch);
}

void
mimic_cli_feed_into_store (MimicFeed      *feed,
                           MimicTwinStore *store)
{
  g_return_if_fail (MIMIC_IS_FEED (feed));
  g_return_if_fail (MIMIC_IS_TWIN_STORE (store));

  mimic_feed_set_batch_handler (feed, queue_into_store, g_object_ref (store), g_object_unref);
}
