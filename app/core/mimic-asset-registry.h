/* mimic-asset-registry.h — every asset type Mimic knows, by id
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-asset.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_ASSET_REGISTRY (mimic_asset_registry_get_type ())

/* A GListModel of MimicAsset, in the order of their file names. */
G_DECLARE_FINAL_TYPE (MimicAssetRegistry, mimic_asset_registry, MIMIC, ASSET_REGISTRY, GObject)

MimicAssetRegistry *mimic_asset_registry_new                   (void);

/* Loads every *.json in DIRECTORY and in its immediate subdirectories
 * (NULL: the bundled asset directory), replacing what was loaded before.
 * A broken file does not stop the others: its problems are kept (see
 * get_problems) and it is left out. Fails only when DIRECTORY cannot be
 * read. Blocks; the async variant reads the files on a worker thread. */
gboolean            mimic_asset_registry_load_directory        (MimicAssetRegistry   *self,
                                                                const char           *directory,
                                                                GError              **error);
void                mimic_asset_registry_load_directory_async  (MimicAssetRegistry   *self,
                                                                const char           *directory,
                                                                GCancellable         *cancellable,
                                                                GAsyncReadyCallback   callback,
                                                                gpointer              user_data);
gboolean            mimic_asset_registry_load_directory_finish (MimicAssetRegistry   *self,
                                                                GAsyncResult         *result,
                                                                GError              **error);

MimicAsset         *mimic_asset_registry_lookup                (MimicAssetRegistry   *self,
                                                                const char           *asset_type);
/* MimicAssetProblem of the files left out by the last load. */
GPtrArray          *mimic_asset_registry_get_problems          (MimicAssetRegistry   *self);
/* How many files the last load looked at, loaded or not. */
guint               mimic_asset_registry_get_n_files           (MimicAssetRegistry   *self);

G_END_DECLS
