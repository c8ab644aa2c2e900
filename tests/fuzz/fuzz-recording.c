/* fuzz-recording.c — the replay file reader against arbitrary files
 *
 * One input is the whole content of a recording file. It is written to a
 * temporary file (the reader reads files, as a replay does) and read to
 * the end, then rewound and read again. Bad lines must be skipped with
 * MALFORMED_LINE or LINE_TOO_LONG and counted; a second pass must find
 * exactly what the first found.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fuzz"

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mimic-recording-reader.h"

/* More lines than any input of libFuzzer's default size can hold. */
#define MAX_READS 100000

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static char *input_path;

static void
input_path_free (void)
{
  g_remove (input_path);
  g_clear_pointer (&input_path, g_free);
}

/* Returns the number of messages read; fills @n_bad with the bad lines. */
static guint
read_all (MimicRecordingReader *reader,
          guint                *n_bad)
{
  guint n_messages = 0;

  *n_bad = 0;
  for (guint i = 0; i < MAX_READS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicRecordedMessage) message = mimic_recording_reader_next (reader, &error);

      if (message != NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (message->topic);
          g_assert_nonnull (message->payload);
          g_assert_true (g_utf8_validate (message->topic, -1, NULL));
          n_messages++;
          continue;
        }
      if (error == NULL)
        return n_messages;

      g_assert_true (g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE) ||
                     g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_LINE_TOO_LONG) ||
                     g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO));
      if (error->code == MIMIC_RECORDING_ERROR_IO)
        return n_messages;
      (*n_bad)++;
    }

  g_assert_not_reached ();
  return n_messages;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(MimicRecordingReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  guint n_messages, n_bad, n_messages_again, n_bad_again;

  if (input_path == NULL)
    {
      int fd = g_file_open_tmp ("mimic-fuzz-recording-XXXXXX.jsonl", &input_path, &error);

      g_assert_no_error (error);
      close (fd);
      atexit (input_path_free);
    }

  /* Not atomic and without fsync: thousands of inputs a second. */
  g_file_set_contents_full (input_path, (const char *) data, size,
                            G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);

  reader = mimic_recording_reader_new (input_path, &error);
  if (reader == NULL)
    {
      /* Only the header can make a file unreadable as a whole. */
      g_assert_true (g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_NOT_A_RECORDING) ||
                     g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_UNSUPPORTED_VERSION) ||
                     g_error_matches (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO));
      return 0;
    }
  g_assert_no_error (error);

  n_messages = read_all (reader, &n_bad);
  g_assert_cmpuint (mimic_recording_reader_get_n_skipped (reader), ==, n_bad);

  g_assert_true (mimic_recording_reader_rewind (reader, &error));
  g_assert_no_error (error);
  n_messages_again = read_all (reader, &n_bad_again);
  g_assert_cmpuint (n_messages_again, ==, n_messages);
  g_assert_cmpuint (n_bad_again, ==, n_bad);

  return 0;
}
