/* test-connection.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "mimic-connection.h"
#include "mimic-feed.h"

static void
test_connection_parses_schemes (void)
{
  static const struct
  {
    const char          *url;
    MimicConnectionKind  kind;
    const char          *host;
    guint                port;
    const char          *normalised;
    gboolean             tls;
  } cases[] = {
    { "mqtt://broker.example", MIMIC_CONNECTION_KIND_MQTT, "broker.example", 1883, "mqtt://broker.example", FALSE },
    { "MQTTS://10.0.0.5:9883", MIMIC_CONNECTION_KIND_MQTTS, "10.0.0.5", 9883, "mqtts://10.0.0.5:9883", TRUE },
    { "ws://127.0.0.1:8080/feed", MIMIC_CONNECTION_KIND_WS, "127.0.0.1", 8080, "ws://127.0.0.1:8080/feed", FALSE },
    { "wss://plant.example/ws?site=3", MIMIC_CONNECTION_KIND_WSS, "plant.example", 443, "wss://plant.example/ws?site=3", TRUE },
    { "ws://[::1]:9000", MIMIC_CONNECTION_KIND_WS, "::1", 9000, "ws://[::1]:9000/", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (cases[i].url, &error);

      g_assert_no_error (error);
      g_assert_cmpint (mimic_connection_get_kind (connection), ==, cases[i].kind);
      g_assert_cmpstr (mimic_connection_get_host (connection), ==, cases[i].host);
      g_assert_cmpuint (mimic_connection_get_port (connection), ==, cases[i].port);
      g_assert_cmpstr (mimic_connection_get_url (connection), ==, cases[i].normalised);
      g_assert_cmpint (mimic_connection_uses_tls (connection), ==, cases[i].tls);
      g_assert_cmpstr (mimic_connection_get_topic_root (connection), ==, "mimic");
      g_assert_cmpstr (mimic_connection_get_id (connection), ==, cases[i].normalised);
    }
}

static void
test_connection_mqtt_path_is_topic_root (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url ("mqtt://broker/plant1/line2", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (mimic_connection_get_topic_root (connection), ==, "plant1/line2");

  g_clear_object (&connection);
  connection = mimic_connection_new_for_url ("mqtt://broker/plant/#", &error);
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT);
  g_assert_null (connection);
}

static void
test_connection_password_stays_in_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url ("mqtt://operator:s3cret@broker:1883", &error);
  g_autoptr(GVariant) profile = NULL;
  g_autofree char *printed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (mimic_connection_get_username (connection), ==, "operator");
  g_assert_cmpstr (mimic_connection_get_password (connection), ==, "s3cret");
  g_assert_cmpstr (mimic_connection_get_url (connection), ==, "mqtt://operator@broker:1883");

  profile = g_variant_ref_sink (mimic_connection_to_variant (connection));
  printed = g_variant_print (profile, TRUE);
  g_assert_null (strstr (printed, "s3cret"));
  g_assert_false (g_variant_lookup (profile, "password", "s", NULL));
}

static void
test_connection_rejects_bad_urls (void)
{
  static const struct
  {
    const char *url;
    int         code;
    const char *mentions;
  } cases[] = {
    { "", MIMIC_CONNECTION_ERROR_INVALID_URL, "No URL" },
    { "not a url", MIMIC_CONNECTION_ERROR_INVALID_URL, NULL },
    { "http://example.com", MIMIC_CONNECTION_ERROR_UNSUPPORTED_SCHEME, "“http”" },
    { "amqp://broker", MIMIC_CONNECTION_ERROR_UNSUPPORTED_SCHEME, "mqtt://" },
    { "mqtt://broker:70000", MIMIC_CONNECTION_ERROR_INVALID_PORT, NULL },
    { "mqtt://broker:0", MIMIC_CONNECTION_ERROR_INVALID_PORT, "1 to 65535" },
    { "mqtt://broker:http", MIMIC_CONNECTION_ERROR_INVALID_PORT, NULL },
    { "mqtt:///topic", MIMIC_CONNECTION_ERROR_MISSING_HOST, "HOST" },
    { "ws://:8080/", MIMIC_CONNECTION_ERROR_MISSING_HOST, NULL },
    { "file://elsewhere/tmp/rec.jsonl", MIMIC_CONNECTION_ERROR_INVALID_URL, "elsewhere" },
    { "mqtt://user:hunter2@broker:99999", MIMIC_CONNECTION_ERROR_INVALID_PORT, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (cases[i].url, &error);

      g_test_message ("%s → %s", cases[i].url, error ? error->message : "(no error)");
      g_assert_null (connection);
      g_assert_error (error, MIMIC_CONNECTION_ERROR, cases[i].code);
      if (cases[i].mentions != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].mentions));
      /* An error message is shown and logged: never with the password. */
      g_assert_null (strstr (error->message, "hunter2"));
    }
}

static void
test_connection_profile_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url ("wss://plant.example:8443/live", &error);
  g_autoptr(MimicConnection) loaded = NULL;
  g_autoptr(GVariant) profile = NULL;

  g_assert_no_error (error);
  mimic_connection_set_id (connection, "plant-a");
  mimic_connection_set_username (connection, "viewer");
  g_assert_true (mimic_connection_set_topic_root (connection, "site/a", &error));
  mimic_connection_set_ca_file (connection, "/etc/mimic/ca.pem");
  mimic_connection_set_client_certificate_file (connection, "/etc/mimic/client.pem");
  mimic_connection_set_client_key_file (connection, "/etc/mimic/client.key");
  mimic_connection_set_asset_dir (connection, "/srv/assets");

  profile = g_variant_ref_sink (mimic_connection_to_variant (connection));
  g_assert_true (g_variant_is_of_type (profile, G_VARIANT_TYPE ("a{sv}")));

  loaded = mimic_connection_new_from_variant (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mimic_connection_get_id (loaded), ==, "plant-a");
  g_assert_cmpstr (mimic_connection_get_url (loaded), ==, "wss://plant.example:8443/live");
  g_assert_cmpstr (mimic_connection_get_username (loaded), ==, "viewer");
  g_assert_cmpstr (mimic_connection_get_topic_root (loaded), ==, "site/a");
  g_assert_cmpstr (mimic_connection_get_ca_file (loaded), ==, "/etc/mimic/ca.pem");
  g_assert_cmpstr (mimic_connection_get_client_certificate_file (loaded), ==, "/etc/mimic/client.pem");
  g_assert_cmpstr (mimic_connection_get_client_key_file (loaded), ==, "/etc/mimic/client.key");
  g_assert_cmpstr (mimic_connection_get_asset_dir (loaded), ==, "/srv/assets");
  g_assert_null (mimic_connection_get_password (loaded));
}

static void
test_connection_rejects_bad_profiles (void)
{
  static const char *profiles[] = {
    "@as ['mqtt://broker']",
    "@a{sv} {}",
    "{'url': <42>}",
    "{'url': <'mqtt://broker'>, 'password': <'x'>}",
    "{'url': <'mqtt://u:x@broker'>}",
    "{'url': <'mqtt://broker'>, 'topic-root': <'a/+/b'>}",
    "{'url': <'mqtt://broker'>, 'ca-file': <['x']>}",
    "{'url': <'gopher://broker'>}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) profile = g_variant_parse (NULL, profiles[i], NULL, NULL, &error);
      g_autoptr(MimicConnection) connection = NULL;

      g_assert_no_error (error);
      connection = mimic_connection_new_from_variant (profile, &error);
      g_test_message ("%s → %s", profiles[i], error ? error->message : "(no error)");
      g_assert_null (connection);
      g_assert_true (error != NULL && error->domain == MIMIC_CONNECTION_ERROR);
    }
}

static void
test_connection_validates_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mimic-connection-XXXXXX", &error);
  g_autofree char *ca = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *recording = g_build_filename (dir, "rec.jsonl", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.pem", NULL);
  g_autofree char *file_url = NULL;
  g_autoptr(MimicConnection) connection = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (ca, "-----BEGIN CERTIFICATE-----\n", -1, NULL));
  g_assert_true (g_file_set_contents (recording, "", -1, NULL));

  /* TLS settings on a plain connection are a mistake worth pointing out. */
  connection = mimic_connection_new_for_url ("mqtt://broker", &error);
  mimic_connection_set_ca_file (connection, ca);
  g_assert_false (mimic_connection_validate (connection, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_NOT_TLS);
  g_clear_error (&error);
  g_clear_object (&connection);

  connection = mimic_connection_new_for_url ("mqtts://broker", &error);
  mimic_connection_set_ca_file (connection, ca);
  g_assert_true (mimic_connection_validate (connection, &error));
  g_assert_no_error (error);

  mimic_connection_set_ca_file (connection, missing);
  g_assert_false (mimic_connection_validate (connection, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_MISSING_FILE);
  g_assert_nonnull (strstr (error->message, "missing.pem"));
  g_clear_error (&error);

  mimic_connection_set_ca_file (connection, NULL);
  mimic_connection_set_client_key_file (connection, ca);
  g_assert_false (mimic_connection_validate (connection, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE);
  g_clear_error (&error);
  g_clear_object (&connection);

  file_url = g_filename_to_uri (recording, NULL, &error);
  connection = mimic_connection_new_for_url (file_url, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mimic_connection_get_kind (connection), ==, MIMIC_CONNECTION_KIND_FILE);
  g_assert_cmpstr (mimic_connection_get_path (connection), ==, recording);
  g_assert_true (mimic_connection_validate (connection, &error));
  g_clear_object (&connection);

  g_remove (recording);
  connection = mimic_connection_new_for_url (file_url, &error);
  g_assert_false (mimic_connection_validate (connection, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_MISSING_FILE);
  g_clear_error (&error);

  g_remove (ca);
  g_rmdir (dir);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_connection_notifies_only_on_change (void)
{
  g_autoptr(MimicConnection) connection = mimic_connection_new_for_url ("ws://127.0.0.1:1/", NULL);
  guint notified = 0;

  g_signal_connect (connection, "notify::username", G_CALLBACK (count_notify), &notified);
  mimic_connection_set_username (connection, "a");
  mimic_connection_set_username (connection, "a");
  g_assert_cmpuint (notified, ==, 1);
  mimic_connection_set_username (connection, "");
  g_assert_null (mimic_connection_get_username (connection));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_finalize_object (g_steal_pointer (&connection));
}

static void
test_connection_describes_tls_errors (void)
{
  g_autofree char *none = mimic_tls_errors_to_string (0);
  g_autofree char *two = mimic_tls_errors_to_string (G_TLS_CERTIFICATE_UNKNOWN_CA |
                                                     G_TLS_CERTIFICATE_BAD_IDENTITY);

  g_assert_cmpstr (none, ==, "");
  g_assert_nonnull (strstr (two, "not signed by a trusted certificate authority"));
  g_assert_nonnull (strstr (two, "host name"));
}

/* The feed factory names a bad URL in its error, but never its password. */
static void
test_connection_feed_factory_hides_password (void)
{
  static const char *urls[] = {
    "gopher://operator:s3cret@broker:70/",     /* parses, unsupported scheme */
    "mqtt://operator:s3cret@broker:99999999",  /* does not parse */
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MimicFeed) feed = mimic_feed_new_for_url (urls[i], &error);

      g_assert_null (feed);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "broker"));
      g_assert_null (strstr (error->message, "s3cret"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/connection/parses-schemes", test_connection_parses_schemes);
  g_test_add_func ("/mimic/connection/mqtt-path-is-topic-root", test_connection_mqtt_path_is_topic_root);
  g_test_add_func ("/mimic/connection/password-stays-in-memory", test_connection_password_stays_in_memory);
  g_test_add_func ("/mimic/connection/rejects-bad-urls", test_connection_rejects_bad_urls);
  g_test_add_func ("/mimic/connection/profile-round-trip", test_connection_profile_round_trip);
  g_test_add_func ("/mimic/connection/rejects-bad-profiles", test_connection_rejects_bad_profiles);
  g_test_add_func ("/mimic/connection/validates-files", test_connection_validates_files);
  g_test_add_func ("/mimic/connection/notifies-only-on-change", test_connection_notifies_only_on_change);
  g_test_add_func ("/mimic/connection/describes-tls-errors", test_connection_describes_tls_errors);
  g_test_add_func ("/mimic/connection/feed-factory-hides-password", test_connection_feed_factory_hides_password);

  return g_test_run ();
}
