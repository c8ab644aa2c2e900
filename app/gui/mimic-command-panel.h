/* mimic-command-panel.h — a form per command of a device, a confirmation
 * with the predicted effect, select-before-operate, and the live state of
 * what was sent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-asset.h"
#include "mimic-command-manager.h"
#include "mimic-model.h"
#include "mimic-twin-device.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_COMMAND_PANEL (mimic_command_panel_get_type ())

G_DECLARE_FINAL_TYPE (MimicCommandPanel, mimic_command_panel, MIMIC, COMMAND_PANEL, GtkBox)

/* The horizon of the "predicted effect" values in the confirmation. */
#define MIMIC_COMMAND_PANEL_EFFECT_HORIZON 3600.0

GtkWidget           *mimic_command_panel_new                  (void);

/* What validates, sends and tracks the commands; NULL: nothing can be sent. */
void                 mimic_command_panel_set_manager          (MimicCommandPanel   *self,
                                                               MimicCommandManager *manager);
MimicCommandManager *mimic_command_panel_get_manager          (MimicCommandPanel   *self);
/* The device whose commands are offered. @model (may be NULL) predicts
 * the effect shown before sending. */
void                 mimic_command_panel_set_device           (MimicCommandPanel   *self,
                                                               MimicAsset          *asset,
                                                               MimicTwinDevice     *device,
                                                               MimicModel          *model);

/* Bind it to the GSettings key "view-only" (and set it from --view-only):
 * a view-only panel shows a banner and refuses every command. */
gboolean             mimic_command_panel_get_view_only        (MimicCommandPanel   *self);
void                 mimic_command_panel_set_view_only        (MimicCommandPanel   *self,
                                                               gboolean             view_only);

/* Shows the form of @command_id; FALSE when the asset has no such command. */
gboolean             mimic_command_panel_show_command         (MimicCommandPanel   *self,
                                                               const char          *command_id);
const char          *mimic_command_panel_get_command_id       (MimicCommandPanel   *self);
/* The input of one argument (a GtkEntry, or a GtkSwitch for a boolean),
 * and why its value is refused (NULL when it is accepted). */
GtkWidget           *mimic_command_panel_get_field            (MimicCommandPanel   *self,
                                                               const char          *argument);
const char          *mimic_command_panel_get_field_error      (MimicCommandPanel   *self,
                                                               const char          *argument);

/* The "Review" button: checks every field and, when all are accepted,
 * opens the confirmation and starts the prediction of the effect. */
gboolean             mimic_command_panel_review               (MimicCommandPanel   *self);
gboolean             mimic_command_panel_get_confirming       (MimicCommandPanel   *self);
/* Current and new values and, once predicted, the effect. */
const char          *mimic_command_panel_get_confirmation     (MimicCommandPanel   *self);
gboolean             mimic_command_panel_get_effect_ready     (MimicCommandPanel   *self);
void                 mimic_command_panel_cancel_review        (MimicCommandPanel   *self);
/* Select-before-operate, step one; the confirmation then counts down the
 * select timeout, and Operate works only until it runs out. */
gboolean             mimic_command_panel_select               (MimicCommandPanel   *self,
                                                               GError             **error);
/* Seconds left to operate, 0 when nothing is selected or it ran out. */
double               mimic_command_panel_get_select_remaining (MimicCommandPanel   *self);
/* "Send" (or "Operate"): sends the reviewed command. */
MimicCommand        *mimic_command_panel_confirm              (MimicCommandPanel   *self,
                                                               GError             **error);
/* Why the last review, select or send was refused, or NULL. */
const char          *mimic_command_panel_get_error            (MimicCommandPanel   *self);

/* The glTF node a command concerns: the part that measures the parameter
 * it writes, else the asset's first part with a sensor; may be NULL. */
const char          *mimic_command_panel_get_command_node     (MimicCommandPanel   *self,
                                                               const char          *command_id);

G_END_DECLS
