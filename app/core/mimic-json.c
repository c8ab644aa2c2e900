/* mimic-json.c — see mimic-json.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-json"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-json.h"

/**
 * mimic_json_is_single_value:
 * @data: (array length=length): JSON text
 * @length: its length in bytes
 *
 * Whether @data holds at most one top-level value, as far as can be told
 * without parsing it: strings (with their escapes) are skipped, brackets
 * counted, and a second value starting at the top level makes it %FALSE.
 * Malformed input that is one value at most gives %TRUE; json-glib then
 * says what is wrong with it.
 */
gboolean
mimic_json_is_single_value (const char *data,
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

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          in_scalar = FALSE;
          continue;
        }

      /* A value begins at the top level: the first is fine. */
      if (depth == 0 && (opens || !in_scalar) && ++n_values > 1)
        return FALSE;

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

  return TRUE;
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

  if (!mimic_json_is_single_value (data, (gsize) length))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("More than one JSON value"));
      return FALSE;
    }

  return json_parser_load_from_data (parser, data, length, error);
}
