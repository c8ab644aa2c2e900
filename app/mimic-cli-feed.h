/* mimic-cli-feed.h — a feed set up the way the console sets it up, for the
 * mimic-cli commands that connect to one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-asset-registry.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"

G_BEGIN_DECLS

/* A feed for @url. @root (NULL: the URL's own) is the topic root: an MQTT
 * URL keeps it in its path, which it replaces; a WebSocket URL's path is
 * the endpoint, so there it goes into the connection's settings. */
MimicFeed          *mimic_cli_feed_new        (const char      *url,
                                               const char      *root,
                                               GError         **error);
/* Loads the asset descriptions in @asset_dir (NULL: the installed ones)
 * and lets the feed's decoder use them (bindings, ranges). */
MimicAssetRegistry *mimic_cli_feed_use_assets (MimicFeed       *feed,
                                               const char      *asset_dir,
                                               GError         **error);
/* Queues every batch the feed decodes into @store. */
void                mimic_cli_feed_into_store (MimicFeed       *feed,
                                               MimicTwinStore  *store);

G_END_DECLS
