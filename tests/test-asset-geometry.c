/* test-asset-geometry.c
 *
 * Loads the sample assets' glTF files the way the console will (assimp)
 * and checks them against the shared contract: every node a sensor sits on
 * exists under its path and has triangles with normals, triangles wind
 * counter-clockwise, the models have real-world size, and the embedded
 * buffer is consistent with what the JSON says about it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <assimp/cimport.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <json-glib/json-glib.h>

typedef struct
{
  const char *name;
  const char *const *node_paths;
  /* Expected world extent in metres: x, y, z (Y up). */
  double      min_size[3];
  double      max_size[3];
} AssetGeometry;

static const char *const pump_skid_nodes[] = {
  "skid", "skid/base", "skid/motor", "skid/motor/housing",
  "skid/motor/winding", "skid/motor/fan_cover", "skid/motor/terminal_box",
  "skid/coupling", "skid/bearing_de", "skid/bearing_nde", "skid/pump",
  "skid/pump/casing", "skid/suction_pipe", "skid/discharge_pipe",
  "skid/valve", "skid/flow_meter",
  NULL
};

static const char *const battery_rack_nodes[] = {
  "rack", "rack/frame", "rack/bms", "rack/busbar", "rack/coolant_inlet",
  "rack/coolant_outlet",
  "rack/module_01", "rack/module_02", "rack/module_03", "rack/module_04",
  "rack/module_05", "rack/module_06", "rack/module_07", "rack/module_08",
  "rack/module_09", "rack/module_10", "rack/module_11", "rack/module_12",
  "rack/module_13", "rack/module_14", "rack/module_15", "rack/module_16",
  NULL
};

static const AssetGeometry pump_skid = {
  "pump-skid", pump_skid_nodes,
  { 1.5, 1.2, 0.6 }, { 1.9, 1.6, 0.9 },
};

static const AssetGeometry battery_rack = {
  "battery-rack", battery_rack_nodes,
  { 0.6, 1.9, 0.7 }, { 0.9, 2.2, 1.1 },
};

static char *
asset_path (const AssetGeometry *asset)
{
  g_autofree char *file = g_strconcat (asset->name, ".gltf", NULL);
  const char *data_dir = g_getenv ("MIMIC_DATA_DIR");

  g_assert_nonnull (data_dir);
  return g_build_filename (data_dir, "assets", asset->name, file, NULL);
}

static const struct aiScene *
import_asset (const AssetGeometry *asset)
{
  g_autofree char *path = asset_path (asset);
  const struct aiScene *scene;

  scene = aiImportFile (path, aiProcess_Triangulate | aiProcess_ValidateDataStructure);
  if (scene == NULL)
    g_error ("assimp could not load %s: %s", path, aiGetErrorString ());
  return scene;
}

/* Maps "a/b/c" to the node, for every node under the scene root. */
static void
collect_node_paths (const struct aiNode *node,
                    const char          *parent_path,
                    GHashTable          *paths)
{
  char *path = parent_path != NULL
    ? g_strconcat (parent_path, "/", node->mName.data, NULL)
    : g_strdup (node->mName.data);

  g_assert_false (g_hash_table_contains (paths, path));
  g_hash_table_insert (paths, path, (gpointer) node);
  for (unsigned int i = 0; i < node->mNumChildren; i++)
    collect_node_paths (node->mChildren[i], path, paths);
}

static void
test_geometry_has_contract_nodes (gconstpointer data)
{
  const AssetGeometry *asset = data;
  const struct aiScene *scene = import_asset (asset);
  g_autoptr(GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_contract_nodes = 0;

  collect_node_paths (scene->mRootNode, NULL, paths);

  for (guint i = 0; asset->node_paths[i] != NULL; i++)
    {
      const struct aiNode *node = g_hash_table_lookup (paths, asset->node_paths[i]);

      if (node == NULL)
        g_error ("%s lacks the node %s", asset->name, asset->node_paths[i]);
      g_assert_cmpuint (node->mNumMeshes, >, 0);

      for (unsigned int m = 0; m < node->mNumMeshes; m++)
        {
          const struct aiMesh *mesh = scene->mMeshes[node->mMeshes[m]];

          g_assert_cmpuint (mesh->mNumFaces, >, 0);
          g_assert_nonnull (mesh->mNormals);
          g_assert_cmpuint (mesh->mPrimitiveTypes, ==, aiPrimitiveType_TRIANGLE);
          g_assert_cmpuint (mesh->mMaterialIndex, <, scene->mNumMaterials);
        }
      n_contract_nodes++;
    }

  /* Nothing beyond the contract: an extra or renamed node would be a part
   * no sensor can be bound to by name. */
  g_assert_cmpuint (g_hash_table_size (paths), ==, n_contract_nodes);

  aiReleaseImport (scene);
}

/* Counter-clockwise winding seen from outside: each triangle's geometric
 * normal points the way its vertex normals do, and every mesh encloses a
 * positive signed volume. */
static void
test_geometry_winding (gconstpointer data)
{
  const AssetGeometry *asset = data;
  const struct aiScene *scene = import_asset (asset);

  for (unsigned int m = 0; m < scene->mNumMeshes; m++)
    {
      const struct aiMesh *mesh = scene->mMeshes[m];
      double volume = 0;
      guint disagreeing = 0;

      for (unsigned int f = 0; f < mesh->mNumFaces; f++)
        {
          const struct aiFace *face = &mesh->mFaces[f];
          const struct aiVector3D *a = &mesh->mVertices[face->mIndices[0]];
          const struct aiVector3D *b = &mesh->mVertices[face->mIndices[1]];
          const struct aiVector3D *c = &mesh->mVertices[face->mIndices[2]];
          double e1[3] = { b->x - a->x, b->y - a->y, b->z - a->z };
          double e2[3] = { c->x - a->x, c->y - a->y, c->z - a->z };
          double n[3] = {
            e1[1] * e2[2] - e1[2] * e2[1],
            e1[2] * e2[0] - e1[0] * e2[2],
            e1[0] * e2[1] - e1[1] * e2[0],
          };
          double agreement = 0;

          volume += (a->x * (b->y * c->z - b->z * c->y)
                     - a->y * (b->x * c->z - b->z * c->x)
                     + a->z * (b->x * c->y - b->y * c->x)) / 6;

          /* Slivers of no area have no direction to check. */
          if (sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]) < 1e-10)
            continue;

          for (unsigned int k = 0; k < 3; k++)
            {
              const struct aiVector3D *normal = &mesh->mNormals[face->mIndices[k]];

              agreement += n[0] * normal->x + n[1] * normal->y + n[2] * normal->z;
            }
          if (agreement <= 0)
            disagreeing++;
        }

      if (disagreeing > 0)
        g_error ("%s: %u triangles of mesh %s wind against their normals",
                 asset->name, disagreeing, mesh->mName.data);
      g_assert_cmpfloat (volume, >, 0);
    }

  aiReleaseImport (scene);
}

static void
extend_bounds (const struct aiScene    *scene,
               const struct aiNode     *node,
               const struct aiMatrix4x4 *parent_transform,
               double                   min[3],
               double                   max[3])
{
  struct aiMatrix4x4 transform = *parent_transform;

  aiMultiplyMatrix4 (&transform, &node->mTransformation);

  for (unsigned int m = 0; m < node->mNumMeshes; m++)
    {
      const struct aiMesh *mesh = scene->mMeshes[node->mMeshes[m]];

      for (unsigned int v = 0; v < mesh->mNumVertices; v++)
        {
          struct aiVector3D p = mesh->mVertices[v];

          aiTransformVecByMatrix4 (&p, &transform);
          min[0] = MIN (min[0], p.x);
          min[1] = MIN (min[1], p.y);
          min[2] = MIN (min[2], p.z);
          max[0] = MAX (max[0], p.x);
          max[1] = MAX (max[1], p.y);
          max[2] = MAX (max[2], p.z);
        }
    }

  for (unsigned int i = 0; i < node->mNumChildren; i++)
    extend_bounds (scene, node->mChildren[i], &transform, min, max);
}

/* Metres, Y up, standing on the floor: a unit or axis mix-up shows here. */
static void
test_geometry_real_world_size (gconstpointer data)
{
  const AssetGeometry *asset = data;
  const struct aiScene *scene = import_asset (asset);
  struct aiMatrix4x4 identity;
  double min[3] = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
  double max[3] = { -G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };

  aiIdentityMatrix4 (&identity);
  extend_bounds (scene, scene->mRootNode, &identity, min, max);

  g_assert_cmpfloat_with_epsilon (min[1], 0.0, 1e-3);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_assert_cmpfloat (max[axis] - min[axis], >=, asset->min_size[axis]);
      g_assert_cmpfloat (max[axis] - min[axis], <=, asset->max_size[axis]);
    }

  aiReleaseImport (scene);
}

static guint
component_size (gint64 component_type)
{
  switch (component_type)
    {
    case 5123: /* UNSIGNED_SHORT */
      return 2;
    case 5125: /* UNSIGNED_INT */
    case 5126: /* FLOAT */
      return 4;
    default:
      g_error ("unexpected accessor component type %" G_GINT64_FORMAT, component_type);
    }
}

static guint
component_count (const char *type)
{
  if (g_str_equal (type, "SCALAR"))
    return 1;
  if (g_str_equal (type, "VEC3"))
    return 3;
  g_error ("unexpected accessor type %s", type);
}

/* What assimp forgives, a stricter loader may not: the declared buffer
 * length must match the embedded data, views must lie inside the buffer,
 * accessors inside their views, and POSITION min/max (required by glTF)
 * must be the true bounds of the data. */
static void
test_geometry_buffer_is_consistent (gconstpointer data)
{
  static const char data_uri_prefix[] = "data:application/octet-stream;base64,";
  const AssetGeometry *asset = data;
  g_autofree char *path = asset_path (asset);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) position_accessors = g_hash_table_new (NULL, NULL);
  g_autofree guchar *bytes = NULL;
  JsonObject *root, *buffer;
  JsonArray *buffers, *views, *accessors, *meshes;
  const char *uri;
  gsize n_bytes = 0;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "asset"), "version"), ==, "2.0");

  buffers = json_object_get_array_member (root, "buffers");
  g_assert_cmpuint (json_array_get_length (buffers), ==, 1);
  buffer = json_array_get_object_element (buffers, 0);
  uri = json_object_get_string_member (buffer, "uri");
  g_assert_true (g_str_has_prefix (uri, data_uri_prefix));
  bytes = g_base64_decode (uri + strlen (data_uri_prefix), &n_bytes);
  g_assert_cmpint (json_object_get_int_member (buffer, "byteLength"), ==, n_bytes);

  views = json_object_get_array_member (root, "bufferViews");
  for (guint i = 0; i < json_array_get_length (views); i++)
    {
      JsonObject *view = json_array_get_object_element (views, i);
      gint64 offset = json_object_get_int_member_with_default (view, "byteOffset", 0);

      g_assert_cmpint (offset % 4, ==, 0);
      g_assert_cmpint (offset + json_object_get_int_member (view, "byteLength"), <=, n_bytes);
    }

  meshes = json_object_get_array_member (root, "meshes");
  for (guint i = 0; i < json_array_get_length (meshes); i++)
    {
      JsonArray *primitives = json_object_get_array_member (json_array_get_object_element (meshes, i), "primitives");

      for (guint p = 0; p < json_array_get_length (primitives); p++)
        {
          JsonObject *attributes = json_object_get_object_member (json_array_get_object_element (primitives, p),
                                                                  "attributes");

          g_assert_true (json_object_has_member (attributes, "NORMAL"));
          g_hash_table_add (position_accessors,
                            GINT_TO_POINTER (json_object_get_int_member (attributes, "POSITION")));
        }
    }

  accessors = json_object_get_array_member (root, "accessors");
  for (guint i = 0; i < json_array_get_length (accessors); i++)
    {
      JsonObject *accessor = json_array_get_object_element (accessors, i);
      JsonObject *view = json_array_get_object_element (views, json_object_get_int_member (accessor, "bufferView"));
      gint64 count = json_object_get_int_member (accessor, "count");
      guint components = component_count (json_object_get_string_member (accessor, "type"));
      guint size = component_size (json_object_get_int_member (accessor, "componentType"));
      gint64 view_offset = json_object_get_int_member_with_default (view, "byteOffset", 0);
      JsonArray *min, *max;

      g_assert_cmpint (count, >, 0);
      g_assert_cmpint (count * components * size, <=, json_object_get_int_member (view, "byteLength"));

      if (!g_hash_table_contains (position_accessors, GINT_TO_POINTER (i)))
        continue;

      g_assert_true (json_object_has_member (accessor, "min"));
      g_assert_true (json_object_has_member (accessor, "max"));
      min = json_object_get_array_member (accessor, "min");
      max = json_object_get_array_member (accessor, "max");

      for (guint axis = 0; axis < 3; axis++)
        {
          float true_min = G_MAXFLOAT, true_max = -G_MAXFLOAT;

          for (gint64 v = 0; v < count; v++)
            {
              guint32 bits;
              float value;

              memcpy (&bits, bytes + view_offset + (v * 3 + axis) * 4, sizeof bits);
              bits = GUINT32_FROM_LE (bits);
              memcpy (&value, &bits, sizeof value);
              g_assert_true (isfinite (value));
              true_min = MIN (true_min, value);
              true_max = MAX (true_max, value);
            }
          g_assert_cmpfloat (json_array_get_double_element (min, axis), ==, true_min);
          g_assert_cmpfloat (json_array_get_double_element (max, axis), ==, true_max);
        }
    }
}

static void
add_asset_tests (const AssetGeometry *asset)
{
  g_autofree char *nodes = g_strdup_printf ("/mimic/assets/geometry/%s/contract-nodes", asset->name);
  g_autofree char *winding = g_strdup_printf ("/mimic/assets/geometry/%s/winding", asset->name);
  g_autofree char *size = g_strdup_printf ("/mimic/assets/geometry/%s/real-world-size", asset->name);
  g_autofree char *buffer = g_strdup_printf ("/mimic/assets/geometry/%s/buffer", asset->name);

  g_test_add_data_func (nodes, asset, test_geometry_has_contract_nodes);
  g_test_add_data_func (winding, asset, test_geometry_winding);
  g_test_add_data_func (size, asset, test_geometry_real_world_size);
  g_test_add_data_func (buffer, asset, test_geometry_buffer_is_consistent);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_asset_tests (&pump_skid);
  add_asset_tests (&battery_rack);

  return g_test_run ();
}
