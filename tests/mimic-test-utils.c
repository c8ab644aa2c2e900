/* mimic-test-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-test-utils"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mimic-paths.h"
#include "mimic-test-utils.h"

#define LISTENING_PREFIX "mimic-device: listening on ws://127.0.0.1:"

gboolean
mimic_test_iterate_until (MimicTestPredicate done,
                          gpointer           data,
                          gint64             timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      /* Feeds decode on their own threads: let them run rather than spin. */
      g_usleep (1000);
    }
  return TRUE;
}

char *
mimic_test_make_temp_dir (const char *name_template)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (name_template, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
mimic_test_temp_file_init (MimicTestTempFile *temp,
                           const char        *dir_template,
                           const char        *file_name)
{
  temp->dir = mimic_test_make_temp_dir (dir_template);
  temp->path = g_build_filename (temp->dir, file_name, NULL);
}

void
mimic_test_temp_file_clear (MimicTestTempFile *temp)
{
  mimic_test_remove_tree (temp->dir);
  g_clear_pointer (&temp->dir, g_free);
  g_clear_pointer (&temp->path, g_free);
}

void
mimic_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      mimic_test_remove_tree (child);
    }
  g_rmdir (path);
}

void
mimic_test_remove_sqlite_files (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
mimic_test_spawn_device (const char * const *arguments,
                         guint              *ws_port)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-device", NULL));
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* The listening address comes first, "simulating" last before the
   * telemetry: from then on the devices run. */
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while (TRUE)
    {
      g_autofree char *line = g_data_input_stream_read_line (output, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, "mimic-device: simulating"))
        break;
      if (ws_port != NULL && g_str_has_prefix (line, LISTENING_PREFIX))
        *ws_port = (guint) g_ascii_strtoull (line + strlen (LISTENING_PREFIX), NULL, 10);
    }
  return process;
}

void
mimic_test_stop_device (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGCONT);
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
}

void
mimic_test_stop_device_cleanly (GSubprocess *process)
{
  mimic_test_stop_device (process);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

guint
mimic_test_count_executions (const char *command_log,
                             const char *id)
{
  g_autofree char *text = NULL;
  g_autofree char *needle = g_strdup_printf ("\"id\":\"%s\"", id);
  guint n = 0;

  if (!g_file_get_contents (command_log, &text, NULL, NULL))
    return 0;
  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

gboolean
mimic_test_feed_is_connected (gpointer feed)
{
  return mimic_feed_get_state (MIMIC_FEED (feed)) == MIMIC_FEED_STATE_CONNECTED;
}

MimicAssetRegistry *
mimic_test_load_sample_assets (void)
{
  g_autofree char *asset_dir = mimic_paths_get_asset_dir ();
  g_autoptr(GError) error = NULL;
  MimicAssetRegistry *registry = mimic_asset_registry_new ();

  g_assert_true (mimic_asset_registry_load_directory (registry, asset_dir, &error));
  g_assert_no_error (error);
  return registry;
}

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

void
mimic_test_feed_into_store (MimicFeed          *feed,
                            MimicAssetRegistry *registry,
                            MimicTwinStore     *store)
{
  if (registry != NULL)
    mimic_feed_configure_decoder (feed, use_assets, registry);
  mimic_feed_set_batch_handler (feed, queue_into_store, g_object_ref (store), g_object_unref);
}

MimicCommandManager *
mimic_test_command_manager_new (MimicFeed           *feed,
                                MimicAssetRegistry  *registry,
                                MimicTwinStore      *store,
                                const char          *audit_path,
                                MimicAuditLog      **audit_log)
{
  g_autoptr(GError) error = NULL;
  MimicCommandManager *manager;

  mimic_test_feed_into_store (feed, registry, store);
  *audit_log = mimic_audit_log_open (audit_path, &error);
  g_assert_no_error (error);
  manager = mimic_command_manager_new (feed, store, registry, *audit_log);
  mimic_command_manager_set_operator_name (manager, "alice");
  return manager;
}
