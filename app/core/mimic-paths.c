/* mimic-paths.c
 *
 * Where Mimic finds its bundled data and keeps its own state.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-paths"

#include "config.h"

#include <gio/gio.h>

#include "mimic-paths.h"

/* MIMIC_DATA_DIR wins so tests and an uninstalled build can point at the
 * source tree; otherwise an installed build uses its package data directory,
 * and a build run from its build tree falls back to the source data. */
const char *
mimic_paths_get_data_dir (void)
{
  const char *env = g_getenv ("MIMIC_DATA_DIR");

  if (env != NULL && *env != '\0')
    return env;

  if (g_file_test (MIMIC_PKGDATADIR "/assets", G_FILE_TEST_IS_DIR))
    return MIMIC_PKGDATADIR;

  return MIMIC_SOURCE_DATADIR;
}

char *
mimic_paths_get_asset_dir (void)
{
  return g_build_filename (mimic_paths_get_data_dir (), "assets", NULL);
}

/* History, alarm journal and audit log live in the XDG data directory, so
 * they survive a restart and are per user. */
char *
mimic_paths_get_state_dir (void)
{
  const char *env = g_getenv ("MIMIC_STATE_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  return g_build_filename (g_get_user_data_dir (), "mimic", NULL);
}

/* Finds another Mimic program (e.g. mimic-device for the demo): next to the
 * running executable first, so a build tree and an installed tree each use
 * their own, then the configured bindir, then PATH. */
char *
mimic_paths_find_sibling_program (const char *name)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *path = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);

      path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
      g_clear_pointer (&path, g_free);
    }

  path = g_build_filename (MIMIC_BINDIR, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&path);

  return g_find_program_in_path (name);
}
