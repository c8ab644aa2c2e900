/* test-recording.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "mimic-recording-reader.h"
#include "mimic-recording-writer.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("mimic-recording-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "feed.jsonl", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_remove (fixture->path);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static const char header[] =
  "{\"format\":\"mimic-recording\",\"version\":1,\"source\":\"mqtt://127.0.0.1:1883\",\"root\":\"mimic\",\"created_us\":5}\n";

static MimicRecordingReader *
open_text (Fixture    *fixture,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  MimicRecordingReader *reader;

  g_assert_true (g_file_set_contents (fixture->path, text, -1, NULL));
  reader = mimic_recording_reader_new (fixture->path, &error);
  g_assert_no_error (error);

  return reader;
}

static void
test_recording_round_trip (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicRecordingWriter) writer = NULL;
  g_autoptr(MimicRecordingReader) reader = NULL;
  g_autoptr(MimicRecordedMessage) first = NULL;
  g_autoptr(MimicRecordedMessage) second = NULL;
  g_autoptr(MimicRecordedMessage) third = NULL;
  g_autoptr(MimicRecordedMessage) end = NULL;
  g_autofree char *contents = NULL;
  const char telemetry[] = "{\n  \"ts\": 1700000000000, \"seq\": 7,\n  \"values\": {\"flow\": 12.5}\n}";
  const char not_json[] = "{\"values\": {\"flow\": NaN";
  const guint8 binary[] = { 'a', 0, 0xff, '\n', 'z' };
  gsize length;

  writer = mimic_recording_writer_new (fixture->path, "mqtt://operator:hunter2@127.0.0.1:1883", "plant", &error);
  g_assert_no_error (error);
  g_assert_true (mimic_recording_writer_write_message (writer, "plant/pump-001/telemetry",
                                                       (const guint8 *) telemetry, strlen (telemetry),
                                                       1700000000001000, &error));
  g_assert_true (mimic_recording_writer_write_message (writer, "plant/pump-001/telemetry",
                                                       (const guint8 *) not_json, strlen (not_json),
                                                       1700000000002000, &error));
  g_assert_true (mimic_recording_writer_write_message (writer, "plant/pump-001/status",
                                                       binary, sizeof binary,
                                                       1700000000003000, &error));
  g_assert_cmpuint (mimic_recording_writer_get_n_messages (writer), ==, 3);
  g_assert_true (mimic_recording_writer_close (writer, &error));
  g_assert_no_error (error);

  /* Writing after close is an error, not a crash. */
  g_assert_false (mimic_recording_writer_write_message (writer, "t", (const guint8 *) "1", 1, 1, &error));
  g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_true (g_file_get_contents (fixture->path, &contents, &length, NULL));
  g_assert_null (strstr (contents, "hunter2"));
  /* One line per message plus the header, pretty-printed JSON folded. */
  {
    g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    g_assert_cmpstr (lines[4], ==, "");
  }

  reader = mimic_recording_reader_new (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_recording_reader_get_source (reader), ==, "mqtt://operator@127.0.0.1:1883");
  g_assert_cmpstr (mimic_recording_reader_get_root (reader), ==, "plant");
  g_assert_cmpint (mimic_recording_reader_get_created_us (reader), >, 0);

  first = mimic_recording_reader_next (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->received_us, ==, 1700000000001000);
  g_assert_cmpstr (first->topic, ==, "plant/pump-001/telemetry");
  g_assert_cmpuint (first->line, ==, 2);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (first->payload, NULL),
                                  g_bytes_get_size (first->payload), "\"flow\":12.5"));

  /* Not JSON: the very same bytes come back, so a replay is rejected the
   * same way the live message was. */
  second = mimic_recording_reader_next (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (second->payload, NULL), g_bytes_get_size (second->payload),
                   not_json, strlen (not_json));

  third = mimic_recording_reader_next (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (third->payload, NULL), g_bytes_get_size (third->payload),
                   binary, sizeof binary);

  end = mimic_recording_reader_next (reader, &error);
  g_assert_no_error (error);
  g_assert_null (end);
  g_assert_cmpuint (mimic_recording_reader_get_n_skipped (reader), ==, 0);

  /* Rewinding starts again at the first message. */
  g_assert_true (mimic_recording_reader_rewind (reader, &error));
  g_clear_pointer (&first, mimic_recorded_message_free);
  first = mimic_recording_reader_next (reader, &error);
  g_assert_nonnull (first);
  g_assert_cmpuint (first->line, ==, 2);
}

static void
test_recording_skips_malformed_lines (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (header);
  g_autoptr(MimicRecordingReader) reader = NULL;
  const char *bad_lines[] = {
    "not json at all",
    "[1, 2, 3]",
    "{\"topic\": \"a/b\", \"payload\": {}}",
    "{\"t\": -5, \"topic\": \"a/b\", \"payload\": {}}",
    "{\"t\": 1.5, \"topic\": \"a/b\", \"payload\": {}}",
    "{\"t\": 1, \"topic\": \"\", \"payload\": {}}",
    "{\"t\": 1, \"topic\": 7, \"payload\": {}}",
    "{\"t\": 1, \"topic\": \"a/b\"}",
    "{\"t\": 1, \"topic\": \"a/b\", \"payload\": {}, \"payload_base64\": \"\"}",
    "{\"t\": 1, \"topic\": \"a/b\", \"payload_base64\": 12}",
    "{\"t\": 1, \"topic\": \"a/b\", \"payload_base64\": \"!!not base64!!\"}",
  };
  guint messages = 0, skipped = 0;
  guint64 last_line = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad_lines); i++)
    {
      g_string_append_printf (text, "{\"t\": %u, \"topic\": \"mimic/d/telemetry\", \"payload\": {\"seq\": %u}}\n", i, i);
      g_string_append_printf (text, "%s\n", bad_lines[i]);
    }
  /* A blank line is not an error; a cut-off last line (a crash while
   * recording) is. */
  g_string_append (text, "\n{\"t\": 99, \"topic\": \"mimic/d/tele");

  reader = open_text (fixture, text->str);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicRecordedMessage) message = mimic_recording_reader_next (reader, &error);

      if (message != NULL)
        {
          messages++;
          g_assert_cmpuint (message->line, >, last_line);
          last_line = message->line;
          continue;
        }
      if (error == NULL)
        break;

      skipped++;
      g_test_message ("%s", error->message);
      g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE);
      /* The message names the file and the line: bad line i sits at 2i+3. */
      {
        g_autofree char *where = g_strdup_printf ("%s:%u:", fixture->path,
                                                  2 * skipped + 1);

        g_assert_true (g_str_has_prefix (error->message, where));
      }
    }

  g_assert_cmpuint (messages, ==, G_N_ELEMENTS (bad_lines));
  g_assert_cmpuint (skipped, ==, G_N_ELEMENTS (bad_lines) + 1);
  g_assert_cmpuint (mimic_recording_reader_get_n_skipped (reader), ==, skipped);
}

static void
test_recording_skips_oversized_lines (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (header);
  g_autoptr(MimicRecordingReader) reader = NULL;
  g_autoptr(MimicRecordedMessage) message = NULL;
  g_autoptr(MimicRecordedMessage) after = NULL;
  g_autoptr(GError) error = NULL;

  g_string_append (text, "{\"t\": 1, \"topic\": \"mimic/d/telemetry\", \"payload\": \"");
  for (guint i = 0; i < 3 * MIMIC_RECORDING_MAX_LINE / 64; i++)
    g_string_append (text, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_string_append (text, "\"}\n{\"t\": 2, \"topic\": \"mimic/d/telemetry\", \"payload\": {}}\n");

  reader = open_text (fixture, text->str);
  message = mimic_recording_reader_next (reader, &error);
  g_assert_null (message);
  g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_LINE_TOO_LONG);
  g_assert_nonnull (strstr (error->message, ":2:"));
  g_clear_error (&error);

  after = mimic_recording_reader_next (reader, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  g_assert_cmpint (after->received_us, ==, 2);
  g_assert_cmpuint (after->line, ==, 3);
}

static void
test_recording_writer_refuses_oversized (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicRecordingWriter) writer = mimic_recording_writer_new (fixture->path, NULL, NULL, &error);
  g_autofree guint8 *big = g_malloc0 (MIMIC_RECORDING_MAX_LINE + 1);

  g_assert_no_error (error);
  g_assert_false (mimic_recording_writer_write_message (writer, "mimic/d/telemetry", big,
                                                        MIMIC_RECORDING_MAX_LINE + 1, 1, &error));
  g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (mimic_recording_writer_get_n_messages (writer), ==, 0);
}

static void
test_recording_rejects_bad_headers (Fixture       *fixture,
                                    gconstpointer  data)
{
  static const struct
  {
    const char *text;
    int         code;
  } cases[] = {
    { "", MIMIC_RECORDING_ERROR_NOT_A_RECORDING },
    { "{\"t\": 1, \"topic\": \"a\", \"payload\": {}}\n", MIMIC_RECORDING_ERROR_NOT_A_RECORDING },
    { "{\"format\": \"something-else\", \"version\": 1}\n", MIMIC_RECORDING_ERROR_NOT_A_RECORDING },
    { "\x89PNG\r\n\x1a\n", MIMIC_RECORDING_ERROR_NOT_A_RECORDING },
    { "{\"format\": \"mimic-recording\", \"version\": 2}\n", MIMIC_RECORDING_ERROR_UNSUPPORTED_VERSION },
  };
  g_autoptr(MimicRecordingReader) missing = NULL;
  g_autofree char *nowhere = g_build_filename (fixture->dir, "nowhere.jsonl", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MimicRecordingReader) reader = NULL;

      g_assert_true (g_file_set_contents (fixture->path, cases[i].text, -1, NULL));
      reader = mimic_recording_reader_new (fixture->path, &error);
      g_test_message ("%s", error ? error->message : "(no error)");
      g_assert_null (reader);
      g_assert_error (error, MIMIC_RECORDING_ERROR, cases[i].code);
      g_clear_error (&error);
    }

  missing = mimic_recording_reader_new (nowhere, &error);
  g_assert_null (missing);
  g_assert_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "nowhere.jsonl"));
}

typedef struct
{
  MimicRecordingWriter *writer;
  guint                 thread;
} WriterThread;

static gpointer
write_from_thread (gpointer data)
{
  WriterThread *job = data;

  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *payload = g_strdup_printf ("{\"thread\": %u, \"seq\": %u}", job->thread, i);

      g_assert_true (mimic_recording_writer_write_message (job->writer, "mimic/d/telemetry",
                                                           (const guint8 *) payload, strlen (payload),
                                                           i, NULL));
    }

  return NULL;
}

static void
test_recording_writer_is_thread_safe (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicRecordingWriter) writer = mimic_recording_writer_new (fixture->path, "ws://127.0.0.1:1/", NULL, &error);
  g_autoptr(MimicRecordingReader) reader = NULL;
  WriterThread jobs[4];
  GThread *threads[4];
  guint read = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      jobs[i].writer = writer;
      jobs[i].thread = i;
      threads[i] = g_thread_new ("writer", write_from_thread, &jobs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_true (mimic_recording_writer_close (writer, &error));

  reader = mimic_recording_reader_new (fixture->path, &error);
  g_assert_no_error (error);
  for (;;)
    {
      g_autoptr(MimicRecordedMessage) message = mimic_recording_reader_next (reader, &error);

      g_assert_no_error (error);
      if (message == NULL)
        break;
      read++;
    }

  /* Interleaved writes would leave torn lines; none are. */
  g_assert_cmpuint (read, ==, 2000);
  g_assert_cmpuint (mimic_recording_reader_get_n_skipped (reader), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/mimic/recording/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("round-trip", test_recording_round_trip);
  ADD ("skips-malformed-lines", test_recording_skips_malformed_lines);
  ADD ("skips-oversized-lines", test_recording_skips_oversized_lines);
  ADD ("writer-refuses-oversized", test_recording_writer_refuses_oversized);
  ADD ("rejects-bad-headers", test_recording_rejects_bad_headers);
  ADD ("writer-is-thread-safe", test_recording_writer_is_thread_safe);

#undef ADD

  return g_test_run ();
}
