/* mimic-websocket-feed.c
 *
 * The WebSocket adapter. libsoup runs on a thread of its own with its own
 * GMainContext, so neither the TLS handshake nor envelope parsing ever waits
 * on (or delays) the UI's main loop. Each frame is an envelope
 * {"topic": "...", "payload": {...}}; the payload goes through
 * mimic_feed_ingest_message() like an MQTT message on that topic would.
 *
 * Keep-alive: libsoup sends a ping every interval; any frame or pong counts
 * as a sign of life, and two silent intervals close the connection so the
 * reconnect logic takes over — a half-open TCP connection would otherwise
 * look like a quiet plant. Frames over the size cap make libsoup close the
 * connection (RFC 6455 code 1009); that is counted as an oversized message.
 *
 * Certificates are verified against the profile's CA file (or the system's
 * CAs) and the host name; any problem refuses the connection for good, with
 * the problems in words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-websocket-feed"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "mimic-websocket-feed.h"
#include "mimic-json.h"

/* Room for the envelope around a payload of the feed's maximum size. */
#define ENVELOPE_OVERHEAD 4096

struct _MimicWebSocketFeed
{
  MimicFeed                 parent_instance;

  MimicConnection          *connection;
  MimicBackoff             *backoff;
  guint                     keepalive_s;

  /* Set on start, read by the I/O thread. */
  GTlsDatabase             *tls_database;
  GTlsCertificate          *client_certificate;

  GThread                  *io_thread;
  GMainContext             *io_context;

  /* Guards start_task, connected and stopping. */
  GMutex                    mutex;
  GTask                    *start_task;
  gboolean                  connected;
  gboolean                  stopping;

  guint64                   n_pongs;          /* atomic */
  /* Set (atomic) when mimic_feed_stop() asks the I/O thread to end, so
   * that on_message() can look at it between frames without the lock. */
  gint                      stop_requested;

  /* Envelopes waiting for the I/O thread, oldest first; guarded by
   * outgoing_mutex, with their number in n_outgoing (atomic) so the
   * I/O thread can look without the lock. */
  GMutex                    outgoing_mutex;
  GQueue                    outgoing;
  gint                      n_outgoing;

  /* Owned by the I/O thread. */
  GMainLoop                *io_loop;
  SoupSession              *session;
  SoupMessage              *handshake;
  SoupWebsocketConnection  *ws;
  GCancellable             *connect_cancellable;
  GSource                  *retry_source;
  GSource                  *watchdog_source;
  JsonParser               *envelope_parser;
  GTlsCertificateFlags      tls_errors;
  gint64                    last_activity_us;  /* monotonic */
  gboolean                  closed_too_big;
};

G_DEFINE_FINAL_TYPE (MimicWebSocketFeed, mimic_websocket_feed, MIMIC_TYPE_FEED)

static void connect_now (MimicWebSocketFeed *self);

/* Runs on the I/O thread: sends every queued envelope, or drops them when
 * the connection is gone (commands track their acknowledgement). */
static void
send_outgoing (MimicWebSocketFeed *self)
{
  GQueue texts = G_QUEUE_INIT;
  char *text;

  g_mutex_lock (&self->outgoing_mutex);
  texts = self->outgoing;
  g_queue_init (&self->outgoing);
  g_atomic_int_set (&self->n_outgoing, 0);
  g_mutex_unlock (&self->outgoing_mutex);

  while ((text = g_queue_pop_head (&texts)) != NULL)
    {
      if (self->ws != NULL &&
          soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text (self->ws, text);
      g_free (text);
    }
}

static gboolean
send_outgoing_cb (gpointer user_data)
{
  send_outgoing (user_data);

  return G_SOURCE_REMOVE;
}

static void
clear_outgoing (MimicWebSocketFeed *self)
{
  g_mutex_lock (&self->outgoing_mutex);
  g_queue_clear_full (&self->outgoing, g_free);
  g_atomic_int_set (&self->n_outgoing, 0);
  g_mutex_unlock (&self->outgoing_mutex);
}

typedef struct
{
  GTask  *task;
  GError *error;
} StartResult;

static gboolean
return_start_result (gpointer data)
{
  StartResult *result = data;

  if (result->error != NULL)
    g_task_return_error (result->task, g_steal_pointer (&result->error));
  else
    g_task_return_boolean (result->task, TRUE);
  g_object_unref (result->task);
  g_free (result);

  return G_SOURCE_REMOVE;
}

/* The task holds a reference on the feed; letting it go on the I/O thread
 * could drop the feed's last reference there, and the feed would then wait
 * for its own thread to end. So the task is completed and released in its
 * own context. */
static void
complete_start (MimicWebSocketFeed *self,
                GError             *error)
{
  StartResult *result;
  GTask *task;

  g_mutex_lock (&self->mutex);
  task = g_steal_pointer (&self->start_task);
  g_mutex_unlock (&self->mutex);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  result = g_new0 (StartResult, 1);
  result->task = task;
  result->error = error;
  g_main_context_invoke (g_task_get_context (task), return_start_result, result);
}

static gboolean
is_stopping (MimicWebSocketFeed *self)
{
  gboolean stopping;

  g_mutex_lock (&self->mutex);
  stopping = self->stopping;
  g_mutex_unlock (&self->mutex);

  return stopping;
}

static void
set_connected (MimicWebSocketFeed *self,
               gboolean            connected)
{
  g_mutex_lock (&self->mutex);
  self->connected = connected;
  g_mutex_unlock (&self->mutex);
}

static void
ingest_envelope (MimicWebSocketFeed *self,
                 GBytes             *frame)
{
  MimicFeed *feed = MIMIC_FEED (self);
  gint64 received_us = g_get_real_time ();
  gsize length;
  const char *data = g_bytes_get_data (frame, &length);
  g_autofree char *payload = NULL;
  JsonObject *envelope;
  JsonNode *root;
  JsonNode *topic;
  JsonNode *payload_node;

  if (length == 0 ||
      !g_utf8_validate (data, length, NULL) ||
      !mimic_json_parser_load_from_data (self->envelope_parser, data, length, NULL))
    {
      mimic_feed_count_rejection (feed, MIMIC_REJECTION_MALFORMED_JSON, length, received_us);
      return;
    }

  root = json_parser_get_root (self->envelope_parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      mimic_feed_count_rejection (feed, MIMIC_REJECTION_WRONG_TYPE, length, received_us);
      return;
    }

  envelope = json_node_get_object (root);
  topic = json_object_get_member (envelope, "topic");
  payload_node = json_object_get_member (envelope, "payload");
  if (topic == NULL || !JSON_NODE_HOLDS_VALUE (topic) ||
      json_node_get_value_type (topic) != G_TYPE_STRING ||
      payload_node == NULL)
    {
      mimic_feed_count_rejection (feed, MIMIC_REJECTION_WRONG_TYPE, length, received_us);
      return;
    }

  payload = json_to_string (payload_node, FALSE);
  mimic_feed_ingest_message (feed, json_node_get_string (topic),
                             (const guint8 *) payload, strlen (payload), received_us);
}

static void
on_message (SoupWebsocketConnection *ws,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  MimicWebSocketFeed *self = user_data;

  /* libsoup 3.2 goes on handing out frames while its socket has any, so
   * the stop queued for this thread would wait for a flood to end, taking
   * every frame of it meanwhile. Once a stop is asked for, the first frame
   * closes the connection (libsoup stops reading once its close is sent)
   * and no frame is taken any more; the stop then runs at once. */
  if (g_atomic_int_get (&self->stop_requested))
    {
      if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  self->last_activity_us = g_get_monotonic_time ();
  /* libsoup 3.2 reads and hands out frames for as long as the socket has
   * any, without returning to the main loop: under a flood of telemetry
   * the source that sends queued commands would not run until the flood
   * ends. Sending them between frames keeps a command's delay to one
   * frame's work. */
  if (g_atomic_int_get (&self->n_outgoing) > 0)
    send_outgoing (self);
  ingest_envelope (self, message);
}

static void
on_pong (SoupWebsocketConnection *ws,
         GBytes                  *message,
         gpointer                 user_data)
{
  MimicWebSocketFeed *self = user_data;

  self->last_activity_us = g_get_monotonic_time ();
  g_atomic_pointer_add (&self->n_pongs, 1);
}

static void
on_error (SoupWebsocketConnection *ws,
          GError                  *error,
          gpointer                 user_data)
{
  MimicWebSocketFeed *self = user_data;

  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG))
    {
      self->closed_too_big = TRUE;
      mimic_feed_count_rejection (MIMIC_FEED (self), MIMIC_REJECTION_OVERSIZED, 0, g_get_real_time ());
    }

  g_debug ("%s: %s", mimic_feed_get_id (MIMIC_FEED (self)), error->message);
}

static gboolean
retry_cb (gpointer user_data)
{
  MimicWebSocketFeed *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  connect_now (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MimicWebSocketFeed *self)
{
  guint delay_ms = mimic_backoff_next_delay_ms (self->backoff);

  g_debug ("%s: reconnecting in %u ms", mimic_feed_get_id (MIMIC_FEED (self)), delay_ms);

  g_assert (self->retry_source == NULL);
  self->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->retry_source, retry_cb, self, NULL);
  g_source_set_static_name (self->retry_source, "[mimic] websocket reconnect");
  g_source_attach (self->retry_source, self->io_context);
}

static void
drop_connection (MimicWebSocketFeed *self)
{
  if (self->watchdog_source != NULL)
    {
      g_source_destroy (self->watchdog_source);
      g_clear_pointer (&self->watchdog_source, g_source_unref);
    }

  if (self->ws == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->ws, self);
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  g_clear_object (&self->ws);
  set_connected (self, FALSE);
}

static void
connection_lost (MimicWebSocketFeed *self,
                 const char         *reason)
{
  drop_connection (self);

  if (is_stopping (self))
    return;

  mimic_backoff_disconnected (self->backoff, g_get_monotonic_time ());
  mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_RECONNECTING, reason);
  schedule_retry (self);
}

static void
on_closed (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  MimicWebSocketFeed *self = user_data;
  g_autofree char *reason = NULL;

  if (self->closed_too_big)
    reason = g_strdup (_("The server sent a message larger than the size cap; the connection was closed"));
  else
    reason = g_strdup_printf (_("The server closed the connection (code %u)"),
                              soup_websocket_connection_get_close_code (ws));

  connection_lost (self, reason);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  MimicWebSocketFeed *self = user_data;
  gint64 silent_us = g_get_monotonic_time () - self->last_activity_us;

  if (silent_us <= 2 * (gint64) self->keepalive_s * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->watchdog_source, g_source_unref);
  connection_lost (self, _("No answer to keep-alive pings; the connection is considered lost"));

  return G_SOURCE_REMOVE;
}

static char *
describe_connect_failure (MimicWebSocketFeed  *self,
                          GError              *error,
                          gboolean            *fatal,
                          MimicFeedError      *code)
{
  const char *url = mimic_connection_get_url (self->connection);
  guint status = self->handshake != NULL ? soup_message_get_status (self->handshake) : 0;

  *fatal = FALSE;
  *code = MIMIC_FEED_ERROR_CONNECTION_FAILED;

  if (self->tls_errors != 0)
    {
      g_autofree char *problems = mimic_tls_errors_to_string (self->tls_errors);

      *fatal = TRUE;
      *code = MIMIC_FEED_ERROR_TLS;
      return g_strdup_printf (_("The certificate of %s was refused: %s"),
                              mimic_connection_get_host (self->connection), problems);
    }

  if (error->domain == G_TLS_ERROR)
    {
      *fatal = TRUE;
      *code = MIMIC_FEED_ERROR_TLS;
      return g_strdup_printf (_("The TLS handshake with %s failed: %s"),
                              mimic_connection_get_host (self->connection), error->message);
    }

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      *fatal = TRUE;
      *code = MIMIC_FEED_ERROR_AUTHENTICATION;
      return g_strdup_printf (_("%s refused the credentials (HTTP %u)"), url, status);
    }

  if (status >= 300)
    {
      *code = MIMIC_FEED_ERROR_PROTOCOL;
      return g_strdup_printf (_("%s did not accept a WebSocket connection (HTTP %u %s)"),
                              url, status, soup_message_get_reason_phrase (self->handshake));
    }

  return g_strdup_printf (_("Cannot connect to %s: %s"), url, error->message);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  MimicWebSocketFeed *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws;
  gboolean first;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || is_stopping (self))
    {
      g_clear_object (&ws);
      g_clear_object (&self->handshake);
      return;
    }

  g_mutex_lock (&self->mutex);
  first = self->start_task != NULL;
  g_mutex_unlock (&self->mutex);

  if (ws == NULL)
    {
      g_autofree char *message = NULL;
      gboolean fatal;
      MimicFeedError code;

      message = describe_connect_failure (self, error, &fatal, &code);
      g_clear_object (&self->handshake);

      /* Fail closed: a refused certificate or credentials will not get
       * better by retrying, and a first attempt that fails is reported
       * rather than retried in silence. */
      if (fatal || first)
        {
          mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_FAILED, message);
          complete_start (self, g_error_new_literal (MIMIC_FEED_ERROR, code, message));
          return;
        }

      mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_RECONNECTING, message);
      schedule_retry (self);
      return;
    }

  g_clear_object (&self->handshake);
  self->ws = ws;
  self->closed_too_big = FALSE;
  self->last_activity_us = g_get_monotonic_time ();

  soup_websocket_connection_set_max_incoming_payload_size (ws, mimic_feed_get_max_payload (MIMIC_FEED (self)) + ENVELOPE_OVERHEAD);
  soup_websocket_connection_set_keepalive_interval (ws, self->keepalive_s);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (ws, "pong", G_CALLBACK (on_pong), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), self);

  if (self->keepalive_s > 0)
    {
      self->watchdog_source = g_timeout_source_new_seconds (self->keepalive_s);
      g_source_set_callback (self->watchdog_source, watchdog_cb, self, NULL);
      g_source_set_static_name (self->watchdog_source, "[mimic] websocket keep-alive");
      g_source_attach (self->watchdog_source, self->io_context);
    }

  set_connected (self, TRUE);
  mimic_backoff_connected (self->backoff, g_get_monotonic_time ());
  mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_CONNECTED, NULL);
  complete_start (self, NULL);
}

static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  MimicWebSocketFeed *self = user_data;

  /* libsoup asks only when verification found a problem: refuse, and keep
   * the problems to tell the operator. */
  self->tls_errors = errors;
  return FALSE;
}

static void
connect_now (MimicWebSocketFeed *self)
{
  const char *password = mimic_connection_get_password (self->connection);

  self->tls_errors = 0;
  g_clear_object (&self->connect_cancellable);
  self->connect_cancellable = g_cancellable_new ();

  g_clear_object (&self->handshake);
  self->handshake = soup_message_new ("GET", mimic_connection_get_url (self->connection));
  g_assert (self->handshake != NULL);

  g_signal_connect (self->handshake, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
  if (self->client_certificate != NULL)
    soup_message_set_tls_client_certificate (self->handshake, self->client_certificate);

  if (password != NULL)
    {
      const char *username = mimic_connection_get_username (self->connection);
      g_autofree char *credentials = g_strdup_printf ("%s:%s", username != NULL ? username : "", password);
      g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
      g_autofree char *header = g_strdup_printf ("Basic %s", encoded);

      soup_message_headers_replace (soup_message_get_request_headers (self->handshake),
                                    "Authorization", header);
      memset (credentials, 0, strlen (credentials));
    }

  soup_session_websocket_connect_async (self->session, self->handshake, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->connect_cancellable,
                                        connected_cb, self);
}

static gboolean
stop_in_io_thread (gpointer user_data)
{
  MimicWebSocketFeed *self = user_data;

  g_cancellable_cancel (self->connect_cancellable);
  if (self->retry_source != NULL)
    {
      g_source_destroy (self->retry_source);
      g_clear_pointer (&self->retry_source, g_source_unref);
    }
  drop_connection (self);
  g_main_loop_quit (self->io_loop);

  return G_SOURCE_REMOVE;
}

static gpointer
io_thread_run (gpointer data)
{
  MimicWebSocketFeed *self = data;

  g_main_context_push_thread_default (self->io_context);

  self->io_loop = g_main_loop_new (self->io_context, FALSE);
  self->envelope_parser = json_parser_new_immutable ();
  self->session = soup_session_new_with_options ("tls-database", self->tls_database,
                                                 "timeout", 30,
                                                 NULL);
  connect_now (self);
  g_main_loop_run (self->io_loop);

  g_clear_object (&self->handshake);
  g_clear_object (&self->connect_cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->envelope_parser);
  /* Let libsoup finish closing sockets it has already let go of. */
  while (g_main_context_iteration (self->io_context, FALSE))
    ;
  g_clear_pointer (&self->io_loop, g_main_loop_unref);

  g_main_context_pop_thread_default (self->io_context);

  return NULL;
}

static void
join_io_thread (MimicWebSocketFeed *self)
{
  if (self->io_thread != NULL)
    {
      /* Ahead of whatever else is ready on the I/O thread. */
      g_main_context_invoke_full (self->io_context, G_PRIORITY_HIGH, stop_in_io_thread, self, NULL);
      g_thread_join (g_steal_pointer (&self->io_thread));
    }
  g_clear_pointer (&self->io_context, g_main_context_unref);
  /* What the thread did not send died with the connection. */
  clear_outgoing (self);
}

static void
mimic_websocket_feed_start_async (MimicFeed           *feed,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  MimicWebSocketFeed *self = MIMIC_WEBSOCKET_FEED (feed);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, mimic_websocket_feed_start_async);

  join_io_thread (self);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->client_certificate);

  if (mimic_connection_uses_tls (self->connection))
    {
      self->tls_database = mimic_connection_create_tls_database (self->connection, &error);
      if (self->tls_database != NULL)
        self->client_certificate = mimic_connection_load_client_certificate (self->connection, &error);

      if (error != NULL)
        {
          mimic_feed_set_state (feed, MIMIC_FEED_STATE_FAILED, error->message);
          g_task_return_new_error (task, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_TLS, "%s", error->message);
          return;
        }
    }

  g_mutex_lock (&self->mutex);
  self->stopping = FALSE;
  self->connected = FALSE;
  self->start_task = g_steal_pointer (&task);
  g_mutex_unlock (&self->mutex);
  g_atomic_int_set (&self->stop_requested, FALSE);

  g_atomic_pointer_set (&self->n_pongs, 0);
  mimic_backoff_reset (self->backoff);
  mimic_feed_set_state (feed, MIMIC_FEED_STATE_CONNECTING, NULL);

  self->io_context = g_main_context_new ();
  self->io_thread = g_thread_new ("mimic-ws-io", io_thread_run, self);
}

static gboolean
mimic_websocket_feed_start_finish (MimicFeed     *feed,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimic_websocket_feed_stop (MimicFeed *feed)
{
  MimicWebSocketFeed *self = MIMIC_WEBSOCKET_FEED (feed);

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  g_mutex_unlock (&self->mutex);
  g_atomic_int_set (&self->stop_requested, TRUE);

  join_io_thread (self);

  complete_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The feed was stopped before it connected")));
}

static void
mimic_websocket_feed_finalize (GObject *object)
{
  MimicWebSocketFeed *self = MIMIC_WEBSOCKET_FEED (object);

  /* The base class stopped the feed in dispose. */
  join_io_thread (self);
  g_clear_object (&self->connection);
  g_clear_object (&self->backoff);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->client_certificate);
  g_mutex_clear (&self->mutex);
  g_mutex_clear (&self->outgoing_mutex);

  G_OBJECT_CLASS (mimic_websocket_feed_parent_class)->finalize (object);
}

/* The envelope carries no correlation field: the id inside the JSON is
 * the correlation, and messages lost with the connection are not sent
 * again (the queue dies with it). */
static gboolean
mimic_websocket_feed_send_command (MimicFeed   *feed,
                                   const char  *device_id,
                                   const char  *command,
                                   const char  *payload_json,
                                   const char  *correlation_id,
                                   guint        expiry_s,
                                   GError     **error)
{
  g_autofree char *topic = NULL;

  if (device_id[0] == '\0' || strchr (device_id, '/') != NULL ||
      command[0] == '\0' || strchr (command, '/') != NULL)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL,
                   _("“%s/%s” cannot be part of a topic"), device_id, command);
      return FALSE;
    }

  topic = g_strdup_printf ("%s/%s/cmd/%s", mimic_feed_get_root (feed), device_id, command);
  return mimic_websocket_feed_send (MIMIC_WEBSOCKET_FEED (feed), topic, payload_json, error);
}

static void
mimic_websocket_feed_class_init (MimicWebSocketFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MimicFeedClass *feed_class = MIMIC_FEED_CLASS (klass);

  object_class->finalize = mimic_websocket_feed_finalize;

  feed_class->start_async = mimic_websocket_feed_start_async;
  feed_class->start_finish = mimic_websocket_feed_start_finish;
  feed_class->stop = mimic_websocket_feed_stop;
  feed_class->send_command = mimic_websocket_feed_send_command;
}

static void
mimic_websocket_feed_init (MimicWebSocketFeed *self)
{
  g_mutex_init (&self->mutex);
  g_mutex_init (&self->outgoing_mutex);
  g_queue_init (&self->outgoing);
  self->keepalive_s = MIMIC_WEBSOCKET_DEFAULT_KEEPALIVE_S;
  self->backoff = mimic_backoff_new (500, 2.0, 30000);
}

/**
 * mimic_websocket_feed_new:
 * @connection: a ws:// or wss:// connection; its password, if any, is sent
 *   as HTTP Basic authentication
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a feed, not started yet
 */
MimicWebSocketFeed *
mimic_websocket_feed_new (MimicConnection  *connection,
                          GError          **error)
{
  MimicWebSocketFeed *self;
  MimicConnectionKind kind;

  g_return_val_if_fail (MIMIC_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  kind = mimic_connection_get_kind (connection);
  if (kind != MIMIC_CONNECTION_KIND_WS && kind != MIMIC_CONNECTION_KIND_WSS)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_UNSUPPORTED_SCHEME,
                   _("A WebSocket feed needs a ws:// or wss:// URL, not %s://"),
                   mimic_connection_kind_to_scheme (kind));
      return NULL;
    }

  if (!mimic_connection_validate (connection, error))
    return NULL;

  self = g_object_new (MIMIC_TYPE_WEBSOCKET_FEED,
                       "id", mimic_connection_get_id (connection),
                       "url", mimic_connection_get_url (connection),
                       "root", mimic_connection_get_topic_root (connection),
                       NULL);
  self->connection = g_object_ref (connection);

  return self;
}

MimicConnection *
mimic_websocket_feed_get_connection (MimicWebSocketFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_WEBSOCKET_FEED (self), NULL);
  return self->connection;
}

void
mimic_websocket_feed_set_backoff (MimicWebSocketFeed *self,
                                  MimicBackoff       *backoff)
{
  g_return_if_fail (MIMIC_IS_WEBSOCKET_FEED (self));
  g_return_if_fail (MIMIC_IS_BACKOFF (backoff));
  g_return_if_fail (self->io_thread == NULL);

  g_set_object (&self->backoff, backoff);
}

void
mimic_websocket_feed_set_keepalive_interval (MimicWebSocketFeed *self,
                                             guint               interval_s)
{
  g_return_if_fail (MIMIC_IS_WEBSOCKET_FEED (self));
  g_return_if_fail (self->io_thread == NULL);

  self->keepalive_s = interval_s;
}

guint
mimic_websocket_feed_get_keepalive_interval (MimicWebSocketFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_WEBSOCKET_FEED (self), 0);
  return self->keepalive_s;
}

guint64
mimic_websocket_feed_get_n_pongs (MimicWebSocketFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_WEBSOCKET_FEED (self), 0);
  return (guint64) g_atomic_pointer_get (&self->n_pongs);
}

/**
 * mimic_websocket_feed_send:
 * @self: a #MimicWebSocketFeed
 * @topic: the topic, e.g. "mimic/pump-001/cmd/set_speed"
 * @payload_json: a JSON object
 * @error: return location for a #MIMIC_FEED_ERROR
 *
 * Queues an envelope for the server. A connection lost before the queue
 * drains loses the message: commands track their acknowledgement.
 *
 * Returns: %TRUE if queued
 */
gboolean
mimic_websocket_feed_send (MimicWebSocketFeed  *self,
                           const char          *topic,
                           const char          *payload_json,
                           GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) envelope = NULL;
  JsonNode *payload;
  gboolean connected;

  g_return_val_if_fail (MIMIC_IS_WEBSOCKET_FEED (self), FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);
  g_return_val_if_fail (payload_json != NULL, FALSE);

  if (!json_parser_load_from_data (parser, payload_json, -1, NULL) ||
      (payload = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (payload))
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL,
                   _("The payload to send must be a JSON object"));
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  connected = self->connected && self->io_context != NULL;
  g_mutex_unlock (&self->mutex);

  if (!connected)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED,
                   _("%s is not connected"), mimic_feed_get_url (MIMIC_FEED (self)));
      return FALSE;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "topic");
  json_builder_add_string_value (builder, topic);
  json_builder_set_member_name (builder, "payload");
  json_builder_add_value (builder, json_node_copy (payload));
  json_builder_end_object (builder);
  envelope = json_builder_get_root (builder);

  g_mutex_lock (&self->outgoing_mutex);
  g_queue_push_tail (&self->outgoing, json_to_string (envelope, FALSE));
  g_atomic_int_inc (&self->n_outgoing);
  g_mutex_unlock (&self->outgoing_mutex);

  /* No reference: the I/O thread, which runs the source, is joined before
   * the feed goes away, and dropping the last reference there would make
   * it join itself. Whichever comes first, this source or the next frame
   * from the server (on_message()), sends the queue. */
  g_main_context_invoke_full (self->io_context, G_PRIORITY_HIGH,
                              send_outgoing_cb, self, NULL);

  return TRUE;
}

/**
 * mimic_websocket_feed_ingest_frame:
 * @self: a #MimicWebSocketFeed that is not started
 * @data: (array length=length): the frame's bytes
 * @length: the number of bytes
 *
 * Runs @data through the same envelope decoding as a frame received from
 * the server, so tests and the fuzz target reach it without a server.
 */
void
mimic_websocket_feed_ingest_frame (MimicWebSocketFeed *self,
                                   const guint8       *data,
                                   gsize               length)
{
  g_autoptr(GBytes) frame = NULL;

  g_return_if_fail (MIMIC_IS_WEBSOCKET_FEED (self));
  g_return_if_fail (self->io_thread == NULL);

  frame = g_bytes_new (data, length);
  self->envelope_parser = json_parser_new_immutable ();
  ingest_envelope (self, frame);
  g_clear_object (&self->envelope_parser);
}
