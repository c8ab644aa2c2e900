/* mimic-asset.c
 *
 * An asset description is written by hand, so the loader's job is as much
 * to explain mistakes as to read values: it keeps going after the first
 * problem and reports every one with the file, the JSON path and the reason.
 * The format is documented in docs/asset-format.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-asset"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mimic-asset.h"
#include "mimic-json.h"

/* Descriptions are small; a cap keeps a wrong file (or a fuzzer) from
 * making the loader read gigabytes. Geometry may embed its buffers. */
#define MAX_DESCRIPTION_BYTES (4 * 1024 * 1024)
#define MAX_GEOMETRY_BYTES    (256 * 1024 * 1024)
#define MAX_SCHEMATIC_BYTES   (32 * 1024 * 1024)
/* json-glib parses recursively; deeper input would exhaust the stack. */
#define MAX_JSON_DEPTH        64
#define MAX_ID_LENGTH         64
#define MAX_DELAY_S           86400.0
#define MAX_COMMAND_TIMEOUT_S 3600.0
#define DEFAULT_COMMAND_TIMEOUT_S 10.0

G_DEFINE_QUARK (mimic-asset-error-quark, mimic_asset_error)

struct _MimicAsset
{
  GObject      parent_instance;

  char        *file;
  char        *id;
  char        *title;
  char        *description;
  char        *geometry_path;
  char        *schematic_path;
  char        *model_name;

  /* Lists keep declaration order; the tables give O(1) lookup by id and
   * point into the same structs. */
  GPtrArray   *sensors;
  GHashTable  *sensors_by_id;
  GPtrArray   *parameters;
  GHashTable  *parameters_by_id;
  GPtrArray   *commands;
  GHashTable  *commands_by_id;
  GPtrArray   *bindings;
  GPtrArray   *model_parameter_names;
  GHashTable  *model_parameters;     /* name → double* */

  /* Owns every string the public structs point to. */
  GStringChunk *strings;
};

G_DEFINE_FINAL_TYPE (MimicAsset, mimic_asset, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Problems ------------------------------------------------------------- */

void
mimic_asset_problem_free (MimicAssetProblem *problem)
{
  if (problem == NULL)
    return;

  g_free (problem->file);
  g_free (problem->json_path);
  g_free (problem->reason);
  g_free (problem);
}

char *
mimic_asset_problem_to_string (const MimicAssetProblem *problem)
{
  g_return_val_if_fail (problem != NULL, NULL);

  return g_strdup_printf ("%s: %s: %s", problem->file, problem->json_path, problem->reason);
}

/* Loader state --------------------------------------------------------- */

typedef struct
{
  const char *display_name;
  char       *base_dir;
  GPtrArray  *problems;
  MimicAsset *asset;

  /* Cross-checks that need the whole file: where each binding came from. */
  GPtrArray  *node_refs;       /* SensorRef */
  GPtrArray  *svg_refs;        /* SensorRef */
  char       *geometry_json_path;
  char       *schematic_json_path;
} Loader;

typedef struct
{
  char *json_path;
  char *value;
} SensorRef;

static void
sensor_ref_free (SensorRef *ref)
{
  g_free (ref->json_path);
  g_free (ref->value);
  g_free (ref);
}

static void
add_sensor_ref (GPtrArray  *refs,
                const char *json_path,
                const char *value)
{
  SensorRef *ref = g_new0 (SensorRef, 1);

  ref->json_path = g_strdup (json_path);
  ref->value = g_strdup (value);
  g_ptr_array_add (refs, ref);
}

static void report (Loader          *loader,
                    MimicAssetError  code,
                    const char      *json_path,
                    const char      *format,
                    ...) G_GNUC_PRINTF (4, 5);

static void
report (Loader          *loader,
        MimicAssetError  code,
        const char      *json_path,
        const char      *format,
        ...)
{
  MimicAssetProblem *problem = g_new0 (MimicAssetProblem, 1);
  g_autofree char *reason = NULL;
  va_list args;

  problem->code = code;
  problem->file = g_strdup (loader->display_name);
  /* Keys and values quoted into the path or the reason come from the
   * description, and json-glib turns a lone surrogate escape such as
   * "\ud800" into bytes that are not UTF-8: escape them, here where every
   * problem passes. */
  problem->json_path = mimic_json_text_for_message (json_path, -1);
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  problem->reason = mimic_json_text_for_message (reason, -1);
  g_ptr_array_add (loader->problems, problem);
}

static const char *
intern (Loader     *loader,
        const char *text)
{
  return text != NULL ? g_string_chunk_insert_const (loader->asset->strings, text) : NULL;
}

/* "$.properties.flow" + "minimum"; keys that would read ambiguously in dot
 * notation are quoted. */
static char *
child_path (const char *parent,
            const char *key)
{
  for (const char *p = key; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != ':' && *p != '@')
        {
          g_autoptr(GString) quoted = g_string_new (parent);

          g_string_append (quoted, "[\"");
          for (const char *q = key; *q != '\0'; q++)
            {
              if (*q == '"' || *q == '\\')
                g_string_append_c (quoted, '\\');
              g_string_append_c (quoted, *q);
            }
          g_string_append (quoted, "\"]");
          return g_string_free (g_steal_pointer (&quoted), FALSE);
        }
    }

  if (*key == '\0')
    return g_strdup_printf ("%s[\"\"]", parent);

  return g_strdup_printf ("%s.%s", parent, key);
}

static char *
index_path (const char *parent,
            guint       index)
{
  return g_strdup_printf ("%s[%u]", parent, index);
}

/* Typed member access -------------------------------------------------- */

static const char *
json_kind_name (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_ARRAY:
      return _("an array");
    case JSON_NODE_NULL:
      return _("null");
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return _("a string");
    case G_TYPE_BOOLEAN:
      return _("a boolean");
    default:
      return _("a number");
    }
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

/* glTF indices are integers; a float would not convert safely. */
static gboolean
node_is_index (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_boolean (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
}

static void
report_missing (Loader     *loader,
                const char *parent,
                const char *key)
{
  g_autofree char *path = child_path (parent, key);

  report (loader, MIMIC_ASSET_ERROR_MISSING, path, _("required member “%s” is missing"), key);
}

static void
report_type (Loader     *loader,
             const char *path,
             const char *expected,
             JsonNode   *found)
{
  report (loader, MIMIC_ASSET_ERROR_TYPE, path,
          _("expected %s, found %s"), expected, json_kind_name (found));
}

/* A number that is present and valid gives TRUE; absent or wrong gives
 * FALSE, with a problem reported unless it was optional and absent. */
static gboolean
read_number_node (Loader     *loader,
                  const char *path,
                  JsonNode   *node,
                  double     *out)
{
  double value;

  if (!node_is_number (node))
    {
      report_type (loader, path, _("a number"), node);
      return FALSE;
    }

  value = json_node_get_double (node);
  if (!isfinite (value))
    {
      report (loader, MIMIC_ASSET_ERROR_NON_FINITE, path,
              _("number is not finite (too large to represent)"));
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
read_number (Loader     *loader,
             JsonObject *object,
             const char *parent,
             const char *key,
             gboolean    required,
             double     *out)
{
  g_autofree char *path = child_path (parent, key);
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    {
      if (required)
        report_missing (loader, parent, key);
      return FALSE;
    }

  return read_number_node (loader, path, node, out);
}

static gboolean
read_string (Loader      *loader,
             JsonObject  *object,
             const char  *parent,
             const char  *key,
             gboolean     required,
             const char **out)
{
  g_autofree char *path = child_path (parent, key);
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    {
      if (required)
        report_missing (loader, parent, key);
      return FALSE;
    }

  if (!node_is_string (node))
    {
      report_type (loader, path, _("a string"), node);
      return FALSE;
    }

  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_boolean (Loader     *loader,
              JsonObject *object,
              const char *parent,
              const char *key,
              gboolean   *out)
{
  g_autofree char *path = child_path (parent, key);
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    return FALSE;

  if (!node_is_boolean (node))
    {
      report_type (loader, path, _("a boolean"), node);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

static JsonObject *
read_object (Loader     *loader,
             JsonObject *object,
             const char *parent,
             const char *key,
             gboolean    required)
{
  g_autofree char *path = child_path (parent, key);
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    {
      if (required)
        report_missing (loader, parent, key);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_type (loader, path, _("an object"), node);
      return NULL;
    }

  return json_node_get_object (node);
}

static JsonArray *
read_array (Loader     *loader,
            JsonObject *object,
            const char *parent,
            const char *key)
{
  g_autofree char *path = child_path (parent, key);
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      report_type (loader, path, _("an array"), node);
      return NULL;
    }

  return json_node_get_array (node);
}

/* Unknown terms -------------------------------------------------------- */

static guint
edit_distance (const char *a,
               const char *b)
{
  gsize len_a = strlen (a), len_b = strlen (b);
  g_autofree guint *row = NULL;

  if (len_a > 64 || len_b > 64)
    return G_MAXUINT;

  row = g_new (guint, len_b + 1);
  for (gsize j = 0; j <= len_b; j++)
    row[j] = j;

  for (gsize i = 1; i <= len_a; i++)
    {
      guint diagonal = row[0];

      row[0] = i;
      for (gsize j = 1; j <= len_b; j++)
        {
          guint above = row[j];
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }

  return row[len_b];
}

static const char *
closest_name (const char         *name,
              const char * const *candidates,
              guint               n_candidates)
{
  const char *best = NULL;
  guint best_distance = 3;

  for (guint i = 0; i < n_candidates; i++)
    {
      guint distance = edit_distance (name, candidates[i]);

      if (distance < best_distance)
        {
          best = candidates[i];
          best_distance = distance;
        }
    }

  return best;
}

/* In TD objects other vocabularies may add keys, so only "mimic:" keys are
 * checked there; inside Mimic's own blocks (strict) every key must be known,
 * because a misspelt key would otherwise be ignored without a word. */
static void
check_keys (Loader             *loader,
            JsonObject         *object,
            const char         *path,
            const char * const *known,
            gboolean            strict)
{
  guint n_known = known != NULL ? g_strv_length ((char **) known) : 0;
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const char *suggestion;
      g_autofree char *member_path = NULL;

      if (!strict && !g_str_has_prefix (key, "mimic:"))
        continue;
      if (known != NULL && g_strv_contains (known, key))
        continue;

      member_path = child_path (path, key);
      suggestion = closest_name (key, known, n_known);
      if (suggestion != NULL)
        report (loader, MIMIC_ASSET_ERROR_UNKNOWN_TERM, member_path,
                _("unknown member “%s” (did you mean “%s”?)"), key, suggestion);
      else
        report (loader, MIMIC_ASSET_ERROR_UNKNOWN_TERM, member_path,
                _("unknown member “%s”"), key);
    }
}

/* Identifiers end up in MQTT topics, SVG stylesheets and file names, so
 * they stay plain. */
static gboolean
check_id (Loader     *loader,
          const char *path,
          const char *id)
{
  gsize length = strlen (id);
  gboolean valid = length > 0 && length <= MAX_ID_LENGTH;

  for (const char *p = id; valid && *p != '\0'; p++)
    valid = g_ascii_isalnum (*p) || *p == '_' || *p == '-';

  if (!valid)
    report (loader, MIMIC_ASSET_ERROR_INVALID, path,
            _("“%s” is not a valid id: use 1 to %d letters, digits, “_” or “-”"),
            id, MAX_ID_LENGTH);

  return valid;
}

/* Raw scan: depth, duplicate keys, integer overflow ------------------- */

/* json-glib keeps the last of two equal keys without a word and wraps
 * integers that do not fit 64 bits, so the text itself is scanned for
 * both. The scan also refuses deep nesting before json-glib recurses. */
typedef struct
{
  gboolean    is_object;
  gboolean    expect_key;
  char       *key;
  guint       index;
  GHashTable *keys;
} ScanFrame;

static char *
scan_path (GArray *stack)
{
  g_autofree char *path = g_strdup ("$");

  for (guint i = 0; i < stack->len; i++)
    {
      ScanFrame *frame = &g_array_index (stack, ScanFrame, i);
      char *next;

      if (frame->is_object && frame->key != NULL)
        next = child_path (path, frame->key);
      else if (!frame->is_object)
        next = index_path (path, frame->index);
      else
        break;
      g_free (path);
      path = next;
    }

  return g_steal_pointer (&path);
}

static void
scan_frame_clear (ScanFrame *frame)
{
  g_clear_pointer (&frame->key, g_free);
  g_clear_pointer (&frame->keys, g_hash_table_unref);
}

/* Returns FALSE when the nesting is too deep to parse safely. */
static gboolean
scan_json_text (Loader     *loader,
                const char *data,
                gsize       length,
                GPtrArray  *found)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, TRUE, sizeof (ScanFrame));
  Loader collector = *loader;
  gboolean ok = TRUE;
  gsize i = 0;

  g_array_set_clear_func (stack, (GDestroyNotify) scan_frame_clear);
  /* Findings are collected aside and only count if json-glib agrees the
   * text is JSON; on garbage they would be noise. */
  collector.problems = found;

  while (i < length && ok)
    {
      char c = data[i];
      ScanFrame *top = stack->len > 0 ? &g_array_index (stack, ScanFrame, stack->len - 1) : NULL;

      if (c == '"')
        {
          gsize start = ++i;

          while (i < length && data[i] != '"')
            i += data[i] == '\\' ? 2 : 1;

          if (top != NULL && top->is_object && top->expect_key && i <= length)
            {
              g_autofree char *key = g_strndup (data + start, MIN (i, length) - start);

              g_free (top->key);
              top->key = g_strdup (key);
              if (!g_hash_table_add (top->keys, g_steal_pointer (&key)))
                {
                  g_autofree char *path = scan_path (stack);

                  report (&collector, MIMIC_ASSET_ERROR_DUPLICATE, path,
                          _("key “%s” appears more than once"), top->key);
                }
              top->expect_key = FALSE;
            }
          i++;
          continue;
        }

      if (c == '{' || c == '[')
        {
          ScanFrame frame = { 0 };

          if (stack->len >= MAX_JSON_DEPTH)
            {
              g_autofree char *path = scan_path (stack);

              report (loader, MIMIC_ASSET_ERROR_SYNTAX, path,
                      _("nested deeper than %d levels"), MAX_JSON_DEPTH);
              ok = FALSE;
              break;
            }
          frame.is_object = c == '{';
          frame.expect_key = frame.is_object;
          if (frame.is_object)
            frame.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_array_append_val (stack, frame);
        }
      else if ((c == '}' || c == ']') && top != NULL)
        {
          g_array_remove_index (stack, stack->len - 1);
        }
      else if (c == ',' && top != NULL)
        {
          if (top->is_object)
            top->expect_key = TRUE;
          else
            top->index++;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gsize start = i;
          gboolean integer = TRUE;

          while (i < length && (g_ascii_isdigit (data[i]) || strchr ("+-.eE", data[i]) != NULL))
            {
              if (strchr (".eE", data[i]) != NULL)
                integer = FALSE;
              i++;
            }

          if (integer)
            {
              g_autofree char *literal = g_strndup (data + start, i - start);

              errno = 0;
              g_ascii_strtoll (literal, NULL, 10);
              if (errno == ERANGE)
                {
                  g_autofree char *path = scan_path (stack);

                  report (&collector, MIMIC_ASSET_ERROR_NON_FINITE, path,
                          _("integer %s is too large to represent"), literal);
                }
            }
          continue;
        }

      i++;
    }

  return ok;
}

/* Geometry and schematic ---------------------------------------------- */

static gboolean
read_small_file (const char  *path,
                 gsize        limit,
                 char       **contents,
                 gsize       *length,
                 GError     **error)
{
  GStatBuf info;

  if (g_stat (path, &info) == 0 && (guint64) info.st_size > limit)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   _("file is larger than %u MiB"), (guint) (limit / (1024 * 1024)));
      return FALSE;
    }

  return g_file_get_contents (path, contents, length, error);
}

static void
collect_gltf_nodes (JsonArray  *nodes,
                    gint64      index,
                    const char *parent_path,
                    guint       depth,
                    guint8     *visited,
                    GHashTable *paths)
{
  JsonNode *node;
  JsonObject *object;
  JsonNode *name_node, *children_node;
  g_autofree char *path = NULL;
  const char *name = "";

  /* In glTF each node has at most one parent. A broken file with cycles
   * or shared children must not hang the loader: each node is visited once
   * per scene, and the depth is bounded. */
  if (index < 0 || index >= json_array_get_length (nodes) || depth > MAX_JSON_DEPTH ||
      visited[index])
    return;
  visited[index] = TRUE;

  node = json_array_get_element (nodes, index);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  object = json_node_get_object (node);

  name_node = json_object_get_member (object, "name");
  if (name_node != NULL && node_is_string (name_node))
    name = json_node_get_string (name_node);

  path = parent_path != NULL ? g_strconcat (parent_path, "/", name, NULL) : g_strdup (name);
  g_hash_table_add (paths, g_strdup (path));

  children_node = json_object_get_member (object, "children");
  if (children_node != NULL && JSON_NODE_HOLDS_ARRAY (children_node))
    {
      JsonArray *children = json_node_get_array (children_node);

      for (guint i = 0; i < json_array_get_length (children); i++)
        {
          JsonNode *child = json_array_get_element (children, i);

          if (node_is_index (child))
            collect_gltf_nodes (nodes, json_node_get_int (child), path, depth + 1, visited, paths);
        }
    }
}

/* A .glb holds the same JSON in its first chunk. */
static gboolean
extract_glb_json (const char  *contents,
                  gsize        length,
                  const char **json,
                  gsize       *json_length,
                  GError     **error)
{
  guint32 header[5];

  if (length < sizeof header)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("truncated GLB header"));
      return FALSE;
    }

  memcpy (header, contents, sizeof header);
  if (GUINT32_FROM_LE (header[0]) != 0x46546C67 /* "glTF" */ ||
      GUINT32_FROM_LE (header[1]) != 2 ||
      GUINT32_FROM_LE (header[4]) != 0x4E4F534A /* "JSON" */ ||
      GUINT32_FROM_LE (header[3]) > length - sizeof header)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           _("not a glTF 2.0 binary with a JSON chunk"));
      return FALSE;
    }

  *json = contents + sizeof header;
  *json_length = GUINT32_FROM_LE (header[3]);
  return TRUE;
}

static GHashTable *
load_gltf_node_paths (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *json = NULL;
  gsize length = 0, json_length = 0;
  JsonNode *root;
  JsonObject *gltf;
  JsonNode *nodes_node, *scenes_node;

  if (!read_small_file (path, MAX_GEOMETRY_BYTES, &contents, &length, error))
    return NULL;

  if (length >= 4 && memcmp (contents, "glTF", 4) == 0)
    {
      if (!extract_glb_json (contents, length, &json, &json_length, error))
        return NULL;
    }
  else
    {
      json = contents;
      json_length = length;
    }

  if (!mimic_json_parser_load_from_data (parser, json, json_length, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("not a glTF document"));
      return NULL;
    }
  gltf = json_node_get_object (root);

  nodes_node = json_object_get_member (gltf, "nodes");
  scenes_node = json_object_get_member (gltf, "scenes");
  if (nodes_node == NULL || !JSON_NODE_HOLDS_ARRAY (nodes_node) ||
      scenes_node == NULL || !JSON_NODE_HOLDS_ARRAY (scenes_node))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           _("the glTF document has no scenes or no nodes"));
      return NULL;
    }

  /* Every scene counts: a sensor may sit in any of them. */
  for (guint s = 0; s < json_array_get_length (json_node_get_array (scenes_node)); s++)
    {
      JsonNode *scene = json_array_get_element (json_node_get_array (scenes_node), s);
      g_autofree guint8 *visited = NULL;
      JsonNode *roots;

      if (!JSON_NODE_HOLDS_OBJECT (scene))
        continue;
      roots = json_object_get_member (json_node_get_object (scene), "nodes");
      if (roots == NULL || !JSON_NODE_HOLDS_ARRAY (roots))
        continue;

      visited = g_new0 (guint8, json_array_get_length (json_node_get_array (nodes_node)) + 1);
      for (guint r = 0; r < json_array_get_length (json_node_get_array (roots)); r++)
        {
          JsonNode *index = json_array_get_element (json_node_get_array (roots), r);

          if (node_is_index (index))
            collect_gltf_nodes (json_node_get_array (nodes_node), json_node_get_int (index),
                                NULL, 0, visited, paths);
        }
    }

  return g_steal_pointer (&paths);
}

static void
collect_svg_id (GMarkupParseContext  *context,
                const char           *element_name,
                const char          **attribute_names,
                const char          **attribute_values,
                gpointer              user_data,
                GError              **error)
{
  GHashTable *ids = user_data;

  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      if (strcmp (attribute_names[i], "id") == 0)
        g_hash_table_add (ids, g_strdup (attribute_values[i]));
    }
}

static GHashTable *
load_svg_ids (const char  *path,
              GError     **error)
{
  static const GMarkupParser parser = { collect_svg_id, NULL, NULL, NULL, NULL };
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GMarkupParseContext *context;
  gboolean ok;
  gsize length = 0;

  if (!read_small_file (path, MAX_SCHEMATIC_BYTES, &contents, &length, error))
    return NULL;

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, ids, NULL);
  ok = g_markup_parse_context_parse (context, contents, length, error) &&
       g_markup_parse_context_end_parse (context, error);
  g_markup_parse_context_free (context);

  return ok ? g_steal_pointer (&ids) : NULL;
}

static char *
resolve_relative_file (Loader     *loader,
                       const char *json_path,
                       const char *name)
{
  if (*name == '\0' || g_path_is_absolute (name))
    {
      report (loader, MIMIC_ASSET_ERROR_INVALID, json_path,
              _("“%s” must be a file name relative to the description"), name);
      return NULL;
    }

  return g_canonicalize_filename (name, loader->base_dir);
}

static const char *
closest_key (const char *name,
             GHashTable *table)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (table, NULL);

  return closest_name (name, keys, g_hash_table_size (table));
}

static void
check_references (Loader          *loader,
                  const char      *file,
                  const char      *file_json_path,
                  GPtrArray       *refs,
                  gboolean         geometry)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;
  g_autofree char *basename = NULL;
  MimicAssetError code = geometry ? MIMIC_ASSET_ERROR_GEOMETRY : MIMIC_ASSET_ERROR_SCHEMATIC;

  if (file == NULL)
    {
      for (guint i = 0; i < refs->len; i++)
        {
          SensorRef *ref = g_ptr_array_index (refs, i);

          report (loader, MIMIC_ASSET_ERROR_MISSING, ref->json_path,
                  geometry ? _("a glTF node is named but the description has no “mimic:geometry”")
                           : _("an SVG id is named but the description has no “mimic:schematic”"));
        }
      return;
    }

  basename = g_path_get_basename (file);
  known = geometry ? load_gltf_node_paths (file, &error) : load_svg_ids (file, &error);
  if (known == NULL)
    {
      report (loader, code, file_json_path, _("cannot read “%s”: %s"), basename, error->message);
      return;
    }

  for (guint i = 0; i < refs->len; i++)
    {
      SensorRef *ref = g_ptr_array_index (refs, i);
      const char *suggestion;

      if (g_hash_table_contains (known, ref->value))
        continue;

      suggestion = closest_key (ref->value, known);
      if (geometry && suggestion != NULL)
        report (loader, code, ref->json_path,
                _("node “%s” is not in %s (did you mean “%s”?)"), ref->value, basename, suggestion);
      else if (geometry)
        report (loader, code, ref->json_path, _("node “%s” is not in %s"), ref->value, basename);
      else if (suggestion != NULL)
        report (loader, code, ref->json_path,
                _("element id “%s” is not in %s (did you mean “%s”?)"),
                ref->value, basename, suggestion);
      else
        report (loader, code, ref->json_path, _("element id “%s” is not in %s"),
                ref->value, basename);
    }
}

/* Ranges --------------------------------------------------------------- */

static void
check_min_max (Loader     *loader,
               const char *path,
               double      minimum,
               double      maximum)
{
  if (minimum >= maximum)
    {
      g_autofree char *min_path = child_path (path, "minimum");

      report (loader, MIMIC_ASSET_ERROR_RANGE, min_path,
              _("minimum %g is not below maximum %g"), minimum, maximum);
    }
}

static gboolean
check_within (Loader     *loader,
              const char *path,
              const char *what,
              double      value,
              double      minimum,
              double      maximum)
{
  if (value < minimum || value > maximum)
    {
      report (loader, MIMIC_ASSET_ERROR_RANGE, path,
              _("%s %g is outside the range %g to %g"), what, value, minimum, maximum);
      return FALSE;
    }

  return TRUE;
}

/* Properties: sensors and parameters ---------------------------------- */

static const char * const property_terms[] = {
  "mimic:role", "mimic:normal", "mimic:alarms", "mimic:node", "mimic:svg",
  "mimic:whatif", "mimic:writable", NULL
};

static const char * const alarm_terms[] = {
  "lolo", "lo", "hi", "hihi", "deadband", "onDelay", "offDelay", NULL
};

static const char * const alarm_limit_terms[] = { "value", "priority", NULL };

static const char * const whatif_terms[] = { "minimum", "maximum", "step", "unit", NULL };

static gboolean
parse_priority (const char         *text,
                MimicAlarmPriority *priority)
{
  for (MimicAlarmPriority p = MIMIC_ALARM_PRIORITY_LOW; p <= MIMIC_ALARM_PRIORITY_CRITICAL; p++)
    {
      if (g_strcmp0 (text, mimic_alarm_priority_to_string (p)) == 0)
        {
          *priority = p;
          return TRUE;
        }
    }

  return FALSE;
}

static void
parse_alarm_limit (Loader           *loader,
                   JsonNode         *node,
                   const char       *path,
                   MimicAlarmLimitKind kind,
                   MimicAssetSensor *sensor)
{
  MimicAlarmLimit *limit = &sensor->alarms.limits[kind];
  double value = 0;

  /* Outer limits are the urgent ones unless the file says otherwise. */
  limit->priority = kind == MIMIC_ALARM_LIMIT_LOLO || kind == MIMIC_ALARM_LIMIT_HIHI
                    ? MIMIC_ALARM_PRIORITY_HIGH : MIMIC_ALARM_PRIORITY_MEDIUM;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *priority = NULL;

      check_keys (loader, object, path, alarm_limit_terms, TRUE);
      if (!read_number (loader, object, path, "value", TRUE, &value))
        return;
      if (read_string (loader, object, path, "priority", FALSE, &priority) &&
          !parse_priority (priority, &limit->priority))
        {
          g_autofree char *priority_path = child_path (path, "priority");

          report (loader, MIMIC_ASSET_ERROR_INVALID, priority_path,
                  _("unknown priority “%s”: use low, medium, high or critical"), priority);
        }
    }
  else if (node_is_number (node))
    {
      if (!read_number_node (loader, path, node, &value))
        return;
    }
  else
    {
      report_type (loader, path, _("a number or an object with “value”"), node);
      return;
    }

  if (!check_within (loader, path, mimic_alarm_limit_kind_to_string (kind), value,
                     sensor->minimum, sensor->maximum))
    return;

  limit->enabled = TRUE;
  limit->value = value;
}

static void
parse_alarms (Loader           *loader,
              JsonObject       *alarms,
              const char       *path,
              MimicAssetSensor *sensor,
              gboolean          range_ok)
{
  MimicAlarmLimitKind previous = MIMIC_N_ALARM_LIMITS;
  double value;

  check_keys (loader, alarms, path, alarm_terms, TRUE);

  if (!range_ok)
    return;

  for (MimicAlarmLimitKind kind = MIMIC_ALARM_LIMIT_LOLO; kind <= MIMIC_ALARM_LIMIT_HIHI; kind++)
    {
      const char *name = mimic_alarm_limit_kind_to_string (kind);
      JsonNode *node = json_object_get_member (alarms, name);
      g_autofree char *limit_path = NULL;

      if (node == NULL)
        continue;

      limit_path = child_path (path, name);
      parse_alarm_limit (loader, node, limit_path, kind, sensor);
      if (!sensor->alarms.limits[kind].enabled)
        continue;

      if (previous != MIMIC_N_ALARM_LIMITS &&
          sensor->alarms.limits[previous].value > sensor->alarms.limits[kind].value)
        report (loader, MIMIC_ASSET_ERROR_ALARM_ORDER, limit_path,
                _("%s %g is below %s %g; limits must be in the order lolo ≤ lo ≤ hi ≤ hihi"),
                name, sensor->alarms.limits[kind].value,
                mimic_alarm_limit_kind_to_string (previous),
                sensor->alarms.limits[previous].value);
      previous = kind;
    }

  if (read_number (loader, alarms, path, "deadband", FALSE, &value))
    {
      g_autofree char *deadband_path = child_path (path, "deadband");

      if (check_within (loader, deadband_path, "deadband", value, 0,
                        sensor->maximum - sensor->minimum))
        sensor->alarms.deadband = value;
    }

  if (read_number (loader, alarms, path, "onDelay", FALSE, &value))
    {
      g_autofree char *delay_path = child_path (path, "onDelay");

      if (check_within (loader, delay_path, "onDelay", value, 0, MAX_DELAY_S))
        sensor->alarms.on_delay_s = value;
    }

  if (read_number (loader, alarms, path, "offDelay", FALSE, &value))
    {
      g_autofree char *delay_path = child_path (path, "offDelay");

      if (check_within (loader, delay_path, "offDelay", value, 0, MAX_DELAY_S))
        sensor->alarms.off_delay_s = value;
    }
}

static void
parse_normal (Loader           *loader,
              JsonObject       *property,
              const char       *path,
              MimicAssetSensor *sensor,
              gboolean          range_ok)
{
  g_autofree char *normal_path = child_path (path, "mimic:normal");
  JsonArray *band = read_array (loader, property, path, "mimic:normal");
  g_autofree char *low_path = NULL;
  g_autofree char *high_path = NULL;
  double low = 0, high = 0;

  if (band == NULL)
    return;

  if (json_array_get_length (band) != 2)
    {
      report (loader, MIMIC_ASSET_ERROR_TYPE, normal_path,
              _("expected an array of two numbers [low, high], found %u elements"),
              json_array_get_length (band));
      return;
    }

  low_path = index_path (normal_path, 0);
  high_path = index_path (normal_path, 1);
  if (!read_number_node (loader, low_path, json_array_get_element (band, 0), &low) ||
      !read_number_node (loader, high_path, json_array_get_element (band, 1), &high))
    return;

  if (low > high)
    {
      report (loader, MIMIC_ASSET_ERROR_RANGE, normal_path,
              _("normal band low %g is above high %g"), low, high);
      return;
    }

  if (range_ok &&
      (!check_within (loader, low_path, _("normal low"), low, sensor->minimum, sensor->maximum) ||
       !check_within (loader, high_path, _("normal high"), high, sensor->minimum, sensor->maximum)))
    return;

  sensor->has_normal = TRUE;
  sensor->normal_low = low;
  sensor->normal_high = high;
}

static gboolean
parse_whatif (Loader              *loader,
              JsonObject          *whatif,
              const char          *path,
              MimicAssetParameter *parameter,
              gboolean             range_ok)
{
  const char *unit = NULL;
  gboolean ok = TRUE;

  check_keys (loader, whatif, path, whatif_terms, TRUE);

  ok &= read_number (loader, whatif, path, "minimum", TRUE, &parameter->whatif_minimum);
  ok &= read_number (loader, whatif, path, "maximum", TRUE, &parameter->whatif_maximum);
  ok &= read_number (loader, whatif, path, "step", TRUE, &parameter->whatif_step);

  if (read_string (loader, whatif, path, "unit", FALSE, &unit) && parameter->unit != NULL &&
      strcmp (unit, parameter->unit) != 0)
    {
      g_autofree char *unit_path = child_path (path, "unit");

      report (loader, MIMIC_ASSET_ERROR_UNIT, unit_path,
              _("unit “%s” differs from the property’s unit “%s”"), unit, parameter->unit);
      ok = FALSE;
    }

  if (!ok)
    return FALSE;

  if (parameter->whatif_minimum >= parameter->whatif_maximum)
    {
      check_min_max (loader, path, parameter->whatif_minimum, parameter->whatif_maximum);
      return FALSE;
    }

  if (range_ok)
    {
      g_autofree char *min_path = child_path (path, "minimum");
      g_autofree char *max_path = child_path (path, "maximum");

      ok &= check_within (loader, min_path, "minimum", parameter->whatif_minimum,
                          parameter->minimum, parameter->maximum);
      ok &= check_within (loader, max_path, "maximum", parameter->whatif_maximum,
                          parameter->minimum, parameter->maximum);
    }

  if (parameter->whatif_step <= 0 ||
      parameter->whatif_step > parameter->whatif_maximum - parameter->whatif_minimum)
    {
      g_autofree char *step_path = child_path (path, "step");

      report (loader, MIMIC_ASSET_ERROR_RANGE, step_path,
              _("step %g must be above 0 and at most the slider’s span %g"),
              parameter->whatif_step, parameter->whatif_maximum - parameter->whatif_minimum);
      ok = FALSE;
    }

  return ok;
}

static void
parse_property (Loader     *loader,
                const char *id,
                JsonNode   *node,
                const char *path)
{
  MimicAsset *asset = loader->asset;
  JsonObject *property;
  const char *role = "sensor", *type = NULL, *unit = NULL;
  const char *title = NULL, *description = NULL;
  const char *node_path = NULL, *svg_id = NULL;
  gboolean is_sensor, has_min, has_max, range_ok, writable = FALSE, read_only = FALSE;
  gboolean has_read_only, has_default;
  double minimum = 0, maximum = 0, default_value = 0;
  JsonObject *alarms, *whatif;

  check_id (loader, path, id);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_type (loader, path, _("an object"), node);
      return;
    }
  property = json_node_get_object (node);
  check_keys (loader, property, path, property_terms, FALSE);

  if (read_string (loader, property, path, "mimic:role", FALSE, &role) &&
      strcmp (role, "sensor") != 0 && strcmp (role, "parameter") != 0)
    {
      g_autofree char *role_path = child_path (path, "mimic:role");

      report (loader, MIMIC_ASSET_ERROR_INVALID, role_path,
              _("unknown role “%s”: use sensor or parameter"), role);
      return;
    }
  is_sensor = strcmp (role, "sensor") == 0;

  if (read_string (loader, property, path, "type", TRUE, &type) &&
      strcmp (type, "number") != 0 && strcmp (type, "integer") != 0)
    {
      g_autofree char *type_path = child_path (path, "type");

      report (loader, MIMIC_ASSET_ERROR_TYPE, type_path,
              _("type “%s” is not numeric: sensors and parameters are “number” or “integer”"),
              type);
    }

  read_string (loader, property, path, "title", FALSE, &title);
  read_string (loader, property, path, "description", FALSE, &description);

  if (json_object_get_member (property, "unit") == NULL ||
      (read_string (loader, property, path, "unit", FALSE, &unit) && *unit == '\0'))
    {
      g_autofree char *unit_path = child_path (path, "unit");

      report (loader, MIMIC_ASSET_ERROR_UNIT, unit_path,
              _("a number needs a unit; write “1” for a dimensionless quantity"));
      unit = NULL;
    }

  has_min = read_number (loader, property, path, "minimum", TRUE, &minimum);
  has_max = read_number (loader, property, path, "maximum", TRUE, &maximum);
  range_ok = has_min && has_max && minimum < maximum;
  if (has_min && has_max)
    check_min_max (loader, path, minimum, maximum);

  has_read_only = read_boolean (loader, property, path, "readOnly", &read_only);
  read_boolean (loader, property, path, "mimic:writable", &writable);
  read_string (loader, property, path, "mimic:node", FALSE, &node_path);
  read_string (loader, property, path, "mimic:svg", FALSE, &svg_id);
  alarms = read_object (loader, property, path, "mimic:alarms", FALSE);
  whatif = read_object (loader, property, path, "mimic:whatif", FALSE);

  has_default = read_number (loader, property, path, "default", FALSE, &default_value);
  if (has_default && range_ok)
    {
      g_autofree char *default_path = child_path (path, "default");

      check_within (loader, default_path, "default", default_value, minimum, maximum);
    }

  if (is_sensor)
    {
      MimicAssetSensor *sensor;

      if (writable)
        {
          g_autofree char *writable_path = child_path (path, "mimic:writable");

          report (loader, MIMIC_ASSET_ERROR_INVALID, writable_path,
                  _("a sensor cannot be written; "
                    "declare a parameter with “mimic:role”: “parameter”"));
        }

      sensor = g_new0 (MimicAssetSensor, 1);
      sensor->id = intern (loader, id);
      sensor->title = intern (loader, title != NULL ? title : id);
      sensor->description = intern (loader, description);
      sensor->unit = intern (loader, unit);
      sensor->integer = g_strcmp0 (type, "integer") == 0;
      sensor->minimum = minimum;
      sensor->maximum = maximum;
      sensor->node_path = intern (loader, node_path);
      sensor->svg_id = intern (loader, svg_id);

      parse_normal (loader, property, path, sensor, range_ok);
      if (alarms != NULL)
        {
          g_autofree char *alarms_path = child_path (path, "mimic:alarms");

          parse_alarms (loader, alarms, alarms_path, sensor, range_ok);
        }

      if (node_path != NULL)
        {
          g_autofree char *node_json_path = child_path (path, "mimic:node");

          add_sensor_ref (loader->node_refs, node_json_path, node_path);
        }

      if (svg_id != NULL)
        {
          g_autofree char *svg_json_path = child_path (path, "mimic:svg");

          /* Two sensors coloured through one element would fight over it. */
          for (guint i = 0; i < asset->sensors->len; i++)
            {
              MimicAssetSensor *other = g_ptr_array_index (asset->sensors, i);

              if (g_strcmp0 (other->svg_id, svg_id) == 0)
                report (loader, MIMIC_ASSET_ERROR_DUPLICATE, svg_json_path,
                        _("element id “%s” is already bound to sensor “%s”"), svg_id, other->id);
            }
          add_sensor_ref (loader->svg_refs, svg_json_path, svg_id);
        }

      g_ptr_array_add (asset->sensors, sensor);
      g_hash_table_replace (asset->sensors_by_id, (gpointer) sensor->id, sensor);
    }
  else
    {
      static const char * const sensor_only[] = {
        "mimic:normal", "mimic:alarms", "mimic:node", "mimic:svg", NULL
      };

      for (guint i = 0; sensor_only[i] != NULL; i++)
        {
          if (json_object_has_member (property, sensor_only[i]))
            {
              g_autofree char *term_path = child_path (path, sensor_only[i]);

              report (loader, MIMIC_ASSET_ERROR_INVALID, term_path,
                      _("“%s” applies to sensors only"), sensor_only[i]);
            }
        }

      if (has_read_only && read_only && writable)
        {
          g_autofree char *writable_path = child_path (path, "mimic:writable");

          report (loader, MIMIC_ASSET_ERROR_INVALID, writable_path,
                  _("a parameter marked “readOnly” cannot be “mimic:writable”"));
        }
    }

  /* A sensor with a what-if slider is also a parameter: the slider
   * overrides the measured value in a prediction. */
  if (!is_sensor || whatif != NULL)
    {
      MimicAssetParameter *parameter = g_new0 (MimicAssetParameter, 1);
      gboolean whatif_ok = FALSE;

      parameter->id = intern (loader, id);
      parameter->title = intern (loader, title != NULL ? title : id);
      parameter->description = intern (loader, description);
      parameter->unit = intern (loader, unit);
      parameter->minimum = minimum;
      parameter->maximum = maximum;
      parameter->writable = !is_sensor && writable;
      parameter->is_sensor = is_sensor;

      if (whatif != NULL)
        {
          g_autofree char *whatif_path = child_path (path, "mimic:whatif");

          whatif_ok = parse_whatif (loader, whatif, whatif_path, parameter, range_ok);
          parameter->has_whatif = whatif_ok;
        }

      if (!has_default && json_object_get_member (property, "default") == NULL)
        report_missing (loader, path, "default");
      else if (has_default)
        {
          g_autofree char *default_path = child_path (path, "default");

          parameter->default_value = default_value;
          if (whatif_ok)
            check_within (loader, default_path, "default", default_value,
                          parameter->whatif_minimum, parameter->whatif_maximum);
        }

      g_ptr_array_add (asset->parameters, parameter);
      g_hash_table_replace (asset->parameters_by_id, (gpointer) parameter->id, parameter);
    }
}

/* Actions: commands ---------------------------------------------------- */

static const char * const action_terms[] = {
  "mimic:timeout", "mimic:selectBeforeOperate", NULL
};

static void
mimic_asset_command_free (MimicAssetCommand *command)
{
  g_ptr_array_unref (command->arguments);
  g_free (command);
}

static void
parse_argument (Loader            *loader,
                MimicAssetCommand *command,
                const char        *name,
                JsonNode          *node,
                const char        *path)
{
  static const char * const type_names[] = { "number", "integer", "boolean", "string" };
  MimicAssetArgument *argument;
  JsonObject *schema;
  const char *type = NULL, *unit = NULL, *title = NULL;
  gboolean known_type = FALSE;

  check_id (loader, path, name);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_type (loader, path, _("an object"), node);
      return;
    }
  schema = json_node_get_object (node);
  check_keys (loader, schema, path, NULL, FALSE);

  argument = g_new0 (MimicAssetArgument, 1);
  argument->name = intern (loader, name);

  if (read_string (loader, schema, path, "type", TRUE, &type))
    {
      for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
        {
          if (strcmp (type, type_names[i]) == 0)
            {
              argument->type = (MimicAssetValueType) i;
              known_type = TRUE;
            }
        }

      if (!known_type)
        {
          g_autofree char *type_path = child_path (path, "type");

          report (loader, MIMIC_ASSET_ERROR_TYPE, type_path,
                  _("unknown type “%s”: use number, integer, boolean or string"), type);
        }
    }

  read_string (loader, schema, path, "title", FALSE, &title);
  argument->title = intern (loader, title != NULL ? title : name);

  if (known_type && (argument->type == MIMIC_ASSET_VALUE_NUMBER ||
                     argument->type == MIMIC_ASSET_VALUE_INTEGER))
    {
      if (json_object_get_member (schema, "unit") == NULL ||
          (read_string (loader, schema, path, "unit", FALSE, &unit) && *unit == '\0'))
        {
          g_autofree char *unit_path = child_path (path, "unit");

          report (loader, MIMIC_ASSET_ERROR_UNIT, unit_path,
                  _("a number needs a unit; write “1” for a dimensionless quantity"));
        }
      else if (unit != NULL)
        argument->unit = intern (loader, unit);

      argument->has_minimum = read_number (loader, schema, path, "minimum", FALSE,
                                           &argument->minimum);
      argument->has_maximum = read_number (loader, schema, path, "maximum", FALSE,
                                           &argument->maximum);
      if (argument->has_minimum && argument->has_maximum && argument->minimum > argument->maximum)
        {
          g_autofree char *min_path = child_path (path, "minimum");

          report (loader, MIMIC_ASSET_ERROR_RANGE, min_path,
                  _("minimum %g is above maximum %g"), argument->minimum, argument->maximum);
        }
    }

  g_ptr_array_add (command->arguments, argument);
}

static void
parse_action (Loader     *loader,
              const char *id,
              JsonNode   *node,
              const char *path)
{
  MimicAsset *asset = loader->asset;
  MimicAssetCommand *command;
  JsonObject *action, *input;
  const char *title = NULL, *description = NULL;

  check_id (loader, path, id);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_type (loader, path, _("an object"), node);
      return;
    }
  action = json_node_get_object (node);
  check_keys (loader, action, path, action_terms, FALSE);

  command = g_new0 (MimicAssetCommand, 1);
  command->arguments = g_ptr_array_new_with_free_func (g_free);
  command->id = intern (loader, id);
  read_string (loader, action, path, "title", FALSE, &title);
  read_string (loader, action, path, "description", FALSE, &description);
  command->title = intern (loader, title != NULL ? title : id);
  command->description = intern (loader, description);

  command->timeout_s = DEFAULT_COMMAND_TIMEOUT_S;
  if (read_number (loader, action, path, "mimic:timeout", FALSE, &command->timeout_s) &&
      (command->timeout_s <= 0 || command->timeout_s > MAX_COMMAND_TIMEOUT_S))
    {
      g_autofree char *timeout_path = child_path (path, "mimic:timeout");

      report (loader, MIMIC_ASSET_ERROR_RANGE, timeout_path,
              _("timeout %g s must be above 0 and at most %g s"),
              command->timeout_s, MAX_COMMAND_TIMEOUT_S);
    }
  read_boolean (loader, action, path, "mimic:selectBeforeOperate", &command->select_before_operate);

  input = read_object (loader, action, path, "input", FALSE);
  if (input != NULL)
    {
      g_autofree char *input_path = child_path (path, "input");
      const char *type = NULL;
      JsonObject *arguments;
      JsonArray *required;

      if (read_string (loader, input, input_path, "type", FALSE, &type) &&
          strcmp (type, "object") != 0)
        {
          g_autofree char *type_path = child_path (input_path, "type");

          report (loader, MIMIC_ASSET_ERROR_TYPE, type_path,
                  _("a command’s input is an object schema; found type “%s”"), type);
        }

      arguments = read_object (loader, input, input_path, "properties", FALSE);
      if (arguments != NULL)
        {
          g_autofree char *arguments_path = child_path (input_path, "properties");
          g_autoptr(GList) names = json_object_get_members (arguments);

          for (GList *l = names; l != NULL; l = l->next)
            {
              g_autofree char *argument_path = child_path (arguments_path, l->data);

              parse_argument (loader, command, l->data,
                              json_object_get_member (arguments, l->data), argument_path);
            }
        }

      required = read_array (loader, input, input_path, "required");
      for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
        {
          g_autofree char *required_path = child_path (input_path, "required");
          g_autofree char *element_path = index_path (required_path, i);
          JsonNode *element = json_array_get_element (required, i);
          const MimicAssetArgument *argument;

          if (!node_is_string (element))
            {
              report_type (loader, element_path, _("a string"), element);
              continue;
            }

          argument = mimic_asset_command_get_argument (command, json_node_get_string (element));
          if (argument == NULL)
            report (loader, MIMIC_ASSET_ERROR_INVALID, element_path,
                    _("“%s” is required but not declared in “properties”"),
                    json_node_get_string (element));
          else
            ((MimicAssetArgument *) argument)->required = TRUE;
        }
    }

  g_ptr_array_add (asset->commands, command);
  g_hash_table_replace (asset->commands_by_id, (gpointer) command->id, command);
}

/* Bindings ------------------------------------------------------------- */

static const char * const binding_terms[] = { "topic", "device", "timestamp", "sensors", NULL };
static const char * const binding_device_terms[] = { "topicLevel", "pointer", NULL };
static const char * const binding_timestamp_terms[] = { "pointer", "unit", NULL };
static const char * const binding_value_terms[] = { "pointer", "scale", "offset", NULL };

static void
mimic_asset_binding_free (MimicAssetBinding *binding)
{
  g_ptr_array_unref (binding->values);
  g_free (binding);
}

static gboolean
is_valid_topic_filter (const char *filter)
{
  g_auto(GStrv) levels = NULL;
  guint n_levels;

  if (*filter == '\0' || strlen (filter) > 65535 || !g_utf8_validate (filter, -1, NULL))
    return FALSE;

  levels = g_strsplit (filter, "/", -1);
  n_levels = g_strv_length (levels);
  for (guint i = 0; i < n_levels; i++)
    {
      const char *level = levels[i];

      if (strchr (level, '#') != NULL && (strcmp (level, "#") != 0 || i != n_levels - 1))
        return FALSE;
      if (strchr (level, '+') != NULL && strcmp (level, "+") != 0)
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_valid_json_pointer (const char *pointer)
{
  if (*pointer != '\0' && *pointer != '/')
    return FALSE;

  for (const char *p = pointer; *p != '\0'; p++)
    {
      if (*p == '~' && p[1] != '0' && p[1] != '1')
        return FALSE;
    }

  return TRUE;
}

static const char *
read_pointer (Loader     *loader,
              JsonObject *object,
              const char *parent,
              const char *key,
              gboolean    required)
{
  const char *pointer = NULL;

  if (!read_string (loader, object, parent, key, required, &pointer))
    return NULL;

  if (!is_valid_json_pointer (pointer))
    {
      g_autofree char *path = child_path (parent, key);

      report (loader, MIMIC_ASSET_ERROR_INVALID, path,
              _("“%s” is not a JSON Pointer: it must be empty or start with “/”, "
                "and “~” must be followed by 0 or 1"),
              pointer);
      return NULL;
    }

  return pointer;
}

static void
parse_binding_value (Loader            *loader,
                     MimicAssetBinding *binding,
                     const char        *sensor_id,
                     JsonNode          *node,
                     const char        *path)
{
  MimicAssetBindingValue *value;
  const char *pointer = NULL;
  double scale = 1, offset = 0;

  if (!g_hash_table_contains (loader->asset->sensors_by_id, sensor_id))
    {
      report (loader, MIMIC_ASSET_ERROR_INVALID, path,
              _("“%s” is not a sensor of this asset"), sensor_id);
      return;
    }

  if (node_is_string (node))
    {
      pointer = json_node_get_string (node);
      if (!is_valid_json_pointer (pointer))
        {
          report (loader, MIMIC_ASSET_ERROR_INVALID, path,
                  _("“%s” is not a JSON Pointer: it must be empty or start with “/”, "
                    "and “~” must be followed by 0 or 1"),
                  pointer);
          return;
        }
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      check_keys (loader, object, path, binding_value_terms, TRUE);
      pointer = read_pointer (loader, object, path, "pointer", TRUE);
      read_number (loader, object, path, "scale", FALSE, &scale);
      read_number (loader, object, path, "offset", FALSE, &offset);
      if (scale == 0)
        {
          g_autofree char *scale_path = child_path (path, "scale");

          report (loader, MIMIC_ASSET_ERROR_RANGE, scale_path, _("scale must not be 0"));
          return;
        }
      if (pointer == NULL)
        return;
    }
  else
    {
      report_type (loader, path, _("a JSON Pointer string or an object with “pointer”"), node);
      return;
    }

  value = g_new0 (MimicAssetBindingValue, 1);
  value->sensor_id = intern (loader, sensor_id);
  value->pointer = intern (loader, pointer);
  value->scale = scale;
  value->offset = offset;
  g_ptr_array_add (binding->values, value);
}

static void
parse_binding (Loader     *loader,
               JsonNode   *node,
               const char *path)
{
  MimicAssetBinding *binding;
  JsonObject *object, *device, *timestamp, *sensors;
  const char *topic = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      report_type (loader, path, _("an object"), node);
      return;
    }
  object = json_node_get_object (node);
  check_keys (loader, object, path, binding_terms, TRUE);

  binding = g_new0 (MimicAssetBinding, 1);
  binding->values = g_ptr_array_new_with_free_func (g_free);
  binding->device_level = -1;
  g_ptr_array_add (loader->asset->bindings, binding);

  if (read_string (loader, object, path, "topic", TRUE, &topic))
    {
      if (!is_valid_topic_filter (topic))
        {
          g_autofree char *topic_path = child_path (path, "topic");

          report (loader, MIMIC_ASSET_ERROR_INVALID, topic_path,
                  _("“%s” is not an MQTT topic filter: “+” and “#” must fill a whole level, "
                    "and “#” must be last"),
                  topic);
          topic = NULL;
        }
      binding->topic_filter = intern (loader, topic);
    }

  device = read_object (loader, object, path, "device", TRUE);
  if (device != NULL)
    {
      g_autofree char *device_path = child_path (path, "device");
      gboolean has_level = json_object_has_member (device, "topicLevel");
      gboolean has_pointer = json_object_has_member (device, "pointer");
      double level = 0;

      check_keys (loader, device, device_path, binding_device_terms, TRUE);
      if (has_level == has_pointer)
        report (loader, MIMIC_ASSET_ERROR_INVALID, device_path,
                _("give exactly one of “topicLevel” and “pointer”"));
      else if (has_pointer)
        binding->device_pointer = intern (loader, read_pointer (loader, device, device_path,
                                                                "pointer", TRUE));
      else if (read_number (loader, device, device_path, "topicLevel", TRUE, &level) &&
               topic != NULL)
        {
          g_autofree char *level_path = child_path (device_path, "topicLevel");
          g_auto(GStrv) levels = g_strsplit (topic, "/", -1);

          if (level != floor (level) || level < 0 || level >= g_strv_length (levels) ||
              strcmp (levels[(guint) level], "+") != 0)
            report (loader, MIMIC_ASSET_ERROR_INVALID, level_path,
                    _("topic level %g of “%s” is not a “+” wildcard; levels count from 0"),
                    level, topic);
          else
            binding->device_level = (int) level;
        }
    }

  timestamp = read_object (loader, object, path, "timestamp", FALSE);
  if (timestamp != NULL)
    {
      static const struct { const char *name; MimicTimestampUnit unit; } units[] = {
        { "s", MIMIC_TIMESTAMP_SECONDS },
        { "ms", MIMIC_TIMESTAMP_MILLISECONDS },
        { "iso8601", MIMIC_TIMESTAMP_ISO8601 },
      };
      g_autofree char *timestamp_path = child_path (path, "timestamp");
      const char *unit = NULL;

      check_keys (loader, timestamp, timestamp_path, binding_timestamp_terms, TRUE);
      binding->timestamp_pointer = intern (loader, read_pointer (loader, timestamp, timestamp_path,
                                                                 "pointer", TRUE));
      if (read_string (loader, timestamp, timestamp_path, "unit", TRUE, &unit))
        {
          gboolean found = FALSE;

          for (guint i = 0; i < G_N_ELEMENTS (units); i++)
            {
              if (strcmp (unit, units[i].name) == 0)
                {
                  binding->timestamp_unit = units[i].unit;
                  found = TRUE;
                }
            }

          if (!found)
            {
              g_autofree char *unit_path = child_path (timestamp_path, "unit");

              report (loader, MIMIC_ASSET_ERROR_UNIT, unit_path,
                      _("unknown timestamp unit “%s”: use s, ms or iso8601"), unit);
            }
        }
      if (binding->timestamp_pointer == NULL)
        binding->timestamp_unit = MIMIC_TIMESTAMP_ARRIVAL;
    }

  sensors = read_object (loader, object, path, "sensors", TRUE);
  if (sensors != NULL)
    {
      g_autofree char *sensors_path = child_path (path, "sensors");
      g_autoptr(GList) names = json_object_get_members (sensors);

      if (names == NULL)
        report (loader, MIMIC_ASSET_ERROR_MISSING, sensors_path,
                _("a binding maps at least one sensor"));

      for (GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *value_path = child_path (sensors_path, l->data);

          parse_binding_value (loader, binding, l->data,
                               json_object_get_member (sensors, l->data), value_path);
        }
    }
}

/* Model ---------------------------------------------------------------- */

static const char * const model_terms[] = { "name", "parameters", NULL };

static void
parse_model (Loader     *loader,
             JsonObject *model,
             const char *path)
{
  MimicAsset *asset = loader->asset;
  const char *name = NULL;
  JsonObject *parameters;

  check_keys (loader, model, path, model_terms, TRUE);
  if (read_string (loader, model, path, "name", TRUE, &name))
    {
      g_autofree char *name_path = child_path (path, "name");

      if (check_id (loader, name_path, name))
        asset->model_name = g_strdup (name);
    }

  parameters = read_object (loader, model, path, "parameters", FALSE);
  if (parameters != NULL)
    {
      g_autofree char *parameters_path = child_path (path, "parameters");
      g_autoptr(GList) names = json_object_get_members (parameters);

      for (GList *l = names; l != NULL; l = l->next)
        {
          double value;

          if (read_number (loader, parameters, parameters_path, l->data, TRUE, &value))
            {
              const char *key = intern (loader, l->data);

              g_ptr_array_add (asset->model_parameter_names, (gpointer) key);
              g_hash_table_replace (asset->model_parameters, (gpointer) key,
                                    g_memdup2 (&value, sizeof value));
            }
        }
    }
}

/* Top level ------------------------------------------------------------ */

static const char * const top_level_terms[] = {
  "mimic:geometry", "mimic:schematic", "mimic:model", "mimic:bindings", NULL
};

static void
parse_description (Loader     *loader,
                   JsonObject *root)
{
  MimicAsset *asset = loader->asset;
  const char *id = NULL, *title = NULL, *description = NULL;
  const char *geometry = NULL, *schematic = NULL;
  JsonObject *properties_object, *actions, *model;
  JsonArray *bindings;
  JsonNode *context;

  check_keys (loader, root, "$", top_level_terms, FALSE);

  context = json_object_get_member (root, "@context");
  if (context == NULL)
    report_missing (loader, "$", "@context");
  else if (!node_is_string (context) && !JSON_NODE_HOLDS_ARRAY (context))
    report_type (loader, "$.@context", _("a string or an array"), context);

  if (read_string (loader, root, "$", "id", TRUE, &id) && check_id (loader, "$.id", id))
    asset->id = g_strdup (id);
  if (read_string (loader, root, "$", "title", TRUE, &title))
    asset->title = g_strdup (title);
  if (read_string (loader, root, "$", "description", FALSE, &description))
    asset->description = g_strdup (description);

  if (read_string (loader, root, "$", "mimic:geometry", FALSE, &geometry))
    asset->geometry_path = resolve_relative_file (loader, "$.mimic:geometry", geometry);
  if (read_string (loader, root, "$", "mimic:schematic", FALSE, &schematic))
    asset->schematic_path = resolve_relative_file (loader, "$.mimic:schematic", schematic);

  model = read_object (loader, root, "$", "mimic:model", FALSE);
  if (model != NULL)
    parse_model (loader, model, "$.mimic:model");

  properties_object = read_object (loader, root, "$", "properties", TRUE);
  if (properties_object != NULL)
    {
      g_autoptr(GList) ids = json_object_get_members (properties_object);

      for (GList *l = ids; l != NULL; l = l->next)
        {
          g_autofree char *path = child_path ("$.properties", l->data);

          parse_property (loader, l->data, json_object_get_member (properties_object, l->data),
                          path);
        }
    }

  actions = read_object (loader, root, "$", "actions", FALSE);
  if (actions != NULL)
    {
      g_autoptr(GList) ids = json_object_get_members (actions);

      for (GList *l = ids; l != NULL; l = l->next)
        {
          g_autofree char *path = child_path ("$.actions", l->data);

          parse_action (loader, l->data, json_object_get_member (actions, l->data), path);
        }
    }

  bindings = read_array (loader, root, "$", "mimic:bindings");
  for (guint i = 0; bindings != NULL && i < json_array_get_length (bindings); i++)
    {
      g_autofree char *path = index_path ("$.mimic:bindings", i);

      parse_binding (loader, json_array_get_element (bindings, i), path);
    }

  if (loader->node_refs->len > 0 || asset->geometry_path != NULL)
    check_references (loader, asset->geometry_path, "$.mimic:geometry", loader->node_refs, TRUE);
  if (loader->svg_refs->len > 0 || asset->schematic_path != NULL)
    check_references (loader, asset->schematic_path, "$.mimic:schematic", loader->svg_refs, FALSE);
}

static void
report_parse_error (Loader       *loader,
                    const GError *error)
{
  guint line = 0, column = 0;
  const char *message = error->message;
  int consumed = 0;

  /* json-glib writes "<data>:LINE:COLUMN: reason". */
  if (g_str_has_prefix (message, "<data>:"))
    message += strlen ("<data>:");
  if (sscanf (message, "%u:%u: %n", &line, &column, &consumed) == 2 && consumed > 0)
    report (loader, MIMIC_ASSET_ERROR_SYNTAX, "$",
            _("malformed JSON at %u:%u: %s"), line, column, message + consumed);
  else
    report (loader, MIMIC_ASSET_ERROR_SYNTAX, "$", _("malformed JSON: %s"), message);
}

static MimicAsset *
load (const char  *data,
      gsize        length,
      const char  *display_name,
      GPtrArray  **problems_out)
{
  GDestroyNotify free_problem = (GDestroyNotify) mimic_asset_problem_free;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (free_problem);
  g_autoptr(GPtrArray) scan_problems = g_ptr_array_new_with_free_func (free_problem);
  g_autoptr(MimicAsset) asset = g_object_new (MIMIC_TYPE_ASSET, NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (display_name);
  Loader loader = { 0 };
  JsonNode *root;

  loader.display_name = display_name;
  loader.base_dir = g_canonicalize_filename (dir, NULL);
  loader.problems = problems;
  loader.asset = asset;
  loader.node_refs = g_ptr_array_new_with_free_func ((GDestroyNotify) sensor_ref_free);
  loader.svg_refs = g_ptr_array_new_with_free_func ((GDestroyNotify) sensor_ref_free);
  asset->file = g_canonicalize_filename (display_name, NULL);

  if (length > MAX_DESCRIPTION_BYTES)
    report (&loader, MIMIC_ASSET_ERROR_IO, "$",
            _("the description is larger than %u MiB"),
            (guint) (MAX_DESCRIPTION_BYTES / (1024 * 1024)));
  else if (!g_utf8_validate_len (data, length, NULL))
    report (&loader, MIMIC_ASSET_ERROR_SYNTAX, "$", _("the description is not UTF-8 text"));
  else if (scan_json_text (&loader, data, length, scan_problems))
    {
      if (!mimic_json_parser_load_from_data (parser, data, length, &error))
        report_parse_error (&loader, error);
      else if ((root = json_parser_get_root (parser)) == NULL)
        report (&loader, MIMIC_ASSET_ERROR_SYNTAX, "$", _("the description is empty"));
      else if (!JSON_NODE_HOLDS_OBJECT (root))
        report_type (&loader, "$", _("an object"), root);
      else
        {
          gboolean wrapped = FALSE;

          /* An integer that json-glib wrapped would only cause confusing
           * follow-up errors about the wrong number. */
          for (guint i = 0; i < scan_problems->len; i++)
            wrapped |= ((MimicAssetProblem *) g_ptr_array_index (scan_problems, i))->code ==
                       MIMIC_ASSET_ERROR_NON_FINITE;

          g_ptr_array_extend_and_steal (problems, g_steal_pointer (&scan_problems));
          if (!wrapped)
            parse_description (&loader, json_node_get_object (root));
        }
    }

  g_free (loader.base_dir);
  g_ptr_array_unref (loader.node_refs);
  g_ptr_array_unref (loader.svg_refs);

  if (problems->len > 0)
    g_clear_object (&asset);

  if (problems_out != NULL)
    *problems_out = g_steal_pointer (&problems);
  return g_steal_pointer (&asset);
}

MimicAsset *
mimic_asset_load_data (const char  *data,
                       gsize        length,
                       const char  *display_name,
                       GPtrArray  **problems)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  return load (data != NULL ? data : "", length, display_name, problems);
}

MimicAsset *
mimic_asset_load_file (const char  *path,
                       GPtrArray  **problems)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!read_small_file (path, MAX_DESCRIPTION_BYTES, &contents, &length, &error))
    {
      if (problems != NULL)
        {
          MimicAssetProblem *problem = g_new0 (MimicAssetProblem, 1);

          problem->code = MIMIC_ASSET_ERROR_IO;
          problem->file = g_strdup (path);
          problem->json_path = g_strdup ("$");
          problem->reason = g_strdup (error->message);
          *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_asset_problem_free);
          g_ptr_array_add (*problems, problem);
        }
      return NULL;
    }

  return load (contents, length, path, problems);
}

static MimicAsset *
problems_to_error (MimicAsset  *asset,
                   GPtrArray   *problems,
                   GError     **error)
{
  g_autoptr(GString) message = NULL;

  if (asset != NULL)
    return asset;

  message = g_string_new (NULL);
  for (guint i = 0; i < problems->len; i++)
    {
      g_autofree char *line = mimic_asset_problem_to_string (g_ptr_array_index (problems, i));

      if (i > 0)
        g_string_append_c (message, '\n');
      g_string_append (message, line);
    }

  g_set_error_literal (error, MIMIC_ASSET_ERROR,
                       ((MimicAssetProblem *) g_ptr_array_index (problems, 0))->code,
                       message->str);
  return NULL;
}

MimicAsset *
mimic_asset_new_from_file (const char  *path,
                           GError     **error)
{
  g_autoptr(GPtrArray) problems = NULL;
  MimicAsset *asset;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  asset = mimic_asset_load_file (path, &problems);
  return problems_to_error (asset, problems, error);
}

MimicAsset *
mimic_asset_new_from_data (const char  *data,
                           gsize        length,
                           const char  *display_name,
                           GError     **error)
{
  g_autoptr(GPtrArray) problems = NULL;
  MimicAsset *asset;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  asset = mimic_asset_load_data (data, length, display_name, &problems);
  return problems_to_error (asset, problems, error);
}

/* GObject -------------------------------------------------------------- */

static void
mimic_asset_finalize (GObject *object)
{
  MimicAsset *self = (MimicAsset *) object;

  g_free (self->file);
  g_free (self->id);
  g_free (self->title);
  g_free (self->description);
  g_free (self->geometry_path);
  g_free (self->schematic_path);
  g_free (self->model_name);
  g_hash_table_unref (self->sensors_by_id);
  g_ptr_array_unref (self->sensors);
  g_hash_table_unref (self->parameters_by_id);
  g_ptr_array_unref (self->parameters);
  g_hash_table_unref (self->commands_by_id);
  g_ptr_array_unref (self->commands);
  g_ptr_array_unref (self->bindings);
  g_ptr_array_unref (self->model_parameter_names);
  g_hash_table_unref (self->model_parameters);
  g_string_chunk_free (self->strings);

  G_OBJECT_CLASS (mimic_asset_parent_class)->finalize (object);
}

static void
mimic_asset_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  MimicAsset *self = MIMIC_ASSET (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_FILE:
      g_value_set_string (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_asset_class_init (MimicAssetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_asset_finalize;
  object_class->get_property = mimic_asset_get_property;

  /* An asset is immutable once loaded; a changed file is a new asset. */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_string ("file", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_asset_init (MimicAsset *self)
{
  self->strings = g_string_chunk_new (1024);
  self->sensors = g_ptr_array_new_with_free_func (g_free);
  self->sensors_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->parameters = g_ptr_array_new_with_free_func (g_free);
  self->parameters_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_asset_command_free);
  self->commands_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->bindings = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_asset_binding_free);
  self->model_parameter_names = g_ptr_array_new ();
  self->model_parameters = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

/* Accessors ------------------------------------------------------------ */

const char *
mimic_asset_get_id (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->id;
}

const char *
mimic_asset_get_title (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->title;
}

const char *
mimic_asset_get_description (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->description;
}

const char *
mimic_asset_get_file (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->file;
}

const char *
mimic_asset_get_geometry_path (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->geometry_path;
}

const char *
mimic_asset_get_schematic_path (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->schematic_path;
}

GPtrArray *
mimic_asset_get_sensors (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->sensors;
}

const MimicAssetSensor *
mimic_asset_get_sensor (MimicAsset *self,
                        const char *id)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->sensors_by_id, id);
}

GPtrArray *
mimic_asset_get_parameters (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->parameters;
}

const MimicAssetParameter *
mimic_asset_get_parameter (MimicAsset *self,
                           const char *id)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->parameters_by_id, id);
}

GPtrArray *
mimic_asset_get_commands (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->commands;
}

const MimicAssetCommand *
mimic_asset_get_command (MimicAsset *self,
                         const char *id)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->commands_by_id, id);
}

/* Commands have a handful of arguments; a scan is as quick as a table. */
const MimicAssetArgument *
mimic_asset_command_get_argument (const MimicAssetCommand *command,
                                  const char              *name)
{
  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < command->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (command->arguments, i);

      if (strcmp (argument->name, name) == 0)
        return argument;
    }

  return NULL;
}

GPtrArray *
mimic_asset_get_bindings (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->bindings;
}

const char *
mimic_asset_get_model_name (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->model_name;
}

GPtrArray *
mimic_asset_get_model_parameter_names (MimicAsset *self)
{
  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);
  return self->model_parameter_names;
}

gboolean
mimic_asset_get_model_parameter (MimicAsset *self,
                                 const char *name,
                                 double     *value)
{
  double *stored;

  g_return_val_if_fail (MIMIC_IS_ASSET (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  stored = g_hash_table_lookup (self->model_parameters, name);
  if (stored == NULL)
    return FALSE;

  if (value != NULL)
    *value = *stored;
  return TRUE;
}

char *
mimic_asset_describe_contents (MimicAsset *self)
{
  g_autofree char *sensors = NULL;
  g_autofree char *parameters = NULL;
  g_autofree char *commands = NULL;

  g_return_val_if_fail (MIMIC_IS_ASSET (self), NULL);

  sensors = g_strdup_printf (ngettext ("%u sensor", "%u sensors", self->sensors->len),
                             self->sensors->len);
  parameters = g_strdup_printf (ngettext ("%u parameter", "%u parameters", self->parameters->len),
                                self->parameters->len);
  commands = g_strdup_printf (ngettext ("%u command", "%u commands", self->commands->len),
                              self->commands->len);

  return g_strdup_printf ("%s, %s, %s", sensors, parameters, commands);
}

const char *
mimic_alarm_priority_to_string (MimicAlarmPriority priority)
{
  switch (priority)
    {
    case MIMIC_ALARM_PRIORITY_LOW:
      return "low";
    case MIMIC_ALARM_PRIORITY_MEDIUM:
      return "medium";
    case MIMIC_ALARM_PRIORITY_HIGH:
      return "high";
    case MIMIC_ALARM_PRIORITY_CRITICAL:
      return "critical";
    default:
      return "unknown";
    }
}

const char *
mimic_alarm_limit_kind_to_string (MimicAlarmLimitKind kind)
{
  switch (kind)
    {
    case MIMIC_ALARM_LIMIT_LOLO:
      return "lolo";
    case MIMIC_ALARM_LIMIT_LO:
      return "lo";
    case MIMIC_ALARM_LIMIT_HI:
      return "hi";
    case MIMIC_ALARM_LIMIT_HIHI:
      return "hihi";
    default:
      return "unknown";
    }
}
