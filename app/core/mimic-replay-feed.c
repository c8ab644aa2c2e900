/* mimic-replay-feed.c
 *
 * Plays a recording through mimic_feed_ingest_message() on a thread of its
 * own, paced by the recorded receive times. Everything downstream must not
 * be able to tell replay from live, so each message is delivered with the
 * current time as its receive time and its "ts" (when the payload has one at
 * the top level) moved by the same amount: a sample recorded 2 ms after it
 * was measured arrives 2 ms after its shifted measurement time, today.
 *
 * Pacing keeps an anchor — a wall-clock instant and the recording time that
 * corresponds to it — and re-anchors on every change of speed, pause or
 * seek, so a change never makes the replay jump.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-replay-feed"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mimic-recording-reader.h"
#include "mimic-replay-feed.h"
#include "mimic-json.h"

struct _MimicReplayFeed
{
  MimicFeed             parent_instance;

  MimicRecordingReader *reader;     /* used by the replay thread only, once started */
  char                 *path;
  char                 *source;
  GThread              *thread;

  /* Guards everything below. */
  GMutex                mutex;
  GCond                 changed;
  double                speed;
  gboolean              paused;
  gboolean              stopping;
  gboolean              finished;
  gboolean              seek_pending;
  gint64                seek_offset_us;
  gint64                first_us;        /* recording time of the first message */
  gint64                anchor_wall_us;  /* monotonic */
  gint64                anchor_recording_us;
  gint64                position_us;     /* recording time reached */
  guint64               skipped_lines;
};

G_DEFINE_FINAL_TYPE (MimicReplayFeed, mimic_replay_feed, MIMIC_TYPE_FEED)

/* Called with the lock held. */
static gint64
current_recording_time (MimicReplayFeed *self,
                        gint64           now_us)
{
  if (self->paused)
    return self->anchor_recording_us;

  return self->anchor_recording_us + (gint64) ((now_us - self->anchor_wall_us) * self->speed);
}

/* Called with the lock held. */
static void
reanchor (MimicReplayFeed *self)
{
  gint64 now_us = g_get_monotonic_time ();

  self->anchor_recording_us = current_recording_time (self, now_us);
  self->anchor_wall_us = now_us;
}

static gboolean
topic_carries_state (const char *topic)
{
  return g_str_has_suffix (topic, "/birth") ||
         g_str_has_suffix (topic, "/status") ||
         g_str_has_suffix (topic, "/reported");
}

/* The payload with a top-level "ts" moved by @shift_us, or NULL to send it
 * unchanged (no "ts", not JSON: the decoder judges it as it did live). */
static char *
shift_timestamp (GBytes *payload,
                 gint64  shift_us)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize length;
  const char *data = g_bytes_get_data (payload, &length);
  JsonObject *object;
  JsonNode *root;
  JsonNode *ts;

  if (length == 0 || memchr (data, '\0', length) != NULL ||
      !mimic_json_parser_load_from_data (parser, data, length, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  ts = json_object_get_member (object, "ts");
  if (ts == NULL || !JSON_NODE_HOLDS_VALUE (ts))
    return NULL;

  switch (json_node_get_value_type (ts))
    {
    case G_TYPE_INT64:
      {
        g_autoptr(JsonNode) copy = json_node_copy (root);

        json_object_set_int_member (json_node_get_object (copy), "ts",
                                    json_node_get_int (ts) + shift_us / 1000);
        return json_to_string (copy, FALSE);
      }

    case G_TYPE_DOUBLE:
      {
        g_autoptr(JsonNode) copy = json_node_copy (root);
        double ms = json_node_get_double (ts);

        if (!isfinite (ms))
          return NULL;
        json_object_set_double_member (json_node_get_object (copy), "ts", ms + shift_us / 1000.0);
        return json_to_string (copy, FALSE);
      }

    case G_TYPE_STRING:
      {
        g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (json_node_get_string (ts), NULL);
        g_autoptr(GDateTime) shifted = NULL;
        g_autoptr(JsonNode) copy = NULL;
        g_autofree char *text = NULL;

        if (time == NULL)
          return NULL;
        shifted = g_date_time_add (time, shift_us);
        if (shifted == NULL)
          return NULL;
        text = g_date_time_format_iso8601 (shifted);
        copy = json_node_copy (root);
        json_object_set_string_member (json_node_get_object (copy), "ts", text);
        return json_to_string (copy, FALSE);
      }

    default:
      return NULL;
    }
}

static void
deliver (MimicReplayFeed      *self,
         MimicRecordedMessage *message)
{
  gint64 now_us = g_get_real_time ();
  g_autofree char *shifted = shift_timestamp (message->payload, now_us - message->received_us);

  if (shifted != NULL)
    mimic_feed_ingest_message (MIMIC_FEED (self), message->topic,
                               (const guint8 *) shifted, strlen (shifted), now_us);
  else
    mimic_feed_ingest_message (MIMIC_FEED (self), message->topic,
                               g_bytes_get_data (message->payload, NULL),
                               g_bytes_get_size (message->payload), now_us);
}

/* Reads the next valid message; bad lines are counted as malformed input
 * and shown as the last error. Called without the lock. */
static MimicRecordedMessage *
read_next (MimicReplayFeed *self)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      MimicRecordedMessage *message = mimic_recording_reader_next (self->reader, &error);

      if (message != NULL || error == NULL)
        return message;

      if (error->code != MIMIC_RECORDING_ERROR_MALFORMED_LINE &&
          error->code != MIMIC_RECORDING_ERROR_LINE_TOO_LONG)
        {
          mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_FAILED, error->message);
          return NULL;
        }

      g_mutex_lock (&self->mutex);
      self->skipped_lines++;
      g_mutex_unlock (&self->mutex);
      mimic_feed_count_rejection (MIMIC_FEED (self), MIMIC_REJECTION_MALFORMED_JSON, 0, g_get_real_time ());
      mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_CONNECTED, error->message);
    }
}

/* Rewinds and fast-forwards to @offset_us, delivering state messages on
 * the way. Returns the first message at or after the target. */
static MimicRecordedMessage *
seek_to (MimicReplayFeed *self,
         gint64           offset_us)
{
  g_autoptr(GError) error = NULL;
  gint64 target_us;

  if (!mimic_recording_reader_rewind (self->reader, &error))
    {
      mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_FAILED, error->message);
      return NULL;
    }

  g_mutex_lock (&self->mutex);
  target_us = self->first_us + offset_us;
  g_mutex_unlock (&self->mutex);

  for (;;)
    {
      MimicRecordedMessage *message = read_next (self);

      if (message == NULL || message->received_us >= target_us)
        return message;

      if (topic_carries_state (message->topic))
        deliver (self, message);
      mimic_recorded_message_free (message);
    }
}

static gpointer
replay_thread_run (gpointer data)
{
  MimicReplayFeed *self = data;
  g_autoptr(MimicRecordedMessage) message = NULL;

  message = read_next (self);

  g_mutex_lock (&self->mutex);
  if (message != NULL)
    self->first_us = message->received_us;
  self->anchor_wall_us = g_get_monotonic_time ();
  self->anchor_recording_us = self->first_us;
  g_mutex_unlock (&self->mutex);

  while (message != NULL)
    {
      gboolean due = FALSE;

      g_mutex_lock (&self->mutex);
      while (!self->stopping && !self->seek_pending && !due)
        {
          gint64 now_us = g_get_monotonic_time ();
          gint64 recording_now = current_recording_time (self, now_us);

          if (!self->paused && recording_now >= message->received_us)
            {
              due = TRUE;
              break;
            }

          if (self->paused)
            g_cond_wait (&self->changed, &self->mutex);
          else
            g_cond_wait_until (&self->changed, &self->mutex,
                               now_us + (gint64) ((message->received_us - recording_now) / self->speed) + 1);
        }

      if (self->stopping)
        {
          g_mutex_unlock (&self->mutex);
          break;
        }

      if (self->seek_pending)
        {
          gint64 offset_us = self->seek_offset_us;

          self->seek_pending = FALSE;
          g_mutex_unlock (&self->mutex);

          g_clear_pointer (&message, mimic_recorded_message_free);
          message = seek_to (self, offset_us);

          g_mutex_lock (&self->mutex);
          self->anchor_wall_us = g_get_monotonic_time ();
          self->anchor_recording_us = self->first_us + offset_us;
          self->position_us = offset_us;
          g_mutex_unlock (&self->mutex);
          continue;
        }

      self->position_us = MAX (self->position_us, message->received_us - self->first_us);
      g_mutex_unlock (&self->mutex);

      deliver (self, message);
      g_clear_pointer (&message, mimic_recorded_message_free);
      message = read_next (self);
    }

  g_mutex_lock (&self->mutex);
  if (!self->stopping)
    self->finished = TRUE;
  g_mutex_unlock (&self->mutex);

  if (mimic_replay_feed_is_finished (self) && mimic_feed_get_state (MIMIC_FEED (self)) != MIMIC_FEED_STATE_FAILED)
    mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_DISCONNECTED, NULL);

  return NULL;
}

static void
join_thread (MimicReplayFeed *self)
{
  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);

  g_thread_join (g_steal_pointer (&self->thread));
}

static void
mimic_replay_feed_start_async (MimicFeed           *feed,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  MimicReplayFeed *self = MIMIC_REPLAY_FEED (feed);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, mimic_replay_feed_start_async);

  join_thread (self);

  g_mutex_lock (&self->mutex);
  self->stopping = FALSE;
  self->finished = FALSE;
  self->position_us = 0;
  g_mutex_unlock (&self->mutex);

  /* A restart plays from the beginning; the thread reads the first
   * message to learn where the recording starts, then honours a seek. */
  if (!mimic_recording_reader_rewind (self->reader, &error))
    {
      mimic_feed_set_state (feed, MIMIC_FEED_STATE_FAILED, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  mimic_feed_set_state (feed, MIMIC_FEED_STATE_CONNECTED, NULL);
  self->thread = g_thread_new ("mimic-replay", replay_thread_run, self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
mimic_replay_feed_start_finish (MimicFeed     *feed,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimic_replay_feed_stop (MimicFeed *feed)
{
  join_thread (MIMIC_REPLAY_FEED (feed));
}

static void
mimic_replay_feed_finalize (GObject *object)
{
  MimicReplayFeed *self = MIMIC_REPLAY_FEED (object);

  join_thread (self);
  g_clear_object (&self->reader);
  g_free (self->path);
  g_free (self->source);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->changed);

  G_OBJECT_CLASS (mimic_replay_feed_parent_class)->finalize (object);
}

static void
mimic_replay_feed_class_init (MimicReplayFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MimicFeedClass *feed_class = MIMIC_FEED_CLASS (klass);

  object_class->finalize = mimic_replay_feed_finalize;

  feed_class->start_async = mimic_replay_feed_start_async;
  feed_class->start_finish = mimic_replay_feed_start_finish;
  feed_class->stop = mimic_replay_feed_stop;
}

static void
mimic_replay_feed_init (MimicReplayFeed *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->changed);
  self->speed = 1.0;
}

/**
 * mimic_replay_feed_new:
 * @path: a recording made by #MimicRecordingWriter (or `mimic-cli record`)
 * @error: return location for a #MIMIC_RECORDING_ERROR
 *
 * Returns: (transfer full) (nullable): a feed whose id and URL are the
 *   file:// URL of @path and whose topic root is the recording's
 */
MimicReplayFeed *
mimic_replay_feed_new (const char  *path,
                       GError     **error)
{
  g_autoptr(MimicRecordingReader) reader = NULL;
  g_autofree char *url = NULL;
  g_autofree char *absolute = NULL;
  MimicReplayFeed *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader = mimic_recording_reader_new (path, error);
  if (reader == NULL)
    return NULL;

  absolute = g_canonicalize_filename (path, NULL);
  url = g_filename_to_uri (absolute, NULL, NULL);

  self = g_object_new (MIMIC_TYPE_REPLAY_FEED,
                       "id", url,
                       "url", url,
                       "root", mimic_recording_reader_get_root (reader),
                       NULL);
  self->reader = g_steal_pointer (&reader);
  self->path = g_steal_pointer (&absolute);
  self->source = g_strdup (mimic_recording_reader_get_source (self->reader));

  return self;
}

const char *
mimic_replay_feed_get_path (MimicReplayFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), NULL);
  return self->path;
}

const char *
mimic_replay_feed_get_source (MimicReplayFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), NULL);
  return self->source;
}

void
mimic_replay_feed_set_speed (MimicReplayFeed *self,
                             double           speed)
{
  g_return_if_fail (MIMIC_IS_REPLAY_FEED (self));
  g_return_if_fail (isfinite (speed) && speed > 0.0 && speed <= MIMIC_REPLAY_MAX_SPEED);

  g_mutex_lock (&self->mutex);
  reanchor (self);
  self->speed = speed;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);
}

double
mimic_replay_feed_get_speed (MimicReplayFeed *self)
{
  double speed;

  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), 1.0);

  g_mutex_lock (&self->mutex);
  speed = self->speed;
  g_mutex_unlock (&self->mutex);

  return speed;
}

void
mimic_replay_feed_set_paused (MimicReplayFeed *self,
                              gboolean         paused)
{
  g_return_if_fail (MIMIC_IS_REPLAY_FEED (self));

  g_mutex_lock (&self->mutex);
  if (self->paused != !!paused)
    {
      reanchor (self);
      self->paused = !!paused;
      g_cond_broadcast (&self->changed);
    }
  g_mutex_unlock (&self->mutex);
}

gboolean
mimic_replay_feed_get_paused (MimicReplayFeed *self)
{
  gboolean paused;

  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), FALSE);

  g_mutex_lock (&self->mutex);
  paused = self->paused;
  g_mutex_unlock (&self->mutex);

  return paused;
}

void
mimic_replay_feed_seek (MimicReplayFeed *self,
                        gint64           offset_us)
{
  g_return_if_fail (MIMIC_IS_REPLAY_FEED (self));
  g_return_if_fail (offset_us >= 0);

  g_mutex_lock (&self->mutex);
  self->seek_pending = TRUE;
  self->seek_offset_us = offset_us;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);
}

gint64
mimic_replay_feed_get_position (MimicReplayFeed *self)
{
  gint64 position;

  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), 0);

  g_mutex_lock (&self->mutex);
  position = self->position_us;
  g_mutex_unlock (&self->mutex);

  return position;
}

gboolean
mimic_replay_feed_is_finished (MimicReplayFeed *self)
{
  gboolean finished;

  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), FALSE);

  g_mutex_lock (&self->mutex);
  finished = self->finished;
  g_mutex_unlock (&self->mutex);

  return finished;
}

guint64
mimic_replay_feed_get_n_skipped_lines (MimicReplayFeed *self)
{
  guint64 n;

  g_return_val_if_fail (MIMIC_IS_REPLAY_FEED (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->skipped_lines;
  g_mutex_unlock (&self->mutex);

  return n;
}
