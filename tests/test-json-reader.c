/* test-json-reader.c — the streaming JSON reader, alone and against json-glib
 *
 * The reader may refuse more than json-glib (it is strict RFC 8259, and the
 * decoder hands whatever it refuses to json-glib), but whatever it accepts
 * json-glib must accept too, with the same strings and bitwise the same
 * numbers; and the decoder must decide every native telemetry message the
 * same with the reader as with the json-glib tree.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-json-reader"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mimic-json.h"
#include "mimic-json-reader.h"
#include "mimic-telemetry-decoder-private.h"

/* A fixed clock keeps the timestamp checks the same in every run. */
#define RECEIVED_US G_GINT64_CONSTANT (1767225600000000)

static MimicJsonToken
read_all (const char *data,
          gsize       length,
          guint       max_depth)
{
  MimicJsonReader reader;
  MimicJsonToken token;

  mimic_json_reader_init (&reader, data, length, max_depth);
  do
    token = mimic_json_reader_next (&reader);
  while (token != MIMIC_JSON_TOKEN_END && token != MIMIC_JSON_TOKEN_ERROR);

  return token;
}

static void
test_tokens (void)
{
  const char *text = " {\"ts\": 17, \"values\": {\"a\": -1.5e2, \"b\": [true, false, null]}, \"s\": \"x\\n\\u00e9\\ud83d\\ude00\"} ";
  MimicJsonReader reader;
  char buffer[32];
  gsize length;

  mimic_json_reader_init (&reader, text, strlen (text), 0);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_true (mimic_json_reader_string_equals (&reader, "ts", 2));
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_NUMBER);
  g_assert_true (mimic_json_reader_number_is_integer (&reader));
  g_assert_cmpint (mimic_json_reader_get_int (&reader), ==, 17);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpuint (mimic_json_reader_get_depth (&reader), ==, 2);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_cmpint (memcmp (mimic_json_reader_get_raw (&reader, &length), "a", 1), ==, 0);
  g_assert_cmpuint (length, ==, 1);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_NUMBER);
  g_assert_false (mimic_json_reader_number_is_integer (&reader));
  g_assert_cmpfloat (mimic_json_reader_get_double (&reader), ==, -150.0);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_TRUE);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_FALSE);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_NULL);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END_ARRAY);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_STRING);
  g_assert_true (mimic_json_reader_string_has_escapes (&reader));
  g_assert_cmpuint (mimic_json_reader_copy_string (&reader, buffer, sizeof buffer), ==, 1 + 1 + 2 + 4);
  g_assert_cmpstr (buffer, ==, "x\n\xc3\xa9\xf0\x9f\x98\x80");
  /* Truncated to the buffer, the full length still reported. */
  g_assert_cmpuint (mimic_json_reader_copy_string (&reader, buffer, 3), ==, 8);
  g_assert_cmpstr (buffer, ==, "x\n");
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END);
}

static void
test_skip_value (void)
{
  const char *text = "{\"skip\": {\"a\": [1, {\"b\": []}], \"c\": \"}\"}, \"keep\": 2}";
  MimicJsonReader reader;

  mimic_json_reader_init (&reader, text, strlen (text), 0);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_BEGIN_OBJECT);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_true (mimic_json_reader_skip_value (&reader, mimic_json_reader_next (&reader)));
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_MEMBER_NAME);
  g_assert_true (mimic_json_reader_string_equals (&reader, "keep", 4));
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_NUMBER);
  g_assert_cmpint (mimic_json_reader_get_int (&reader), ==, 2);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END_OBJECT);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END);

  /* Skipping a broken container fails. */
  mimic_json_reader_init (&reader, "[[1,]]", 6, 0);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_BEGIN_ARRAY);
  g_assert_false (mimic_json_reader_skip_value (&reader, mimic_json_reader_next (&reader)));
}

static void
test_errors (void)
{
  const struct
  {
    const char           *text;
    gssize                length;
    MimicJsonReaderError  error;
    gsize                 offset;
  } cases[] = {
    { "", -1, MIMIC_JSON_READER_ERROR_EMPTY, 0 },
    { "  \n", -1, MIMIC_JSON_READER_ERROR_EMPTY, 3 },
    { "{\"a\": 1", -1, MIMIC_JSON_READER_ERROR_TRUNCATED, 7 },
    { "{\"a\" 1}", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 5 },
    { "[1,]", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 3 },
    { "{\"a\":1,}", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 7 },
    { "[01]", -1, MIMIC_JSON_READER_ERROR_NUMBER, 1 },
    { "-", -1, MIMIC_JSON_READER_ERROR_TRUNCATED, 0 },
    { "[-x]", -1, MIMIC_JSON_READER_ERROR_NUMBER, 1 },
    { "[1.]", -1, MIMIC_JSON_READER_ERROR_NUMBER, 1 },
    { "[1e]", -1, MIMIC_JSON_READER_ERROR_NUMBER, 1 },
    { "[.5]", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 1 },
    { "\"\\x\"", -1, MIMIC_JSON_READER_ERROR_ESCAPE, 1 },
    { "\"\\u12G4\"", -1, MIMIC_JSON_READER_ERROR_ESCAPE, 1 },
    { "\"\\udc00\"", -1, MIMIC_JSON_READER_ERROR_SURROGATE, 1 },
    { "\"\\ud800\\u0041\"", -1, MIMIC_JSON_READER_ERROR_SURROGATE, 1 },
    { "\"a\tb\"", -1, MIMIC_JSON_READER_ERROR_CONTROL_CHARACTER, 2 },
    { "\"a\0b\"", 5, MIMIC_JSON_READER_ERROR_CONTROL_CHARACTER, 2 },
    { "\"\xc0\xaf\"", -1, MIMIC_JSON_READER_ERROR_UTF8, 1 },
    { "\"\xed\xa0\x80\"", -1, MIMIC_JSON_READER_ERROR_UTF8, 1 },
    { "\"\xf4\x90\x80\x80\"", -1, MIMIC_JSON_READER_ERROR_UTF8, 1 },
    { "{} {}", -1, MIMIC_JSON_READER_ERROR_TRAILING_DATA, 3 },
    { "1 2", -1, MIMIC_JSON_READER_ERROR_TRAILING_DATA, 2 },
    { "\xef\xbb\xbf{}", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 0 },
    { "[tru]", -1, MIMIC_JSON_READER_ERROR_UNEXPECTED, 1 },
    { "nul", -1, MIMIC_JSON_READER_ERROR_TRUNCATED, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length < 0 ? strlen (cases[i].text) : (gsize) cases[i].length;
      MimicJsonReader reader;
      MimicJsonToken token;
      g_autoptr(GError) error = NULL;
      gsize offset = G_MAXSIZE;

      g_autofree char *escaped = g_strescape (cases[i].text, NULL);

      g_test_message ("case %u: %s", i, escaped);
      mimic_json_reader_init (&reader, cases[i].text, length, 0);
      do
        token = mimic_json_reader_next (&reader);
      while (token != MIMIC_JSON_TOKEN_END && token != MIMIC_JSON_TOKEN_ERROR);

      g_assert_cmpint (token, ==, MIMIC_JSON_TOKEN_ERROR);
      g_assert_cmpint (mimic_json_reader_get_error (&reader, &offset), ==, cases[i].error);
      g_assert_cmpuint (offset, ==, cases[i].offset);
      g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_ERROR);
      mimic_json_reader_set_error (&reader, &error);
      g_assert_error (error, MIMIC_JSON_READER_ERROR, (int) cases[i].error);
    }
}

static void
test_depth (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < 64; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 64; i++)
    g_string_append_c (text, ']');
  g_assert_cmpint (read_all (text->str, text->len, 64), ==, MIMIC_JSON_TOKEN_END);

  g_string_prepend_c (text, '[');
  g_string_append_c (text, ']');
  g_assert_cmpint (read_all (text->str, text->len, 64), ==, MIMIC_JSON_TOKEN_ERROR);
  g_assert_cmpint (read_all (text->str, text->len, 0), ==, MIMIC_JSON_TOKEN_END);

  g_string_free (text, TRUE);
}

static double
read_one_double (const char *text)
{
  MimicJsonReader reader;

  mimic_json_reader_init (&reader, text, strlen (text), 0);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_NUMBER);
  g_assert_cmpint (mimic_json_reader_next (&reader), ==, MIMIC_JSON_TOKEN_END);
  return mimic_json_reader_get_double (&reader);
}

/* Non-integers read bit for bit as g_ascii_strtod() reads them (which is
 * what json-glib does), in the reader's fast exact path and outside it. */
static void
test_numbers (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const char *formats[] = { "%.1f", "%.3f", "%.6f", "%.15g", "%.16g", "%.17g", "%.3e", "%.20e", "%.0f.5" };
  const char *fixed[] = {
    "0.1", "0.2", "0.3", "-0.0", "9007199254740993.5", "9007199254740992.0", "1e22", "1.5e22", "1e23",
    "1e-22", "1e-23", "123456789012345678.9", "1234567890123456789.0", "12345678901234567890.0",
    "0.000000000000000000001", "0.0000000000000000000001", "0.00000000000000000000001", "4503599627370497.5",
    "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "1e400", "-1e400", "1e0000000000",
    "0.1e-0022", "89255.0e-22", "1.0e+0022", "9.9999999999999999999", "1E5", "1.00000000000000011102230246251565404236316680908203125",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    {
      double expected = g_ascii_strtod (fixed[i], NULL);
      double read = read_one_double (fixed[i]);

      if (memcmp (&expected, &read, sizeof read) != 0)
        g_error ("%s: read %.17g, g_ascii_strtod %.17g", fixed[i], read, expected);
    }

  for (guint i = 0; i < 200000; i++)
    {
      char text[G_ASCII_DTOSTR_BUF_SIZE + 64];
      double number = g_rand_double_range (rand, -1, 1) * pow (10, g_rand_int_range (rand, -30, 30));
      const char *format = formats[g_rand_int_range (rand, 0, G_N_ELEMENTS (formats))];
      double expected, read;

      g_ascii_formatd (text, sizeof text, format[strlen (format) - 1] == '5' ? "%.0f" : format, number);
      if (format[strlen (format) - 1] == '5')
        g_strlcat (text, ".5", sizeof text);
      if (strchr (text, '.') == NULL && strchr (text, 'e') == NULL)
        g_strlcat (text, ".0", sizeof text);

      expected = g_ascii_strtod (text, NULL);
      read = read_one_double (text);
      if (memcmp (&expected, &read, sizeof read) != 0)
        g_error ("%s: read %.17g, g_ascii_strtod %.17g", text, read, expected);
    }
}

/* A json-glib tree from the reader's tokens, built the way json-glib's
 * parser builds one (a repeated member name keeps its last value). */
static JsonNode *
build_node (MimicJsonReader *reader,
            MimicJsonToken   token)
{
  switch (token)
    {
    case MIMIC_JSON_TOKEN_BEGIN_OBJECT:
      {
        g_autoptr(JsonObject) object = json_object_new ();

        while ((token = mimic_json_reader_next (reader)) == MIMIC_JSON_TOKEN_MEMBER_NAME)
          {
            gsize length = mimic_json_reader_copy_string (reader, NULL, 0);
            g_autofree char *name = g_malloc (length + 1);
            JsonNode *member;

            mimic_json_reader_copy_string (reader, name, length + 1);
            member = build_node (reader, mimic_json_reader_next (reader));
            if (member == NULL)
              return NULL;
            json_object_set_member (object, name, member);
          }
        if (token != MIMIC_JSON_TOKEN_END_OBJECT)
          return NULL;
        return json_node_init_object (json_node_alloc (), object);
      }

    case MIMIC_JSON_TOKEN_BEGIN_ARRAY:
      {
        g_autoptr(JsonArray) array = json_array_new ();

        while ((token = mimic_json_reader_next (reader)) != MIMIC_JSON_TOKEN_END_ARRAY)
          {
            JsonNode *element = build_node (reader, token);

            if (element == NULL)
              return NULL;
            json_array_add_element (array, element);
          }
        return json_node_init_array (json_node_alloc (), array);
      }

    case MIMIC_JSON_TOKEN_STRING:
      {
        gsize length = mimic_json_reader_copy_string (reader, NULL, 0);
        g_autofree char *text = g_malloc (length + 1);

        mimic_json_reader_copy_string (reader, text, length + 1);
        return json_node_init_string (json_node_alloc (), text);
      }

    case MIMIC_JSON_TOKEN_NUMBER:
      if (mimic_json_reader_number_is_integer (reader))
        return json_node_init_int (json_node_alloc (), mimic_json_reader_get_int (reader));
      return json_node_init_double (json_node_alloc (), mimic_json_reader_get_double (reader));

    case MIMIC_JSON_TOKEN_TRUE:
    case MIMIC_JSON_TOKEN_FALSE:
      return json_node_init_boolean (json_node_alloc (), token == MIMIC_JSON_TOKEN_TRUE);

    case MIMIC_JSON_TOKEN_NULL:
      return json_node_init_null (json_node_alloc ());

    default:
      return NULL;
    }
}

/* Equal trees, numbers bitwise (so -0.0 differs from 0.0 and an integer
 * from a double). */
static gboolean
nodes_identical (JsonNode *a,
                 JsonNode *b)
{
  if (json_node_get_node_type (a) != json_node_get_node_type (b))
    return FALSE;

  switch (json_node_get_node_type (a))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object_a = json_node_get_object (a), *object_b = json_node_get_object (b);
        g_autoptr(GList) names = json_object_get_members (object_a);

        if (json_object_get_size (object_a) != json_object_get_size (object_b))
          return FALSE;
        for (GList *l = names; l != NULL; l = l->next)
          {
            JsonNode *member_b = json_object_get_member (object_b, l->data);

            if (member_b == NULL || !nodes_identical (json_object_get_member (object_a, l->data), member_b))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array_a = json_node_get_array (a), *array_b = json_node_get_array (b);

        if (json_array_get_length (array_a) != json_array_get_length (array_b))
          return FALSE;
        for (guint i = 0; i < json_array_get_length (array_a); i++)
          if (!nodes_identical (json_array_get_element (array_a, i), json_array_get_element (array_b, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (a) != json_node_get_value_type (b))
        return FALSE;
      if (json_node_get_value_type (a) == G_TYPE_DOUBLE)
        {
          double x = json_node_get_double (a), y = json_node_get_double (b);

          return memcmp (&x, &y, sizeof x) == 0;
        }
      if (json_node_get_value_type (a) == G_TYPE_INT64)
        return json_node_get_int (a) == json_node_get_int (b);
      if (json_node_get_value_type (a) == G_TYPE_BOOLEAN)
        return json_node_get_boolean (a) == json_node_get_boolean (b);
      return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

typedef struct
{
  guint n_inputs;
  guint n_both;
  guint n_neither;
  guint n_json_glib_only;
} Agreement;

/* Compares the reader with json-glib on one input. Returns whether they
 * agree on accepting it (with identical values when both accept); it is
 * a failure in any case when the reader accepts what json-glib refuses. */
static gboolean
compare_with_json_glib (const char *data,
                        gsize       length,
                        Agreement  *agreement)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) built = NULL;
  MimicJsonReader reader;
  gboolean glib_accepts, reader_accepts;

  /* The depth bound is the reader's own; deeper input is compared by
   * test_depth_against_json_glib(). */
  mimic_json_reader_init (&reader, data, length, 0);
  built = build_node (&reader, mimic_json_reader_next (&reader));
  reader_accepts = built != NULL && mimic_json_reader_next (&reader) == MIMIC_JSON_TOKEN_END;

  agreement->n_inputs++;

  /* json-glib 1.6 leaks a string for every malformed or cut surrogate
   * pair it reads ("\ud800\u0041", "\ud83d\u"); the wrapper refuses
   * those before json-glib sees them, and LeakSanitizer checks here that
   * none gets through. json-glib needs a length above 0 (0 makes it read
   * up to a NUL). */
  glib_accepts = length > 0 && mimic_json_parser_load_from_data (parser, data, length, NULL) &&
                 json_parser_get_root (parser) != NULL;

  if (reader_accepts)
    {
      /* The input need not end in a NUL. */
      g_autofree char *copy = g_strndup (data, length);
      g_autofree char *escaped = g_strescape (copy, NULL);

      if (!glib_accepts)
        g_error ("the reader accepts what json-glib refuses: \"%s\" (%" G_GSIZE_FORMAT " bytes)", escaped, length);
      if (!nodes_identical (built, json_parser_get_root (parser)))
        g_error ("the reader reads \"%s\" otherwise than json-glib", escaped);
      agreement->n_both++;
      return TRUE;
    }

  if (glib_accepts)
    {
      agreement->n_json_glib_only++;
      return FALSE;
    }

  agreement->n_neither++;
  return TRUE;
}

/* Every file of the fuzz corpora, whole and line by line, and for lines
 * "TOPIC<TAB>PAYLOAD" the payload. */
static GPtrArray *
load_corpus_inputs (void)
{
  g_autofree char *corpus_dir = g_build_filename (g_getenv ("MIMIC_TEST_DATA_DIR"), "..", "fuzz", "corpus", NULL);
  g_autoptr(GDir) dir = g_dir_open (corpus_dir, 0, NULL);
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *target;

  g_assert_nonnull (dir);
  while ((target = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *target_dir = g_build_filename (corpus_dir, target, NULL);
      g_autoptr(GDir) files = g_dir_open (target_dir, 0, NULL);
      const char *name;

      g_assert_nonnull (files);
      while ((name = g_dir_read_name (files)) != NULL)
        {
          g_autofree char *path = g_build_filename (target_dir, name, NULL);
          g_autofree char *contents = NULL;
          gsize length;
          const char *line, *end;

          g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
          g_ptr_array_add (inputs, g_bytes_new (contents, length));

          end = contents + length;
          for (line = contents; line < end;)
            {
              const char *newline = memchr (line, '\n', end - line);
              const char *line_end = newline != NULL ? newline : end;
              const char *tab = memchr (line, '\t', line_end - line);

              g_ptr_array_add (inputs, g_bytes_new (line, line_end - line));
              if (tab != NULL)
                g_ptr_array_add (inputs, g_bytes_new (tab + 1, line_end - tab - 1));
              line = line_end + 1;
            }
        }
    }

  g_assert_cmpuint (inputs->len, >, 20);
  return inputs;
}

/* Valid documents whose every prefix, and every one-byte corruption, is
 * compared too. */
static const char *valid_documents[] = {
  "{\"ts\": 1767225600000, \"seq\": 7, \"values\": {\"flow\": 12.5, \"speed\": 1450, \"temp\": -3.25e1}}",
  "{\"online\":true,\"ts\":1767225600000,\"firmware\":\"1.2\\u00e9\",\"caps\":[\"a\",\"\\ud83d\\ude00\"]}",
  "[0, -0, 0.0, -0.0, 1E3, 1e+3, 1e-3, 123456789012345678901234, \"\\\\\\\"\\/\\b\\f\\n\\r\\t\", null, [], {}]",
  "{\"unicode\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\", \"nested\": {\"a\": [[{\"b\": false}]]}}",
};

/* Inputs chosen for the edges of the grammar. TRUE: RFC 8259 JSON. */
static const struct
{
  const char *text;
  gboolean    valid;
} tricky[] = {
  { "0", TRUE }, { "-0", TRUE }, { "0.0", TRUE }, { "-0.0", TRUE }, { "-0.0e-0", TRUE }, { "0e0", TRUE },
  { "01", FALSE }, { "-01", FALSE }, { "00", FALSE }, { "-", FALSE }, { "--1", FALSE }, { "+1", FALSE },
  { "1.", FALSE }, { "1e", FALSE }, { "1e+", FALSE }, { "1.5e", FALSE }, { ".5", FALSE }, { "1.e5", FALSE },
  { "0x10", FALSE }, { "012", FALSE }, { "- 1", FALSE }, { "[- 1]", FALSE },
  { "1E400", TRUE }, { "-1E400", TRUE }, { "1e-400", TRUE }, { "4.9e-324", TRUE },
  { "2.2250738585072011e-308", TRUE }, { "1.7976931348623157e308", TRUE }, { "0.1", TRUE },
  { "123456789012345678901234567890.5", TRUE }, { "9007199254740993", TRUE }, { "9007199254740993.0", TRUE },
  { "18446744073709551615", TRUE }, { "18446744073709551616", TRUE }, { "-18446744073709551615", TRUE },
  { "-9223372036854775808", TRUE }, { "9223372036854775807", TRUE }, { "9223372036854775808", TRUE },
  { "99999999999999999999999", TRUE }, { "-99999999999999999999999", TRUE },
  { "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000001", TRUE },
  { "\"\\ud800\"", FALSE }, { "\"\\udc00\"", FALSE }, { "\"\\ud800\\u0041\"", FALSE }, { "\"\\ud800x\"", FALSE },
  { "\"\\udbff\\udfff\"", TRUE }, { "\"\\uD834\\uDD1E\"", TRUE }, { "\"\\u0000\"", TRUE }, { "{\"a\\u0000b\":1}", TRUE },
  { "\"\\a\"", FALSE }, { "\"\\'\"", FALSE }, { "\"\\u12\"", FALSE }, { "\"\\/\"", TRUE },
  { "\"\xc0\xaf\"", FALSE }, { "\"\xed\xa0\x80\"", FALSE }, { "\"\xf4\x90\x80\x80\"", FALSE }, { "\"\xff\"", FALSE },
  { "\"\xe2\x82\"", FALSE }, { "\"\xe0\x80\x80\"", FALSE }, { "\"\xf0\x9f\x98\x80\"", TRUE }, { "\"\xef\xbf\xbf\"", TRUE },
  { "\"\t\"", FALSE }, { "\"\x7f\"", TRUE }, { "\xc3\xa9", FALSE },
  { "{}{}", FALSE }, { "1 2", FALSE }, { "[] []", FALSE }, { "{} x", FALSE }, { "{}  \r\n\t", TRUE },
  { "\xef\xbb\xbf{}", FALSE }, { "\f{}", FALSE }, { "/* c */ {}", FALSE }, { "{} // c", FALSE }, { "'a'", FALSE },
  { "[1,]", FALSE }, { "{\"a\":1,}", FALSE }, { "{,}", FALSE }, { "[,1]", FALSE }, { "{\"a\" 1}", FALSE },
  { "[1 2]", FALSE }, { "{\"a\":1 \"b\":2}", FALSE }, { "{1:2}", FALSE }, { "{a:1}", FALSE },
  { "true", TRUE }, { "tru", FALSE }, { "nul", FALSE }, { "True", FALSE }, { "NaN", FALSE }, { "Infinity", FALSE },
  { "-Infinity", FALSE }, { "[NaN]", FALSE }, { "var a = {}", FALSE },
  { "{\"a\":1,\"a\":\"x\",\"a\":[2]}", TRUE }, { "{\"\":1}", TRUE }, { "[[[[[]]]]]", TRUE },
};

/* The NUL bytes, which a C string cannot hold. */
static const struct
{
  const char *text;
  gsize       length;
} with_nul[] = {
  { "\0", 1 }, { "{}\0", 3 }, { "{\"a\":\"\0\"}", 9 }, { "[1\0]", 4 }, { "\"\0\"", 3 },
};

/* Where json-glib 1.6 is laxer than RFC 8259: its scanner also reads
 * octal and hex numbers, "1.", ".5" and "- 1", single quotes, unknown escapes,
 * control characters in strings, comments, a BOM. The decoder hands these
 * to json-glib, so they decide as before. A lone surrogate escape
 * ("\ud800x"), which json-glib alone reads into bytes that are not UTF-8,
 * is refused by the wrapper as by the reader, so they agree on it. */
static gboolean
json_glib_is_laxer (const char *text)
{
  static const char *known[] = {
    "01", "-01", "00", "1.", "0x10", "012", "- 1", "[- 1]", "\"\\a\"", "\"\\'\"",
    "\"\t\"", "\xef\xbb\xbf{}", "/* c */ {}", "{} // c", "'a'",
    "\"\\u12\"", "var a = {}", "1.e5", ".5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (strcmp (text, known[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
test_against_json_glib (void)
{
  g_autoptr(GPtrArray) corpus = load_corpus_inputs ();
  Agreement agreement = { 0 };
  Agreement generated = { 0 };

  for (guint i = 0; i < corpus->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (g_ptr_array_index (corpus, i), &length);

      compare_with_json_glib (data != NULL ? data : "", length, &agreement);
    }
  g_test_message ("corpus: %u inputs, both accept %u, both refuse %u, only json-glib accepts %u",
                  agreement.n_inputs, agreement.n_both, agreement.n_neither, agreement.n_json_glib_only);
  g_assert_cmpuint (agreement.n_both, >, 5);

  for (guint i = 0; i < G_N_ELEMENTS (tricky); i++)
    {
      Agreement one = { 0 };
      gboolean agree = compare_with_json_glib (tricky[i].text, strlen (tricky[i].text), &one);
      g_autofree char *escaped = g_strescape (tricky[i].text, NULL);

      g_test_message ("tricky \"%s\": reader %s, json-glib %s", escaped,
                      one.n_both ? "accepts" : "refuses", one.n_neither ? "refuses" : "accepts");
      /* The reader is RFC 8259 exactly ... */
      g_assert_cmpuint (one.n_both, ==, tricky[i].valid ? 1 : 0);
      /* ... and json-glib agrees except where it is known to be laxer. */
      if (!agree)
        g_assert_true (json_glib_is_laxer (tricky[i].text));
    }

  for (guint i = 0; i < G_N_ELEMENTS (with_nul); i++)
    {
      g_assert_true (compare_with_json_glib (with_nul[i].text, with_nul[i].length, &generated));
      g_assert_cmpint (read_all (with_nul[i].text, with_nul[i].length, 0), ==, MIMIC_JSON_TOKEN_ERROR);
    }

  for (guint d = 0; d < G_N_ELEMENTS (valid_documents); d++)
    {
      const char *document = valid_documents[d];
      gsize length = strlen (document);
      g_autofree char *copy = g_strdup (document);

      g_assert_true (compare_with_json_glib (document, length, &generated));
      g_assert_cmpint (read_all (document, length, 0), ==, MIMIC_JSON_TOKEN_END);

      /* Every truncation (and, below, every byte replaced by a byte that
       * matters to the grammar): the reader may refuse more than json-glib,
       * never accept more or read otherwise. */
      for (gsize cut = 0; cut < length; cut++)
        compare_with_json_glib (document, cut, &generated);

      for (gsize at = 0; at < length; at++)
        {
          static const char replacements[] = "\"\\{}[],:0-.eE \t\x80\xff";

          for (guint r = 0; r < sizeof replacements - 1; r++)
            {
              copy[at] = replacements[r];
              compare_with_json_glib (copy, length, &generated);
            }
          copy[at] = document[at];
        }
    }

  g_test_message ("generated: %u inputs, both accept %u, both refuse %u, only json-glib accepts %u",
                  generated.n_inputs, generated.n_both, generated.n_neither, generated.n_json_glib_only);
  g_assert_cmpuint (generated.n_both, >, 10);
  g_assert_cmpuint (generated.n_neither, >, 100);
}

static void
test_depth_against_json_glib (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GString *text = g_string_new (NULL);
  Agreement agreement = { 0 };

  /* 1000 deep: both read it (the decoder itself allows 64). */
  for (guint i = 0; i < 1000; i++)
    g_string_append (text, "[");
  g_string_append (text, "1.5");
  for (guint i = 0; i < 1000; i++)
    g_string_append (text, "]");
  g_assert_true (compare_with_json_glib (text->str, text->len, &agreement));
  g_assert_cmpuint (agreement.n_both, ==, 1);

  /* Deeper than the reader can track: refused with its own error, while
   * json-glib still reads it. */
  g_string_truncate (text, 0);
  for (guint i = 0; i < MIMIC_JSON_READER_MAX_DEPTH + 1; i++)
    g_string_append (text, "{\"a\":");
  g_string_append (text, "1");
  for (guint i = 0; i < MIMIC_JSON_READER_MAX_DEPTH + 1; i++)
    g_string_append (text, "}");
  g_assert_cmpint (read_all (text->str, text->len, 0), ==, MIMIC_JSON_TOKEN_ERROR);
  g_assert_true (mimic_json_parser_load_from_data (parser, text->str, text->len, NULL));

  g_string_free (text, TRUE);
}

/* --- the decoder, with and without the streaming reader --- */

static MimicTelemetryDecoder *
make_decoder (gboolean streaming)
{
  MimicTelemetryDecoder *decoder = mimic_telemetry_decoder_new (MIMIC_TELEMETRY_DEFAULT_ROOT);

  mimic_telemetry_decoder_set_streaming (decoder, streaming);
  mimic_telemetry_decoder_set_max_devices (decoder, 4);
  mimic_telemetry_decoder_set_max_payload (decoder, 2048);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "flow", 0, 100);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "speed", 0, 3000);
  mimic_telemetry_decoder_add_device (decoder, "pump-001", "pump");
  mimic_telemetry_decoder_add_binding (decoder, "acme/+/state", NULL, "chiller", "supply_temp",
                                       "/temp/value", 0.1, -5, "/time");

  return decoder;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* What a batch holds, sorted: json-glib iterates an object's members in
 * hash order, the reader in document order. */
static char *
describe_batch (MimicUpdateBatch *batch)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GString *description = g_string_new (NULL);

  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);
      guint64 bits;

      memcpy (&bits, &sample->value, sizeof bits);
      g_ptr_array_add (lines, g_strdup_printf ("sample %s %s %" G_GINT64_FORMAT " %016" G_GINT64_MODIFIER "x %d",
                                               sample->device_id, sample->sensor_id, sample->timestamp_us,
                                               bits, sample->quality));
    }
  for (guint i = 0; i < mimic_update_batch_get_n_sequence_gaps (batch); i++)
    {
      const MimicSequenceGap *gap = mimic_update_batch_get_sequence_gap (batch, i);

      g_ptr_array_add (lines, g_strdup_printf ("gap %s %" G_GUINT64_FORMAT, gap->device_id, gap->missed));
    }
  for (guint i = 0; i < mimic_update_batch_get_n_births (batch); i++)
    {
      const MimicBirth *birth = mimic_update_batch_get_birth (batch, i);

      g_ptr_array_add (lines, g_strdup_printf ("birth %s %s %" G_GINT64_FORMAT, birth->device_id,
                                               birth->asset_type, birth->timestamp_us));
    }
  g_assert_cmpuint (mimic_update_batch_get_n_parameters (batch), ==, 0);

  g_ptr_array_sort (lines, compare_strings);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (description, "%s\n", (const char *) g_ptr_array_index (lines, i));

  return g_string_free (description, FALSE);
}

/* Decodes @payloads in order on two decoders and checks they decide the
 * same, message by message. */
static void
compare_decoders (const char * const *payloads,
                  const gsize        *lengths,
                  guint               n_payloads)
{
  g_autoptr(MimicTelemetryDecoder) streaming = make_decoder (TRUE);
  g_autoptr(MimicTelemetryDecoder) tree = make_decoder (FALSE);

  for (guint i = 0; i < n_payloads; i++)
    {
      g_autoptr(MimicUpdateBatch) batch_streaming = mimic_update_batch_new ();
      g_autoptr(MimicUpdateBatch) batch_tree = mimic_update_batch_new ();
      g_autofree char *streaming_description = NULL;
      g_autofree char *tree_description = NULL;
      MimicDecodeResult result_streaming, result_tree;
      gboolean contributed_streaming, contributed_tree;
      const char *topic = "mimic/pump-001/telemetry";

      contributed_streaming = mimic_telemetry_decoder_decode (streaming, topic, (const guint8 *) payloads[i],
                                                              lengths[i], RECEIVED_US, batch_streaming,
                                                              &result_streaming);
      contributed_tree = mimic_telemetry_decoder_decode (tree, topic, (const guint8 *) payloads[i], lengths[i],
                                                         RECEIVED_US, batch_tree, &result_tree);
      streaming_description = describe_batch (batch_streaming);
      tree_description = describe_batch (batch_tree);

      if (contributed_streaming != contributed_tree ||
          memcmp (&result_streaming, &result_tree, sizeof result_streaming) != 0 ||
          strcmp (streaming_description, tree_description) != 0)
        {
          g_autofree char *escaped = g_strndup (payloads[i], lengths[i]);

          g_test_message ("streaming:\n%s\ntree:\n%s", streaming_description, tree_description);
          for (guint k = 0; k < MIMIC_N_REJECTIONS; k++)
            g_test_message ("%s: %u vs %u", mimic_rejection_to_string (k),
                            result_streaming.rejections[k], result_tree.rejections[k]);
          g_error ("the decoders disagree on message %u: %s", i, escaped);
        }
    }
}

static void
compare_decoders_one_by_one (const char *payload,
                             gsize       length)
{
  /* After a first message, so that sequence numbers come into play. */
  const char *payloads[] = { "{\"seq\": 5, \"values\": {\"flow\": 1}}", payload };
  gsize lengths[] = { strlen (payloads[0]), length };

  compare_decoders (payloads, lengths, G_N_ELEMENTS (payloads));
}

static void
test_decoder_differential (void)
{
  g_autoptr(GPtrArray) corpus = load_corpus_inputs ();
  static const char *messages[] = {
    "{\"ts\": 1767225600000, \"seq\": 7, \"values\": {\"flow\": 12.5, \"speed\": 1450}}",
    "{\"values\": {\"flow\": 1e999, \"speed\": \"NaN\", \"nope\": 1, \"x\": null, \"y\": true, \"z\": [1], \"w\": {}}}",
    "{\"values\": {\"flow\": -1e400}}",
    "{\"values\": {\"flow\": 200, \"speed\": -5}}",
    "{\"values\": {\"flow\": 1, \"flow\": \"x\"}}",
    "{\"values\": {\"flow\": \"x\", \"flow\": 2}}",
    "{\"values\": {\"flow\": 1}, \"values\": 3}",
    "{\"values\": 3, \"values\": {\"speed\": 4}}",
    "{\"values\": {\"flow\": 1}, \"values\": {\"speed\": 2}}",
    "{\"values\": []}", "{\"values\": null}", "{\"values\": \"x\"}", "{}", "[]", "1", "\"x\"", "null",
    "{\"seq\": 5, \"values\": {\"flow\": 1}}", "{\"seq\": 4, \"values\": {\"flow\": 1}}",
    "{\"seq\": 9, \"values\": {\"flow\": 1}}", "{\"seq\": 9.0, \"values\": {\"flow\": 1}}",
    "{\"seq\": -1, \"values\": {\"flow\": 1}}", "{\"seq\": \"7\", \"values\": {\"flow\": 1}}",
    "{\"seq\": null, \"values\": {\"flow\": 1}}", "{\"seq\": 18446744073709551615, \"values\": {\"flow\": 1}}",
    "{\"seq\": 99999999999999999999, \"values\": {\"flow\": 1}}", "{\"seq\": 6, \"seq\": 8, \"values\": {\"flow\": 1}}",
    "{\"ts\": 1e400, \"values\": {\"flow\": 1}}", "{\"ts\": \"x\", \"values\": {\"flow\": 1}}",
    "{\"ts\": \"2026-01-01T00:00:00Z\", \"values\": {\"flow\": 1}}", "{\"ts\": true, \"values\": {\"flow\": 1}}",
    "{\"ts\": 9999999999999999, \"values\": {\"flow\": 1}}", "{\"ts\": 4e15, \"values\": {\"flow\": 1}}",
    "{\"ts\": -1, \"values\": {\"flow\": 1}}", "{\"ts\": 1767225600000.5, \"values\": {\"flow\": 1}}",
    "{\"ts\": 1767225600000, \"values\": 5}", "{\"ts\": 1e400, \"values\": 5}",
    "{\"values\": {\"fl\\u006fw\": 1}}", "{\"v\\u0061lues\": {\"flow\": 1}}",
    "{\"values\": {\"flow\": 1,}}", "{\"values\": {\"flow\": 01}}", "{\"values\": {\"flow\": 0x10}}",
    "{\"values\": {\"flow\": - 1}}", "\xef\xbb\xbf{\"values\": {\"flow\": 1}}", "{\"values\": {\"flow\": 1}}{}",
    "{\"values\": {\"flow\": -0}}", "{\"values\": {\"flow\": -0.0}}", "{\"values\": {\"flow\": 5e-324}}",
    "{\"values\": {\"flow\": 18446744073709551615}}", "{\"values\": {\"flow\": 1}, \"extra\": {\"deep\": [[[{}]]]}}",
    "  {\"values\": {\"flow\": 1}}  \n", "{\"values\": {\"\": 1}}", "{\"values\": {\"\xc3\xa9\": 1}}",
    /* Unpaired surrogates: the reader refuses them, and the tree path,
     * which then gets them, refuses them too. */
    "{\"values\": {\"flow\": 1}, \"n\": \"\\ud800\\u0041\"}", "{\"values\": {\"flow\": 1}, \"n\": \"\\ud800x\"}",
    "{\"values\": {\"flow\": 1}, \"n\": \"\\udc00\"}", "{\"values\": {\"fl\\ud83d\\ude00ow\": 1}}",
  };
  GString *deep = g_string_new ("{\"values\": {\"flow\": 1}, \"d\": ");
  GString *wide = g_string_new ("{\"values\": {");

  for (guint i = 0; i < corpus->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (g_ptr_array_index (corpus, i), &length);

      compare_decoders_one_by_one (data != NULL ? data : "", length);
    }

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      gsize length = strlen (messages[i]);
      g_autofree char *copy = g_strdup (messages[i]);

      compare_decoders_one_by_one (messages[i], length);
      for (gsize cut = 0; cut < length; cut++)
        compare_decoders_one_by_one (messages[i], cut);
      for (gsize at = 0; at < length; at++)
        {
          static const char replacements[] = "\"\\{}[],:0-.eE \x80";

          for (guint r = 0; r < sizeof replacements - 1; r++)
            {
              copy[at] = replacements[r];
              compare_decoders_one_by_one (copy, length);
            }
          copy[at] = messages[i][at];
        }
    }

  /* All the messages in one sequence, on one pair of decoders. */
  {
    gsize lengths[G_N_ELEMENTS (messages)];

    for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
      lengths[i] = strlen (messages[i]);
    compare_decoders (messages, lengths, G_N_ELEMENTS (messages));
  }

  /* Nesting at the decoder's limit of 64 and one beyond it. */
  for (guint i = 0; i < 62; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 62; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  compare_decoders_one_by_one (deep->str, deep->len);
  g_string_insert_c (deep, deep->len - 1, ']');
  g_string_insert_c (deep, deep->len - 64, '[');
  compare_decoders_one_by_one (deep->str, deep->len);

  /* More sensors than the streaming path keeps. */
  for (guint i = 0; i < 100; i++)
    g_string_append_printf (wide, "%s\"s%u\": %u", i > 0 ? ", " : "", i, i);
  g_string_append (wide, "}}");
  compare_decoders_one_by_one (wide->str, wide->len);

  g_string_free (deep, TRUE);
  g_string_free (wide, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/json-reader/tokens", test_tokens);
  g_test_add_func ("/mimic/json-reader/skip-value", test_skip_value);
  g_test_add_func ("/mimic/json-reader/errors", test_errors);
  g_test_add_func ("/mimic/json-reader/depth", test_depth);
  g_test_add_func ("/mimic/json-reader/numbers", test_numbers);
  g_test_add_func ("/mimic/json-reader/against-json-glib", test_against_json_glib);
  g_test_add_func ("/mimic/json-reader/depth-against-json-glib", test_depth_against_json_glib);
  g_test_add_func ("/mimic/json-reader/decoder-differential", test_decoder_differential);

  return g_test_run ();
}
