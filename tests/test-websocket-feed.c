/* test-websocket-feed.c — the WebSocket feed against a real libsoup server
 * on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-websocket-feed"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "mimic-test-feed-utils.h"
#include "mimic-websocket-feed.h"

/* A WebSocket server that sends a script of frames to each client that
 * connects and keeps what clients send. */
typedef struct
{
  SoupServer *server;
  guint       port;
  const char *const *script;
  GPtrArray  *connections;
  GPtrArray  *received;
} TestServer;

static void
on_server_message (SoupWebsocketConnection *connection,
                   int                      type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  TestServer *server = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  g_ptr_array_add (server->received, g_strndup (data, length));
}

static void
on_websocket (SoupServer              *soup_server,
              SoupServerMessage       *message,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  TestServer *server = user_data;

  g_ptr_array_add (server->connections, g_object_ref (connection));
  g_signal_connect (connection, "message", G_CALLBACK (on_server_message), server);

  for (guint i = 0; server->script != NULL && server->script[i] != NULL; i++)
    soup_websocket_connection_send_text (connection, server->script[i]);
}

static void
test_server_listen (TestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, server->port);
  server->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (server->server, "/feed", NULL, NULL, on_websocket, server, NULL);
  soup_server_listen (server->server, address, 0, &error);
  g_assert_no_error (error);

  server->port = mimic_test_soup_server_get_port (server->server);
}

static TestServer *
test_server_new (const char *const *script)
{
  TestServer *server = g_new0 (TestServer, 1);

  server->script = script;
  server->connections = g_ptr_array_new_with_free_func (g_object_unref);
  server->received = g_ptr_array_new_with_free_func (g_free);
  test_server_listen (server);

  return server;
}

/* Closes the listener and every connection, keeping the port for a
 * restart. */
static void
test_server_stop (TestServer *server)
{
  for (guint i = 0; i < server->connections->len; i++)
    {
      SoupWebsocketConnection *connection = g_ptr_array_index (server->connections, i);

      g_signal_handlers_disconnect_by_data (connection, server);
      g_io_stream_close (soup_websocket_connection_get_io_stream (connection), NULL, NULL);
    }
  g_ptr_array_set_size (server->connections, 0);
  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  /* Let libsoup finish closing what it still has in flight. */
  mimic_test_iterate_for (20);
}

static void
test_server_free (TestServer *server)
{
  if (server->server != NULL)
    test_server_stop (server);
  g_ptr_array_unref (server->connections);
  g_ptr_array_unref (server->received);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

static MimicFeed *
feed_for (TestServer *server,
          const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u%s", server->port, path);
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (url, &error);
  g_autoptr(MimicBackoff) backoff = NULL;
  MimicWebSocketFeed *feed;

  g_assert_no_error (error);
  feed = mimic_websocket_feed_new (connection, &error);
  g_assert_no_error (error);
  /* Fast retries keep the reconnect test short. */
  backoff = mimic_backoff_new (50, 2.0, 400);
  mimic_websocket_feed_set_backoff (feed, backoff);

  return MIMIC_FEED (feed);
}

static void
test_websocket_feed_envelopes (void)
{
  static const char *const script[] = {
    "{\"topic\": \"mimic/pump-1/birth\", \"payload\": {\"asset_type\": \"pump\"}}",
    "{\"topic\": \"mimic/pump-1/status\", \"payload\": {\"online\": true}}",
    "{\"topic\": \"mimic/pump-1/telemetry\", \"payload\": {\"seq\": 1, \"values\": {\"flow\": 12.5, \"speed\": 1450}}}",
    /* Refused, counted, and the feed carries on. */
    "this is not json",
    "[\"topic\", \"payload\"]",
    "{\"payload\": {\"values\": {\"flow\": 1}}}",
    "{\"topic\": \"mimic/pump-1/telemetry\"}",
    "{\"topic\": \"mimic/pump-1/telemetry\", \"payload\": {\"seq\": 2, \"values\": {\"flow\": 13.0}}}",
    NULL
  };
  g_autoptr(TestServer) server = test_server_new (script);
  g_autoptr(MimicFeed) feed = feed_for (server, "/feed");
  g_autoptr(GError) error = NULL;
  MimicTestCollector *collector = mimic_test_collector_attach (feed);
  MimicFeedHealth health;
  MimicSample sample;

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_CONNECTED);

  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (8)));
  mimic_feed_flush (feed);

  g_assert_true (mimic_test_collector_find_sample (collector, "pump-1", "flow", &sample));
  g_assert_cmpfloat (sample.value, ==, 13.0);
  g_assert_true (mimic_test_collector_find_sample (collector, "pump-1", "speed", &sample));
  g_assert_cmpfloat (sample.value, ==, 1450);

  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.rejected[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_cmpuint (health.rejected[MIMIC_REJECTION_WRONG_TYPE], ==, 3);
  g_assert_cmpuint (health.rejected_total, ==, 4);
  g_assert_cmpuint (health.values, ==, 3);
  g_assert_cmpint (health.last_message_us, >, 0);

  mimic_feed_stop (feed);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_DISCONNECTED);
}

static gboolean
has_reconnected (MimicFeed *feed,
                 gpointer   data)
{
  MimicFeedHealth health;

  mimic_feed_get_health (feed, &health);
  return health.reconnects >= GPOINTER_TO_UINT (data) && health.state == MIMIC_FEED_STATE_CONNECTED;
}

static void
test_websocket_feed_oversized (void)
{
  g_autoptr(GString) big_payload = g_string_new ("{\"topic\": \"mimic/pump-1/telemetry\", \"payload\": {\"values\": {\"flow\": 1}, \"padding\": \"");
  g_autoptr(GString) huge_frame = NULL;
  const char *script[4] = { NULL };
  g_autoptr(TestServer) server = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  MimicFeedHealth health;

  for (guint i = 0; i < 1500; i++)
    g_string_append_c (big_payload, 'x');
  g_string_append (big_payload, "\"}}");

  huge_frame = g_string_new (big_payload->str);
  for (guint i = 0; i < 8; i++)
    g_string_append (huge_frame, big_payload->str);

  script[0] = "{\"topic\": \"mimic/pump-1/birth\", \"payload\": {}}";
  /* Over the feed's payload cap but within the frame cap: refused alone. */
  script[1] = big_payload->str;
  /* Over the frame cap: libsoup refuses it and closes the connection. */
  script[2] = huge_frame->str;

  server = test_server_new (script);
  feed = feed_for (server, "/feed");
  mimic_feed_set_max_payload (feed, 1024);
  mimic_test_collector_attach (feed);

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_no_error (error);

  /* Refused, counted, then the feed reconnects on its own. */
  g_assert_true (mimic_test_wait_for (feed, has_reconnected, GUINT_TO_POINTER (1)));
  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.rejected[MIMIC_REJECTION_OVERSIZED], >=, 2);
  g_assert_cmpuint (health.values, ==, 0);
}

static void
test_websocket_feed_reconnect (void)
{
  static const char *const script[] = {
    "{\"topic\": \"mimic/m-1/birth\", \"payload\": {}}",
    "{\"topic\": \"mimic/m-1/telemetry\", \"payload\": {\"values\": {\"current\": 4.5}}}",
    NULL
  };
  g_autoptr(TestServer) server = test_server_new (script);
  g_autoptr(MimicFeed) feed = feed_for (server, "/feed");
  g_autoptr(GError) error = NULL;
  g_autofree char *last_error = NULL;
  MimicTestCollector *collector = mimic_test_collector_attach (feed);
  MimicFeedHealth health;

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (2)));

  test_server_stop (server);
  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_state,
                                      GINT_TO_POINTER (MIMIC_FEED_STATE_RECONNECTING)));
  last_error = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (last_error);

  /* Several refused attempts while the server is down. */
  mimic_test_iterate_for (500);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_RECONNECTING);

  test_server_listen (server);
  g_assert_true (mimic_test_wait_for (feed, has_reconnected, GUINT_TO_POINTER (1)));
  /* The script played again on the new connection. */
  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (4)));
  mimic_feed_flush (feed);
  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.reconnects, ==, 1);
  g_assert_cmpint (health.last_gap_us, >=, 500 * 1000);
  g_assert_cmpuint (mimic_test_collector_count_samples (collector), ==, 2);
}

static void
test_websocket_feed_keepalive (void)
{
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(MimicFeed) feed = feed_for (server, "/feed");
  g_autoptr(GError) error = NULL;

  mimic_websocket_feed_set_keepalive_interval (MIMIC_WEBSOCKET_FEED (feed), 1);
  g_assert_true (mimic_test_start_feed (feed, &error));

  /* libsoup's server answers pings; a quiet but live server keeps the
   * connection. */
  mimic_test_iterate_for (3500);
  g_assert_cmpuint (mimic_websocket_feed_get_n_pongs (MIMIC_WEBSOCKET_FEED (feed)), >=, 2);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_CONNECTED);
}

/* A server that completes the WebSocket handshake and then says nothing,
 * not even pongs: a peer that is gone while its TCP connection is not. */
typedef struct
{
  GSocketService *service;
  guint           port;
  GPtrArray      *connections;
} SilentServer;

static gboolean
on_silent_incoming (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  SilentServer *server = user_data;
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *key_and_guid = NULL;
  g_autofree char *response = NULL;
  const char *key;
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *accept = NULL;
  char *end;

  while (strstr (request->str, "\r\n\r\n") == NULL)
    {
      char buffer[1024];
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        return TRUE;
      g_string_append_len (request, buffer, n);
    }

  key = strstr (request->str, "Sec-WebSocket-Key: ");
  g_assert_nonnull (key);
  key += strlen ("Sec-WebSocket-Key: ");
  end = strstr (key, "\r\n");
  key_and_guid = g_strdup_printf ("%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int) (end - key), key);
  g_checksum_update (sha1, (const guchar *) key_and_guid, -1);
  g_checksum_get_digest (sha1, digest, &digest_length);
  accept = g_base64_encode (digest, digest_length);

  response = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
  g_output_stream_write_all (output, response, strlen (response), NULL, NULL, NULL);
  g_ptr_array_add (server->connections, g_object_ref (connection));

  return TRUE;
}

static void
test_websocket_feed_keepalive_detects_dead_peer (void)
{
  SilentServer server = { 0 };
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(MimicBackoff) backoff = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *last_error = NULL;
  gint64 connected_at;

  server.service = g_socket_service_new ();
  server.connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server.service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  server.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (server.service, "incoming", G_CALLBACK (on_silent_incoming), &server);
  g_socket_service_start (server.service);

  url = g_strdup_printf ("ws://127.0.0.1:%u/", server.port);
  connection = mimic_connection_new_for_url (url, &error);
  feed = MIMIC_FEED (mimic_websocket_feed_new (connection, &error));
  g_assert_no_error (error);
  mimic_websocket_feed_set_keepalive_interval (MIMIC_WEBSOCKET_FEED (feed), 1);
  backoff = mimic_backoff_new (5000, 2.0, 5000);
  mimic_websocket_feed_set_backoff (MIMIC_WEBSOCKET_FEED (feed), backoff);

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_no_error (error);
  connected_at = g_get_monotonic_time ();

  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_state,
                                      GINT_TO_POINTER (MIMIC_FEED_STATE_RECONNECTING)));
  /* Not before two silent intervals. */
  g_assert_cmpint (g_get_monotonic_time () - connected_at, >=, 2 * G_USEC_PER_SEC);
  last_error = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (strstr (last_error, "keep-alive"));
  g_assert_cmpuint (mimic_websocket_feed_get_n_pongs (MIMIC_WEBSOCKET_FEED (feed)), ==, 0);

  mimic_feed_stop (feed);
  g_socket_service_stop (server.service);
  g_socket_listener_close (G_SOCKET_LISTENER (server.service));
  g_object_unref (server.service);
  g_ptr_array_unref (server.connections);
}

static void
test_websocket_feed_connection_refused (void)
{
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicFeed) wrong_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  guint port = server->port;

  /* Nobody listens there any more. */
  test_server_stop (server);
  server->port = port;
  feed = feed_for (server, "/feed");
  g_assert_false (mimic_test_start_feed (feed, &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
  message = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (strstr (message, "127.0.0.1"));
  g_clear_error (&error);

  /* A server that is there but has no WebSocket at that path. */
  test_server_listen (server);
  wrong_path = feed_for (server, "/nothing-here");
  g_assert_false (mimic_test_start_feed (wrong_path, &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "404"));
}

static gboolean
server_received (TestServer *server,
                 guint       n)
{
  gint64 deadline = g_get_monotonic_time () + MIMIC_TEST_WAIT_TIMEOUT_US;

  while (server->received->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);

  return server->received->len >= n;
}

static void
test_websocket_feed_send (void)
{
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(MimicFeed) feed = feed_for (server, "/feed");
  g_autoptr(GError) error = NULL;
  MimicWebSocketFeed *ws = MIMIC_WEBSOCKET_FEED (feed);

  g_assert_false (mimic_websocket_feed_send (ws, "mimic/p/cmd/stop", "{}", &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED);
  g_clear_error (&error);

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_false (mimic_websocket_feed_send (ws, "mimic/p/cmd/stop", "[1]", &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_true (mimic_websocket_feed_send (ws, "mimic/p/cmd/set_speed", "{\"id\": \"c-1\", \"rpm\": 900}", &error));
  g_assert_no_error (error);
  g_assert_true (server_received (server, 1));
  g_assert_cmpstr (g_ptr_array_index (server->received, 0), ==,
                   "{\"topic\":\"mimic/p/cmd/set_speed\",\"payload\":{\"id\":\"c-1\",\"rpm\":900}}");
}

/* The server side of the flood test: telemetry as fast as the client's
 * socket takes it, until a command arrives or FLOOD_MAX_FRAMES are out. */
#define FLOOD_MAX_FRAMES 5000
#define FLOOD_WINDOW 200

typedef struct
{
  MimicFeed               *feed;
  SoupWebsocketConnection *connection;
  guint                    tick_id;
  guint                    n_sent;
  guint                    n_sent_at_command;
  gboolean                 command_received;
} Flood;

/* Keeps at most FLOOD_WINDOW frames ahead of what the feed has taken,
 * topped up every millisecond: far sooner than the client works through
 * them, so its socket never runs dry, and few enough that what the server
 * has sent says how far the client had got. (Without a window libsoup
 * would queue the whole flood in memory at once.) */
static gboolean
flood_tick (gpointer user_data)
{
  Flood *flood = user_data;
  MimicFeedHealth health;

  if (flood->command_received || flood->n_sent >= FLOOD_MAX_FRAMES)
    {
      flood->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  mimic_feed_get_health (flood->feed, &health);
  while (flood->n_sent < FLOOD_MAX_FRAMES && flood->n_sent < health.messages + FLOOD_WINDOW)
    {
      g_autofree char *frame =
        g_strdup_printf ("{\"topic\": \"mimic/pump-1/telemetry\", \"payload\": "
                         "{\"seq\": %u, \"values\": {\"flow\": 12.5, \"speed\": 1450}}}",
                         flood->n_sent + 1);

      soup_websocket_connection_send_text (flood->connection, frame);
      flood->n_sent++;
    }

  return G_SOURCE_CONTINUE;
}

static void
on_flood_command (SoupWebsocketConnection *connection,
                  int                      type,
                  GBytes                   *message,
                  gpointer                 user_data)
{
  Flood *flood = user_data;

  if (!flood->command_received)
    {
      flood->command_received = TRUE;
      flood->n_sent_at_command = flood->n_sent;
    }
}

static void
drop_message (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
}

static gboolean
flood_has_command (MimicFeed *feed,
                   gpointer   data)
{
  return ((Flood *) data)->command_received;
}

/* libsoup 3.2 hands out frames for as long as its socket has any; a
 * command queued for the feed's I/O thread must still go out while the
 * telemetry keeps coming, not once the server has run out of it. Asserted
 * on what the server had sent when the command arrived, not on time. */
static void
test_websocket_feed_send_during_flood (void)
{
  g_autoptr(TestServer) server = test_server_new (NULL);
  g_autoptr(MimicFeed) feed = feed_for (server, "/feed");
  g_autoptr(GError) error = NULL;
  Flood flood = { .feed = feed };
  guint quiet_id;

  /* libsoup logs every frame it sends and receives, and the test
   * framework would print each line. */
  quiet_id = g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, drop_message, NULL);

  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (server->connections->len, ==, 1);
  flood.connection = g_ptr_array_index (server->connections, 0);
  g_signal_connect (flood.connection, "message", G_CALLBACK (on_flood_command), &flood);

  flood.tick_id = g_timeout_add (1, flood_tick, &flood);
  /* The flood is under way and the client is busy with it. */
  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (400)));

  g_assert_true (mimic_websocket_feed_send (MIMIC_WEBSOCKET_FEED (feed), "mimic/pump-1/cmd/stop",
                                            "{\"id\": \"c-flood\"}", &error));
  g_assert_no_error (error);

  while (!flood.command_received && flood.n_sent < FLOOD_MAX_FRAMES)
    g_main_context_iteration (NULL, TRUE);
  /* Without a sender between frames, the command arrives only after the
   * client has drained the whole flood. */
  g_assert_true (mimic_test_wait_for (feed, flood_has_command, &flood));
  g_test_message ("command arrived after %u of at most %u frames",
                  flood.n_sent_at_command, FLOOD_MAX_FRAMES);
  g_assert_cmpuint (flood.n_sent_at_command, <, FLOOD_MAX_FRAMES);

  g_clear_handle_id (&flood.tick_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (flood.connection, &flood);
  mimic_feed_stop (feed);
  g_log_remove_handler ("libsoup", quiet_id);
}

/* The stop test's server floods from a thread of its own, so that it goes
 * on sending while the test's thread waits in mimic_feed_stop(), as a
 * remote server would. */
typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  GMutex        mutex;
  GCond         ready;
  guint         port;       /* set under the mutex once listening */
  Flood         flood;      /* touched by the server's thread only */
} FloodServer;

static gboolean
flood_server_tick (gpointer user_data)
{
  Flood *flood = user_data;

  /* Once the client has gone, the flood ends. */
  if (soup_websocket_connection_get_state (flood->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      flood->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return flood_tick (flood);
}

static void
on_flood_server_websocket (SoupServer              *soup_server,
                           SoupServerMessage       *message,
                           const char              *path,
                           SoupWebsocketConnection *connection,
                           gpointer                 user_data)
{
  FloodServer *server = user_data;
  g_autoptr(GSource) tick = g_timeout_source_new (1);

  g_assert_null (server->flood.connection);
  server->flood.connection = g_object_ref (connection);
  g_source_set_callback (tick, flood_server_tick, &server->flood, NULL);
  server->flood.tick_id = g_source_attach (tick, server->context);
}

static gpointer
flood_server_run (gpointer data)
{
  FloodServer *server = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  SoupServer *soup_server;

  g_main_context_push_thread_default (server->context);
  soup_server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (soup_server, "/feed", NULL, NULL, on_flood_server_websocket, server, NULL);
  soup_server_listen (soup_server, address, 0, &error);
  g_assert_no_error (error);

  g_mutex_lock (&server->mutex);
  server->port = mimic_test_soup_server_get_port (soup_server);
  g_cond_signal (&server->ready);
  g_mutex_unlock (&server->mutex);

  g_main_loop_run (server->loop);

  if (server->flood.tick_id != 0)
    g_source_destroy (g_main_context_find_source_by_id (server->context, server->flood.tick_id));
  if (server->flood.connection != NULL)
    {
      g_io_stream_close (soup_websocket_connection_get_io_stream (server->flood.connection), NULL, NULL);
      g_clear_object (&server->flood.connection);
    }
  soup_server_disconnect (soup_server);
  g_object_unref (soup_server);
  while (g_main_context_iteration (server->context, FALSE))
    ;
  g_main_context_pop_thread_default (server->context);

  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* libsoup 3.2 hands out frames for as long as its socket has any, so a
 * stop queued for the feed's I/O thread like any other source would wait
 * until the server stops flooding; it must end the connection within a
 * bounded number of frames instead. The server keeps FLOOD_WINDOW frames
 * ahead of what the feed has taken, up to FLOOD_MAX_FRAMES: were the feed
 * to go on taking frames after the stop was asked for, the server would go
 * on sending them. Asserted on frame counts, not on time. */
static void
test_websocket_feed_stop_during_flood (void)
{
  FloodServer server = { 0 };
  TestServer address = { 0 };
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  MimicFeedHealth before, after;
  guint quiet_id;

  quiet_id = g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, drop_message, NULL);

  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  g_mutex_init (&server.mutex);
  g_cond_init (&server.ready);
  g_mutex_lock (&server.mutex);
  server.thread = g_thread_new ("flood-server", flood_server_run, &server);
  while (server.port == 0)
    g_cond_wait (&server.ready, &server.mutex);
  address.port = server.port;
  g_mutex_unlock (&server.mutex);

  feed = feed_for (&address, "/feed");
  server.flood.feed = feed;
  g_assert_true (mimic_test_start_feed (feed, &error));
  g_assert_no_error (error);
  /* The flood is under way and the client is busy with it. */
  g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (400)));

  mimic_feed_get_health (feed, &before);
  mimic_feed_stop (feed);
  mimic_feed_get_health (feed, &after);

  g_test_message ("%" G_GUINT64_FORMAT " frames taken before the stop, %" G_GUINT64_FORMAT " while it waited",
                  (guint64) before.messages, (guint64) (after.messages - before.messages));
  /* Without a stop between frames the feed takes the whole flood. */
  g_assert_cmpuint (after.messages - before.messages, <=, FLOOD_WINDOW);
  g_assert_cmpuint (after.messages, <, FLOOD_MAX_FRAMES);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_DISCONNECTED);

  g_main_context_invoke (server.context, quit_loop, server.loop);
  g_thread_join (server.thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_mutex_clear (&server.mutex);
  g_cond_clear (&server.ready);
  g_log_remove_handler ("libsoup", quiet_id);
}

static void
test_websocket_feed_rejects_other_schemes (void)
{
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url ("mqtt://127.0.0.1:1883", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicWebSocketFeed) feed = mimic_websocket_feed_new (connection, &error);

  g_assert_null (feed);
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_UNSUPPORTED_SCHEME);
}

static void
test_websocket_feed_for_url (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicFeed) feed = mimic_feed_new_for_url ("wss://viewer:pw@plant.example:9443/live", &error);

  g_assert_no_error (error);
  g_assert_true (MIMIC_IS_WEBSOCKET_FEED (feed));
  g_assert_cmpstr (mimic_feed_get_url (feed), ==, "wss://viewer@plant.example:9443/live");
  g_assert_cmpstr (mimic_connection_get_password (mimic_websocket_feed_get_connection (MIMIC_WEBSOCKET_FEED (feed))), ==, "pw");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/feed/websocket/envelopes", test_websocket_feed_envelopes);
  g_test_add_func ("/mimic/feed/websocket/oversized", test_websocket_feed_oversized);
  g_test_add_func ("/mimic/feed/websocket/reconnect", test_websocket_feed_reconnect);
  g_test_add_func ("/mimic/feed/websocket/keepalive", test_websocket_feed_keepalive);
  g_test_add_func ("/mimic/feed/websocket/keepalive-detects-dead-peer", test_websocket_feed_keepalive_detects_dead_peer);
  g_test_add_func ("/mimic/feed/websocket/connection-refused", test_websocket_feed_connection_refused);
  g_test_add_func ("/mimic/feed/websocket/send", test_websocket_feed_send);
  g_test_add_func ("/mimic/feed/websocket/send-during-flood", test_websocket_feed_send_during_flood);
  g_test_add_func ("/mimic/feed/websocket/stop-during-flood", test_websocket_feed_stop_during_flood);
  g_test_add_func ("/mimic/feed/websocket/rejects-other-schemes", test_websocket_feed_rejects_other_schemes);
  g_test_add_func ("/mimic/feed/websocket/for-url", test_websocket_feed_for_url);

  return g_test_run ();
}
