/* mimic-schematic-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-state-colors.h"

G_BEGIN_DECLS

#define MIMIC_SCHEMATIC_ERROR (mimic_schematic_error_quark ())

typedef enum
{
  MIMIC_SCHEMATIC_ERROR_LOAD,          /* the file is missing or not an SVG */
  MIMIC_SCHEMATIC_ERROR_INVALID_ID,    /* an element id unusable in a stylesheet */
  MIMIC_SCHEMATIC_ERROR_NO_SIZE,       /* the SVG has neither a size nor a viewBox */
} MimicSchematicError;

GQuark mimic_schematic_error_quark (void);

#define MIMIC_TYPE_SCHEMATIC_VIEW (mimic_schematic_view_get_type ())

G_DECLARE_FINAL_TYPE (MimicSchematicView, mimic_schematic_view, MIMIC, SCHEMATIC_VIEW, GtkWidget)

GtkWidget   *mimic_schematic_view_new                 (void);

gboolean     mimic_schematic_view_set_svg_file        (MimicSchematicView  *self,
                                                       GFile               *file,
                                                       GError             **error);
void         mimic_schematic_view_load_svg_async      (MimicSchematicView  *self,
                                                       GFile               *file,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean     mimic_schematic_view_load_svg_finish     (MimicSchematicView  *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
gboolean     mimic_schematic_view_bind_sensor         (MimicSchematicView  *self,
                                                       const char          *sensor_id,
                                                       const char          *svg_id,
                                                       const char          *unit,
                                                       GError             **error);
void         mimic_schematic_view_clear_bindings      (MimicSchematicView  *self);
void         mimic_schematic_view_set_sensor_value    (MimicSchematicView  *self,
                                                       const char          *sensor_id,
                                                       double               value,
                                                       MimicDisplayState    state);

const char  *mimic_schematic_view_get_selected_sensor (MimicSchematicView  *self);
void         mimic_schematic_view_set_selected_sensor (MimicSchematicView  *self,
                                                       const char          *sensor_id);
const char  *mimic_schematic_view_pick                (MimicSchematicView  *self,
                                                       double               x,
                                                       double               y);
gboolean     mimic_schematic_view_get_element_bounds  (MimicSchematicView  *self,
                                                       const char          *sensor_id,
                                                       graphene_rect_t     *bounds);
char        *mimic_schematic_view_get_label_text      (MimicSchematicView  *self,
                                                       const char          *sensor_id);
const char  *mimic_schematic_view_get_stylesheet      (MimicSchematicView  *self);

double       mimic_schematic_view_get_zoom            (MimicSchematicView  *self);
void         mimic_schematic_view_zoom_at             (MimicSchematicView  *self,
                                                       double               factor,
                                                       double               x,
                                                       double               y);
void         mimic_schematic_view_pan                 (MimicSchematicView  *self,
                                                       double               dx,
                                                       double               dy);
void         mimic_schematic_view_fit                 (MimicSchematicView  *self);

G_END_DECLS
