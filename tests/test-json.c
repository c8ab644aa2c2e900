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

/* json-glib skips "/ … /" and C comments and reads single-quoted strings;
 * any of them could hide a second value from the check, and the first
 * input below made json-glib leak the object after its root. */
static void
test_not_strict (void)
{
  const char *not_strict[] = {
    "{\"topic\": 6/, \"pa\":{\"topic\": 6/, \"pa\": {}} {}}",
    "[1, / { / 2]", "[1 /* ] */]", "['a{', 1]", "{\"a\": 1} // {}", "'x'",
  };
  const char *strict[] = {
    "{\"url\": \"ws://host/path\", \"quote\": \"it's\"}", "[\"/*\", \"'\"]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (not_strict); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(GError) error = NULL;

      g_test_message ("not strict: %s", not_strict[i]);
      g_assert_false (is_single (not_strict[i]));
      g_assert_false (mimic_json_parser_load_from_data (parser, not_strict[i], -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
      g_assert_null (json_parser_get_root (parser));
    }

  for (guint i = 0; i < G_N_ELEMENTS (strict); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(GError) error = NULL;

      g_test_message ("strict: %s", strict[i]);
      g_assert_true (mimic_json_parser_load_from_data (parser, strict[i], -1, &error));
      g_assert_no_error (error);
    }
}

static void
test_text_for_message (void)
{
  const char cut[] = { 'a', (char) 0xc3, 'b', (char) 0xff, '\0' };
  g_autofree char *plain = mimic_json_text_for_message ("grüße", -1);
  g_autofree char *escaped = mimic_json_text_for_message (cut, -1);
  g_autofree char *truncated = mimic_json_text_for_message ("gr\xc3\xbc", 3);
  g_autofree char *with_nul = mimic_json_text_for_message ("a\0b", 3);
  g_autofree char *none = mimic_json_text_for_message (NULL, -1);

  g_assert_cmpstr (plain, ==, "grüße");
  g_assert_cmpstr (escaped, ==, "a\\xC3b\\xFF");
  g_assert_true (g_utf8_validate (escaped, -1, NULL));
  /* Cut inside "ü": the first byte of it is escaped, nothing is read past
   * the length. */
  g_assert_cmpstr (truncated, ==, "gr\\xC3");
  g_assert_cmpstr (with_nul, ==, "a\\x00b");
  g_assert_cmpstr (none, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/json/single-values", test_single_values);
  g_test_add_func ("/mimic/json/several-values", test_several_values);
  g_test_add_func ("/mimic/json/parser-load", test_parser_load);
  g_test_add_func ("/mimic/json/not-strict", test_not_strict);
  g_test_add_func ("/mimic/json/text-for-message", test_text_for_message);

  return g_test_run ();
}
