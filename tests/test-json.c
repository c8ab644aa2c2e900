/* test-json.c — refusing what json-glib misreads or leaks on, before json-glib
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

/* Every way a \u surrogate escape can fail to be half of a valid pair.
 * json-glib 1.6 leaks the string it was building on the first five kinds
 * (LeakSanitizer reports it in the sanitizer build) and turns a lone
 * surrogate into bytes that are not UTF-8; the wrapper refuses them all
 * before json-glib sees them, as the strict reader does. */
static const struct
{
  const char *text;
  const char *escape;  /* the one the message names */
} unpaired[] = {
  { "\"\\ud800\\u0041\"", "\\ud800" },          /* high, then \u and not a low surrogate */
  { "\"\\ud800\\ud800\"", "\\ud800" },          /* high, then another high */
  { "\"\\uD800\\u00zz\"", "\\uD800" },          /* high, then \u without hex digits */
  { "\"\\ud83d\\u\"", "\\ud83d" },              /* a pair cut off after \u */
  { "\"\\ud83d\\u", "\\ud83d" },                /* ... at the end of the input */
  { "\"\\ud800\\udc0\"", "\\ud800" },           /* a low surrogate cut short */
  { "\"\\ud83d", "\\ud83d" },                   /* a pair cut off after the high half */
  { "\"\\ud83d\\", "\\ud83d" },
  { "\"\\ud800\"", "\\ud800" },                 /* lone high surrogate */
  { "\"\\udbffx\"", "\\udbff" },
  { "\"\\ud800\\n\"", "\\ud800" },              /* high, then another escape */
  { "\"\\udc00\"", "\\udc00" },                 /* lone low surrogate */
  { "\"\\uDFFF\\ud800\"", "\\uDFFF" },          /* a pair the wrong way round */
  { "\"\\ud83d\\ude00\\ude00\"", "\\ude00" },   /* a valid pair, then a lone low one */
  { "{\"\\ud800\\u0041\": 1}", "\\ud800" },     /* in a member name */
  { "{\"values\": {\"flow\": 1}, \"note\": \"\\ud800x\"}", "\\ud800" },
  { "[1, {\"a\": [\"ok\", \"\\udc00\"]}]", "\\udc00" },
};

static void
test_unpaired_surrogates (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (unpaired); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = g_strdup_printf ("“%s”", unpaired[i].escape);

      g_test_message ("unpaired: %s", unpaired[i].text);
      g_assert_false (is_single (unpaired[i].text));
      g_assert_false (mimic_json_parser_load_from_data (parser, unpaired[i].text, -1, &error));
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_nonnull (strstr (error->message, expected));
      g_assert_null (json_parser_get_root (parser));
    }
}

/* Valid pairs, text that only looks like an escape, and escapes next to
 * the surrogate range still load, with the characters they stand for. */
static void
test_paired_surrogates (void)
{
  static const struct
  {
    const char *text;
    const char *value;
  } paired[] = {
    { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
    { "\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e" },
    { "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
    { "\"\\ud800\\udc00\\ud800\\udc00\"", "\xf0\x90\x80\x80\xf0\x90\x80\x80" },
    { "\"\\\\ud800\"", "\\ud800" },                /* an escaped backslash, then plain text */
    { "\"\\\\\\ud83d\\ude00\"", "\\\xf0\x9f\x98\x80" },
    { "\"\\ud7ff\\ue000\"", "\xed\x9f\xbf\xee\x80\x80" }, /* either side of the range */
    { "\"ud800\"", "ud800" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (paired); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      g_test_message ("paired: %s", paired[i].text);
      g_assert_true (is_single (paired[i].text));
      g_assert_true (mimic_json_parser_load_from_data (parser, paired[i].text, -1, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (json_node_get_string (json_parser_get_root (parser)), ==, paired[i].value);
    }
}

/* The message points at the escape as json-glib's own messages point at
 * a problem ("<data>:LINE:COLUMN: …"), so the asset loader can name the
 * place in a description file. */
static void
test_unpaired_surrogate_position (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *text = "{\"a\": 1,\n  \"b\": \"x\\udc00\"}";

  g_assert_false (mimic_json_parser_load_from_data (parser, text, -1, &error));
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, "<data>:2:10: "));
}

/* Strings made of every sequence of up to three pieces around surrogates,
 * whole and cut at every byte: whatever loads holds only UTF-8 strings, and
 * in the sanitizer build LeakSanitizer checks that nothing leaks on what
 * does not. */
static gboolean
strings_are_utf8 (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !strings_are_utf8 (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!strings_are_utf8 (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static void
test_surrogate_combinations (void)
{
  static const char *pieces[] = {
    "\\ud800", "\\udbff", "\\udc00", "\\uDFFF", "\\u0041", "\\u", "\\ud8", "x", "\\\\", "\\n",
  };
  const guint n = G_N_ELEMENTS (pieces);
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint n_loaded = 0, n_refused = 0;

  for (guint combination = 0; combination < n * n * n + n * n + n; combination++)
    {
      g_autoptr(GString) body = g_string_new (NULL);
      g_autofree char *string = NULL;
      g_autofree char *member = NULL;
      guint rest = combination;
      guint n_pieces = rest < n ? 1 : rest < n + n * n ? 2 : 3;

      rest -= n_pieces == 1 ? 0 : n_pieces == 2 ? n : n + n * n;
      for (guint p = 0; p < n_pieces; p++, rest /= n)
        g_string_append (body, pieces[rest % n]);

      string = g_strdup_printf ("[\"%s\"]", body->str);
      member = g_strdup_printf ("{\"%s\": 1}", body->str);
      for (guint form = 0; form < 2; form++)
        {
          const char *text = form == 0 ? string : member;
          gsize length = strlen (text);

          for (gsize cut = 1; cut <= length; cut++)
            {
              if (mimic_json_parser_load_from_data (parser, text, cut, NULL))
                {
                  n_loaded++;
                  g_assert_true (json_parser_get_root (parser) == NULL ||
                                 strings_are_utf8 (json_parser_get_root (parser)));
                }
              else
                n_refused++;
            }
        }
    }

  g_test_message ("%u loaded, %u refused", n_loaded, n_refused);
  g_assert_cmpuint (n_loaded, >, 100);
  g_assert_cmpuint (n_refused, >, 1000);
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
  g_test_add_func ("/mimic/json/unpaired-surrogates", test_unpaired_surrogates);
  g_test_add_func ("/mimic/json/paired-surrogates", test_paired_surrogates);
  g_test_add_func ("/mimic/json/unpaired-surrogate-position", test_unpaired_surrogate_position);
  g_test_add_func ("/mimic/json/surrogate-combinations", test_surrogate_combinations);
  g_test_add_func ("/mimic/json/text-for-message", test_text_for_message);

  return g_test_run ();
}
