/* mimic-scene-geometry.h — an asset's parts as triangle meshes in a node
 * hierarchy, loaded with assimp, ready for the scene view to upload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <graphene.h>

G_BEGIN_DECLS

#define MIMIC_SCENE_ERROR (mimic_scene_error_quark ())

typedef enum
{
  MIMIC_SCENE_ERROR_IMPORT,       /* the file could not be read or parsed */
  MIMIC_SCENE_ERROR_NO_GEOMETRY,  /* parsed, but holds no triangles */
  MIMIC_SCENE_ERROR_TOO_LARGE,    /* more triangles than the view accepts */
  MIMIC_SCENE_ERROR_INVALID,      /* non-finite coordinates or bad indices */
  MIMIC_SCENE_ERROR_GL,           /* no usable GL context */
  MIMIC_SCENE_ERROR_SHADER,       /* a shader failed to compile or link */
} MimicSceneError;

/* The most triangles one scene may hold; bounds memory for any input. */
#define MIMIC_SCENE_MAX_TRIANGLES (16u * 1024u * 1024u)
/* The largest model file read at all. */
#define MIMIC_SCENE_MAX_FILE_SIZE (G_GUINT64_CONSTANT (1024) * 1024 * 1024)

/* One node of the hierarchy. Vertices are interleaved position (xyz) and
 * normal (xyz) in the node's own space; the mesh may be empty for grouping
 * nodes. */
typedef struct
{
  char              *path;          /* names from the scene root joined by "/" */
  int                parent;        /* index of the parent node, or -1 */
  graphene_matrix_t  world;         /* node space to world space */
  graphene_matrix_t  world_inverse;
  float             *vertices;
  guint              n_vertices;
  guint32           *indices;
  guint              n_indices;
  float              color[3];      /* the material's base colour, linear 0..1 */
  graphene_box_t     world_bounds;  /* empty when the node has no mesh */
} MimicSceneNode;

typedef struct _MimicSceneGeometry MimicSceneGeometry;

#define MIMIC_TYPE_SCENE_GEOMETRY (mimic_scene_geometry_get_type ())

GQuark                mimic_scene_error_quark               (void);
GType                 mimic_scene_geometry_get_type         (void) G_GNUC_CONST;

MimicSceneGeometry   *mimic_scene_geometry_new              (void);
MimicSceneGeometry   *mimic_scene_geometry_ref              (MimicSceneGeometry        *self);
void                  mimic_scene_geometry_unref            (MimicSceneGeometry        *self);

MimicSceneGeometry   *mimic_scene_geometry_new_from_file    (const char                *path,
                                                             GError                   **error);
void                  mimic_scene_geometry_load_async       (GFile                     *file,
                                                             GCancellable              *cancellable,
                                                             GAsyncReadyCallback        callback,
                                                             gpointer                   user_data);
MimicSceneGeometry   *mimic_scene_geometry_load_finish      (GAsyncResult              *result,
                                                             GError                   **error);

int                   mimic_scene_geometry_add_node         (MimicSceneGeometry        *self,
                                                             const char                *name,
                                                             int                        parent,
                                                             const graphene_matrix_t   *local_transform,
                                                             const float               *vertices,
                                                             guint                      n_vertices,
                                                             const guint32             *indices,
                                                             guint                      n_indices,
                                                             const float                color[3],
                                                             GError                   **error);

guint                 mimic_scene_geometry_get_n_nodes      (MimicSceneGeometry        *self);
const MimicSceneNode *mimic_scene_geometry_get_node         (MimicSceneGeometry        *self,
                                                             guint                      index);
int                   mimic_scene_geometry_lookup           (MimicSceneGeometry        *self,
                                                             const char                *path);
gboolean              mimic_scene_geometry_is_descendant    (MimicSceneGeometry        *self,
                                                             int                        node,
                                                             int                        ancestor);
guint64               mimic_scene_geometry_get_n_triangles  (MimicSceneGeometry        *self);
gboolean              mimic_scene_geometry_get_bounds       (MimicSceneGeometry        *self,
                                                             graphene_box_t            *bounds);
gboolean              mimic_scene_geometry_get_node_bounds  (MimicSceneGeometry        *self,
                                                             int                        node,
                                                             graphene_box_t            *bounds);
float                 mimic_scene_geometry_intersect_node   (MimicSceneGeometry        *self,
                                                             int                        index,
                                                             const graphene_ray_t      *ray);
int                   mimic_scene_geometry_pick             (MimicSceneGeometry        *self,
                                                             const graphene_ray_t      *ray,
                                                             float                     *distance);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicSceneGeometry, mimic_scene_geometry_unref)

G_END_DECLS
