/* mimic-recording-reader.c
 *
 * Reads a recording line by line, so memory stays bounded however long the
 * file is. A recording may be truncated by a crash or edited by hand: a line
 * that is not a valid message is skipped, counted and reported with its
 * line number, and reading goes on. Lines over MIMIC_RECORDING_MAX_LINE are
 * skipped without being held in memory.
 *
 * Not thread-safe: one thread reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-recording-reader"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "mimic-recording-reader.h"
#include "mimic-json.h"

struct _MimicRecordingReader
{
  GObject  parent_instance;

  char    *path;
  FILE    *file;
  char    *line;         /* MIMIC_RECORDING_MAX_LINE + 2 bytes */
  guint64  line_number;  /* of the line read last */
  long     first_message_offset;
  guint64  n_skipped;

  char    *source;
  char    *root;
  gint64   created_us;
};

G_DEFINE_FINAL_TYPE (MimicRecordingReader, mimic_recording_reader, G_TYPE_OBJECT)

static void
mimic_recording_reader_finalize (GObject *object)
{
  MimicRecordingReader *self = (MimicRecordingReader *)object;

  if (self->file != NULL)
    fclose (self->file);
  g_free (self->path);
  g_free (self->line);
  g_free (self->source);
  g_free (self->root);

  G_OBJECT_CLASS (mimic_recording_reader_parent_class)->finalize (object);
}

static void
mimic_recording_reader_class_init (MimicRecordingReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_recording_reader_finalize;
}

static void
mimic_recording_reader_init (MimicRecordingReader *self)
{
  self->line = g_malloc (MIMIC_RECORDING_MAX_LINE + 2);
}

typedef enum
{
  READ_LINE,
  READ_TOO_LONG,
  READ_END,
  READ_FAILED,
} ReadResult;

/* Reads the next line into self->line without its newline. */
static ReadResult
read_line (MimicRecordingReader  *self,
           gsize                 *length,
           GError               **error)
{
  gsize len;

  if (fgets (self->line, MIMIC_RECORDING_MAX_LINE + 2, self->file) == NULL)
    {
      if (ferror (self->file))
        {
          g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO,
                       _("Cannot read recording “%s”: %s"), self->path, g_strerror (errno));
          return READ_FAILED;
        }
      return READ_END;
    }

  self->line_number++;
  len = strlen (self->line);

  if (len > 0 && self->line[len - 1] == '\n')
    {
      self->line[--len] = '\0';
      if (len > 0 && self->line[len - 1] == '\r')
        self->line[--len] = '\0';
    }
  else if (len > MIMIC_RECORDING_MAX_LINE)
    {
      /* Drop the rest of the line in chunks, never holding all of it. */
      while (fgets (self->line, MIMIC_RECORDING_MAX_LINE + 2, self->file) != NULL)
        {
          gsize chunk = strlen (self->line);

          if (chunk > 0 && self->line[chunk - 1] == '\n')
            break;
        }
      return READ_TOO_LONG;
    }

  *length = len;
  return READ_LINE;
}

static gboolean
read_header (MimicRecordingReader  *self,
             GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *header;
  JsonNode *root;
  gsize length = 0;
  ReadResult result;

  result = read_line (self, &length, error);
  if (result == READ_FAILED)
    return FALSE;

  if (result == READ_END ||
      result == READ_TOO_LONG ||
      !mimic_json_parser_load_from_data (parser, self->line, length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root) ||
      g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root), "format", NULL),
                 MIMIC_RECORDING_FORMAT) != 0)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_NOT_A_RECORDING,
                   _("“%s” is not a Mimic recording: line 1 must be a header with \"format\": \"%s\""),
                   self->path, MIMIC_RECORDING_FORMAT);
      return FALSE;
    }

  header = json_node_get_object (root);
  if (json_object_get_int_member_with_default (header, "version", 0) != MIMIC_RECORDING_VERSION)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_UNSUPPORTED_VERSION,
                   _("Recording “%s” has format version %lld; this Mimic reads version %d"),
                   self->path, (long long) json_object_get_int_member_with_default (header, "version", 0),
                   MIMIC_RECORDING_VERSION);
      return FALSE;
    }

  self->source = g_strdup (json_object_get_string_member_with_default (header, "source", ""));
  self->root = g_strdup (json_object_get_string_member_with_default (header, "root", "mimic"));
  self->created_us = json_object_get_int_member_with_default (header, "created_us", 0);
  self->first_message_offset = ftell (self->file);

  return TRUE;
}

/**
 * mimic_recording_reader_new:
 * @path: a recording written by #MimicRecordingWriter
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Returns: (transfer full) (nullable): a reader positioned before the first
 *   message, or %NULL if the file cannot be opened or has no valid header
 */
MimicRecordingReader *
mimic_recording_reader_new (const char  *path,
                            GError     **error)
{
  g_autoptr(MimicRecordingReader) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MIMIC_TYPE_RECORDING_READER, NULL);
  self->path = g_strdup (path);
  self->file = g_fopen (path, "rb");
  if (self->file == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO,
                   _("Cannot open recording “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  if (!read_header (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

static MimicRecordedMessage *
parse_message (MimicRecordingReader  *self,
               gsize                  length,
               GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(MimicRecordedMessage) message = NULL;
  JsonObject *object;
  JsonNode *root;
  JsonNode *t;
  JsonNode *topic;
  JsonNode *payload;
  JsonNode *payload_base64;
  const char *reason = NULL;

  if (!mimic_json_parser_load_from_data (parser, self->line, length, &parse_error))
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE,
                   _("%s:%llu: not JSON: %s"),
                   self->path, (unsigned long long) self->line_number, parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE,
                   _("%s:%llu: a message must be a JSON object"),
                   self->path, (unsigned long long) self->line_number);
      return NULL;
    }

  object = json_node_get_object (root);
  t = json_object_get_member (object, "t");
  topic = json_object_get_member (object, "topic");
  payload = json_object_get_member (object, "payload");
  payload_base64 = json_object_get_member (object, "payload_base64");

  if (t == NULL || !JSON_NODE_HOLDS_VALUE (t) || json_node_get_value_type (t) != G_TYPE_INT64 ||
      json_node_get_int (t) < 0)
    reason = _("\"t\" must be a non-negative integer (µs since the epoch)");
  else if (topic == NULL || !JSON_NODE_HOLDS_VALUE (topic) ||
           json_node_get_value_type (topic) != G_TYPE_STRING ||
           *json_node_get_string (topic) == '\0')
    reason = _("\"topic\" must be a non-empty string");
  else if ((payload == NULL) == (payload_base64 == NULL))
    reason = _("exactly one of \"payload\" and \"payload_base64\" must be present");
  else if (payload_base64 != NULL &&
           (!JSON_NODE_HOLDS_VALUE (payload_base64) ||
            json_node_get_value_type (payload_base64) != G_TYPE_STRING))
    reason = _("\"payload_base64\" must be a string");

  if (reason != NULL)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE,
                   "%s:%" G_GUINT64_FORMAT ": %s", self->path, self->line_number, reason);
      return NULL;
    }

  message = g_new0 (MimicRecordedMessage, 1);
  message->received_us = json_node_get_int (t);
  message->topic = g_strdup (json_node_get_string (topic));
  message->line = self->line_number;

  if (payload != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      char *text;
      gsize text_length;

      json_generator_set_root (generator, payload);
      text = json_generator_to_data (generator, &text_length);
      message->payload = g_bytes_new_take (text, text_length);
    }
  else
    {
      const char *encoded = json_node_get_string (payload_base64);
      gsize decoded_length;
      guchar *decoded;

      /* g_base64_decode() skips characters outside the alphabet; insist on
       * a clean encoding so corruption is reported, not papered over. */
      for (const char *c = encoded; *c != '\0'; c++)
        {
          if (!g_ascii_isalnum (*c) && *c != '+' && *c != '/' && *c != '=')
            {
              g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MALFORMED_LINE,
                           _("%s:%llu: \"payload_base64\" is not valid base64"),
                           self->path, (unsigned long long) self->line_number);
              return NULL;
            }
        }

      decoded = g_base64_decode (encoded, &decoded_length);
      message->payload = g_bytes_new_take (decoded, decoded_length);
    }

  return g_steal_pointer (&message);
}

/**
 * mimic_recording_reader_next:
 * @self: a #MimicRecordingReader
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Reads the next message. A line that is not a valid message returns %NULL
 * with %MIMIC_RECORDING_ERROR_MALFORMED_LINE or
 * %MIMIC_RECORDING_ERROR_LINE_TOO_LONG naming the line number; the reader
 * has moved past it and the next call reads on. Blank lines are ignored.
 *
 * Returns: (transfer full) (nullable): the next message, or %NULL: at the
 *   end without an error, or with @error set
 */
MimicRecordedMessage *
mimic_recording_reader_next (MimicRecordingReader  *self,
                             GError               **error)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (;;)
    {
      MimicRecordedMessage *message;
      gsize length = 0;

      switch (read_line (self, &length, error))
        {
        case READ_END:
        case READ_FAILED:
          return NULL;

        case READ_TOO_LONG:
          self->n_skipped++;
          g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_LINE_TOO_LONG,
                       _("%s:%llu: line longer than %d bytes, skipped"),
                       self->path, (unsigned long long) self->line_number, MIMIC_RECORDING_MAX_LINE);
          return NULL;

        case READ_LINE:
        default:
          break;
        }

      if (length == 0)
        continue;

      message = parse_message (self, length, error);
      if (message == NULL)
        self->n_skipped++;

      return message;
    }
}

/**
 * mimic_recording_reader_rewind:
 * @self: a #MimicRecordingReader
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Goes back to the first message, for seeking backwards in a replay.
 */
gboolean
mimic_recording_reader_rewind (MimicRecordingReader  *self,
                               GError               **error)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), FALSE);

  if (fseek (self->file, self->first_message_offset, SEEK_SET) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO,
                   _("Cannot read recording “%s”: %s"), self->path, g_strerror (saved_errno));
      return FALSE;
    }

  self->line_number = 1;
  return TRUE;
}

const char *
mimic_recording_reader_get_path (MimicRecordingReader *self)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), NULL);
  return self->path;
}

/**
 * mimic_recording_reader_get_source:
 * @self: a #MimicRecordingReader
 *
 * Returns: the URL the recording was made from, as in its header
 */
const char *
mimic_recording_reader_get_source (MimicRecordingReader *self)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), NULL);
  return self->source;
}

const char *
mimic_recording_reader_get_root (MimicRecordingReader *self)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), NULL);
  return self->root;
}

gint64
mimic_recording_reader_get_created_us (MimicRecordingReader *self)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), 0);
  return self->created_us;
}

/**
 * mimic_recording_reader_get_n_skipped:
 * @self: a #MimicRecordingReader
 *
 * Returns: lines skipped as malformed or too long since the reader was made
 */
guint64
mimic_recording_reader_get_n_skipped (MimicRecordingReader *self)
{
  g_return_val_if_fail (MIMIC_IS_RECORDING_READER (self), 0);
  return self->n_skipped;
}
