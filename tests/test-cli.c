/* test-cli.c — the three programs answer --help, --version and bad options
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} RunResult;

static void
run_result_clear (RunResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

static char *
program_path (const char *name)
{
  return g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), name, NULL);
}

/* Runs a program with the given arguments; a NULL-terminated list of
 * environment variables to unset lets a test take the display away. */
static void
run_program (RunResult          *result,
             const char * const *unset_env,
             const char         *name,
             ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, program_path (name));
  va_start (args, name);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; unset_env != NULL && unset_env[i] != NULL; i++)
    g_subprocess_launcher_unsetenv (launcher, unset_env[i]);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
}

static guint
count_lines (const char *text)
{
  guint lines = 0;

  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (*p == '\n')
      lines++;

  return lines;
}

static const char *programs[] = { "mimic", "mimic-device", "mimic-cli" };

static void
test_cli_version (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      RunResult result = { 0 };
      g_autofree char *expected = g_strdup_printf ("%s %s\n", programs[i], PACKAGE_VERSION);

      run_program (&result, NULL, programs[i], "--version", NULL);
      g_assert_cmpint (result.status, ==, 0);
      g_assert_cmpstr (result.out, ==, expected);
      run_result_clear (&result);
    }
}

static void
test_cli_help (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      RunResult result = { 0 };

      run_program (&result, NULL, programs[i], "--help", NULL);
      g_assert_cmpint (result.status, ==, 0);
      g_assert_true (g_str_has_prefix (result.out, "Usage:"));
      g_assert_nonnull (strstr (result.out, programs[i]));
      g_assert_nonnull (strstr (result.out, "--version"));
      run_result_clear (&result);
    }
}

static void
test_cli_bad_option (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      RunResult result = { 0 };

      run_program (&result, NULL, programs[i], "--no-such-option", NULL);
      g_assert_cmpint (result.status, !=, 0);
      g_assert_cmpuint (count_lines (result.err), ==, 1);
      g_assert_nonnull (strstr (result.err, "--no-such-option"));
      g_assert_cmpstr (result.out, ==, "");
      run_result_clear (&result);
    }
}

static void
test_cli_unknown_command (void)
{
  RunResult result = { 0 };

  run_program (&result, NULL, "mimic-cli", "frobnicate", NULL);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_cmpuint (count_lines (result.err), ==, 1);
  g_assert_nonnull (strstr (result.err, "frobnicate"));
  run_result_clear (&result);

  run_program (&result, NULL, "mimic-cli", NULL);
  g_assert_cmpint (result.status, ==, 2);
  g_assert_cmpuint (count_lines (result.err), ==, 1);
  run_result_clear (&result);
}

static void
test_cli_console_without_display (void)
{
  static const char *no_display[] = { "DISPLAY", "WAYLAND_DISPLAY", "GDK_BACKEND", NULL };
  RunResult result = { 0 };

  run_program (&result, no_display, "mimic", NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_cmpuint (count_lines (result.err), ==, 1);
  g_assert_nonnull (strstr (result.err, "display"));
  run_result_clear (&result);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/cli/version", test_cli_version);
  g_test_add_func ("/mimic/cli/help", test_cli_help);
  g_test_add_func ("/mimic/cli/bad-option", test_cli_bad_option);
  g_test_add_func ("/mimic/cli/unknown-command", test_cli_unknown_command);
  g_test_add_func ("/mimic/cli/console-without-display", test_cli_console_without_display);

  return g_test_run ();
}
