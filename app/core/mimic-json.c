/* mimic-json.c — see mimic-json.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-json"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-json.h"

typedef enum
{
  TOP_LEVEL_ONE_VALUE,   /* or none, or malformed in a way json-glib reports */
  TOP_LEVEL_SEVERAL_VALUES,
  TOP_LEVEL_NOT_STRICT,  /* a comment or a single-quoted string */
} TopLevel;

/* json-glib 1.6's tokenizer skips what lies between two slashes (its
 * single-line comment pair is "/" … "/", not "//" … newline) and C
 * comments, and reads 'single-quoted' strings. None of these is JSON, and
 * each could hide brackets or a second value from the count below, letting
 * through input on which json-glib leaks, such as
 * {"a": 6/, "b": {"c": 6/, "d": {}} {}}; so a slash or a single quote
 * outside a string ends the scan. */
static TopLevel
scan_top_level (const char *data,
                gsize       length)
{
  gsize depth = 0;
  guint n_values = 0;
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  gboolean in_scalar = FALSE;  /* inside a bare number, true, false or null at the top level */

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      gboolean opens = c == '{' || c == '[' || c == '"';

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '/' || c == '\'')
        return TOP_LEVEL_NOT_STRICT;

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          in_scalar = FALSE;
          continue;
        }

      /* A value begins at the top level: the first is fine. */
      if (depth == 0 && (opens || !in_scalar) && ++n_values > 1)
        return TOP_LEVEL_SEVERAL_VALUES;

      switch (c)
        {
        case '"':
          in_string = TRUE;
          in_scalar = FALSE;
          break;
        case '{':
        case '[':
          depth++;
          in_scalar = FALSE;
          break;
        case '}':
        case ']':
          if (depth > 0)
            depth--;
          in_scalar = FALSE;
          break;
        default:
          in_scalar = depth == 0;
          break;
        }
    }

  return TOP_LEVEL_ONE_VALUE;
}

/**
 * mimic_json_is_single_value:
 * @data: (array length=length): JSON text
 * @length: its length in bytes
 *
 * Whether @data holds at most one top-level value, as far as can be told
 * without parsing it: strings (with their escapes) are skipped, brackets
 * counted, and a second value starting at the top level makes it %FALSE.
 * Malformed input that is one value at most gives %TRUE; json-glib then
 * says what is wrong with it. A comment or a single-quoted string, which
 * json-glib would accept and which can hide a second value, gives %FALSE.
 */
gboolean
mimic_json_is_single_value (const char *data,
                            gsize       length)
{
  return scan_top_level (data, length) == TOP_LEVEL_ONE_VALUE;
}

/**
 * mimic_json_parser_load_from_data:
 * @parser: a #JsonParser
 * @data: JSON text
 * @length: its length in bytes, or -1 when NUL-terminated
 * @error: return location for a #JSON_PARSER_ERROR
 *
 * json_parser_load_from_data() for input from outside; see mimic-json.h.
 */
gboolean
mimic_json_parser_load_from_data (JsonParser  *parser,
                                  const char  *data,
                                  gssize       length,
                                  GError     **error)
{
  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length < 0)
    length = (gssize) strlen (data);

  switch (scan_top_level (data, (gsize) length))
    {
    case TOP_LEVEL_SEVERAL_VALUES:
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("More than one JSON value"));
      return FALSE;
    case TOP_LEVEL_NOT_STRICT:
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("Comments and single-quoted strings are not JSON"));
      return FALSE;
    case TOP_LEVEL_ONE_VALUE:
    default:
      break;
    }

  if (!json_parser_load_from_data (parser, data, length, error))
    {
      /* json-glib quotes pieces of the input in its messages; whatever it
       * quotes, the message Mimic shows must be UTF-8. */
      if (error != NULL && *error != NULL && !g_utf8_validate ((*error)->message, -1, NULL))
        {
          char *message = mimic_json_text_for_message ((*error)->message, -1);

          g_free ((*error)->message);
          (*error)->message = message;
        }
      return FALSE;
    }

  return TRUE;
}

/**
 * mimic_json_text_for_message:
 * @text: (nullable): text from outside, UTF-8 or not
 * @length: its length in bytes, or -1 when NUL-terminated
 *
 * Quoting input into an error message must not make the message invalid
 * UTF-8 (GTK labels, GVariant strings and JSON output all require it):
 * valid characters are kept, and every other byte is written as `\xNN`.
 * Characters json-glib makes from lone surrogate escapes (`\ud800`) are
 * not valid UTF-8 either, so they come out as escaped bytes too.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *
mimic_json_text_for_message (const char *text,
                             gssize      length)
{
  g_autoptr(GString) result = NULL;
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  if (length < 0)
    length = (gssize) strlen (text);

  result = g_string_sized_new ((gsize) length);
  end = text + length;
  while (text < end)
    {
      const char *valid_end;

      if (g_utf8_validate_len (text, (gsize) (end - text), &valid_end))
        valid_end = end;
      g_string_append_len (result, text, valid_end - text);
      text = valid_end;
      if (text < end)
        {
          /* An embedded NUL stops g_utf8_validate_len() as well. */
          g_string_append_printf (result, "\\x%02X", (guchar) *text);
          text++;
        }
    }

  return g_string_free (g_steal_pointer (&result), FALSE);
}
