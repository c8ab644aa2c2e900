/* mimic-command-private.h — what only MimicCommandManager may do to a
 * command
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-command.h"

G_BEGIN_DECLS

MimicCommand *mimic_command_new       (const char        *device_id,
                                       const char        *name,
                                       const char        *arguments_json,
                                       const char        *operator_name,
                                       double             timeout_s);
void          mimic_command_mark_sent (MimicCommand      *self);
/* Moves to the terminal @state. Returns FALSE, changing nothing, when the
 * command has finished already: the first outcome wins. */
gboolean      mimic_command_finish    (MimicCommand      *self,
                                       MimicCommandState  state,
                                       const char        *reason);

G_END_DECLS
