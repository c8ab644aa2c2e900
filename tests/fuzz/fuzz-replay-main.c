/* fuzz-replay-main.c — replays fuzz inputs through a target without libFuzzer
 *
 * Linked into each fuzz target in the ordinary (gcc) build. Every argument
 * is a file or a corpus directory; each file is one input, run through the
 * same LLVMFuzzerTestOneInput() the fuzzer drives, and reported as one TAP
 * test. So a reproducer committed to a corpus becomes a regression test of
 * the default suite without touching meson.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fuzz"

#include "config.h"

#include <glib.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
collect_inputs (const char *path,
                GPtrArray  *inputs)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (inputs, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      g_ptr_array_add (inputs, g_strdup (path));
      return;
    }

  /* Sorted, so the TAP numbers of a corpus are the same on every run. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (inputs, g_strdup (g_ptr_array_index (names, i)));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    collect_inputs (argv[i], inputs);

  g_print ("TAP version 13\n1..%u\n", inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    {
      const char *path = g_ptr_array_index (inputs, i);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_print ("not ok %u - %s: %s\n", i + 1, path, error->message);
          return EXIT_FAILURE;
        }

      LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
      g_print ("ok %u - %s\n", i + 1, path);
    }

  return EXIT_SUCCESS;
}
