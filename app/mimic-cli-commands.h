/* mimic-cli-commands.h — one function per mimic-cli command
 *
 * Each command lives in its own app/mimic-cli-NAME.c, parses its own options
 * (argv[0] is the command name) and returns the process exit status:
 * 0 success, 1 the command ran and found a problem, 2 bad usage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int mimic_cli_version (int argc, char **argv);
int mimic_cli_validate (int argc, char **argv);
int mimic_cli_whatif (int argc, char **argv);
int mimic_cli_watch (int argc, char **argv);
int mimic_cli_record (int argc, char **argv);
int mimic_cli_replay (int argc, char **argv);
int mimic_cli_send (int argc, char **argv);
int mimic_cli_audit (int argc, char **argv);
int mimic_cli_alarms (int argc, char **argv);

G_END_DECLS
