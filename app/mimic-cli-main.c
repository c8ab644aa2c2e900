/* mimic-cli-main.c — Mimic without a window: validate, watch, send, what-if,
 * record and replay from a terminal or a script.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "mimic-cli-commands.h"

typedef struct
{
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} MimicCliCommand;

static const MimicCliCommand commands[] = {
  { "version", N_("Print the version"), mimic_cli_version },
  { "validate", N_("Check asset descriptions and print every problem"), mimic_cli_validate },
  { "whatif", N_("Predict limit crossings, energy and remaining life under changed conditions"), mimic_cli_whatif },
  { "watch", N_("Print live twin updates and source health from a feed"), mimic_cli_watch },
  { "record", N_("Record a live feed to a file"), mimic_cli_record },
  { "replay", N_("Replay a recorded feed and print the updates"), mimic_cli_replay },
  { "send", N_("Send a command to a device and wait for its outcome"), mimic_cli_send },
  { "audit", N_("Show or export the command audit log"), mimic_cli_audit },
  { "alarms", N_("Show or export the alarm journal"), mimic_cli_alarms },
};

int
mimic_cli_version (int    argc,
                   char **argv)
{
  g_print ("mimic-cli %s\n", PACKAGE_VERSION);
  return 0;
}

static char *
mimic_cli_describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));

  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  g_string_append (text, _("Run “mimic-cli COMMAND --help” for a command’s options."));

  return g_string_free (text, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  description = mimic_cli_describe_commands ();
  context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (context, _("Mimic from the command line."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli: %s\n", error->message);
      return 2;
    }

  if (version)
    return mimic_cli_version (argc, argv);

  if (argc < 2)
    {
      g_printerr ("mimic-cli: %s\n", _("no command given; see “mimic-cli --help”"));
      return 2;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
    }

  g_printerr ("mimic-cli: ");
  g_printerr (_("unknown command “%s”; see “mimic-cli --help”"), argv[1]);
  g_printerr ("\n");
  return 2;
}
