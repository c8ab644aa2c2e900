/* test-cli-whatif.c — `mimic-cli whatif --url URL --device ID` against a
 * real mimic-device over its WebSocket server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-cli-whatif"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mimic-feed.h"
#include "mimic-test-utils.h"
#include "mimic-twin-store.h"

#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)

/* Every sensor of the pump: stuck at its first value, the device repeats
 * one state in every message, so a state read once is the state the
 * command-line program reads too. */
static const char *pump_sensors[] = {
  "motor_current", "power", "winding_temp", "bearing_de_temp", "bearing_nde_temp", "vibration",
  "speed", "flow", "suction_pressure", "discharge_pressure", "valve_position", "ambient_temp",
};

static GSubprocess *
spawn_device (gboolean  stuck,
              guint    *ws_port)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  const char *common[] = { "--pumps", "2", "--seed", "9", "--rate", "5", "--ws", "127.0.0.1:0",
                           "--duration", "60", NULL };
  GSubprocess *process;

  for (guint i = 0; common[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (common[i]));
  for (guint i = 0; stuck && i < G_N_ELEMENTS (pump_sensors); i++)
    {
      g_ptr_array_add (args, g_strdup ("--fault"));
      g_ptr_array_add (args, g_strdup_printf ("pump-001:stuck:sensor=%s", pump_sensors[i]));
    }
  g_ptr_array_add (args, NULL);

  process = mimic_test_spawn_device ((const char * const *) args->pdata, ws_port);
  g_assert_cmpuint (*ws_port, >, 0);
  return process;
}

static int
run_whatif (const char * const  *arguments,
            char               **standard_output,
            char               **standard_error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-cli", NULL));
  g_ptr_array_add (argv, g_strdup ("whatif"));
  g_ptr_array_add (argv, g_strdup ("--asset"));
  g_ptr_array_add (argv, g_build_filename (g_getenv ("MIMIC_DATA_DIR"), "assets", "pump-skid", "pump-skid.json", NULL));
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (arguments[i]));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                standard_output, standard_error, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static gboolean
pump_has_winding_temp (gpointer data)
{
  MimicTwinDevice *device = mimic_twin_store_lookup (MIMIC_TWIN_STORE (data), "pump-001");
  MimicSensorReading reading;

  return device != NULL && mimic_twin_device_get_sensor (device, "winding_temp", &reading);
}

/* Reads pump-001's state over a feed of our own, as a state file. */
static char *
dup_state_json (guint port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  g_autoptr(MimicFeed) feed = mimic_feed_new_for_url (url, &error);
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autoptr(GString) json = g_string_new ("{");
  MimicTwinDevice *device;

  g_assert_no_error (error);
  mimic_test_feed_into_store (feed, NULL, store);
  mimic_feed_start_async (feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_iterate_until (pump_has_winding_temp, store, WAIT_TIMEOUT_US));
  device = mimic_twin_store_lookup (store, "pump-001");

  for (guint i = 0; i < G_N_ELEMENTS (pump_sensors); i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      MimicSensorReading reading;

      g_assert_true (mimic_twin_device_get_sensor (device, pump_sensors[i], &reading));
      g_string_append_printf (json, "%s\"%s\": %s", i > 0 ? ", " : "", pump_sensors[i],
                              g_ascii_formatd (number, sizeof number, "%.17g", reading.value));
    }
  g_string_append (json, "}");

  mimic_feed_stop (feed);
  mimic_twin_store_flush (store);
  return g_string_free (g_steal_pointer (&json), FALSE);
}

/* The live state gives the same prediction as the same state in a file. */
static void
test_live_state (void)
{
  g_autoptr(GSubprocess) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *state = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *live_output = NULL;
  g_autofree char *file_output = NULL;
  g_autofree char *json_output = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *crossings;
  gboolean found_vibration = FALSE;
  int fd;
  guint port = 0;

  device = spawn_device (TRUE, &port);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);

  {
    const char * const arguments[] = { "--url", url, "--device", "pump-001", "--set", "wear=0.25",
                                       "--set", "wear_rate_factor=50", "--horizon", "3d", NULL };

    g_assert_cmpint (run_whatif (arguments, &live_output, NULL), ==, 0);
  }

  state = dup_state_json (port);
  fd = g_file_open_tmp ("mimic-live-state-XXXXXX.json", &state_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (state_path, state, -1, &error));
  g_assert_no_error (error);
  {
    const char * const arguments[] = { "--state", state_path, "--set", "wear=0.25",
                                       "--set", "wear_rate_factor=50", "--horizon", "3d", NULL };

    g_assert_cmpint (run_whatif (arguments, &file_output, NULL), ==, 0);
  }
  g_test_message ("state: %s", state);
  g_assert_cmpstr (live_output, ==, file_output);
  g_assert_nonnull (strstr (live_output, "vibration hi 4.5"));

  {
    const char * const arguments[] = { "--url", url, "--device", "pump-001", "--set", "wear=0.25",
                                       "--set", "wear_rate_factor=50", "--horizon", "3d", "--json", NULL };

    g_assert_cmpint (run_whatif (arguments, &json_output, NULL), ==, 0);
  }
  g_assert_true (json_parser_load_from_data (parser, json_output, -1, &error));
  g_assert_no_error (error);
  crossings = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "crossings");
  for (guint i = 0; i < json_array_get_length (crossings); i++)
    {
      JsonObject *crossing = json_array_get_object_element (crossings, i);

      if (g_strcmp0 (json_object_get_string_member (crossing, "sensor"), "vibration") == 0 &&
          g_strcmp0 (json_object_get_string_member (crossing, "limit"), "hi") == 0)
        {
          /* Worn bearings wearing 50 times faster: the vibration limit is
           * hours to a day or so away, not weeks. */
          g_assert_cmpfloat (json_object_get_double_member (crossing, "time_s"), >, 3600.0);
          g_assert_cmpfloat (json_object_get_double_member (crossing, "time_s"), <, 2 * 86400.0);
          found_vibration = TRUE;
        }
    }
  g_assert_true (found_vibration);

  g_unlink (state_path);
  mimic_test_stop_device_cleanly (device);
}

/* A device that never reports, a source that is not there and options
 * that do not fit together each get a clear message. */
static void
test_live_errors (void)
{
  g_autoptr(GSubprocess) device = NULL;
  g_autofree char *url = NULL;
  guint port = 0;

  device = spawn_device (FALSE, &port);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);

  {
    const char * const arguments[] = { "--url", url, "--device", "pump-042", "--timeout", "1", NULL };
    g_autofree char *output = NULL;
    g_autofree char *message = NULL;
    gint64 started = g_get_monotonic_time ();

    g_assert_cmpint (run_whatif (arguments, &output, &message), ==, 1);
    g_assert_nonnull (strstr (message, "pump-042"));
    g_assert_nonnull (strstr (message, "within 1 s"));
    g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
    g_assert_cmpstr (output, ==, "");
  }
  {
    /* pump-002 runs on the same server: the live path works there. */
    const char * const arguments[] = { "--url", url, "--device", "pump-002", "--horizon", "1d", NULL };
    g_autofree char *output = NULL;

    g_assert_cmpint (run_whatif (arguments, &output, NULL), ==, 0);
    g_assert_nonnull (strstr (output, "Prediction for pump-skid"));
  }
  mimic_test_stop_device_cleanly (device);

  {
    /* Nothing listens there any more. */
    const char * const arguments[] = { "--url", url, "--device", "pump-001", "--timeout", "2", NULL };
    g_autofree char *message = NULL;

    g_assert_cmpint (run_whatif (arguments, NULL, &message), ==, 1);
    g_assert_nonnull (strstr (message, "mimic-cli whatif: "));
  }
  {
    const char * const no_device[] = { "--url", url, NULL };
    const char * const both[] = { "--url", url, "--device", "pump-001", "--state", "state.json", NULL };
    const char * const bad_url[] = { "--url", "gopher://127.0.0.1/", "--device", "pump-001", NULL };
    const char * const bad_timeout[] = { "--url", url, "--device", "pump-001", "--timeout", "-1", NULL };
    const char * const no_source[] = { "--device", "pump-001", NULL };
    const char * const *cases[] = { no_device, both, bad_url, bad_timeout, no_source };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *message = NULL;

        g_assert_cmpint (run_whatif (cases[i], NULL, &message), ==, 2);
        g_assert_true (g_str_has_prefix (message, "mimic-cli whatif: "));
      }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/cli/whatif/live-state", test_live_state);
  g_test_add_func ("/mimic/cli/whatif/live-errors", test_live_errors);

  return g_test_run ();
}
