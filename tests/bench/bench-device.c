/* bench-device.c — what 10,000 simulated devices at 1 Hz cost
 *
 * Runs mimic-device three ways for MIMIC_BENCH_DEVICE_SECONDS (default 20)
 * each: with no transport (every message is built, then dropped: the
 * simulator alone), publishing to a local Mosquitto with 100 devices per
 * connection, and with a connection per device for as many devices as the
 * descriptor limit allows. Prints the simulator's own CPU time and memory
 * (getrusage, from its --stats line) and what a subscriber received. No
 * assertions on speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-device"

#include "config.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <string.h>

#include "mimic-test-broker.h"

typedef struct
{
  gint received;
} Counter;

static void
on_message (struct mosquitto               *mosq,
            void                           *user_data,
            const struct mosquitto_message *message)
{
  Counter *counter = user_data;

  g_atomic_int_inc (&counter->received);
}

static char *
run_simulator (const char * const *arguments)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-device", NULL));
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));

  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "mimic-device: stats "))
      return g_strdup (lines[i] + strlen ("mimic-device: stats "));
  g_assert_not_reached ();
}

static void
run_case (const char      *title,
          MimicTestBroker *broker,
          const char      *pumps,
          const char      *racks,
          const char      *per_connection,
          const char      *seconds)
{
  Counter counter = { 0, };
  struct mosquitto *subscriber = NULL;
  g_autofree char *stats = NULL;
  g_autofree char *url = NULL;
  gint64 started = g_get_monotonic_time ();
  double wall;

  if (broker != NULL)
    {
      url = g_strdup (mimic_test_broker_get_url (broker));
      subscriber = mosquitto_new (NULL, true, &counter);
      mosquitto_message_callback_set (subscriber, on_message);
      g_assert_cmpint (mosquitto_connect (subscriber, "127.0.0.1", mimic_test_broker_get_port (broker), 60), ==, 0);
      mosquitto_subscribe (subscriber, NULL, "bench/+/telemetry", 0);
      mosquitto_loop_start (subscriber);
    }

  {
    const char *with_broker[] = {
      "--pumps", pumps, "--racks", racks, "--duration", seconds, "--root", "bench", "--stats",
      "--mqtt", url, "--devices-per-connection", per_connection, NULL
    };
    const char *alone[] = {
      "--pumps", pumps, "--racks", racks, "--duration", seconds, "--root", "bench", "--stats", NULL
    };

    stats = run_simulator (broker != NULL ? with_broker : alone);
  }
  wall = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  g_print ("# %s\n#   simulator: %s\n", title, stats);
  if (subscriber != NULL)
    {
      g_usleep (G_USEC_PER_SEC / 2);
      mosquitto_disconnect (subscriber);
      mosquitto_loop_stop (subscriber, false);
      mosquitto_destroy (subscriber);
      g_print ("#   subscriber received %d telemetry messages (%.0f per second of the run)\n",
               g_atomic_int_get (&counter.received), g_atomic_int_get (&counter.received) / wall);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicTestBroker) broker = NULL;
  const char *seconds = g_getenv ("MIMIC_BENCH_DEVICE_SECONDS");

  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();
  if (seconds == NULL)
    seconds = "20";

  g_print ("# mimic-device benchmark: 8,000 pumps and 2,000 racks at 1 Hz for %s s\n", seconds);
  run_case ("no transport (messages built, then dropped)", NULL, "8000", "2000", "1", seconds);

  broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);
  run_case ("Mosquitto on 127.0.0.1, 100 devices per connection", broker, "8000", "2000", "100", seconds);
  run_case ("Mosquitto on 127.0.0.1, 5,000 devices with a connection each", broker, "4000", "1000", "1", seconds);

  mosquitto_lib_cleanup ();
  return 0;
}
