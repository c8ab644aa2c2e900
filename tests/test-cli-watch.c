/* test-cli-watch.c — `mimic-cli watch` against a real broker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-watch"

#include "config.h"

#include <mosquitto.h>
#include <string.h>

#include "mimic-test-broker.h"

static char *
cli_path (void)
{
  return g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL);
}

static void
publish_retained (MimicTestBroker *broker,
                  const char      *topic,
                  const char      *payload)
{
  struct mosquitto *mosq = mosquitto_new (NULL, true, NULL);
  int mid = 0;

  g_assert_cmpint (mosquitto_connect (mosq, "127.0.0.1", mimic_test_broker_get_port (broker), 30), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_publish (mosq, &mid, topic, strlen (payload), payload, 1, true), ==, MOSQ_ERR_SUCCESS);
  /* Long enough for the broker to answer with PUBACK. */
  for (guint i = 0; i < 10; i++)
    mosquitto_loop (mosq, 20, 1);
  mosquitto_disconnect (mosq);
  mosquitto_destroy (mosq);
}

static char *
run_cli (const char * const *argv,
         int                *status)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *output = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (process);

  return output;
}

static void
test_cli_watch_prints_updates_and_health (void)
{
  g_autoptr(MimicTestBroker) broker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cli = cli_path ();
  g_autofree char *url = NULL;
  g_autofree char *assets = g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", NULL);
  g_autofree char *output = NULL;
  int status;

  broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("%s/watched", mimic_test_broker_get_url (broker));

  /* Retained, so they reach the watcher as soon as it subscribes. */
  publish_retained (broker, "watched/P-9/birth", "{\"asset_type\":\"pump-skid\"}");
  publish_retained (broker, "watched/P-9/telemetry", "{\"seq\":4,\"values\":{\"flow\":12.5,\"nonsense\":1}}");

  {
    const char *argv[] = { cli, "watch", url, "--assets", assets, "--duration", "1.5", NULL };

    output = run_cli (argv, &status);
  }
  g_test_message ("%s", output);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (output, "P-9 flow 12.5 m³/h good\n"));
  g_assert_nonnull (strstr (output, "# health mqtt://127.0.0.1:"));
  g_assert_nonnull (strstr (output, "messages=2 values=1"));
  g_assert_nonnull (strstr (output, "unknown-sensor=1"));
  g_assert_null (strstr (output, "nonsense"));
}

static void
test_cli_watch_refused (void)
{
  g_autofree char *cli = cli_path ();
  g_autofree char *url = g_strdup_printf ("mqtt://127.0.0.1:%u", mimic_test_pick_free_port ());
  g_autofree char *output = NULL;
  int status;
  const char *argv[] = { cli, "watch", url, "--duration", "5", NULL };

  output = run_cli (argv, &status);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "127.0.0.1"));
}

static void
test_cli_watch_bad_usage (void)
{
  g_autofree char *cli = cli_path ();
  g_autofree char *output = NULL;
  int status;
  const char *no_url[] = { cli, "watch", NULL };
  const char *bad_scheme[] = { cli, "watch", "gopher://example", NULL };
  const char *bad_duration[] = { cli, "watch", "mqtt://127.0.0.1", "--duration", "-3", NULL };

  output = run_cli (no_url, &status);
  g_assert_cmpint (status, ==, 2);
  g_clear_pointer (&output, g_free);

  output = run_cli (bad_scheme, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (output, "gopher"));
  g_clear_pointer (&output, g_free);

  output = run_cli (bad_duration, &status);
  g_assert_cmpint (status, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();

  g_test_add_func ("/mimic/cli/watch/updates-and-health", test_cli_watch_prints_updates_and_health);
  g_test_add_func ("/mimic/cli/watch/refused", test_cli_watch_refused);
  g_test_add_func ("/mimic/cli/watch/bad-usage", test_cli_watch_bad_usage);

  status = g_test_run ();
  mosquitto_lib_cleanup ();
  return status;
}
