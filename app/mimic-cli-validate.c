/* mimic-cli-validate.c — `mimic-cli validate FILE...`
 *
 * Checks asset descriptions the way the console loads them, so a mistake
 * shows up in a terminal or CI job instead of in front of an operator.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-asset.h"
#include "mimic-cli-commands.h"

int
mimic_cli_validate (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  gboolean quiet = FALSE;
  int status = 0;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only problems"), NULL },
    /* The usage line below names the files; no second description here. */
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new (_("FILE… — check asset descriptions"));
  g_option_context_set_summary (context,
                                _("Print every problem of each asset description as "
                                  "“FILE: JSON path: reason” and exit with 1, or a one-line "
                                  "summary per file and exit with 0."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli validate: %s\n", error->message);
      return 2;
    }

  if (files == NULL || files[0] == NULL)
    {
      g_printerr ("mimic-cli validate: %s\n", _("no file given; see “mimic-cli validate --help”"));
      return 2;
    }

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(MimicAsset) asset = mimic_asset_load_file (files[i], &problems);

      if (asset == NULL)
        {
          for (guint p = 0; p < problems->len; p++)
            {
              MimicAssetProblem *problem = g_ptr_array_index (problems, p);
              g_autofree char *line = mimic_asset_problem_to_string (problem);

              g_print ("%s\n", line);
            }
          status = 1;
        }
      else if (!quiet)
        {
          g_autofree char *contents = mimic_asset_describe_contents (asset);

          /* file: id “title”: contents */
          g_print (_("%s: %s “%s”: %s\n"), files[i], mimic_asset_get_id (asset),
                   mimic_asset_get_title (asset), contents);
        }
    }

  return status;
}
