/* test-asset.c — asset descriptions: typed access, every kind of error,
 * the registry and `mimic-cli validate`
 *
 * Broken descriptions are made from the valid fixture in
 * tests/data/assets/mini-fan/, one mistake at a time, and loaded with the
 * fixture's path as their name so that its glTF and SVG files are found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "mimic-asset.h"
#include "mimic-asset-registry.h"

static void copy_file (const char *from,
                       const char *to);

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("MIMIC_TEST_DATA_DIR"), "assets", "mini-fan", name, NULL);
}

static char *
fixture_text (void)
{
  g_autofree char *path = fixture_path ("mini-fan.json");
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static JsonNode *
fixture_tree (void)
{
  g_autofree char *text = fixture_text ();
  g_autoptr(GError) error = NULL;

  return json_from_string (text, &error);
}

/* Walks object members named by a NULL-terminated list of keys and sets
 * the last one to VALUE (taking it), or removes it when VALUE is NULL. */
static void
tree_set (JsonNode   *root,
          JsonNode   *value,
          const char *first_key,
          ...)
{
  JsonObject *object = json_node_get_object (root);
  const char *key = first_key;
  const char *next;
  va_list args;

  va_start (args, first_key);
  while ((next = va_arg (args, const char *)) != NULL)
    {
      object = json_object_get_object_member (object, key);
      g_assert_nonnull (object);
      key = next;
    }
  va_end (args);

  if (value == NULL)
    json_object_remove_member (object, key);
  else
    json_object_set_member (object, key, value);
}

static JsonNode *
number_node (double value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_double (node, value);
  return node;
}

static JsonNode *
string_node (const char *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  return node;
}

static GPtrArray *
load_text (const char *text)
{
  g_autofree char *name = fixture_path ("mini-fan.json");
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(MimicAsset) asset = mimic_asset_load_data (text, strlen (text), name, &problems);

  g_assert_nonnull (problems);
  if (problems->len > 0)
    g_assert_null (asset);
  else
    g_assert_nonnull (asset);

  return g_steal_pointer (&problems);
}

static GPtrArray *
load_tree (JsonNode *root)
{
  g_autofree char *text = json_to_string (root, TRUE);

  return load_text (text);
}

static char *
replace_once (const char *text,
              const char *find,
              const char *replacement)
{
  const char *at = strstr (text, find);
  GString *result = g_string_new_len (text, at - text);

  g_assert_nonnull (at);
  g_string_append (result, replacement);
  g_string_append (result, at + strlen (find));
  return g_string_free (result, FALSE);
}

/* The problem must name the file, the JSON path and the reason, both in the
 * struct and in the line the CLI prints. */
static void
assert_problem (GPtrArray       *problems,
                guint            expected_count,
                MimicAssetError  code,
                const char      *json_path,
                const char      *reason_part)
{
  g_autofree char *file = fixture_path ("mini-fan.json");

  if (problems->len != expected_count || expected_count == 0)
    {
      for (guint i = 0; i < problems->len; i++)
        {
          g_autofree char *line = mimic_asset_problem_to_string (g_ptr_array_index (problems, i));

          g_test_message ("problem: %s", line);
        }
      g_assert_cmpuint (problems->len, ==, expected_count);
    }

  for (guint i = 0; i < problems->len; i++)
    {
      MimicAssetProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *line = NULL;
      g_autofree char *prefix = NULL;

      if (problem->code != code || g_strcmp0 (problem->json_path, json_path) != 0)
        continue;

      g_assert_cmpstr (problem->file, ==, file);
      if (strstr (problem->reason, reason_part) == NULL)
        g_error ("reason “%s” lacks “%s”", problem->reason, reason_part);
      line = mimic_asset_problem_to_string (problem);
      prefix = g_strdup_printf ("%s: %s: ", file, json_path);
      g_assert_true (g_str_has_prefix (line, prefix));
      g_assert_nonnull (strstr (line, reason_part));
      return;
    }

  for (guint i = 0; i < problems->len; i++)
    {
      g_autofree char *line = mimic_asset_problem_to_string (g_ptr_array_index (problems, i));

      g_test_message ("problem %d: %s", ((MimicAssetProblem *) g_ptr_array_index (problems, i))->code, line);
    }
  g_error ("no problem with code %d at %s", code, json_path);
}

/* Valid ---------------------------------------------------------------- */

static void
test_asset_valid_fixture (void)
{
  g_autofree char *path = fixture_path ("mini-fan.json");
  g_autofree char *gltf = fixture_path ("mini-fan.gltf");
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAsset) asset = mimic_asset_new_from_file (path, &error);
  g_autofree char *contents = NULL;
  const MimicAssetSensor *speed, *motor_temp;
  const MimicAssetParameter *ambient, *setpoint, *filter_age;
  const MimicAssetCommand *set_speed, *stop;
  const MimicAssetArgument *argument;
  const MimicAssetBinding *binding;
  const MimicAssetBindingValue *value;
  GPtrArray *list;
  double model_value = 0;

  g_assert_no_error (error);
  g_assert_nonnull (asset);

  g_assert_cmpstr (mimic_asset_get_id (asset), ==, "mini-fan");
  g_assert_cmpstr (mimic_asset_get_title (asset), ==, "Test fan");
  g_assert_true (g_str_has_prefix (mimic_asset_get_description (asset), "The smallest"));
  g_assert_cmpstr (mimic_asset_get_file (asset), ==, path);
  g_assert_cmpstr (mimic_asset_get_geometry_path (asset), ==, gltf);
  g_assert_true (g_str_has_suffix (mimic_asset_get_schematic_path (asset), "/mini-fan.svg"));
  g_assert_true (g_path_is_absolute (mimic_asset_get_schematic_path (asset)));

  /* Declaration order. */
  list = mimic_asset_get_sensors (asset);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((MimicAssetSensor *) g_ptr_array_index (list, 0))->id, ==, "speed");
  g_assert_cmpstr (((MimicAssetSensor *) g_ptr_array_index (list, 1))->id, ==, "motor_temp");
  g_assert_cmpstr (((MimicAssetSensor *) g_ptr_array_index (list, 2))->id, ==, "ambient_temp");

  speed = mimic_asset_get_sensor (asset, "speed");
  g_assert_true (speed == g_ptr_array_index (list, 0));
  g_assert_cmpstr (speed->title, ==, "Fan speed");
  g_assert_cmpstr (speed->unit, ==, "rpm");
  g_assert_false (speed->integer);
  g_assert_cmpfloat (speed->minimum, ==, 0);
  g_assert_cmpfloat (speed->maximum, ==, 3000);
  g_assert_true (speed->has_normal);
  g_assert_cmpfloat (speed->normal_low, ==, 500);
  g_assert_cmpfloat (speed->normal_high, ==, 2500);
  g_assert_false (speed->alarms.limits[MIMIC_ALARM_LIMIT_LOLO].enabled);
  g_assert_true (speed->alarms.limits[MIMIC_ALARM_LIMIT_LO].enabled);
  g_assert_cmpfloat (speed->alarms.limits[MIMIC_ALARM_LIMIT_LO].value, ==, 200);
  g_assert_cmpint (speed->alarms.limits[MIMIC_ALARM_LIMIT_LO].priority, ==, MIMIC_ALARM_PRIORITY_MEDIUM);
  g_assert_cmpint (speed->alarms.limits[MIMIC_ALARM_LIMIT_HI].priority, ==, MIMIC_ALARM_PRIORITY_LOW);
  g_assert_cmpfloat (speed->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].value, ==, 2900);
  g_assert_cmpint (speed->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].priority, ==, MIMIC_ALARM_PRIORITY_CRITICAL);
  g_assert_cmpfloat (speed->alarms.deadband, ==, 20);
  g_assert_cmpfloat (speed->alarms.on_delay_s, ==, 5);
  g_assert_cmpfloat (speed->alarms.off_delay_s, ==, 1.5);
  g_assert_cmpstr (speed->node_path, ==, "fan/rotor");
  g_assert_cmpstr (speed->svg_id, ==, "rotor");

  motor_temp = mimic_asset_get_sensor (asset, "motor_temp");
  g_assert_cmpstr (motor_temp->title, ==, "motor_temp");
  g_assert_true (motor_temp->integer);
  g_assert_false (motor_temp->has_normal);
  /* A bare number takes the default priority of its limit. */
  g_assert_cmpint (motor_temp->alarms.limits[MIMIC_ALARM_LIMIT_HI].priority, ==, MIMIC_ALARM_PRIORITY_MEDIUM);
  g_assert_cmpint (motor_temp->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].priority, ==, MIMIC_ALARM_PRIORITY_HIGH);
  g_assert_cmpfloat (motor_temp->alarms.deadband, ==, 0);

  g_assert_null (mimic_asset_get_sensor (asset, "speed_setpoint"));
  g_assert_null (mimic_asset_get_sensor (asset, "nothing"));

  list = mimic_asset_get_parameters (asset);
  g_assert_cmpuint (list->len, ==, 3);
  ambient = mimic_asset_get_parameter (asset, "ambient_temp");
  g_assert_true (ambient == g_ptr_array_index (list, 0));
  g_assert_true (ambient->is_sensor);
  g_assert_false (ambient->writable);
  g_assert_true (ambient->has_whatif);
  g_assert_cmpfloat (ambient->default_value, ==, 20);
  g_assert_cmpfloat (ambient->whatif_minimum, ==, -10);
  g_assert_cmpfloat (ambient->whatif_maximum, ==, 50);
  g_assert_cmpfloat (ambient->whatif_step, ==, 1);
  setpoint = mimic_asset_get_parameter (asset, "speed_setpoint");
  g_assert_true (setpoint->writable);
  g_assert_false (setpoint->is_sensor);
  g_assert_cmpfloat (setpoint->default_value, ==, 1500);
  g_assert_cmpfloat (setpoint->whatif_step, ==, 50);
  filter_age = mimic_asset_get_parameter (asset, "filter_age");
  g_assert_false (filter_age->has_whatif);
  g_assert_cmpstr (filter_age->unit, ==, "d");

  list = mimic_asset_get_commands (asset);
  g_assert_cmpuint (list->len, ==, 2);
  set_speed = mimic_asset_get_command (asset, "set_speed");
  g_assert_cmpstr (set_speed->title, ==, "Set speed");
  g_assert_cmpfloat (set_speed->timeout_s, ==, 5);
  g_assert_false (set_speed->select_before_operate);
  g_assert_cmpuint (set_speed->arguments->len, ==, 2);
  argument = mimic_asset_command_get_argument (set_speed, "speed");
  g_assert_cmpint (argument->type, ==, MIMIC_ASSET_VALUE_NUMBER);
  g_assert_cmpstr (argument->unit, ==, "rpm");
  g_assert_true (argument->has_minimum && argument->has_maximum);
  g_assert_cmpfloat (argument->maximum, ==, 3000);
  g_assert_true (argument->required);
  argument = mimic_asset_command_get_argument (set_speed, "ramp");
  g_assert_cmpint (argument->type, ==, MIMIC_ASSET_VALUE_BOOLEAN);
  g_assert_null (argument->unit);
  g_assert_false (argument->required);
  g_assert_null (mimic_asset_command_get_argument (set_speed, "nothing"));
  stop = mimic_asset_get_command (asset, "stop");
  g_assert_true (stop->select_before_operate);
  g_assert_cmpfloat (stop->timeout_s, ==, 10);
  g_assert_cmpuint (stop->arguments->len, ==, 0);

  list = mimic_asset_get_bindings (asset);
  g_assert_cmpuint (list->len, ==, 2);
  binding = g_ptr_array_index (list, 0);
  g_assert_cmpstr (binding->topic_filter, ==, "vendor/+/fan/#");
  g_assert_cmpint (binding->device_level, ==, 1);
  g_assert_null (binding->device_pointer);
  g_assert_cmpstr (binding->timestamp_pointer, ==, "/meta/time");
  g_assert_cmpint (binding->timestamp_unit, ==, MIMIC_TIMESTAMP_ISO8601);
  g_assert_cmpuint (binding->values->len, ==, 2);
  value = g_ptr_array_index (binding->values, 0);
  g_assert_cmpstr (value->sensor_id, ==, "speed");
  g_assert_cmpstr (value->pointer, ==, "/rpm");
  g_assert_cmpfloat (value->scale, ==, 1);
  g_assert_cmpfloat (value->offset, ==, 0);
  value = g_ptr_array_index (binding->values, 1);
  g_assert_cmpstr (value->pointer, ==, "/temps/motor~1winding");
  g_assert_cmpfloat (value->scale, ==, 0.1);
  g_assert_cmpfloat (value->offset, ==, -40);
  binding = g_ptr_array_index (list, 1);
  g_assert_cmpint (binding->device_level, ==, -1);
  g_assert_cmpstr (binding->device_pointer, ==, "/serial");
  g_assert_null (binding->timestamp_pointer);
  g_assert_cmpint (binding->timestamp_unit, ==, MIMIC_TIMESTAMP_ARRIVAL);

  g_assert_cmpstr (mimic_asset_get_model_name (asset), ==, "fan");
  g_assert_cmpuint (mimic_asset_get_model_parameter_names (asset)->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (mimic_asset_get_model_parameter_names (asset), 1), ==, "poles");
  g_assert_true (mimic_asset_get_model_parameter (asset, "inertia", &model_value));
  g_assert_cmpfloat (model_value, ==, 0.02);
  g_assert_false (mimic_asset_get_model_parameter (asset, "mass", &model_value));

  contents = mimic_asset_describe_contents (asset);
  g_assert_cmpstr (contents, ==, "3 sensors, 3 parameters, 2 commands");

  g_assert_finalize_object (g_steal_pointer (&asset));
}

/* Syntax --------------------------------------------------------------- */

static void
test_asset_error_malformed_json (void)
{
  g_autofree char *text = fixture_text ();
  g_autofree char *broken = replace_once (text, "\"title\": \"Test fan\",", "\"title\": \"Test fan\"");
  g_autoptr(GPtrArray) problems = load_text (broken);

  /* json-glib places the missing comma at the end of line 5. */
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_SYNTAX, "$", "malformed JSON at 5:");
}

static void
test_asset_error_not_an_object (void)
{
  g_autoptr(GPtrArray) problems = load_text ("[1, 2]");
  g_autoptr(GPtrArray) empty = load_text ("   ");

  assert_problem (problems, 1, MIMIC_ASSET_ERROR_TYPE, "$", "expected an object, found an array");
  assert_problem (empty, 1, MIMIC_ASSET_ERROR_SYNTAX, "$", "empty");
}

static void
test_asset_error_hostile_text (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"properties\": ");
  g_autoptr(GPtrArray) deep_problems = NULL;
  g_autoptr(GPtrArray) binary_problems = NULL;
  g_autoptr(GPtrArray) large_problems = NULL;
  g_autofree char *large = NULL;
  g_autofree char *name = fixture_path ("mini-fan.json");
  const char binary[] = "{\"id\": \"\xff\xfe\"}";
  gsize large_size = 5 * 1024 * 1024;

  /* Deep nesting is refused before the recursive parser sees it. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  deep_problems = load_text (deep->str);
  assert_problem (deep_problems, 1, MIMIC_ASSET_ERROR_SYNTAX,
                  "$.properties[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]",
                  "nested deeper than 64 levels");

  binary_problems = load_text (binary);
  assert_problem (binary_problems, 1, MIMIC_ASSET_ERROR_SYNTAX, "$", "not UTF-8");

  large = g_malloc (large_size);
  memset (large, ' ', large_size);
  g_assert_null (mimic_asset_load_data (large, large_size, name, &large_problems));
  assert_problem (large_problems, 1, MIMIC_ASSET_ERROR_IO, "$", "larger than");
}

/* json-glib turns a lone surrogate escape into bytes that are not UTF-8,
 * which once reached the problem's path and reason (found by the asset
 * fuzz target; the same input is in
 * tests/fuzz/corpus/asset/lone-surrogate.json). Such an escape is now
 * refused before json-glib reads it, as malformed JSON that names the
 * escape and where it is, whether in a key or in a value. */
static void
test_asset_error_lone_surrogate (void)
{
  g_autofree char *text = fixture_text ();
  g_autofree char *with_key = replace_once (text, "{", "{\"mimic:\\ud800x\": 1, ");
  g_autofree char *with_value = replace_once (text, "\"mini-fan\"", "\"\\ud800x\"");
  g_autoptr(GPtrArray) key_problems = load_text (with_key);
  g_autoptr(GPtrArray) value_problems = load_text (with_value);

  assert_problem (key_problems, 1, MIMIC_ASSET_ERROR_SYNTAX, "$",
                  "malformed JSON at 1:9: Unpaired UTF-16 surrogate escape “\\ud800”");
  g_assert_true (g_utf8_validate (((MimicAssetProblem *) key_problems->pdata[0])->reason, -1, NULL));

  assert_problem (value_problems, 1, MIMIC_ASSET_ERROR_SYNTAX, "$", "Unpaired UTF-16 surrogate escape “\\ud800”");
  g_assert_true (g_utf8_validate (((MimicAssetProblem *) value_problems->pdata[0])->reason, -1, NULL));
}

/* Every prefix of a valid file is a broken file: none may crash the
 * loader, and each must either load or say why not. */
static void
test_asset_error_truncated (void)
{
  g_autofree char *text = fixture_text ();
  g_autofree char *name = fixture_path ("mini-fan.json");
  gsize length = strlen (text);

  for (gsize cut = 0; cut < length; cut += 3)
    {
      g_autoptr(GPtrArray) problems = NULL;
      g_autoptr(MimicAsset) asset = mimic_asset_load_data (text, cut, name, &problems);

      g_assert_null (asset);
      g_assert_cmpuint (problems->len, >, 0);
    }
}

static void
test_asset_error_non_finite (void)
{
  g_autofree char *text = fixture_text ();
  g_autofree char *overflow = replace_once (text, "\"maximum\": 3000,", "\"maximum\": 1e999,");
  g_autofree char *huge = replace_once (text, "\"maximum\": 120,", "\"maximum\": 123456789012345678901234567890,");
  g_autoptr(GPtrArray) overflow_problems = load_text (overflow);
  g_autoptr(GPtrArray) huge_problems = load_text (huge);

  assert_problem (overflow_problems, 1, MIMIC_ASSET_ERROR_NON_FINITE,
                  "$.properties.speed.maximum", "not finite");
  /* json-glib would wrap this integer to a small number without a word. */
  assert_problem (huge_problems, 1, MIMIC_ASSET_ERROR_NON_FINITE,
                  "$.properties.motor_temp.maximum", "too large");
}

static void
test_asset_error_duplicate_key (void)
{
  g_autofree char *text = fixture_text ();
  g_autofree char *twice = replace_once (text, "\"motor_temp\": {", "\"speed\": {");
  g_autoptr(GPtrArray) problems = load_text (twice);

  /* The second "speed" replaced motor_temp, which the binding still names. */
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_DUPLICATE, "$.properties.speed",
                  "key “speed” appears more than once");
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_INVALID, "$.mimic:bindings[0].sensors.motor_temp",
                  "“motor_temp” is not a sensor of this asset");
}

/* Structure ------------------------------------------------------------ */

static void
test_asset_error_wrong_type (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, string_node ("zero"), "properties", "speed", "minimum", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_TYPE, "$.properties.speed.minimum",
                  "expected a number, found a string");
}

static void
test_asset_error_missing_member (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) no_title = NULL;

  tree_set (root, NULL, "properties", "speed", "maximum", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_MISSING, "$.properties.speed.maximum",
                  "required member “maximum” is missing");

  g_clear_pointer (&root, json_node_unref);
  root = fixture_tree ();
  tree_set (root, NULL, "title", NULL);
  tree_set (root, NULL, "properties", "speed_setpoint", "default", NULL);
  no_title = load_tree (root);
  assert_problem (no_title, 2, MIMIC_ASSET_ERROR_MISSING, "$.title", "“title”");
  assert_problem (no_title, 2, MIMIC_ASSET_ERROR_MISSING, "$.properties.speed_setpoint.default",
                  "“default”");
}

static void
test_asset_error_missing_unit (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, NULL, "properties", "motor_temp", "unit", NULL);
  tree_set (root, NULL, "actions", "set_speed", "input", "properties", "speed", "unit", NULL);
  problems = load_tree (root);
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_UNIT, "$.properties.motor_temp.unit",
                  "a number needs a unit");
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_UNIT,
                  "$.actions.set_speed.input.properties.speed.unit", "a number needs a unit");
}

static void
test_asset_error_minimum_above_maximum (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, number_node (200), "properties", "filter_age", "minimum", NULL);
  tree_set (root, number_node (100), "properties", "filter_age", "maximum", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_RANGE, "$.properties.filter_age.minimum",
                  "minimum 200 is not below maximum 100");
}

static void
test_asset_error_out_of_range (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, number_node (5000), "properties", "speed_setpoint", "default", NULL);
  tree_set (root, number_node (4000), "properties", "speed_setpoint", "mimic:whatif", "maximum", NULL);
  tree_set (root, number_node (0), "properties", "speed_setpoint", "mimic:whatif", "step", NULL);
  problems = load_tree (root);
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_RANGE, "$.properties.speed_setpoint.default",
                  "default 5000 is outside the range 0 to 3000");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_RANGE,
                  "$.properties.speed_setpoint.mimic:whatif.maximum",
                  "maximum 4000 is outside the range 0 to 3000");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_RANGE,
                  "$.properties.speed_setpoint.mimic:whatif.step", "step 0 must be above 0");
}

static void
test_asset_error_alarm_order (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, number_node (2950), "properties", "speed", "mimic:alarms", "hi", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_ALARM_ORDER,
                  "$.properties.speed.mimic:alarms.hihi",
                  "hihi 2900 is below hi 2950; limits must be in the order lolo ≤ lo ≤ hi ≤ hihi");
}

static void
test_asset_error_alarm_outside_range (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, number_node (130), "properties", "motor_temp", "mimic:alarms", "hihi", NULL);
  tree_set (root, string_node ("urgent"), "properties", "speed", "mimic:alarms", "hihi", "priority", NULL);
  problems = load_tree (root);
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_RANGE,
                  "$.properties.motor_temp.mimic:alarms.hihi",
                  "hihi 130 is outside the range -20 to 120");
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_INVALID,
                  "$.properties.speed.mimic:alarms.hihi.priority", "unknown priority “urgent”");
}

static void
test_asset_error_normal_band (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonNode) band = json_from_string ("[2600, 2400]", NULL);

  tree_set (root, g_steal_pointer (&band), "properties", "speed", "mimic:normal", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_RANGE, "$.properties.speed.mimic:normal",
                  "normal band low 2600 is above high 2400");
}

static void
test_asset_error_unknown_term (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, number_node (3), "properties", "speed", "mimic:alarm", NULL);
  tree_set (root, number_node (3), "properties", "speed", "mimic:alarms", "ondelay", NULL);
  tree_set (root, string_node ("x"), "mimic:schema", NULL);
  /* Other vocabularies may extend a TD; those keys are left alone. */
  tree_set (root, string_node ("x"), "properties", "speed", "saref:hasUnit", NULL);
  problems = load_tree (root);
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_UNKNOWN_TERM, "$.properties.speed.mimic:alarm",
                  "unknown member “mimic:alarm” (did you mean “mimic:alarms”?)");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_UNKNOWN_TERM,
                  "$.properties.speed.mimic:alarms.ondelay",
                  "(did you mean “onDelay”?)");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_UNKNOWN_TERM, "$.mimic:schema",
                  "unknown member “mimic:schema”");
}

static void
test_asset_error_duplicate_svg_id (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, string_node ("rotor"), "properties", "motor_temp", "mimic:svg", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_DUPLICATE, "$.properties.motor_temp.mimic:svg",
                  "element id “rotor” is already bound to sensor “speed”");
}

static void
test_asset_error_invalid_id (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, string_node ("mini fan/1"), "id", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_INVALID, "$.id", "“mini fan/1” is not a valid id");
}

/* Geometry and schematic ---------------------------------------------- */

static void
test_asset_error_missing_node (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;

  tree_set (root, string_node ("fan/rotr"), "properties", "speed", "mimic:node", NULL);
  tree_set (root, string_node ("fan/rotor/blade/tip"), "properties", "motor_temp", "mimic:node", NULL);
  problems = load_tree (root);
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_GEOMETRY, "$.properties.speed.mimic:node",
                  "node “fan/rotr” is not in mini-fan.gltf (did you mean “fan/rotor”?)");
  assert_problem (problems, 2, MIMIC_ASSET_ERROR_GEOMETRY, "$.properties.motor_temp.mimic:node",
                  "node “fan/rotor/blade/tip” is not in mini-fan.gltf");
}

static void
test_asset_error_missing_geometry_file (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) absent = NULL;

  tree_set (root, string_node ("no-such.gltf"), "mimic:geometry", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_GEOMETRY, "$.mimic:geometry",
                  "cannot read “no-such.gltf”");

  /* Nodes named with no geometry at all. */
  tree_set (root, NULL, "mimic:geometry", NULL);
  absent = load_tree (root);
  g_assert_cmpuint (absent->len, ==, 3);
  assert_problem (absent, 3, MIMIC_ASSET_ERROR_MISSING, "$.properties.speed.mimic:node",
                  "no “mimic:geometry”");
}

static void
test_asset_error_missing_svg_id (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) unreadable = NULL;

  tree_set (root, string_node ("rotors"), "properties", "speed", "mimic:svg", NULL);
  problems = load_tree (root);
  assert_problem (problems, 1, MIMIC_ASSET_ERROR_SCHEMATIC, "$.properties.speed.mimic:svg",
                  "element id “rotors” is not in mini-fan.svg (did you mean “rotor”?)");

  /* The glTF file is not SVG. */
  tree_set (root, string_node ("mini-fan.gltf"), "mimic:schematic", NULL);
  unreadable = load_tree (root);
  assert_problem (unreadable, 1, MIMIC_ASSET_ERROR_SCHEMATIC, "$.mimic:schematic",
                  "cannot read “mini-fan.gltf”");
}

static void
write_glb (const char *path,
           const char *json,
           gsize       cut)
{
  g_autoptr(GByteArray) glb = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize json_length = strlen (json);
  gsize padded = (json_length + 3) & ~(gsize) 3;
  guint32 header[5] = {
    GUINT32_TO_LE (0x46546C67), GUINT32_TO_LE (2), GUINT32_TO_LE (20 + padded),
    GUINT32_TO_LE (padded), GUINT32_TO_LE (0x4E4F534A),
  };

  g_byte_array_append (glb, (const guint8 *) header, sizeof header);
  g_byte_array_append (glb, (const guint8 *) json, json_length);
  for (gsize i = json_length; i < padded; i++)
    g_byte_array_append (glb, (const guint8 *) " ", 1);

  g_file_set_contents (path, (const char *) glb->data, cut > 0 ? cut : glb->len, &error);
  g_assert_no_error (error);
}

static void
test_asset_glb_geometry (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-asset-XXXXXX", NULL);
  g_autofree char *gltf_path = fixture_path ("mini-fan.gltf");
  g_autofree char *svg_path = fixture_path ("mini-fan.svg");
  g_autofree char *gltf = NULL, *svg = NULL, *text = NULL, *glb_text = NULL;
  g_autofree char *glb_path = g_build_filename (dir, "mini-fan.glb", NULL);
  g_autofree char *svg_copy = g_build_filename (dir, "mini-fan.svg", NULL);
  g_autofree char *json_path = g_build_filename (dir, "mini-fan.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAsset) asset = NULL;
  g_autoptr(GPtrArray) problems = NULL;

  g_file_get_contents (gltf_path, &gltf, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (svg_path, &svg, NULL, &error);
  g_assert_no_error (error);
  g_file_set_contents (svg_copy, svg, -1, &error);
  g_assert_no_error (error);

  text = fixture_text ();
  glb_text = replace_once (text, "\"mini-fan.gltf\"", "\"mini-fan.glb\"");
  g_file_set_contents (json_path, glb_text, -1, &error);
  g_assert_no_error (error);

  write_glb (glb_path, gltf, 0);
  asset = mimic_asset_new_from_file (json_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_asset_get_geometry_path (asset), ==, glb_path);
  g_assert_cmpstr (mimic_asset_get_sensor (asset, "speed")->node_path, ==, "fan/rotor");

  /* A truncated binary is a clear error, not a crash. */
  write_glb (glb_path, gltf, 30);
  g_assert_null (mimic_asset_load_file (json_path, &problems));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpint (((MimicAssetProblem *) g_ptr_array_index (problems, 0))->code, ==,
                   MIMIC_ASSET_ERROR_GEOMETRY);
  g_assert_cmpstr (((MimicAssetProblem *) g_ptr_array_index (problems, 0))->json_path, ==,
                   "$.mimic:geometry");

  g_remove (glb_path);
  g_remove (svg_copy);
  g_remove (json_path);
  g_rmdir (dir);
}

/* Cycles, shared children, float and out-of-range indices: the node paths
 * are built as far as they make sense, and the loader neither hangs nor
 * crashes. */
static void
test_asset_broken_gltf_hierarchy (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-gltf-XXXXXX", NULL);
  g_autofree char *gltf_path = g_build_filename (dir, "weird.gltf", NULL);
  g_autofree char *svg_from = fixture_path ("mini-fan.svg");
  g_autofree char *svg_to = g_build_filename (dir, "mini-fan.svg", NULL);
  g_autofree char *name = g_build_filename (dir, "weird.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  MimicAssetProblem *problem;
  const char *gltf =
    "{\"asset\": {\"version\": \"2.0\"}, \"scenes\": [{\"nodes\": [0, 0, 7]}, {}],"
    " \"nodes\": ["
    "  {\"name\": \"a\", \"children\": [1, 1, 1.5, -1, 99]},"
    "  {\"name\": \"b\", \"children\": [0, 2, 2]},"
    "  {\"name\": \"c\", \"children\": [3, 3]},"
    "  {\"name\": \"d\", \"children\": [2, 0]}, 5]}";

  g_file_set_contents (gltf_path, gltf, -1, &error);
  g_assert_no_error (error);
  copy_file (svg_from, svg_to);

  tree_set (root, string_node ("weird.gltf"), "mimic:geometry", NULL);
  tree_set (root, string_node ("a/b/c/d"), "properties", "speed", "mimic:node", NULL);
  tree_set (root, string_node ("a"), "properties", "motor_temp", "mimic:node", NULL);
  tree_set (root, string_node ("a/b/a"), "properties", "ambient_temp", "mimic:node", NULL);
  text = json_to_string (root, FALSE);

  g_assert_null (mimic_asset_load_data (text, strlen (text), name, &problems));
  g_assert_cmpuint (problems->len, ==, 1);
  problem = g_ptr_array_index (problems, 0);
  g_assert_cmpint (problem->code, ==, MIMIC_ASSET_ERROR_GEOMETRY);
  g_assert_cmpstr (problem->json_path, ==, "$.properties.ambient_temp.mimic:node");
  g_assert_nonnull (strstr (problem->reason, "node “a/b/a” is not in weird.gltf"));

  g_remove (gltf_path);
  g_remove (svg_to);
  g_rmdir (dir);
}

/* Commands and bindings ------------------------------------------------ */

static void
test_asset_error_command (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonNode) required = json_from_string ("[\"speed\", \"sped\"]", NULL);

  tree_set (root, g_steal_pointer (&required), "actions", "set_speed", "input", "required", NULL);
  tree_set (root, number_node (-1), "actions", "stop", "mimic:timeout", NULL);
  tree_set (root, string_node ("yes"), "actions", "stop", "mimic:selectBeforeOperate", NULL);
  problems = load_tree (root);
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_INVALID,
                  "$.actions.set_speed.input.required[1]",
                  "“sped” is required but not declared");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_RANGE, "$.actions.stop.mimic:timeout",
                  "timeout -1 s must be above 0");
  assert_problem (problems, 3, MIMIC_ASSET_ERROR_TYPE,
                  "$.actions.stop.mimic:selectBeforeOperate", "expected a boolean, found a string");
}

static void
test_asset_error_binding (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(JsonNode) bindings = json_from_string (
    "[{\"topic\": \"a/b+/#/c\", \"device\": {\"topicLevel\": 0}, \"sensors\": {\"speed\": \"rpm\"}},"
    " {\"topic\": \"a/+/c\", \"device\": {\"topicLevel\": 2},"
    "  \"timestamp\": {\"pointer\": \"/t\", \"unit\": \"minutes\"},"
    "  \"sensors\": {\"sped\": \"/s\", \"speed\": {\"pointer\": \"/s\", \"scale\": 0}}}]", NULL);

  tree_set (root, g_steal_pointer (&bindings), "mimic:bindings", NULL);
  problems = load_tree (root);
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_INVALID, "$.mimic:bindings[0].topic",
                  "“a/b+/#/c” is not an MQTT topic filter");
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_INVALID, "$.mimic:bindings[0].sensors.speed",
                  "“rpm” is not a JSON Pointer");
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_INVALID,
                  "$.mimic:bindings[1].device.topicLevel",
                  "topic level 2 of “a/+/c” is not a “+” wildcard");
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_UNIT, "$.mimic:bindings[1].timestamp.unit",
                  "unknown timestamp unit “minutes”");
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_INVALID, "$.mimic:bindings[1].sensors.sped",
                  "“sped” is not a sensor of this asset");
  assert_problem (problems, 6, MIMIC_ASSET_ERROR_RANGE, "$.mimic:bindings[1].sensors.speed.scale",
                  "scale must not be 0");
}

/* All problems of a file come out together, and a GError carries them all
 * with the first one's code. */
static void
test_asset_error_collects_all (void)
{
  g_autoptr(JsonNode) root = fixture_tree ();
  g_autofree char *text = NULL;
  g_autofree char *name = fixture_path ("mini-fan.json");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  tree_set (root, string_node ("fast"), "properties", "speed", "maximum", NULL);
  tree_set (root, NULL, "properties", "motor_temp", "unit", NULL);
  tree_set (root, string_node ("nowhere"), "properties", "ambient_temp", "mimic:svg", NULL);
  text = json_to_string (root, FALSE);

  g_assert_null (mimic_asset_new_from_data (text, strlen (text), name, &error));
  g_assert_error (error, MIMIC_ASSET_ERROR, MIMIC_ASSET_ERROR_TYPE);
  lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (g_str_has_prefix (lines[i], name));
  g_assert_nonnull (strstr (lines[0], ": $.properties.speed.maximum: expected a number"));
  g_assert_nonnull (strstr (lines[1], ": $.properties.motor_temp.unit: "));
  g_assert_nonnull (strstr (lines[2], ": $.properties.ambient_temp.mimic:svg: element id “nowhere”"));
}

static void
test_asset_error_unreadable_file (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (mimic_asset_new_from_file ("/nonexistent/asset.json", &error));
  g_assert_error (error, MIMIC_ASSET_ERROR, MIMIC_ASSET_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/asset.json: $: "));
}

/* Registry ------------------------------------------------------------- */

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, length, &error);
  g_assert_no_error (error);
}

static void
write_file (const char *dir,
            const char *sub,
            const char *name,
            const char *contents)
{
  g_autofree char *subdir = g_build_filename (dir, sub, NULL);
  g_autofree char *path = g_build_filename (subdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (subdir, 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
copy_fixture_into (const char *dir,
                   const char *sub)
{
  static const char *names[] = { "mini-fan.json", "mini-fan.gltf", "mini-fan.svg" };
  g_autofree char *subdir = g_build_filename (dir, sub, NULL);

  g_mkdir_with_parents (subdir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = fixture_path (names[i]);
      g_autofree char *to = g_build_filename (subdir, names[i], NULL);

      copy_file (from, to);
    }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

/* broken/ has malformed JSON, fan/ a good description, fan2/ another file
 * with the same asset id, notes.txt is not JSON, and a/b/deep.json is two
 * levels down: only fan/ may load. */
static char *
make_asset_tree (void)
{
  char *dir = g_dir_make_tmp ("mimic-registry-XXXXXX", NULL);

  write_file (dir, "broken", "broken.json", "{\"id\": ");
  copy_fixture_into (dir, "fan");
  copy_fixture_into (dir, "fan2");
  write_file (dir, ".", "notes.txt", "not an asset");
  write_file (dir, "a/b", "deep.json", "{}");

  return dir;
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *count)
{
  (*count)++;
}

static void
check_loaded_tree (MimicAssetRegistry *registry,
                   const char         *dir)
{
  GPtrArray *problems = mimic_asset_registry_get_problems (registry);
  MimicAssetProblem *problem;
  g_autoptr(MimicAsset) first = NULL;
  g_autofree char *fan = g_build_filename (dir, "fan", "mini-fan.json", NULL);
  g_autofree char *fan2 = g_build_filename (dir, "fan2", "mini-fan.json", NULL);
  g_autofree char *broken = g_build_filename (dir, "broken", "broken.json", NULL);

  g_assert_cmpuint (mimic_asset_registry_get_n_files (registry), ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (registry)) == MIMIC_TYPE_ASSET);
  first = g_list_model_get_item (G_LIST_MODEL (registry), 0);
  g_assert_true (first == mimic_asset_registry_lookup (registry, "mini-fan"));
  g_assert_cmpstr (mimic_asset_get_file (first), ==, fan);
  g_assert_null (mimic_asset_registry_lookup (registry, "pump-skid"));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (registry), 1));

  g_assert_cmpuint (problems->len, ==, 2);
  problem = g_ptr_array_index (problems, 0);
  g_assert_cmpint (problem->code, ==, MIMIC_ASSET_ERROR_SYNTAX);
  g_assert_cmpstr (problem->file, ==, broken);
  problem = g_ptr_array_index (problems, 1);
  g_assert_cmpint (problem->code, ==, MIMIC_ASSET_ERROR_DUPLICATE);
  g_assert_cmpstr (problem->file, ==, fan2);
  g_assert_cmpstr (problem->json_path, ==, "$.id");
  g_assert_nonnull (strstr (problem->reason, fan));
}

static void
test_asset_registry_load (void)
{
  g_autofree char *dir = make_asset_tree ();
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autoptr(GError) error = NULL;
  guint changes = 0;

  g_signal_connect (registry, "items-changed", G_CALLBACK (count_items_changed), &changes);
  g_assert_true (mimic_asset_registry_load_directory (registry, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 1);
  check_loaded_tree (registry, dir);

  /* A failed load of another directory leaves the registry as it was. */
  g_assert_false (mimic_asset_registry_load_directory (registry, "/nonexistent/assets", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpuint (changes, ==, 1);
  check_loaded_tree (registry, dir);

  remove_tree (dir);
  g_assert_finalize_object (g_steal_pointer (&registry));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_asset_registry_load_async (void)
{
  g_autofree char *dir = make_asset_tree ();
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  mimic_asset_registry_load_directory_async (registry, dir, NULL, on_loaded, &result);
  /* Nothing changes until the result is back on this thread. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 0);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (mimic_asset_registry_load_directory_finish (registry, result, &error));
  g_assert_no_error (error);
  check_loaded_tree (registry, dir);

  remove_tree (dir);
  g_clear_object (&result);
  g_assert_finalize_object (g_steal_pointer (&registry));
}

/* The two sample assets keep the contract the models, the generator of
 * their geometry and the feeds build against. */
static void
check_sample_sensor (MimicAsset *asset,
                     const char *id,
                     const char *unit,
                     const char *node_path,
                     const char *svg_id)
{
  const MimicAssetSensor *sensor = mimic_asset_get_sensor (asset, id);

  if (sensor == NULL)
    g_error ("%s has no sensor %s", mimic_asset_get_id (asset), id);
  g_assert_cmpstr (sensor->unit, ==, unit);
  g_assert_cmpstr (sensor->node_path, ==, node_path);
  g_assert_cmpstr (sensor->svg_id, ==, svg_id);
  g_assert_true (sensor->has_normal);
  g_assert_cmpfloat (sensor->minimum, <=, sensor->normal_low);
  g_assert_cmpfloat (sensor->normal_high, <=, sensor->maximum);
}

static void
check_sample_parameter (MimicAsset *asset,
                        const char *id,
                        const char *unit,
                        double      minimum,
                        double      maximum,
                        double      step,
                        gboolean    writable)
{
  const MimicAssetParameter *parameter = mimic_asset_get_parameter (asset, id);

  if (parameter == NULL)
    g_error ("%s has no parameter %s", mimic_asset_get_id (asset), id);
  g_assert_cmpstr (parameter->unit, ==, unit);
  g_assert_true (parameter->has_whatif);
  g_assert_cmpfloat_with_epsilon (parameter->whatif_minimum, minimum, 1e-9);
  g_assert_cmpfloat_with_epsilon (parameter->whatif_maximum, maximum, 1e-9);
  g_assert_cmpfloat_with_epsilon (parameter->whatif_step, step, 1e-9);
  g_assert_cmpint (parameter->writable, ==, writable);
}

static void
check_sample_command (MimicAsset *asset,
                      const char *id,
                      const char *argument_name,
                      const char *unit,
                      double      minimum,
                      double      maximum,
                      gboolean    select_before_operate)
{
  const MimicAssetCommand *command = mimic_asset_get_command (asset, id);

  if (command == NULL)
    g_error ("%s has no command %s", mimic_asset_get_id (asset), id);
  g_assert_cmpfloat (command->timeout_s, ==, 10);
  g_assert_cmpint (command->select_before_operate, ==, select_before_operate);
  if (argument_name == NULL)
    {
      g_assert_cmpuint (command->arguments->len, ==, 0);
    }
  else
    {
      const MimicAssetArgument *argument = mimic_asset_command_get_argument (command, argument_name);

      g_assert_nonnull (argument);
      g_assert_true (argument->required);
      g_assert_cmpstr (argument->unit, ==, unit);
      g_assert_cmpfloat (argument->minimum, ==, minimum);
      g_assert_cmpfloat (argument->maximum, ==, maximum);
    }
}

static void
test_asset_samples (void)
{
  g_autoptr(MimicAssetRegistry) registry = mimic_asset_registry_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *problems;
  MimicAsset *pump, *rack;
  const MimicAssetSensor *sensor;

  g_assert_true (mimic_asset_registry_load_directory (registry, NULL, &error));
  g_assert_no_error (error);
  problems = mimic_asset_registry_get_problems (registry);
  for (guint i = 0; i < problems->len; i++)
    {
      g_autofree char *line = mimic_asset_problem_to_string (g_ptr_array_index (problems, i));

      g_test_message ("%s", line);
    }
  g_assert_cmpuint (problems->len, ==, 0);

  pump = mimic_asset_registry_lookup (registry, "pump-skid");
  g_assert_nonnull (pump);
  g_assert_cmpstr (mimic_asset_get_title (pump), ==, "Centrifugal pump skid");
  g_assert_cmpstr (mimic_asset_get_model_name (pump), ==, "pump-skid");
  g_assert_true (g_file_test (mimic_asset_get_geometry_path (pump), G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (mimic_asset_get_schematic_path (pump), G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (mimic_asset_get_sensors (pump)->len, ==, 12);
  check_sample_sensor (pump, "motor_current", "A", "skid/motor/housing", "motor");
  check_sample_sensor (pump, "power", "kW", "skid/motor/terminal_box", "motor-terminal");
  check_sample_sensor (pump, "winding_temp", "°C", "skid/motor/winding", "motor-winding");
  check_sample_sensor (pump, "bearing_de_temp", "°C", "skid/bearing_de", "bearing-de");
  check_sample_sensor (pump, "bearing_nde_temp", "°C", "skid/bearing_nde", "bearing-nde");
  check_sample_sensor (pump, "vibration", "mm/s", "skid/pump/casing", "pump-casing");
  check_sample_sensor (pump, "speed", "rpm", "skid/coupling", "coupling");
  check_sample_sensor (pump, "flow", "m³/h", "skid/flow_meter", "flow-meter");
  check_sample_sensor (pump, "suction_pressure", "bar", "skid/suction_pipe", "suction-pipe");
  check_sample_sensor (pump, "discharge_pressure", "bar", "skid/discharge_pipe", "discharge-pipe");
  check_sample_sensor (pump, "valve_position", "%", "skid/valve", "valve");
  check_sample_sensor (pump, "ambient_temp", "°C", "skid/base", "ambient");
  /* Class F insulation and ISO 10816-3 limits. */
  sensor = mimic_asset_get_sensor (pump, "winding_temp");
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HI].value, ==, 130);
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].value, ==, 155);
  sensor = mimic_asset_get_sensor (pump, "vibration");
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HI].value, ==, 4.5);
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].value, ==, 7.1);

  g_assert_cmpuint (mimic_asset_get_parameters (pump)->len, ==, 5);
  check_sample_parameter (pump, "ambient_temp", "°C", -10, 50, 1, FALSE);
  check_sample_parameter (pump, "speed_setpoint", "rpm", 600, 1800, 10, TRUE);
  check_sample_parameter (pump, "valve_setpoint", "%", 10, 100, 1, TRUE);
  check_sample_parameter (pump, "maintenance_delay", "d", 0, 60, 1, FALSE);
  check_sample_parameter (pump, "electricity_price", "EUR/kWh", 0.05, 0.60, 0.01, FALSE);

  g_assert_cmpuint (mimic_asset_get_commands (pump)->len, ==, 5);
  check_sample_command (pump, "start", NULL, NULL, 0, 0, FALSE);
  check_sample_command (pump, "stop", NULL, NULL, 0, 0, FALSE);
  check_sample_command (pump, "set_speed", "speed", "rpm", 0, 1800, FALSE);
  check_sample_command (pump, "set_valve", "position", "%", 0, 100, FALSE);
  check_sample_command (pump, "maintenance_done", NULL, NULL, 0, 0, TRUE);

  rack = mimic_asset_registry_lookup (registry, "battery-rack");
  g_assert_nonnull (rack);
  g_assert_cmpstr (mimic_asset_get_model_name (rack), ==, "battery-rack");
  g_assert_cmpuint (mimic_asset_get_sensors (rack)->len, ==, 23);
  for (guint n = 1; n <= 16; n++)
    {
      g_autofree char *id = g_strdup_printf ("module_%02u_temp", n);
      g_autofree char *node = g_strdup_printf ("rack/module_%02u", n);
      g_autofree char *svg = g_strdup_printf ("module-%02u", n);

      check_sample_sensor (rack, id, "°C", node, svg);
      sensor = mimic_asset_get_sensor (rack, id);
      g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HI].value, ==, 45);
      g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_HIHI].value, ==, 55);
    }
  check_sample_sensor (rack, "rack_voltage", "V", "rack/bms", "rack-voltage");
  check_sample_sensor (rack, "rack_current", "A", "rack/busbar", "busbar");
  check_sample_sensor (rack, "power", "kW", "rack/busbar", "power");
  check_sample_sensor (rack, "soc", "%", "rack/bms", "soc");
  check_sample_sensor (rack, "soh", "%", "rack/bms", "soh");
  check_sample_sensor (rack, "coolant_inlet_temp", "°C", "rack/coolant_inlet", "coolant-inlet");
  check_sample_sensor (rack, "coolant_outlet_temp", "°C", "rack/coolant_outlet", "coolant-outlet");
  sensor = mimic_asset_get_sensor (rack, "soc");
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_LO].value, ==, 10);
  g_assert_cmpfloat (sensor->alarms.limits[MIMIC_ALARM_LIMIT_LOLO].value, ==, 5);

  g_assert_cmpuint (mimic_asset_get_parameters (rack)->len, ==, 4);
  check_sample_parameter (rack, "ambient_temp", "°C", -10, 45, 1, FALSE);
  check_sample_parameter (rack, "power_setpoint", "kW", -250, 250, 5, TRUE);
  check_sample_parameter (rack, "coolant_flow", "l/min", 0, 120, 1, TRUE);
  check_sample_parameter (rack, "cycles_per_day", "1/d", 0, 4, 0.25, FALSE);

  g_assert_cmpuint (mimic_asset_get_commands (rack)->len, ==, 4);
  check_sample_command (rack, "set_power", "power", "kW", -250, 250, FALSE);
  check_sample_command (rack, "set_coolant_flow", "flow", "l/min", 0, 120, FALSE);
  check_sample_command (rack, "open_contactor", NULL, NULL, 0, 0, TRUE);
  check_sample_command (rack, "close_contactor", NULL, NULL, 0, 0, TRUE);

  g_assert_finalize_object (g_steal_pointer (&registry));
}

/* The complete example in docs/asset-format.md must stay loadable. */
static void
test_asset_documented_example (void)
{
  g_autofree char *doc_path = g_build_filename (g_getenv ("MIMIC_TEST_DATA_DIR"), "..", "..",
                                                "docs", "asset-format.md", NULL);
  g_autofree char *name = g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "pump-skid",
                                            "documented-example.json", NULL);
  g_autofree char *doc = NULL;
  g_autofree char *example = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAsset) asset = NULL;
  const char *start, *end;

  g_file_get_contents (doc_path, &doc, NULL, &error);
  g_assert_no_error (error);
  start = strstr (doc, "## Complete example");
  g_assert_nonnull (start);
  start = strstr (start, "```json\n");
  g_assert_nonnull (start);
  start += strlen ("```json\n");
  end = strstr (start, "\n```");
  g_assert_nonnull (end);
  example = g_strndup (start, end - start);

  asset = mimic_asset_new_from_data (example, strlen (example), name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_asset_get_id (asset), ==, "pump-skid");
  g_assert_cmpuint (mimic_asset_get_sensors (asset)->len, ==, 5);
  g_assert_cmpuint (mimic_asset_get_parameters (asset)->len, ==, 3);
  g_assert_cmpuint (mimic_asset_get_commands (asset)->len, ==, 3);
  g_assert_cmpuint (mimic_asset_get_bindings (asset)->len, ==, 1);
}

/* mimic-cli validate --------------------------------------------------- */

static int
run_validate (char       **out,
              char       **err,
              const char  *first_arg,
              ...)
{
  g_autofree char *program = g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, program);
  g_ptr_array_add (argv, (char *) "validate");
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
test_asset_cli_validate (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-validate-XXXXXX", NULL);
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *text = fixture_text ();
  g_autofree char *broken_text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  copy_fixture_into (dir, "fan");
  good = g_build_filename (dir, "fan", "mini-fan.json", NULL);
  bad = g_build_filename (dir, "fan", "broken.json", NULL);
  broken_text = replace_once (text, "\"minimum\": 0,\n      \"maximum\": 3000,\n      \"readOnly\"",
                              "\"minimum\": 3000,\n      \"maximum\": 0,\n      \"readOnly\"");
  g_free (text);
  text = replace_once (broken_text, "\"hi\": 80", "\"hi\": 99");
  write_file (dir, "fan", "broken.json", text);

  status = run_validate (&out, &err, good, NULL);
  expected = g_strdup_printf ("%s: mini-fan “Test fan”: 3 sensors, 3 parameters, 2 commands\n", good);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* One line per problem; the good file is still summarised. */
  status = run_validate (&out, &err, bad, good, NULL);
  g_assert_cmpint (status, ==, 1);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], bad));
  g_assert_nonnull (strstr (lines[0], ": $.properties.speed.minimum: minimum 3000 is not below maximum 0"));
  g_assert_nonnull (strstr (lines[1], ": $.properties.motor_temp.mimic:alarms.hihi: hihi 95 is below hi 99"));
  g_assert_cmpstr (lines[2], ==, g_strchomp (expected));
  g_assert_cmpstr (lines[3], ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_validate (&out, &err, "--quiet", good, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_validate (&out, &err, "/nonexistent/asset.json", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (out, "/nonexistent/asset.json: $: "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = run_validate (&out, &err, NULL, NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "no file given"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/asset/valid-fixture", test_asset_valid_fixture);
  g_test_add_func ("/mimic/asset/glb-geometry", test_asset_glb_geometry);
  g_test_add_func ("/mimic/asset/error/malformed-json", test_asset_error_malformed_json);
  g_test_add_func ("/mimic/asset/error/not-an-object", test_asset_error_not_an_object);
  g_test_add_func ("/mimic/asset/error/hostile-text", test_asset_error_hostile_text);
  g_test_add_func ("/mimic/asset/error/lone-surrogate", test_asset_error_lone_surrogate);
  g_test_add_func ("/mimic/asset/error/truncated", test_asset_error_truncated);
  g_test_add_func ("/mimic/asset/error/non-finite", test_asset_error_non_finite);
  g_test_add_func ("/mimic/asset/error/duplicate-key", test_asset_error_duplicate_key);
  g_test_add_func ("/mimic/asset/error/wrong-type", test_asset_error_wrong_type);
  g_test_add_func ("/mimic/asset/error/missing-member", test_asset_error_missing_member);
  g_test_add_func ("/mimic/asset/error/missing-unit", test_asset_error_missing_unit);
  g_test_add_func ("/mimic/asset/error/minimum-above-maximum", test_asset_error_minimum_above_maximum);
  g_test_add_func ("/mimic/asset/error/out-of-range", test_asset_error_out_of_range);
  g_test_add_func ("/mimic/asset/error/alarm-order", test_asset_error_alarm_order);
  g_test_add_func ("/mimic/asset/error/alarm-outside-range", test_asset_error_alarm_outside_range);
  g_test_add_func ("/mimic/asset/error/normal-band", test_asset_error_normal_band);
  g_test_add_func ("/mimic/asset/error/unknown-term", test_asset_error_unknown_term);
  g_test_add_func ("/mimic/asset/error/duplicate-svg-id", test_asset_error_duplicate_svg_id);
  g_test_add_func ("/mimic/asset/error/invalid-id", test_asset_error_invalid_id);
  g_test_add_func ("/mimic/asset/error/missing-node", test_asset_error_missing_node);
  g_test_add_func ("/mimic/asset/error/missing-geometry-file", test_asset_error_missing_geometry_file);
  g_test_add_func ("/mimic/asset/error/missing-svg-id", test_asset_error_missing_svg_id);
  g_test_add_func ("/mimic/asset/error/broken-gltf-hierarchy", test_asset_broken_gltf_hierarchy);
  g_test_add_func ("/mimic/asset/error/command", test_asset_error_command);
  g_test_add_func ("/mimic/asset/error/binding", test_asset_error_binding);
  g_test_add_func ("/mimic/asset/error/collects-all", test_asset_error_collects_all);
  g_test_add_func ("/mimic/asset/error/unreadable-file", test_asset_error_unreadable_file);
  g_test_add_func ("/mimic/asset/registry/load", test_asset_registry_load);
  g_test_add_func ("/mimic/asset/registry/load-async", test_asset_registry_load_async);
  g_test_add_func ("/mimic/asset/samples", test_asset_samples);
  g_test_add_func ("/mimic/asset/documented-example", test_asset_documented_example);
  g_test_add_func ("/mimic/asset/cli/validate", test_asset_cli_validate);

  return g_test_run ();
}
