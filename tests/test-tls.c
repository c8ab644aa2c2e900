/* test-tls.c — certificate and host name verification against real TLS
 * listeners: a libsoup WebSocket server (wss://) and Mosquitto (mqtts://).
 * The certificates are made with openssl at run time in a temporary
 * directory: a CA, a server certificate for localhost/127.0.0.1 signed by
 * it, the same for another host name, a self-signed one, and a client
 * certificate.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-tls"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "mimic-mqtt-feed.h"
#include "mimic-test-broker.h"
#include "mimic-test-feed-utils.h"
#include "mimic-websocket-feed.h"

static char *cert_dir;

static char *
cert_path (const char *name)
{
  return g_build_filename (cert_dir, name, NULL);
}

static void
openssl (const char *first_arg,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *standard_error = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (cert_dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &standard_error, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl %s failed: %s", first_arg, standard_error);
}

/* A key and a certificate for @name signed by the test CA, valid for the
 * given subjectAltName. */
static void
make_signed_certificate (const char *name,
                         const char *common_name,
                         const char *subject_alt_name)
{
  g_autofree char *key = g_strdup_printf ("%s.key", name);
  g_autofree char *csr = g_strdup_printf ("%s.csr", name);
  g_autofree char *pem = g_strdup_printf ("%s.pem", name);
  g_autofree char *ext = g_strdup_printf ("%s.ext", name);
  g_autofree char *ext_path = cert_path (ext);
  g_autofree char *subject = g_strdup_printf ("/CN=%s", common_name);
  g_autofree char *ext_text = g_strdup_printf ("subjectAltName=%s\n", subject_alt_name);

  g_assert_true (g_file_set_contents (ext_path, ext_text, -1, NULL));
  openssl ("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", key, "-out", csr, "-subj", subject, NULL);
  openssl ("x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
           "-days", "2", "-extfile", ext, "-out", pem, NULL);
}

static void
make_certificates (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = NULL;

  cert_dir = g_dir_make_tmp ("mimic-tls-XXXXXX", &error);
  g_assert_no_error (error);

  openssl ("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Mimic Test CA",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);
  make_signed_certificate ("server", "localhost", "DNS:localhost,IP:127.0.0.1");
  make_signed_certificate ("wrong-host", "wrong.example", "DNS:wrong.example");
  make_signed_certificate ("client", "mimic-console", "DNS:mimic-console");
  openssl ("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", "self-signed.key", "-out", "self-signed.pem", "-days", "2",
           "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", NULL);

  garbage = cert_path ("garbage.pem");
  g_assert_true (g_file_set_contents (garbage, "not a certificate\n", -1, NULL));

  /* Mosquitto started as root drops to its own user before it reads the
   * key; these throwaway test keys may be world-readable. */
  g_chmod (cert_dir, 0755);
  {
    g_autoptr(GDir) dir = g_dir_open (cert_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = cert_path (name);

        g_chmod (path, 0644);
      }
  }
}

static void
remove_certificates (void)
{
  g_autoptr(GDir) dir = g_dir_open (cert_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = cert_path (name);

      g_remove (path);
    }
  g_rmdir (cert_dir);
  g_clear_pointer (&cert_dir, g_free);
}

/* wss:// */

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *message,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  GPtrArray *connections = user_data;

  g_ptr_array_add (connections, g_object_ref (connection));
  soup_websocket_connection_send_text (connection, "{\"topic\": \"mimic/p-1/birth\", \"payload\": {}}");
  soup_websocket_connection_send_text (connection, "{\"topic\": \"mimic/p-1/telemetry\", \"payload\": {\"values\": {\"flow\": 3.5}}}");
}

typedef struct
{
  SoupServer *server;
  GPtrArray  *connections;
  guint       port;
} TlsServer;

static TlsServer *
tls_server_new (const char *name)
{
  TlsServer *self = g_new0 (TlsServer, 1);
  g_autofree char *pem_name = g_strdup_printf ("%s.pem", name);
  g_autofree char *key_name = g_strdup_printf ("%s.key", name);
  g_autofree char *pem = cert_path (pem_name);
  g_autofree char *key = cert_path (key_name);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (pem, key, &error);
  g_assert_no_error (error);

  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_websocket_handler (self->server, "/feed", NULL, NULL, on_websocket, self->connections, NULL);
  soup_server_listen (self->server, address, SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);

  self->port = mimic_test_soup_server_get_port (self->server);

  return self;
}

static void
tls_server_free (TlsServer *self)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      SoupWebsocketConnection *connection = g_ptr_array_index (self->connections, i);

      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  mimic_test_iterate_for (50);
  g_ptr_array_unref (self->connections);
  soup_server_disconnect (self->server);
  g_object_unref (self->server);
  g_free (self);
  /* Let libsoup finish closing what it still has in flight. */
  mimic_test_iterate_for (20);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsServer, tls_server_free)

static MimicFeed *
wss_feed (TlsServer  *server,
          const char *host,
          const char *ca_name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("wss://%s:%u/feed", host, server->port);
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (url, &error);
  MimicWebSocketFeed *feed;

  g_assert_no_error (error);
  if (ca_name != NULL)
    {
      g_autofree char *ca = cert_path (ca_name);

      mimic_connection_set_ca_file (connection, ca);
    }
  feed = mimic_websocket_feed_new (connection, &error);
  g_assert_no_error (error);

  return MIMIC_FEED (feed);
}

static void
test_tls_wss_trusted_ca (void)
{
  g_autoptr(TlsServer) server = tls_server_new ("server");
  const char *hosts[] = { "localhost", "127.0.0.1" };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(MimicFeed) feed = wss_feed (server, hosts[i], "ca.pem");
      g_autoptr(GError) error = NULL;
      MimicTestCollector *collector = mimic_test_collector_attach (feed);
      MimicSample sample;

      g_assert_true (mimic_test_start_feed (feed, &error));
      g_assert_no_error (error);
      g_assert_true (mimic_test_wait_for (feed, mimic_test_feed_has_messages, GUINT_TO_POINTER (2)));
      mimic_feed_flush (feed);
      g_assert_true (mimic_test_collector_find_sample (collector, "p-1", "flow", &sample));
      g_assert_cmpfloat (sample.value, ==, 3.5);
    }
}

static void
assert_wss_refused (const char *server_name,
                    const char *ca_name,
                    const char *expected_words)
{
  g_autoptr(TlsServer) server = tls_server_new (server_name);
  g_autoptr(MimicFeed) feed = wss_feed (server, "localhost", ca_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_error = NULL;
  MimicFeedHealth health;

  mimic_test_collector_attach (feed);
  g_assert_false (mimic_test_start_feed (feed, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, expected_words));
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
  last_error = mimic_feed_dup_last_error (feed);
  g_assert_cmpstr (last_error, ==, error->message);

  /* Failing closed: no retry, no data. */
  mimic_test_iterate_for (300);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.messages, ==, 0);
  g_assert_cmpuint (server->connections->len, ==, 0);
}

static void
test_tls_wss_self_signed (void)
{
  assert_wss_refused ("self-signed", "ca.pem", "not signed by a trusted certificate authority");
}

static void
test_tls_wss_wrong_host (void)
{
  assert_wss_refused ("wrong-host", "ca.pem", "does not belong to this host name");
}

static void
test_tls_wss_system_cas_do_not_know_test_ca (void)
{
  assert_wss_refused ("server", NULL, "not signed by a trusted certificate authority");
}

static void
test_tls_wss_unreadable_ca_file (void)
{
  g_autoptr(TlsServer) server = tls_server_new ("server");
  g_autoptr(MimicFeed) feed = wss_feed (server, "localhost", "garbage.pem");
  g_autoptr(GError) error = NULL;

  g_assert_false (mimic_test_start_feed (feed, &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, "garbage.pem"));
}

/* mqtts:// */

static MimicTestBroker *
tls_broker_new (const char *server_name,
                gboolean    require_client_certificate)
{
  g_autofree char *pem_name = g_strdup_printf ("%s.pem", server_name);
  g_autofree char *key_name = g_strdup_printf ("%s.key", server_name);
  g_autofree char *pem = cert_path (pem_name);
  g_autofree char *key = cert_path (key_name);
  g_autofree char *ca = cert_path ("ca.pem");
  MimicTestBrokerOptions options = {
    .tls_certificate_file = pem,
    .tls_key_file = key,
    .tls_ca_file = ca,
    .require_client_certificate = require_client_certificate,
  };
  g_autoptr(GError) error = NULL;
  MimicTestBroker *broker = mimic_test_broker_new (&options, &error);

  g_assert_no_error (error);
  return broker;
}

static MimicFeed *
mqtts_feed (MimicTestBroker *broker,
            const char      *ca_name,
            gboolean         with_client_certificate)
{
  MimicMqttFeed *feed = mimic_mqtt_feed_new ("localhost", mimic_test_broker_get_tls_port (broker), NULL);
  g_autofree char *ca = cert_path (ca_name);
  g_autofree char *client_pem = cert_path ("client.pem");
  g_autofree char *client_key = cert_path ("client.key");

  mimic_mqtt_feed_set_tls (feed, ca,
                           with_client_certificate ? client_pem : NULL,
                           with_client_certificate ? client_key : NULL);
  return MIMIC_FEED (feed);
}

static void
test_tls_mqtts_trusted_ca (void)
{
  g_autoptr(MimicTestBroker) broker = tls_broker_new ("server", FALSE);
  g_autoptr(MimicFeed) feed = mqtts_feed (broker, "ca.pem", FALSE);
  g_autoptr(GError) error = NULL;

  mimic_test_start_feed (feed, &error);
  if (error != NULL)
    {
      g_autofree char *log = mimic_test_broker_dup_log (broker);

      g_test_message ("broker log:\n%s", log);
    }
  g_assert_no_error (error);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_CONNECTED);
}

static void
assert_mqtts_refused (const char *server_name,
                      const char *ca_name)
{
  g_autoptr(MimicTestBroker) broker = tls_broker_new (server_name, FALSE);
  g_autoptr(MimicFeed) feed = mqtts_feed (broker, ca_name, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (mimic_test_start_feed (feed, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_TLS);
  g_assert_nonnull (strstr (error->message, "could not be verified"));
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
  mimic_test_iterate_for (300);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
}

static void
test_tls_mqtts_self_signed (void)
{
  assert_mqtts_refused ("self-signed", "ca.pem");
}

static void
test_tls_mqtts_wrong_host (void)
{
  assert_mqtts_refused ("wrong-host", "ca.pem");
}

static void
test_tls_mqtts_client_certificate (void)
{
  g_autoptr(MimicTestBroker) broker = tls_broker_new ("server", TRUE);
  g_autoptr(MimicFeed) with_certificate = mqtts_feed (broker, "ca.pem", TRUE);
  g_autoptr(MimicFeed) without_certificate = mqtts_feed (broker, "ca.pem", FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_true (mimic_test_start_feed (with_certificate, &error));
  g_assert_no_error (error);

  g_assert_false (mimic_test_start_feed (without_certificate, &error));
  g_assert_true (error != NULL && error->domain == MIMIC_FEED_ERROR);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  make_certificates ();

  g_test_add_func ("/mimic/tls/wss/trusted-ca", test_tls_wss_trusted_ca);
  g_test_add_func ("/mimic/tls/wss/self-signed", test_tls_wss_self_signed);
  g_test_add_func ("/mimic/tls/wss/wrong-host", test_tls_wss_wrong_host);
  g_test_add_func ("/mimic/tls/wss/system-cas-do-not-know-test-ca", test_tls_wss_system_cas_do_not_know_test_ca);
  g_test_add_func ("/mimic/tls/wss/unreadable-ca-file", test_tls_wss_unreadable_ca_file);
  g_test_add_func ("/mimic/tls/mqtts/trusted-ca", test_tls_mqtts_trusted_ca);
  g_test_add_func ("/mimic/tls/mqtts/self-signed", test_tls_mqtts_self_signed);
  g_test_add_func ("/mimic/tls/mqtts/wrong-host", test_tls_mqtts_wrong_host);
  g_test_add_func ("/mimic/tls/mqtts/client-certificate", test_tls_mqtts_client_certificate);

  status = g_test_run ();
  remove_certificates ();

  return status;
}
