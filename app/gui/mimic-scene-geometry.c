/* mimic-scene-geometry.c
 *
 * Turns a glTF/GLB (or OBJ, STL, PLY) file into plain arrays the scene view
 * can upload: one entry per node with its path, world transform, triangles
 * and colour. Loading runs on a worker thread; nothing here touches GL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-scene-geometry"

#include "config.h"

#include <assimp/cimport.h>
#include <assimp/material.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "mimic-scene-geometry.h"

struct _MimicSceneGeometry
{
  gatomicrefcount  ref_count;
  GArray          *nodes;       /* MimicSceneNode */
  GHashTable      *by_path;     /* path (owned by node) -> index + 1 */
  guint64          n_triangles;
};

G_DEFINE_QUARK (mimic-scene-error-quark, mimic_scene_error)
G_DEFINE_BOXED_TYPE (MimicSceneGeometry, mimic_scene_geometry,
                     mimic_scene_geometry_ref, mimic_scene_geometry_unref)

/* assimp keeps its last error in a process-wide string; one import at a
 * time keeps that message paired with the import that failed. */
static GMutex import_lock;

static const float default_color[3] = { 0.62f, 0.63f, 0.64f };

static void
scene_node_clear (gpointer data)
{
  MimicSceneNode *node = data;

  g_free (node->path);
  g_free (node->vertices);
  g_free (node->indices);
}

MimicSceneGeometry *
mimic_scene_geometry_new (void)
{
  MimicSceneGeometry *self = g_new0 (MimicSceneGeometry, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->nodes = g_array_new (FALSE, TRUE, sizeof (MimicSceneNode));
  g_array_set_clear_func (self->nodes, scene_node_clear);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);

  return self;
}

MimicSceneGeometry *
mimic_scene_geometry_ref (MimicSceneGeometry *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mimic_scene_geometry_unref (MimicSceneGeometry *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_hash_table_unref (self->by_path);
      g_array_unref (self->nodes);
      g_free (self);
    }
}

/* Adds a node below parent (or at the root with -1). The mesh arrays are
 * copied. Fails, leaving the geometry unchanged, on non-finite values,
 * indices past the vertices or a scene that would grow too large. */
int
mimic_scene_geometry_add_node (MimicSceneGeometry       *self,
                               const char               *name,
                               int                       parent,
                               const graphene_matrix_t  *local_transform,
                               const float              *vertices,
                               guint                     n_vertices,
                               const guint32            *indices,
                               guint                     n_indices,
                               const float               color[3],
                               GError                  **error)
{
  MimicSceneNode node = { 0 };
  graphene_box_t local_bounds;
  float m[16];

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  g_return_val_if_fail (parent >= -1 && parent < (int) self->nodes->len, -1);
  g_return_val_if_fail (n_vertices == 0 || vertices != NULL, -1);
  g_return_val_if_fail (n_indices == 0 || indices != NULL, -1);

  if (n_indices % 3 != 0)
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID,
                   _("Part “%s” has %u indices, not whole triangles"), name, n_indices);
      return -1;
    }
  if (self->n_triangles + n_indices / 3 > MIMIC_SCENE_MAX_TRIANGLES)
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_TOO_LARGE,
                   _("The model has more than %u triangles"), MIMIC_SCENE_MAX_TRIANGLES);
      return -1;
    }
  for (guint i = 0; i < n_indices; i++)
    {
      if (indices[i] >= n_vertices)
        {
          g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID,
                       _("Part “%s” refers to vertex %u of %u"), name, indices[i], n_vertices);
          return -1;
        }
    }
  for (guint i = 0; i < n_vertices * 6; i++)
    {
      if (!isfinite (vertices[i]))
        {
          g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID,
                       _("Part “%s” has a coordinate that is not a finite number"), name);
          return -1;
        }
    }
  if (local_transform != NULL)
    {
      graphene_matrix_to_float (local_transform, m);
      for (guint i = 0; i < 16; i++)
        {
          if (!isfinite (m[i]))
            {
              g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_INVALID,
                           _("Part “%s” has a transform that is not finite"), name);
              return -1;
            }
        }
    }

  if (parent >= 0)
    {
      const MimicSceneNode *parent_node = &g_array_index (self->nodes, MimicSceneNode, parent);

      node.path = g_strconcat (parent_node->path, "/", name, NULL);
      /* graphene multiplies row vectors: local first, then the parent's. */
      if (local_transform != NULL)
        graphene_matrix_multiply (local_transform, &parent_node->world, &node.world);
      else
        node.world = parent_node->world;
    }
  else
    {
      node.path = g_strdup (name);
      if (local_transform != NULL)
        node.world = *local_transform;
      else
        graphene_matrix_init_identity (&node.world);
    }

  if (!graphene_matrix_inverse (&node.world, &node.world_inverse))
    graphene_matrix_init_identity (&node.world_inverse);

  node.parent = parent;
  node.n_vertices = n_vertices;
  node.n_indices = n_indices;
  node.vertices = n_vertices > 0 ? g_memdup2 (vertices, sizeof (float) * 6 * n_vertices) : NULL;
  node.indices = n_indices > 0 ? g_memdup2 (indices, sizeof (guint32) * n_indices) : NULL;
  memcpy (node.color, color != NULL ? color : default_color, sizeof node.color);

  graphene_box_init_from_box (&node.world_bounds, graphene_box_empty ());
  if (n_indices > 0)
    {
      graphene_box_init_from_box (&local_bounds, graphene_box_empty ());
      for (guint i = 0; i < n_vertices; i++)
        {
          graphene_point3d_t p = GRAPHENE_POINT3D_INIT (vertices[i * 6], vertices[i * 6 + 1], vertices[i * 6 + 2]);

          graphene_box_expand (&local_bounds, &p, &local_bounds);
        }
      graphene_matrix_transform_box (&node.world, &local_bounds, &node.world_bounds);
    }

  self->n_triangles += n_indices / 3;
  g_array_append_val (self->nodes, node);
  /* A later node with the same path (assimp names duplicates alike) does not
   * shadow the first, which is the one an asset description means. */
  if (!g_hash_table_contains (self->by_path, node.path))
    g_hash_table_insert (self->by_path, node.path, GINT_TO_POINTER (self->nodes->len));

  return (int) self->nodes->len - 1;
}

guint
mimic_scene_geometry_get_n_nodes (MimicSceneGeometry *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->nodes->len;
}

const MimicSceneNode *
mimic_scene_geometry_get_node (MimicSceneGeometry *self,
                               guint               index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->nodes->len, NULL);

  return &g_array_index (self->nodes, MimicSceneNode, index);
}

int
mimic_scene_geometry_lookup (MimicSceneGeometry *self,
                             const char         *path)
{
  g_return_val_if_fail (self != NULL, -1);

  if (path == NULL)
    return -1;

  return GPOINTER_TO_INT (g_hash_table_lookup (self->by_path, path)) - 1;
}

gboolean
mimic_scene_geometry_is_descendant (MimicSceneGeometry *self,
                                    int                 node,
                                    int                 ancestor)
{
  g_return_val_if_fail (self != NULL, FALSE);

  while (node >= 0)
    {
      if (node == ancestor)
        return TRUE;
      node = g_array_index (self->nodes, MimicSceneNode, node).parent;
    }

  return FALSE;
}

guint64
mimic_scene_geometry_get_n_triangles (MimicSceneGeometry *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_triangles;
}

/* The world box around a node and all nodes below it. */
gboolean
mimic_scene_geometry_get_node_bounds (MimicSceneGeometry *self,
                                      int                 node,
                                      graphene_box_t     *bounds)
{
  gboolean found = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  graphene_box_init_from_box (bounds, graphene_box_empty ());
  if (node < 0 || node >= (int) self->nodes->len)
    return FALSE;

  /* Children always follow their parent in the array. */
  for (guint i = node; i < self->nodes->len; i++)
    {
      const MimicSceneNode *n = &g_array_index (self->nodes, MimicSceneNode, i);

      if (i != (guint) node && !mimic_scene_geometry_is_descendant (self, i, node))
        continue;
      if (n->n_indices == 0)
        continue;
      graphene_box_union (bounds, &n->world_bounds, bounds);
      found = TRUE;
    }

  return found;
}

gboolean
mimic_scene_geometry_get_bounds (MimicSceneGeometry *self,
                                 graphene_box_t     *bounds)
{
  gboolean found = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  graphene_box_init_from_box (bounds, graphene_box_empty ());
  for (guint i = 0; i < self->nodes->len; i++)
    {
      const MimicSceneNode *n = &g_array_index (self->nodes, MimicSceneNode, i);

      if (n->n_indices == 0)
        continue;
      graphene_box_union (bounds, &n->world_bounds, bounds);
      found = TRUE;
    }

  return found;
}

/* Möller–Trumbore; returns the ray parameter of the hit or -1. */
static float
intersect_triangle (const float *origin,
                    const float *dir,
                    const float *a,
                    const float *b,
                    const float *c)
{
  float e1[3] = { b[0] - a[0], b[1] - a[1], b[2] - a[2] };
  float e2[3] = { c[0] - a[0], c[1] - a[1], c[2] - a[2] };
  float p[3] = { dir[1] * e2[2] - dir[2] * e2[1],
                 dir[2] * e2[0] - dir[0] * e2[2],
                 dir[0] * e2[1] - dir[1] * e2[0] };
  float det = e1[0] * p[0] + e1[1] * p[1] + e1[2] * p[2];
  float inv, u, v, t;
  float s[3], q[3];

  if (fabsf (det) < 1e-12f)
    return -1.f;
  inv = 1.f / det;
  s[0] = origin[0] - a[0];
  s[1] = origin[1] - a[1];
  s[2] = origin[2] - a[2];
  u = (s[0] * p[0] + s[1] * p[1] + s[2] * p[2]) * inv;
  if (u < 0.f || u > 1.f)
    return -1.f;
  q[0] = s[1] * e1[2] - s[2] * e1[1];
  q[1] = s[2] * e1[0] - s[0] * e1[2];
  q[2] = s[0] * e1[1] - s[1] * e1[0];
  v = (dir[0] * q[0] + dir[1] * q[1] + dir[2] * q[2]) * inv;
  if (v < 0.f || u + v > 1.f)
    return -1.f;
  t = (e2[0] * q[0] + e2[1] * q[1] + e2[2] * q[2]) * inv;

  return t > 0.f ? t : -1.f;
}

/* The world distance along the ray to the nearest triangle of one node,
 * or -1 when the ray misses it. */
float
mimic_scene_geometry_intersect_node (MimicSceneGeometry   *self,
                                     int                   index,
                                     const graphene_ray_t *ray)
{
  const MimicSceneNode *node;
  graphene_ray_t local_ray;
  graphene_point3d_t local_origin, world_origin, local_hit, world_hit;
  graphene_vec3_t local_dir;
  float origin[3], dir[3];
  float nearest = G_MAXFLOAT;

  g_return_val_if_fail (self != NULL, -1.f);
  g_return_val_if_fail (index >= 0 && index < (int) self->nodes->len, -1.f);

  node = &g_array_index (self->nodes, MimicSceneNode, index);
  if (node->n_indices == 0)
    return -1.f;

  /* Test in the node's own space: one ray transform instead of one per
   * vertex. */
  graphene_matrix_transform_ray (&node->world_inverse, ray, &local_ray);
  graphene_ray_get_origin (&local_ray, &local_origin);
  graphene_ray_get_direction (&local_ray, &local_dir);
  origin[0] = local_origin.x;
  origin[1] = local_origin.y;
  origin[2] = local_origin.z;
  dir[0] = graphene_vec3_get_x (&local_dir);
  dir[1] = graphene_vec3_get_y (&local_dir);
  dir[2] = graphene_vec3_get_z (&local_dir);

  for (guint k = 0; k + 2 < node->n_indices; k += 3)
    {
      float t = intersect_triangle (origin, dir,
                                    node->vertices + node->indices[k] * 6,
                                    node->vertices + node->indices[k + 1] * 6,
                                    node->vertices + node->indices[k + 2] * 6);

      if (t > 0.f && t < nearest)
        nearest = t;
    }

  if (nearest == G_MAXFLOAT)
    return -1.f;

  graphene_ray_get_origin (ray, &world_origin);
  graphene_ray_get_position_at (&local_ray, nearest, &local_hit);
  graphene_matrix_transform_point3d (&node->world, &local_hit, &world_hit);

  return graphene_point3d_distance (&world_origin, &world_hit, NULL);
}

/* Casts a world-space ray against the triangles of every node whose box it
 * crosses; returns the nearest node hit (and its world distance) or -1. */
int
mimic_scene_geometry_pick (MimicSceneGeometry   *self,
                           const graphene_ray_t *ray,
                           float                *distance)
{
  graphene_point3d_t world_origin;
  float best = G_MAXFLOAT;
  int best_node = -1;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (ray != NULL, -1);

  graphene_ray_get_origin (ray, &world_origin);

  for (guint i = 0; i < self->nodes->len; i++)
    {
      const MimicSceneNode *node = &g_array_index (self->nodes, MimicSceneNode, i);
      float box_t, d;

      if (node->n_indices == 0)
        continue;
      if (graphene_box_contains_point (&node->world_bounds, &world_origin))
        box_t = 0.f;
      else if (graphene_ray_intersect_box (ray, &node->world_bounds, &box_t) == GRAPHENE_RAY_INTERSECTION_KIND_NONE)
        continue;
      /* A nearer hit already lies in front of this whole box. */
      if (box_t > best)
        continue;

      d = mimic_scene_geometry_intersect_node (self, (int) i, ray);
      if (d >= 0.f && d < best)
        {
          best = d;
          best_node = (int) i;
        }
    }

  if (distance != NULL)
    *distance = best_node >= 0 ? best : -1.f;

  return best_node;
}

/* assimp stores row-major matrices for column vectors; graphene's floats
 * for row vectors are the same numbers transposed. */
static void
matrix_from_assimp (const struct aiMatrix4x4 *a,
                    graphene_matrix_t        *m)
{
  float f[16] = {
    a->a1, a->b1, a->c1, a->d1,
    a->a2, a->b2, a->c2, a->d2,
    a->a3, a->b3, a->c3, a->d3,
    a->a4, a->b4, a->c4, a->d4,
  };

  graphene_matrix_init_from_float (m, f);
}

static void
material_color (const struct aiScene *scene,
                const struct aiMesh  *mesh,
                float                 color[3])
{
  struct aiColor4D diffuse;

  memcpy (color, default_color, sizeof default_color);
  if (mesh->mMaterialIndex >= scene->mNumMaterials)
    return;
  if (aiGetMaterialColor (scene->mMaterials[mesh->mMaterialIndex],
                          AI_MATKEY_COLOR_DIFFUSE, &diffuse) == aiReturn_SUCCESS)
    {
      color[0] = CLAMP (diffuse.r, 0.f, 1.f);
      color[1] = CLAMP (diffuse.g, 0.f, 1.f);
      color[2] = CLAMP (diffuse.b, 0.f, 1.f);
    }
}

static gboolean
import_node (MimicSceneGeometry    *self,
             const struct aiScene  *scene,
             const struct aiNode   *ai_node,
             int                    parent,
             const char            *fallback_name,
             GError               **error)
{
  g_autoptr(GArray) vertices = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *name = NULL;
  graphene_matrix_t local;
  float color[3];
  gboolean have_color = FALSE;
  int index;

  memcpy (color, default_color, sizeof color);

  for (guint m = 0; m < ai_node->mNumMeshes; m++)
    {
      const struct aiMesh *mesh;
      guint base = vertices->len / 6;

      if (ai_node->mMeshes[m] >= scene->mNumMeshes)
        continue;
      mesh = scene->mMeshes[ai_node->mMeshes[m]];
      if (!(mesh->mPrimitiveTypes & aiPrimitiveType_TRIANGLE) || mesh->mNormals == NULL)
        continue;

      if (!have_color)
        {
          material_color (scene, mesh, color);
          have_color = TRUE;
        }

      for (guint v = 0; v < mesh->mNumVertices; v++)
        {
          float vertex[6] = {
            mesh->mVertices[v].x, mesh->mVertices[v].y, mesh->mVertices[v].z,
            mesh->mNormals[v].x, mesh->mNormals[v].y, mesh->mNormals[v].z,
          };

          /* Degenerate faces get NaN normals from assimp; keep the
           * position and let lighting treat them as facing nowhere. */
          for (guint k = 3; k < 6; k++)
            if (!isfinite (vertex[k]))
              vertex[k] = 0.f;
          g_array_append_vals (vertices, vertex, 6);
        }
      for (guint f = 0; f < mesh->mNumFaces; f++)
        {
          const struct aiFace *face = &mesh->mFaces[f];

          if (face->mNumIndices != 3)
            continue;
          for (guint k = 0; k < 3; k++)
            {
              guint32 index_value = base + face->mIndices[k];

              g_array_append_val (indices, index_value);
            }
        }
    }

  if (ai_node->mName.length > 0)
    name = g_strndup (ai_node->mName.data, ai_node->mName.length);
  else
    name = g_strdup (fallback_name);

  matrix_from_assimp (&ai_node->mTransformation, &local);
  index = mimic_scene_geometry_add_node (self, name, parent, &local,
                                        (const float *) vertices->data, vertices->len / 6,
                                        (const guint32 *) indices->data, indices->len,
                                        color, error);
  if (index < 0)
    return FALSE;

  for (guint c = 0; c < ai_node->mNumChildren; c++)
    {
      g_autofree char *child_fallback = g_strdup_printf ("node%u", c);

      if (!import_node (self, scene, ai_node->mChildren[c], index, child_fallback, error))
        return FALSE;
    }

  return TRUE;
}

/* assimp invents a root for files whose scene has several top-level nodes
 * (glTF "ROOT"), or that have no nodes of their own (OBJ, STL); such a
 * root is not part of the node paths an asset description uses. */
static gboolean
is_synthetic_root (const struct aiNode *root,
                   const char          *basename)
{
  const char *name = root->mName.data;

  if (root->mNumMeshes > 0 || root->mNumChildren == 0)
    return FALSE;

  return root->mName.length == 0 ||
         g_str_equal (name, "ROOT") ||
         name[0] == '<' ||
         (basename != NULL && g_str_equal (name, basename));
}

MimicSceneGeometry *
mimic_scene_geometry_new_from_file (const char  *path,
                                    GError     **error)
{
  g_autoptr(MimicSceneGeometry) self = NULL;
  g_autofree char *basename = NULL;
  GStatBuf info;
  const struct aiScene *scene;
  const unsigned int flags = aiProcess_Triangulate |
                             aiProcess_GenSmoothNormals |
                             aiProcess_JoinIdenticalVertices |
                             aiProcess_SortByPType |
                             aiProcess_ValidateDataStructure;
  gboolean ok = TRUE;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &info) != 0 || !S_ISREG (info.st_mode))
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT,
                   _("Cannot read the model “%s”: no such file"), path);
      return NULL;
    }
  /* assimp reads the whole file into memory, and more besides. */
  if ((guint64) info.st_size > MIMIC_SCENE_MAX_FILE_SIZE)
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_TOO_LARGE,
                   _("The model “%s” is larger than %u MiB"), path,
                   (guint) (MIMIC_SCENE_MAX_FILE_SIZE / (1024 * 1024)));
      return NULL;
    }

  basename = g_path_get_basename (path);
  self = mimic_scene_geometry_new ();

  g_mutex_lock (&import_lock);
  scene = aiImportFile (path, flags);
  if (scene == NULL || scene->mRootNode == NULL)
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT,
                   _("Cannot read the model “%s”: %s"), path, aiGetErrorString ());
      if (scene != NULL)
        aiReleaseImport (scene);
      g_mutex_unlock (&import_lock);
      return NULL;
    }
  g_mutex_unlock (&import_lock);

  if (is_synthetic_root (scene->mRootNode, basename))
    {
      for (guint c = 0; c < scene->mRootNode->mNumChildren && ok; c++)
        {
          g_autofree char *fallback = g_strdup_printf ("node%u", c);
          const struct aiNode *child = scene->mRootNode->mChildren[c];

          ok = import_node (self, scene, child, -1, fallback, error);
        }
    }
  else
    {
      ok = import_node (self, scene, scene->mRootNode, -1, basename, error);
    }

  aiReleaseImport (scene);

  if (!ok)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  if (self->n_triangles == 0)
    {
      g_set_error (error, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_NO_GEOMETRY,
                   _("The model “%s” contains no triangles"), path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  MimicSceneGeometry *geometry;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_task_return_new_error (task, MIMIC_SCENE_ERROR, MIMIC_SCENE_ERROR_IMPORT,
                               _("Cannot read the model “%s”: only local files are supported"), uri);
      return;
    }

  geometry = mimic_scene_geometry_new_from_file (path, &error);
  if (geometry == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (g_task_return_error_if_cancelled (task))
    mimic_scene_geometry_unref (geometry);
  else
    g_task_return_pointer (task, geometry, (GDestroyNotify) mimic_scene_geometry_unref);
}

/* Parses the file on a worker thread; large models take a while. */
void
mimic_scene_geometry_load_async (GFile               *file,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_scene_geometry_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_in_thread);
}

MimicSceneGeometry *
mimic_scene_geometry_load_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
