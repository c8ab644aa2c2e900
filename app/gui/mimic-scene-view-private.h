/* mimic-scene-view-private.h — hooks for tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-scene-view.h"

G_BEGIN_DECLS

/* Replaces the GLSL loaded from the resources; must be called before the
 * view is realized. Lets a test prove that a shader which fails to compile
 * is reported in the widget. */
void     mimic_scene_view_set_shader_sources    (MimicSceneView   *self,
                                                 const char       *vertex_source,
                                                 const char       *fragment_source);

/* Where the last drawn frame put a sensor's label (widget coordinates);
 * FALSE when it was not drawn (off screen or crowded out). */
gboolean mimic_scene_view_get_label_placement   (MimicSceneView   *self,
                                                 const char       *sensor_id,
                                                 graphene_rect_t  *rect,
                                                 gboolean         *dimmed);

/* The message shown instead of the model, or NULL. */
const char *mimic_scene_view_get_error_message  (MimicSceneView   *self);

/* The text of a sensor's label, or NULL. */
char       *mimic_scene_view_dup_label_text     (MimicSceneView   *self,
                                                 const char       *sensor_id);

/* GL_RENDERER of the view's context, once realized. */
const char *mimic_scene_view_get_gl_renderer    (MimicSceneView   *self);

G_END_DECLS
