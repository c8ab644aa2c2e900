/* mimic-connections-dialog.h — add, edit, remove, enable and test
 * connection profiles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-connection-list.h"

G_BEGIN_DECLS

/* How long "Test" waits for a connection before it gives up. */
#define MIMIC_CONNECTIONS_DIALOG_TEST_TIMEOUT_S 10

#define MIMIC_TYPE_CONNECTIONS_DIALOG (mimic_connections_dialog_get_type ())

G_DECLARE_FINAL_TYPE (MimicConnectionsDialog, mimic_connections_dialog, MIMIC, CONNECTIONS_DIALOG, GtkWindow)

GtkWidget   *mimic_connections_dialog_new          (GtkWindow              *parent,
                                                    MimicConnectionList    *list);
MimicConnectionList *mimic_connections_dialog_get_list (MimicConnectionsDialog *self);

/* Fills the editor with a profile, or empties it for a new one (NULL). */
void         mimic_connections_dialog_edit         (MimicConnectionsDialog *self,
                                                    const char             *id);
/* The editor's fields: "name", "url", "username", "password", "ca-file",
 * "certificate-file", "key-file", "topic-root", "asset-dir". */
GtkEditable *mimic_connections_dialog_get_field    (MimicConnectionsDialog *self,
                                                    const char             *field);
/* "Save": adds or replaces the profile, the password to the keyring. */
gboolean     mimic_connections_dialog_save         (MimicConnectionsDialog *self,
                                                    GError                **error);
/* "Remove" of the profile being edited. */
gboolean     mimic_connections_dialog_remove       (MimicConnectionsDialog *self);
/* "Test": connects once with what the editor says, without saving. The
 * outcome is in the status ("testing" is FALSE again when it is known). */
void         mimic_connections_dialog_test         (MimicConnectionsDialog *self);
gboolean     mimic_connections_dialog_get_testing  (MimicConnectionsDialog *self);
/* Testing, or still handing a password to the keyring. */
gboolean     mimic_connections_dialog_get_busy     (MimicConnectionsDialog *self);
/* The last test's outcome, or why a save was refused. */
const char  *mimic_connections_dialog_get_status   (MimicConnectionsDialog *self);
gboolean     mimic_connections_dialog_get_status_ok (MimicConnectionsDialog *self);

G_END_DECLS
