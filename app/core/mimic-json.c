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
  TOP_LEVEL_BAD_SURROGATE, /* a \u surrogate escape that is not half of a valid pair */
} TopLevel;

static int
hex_digit_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The code unit json-glib 1.6 reads after "\u" at @position: up to four
 * characters, stopping after the first that is not a hex digit (which it
 * swallows too), the digits read counting as the leading ones, so "\ud8\n"
 * reads as 0xD800. @consumed: how many characters it takes; @n_digits: how
 * many of them are hex digits. */
static int
read_code_unit (const char *data,
                gsize       position,
                gsize       length,
                gsize      *consumed,
                guint      *n_digits)
{
  int value = 0;

  *consumed = 0;
  *n_digits = 0;
  while (*consumed < 4 && position + *consumed < length)
    {
      int digit = hex_digit_value (data[position + *consumed]);

      (*consumed)++;
      if (digit < 0)
        break;
      value |= digit << ((3 - *n_digits) * 4);
      (*n_digits)++;
    }

  return value;
}

static gboolean
is_surrogate (int unit)
{
  return unit >= 0xD800 && unit <= 0xDFFF;
}

/* How many bytes the escape "\u…" at @position spans, read as json-glib
 * reads it (so that the scan and json-glib agree where the string ends),
 * or 0 for a surrogate that is not half of a valid pair. json-glib 1.6
 * leaks the string it was building whenever a high surrogate is followed
 * by "\u" and anything but a low surrogate ("\ud800\u0041",
 * "\ud800\ud800", a pair cut off as "\ud83d\u"), and turns a lone
 * surrogate ("\ud800x") into bytes that are not UTF-8; Mimic's strict
 * reader (mimic-json-reader.h) refuses all of them, and so does this
 * check, so both paths agree. A valid pair is a high surrogate and a low
 * one, each with all four hex digits. */
static gsize
unicode_escape_length (const char *data,
                       gsize       position,
                       gsize       length)
{
  gsize consumed, low_consumed;
  guint n_digits, low_digits;
  int unit, low;

  /* Without a hex digit json-glib takes the "\u" alone. */
  if (position + 2 >= length || hex_digit_value (data[position + 2]) < 0)
    return 2;

  unit = read_code_unit (data, position + 2, length, &consumed, &n_digits);
  if (!is_surrogate (unit))
    return 2 + consumed;
  if (n_digits < 4 || unit >= 0xDC00)
    return 0;

  if (length - position < 8 || data[position + 6] != '\\' || data[position + 7] != 'u')
    return 0;
  low = read_code_unit (data, position + 8, length, &low_consumed, &low_digits);
  if (low_digits < 4 || low < 0xDC00 || low > 0xDFFF)
    return 0;

  return 12;
}

static TopLevel
scan_top_level (const char *data,
                gsize       length,
                gsize      *bad_offset)
{
  gsize depth = 0;
  guint n_values = 0;
  gboolean in_string = FALSE;
  gboolean in_scalar = FALSE;  /* inside a bare number, true, false or null at the top level */

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      gboolean opens = c == '{' || c == '[' || c == '"';

      if (in_string)
        {
          if (c == '\\')
            {
              gsize escape_length = 2;

              if (i + 1 < length && data[i + 1] == 'u')
                escape_length = unicode_escape_length (data, i, length);
              if (escape_length == 0)
                {
                  *bad_offset = i;
                  return TOP_LEVEL_BAD_SURROGATE;
                }
              /* The loop steps over the last byte. */
              i += escape_length - 1;
            }
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
 * json-glib would accept and which can hide a second value, gives %FALSE,
 * and so does a string with a \u surrogate escape that is not half of a
 * valid pair, on which json-glib leaks: %TRUE means the input is safe to
 * hand to json-glib.
 */
gboolean
mimic_json_is_single_value (const char *data,
                            gsize       length)
{
  gsize bad_offset;

  return scan_top_level (data, length, &bad_offset) == TOP_LEVEL_ONE_VALUE;
}

/* json-glib writes "<data>:LINE:COLUMN: reason"; the same form lets
 * callers that point at the place (the asset loader) read either. */
static void
set_bad_surrogate_error (const char  *data,
                         gsize        length,
                         gsize        offset,
                         GError     **error)
{
  guint line = 1;
  gsize line_start = 0;
  gsize escape_length = 2;
  g_autofree char *escape = NULL;
  g_autofree char *reason = NULL;

  /* "\u" and the hex digits after it: ASCII, so quoting them keeps the
   * message UTF-8, and nothing past the input is read. */
  while (escape_length < 6 && offset + escape_length < length &&
         hex_digit_value (data[offset + escape_length]) >= 0)
    escape_length++;
  escape = g_strndup (data + offset, escape_length);

  for (gsize i = 0; i < offset; i++)
    if (data[i] == '\n')
      {
        line++;
        line_start = i + 1;
      }

  /* Translators: %s is the escape as written in the JSON text, such as
   * \ud800; a UTF-16 surrogate may only come as a high one (\ud800 to
   * \udbff) followed at once by a low one (\udc00 to \udfff). */
  reason = g_strdup_printf (_("Unpaired UTF-16 surrogate escape “%s” in a string"), escape);

  g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA, "<data>:%u:%" G_GSIZE_FORMAT ": %s",
               line, offset - line_start + 1, reason);
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
  gsize bad_offset = 0;

  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length < 0)
    length = (gssize) strlen (data);

  switch (scan_top_level (data, (gsize) length, &bad_offset))
    {
    case TOP_LEVEL_BAD_SURROGATE:
      set_bad_surrogate_error (data, (gsize) length, bad_offset, error);
      return FALSE;
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
 * mimic_json_parser_load_from_data() refuses lone surrogate escapes
 * (`\ud800`), of which json-glib would make bytes that are not UTF-8;
 * text that reached json-glib otherwise may still hold such bytes, and
 * they come out escaped too.
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
