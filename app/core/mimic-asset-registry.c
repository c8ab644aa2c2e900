/* mimic-asset-registry.c
 *
 * One broken description must not hide the others: the registry loads what
 * it can and keeps the problems of the rest for the user to read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-asset-registry"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-asset-registry.h"
#include "mimic-paths.h"

struct _MimicAssetRegistry
{
  GObject      parent_instance;

  GPtrArray   *assets;          /* MimicAsset, in file name order */
  GHashTable  *assets_by_id;    /* id → MimicAsset, borrowed from assets */
  GPtrArray   *problems;        /* MimicAssetProblem */
  guint        n_files;
};

static void mimic_asset_registry_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimicAssetRegistry, mimic_asset_registry, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      mimic_asset_registry_list_model_init))

/* What a load produced, built off the main loop and then swapped in. */
typedef struct
{
  char      *directory;
  GPtrArray *assets;
  GPtrArray *problems;
  guint      n_files;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_free (result->directory);
  g_clear_pointer (&result->assets, g_ptr_array_unref);
  g_clear_pointer (&result->problems, g_ptr_array_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadResult, load_result_free)

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
list_json_files (const char  *directory,
                 gboolean     descend,
                 GPtrArray   *files,
                 GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name[0] != '.')
        g_ptr_array_add (names, g_strdup (name));
    }
  /* Directory order is arbitrary; file name order makes loads repeatable. */
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (directory, g_ptr_array_index (names, i), NULL);

      if (descend && g_file_test (path, G_FILE_TEST_IS_DIR))
        list_json_files (path, FALSE, files, NULL);
      else if (g_str_has_suffix (path, ".json") && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }

  return TRUE;
}

static LoadResult *
load_result_new (const char  *directory,
                 GError     **error)
{
  g_autoptr(LoadResult) result = g_new0 (LoadResult, 1);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  result->directory = directory != NULL ? g_strdup (directory) : mimic_paths_get_asset_dir ();
  result->assets = g_ptr_array_new_with_free_func (g_object_unref);
  result->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_asset_problem_free);

  if (!list_json_files (result->directory, TRUE, files, error))
    return NULL;

  result->n_files = files->len;
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(MimicAsset) asset = mimic_asset_load_file (path, &problems);
      MimicAsset *earlier;

      if (asset == NULL)
        {
          g_ptr_array_extend_and_steal (result->problems, g_steal_pointer (&problems));
          continue;
        }

      earlier = g_hash_table_lookup (seen, mimic_asset_get_id (asset));
      if (earlier != NULL)
        {
          MimicAssetProblem *problem = g_new0 (MimicAssetProblem, 1);

          problem->code = MIMIC_ASSET_ERROR_DUPLICATE;
          problem->file = g_strdup (path);
          problem->json_path = g_strdup ("$.id");
          problem->reason = g_strdup_printf (_("asset type “%s” is already described by %s"),
                                             mimic_asset_get_id (asset),
                                             mimic_asset_get_file (earlier));
          g_ptr_array_add (result->problems, problem);
          continue;
        }

      g_hash_table_insert (seen, (gpointer) mimic_asset_get_id (asset), asset);
      g_ptr_array_add (result->assets, g_steal_pointer (&asset));
    }

  return g_steal_pointer (&result);
}

static void
mimic_asset_registry_apply (MimicAssetRegistry *self,
                            LoadResult         *result)
{
  guint removed = self->assets->len;

  g_ptr_array_unref (self->assets);
  g_ptr_array_unref (self->problems);
  self->assets = g_steal_pointer (&result->assets);
  self->problems = g_steal_pointer (&result->problems);
  self->n_files = result->n_files;

  g_hash_table_remove_all (self->assets_by_id);
  for (guint i = 0; i < self->assets->len; i++)
    {
      MimicAsset *asset = g_ptr_array_index (self->assets, i);

      g_hash_table_insert (self->assets_by_id, (gpointer) mimic_asset_get_id (asset), asset);
    }

  for (guint i = 0; i < self->problems->len; i++)
    {
      g_autofree char *line = mimic_asset_problem_to_string (g_ptr_array_index (self->problems, i));

      g_debug ("Skipping asset description: %s", line);
    }

  if (removed > 0 || self->assets->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->assets->len);
}

gboolean
mimic_asset_registry_load_directory (MimicAssetRegistry  *self,
                                     const char          *directory,
                                     GError             **error)
{
  g_autoptr(LoadResult) result = NULL;

  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  result = load_result_new (directory, error);
  if (result == NULL)
    return FALSE;

  mimic_asset_registry_apply (self, result);
  return TRUE;
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  LoadResult *result = load_result_new (task_data, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

void
mimic_asset_registry_load_directory_async (MimicAssetRegistry  *self,
                                           const char          *directory,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (MIMIC_IS_ASSET_REGISTRY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_asset_registry_load_directory_async);
  g_task_set_task_data (task, g_strdup (directory), g_free);
  /* A cancelled load leaves the registry as it was. */
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}

gboolean
mimic_asset_registry_load_directory_finish (MimicAssetRegistry  *self,
                                            GAsyncResult        *result,
                                            GError             **error)
{
  g_autoptr(LoadResult) loaded = NULL;

  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        mimic_asset_registry_load_directory_async, FALSE);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;

  mimic_asset_registry_apply (self, loaded);
  return TRUE;
}

MimicAsset *
mimic_asset_registry_lookup (MimicAssetRegistry *self,
                             const char         *asset_type)
{
  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (self), NULL);
  g_return_val_if_fail (asset_type != NULL, NULL);

  return g_hash_table_lookup (self->assets_by_id, asset_type);
}

GPtrArray *
mimic_asset_registry_get_problems (MimicAssetRegistry *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (self), NULL);

  return self->problems;
}

guint
mimic_asset_registry_get_n_files (MimicAssetRegistry *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (self), 0);

  return self->n_files;
}

static GType
mimic_asset_registry_get_item_type (GListModel *model)
{
  return MIMIC_TYPE_ASSET;
}

static guint
mimic_asset_registry_get_n_items (GListModel *model)
{
  return MIMIC_ASSET_REGISTRY (model)->assets->len;
}

static gpointer
mimic_asset_registry_get_item (GListModel *model,
                               guint       position)
{
  MimicAssetRegistry *self = MIMIC_ASSET_REGISTRY (model);

  if (position >= self->assets->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->assets, position));
}

static void
mimic_asset_registry_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = mimic_asset_registry_get_item_type;
  iface->get_n_items = mimic_asset_registry_get_n_items;
  iface->get_item = mimic_asset_registry_get_item;
}

static void
mimic_asset_registry_finalize (GObject *object)
{
  MimicAssetRegistry *self = (MimicAssetRegistry *) object;

  g_hash_table_unref (self->assets_by_id);
  g_ptr_array_unref (self->assets);
  g_ptr_array_unref (self->problems);

  G_OBJECT_CLASS (mimic_asset_registry_parent_class)->finalize (object);
}

static void
mimic_asset_registry_class_init (MimicAssetRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_asset_registry_finalize;
}

static void
mimic_asset_registry_init (MimicAssetRegistry *self)
{
  self->assets = g_ptr_array_new_with_free_func (g_object_unref);
  self->assets_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_asset_problem_free);
}

MimicAssetRegistry *
mimic_asset_registry_new (void)
{
  return g_object_new (MIMIC_TYPE_ASSET_REGISTRY, NULL);
}
