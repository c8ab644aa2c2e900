/* test-json.c — refusing more than one JSON value before json-glib
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-json"

#include "config.h"

#include <string.h>

#include "mimic-json.h"

static gboolean
is_single (const char *text)
{
  return mimic_json_is_single_value (text, strlen (text));
}

static void
test_single_values (void)
{
  const char *single[] = {
    "", "   ", "{}", " {\"a\": [1, 2, {\"b\": null}]} \n", "[1,2]", "42", "-1.5e3", "true", "\"text\"",
    "{\"s\": \"}{ ] [ \\\" {\"}", "\"\\\\\"", "{\"a\": \"\\\\\"}",
    /* malformed, but one value at most: json-glib says what is wrong */
    "{", "{\"a\": }", "}", "\"unterminated",
  };

  for (guint i = 0; i < G_N_ELEMENTS (single); i++)
    {
      g_test_message ("single: %s", single[i]);
      g_assert_true (is_single (single[i]));
    }
}

static void
test_several_values (void)
{
  const char *several[] = {
    "{}{}", "{\"a\":1} {\"b\":2}", "0{\"a\":1}", "[1] [2]", "1 2", "true false", "\"a\"\"b\"", "\"a\" 5",
    "{\"s\": \"}\"}{}", "null[]", "{}\n{}", "{} }",
  };

  for (guint i = 0; i < G_N_ELEMENTS (several); i++)
    {
      g_test_message ("several: %s", several[i]);
      g_assert_false (is_single (several[i]));
    }
}

static void
test_parser_load (void)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;

  /* json-glib alone takes this for valid JSON (and leaks the second
   * object); the wrapper refuses it. */
  g_assert_false (mimic_json_parser_load_from_data (parser, "{\"a\":1}{\"b\":2}", -1, &error));
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
  g_clear_error (&error);

  g_assert_true (mimic_json_parser_load_from_data (parser, "{\"a\":1}", 7, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  g_assert_false (mimic_json_parser_load_from_data (parser, "{\"a\":", -1, &error));
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/json/single-values", test_single_values);
  g_test_add_func ("/mimic/json/several-values", test_several_values);
  g_test_add_func ("/mimic/json/parser-load", test_parser_load);

  return g_test_run ();
}
