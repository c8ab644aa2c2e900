/* mimic-recording-writer.c
 *
 * Writes what a feed receives, before decoding, to a JSON Lines file (see
 * mimic-recording.h), so a replay goes through the same decoder and
 * validation as the live feed did. Feeds hand over messages on their network
 * threads, so writing is serialised with a lock and never touches the main
 * loop. The source URL in the header never carries a password.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-recording-writer"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "mimic-recording-writer.h"
#include "mimic-json.h"

struct _MimicRecordingWriter
{
  GObject  parent_instance;

  GMutex   mutex;
  char    *path;
  FILE    *file;         /* NULL once closed */
  guint64  n_messages;
};

G_DEFINE_FINAL_TYPE (MimicRecordingWriter, mimic_recording_writer, G_TYPE_OBJECT)

static void
mimic_recording_writer_finalize (GObject *object)
{
  MimicRecordingWriter *self = (MimicRecordingWriter *)object;

  if (self->file != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!mimic_recording_writer_close (self, &error))
        g_warning ("Recording %s may be incomplete: %s", self->path, error->message);
    }

  g_free (self->path);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (mimic_recording_writer_parent_class)->finalize (object);
}

static void
mimic_recording_writer_class_init (MimicRecordingWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_recording_writer_finalize;
}

static void
mimic_recording_writer_init (MimicRecordingWriter *self)
{
  g_mutex_init (&self->mutex);
}

static void
set_io_error (GError     **error,
              const char  *path,
              int          saved_errno)
{
  g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_IO,
               _("Cannot write recording “%s”: %s"), path, g_strerror (saved_errno));
}

/* Called with the lock held. */
static gboolean
write_line (MimicRecordingWriter  *self,
            const char            *line,
            gsize                  length,
            GError               **error)
{
  if (fwrite (line, 1, length, self->file) != length || fputc ('\n', self->file) == EOF)
    {
      set_io_error (error, self->path, errno);
      return FALSE;
    }

  return TRUE;
}

static char *
sanitise_source (const char *source_url)
{
  g_autoptr(GUri) uri = NULL;

  if (source_url == NULL)
    return g_strdup ("");

  uri = g_uri_parse (source_url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (uri == NULL)
    return g_strdup (source_url);

  return g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
}

/**
 * mimic_recording_writer_new:
 * @path: the file to create (replaced if it exists)
 * @source_url: (nullable): where the messages come from; any password in it
 *   is left out of the file
 * @root: (nullable): the topic root of the source
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Returns: (transfer full) (nullable): a writer that has written the header
 */
MimicRecordingWriter *
mimic_recording_writer_new (const char  *path,
                            const char  *source_url,
                            const char  *root,
                            GError     **error)
{
  g_autoptr(MimicRecordingWriter) self = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) header = NULL;
  g_autofree char *source = sanitise_source (source_url);
  g_autofree char *line = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MIMIC_TYPE_RECORDING_WRITER, NULL);
  self->path = g_strdup (path);
  self->file = g_fopen (path, "w");
  if (self->file == NULL)
    {
      set_io_error (error, path, errno);
      return NULL;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, MIMIC_RECORDING_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, MIMIC_RECORDING_VERSION);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, source);
  json_builder_set_member_name (builder, "root");
  json_builder_add_string_value (builder, root != NULL ? root : "mimic");
  json_builder_set_member_name (builder, "created_us");
  json_builder_add_int_value (builder, g_get_real_time ());
  json_builder_end_object (builder);

  header = json_builder_get_root (builder);
  json_generator_set_root (generator, header);
  line = json_generator_to_data (generator, &length);

  if (!write_line (self, line, length, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * mimic_recording_writer_write_message:
 * @self: a #MimicRecordingWriter
 * @topic: the topic the message arrived on
 * @payload: (array length=length): the bytes as received
 * @length: the length of @payload
 * @received_us: when it was received, wall clock µs since the epoch
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Thread-safe. Any payload is accepted; one that is not JSON is stored as
 * base64 so that replaying it reproduces the same rejection.
 *
 * Returns: %TRUE if the message was written
 */
gboolean
mimic_recording_writer_write_message (MimicRecordingWriter  *self,
                                      const char            *topic,
                                      const guint8          *payload,
                                      gsize                  length,
                                      gint64                 received_us,
                                      GError               **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *line = NULL;
  gsize line_length;
  gboolean is_json;
  gboolean ok;

  g_return_val_if_fail (MIMIC_IS_RECORDING_WRITER (self), FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);
  g_return_val_if_fail (payload != NULL || length == 0, FALSE);

  if (length > MIMIC_RECORDING_MAX_LINE)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MESSAGE_TOO_LARGE,
                   _("A message of %zu bytes is too large to record"), length);
      return FALSE;
    }

  /* json-glib would accept text with a NUL in the middle up to the NUL;
   * such a payload is recorded as bytes instead. */
  is_json = length > 0 &&
            memchr (payload, '\0', length) == NULL &&
            g_utf8_validate ((const char *) payload, length, NULL) &&
            mimic_json_parser_load_from_data (parser, (const char *) payload, length, NULL) &&
            json_parser_get_root (parser) != NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_int_value (builder, received_us);
  json_builder_set_member_name (builder, "topic");
  json_builder_add_string_value (builder, topic);
  if (is_json)
    {
      json_builder_set_member_name (builder, "payload");
      json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
    }
  else
    {
      g_autofree char *encoded = g_base64_encode (payload, length);

      json_builder_set_member_name (builder, "payload_base64");
      json_builder_add_string_value (builder, encoded);
    }
  json_builder_end_object (builder);

  node = json_builder_get_root (builder);
  json_generator_set_root (generator, node);
  line = json_generator_to_data (generator, &line_length);

  if (line_length > MIMIC_RECORDING_MAX_LINE)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_MESSAGE_TOO_LARGE,
                   _("A message of %zu bytes is too large to record"), length);
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  if (self->file == NULL)
    {
      g_set_error (error, MIMIC_RECORDING_ERROR, MIMIC_RECORDING_ERROR_CLOSED,
                   _("The recording “%s” is already closed"), self->path);
      ok = FALSE;
    }
  else
    {
      ok = write_line (self, line, line_length, error);
      if (ok)
        self->n_messages++;
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * mimic_recording_writer_flush:
 * @self: a #MimicRecordingWriter
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Pushes buffered lines to the file, e.g. once a second so a crash loses
 * little.
 */
gboolean
mimic_recording_writer_flush (MimicRecordingWriter  *self,
                              GError               **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (MIMIC_IS_RECORDING_WRITER (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (self->file != NULL && fflush (self->file) != 0)
    {
      set_io_error (error, self->path, errno);
      ok = FALSE;
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * mimic_recording_writer_close:
 * @self: a #MimicRecordingWriter
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Returns: %TRUE if every line reached the file; closing twice is harmless
 */
gboolean
mimic_recording_writer_close (MimicRecordingWriter  *self,
                              GError               **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (MIMIC_IS_RECORDING_WRITER (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (self->file != NULL)
    {
      if (fclose (self->file) != 0)
        {
          set_io_error (error, self->path, errno);
          ok = FALSE;
        }
      self->file = NULL;
    }
  g_mutex_unlock (&self->mutex);

  return ok;
}

guint64
mimic_recording_writer_get_n_messages (MimicRecordingWriter *self)
{
  guint64 n;

  g_return_val_if_fail (MIMIC_IS_RECORDING_WRITER (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_messages;
  g_mutex_unlock (&self->mutex);

  return n;
}
