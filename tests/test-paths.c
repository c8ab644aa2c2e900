/* test-paths.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "mimic-paths.h"

static void
test_paths_data_dir_from_environment (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("mimic-paths-XXXXXX", NULL);
  g_autofree char *old = g_strdup (g_getenv ("MIMIC_DATA_DIR"));
  g_autofree char *assets = NULL;

  g_assert_nonnull (tmp);
  g_setenv ("MIMIC_DATA_DIR", tmp, TRUE);
  g_assert_cmpstr (mimic_paths_get_data_dir (), ==, tmp);

  assets = mimic_paths_get_asset_dir ();
  g_assert_true (g_str_has_prefix (assets, tmp));
  g_assert_true (g_str_has_suffix (assets, "/assets"));

  /* An empty variable means "not set", not "the current directory". */
  g_setenv ("MIMIC_DATA_DIR", "", TRUE);
  g_assert_cmpstr (mimic_paths_get_data_dir (), !=, "");

  if (old != NULL)
    g_setenv ("MIMIC_DATA_DIR", old, TRUE);
  else
    g_unsetenv ("MIMIC_DATA_DIR");
  g_rmdir (tmp);
}

static void
test_paths_state_dir (void)
{
  g_autofree char *state = NULL;

  g_setenv ("MIMIC_STATE_DIR", "/nonexistent/mimic-state", TRUE);
  state = mimic_paths_get_state_dir ();
  g_assert_cmpstr (state, ==, "/nonexistent/mimic-state");
  g_clear_pointer (&state, g_free);

  g_unsetenv ("MIMIC_STATE_DIR");
  state = mimic_paths_get_state_dir ();
  g_assert_true (g_str_has_prefix (state, g_get_user_data_dir ()));
  g_assert_true (g_str_has_suffix (state, "/mimic"));
}

static void
test_paths_sibling_program (void)
{
  /* The test runs from the build tree, where the tests directory holds this
   * very program; it must be found next to itself. */
  g_autofree char *self = mimic_paths_find_sibling_program ("test-paths");
  g_autofree char *missing = mimic_paths_find_sibling_program ("mimic-no-such-program");

  g_assert_nonnull (self);
  g_assert_true (g_file_test (self, G_FILE_TEST_IS_EXECUTABLE));
  g_assert_null (missing);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/paths/data-dir-from-environment", test_paths_data_dir_from_environment);
  g_test_add_func ("/mimic/paths/state-dir", test_paths_state_dir);
  g_test_add_func ("/mimic/paths/sibling-program", test_paths_sibling_program);

  return g_test_run ();
}
