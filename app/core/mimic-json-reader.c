/* mimic-json-reader.c — see mimic-json-reader.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-json-reader"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-json-reader.h"

G_DEFINE_QUARK (mimic-json-reader-error-quark, mimic_json_reader_error)

/* What may come next. */
enum
{
  STATE_VALUE,                 /* at the start, after ':' and after ',' in an array */
  STATE_VALUE_OR_END_ARRAY,    /* after '[' */
  STATE_NAME_OR_END_OBJECT,    /* after '{' */
  STATE_NAME,                  /* after ',' in an object */
  STATE_AFTER_VALUE,           /* ',' or the container's end, or the input's end at the top */
  STATE_DONE,
  STATE_FAILED,
};

void
mimic_json_reader_init (MimicJsonReader *reader,
                        const char      *data,
                        gsize            length,
                        guint            max_depth)
{
  g_return_if_fail (reader != NULL);
  g_return_if_fail (data != NULL || length == 0);

  memset (reader, 0, sizeof *reader);
  reader->data = (const guint8 *) data;
  reader->length = length;
  reader->max_depth = max_depth == 0 || max_depth > MIMIC_JSON_READER_MAX_DEPTH
                      ? MIMIC_JSON_READER_MAX_DEPTH : max_depth;
  reader->state = STATE_VALUE;
}

static MimicJsonToken
fail (MimicJsonReader      *reader,
      MimicJsonReaderError  error,
      gsize                 offset)
{
  reader->state = STATE_FAILED;
  reader->error = error;
  reader->error_offset = offset;
  return MIMIC_JSON_TOKEN_ERROR;
}

/* Past the end is "truncated", anything else "unexpected". */
static MimicJsonToken
fail_at (MimicJsonReader *reader,
         gsize            offset)
{
  return fail (reader, offset >= reader->length ? MIMIC_JSON_READER_ERROR_TRUNCATED
                                                : MIMIC_JSON_READER_ERROR_UNEXPECTED, offset);
}

static inline gsize
skip_whitespace (const guint8 *data,
                 gsize         position,
                 gsize         length)
{
  while (position < length &&
         (data[position] == ' ' || data[position] == '\n' || data[position] == '\r' || data[position] == '\t'))
    position++;
  return position;
}

static inline gboolean
in_object (MimicJsonReader *reader)
{
  guint index = reader->depth - 1;

  return (reader->objects[index / 8] >> (index % 8)) & 1;
}

static MimicJsonToken
open_container (MimicJsonReader *reader,
                gboolean         is_object)
{
  guint index = reader->depth;

  if (reader->depth >= reader->max_depth)
    return fail (reader, MIMIC_JSON_READER_ERROR_DEPTH, reader->position);

  if (is_object)
    reader->objects[index / 8] |= 1 << (index % 8);
  else
    reader->objects[index / 8] &= ~(1 << (index % 8));
  reader->depth++;
  reader->position++;
  reader->state = is_object ? STATE_NAME_OR_END_OBJECT : STATE_VALUE_OR_END_ARRAY;

  return is_object ? MIMIC_JSON_TOKEN_BEGIN_OBJECT : MIMIC_JSON_TOKEN_BEGIN_ARRAY;
}

static MimicJsonToken
close_container (MimicJsonReader *reader)
{
  gboolean was_object = in_object (reader);

  reader->depth--;
  reader->position++;
  reader->state = STATE_AFTER_VALUE;

  return was_object ? MIMIC_JSON_TOKEN_END_OBJECT : MIMIC_JSON_TOKEN_END_ARRAY;
}

static inline int
hex_value (guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The four hex digits at @position, or -1. */
static int
read_hex4 (const guint8 *data,
           gsize         position,
           gsize         length)
{
  int value = 0;

  if (length - position < 4)
    return -1;

  for (guint i = 0; i < 4; i++)
    {
      int digit = hex_value (data[position + i]);

      if (digit < 0)
        return -1;
      value = value << 4 | digit;
    }

  return value;
}

/* The length of the valid UTF-8 sequence (RFC 3629) starting at
 * @position with a byte of 0x80 or more, or 0. */
static gsize
utf8_sequence_length (const guint8 *data,
                      gsize         position,
                      gsize         length)
{
  guint8 lead = data[position];
  gsize available = length - position;
  guint8 low = 0x80, high = 0xBF;
  gsize n;

  if (lead >= 0xC2 && lead <= 0xDF)
    n = 2;
  else if (lead >= 0xE0 && lead <= 0xEF)
    {
      n = 3;
      if (lead == 0xE0)
        low = 0xA0;        /* no overlong forms */
      else if (lead == 0xED)
        high = 0x9F;       /* no encoded surrogates */
    }
  else if (lead >= 0xF0 && lead <= 0xF4)
    {
      n = 4;
      if (lead == 0xF0)
        low = 0x90;
      else if (lead == 0xF4)
        high = 0x8F;       /* nothing above U+10FFFF */
    }
  else
    return 0;

  if (available < n || data[position + 1] < low || data[position + 1] > high)
    return 0;
  for (gsize i = 2; i < n; i++)
    if (data[position + i] < 0x80 || data[position + i] > 0xBF)
      return 0;

  return n;
}

/* Scans the string whose opening quote is at reader->position. */
static gboolean
scan_string (MimicJsonReader *reader)
{
  const guint8 *data = reader->data;
  gsize length = reader->length;
  gsize position = reader->position + 1;

  reader->token_start = position;
  reader->token_has_escapes = FALSE;

  while (position < length)
    {
      guint8 c = data[position];

      if (c == '"')
        {
          reader->token_end = position;
          reader->position = position + 1;
          return TRUE;
        }

      if (G_LIKELY (c >= 0x20 && c < 0x80 && c != '\\'))
        {
          position++;
        }
      else if (c == '\\')
        {
          reader->token_has_escapes = TRUE;
          if (position + 1 >= length)
            break;

          switch (data[position + 1])
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              position += 2;
              break;

            case 'u':
              {
                int unit = read_hex4 (data, position + 2, length);

                if (unit < 0)
                  {
                    fail (reader, position + 6 > length ? MIMIC_JSON_READER_ERROR_TRUNCATED
                                                        : MIMIC_JSON_READER_ERROR_ESCAPE, position);
                    return FALSE;
                  }

                if (unit >= 0xDC00 && unit <= 0xDFFF)
                  {
                    fail (reader, MIMIC_JSON_READER_ERROR_SURROGATE, position);
                    return FALSE;
                  }

                if (unit >= 0xD800 && unit <= 0xDBFF)
                  {
                    int low;

                    if (position + 12 > length)
                      {
                        fail (reader, MIMIC_JSON_READER_ERROR_TRUNCATED, position);
                        return FALSE;
                      }
                    low = data[position + 6] == '\\' && data[position + 7] == 'u'
                          ? read_hex4 (data, position + 8, length) : -1;
                    if (low < 0xDC00 || low > 0xDFFF)
                      {
                        fail (reader, MIMIC_JSON_READER_ERROR_SURROGATE, position);
                        return FALSE;
                      }
                    position += 6;
                  }

                position += 6;
              }
              break;

            default:
              fail (reader, MIMIC_JSON_READER_ERROR_ESCAPE, position);
              return FALSE;
            }
        }
      else if (c < 0x20)
        {
          fail (reader, MIMIC_JSON_READER_ERROR_CONTROL_CHARACTER, position);
          return FALSE;
        }
      else
        {
          gsize n = utf8_sequence_length (data, position, length);

          if (n == 0)
            {
              fail (reader, MIMIC_JSON_READER_ERROR_UTF8, position);
              return FALSE;
            }
          position += n;
        }
    }

  fail (reader, MIMIC_JSON_READER_ERROR_TRUNCATED, position);
  return FALSE;
}

static inline gboolean
is_digit (guint8 c)
{
  return c >= '0' && c <= '9';
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static gboolean
scan_number (MimicJsonReader *reader)
{
  const guint8 *data = reader->data;
  gsize length = reader->length;
  gsize position = reader->position;

  reader->token_start = position;
  reader->token_is_integer = TRUE;

  if (data[position] == '-')
    position++;

  if (position < length && data[position] == '0')
    position++;
  else if (position < length && is_digit (data[position]))
    while (position < length && is_digit (data[position]))
      position++;
  else
    goto bad_number;

  if (position < length && data[position] == '.')
    {
      reader->token_is_integer = FALSE;
      position++;
      if (position >= length || !is_digit (data[position]))
        goto bad_number;
      while (position < length && is_digit (data[position]))
        position++;
    }

  if (position < length && (data[position] == 'e' || data[position] == 'E'))
    {
      reader->token_is_integer = FALSE;
      position++;
      if (position < length && (data[position] == '+' || data[position] == '-'))
        position++;
      if (position >= length || !is_digit (data[position]))
        goto bad_number;
      while (position < length && is_digit (data[position]))
        position++;
    }

  /* A leading zero followed by more digits ("01") ends the number at the
   * zero; the digit after it is then refused as unexpected, which is the
   * grammar's answer too, but the number error says it better. */
  if (position < length && is_digit (data[position]))
    goto bad_number;

  reader->token_end = position;
  reader->position = position;
  return TRUE;

bad_number:
  fail (reader, position >= length ? MIMIC_JSON_READER_ERROR_TRUNCATED : MIMIC_JSON_READER_ERROR_NUMBER,
        reader->token_start);
  return FALSE;
}

static MimicJsonToken
read_literal (MimicJsonReader *reader,
              const char      *literal,
              gsize            literal_length,
              MimicJsonToken   token)
{
  gsize available = reader->length - reader->position;

  if (available < literal_length)
    {
      if (memcmp (reader->data + reader->position, literal, available) == 0)
        return fail (reader, MIMIC_JSON_READER_ERROR_TRUNCATED, reader->position);
      return fail (reader, MIMIC_JSON_READER_ERROR_UNEXPECTED, reader->position);
    }

  if (memcmp (reader->data + reader->position, literal, literal_length) != 0)
    return fail (reader, MIMIC_JSON_READER_ERROR_UNEXPECTED, reader->position);

  reader->position += literal_length;
  reader->state = STATE_AFTER_VALUE;
  return token;
}

static MimicJsonToken
read_value (MimicJsonReader *reader)
{
  switch (reader->data[reader->position])
    {
    case '{':
      return open_container (reader, TRUE);
    case '[':
      return open_container (reader, FALSE);
    case '"':
      if (!scan_string (reader))
        return MIMIC_JSON_TOKEN_ERROR;
      reader->state = STATE_AFTER_VALUE;
      return MIMIC_JSON_TOKEN_STRING;
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
      if (!scan_number (reader))
        return MIMIC_JSON_TOKEN_ERROR;
      reader->state = STATE_AFTER_VALUE;
      return MIMIC_JSON_TOKEN_NUMBER;
    case 't':
      return read_literal (reader, "true", 4, MIMIC_JSON_TOKEN_TRUE);
    case 'f':
      return read_literal (reader, "false", 5, MIMIC_JSON_TOKEN_FALSE);
    case 'n':
      return read_literal (reader, "null", 4, MIMIC_JSON_TOKEN_NULL);
    default:
      return fail (reader, MIMIC_JSON_READER_ERROR_UNEXPECTED, reader->position);
    }
}

static MimicJsonToken
read_member_name (MimicJsonReader *reader)
{
  gsize position;

  if (reader->data[reader->position] != '"')
    return fail (reader, MIMIC_JSON_READER_ERROR_UNEXPECTED, reader->position);
  if (!scan_string (reader))
    return MIMIC_JSON_TOKEN_ERROR;

  position = skip_whitespace (reader->data, reader->position, reader->length);
  if (position >= reader->length || reader->data[position] != ':')
    return fail_at (reader, position);

  reader->position = skip_whitespace (reader->data, position + 1, reader->length);
  reader->state = STATE_VALUE;
  return MIMIC_JSON_TOKEN_MEMBER_NAME;
}

MimicJsonToken
mimic_json_reader_next (MimicJsonReader *reader)
{
  gsize position;
  guint8 c;

  g_return_val_if_fail (reader != NULL, MIMIC_JSON_TOKEN_ERROR);

  if (reader->state == STATE_FAILED)
    return MIMIC_JSON_TOKEN_ERROR;
  if (reader->state == STATE_DONE)
    return MIMIC_JSON_TOKEN_END;

  position = skip_whitespace (reader->data, reader->position, reader->length);
  reader->position = position;

  if (reader->state == STATE_AFTER_VALUE)
    {
      if (reader->depth == 0)
        {
          if (position < reader->length)
            return fail (reader, MIMIC_JSON_READER_ERROR_TRAILING_DATA, position);
          reader->state = STATE_DONE;
          return MIMIC_JSON_TOKEN_END;
        }

      if (position >= reader->length)
        return fail (reader, MIMIC_JSON_READER_ERROR_TRUNCATED, position);

      c = reader->data[position];
      if (c == ',')
        {
          reader->state = in_object (reader) ? STATE_NAME : STATE_VALUE;
          position = skip_whitespace (reader->data, position + 1, reader->length);
          reader->position = position;
        }
      else if ((c == '}' && in_object (reader)) || (c == ']' && !in_object (reader)))
        return close_container (reader);
      else
        return fail (reader, MIMIC_JSON_READER_ERROR_UNEXPECTED, position);
    }

  if (position >= reader->length)
    {
      if (reader->depth == 0 && position == reader->length && reader->state == STATE_VALUE)
        return fail (reader, MIMIC_JSON_READER_ERROR_EMPTY, position);
      return fail (reader, MIMIC_JSON_READER_ERROR_TRUNCATED, position);
    }

  c = reader->data[position];
  switch (reader->state)
    {
    case STATE_NAME_OR_END_OBJECT:
      if (c == '}')
        return close_container (reader);
      return read_member_name (reader);

    case STATE_NAME:
      return read_member_name (reader);

    case STATE_VALUE_OR_END_ARRAY:
      if (c == ']')
        return close_container (reader);
      return read_value (reader);

    case STATE_VALUE:
    default:
      return read_value (reader);
    }
}

gboolean
mimic_json_reader_skip_value (MimicJsonReader *reader,
                              MimicJsonToken   token)
{
  guint depth;

  g_return_val_if_fail (reader != NULL, FALSE);

  if (token == MIMIC_JSON_TOKEN_ERROR)
    return FALSE;
  if (token != MIMIC_JSON_TOKEN_BEGIN_OBJECT && token != MIMIC_JSON_TOKEN_BEGIN_ARRAY)
    return TRUE;

  depth = reader->depth;
  while (reader->depth >= depth)
    if (mimic_json_reader_next (reader) == MIMIC_JSON_TOKEN_ERROR)
      return FALSE;

  return TRUE;
}

guint
mimic_json_reader_get_depth (MimicJsonReader *reader)
{
  g_return_val_if_fail (reader != NULL, 0);

  return reader->depth;
}

const char *
mimic_json_reader_get_raw (MimicJsonReader *reader,
                           gsize           *length)
{
  g_return_val_if_fail (reader != NULL, NULL);

  if (length != NULL)
    *length = reader->token_end - reader->token_start;
  return (const char *) reader->data + reader->token_start;
}

gboolean
mimic_json_reader_string_has_escapes (MimicJsonReader *reader)
{
  g_return_val_if_fail (reader != NULL, FALSE);

  return reader->token_has_escapes;
}

gboolean
mimic_json_reader_string_equals (MimicJsonReader *reader,
                                 const char      *text,
                                 gsize            length)
{
  g_return_val_if_fail (reader != NULL, FALSE);

  return !reader->token_has_escapes &&
         reader->token_end - reader->token_start == length &&
         memcmp (reader->data + reader->token_start, text, length) == 0;
}

static void
put_byte (char  *buffer,
          gsize  size,
          gsize *n,
          char   byte)
{
  if (*n + 1 < size)
    buffer[*n] = byte;
  (*n)++;
}

gsize
mimic_json_reader_copy_string (MimicJsonReader *reader,
                               char            *buffer,
                               gsize            size)
{
  const guint8 *data;
  gsize n = 0;

  g_return_val_if_fail (reader != NULL, 0);
  g_return_val_if_fail (buffer != NULL || size == 0, 0);

  data = reader->data;
  for (gsize i = reader->token_start; i < reader->token_end; i++)
    {
      gunichar unit;
      char utf8[6];
      int utf8_length;

      if (data[i] != '\\')
        {
          put_byte (buffer, size, &n, (char) data[i]);
          continue;
        }

      i++;
      switch (data[i])
        {
        case 'b': put_byte (buffer, size, &n, '\b'); continue;
        case 'f': put_byte (buffer, size, &n, '\f'); continue;
        case 'n': put_byte (buffer, size, &n, '\n'); continue;
        case 'r': put_byte (buffer, size, &n, '\r'); continue;
        case 't': put_byte (buffer, size, &n, '\t'); continue;
        case 'u': break;
        default: put_byte (buffer, size, &n, (char) data[i]); continue;
        }

      /* Scanning made sure of four hex digits and whole surrogate pairs. */
      unit = (gunichar) read_hex4 (data, i + 1, reader->token_end);
      i += 4;
      if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          gunichar low = (gunichar) read_hex4 (data, i + 3, reader->token_end);

          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }

      utf8_length = g_unichar_to_utf8 (unit, utf8);
      for (int k = 0; k < utf8_length; k++)
        put_byte (buffer, size, &n, utf8[k]);
    }

  if (size > 0)
    buffer[MIN (n, size - 1)] = '\0';

  return n;
}

gboolean
mimic_json_reader_number_is_integer (MimicJsonReader *reader)
{
  g_return_val_if_fail (reader != NULL, FALSE);

  return reader->token_is_integer;
}

gint64
mimic_json_reader_get_int (MimicJsonReader *reader)
{
  const guint8 *data;
  gsize position, end;
  gboolean negative;
  guint64 magnitude = 0;

  g_return_val_if_fail (reader != NULL, 0);

  data = reader->data;
  position = reader->token_start;
  end = reader->token_end;
  negative = data[position] == '-';
  if (negative)
    position++;

  for (; position < end && is_digit (data[position]); position++)
    {
      guint digit = data[position] - '0';

      /* g_ascii_strtoull() saturates; so does json-glib's scanner. */
      if (magnitude > (G_MAXUINT64 - digit) / 10)
        {
          magnitude = G_MAXUINT64;
          break;
        }
      magnitude = magnitude * 10 + digit;
    }

  /* json-glib negates the unsigned magnitude and stores the bits. */
  if (negative)
    magnitude = (guint64) 0 - magnitude;

  return (gint64) magnitude;
}

/* Clinger's fast path: a decimal of at most 19 significant digits whose
 * value is below 2^53, scaled by at most 10^22, is one exact integer
 * multiplied or divided by one exact power of ten, so the one rounding of
 * that operation gives the correctly rounded result, bit for bit what
 * g_ascii_strtod() gives. Sensor readings such as 1234.567 take this path
 * and skip strtod's general (and much slower) algorithm. FALSE when the
 * number is outside it. */
static gboolean
read_double_exactly (const guint8 *text,
                     gsize         length,
                     double       *value)
{
  static const double powers_of_ten[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  };
  const guint8 *end = text + length;
  gboolean negative = FALSE;
  guint64 mantissa = 0;
  guint n_significant = 0;
  int exponent = 0;
  double result;

  if (text < end && *text == '-')
    {
      negative = TRUE;
      text++;
    }

  for (; text < end && is_digit (*text); text++)
    {
      if (mantissa != 0 || *text != '0')
        n_significant++;
      mantissa = mantissa * 10 + (guint) (*text - '0');
      if (n_significant > 19)
        return FALSE;
    }

  if (text < end && *text == '.')
    for (text++; text < end && is_digit (*text); text++)
      {
        if (mantissa != 0 || *text != '0')
          n_significant++;
        mantissa = mantissa * 10 + (guint) (*text - '0');
        exponent--;
        if (n_significant > 19)
          return FALSE;
      }

  if (text < end && (*text == 'e' || *text == 'E'))
    {
      gboolean exponent_negative = FALSE;
      int written = 0;
      guint n_digits = 0;

      text++;
      if (*text == '+' || *text == '-')
        exponent_negative = *text++ == '-';
      for (; text < end; text++, n_digits++)
        {
          if (n_digits == 4)
            return FALSE;
          written = written * 10 + (*text - '0');
        }
      exponent += exponent_negative ? -written : written;
    }

  if (mantissa > (G_GUINT64_CONSTANT (1) << 53) || exponent < -22 || exponent > 22)
    return FALSE;

  result = (double) mantissa;
  if (exponent > 0)
    result *= powers_of_ten[exponent];
  else if (exponent < 0)
    result /= powers_of_ten[-exponent];

  *value = negative ? -result : result;
  return TRUE;
}

double
mimic_json_reader_get_double (MimicJsonReader *reader)
{
  gsize length;
  char buffer[64];
  double value;

  g_return_val_if_fail (reader != NULL, 0.0);

  if (reader->token_is_integer)
    return (double) mimic_json_reader_get_int (reader);

  length = reader->token_end - reader->token_start;
  if (read_double_exactly (reader->data + reader->token_start, length, &value))
    return value;

  if (length < sizeof buffer)
    {
      memcpy (buffer, reader->data + reader->token_start, length);
      buffer[length] = '\0';
      return g_ascii_strtod (buffer, NULL);
    }
  else
    {
      /* Only for numbers written with absurdly many digits. */
      g_autofree char *text = g_strndup ((const char *) reader->data + reader->token_start, length);

      return g_ascii_strtod (text, NULL);
    }
}

MimicJsonReaderError
mimic_json_reader_get_error (MimicJsonReader *reader,
                             gsize           *offset)
{
  g_return_val_if_fail (reader != NULL, MIMIC_JSON_READER_ERROR_UNEXPECTED);

  if (offset != NULL)
    *offset = reader->error_offset;
  return reader->error;
}

void
mimic_json_reader_set_error (MimicJsonReader  *reader,
                             GError          **error)
{
  const char *reason;

  g_return_if_fail (reader != NULL);
  g_return_if_fail (reader->state == STATE_FAILED);

  switch (reader->error)
    {
    case MIMIC_JSON_READER_ERROR_EMPTY:
      reason = _("No JSON value");
      break;
    case MIMIC_JSON_READER_ERROR_TRUNCATED:
      reason = _("The JSON text ends too early");
      break;
    case MIMIC_JSON_READER_ERROR_NUMBER:
      reason = _("Malformed number");
      break;
    case MIMIC_JSON_READER_ERROR_ESCAPE:
      reason = _("Invalid escape in a string");
      break;
    case MIMIC_JSON_READER_ERROR_SURROGATE:
      reason = _("Unpaired UTF-16 surrogate in a string");
      break;
    case MIMIC_JSON_READER_ERROR_CONTROL_CHARACTER:
      reason = _("Control character in a string");
      break;
    case MIMIC_JSON_READER_ERROR_UTF8:
      reason = _("Invalid UTF-8 in a string");
      break;
    case MIMIC_JSON_READER_ERROR_DEPTH:
      reason = _("JSON nested too deeply");
      break;
    case MIMIC_JSON_READER_ERROR_TRAILING_DATA:
      reason = _("More than one JSON value");
      break;
    case MIMIC_JSON_READER_ERROR_UNEXPECTED:
    default:
      reason = _("Unexpected character");
      break;
    }

  /* Translators: the first %s is the reason, e.g. "Malformed number";
   * the number is a byte offset into the text. */
  g_set_error (error, MIMIC_JSON_READER_ERROR, reader->error,
               _("%s at byte %lu"), reason, (unsigned long) reader->error_offset);
}
