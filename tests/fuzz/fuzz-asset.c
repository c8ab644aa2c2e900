/* fuzz-asset.c — the asset description loader against arbitrary bytes
 *
 * Built with clang's -fsanitize=fuzzer this is a libFuzzer target; built
 * without it, main() replays the files named on the command line (a corpus
 * or crash reproducers), so the same inputs run in the ordinary test suite.
 *
 * Descriptions are named as if they lay next to the test fixture, so those
 * that name its glTF and SVG files exercise the cross-checks too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>

#include "mimic-asset.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static char *display_name = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(MimicAsset) asset = NULL;

  if (display_name == NULL)
    display_name = g_build_filename (MIMIC_FUZZ_FIXTURE_DIR, "fuzz-input.json", NULL);

  asset = mimic_asset_load_data ((const char *) data, size, display_name, &problems);

  /* Exactly one of the two outcomes, and every problem is complete. */
  g_assert_true ((asset == NULL) == (problems->len > 0));
  for (guint i = 0; i < problems->len; i++)
    {
      MimicAssetProblem *problem = g_ptr_array_index (problems, i);

      g_assert_nonnull (problem->file);
      g_assert_true (problem->json_path[0] == '$');
      g_assert_true (g_utf8_validate (problem->reason, -1, NULL));
    }

  return 0;
}

#ifndef MIMIC_FUZZ_WITH_LIBFUZZER
int
main (int   argc,
      char *argv[])
{
  g_print ("TAP version 13\n1..%d\n", argc - 1);
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 0;

      if (!g_file_get_contents (argv[i], &contents, &length, &error))
        {
          g_print ("not ok %d - %s: %s\n", i, argv[i], error->message);
          return 1;
        }

      LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
      g_print ("ok %d - %s\n", i, argv[i]);
    }

  return 0;
}
#endif
