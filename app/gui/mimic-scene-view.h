/* mimic-scene-view.h — the asset's 3D model, coloured by sensor state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-scene-geometry.h"
#include "mimic-state-colors.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_SCENE_VIEW (mimic_scene_view_get_type ())

G_DECLARE_FINAL_TYPE (MimicSceneView, mimic_scene_view, MIMIC, SCENE_VIEW, GtkWidget)

GtkWidget          *mimic_scene_view_new                 (void);

void                mimic_scene_view_load_async          (MimicSceneView       *self,
                                                          GFile                *file,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean            mimic_scene_view_load_finish         (MimicSceneView       *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);
void                mimic_scene_view_set_geometry        (MimicSceneView       *self,
                                                          MimicSceneGeometry   *geometry);
MimicSceneGeometry *mimic_scene_view_get_geometry        (MimicSceneView       *self);

void                mimic_scene_view_set_node_state      (MimicSceneView       *self,
                                                          const char           *node_path,
                                                          MimicDisplayState     state);
MimicDisplayState   mimic_scene_view_get_node_state      (MimicSceneView       *self,
                                                          const char           *node_path);
void                mimic_scene_view_clear_node_states   (MimicSceneView       *self);

void                mimic_scene_view_set_heatmap         (MimicSceneView       *self,
                                                          gboolean              enabled);
gboolean            mimic_scene_view_get_heatmap         (MimicSceneView       *self);
void                mimic_scene_view_set_node_value      (MimicSceneView       *self,
                                                          const char           *node_path,
                                                          double                normalized);
void                mimic_scene_view_set_heatmap_legend  (MimicSceneView       *self,
                                                          const char           *title,
                                                          double                minimum,
                                                          double                maximum,
                                                          const char           *unit);

void                mimic_scene_view_bind_sensor         (MimicSceneView       *self,
                                                          const char           *sensor_id,
                                                          const char           *node_path,
                                                          const char           *unit);
void                mimic_scene_view_clear_bindings      (MimicSceneView       *self);
void                mimic_scene_view_set_sensor_value    (MimicSceneView       *self,
                                                          const char           *sensor_id,
                                                          double                value,
                                                          MimicDisplayState     state);
void                mimic_scene_view_set_label           (MimicSceneView       *self,
                                                          const char           *node_path,
                                                          const char           *sensor_id,
                                                          const char           *text);

const char         *mimic_scene_view_get_selected_node   (MimicSceneView       *self);
void                mimic_scene_view_set_selected_node   (MimicSceneView       *self,
                                                          const char           *node_path);
const char         *mimic_scene_view_get_selected_sensor (MimicSceneView       *self);
void                mimic_scene_view_set_selected_sensor (MimicSceneView       *self,
                                                          const char           *sensor_id);

void                mimic_scene_view_fit                 (MimicSceneView       *self);
void                mimic_scene_view_reset_camera        (MimicSceneView       *self);
void                mimic_scene_view_orbit               (MimicSceneView       *self,
                                                          double                yaw_degrees,
                                                          double                pitch_degrees);
void                mimic_scene_view_zoom                (MimicSceneView       *self,
                                                          double                factor);
void                mimic_scene_view_pan                 (MimicSceneView       *self,
                                                          double                dx,
                                                          double                dy);

gboolean            mimic_scene_view_project             (MimicSceneView       *self,
                                                          const graphene_point3d_t *world,
                                                          graphene_point_t     *widget_point);
gboolean            mimic_scene_view_get_node_center     (MimicSceneView       *self,
                                                          const char           *node_path,
                                                          graphene_point3d_t   *world);
const char         *mimic_scene_view_pick_node           (MimicSceneView       *self,
                                                          double                x,
                                                          double                y);
gboolean            mimic_scene_view_select_at           (MimicSceneView       *self,
                                                          double                x,
                                                          double                y);

guint64             mimic_scene_view_get_render_count    (MimicSceneView       *self);

G_END_DECLS
