/* mimic-json-reader.h — a strict, allocation-free pull reader for JSON
 *
 * json-glib builds a tree of nodes for every document it reads: about
 * eighty allocations for one 12-value telemetry message, most of the cost
 * of ingesting it. This reader walks the bytes in place instead and hands
 * out one token at a time, so a caller that knows the shape it expects
 * (the native telemetry message) reads it without allocating.
 *
 * It accepts RFC 8259 JSON and nothing else: the exact number grammar, the
 * escapes \" \\ \/ \b \f \n \r \t and \uXXXX (surrogates only as a valid
 * high-low pair), UTF-8 inside strings (RFC 3629: no overlong forms, no
 * encoded surrogates, nothing above U+10FFFF), no control characters in
 * strings, exactly one top-level value with only whitespace after it, no
 * byte order mark, nesting at most max_depth deep. Everything it accepts
 * json-glib 1.6 accepts too, with the same strings and numbers (see
 * mimic_json_reader_get_double()); json-glib also accepts a few things
 * RFC 8259 does not (hex and octal numbers, single quotes, comments,
 * "- 1"), which this reader refuses.
 *
 * The struct lives on the caller's stack; its fields are private.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting a reader can track (max_depth is clamped to it). */
#define MIMIC_JSON_READER_MAX_DEPTH 1024

typedef enum
{
  MIMIC_JSON_TOKEN_ERROR,           /* see mimic_json_reader_get_error() */
  MIMIC_JSON_TOKEN_END,             /* the one top-level value was complete */
  MIMIC_JSON_TOKEN_BEGIN_OBJECT,
  MIMIC_JSON_TOKEN_END_OBJECT,
  MIMIC_JSON_TOKEN_BEGIN_ARRAY,
  MIMIC_JSON_TOKEN_END_ARRAY,
  MIMIC_JSON_TOKEN_MEMBER_NAME,     /* a string before ':' (the ':' is consumed) */
  MIMIC_JSON_TOKEN_STRING,
  MIMIC_JSON_TOKEN_NUMBER,
  MIMIC_JSON_TOKEN_TRUE,
  MIMIC_JSON_TOKEN_FALSE,
  MIMIC_JSON_TOKEN_NULL,
} MimicJsonToken;

typedef enum
{
  MIMIC_JSON_READER_ERROR_EMPTY,             /* nothing but whitespace */
  MIMIC_JSON_READER_ERROR_TRUNCATED,         /* the input ended inside a value */
  MIMIC_JSON_READER_ERROR_UNEXPECTED,        /* a character that cannot come here */
  MIMIC_JSON_READER_ERROR_NUMBER,            /* not the RFC 8259 number grammar */
  MIMIC_JSON_READER_ERROR_ESCAPE,            /* an unknown escape or a bad \u */
  MIMIC_JSON_READER_ERROR_SURROGATE,         /* a \u surrogate that is not a valid pair */
  MIMIC_JSON_READER_ERROR_CONTROL_CHARACTER, /* below U+0020 inside a string */
  MIMIC_JSON_READER_ERROR_UTF8,              /* invalid UTF-8 inside a string */
  MIMIC_JSON_READER_ERROR_DEPTH,             /* nested deeper than max_depth */
  MIMIC_JSON_READER_ERROR_TRAILING_DATA,     /* more than whitespace after the value */
} MimicJsonReaderError;

#define MIMIC_JSON_READER_ERROR (mimic_json_reader_error_quark ())
GQuark mimic_json_reader_error_quark (void);

typedef struct
{
  /*< private >*/
  const guint8         *data;
  gsize                 length;
  gsize                 position;
  guint                 depth;
  guint                 max_depth;
  int                   state;
  /* One bit per open container: set for an object, clear for an array. */
  guint8                objects[MIMIC_JSON_READER_MAX_DEPTH / 8];
  /* The current string's content (without quotes) or number's text. */
  gsize                 token_start;
  gsize                 token_end;
  gboolean              token_has_escapes;
  gboolean              token_is_integer;
  MimicJsonReaderError  error;
  gsize                 error_offset;
} MimicJsonReader;

/* Reads @length bytes at @data (not copied; they must outlive the reader;
 * no NUL needed). @max_depth 0 means MIMIC_JSON_READER_MAX_DEPTH. */
void            mimic_json_reader_init              (MimicJsonReader *reader,
                                                     const char      *data,
                                                     gsize            length,
                                                     guint            max_depth);
/* The next token. After MIMIC_JSON_TOKEN_END or _ERROR it returns the
 * same again. _END only comes when nothing but whitespace follows. */
MimicJsonToken  mimic_json_reader_next              (MimicJsonReader *reader);
/* Skips the rest of the value whose first token @token was just read
 * (a container up to its end; a scalar is already complete). FALSE on
 * error. */
gboolean        mimic_json_reader_skip_value        (MimicJsonReader *reader,
                                                     MimicJsonToken   token);
/* How many containers are open. */
guint           mimic_json_reader_get_depth         (MimicJsonReader *reader);

/* The raw bytes of the current string or member name (between the quotes,
 * escapes not decoded) or of the current number. */
const char     *mimic_json_reader_get_raw           (MimicJsonReader *reader,
                                                     gsize           *length);
/* Whether the current string or member name has a backslash escape; when
 * not, its raw bytes are its value. */
gboolean        mimic_json_reader_string_has_escapes (MimicJsonReader *reader);
/* Decodes the current string or member name into @buffer (NUL-terminated,
 * truncated to @size - 1 bytes). Returns its decoded length in bytes,
 * which may exceed @size - 1; "\u0000" decodes to a NUL byte. */
gsize           mimic_json_reader_copy_string       (MimicJsonReader *reader,
                                                     char            *buffer,
                                                     gsize            size);
/* Whether @length bytes at @text equal the current string or member name
 * without escapes (a quick key comparison). */
gboolean        mimic_json_reader_string_equals     (MimicJsonReader *reader,
                                                     const char      *text,
                                                     gsize            length);

/* Whether the current number has neither fraction nor exponent. */
gboolean        mimic_json_reader_number_is_integer (MimicJsonReader *reader);
/* The current integer as json-glib 1.6 stores it: the magnitude read with
 * g_ascii_strtoull() (saturating at G_MAXUINT64), negated for '-', as a
 * gint64 (two's complement), so 18446744073709551615 reads as -1. */
gint64          mimic_json_reader_get_int           (MimicJsonReader *reader);
/* The current number as json-glib 1.6 gives it to json_node_get_double():
 * an integer as (double) mimic_json_reader_get_int(), anything else as
 * g_ascii_strtod() reads its text (1e400 is infinity). */
double          mimic_json_reader_get_double        (MimicJsonReader *reader);

MimicJsonReaderError mimic_json_reader_get_error    (MimicJsonReader *reader,
                                                     gsize           *offset);
/* Sets @error (MIMIC_JSON_READER_ERROR) from a reader that returned
 * MIMIC_JSON_TOKEN_ERROR, naming the byte offset. */
void            mimic_json_reader_set_error         (MimicJsonReader *reader,
                                                     GError         **error);

G_END_DECLS
