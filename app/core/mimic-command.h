/* mimic-command.h — one command to one device and its live state
 *
 * A command is created by MimicCommandManager once the console accepted
 * it, and ends in exactly one terminal state. Its properties notify in the
 * manager's main context, so a view can bind to them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "mimic-asset.h"

G_BEGIN_DECLS

typedef enum
{
  MIMIC_COMMAND_STATE_VALIDATED,     /* accepted by the console, being written to the audit log */
  MIMIC_COMMAND_STATE_SENT,          /* in the audit log and sent; waiting for the device */
  MIMIC_COMMAND_STATE_ACKNOWLEDGED,  /* terminal: the device executed it */
  MIMIC_COMMAND_STATE_REJECTED,      /* terminal: the device (or the way there) refused it; see the reason */
  MIMIC_COMMAND_STATE_TIMED_OUT,     /* terminal: no reply within the timeout */
  MIMIC_COMMAND_STATE_EXPIRED,       /* terminal: it could not be delivered before its expiry */
  MIMIC_COMMAND_STATE_CANCELLED,     /* terminal: the operator withdrew it before a reply */
} MimicCommandState;

#define MIMIC_TYPE_COMMAND_STATE (mimic_command_state_get_type ())
GType       mimic_command_state_get_type    (void) G_GNUC_CONST;
/* "validated", "sent", "acknowledged", "rejected", "timed-out", "expired",
 * "cancelled": stable, for logs, the audit log and scripts. */
const char *mimic_command_state_to_string   (MimicCommandState state);
/* Translated, for people. */
const char *mimic_command_state_to_label    (MimicCommandState state);
gboolean    mimic_command_state_is_terminal (MimicCommandState state);

#define MIMIC_TYPE_COMMAND (mimic_command_get_type ())
G_DECLARE_FINAL_TYPE (MimicCommand, mimic_command, MIMIC, COMMAND, GObject)

/* A UUID, in the request's JSON and the transport's correlation data. */
const char        *mimic_command_get_id             (MimicCommand *self);
const char        *mimic_command_get_device_id      (MimicCommand *self);
const char        *mimic_command_get_name           (MimicCommand *self);
/* The arguments as sent, a JSON object. */
const char        *mimic_command_get_arguments_json (MimicCommand *self);
const char        *mimic_command_get_operator_name  (MimicCommand *self);
double             mimic_command_get_timeout        (MimicCommand *self);
gint64             mimic_command_get_created_time   (MimicCommand *self);
MimicCommandState  mimic_command_get_state          (MimicCommand *self);
/* Why it was rejected, expired or timed out; NULL otherwise. */
const char        *mimic_command_get_reason         (MimicCommand *self);
gboolean           mimic_command_is_finished        (MimicCommand *self);

/* Turns "name=value" assignments into the arguments of @command, typed
 * as its description says (numbers, integers, true/false, strings).
 * Refuses unknown names, repeats and values that do not parse; the limits
 * are checked by the manager. */
JsonObject        *mimic_command_parse_arguments    (const MimicAssetCommand  *command,
                                                     const char * const       *assignments,
                                                     GError                  **error);

G_END_DECLS
