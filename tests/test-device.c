/* test-device.c — the real mimic-device against a real broker and over
 * its own WebSocket server, its messages read with the console's decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-device"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <string.h>

#include "mimic-asset-registry.h"
#include "mimic-telemetry-decoder.h"
#include "mimic-test-broker.h"
#include "mimic-test-utils.h"

#define WAIT_TIMEOUT_US (20 * G_USEC_PER_SEC)

static MimicTestBroker *shared_broker;
static MimicAssetRegistry *registry;

/* Every message a client saw, in order; filled on libmosquitto's thread
 * or on the main loop (WebSocket). */
typedef struct
{
  GMutex                   mutex;
  GPtrArray               *topics;
  GPtrArray               *payloads;    /* GBytes */
  struct mosquitto        *mosq;
  SoupSession             *session;
  SoupWebsocketConnection *ws;
} Capture;

static void
capture_add (Capture      *capture,
             const char   *topic,
             gconstpointer payload,
             gsize         length)
{
  g_mutex_lock (&capture->mutex);
  g_ptr_array_add (capture->topics, g_strdup (topic));
  g_ptr_array_add (capture->payloads, g_bytes_new (payload, length));
  g_mutex_unlock (&capture->mutex);
}

static Capture *
capture_new (void)
{
  Capture *capture = g_new0 (Capture, 1);

  g_mutex_init (&capture->mutex);
  capture->topics = g_ptr_array_new_with_free_func (g_free);
  capture->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return capture;
}

static void
capture_free (Capture *capture)
{
  if (capture->mosq != NULL)
    {
      mosquitto_disconnect (capture->mosq);
      mosquitto_loop_stop (capture->mosq, false);
      mosquitto_destroy (capture->mosq);
    }
  if (capture->ws != NULL)
    {
      if (soup_websocket_connection_get_state (capture->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (capture->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (capture->ws);
    }
  g_clear_object (&capture->session);
  g_ptr_array_unref (capture->topics);
  g_ptr_array_unref (capture->payloads);
  g_mutex_clear (&capture->mutex);
  g_free (capture);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Capture, capture_free)

static void
on_mqtt_message (struct mosquitto               *mosq,
                 void                           *user_data,
                 const struct mosquitto_message *message,
                 const mosquitto_property       *props)
{
  capture_add (user_data, message->topic, message->payload, message->payloadlen);
}

static Capture *
capture_mqtt (const char *filter)
{
  Capture *capture = capture_new ();
  int rc;

  capture->mosq = mosquitto_new (NULL, true, capture);
  mosquitto_int_option (capture->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_message_v5_callback_set (capture->mosq, on_mqtt_message);
  rc = mosquitto_connect (capture->mosq, "127.0.0.1", mimic_test_broker_get_port (shared_broker), 30);
  g_assert_cmpint (rc, ==, MOSQ_ERR_SUCCESS);
  /* Subscribed before the loop runs: the SUBSCRIBE is the first packet
   * after CONNECT, so nothing published later is missed. */
  g_assert_cmpint (mosquitto_subscribe (capture->mosq, NULL, filter, 1), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_subscribe (capture->mosq, NULL, "replies/#", 1), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_loop_start (capture->mosq), ==, MOSQ_ERR_SUCCESS);
  return capture;
}

static guint
capture_count (Capture    *capture,
               const char *topic_filter)
{
  guint n = 0;

  g_mutex_lock (&capture->mutex);
  for (guint i = 0; i < capture->topics->len; i++)
    if (mimic_topic_matches_filter (topic_filter, g_ptr_array_index (capture->topics, i)))
      n++;
  g_mutex_unlock (&capture->mutex);
  return n;
}

/* The payload of the last message on @topic, or NULL. */
static char *
capture_dup_last (Capture    *capture,
                  const char *topic)
{
  char *text = NULL;

  g_mutex_lock (&capture->mutex);
  for (guint i = capture->topics->len; i > 0 && text == NULL; i--)
    if (strcmp (g_ptr_array_index (capture->topics, i - 1), topic) == 0)
      {
        GBytes *bytes = g_ptr_array_index (capture->payloads, i - 1);

        text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      }
  g_mutex_unlock (&capture->mutex);
  return text;
}

static gboolean
wait_for_count (Capture    *capture,
                const char *topic_filter,
                guint       count)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (capture_count (capture, topic_filter) < count)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* The WebSocket client runs on the main loop; MQTT on its thread. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

/* Everything captured so far, through the console's decoder, in order. */
static MimicUpdateBatch *
capture_decode (Capture *capture,
                guint   *n_rejected)
{
  g_autoptr(MimicTelemetryDecoder) decoder = mimic_telemetry_decoder_new ("mimic");
  MimicUpdateBatch *batch = mimic_update_batch_new ();

  mimic_telemetry_decoder_add_asset_registry (decoder, registry);
  *n_rejected = 0;

  g_mutex_lock (&capture->mutex);
  for (guint i = 0; i < capture->topics->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (capture->payloads, i);
      MimicDecodeResult result;

      mimic_telemetry_decoder_decode (decoder, g_ptr_array_index (capture->topics, i),
                                      g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      g_get_real_time (), batch, &result);
      for (guint r = 0; r < MIMIC_N_REJECTIONS; r++)
        *n_rejected += result.rejections[r];
    }
  g_mutex_unlock (&capture->mutex);
  return batch;
}

/* The values of one sensor, in the order they were sent. */
static GArray *
batch_values (MimicUpdateBatch *batch,
              const char       *device,
              const char       *sensor)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);

      if (strcmp (sample->device_id, device) == 0 && strcmp (sample->sensor_id, sensor) == 0)
        g_array_append_val (values, sample->value);
    }
  return values;
}

static double
last_value (GArray *values)
{
  g_assert_cmpuint (values->len, >, 0);
  return g_array_index (values, double, values->len - 1);
}

static double
first_value (GArray *values)
{
  g_assert_cmpuint (values->len, >, 0);
  return g_array_index (values, double, 0);
}

/* The simulator */

static char *
broker_url (void)
{
  return g_strdup (mimic_test_broker_get_url (shared_broker));
}

/* Each test uses its own topic root so retained messages of one test do
 * not reach the next. */
static char *
unique_root (void)
{
  static int counter;

  return g_strdup_printf ("dev%d", ++counter);
}

static MimicUpdateBatch *
decode_with_root (Capture    *capture,
                  const char *root,
                  guint      *n_rejected)
{
  g_autoptr(MimicTelemetryDecoder) decoder = mimic_telemetry_decoder_new (root);
  MimicUpdateBatch *batch = mimic_update_batch_new ();

  mimic_telemetry_decoder_add_asset_registry (decoder, registry);
  *n_rejected = 0;
  g_mutex_lock (&capture->mutex);
  for (guint i = 0; i < capture->topics->len; i++)
    {
      GBytes *bytes = g_ptr_array_index (capture->payloads, i);
      MimicDecodeResult result;

      if (!g_str_has_prefix (g_ptr_array_index (capture->topics, i), root))
        continue;
      mimic_telemetry_decoder_decode (decoder, g_ptr_array_index (capture->topics, i),
                                      g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      g_get_real_time (), batch, &result);
      for (guint r = 0; r < MIMIC_N_REJECTIONS; r++)
        *n_rejected += result.rejections[r];
    }
  g_mutex_unlock (&capture->mutex);
  return batch;
}

static void
test_mqtt_telemetry_and_shutdown (void)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *filter = g_strconcat (root, "/#", NULL);
  g_autofree char *telemetry = g_strconcat (root, "/+/telemetry", NULL);
  g_autofree char *status = g_strconcat (root, "/+/status", NULL);
  g_autoptr(Capture) capture = capture_mqtt (filter);
  g_autoptr(Capture) after = NULL;
  g_autoptr(MimicUpdateBatch) batch = NULL;
  g_autoptr(MimicUpdateBatch) final = NULL;
  g_autoptr(GSubprocess) device = NULL;
  const char *args[] = { "--pumps", "2", "--racks", "1", "--rate", "5", "--mqtt", url, "--root", root, NULL };
  guint n_rejected, n_offline = 0;

  device = mimic_test_spawn_device (args, NULL);
  g_assert_true (wait_for_count (capture, telemetry, 9));

  batch = decode_with_root (capture, root, &n_rejected);
  g_assert_cmpuint (n_rejected, ==, 0);
  g_assert_cmpuint (mimic_update_batch_get_n_births (batch), ==, 3);
  g_assert_cmpstr (mimic_update_batch_get_birth (batch, 0)->firmware, ==, "mimic-device " PACKAGE_VERSION);
  g_assert_cmpuint (mimic_update_batch_get_n_presence (batch), >=, 3);
  g_assert_cmpint (mimic_update_batch_get_presence (batch, 0)->presence, ==, MIMIC_PRESENCE_ONLINE);
  /* Every sensor of both asset types arrives, and only those. */
  for (guint d = 0; d < 3; d++)
    {
      const char *id = d < 2 ? (d == 0 ? "pump-001" : "pump-002") : "rack-001";
      MimicAsset *asset = mimic_asset_registry_lookup (registry, d < 2 ? "pump-skid" : "battery-rack");
      GPtrArray *sensors = mimic_asset_get_sensors (asset);

      for (guint s = 0; s < sensors->len; s++)
        {
          const MimicAssetSensor *sensor = g_ptr_array_index (sensors, s);
          g_autoptr(GArray) values = batch_values (batch, id, sensor->id);

          g_assert_cmpuint (values->len, >=, 1);
        }
    }
  /* Reported parameters are decoded too. */
  g_assert_cmpuint (mimic_update_batch_get_n_parameters (batch), >=, 3);

  mimic_test_stop_device_cleanly (device);

  /* A fresh subscriber finds the retained status: offline. */
  after = capture_mqtt (filter);
  g_assert_true (wait_for_count (after, status, 3));
  final = decode_with_root (after, root, &n_rejected);
  g_assert_cmpuint (n_rejected, ==, 0);
  for (guint i = 0; i < mimic_update_batch_get_n_presence (final); i++)
    if (mimic_update_batch_get_presence (final, i)->presence == MIMIC_PRESENCE_OFFLINE)
      n_offline++;
  g_assert_cmpuint (n_offline, ==, 3);
}

/* Sends one command with MQTT 5 request/response and waits for the reply. */
static char *
send_command (Capture    *capture,
              const char *root,
              const char *device,
              const char *name,
              const char *payload,
              const char *correlation)
{
  g_autofree char *topic = g_strdup_printf ("%s/%s/cmd/%s", root, device, name);
  g_autofree char *reply_topic = g_strdup_printf ("replies/%s", correlation);
  mosquitto_property *props = NULL;
  guint before = capture_count (capture, reply_topic);

  mosquitto_property_add_string (&props, MQTT_PROP_RESPONSE_TOPIC, reply_topic);
  mosquitto_property_add_binary (&props, MQTT_PROP_CORRELATION_DATA, correlation, strlen (correlation));
  g_assert_cmpint (mosquitto_publish_v5 (capture->mosq, NULL, topic, strlen (payload), payload, 1, false, props),
                   ==, MOSQ_ERR_SUCCESS);
  mosquitto_property_free_all (&props);

  g_assert_true (wait_for_count (capture, reply_topic, before + 1));
  return capture_dup_last (capture, reply_topic);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static guint
count_log_lines (const char *path,
                 const char *id)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonObject) entry = NULL;

      if (lines[i][0] == '\0')
        continue;
      entry = parse_object (lines[i]);
      if (g_strcmp0 (json_object_get_string_member (entry, "id"), id) == 0)
        n++;
    }
  return n;
}

static void
assert_rejected (const char *reply,
                 const char *id,
                 const char *reason_part)
{
  g_autoptr(JsonObject) object = parse_object (reply);

  if (id != NULL)
    g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "rejected");
  g_assert_nonnull (strstr (json_object_get_string_member (object, "reason"), reason_part));
}

/* Requests the simulator rejects, and a word of each reason. */
static const struct
{
  const char *command;
  const char *payload;
  const char *id;
  const char *reason;
} bad_requests[] = {
  { "set_speed", "{\"id\":\"cmd-3\",\"args\":{\"speed\":5000}}", "cmd-3", "maximum" },
  { "set_speed", "{\"id\":\"cmd-4\",\"args\":{\"speed\":1e999}}", "cmd-4", "finite" },
  { "set_speed", "{\"id\":\"cmd-5\",\"args\":{\"speed\":\"fast\"}}", "cmd-5", "number" },
  { "set_speed", "{\"id\":\"cmd-6\",\"args\":{}}", "cmd-6", "required" },
  { "launch", "{\"id\":\"cmd-7\"}", "cmd-7", "Unknown command" },
  { "stop", "{\"id\": \"cmd-8\", ", "cmd-8", "Malformed JSON" },
  { "inject_fault", "{\"id\":\"cmd-9\",\"args\":{\"fault\":\"dropout\"}}", "cmd-9", "disabled" },
};

static void
test_mqtt_commands (void)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *filter = g_strconcat (root, "/#", NULL);
  g_autofree char *telemetry = g_strconcat (root, "/pump-001/telemetry", NULL);
  g_autofree char *dir = g_dir_make_tmp ("mimic-device-XXXXXX", NULL);
  g_autofree char *log = g_build_filename (dir, "commands.jsonl", NULL);
  g_autoptr(Capture) capture = capture_mqtt (filter);
  g_autoptr(GSubprocess) device = NULL;
  g_autoptr(MimicUpdateBatch) batch = NULL;
  g_autoptr(GArray) speed = NULL;
  g_autoptr(GArray) flow = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *again = NULL;
  g_autofree char *ack_by_correlation = NULL;
  const char *args[] = { "--pumps", "1", "--rate", "10", "--mqtt", url, "--root", root, "--command-log", log, NULL };
  double flow_before;
  guint n_rejected, n_telemetry;

  device = mimic_test_spawn_device (args, NULL);
  g_assert_true (wait_for_count (capture, telemetry, 3));

  batch = decode_with_root (capture, root, &n_rejected);
  flow = batch_values (batch, "pump-001", "flow");
  flow_before = last_value (flow);
  g_clear_pointer (&flow, g_array_unref);
  g_clear_pointer (&batch, mimic_update_batch_unref);

  /* Acknowledged, with the request's correlation data and id. */
  reply = send_command (capture, root, "pump-001", "set_speed", "{\"id\":\"cmd-1\",\"args\":{\"speed\":900}}", "cmd-1");
  first = parse_object (reply);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, "cmd-1");
  g_assert_cmpstr (json_object_get_string_member (first, "status"), ==, "acked");

  /* The same id again: the same answer, not executed a second time. */
  again = send_command (capture, root, "pump-001", "set_speed", "{\"id\":\"cmd-1\",\"args\":{\"speed\":1700}}", "cmd-1");
  g_assert_cmpstr (again, ==, reply);

  /* The id may come from the correlation data alone. */
  ack_by_correlation = send_command (capture, root, "pump-001", "set_valve", "{\"args\":{\"position\":60}}", "cmd-2");
  g_clear_pointer (&first, json_object_unref);
  first = parse_object (ack_by_correlation);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, "cmd-2");
  g_assert_cmpstr (json_object_get_string_member (first, "status"), ==, "acked");

  /* Bad requests get a reason. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_requests); i++)
    {
      g_autofree char *rejection = send_command (capture, root, "pump-001", bad_requests[i].command,
                                                 bad_requests[i].payload, bad_requests[i].id);

      assert_rejected (rejection, bad_requests[i].id, bad_requests[i].reason);
    }

  /* The effect shows in the telemetry: 900 rpm pumps less. */
  n_telemetry = capture_count (capture, telemetry);
  g_assert_true (wait_for_count (capture, telemetry, n_telemetry + 3));
  batch = decode_with_root (capture, root, &n_rejected);
  g_assert_cmpuint (n_rejected, ==, 0);
  speed = batch_values (batch, "pump-001", "speed");
  flow = batch_values (batch, "pump-001", "flow");
  g_assert_cmpfloat_with_epsilon (first_value (speed), 1480.0, 30.0);
  g_assert_cmpfloat_with_epsilon (last_value (speed), 900.0, 20.0);
  g_assert_cmpfloat (last_value (flow), <, 0.8 * flow_before);

  mimic_test_stop_device_cleanly (device);

  /* Executed once, however often it was sent; rejections are logged too. */
  g_assert_cmpuint (count_log_lines (log, "cmd-1"), ==, 1);
  g_assert_cmpuint (count_log_lines (log, "cmd-3"), ==, 1);
  g_assert_cmpuint (count_log_lines (log, "cmd-8"), ==, 1);

  g_unlink (log);
  g_rmdir (dir);
}

/* WebSocket */

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Capture *capture = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *payload = NULL;
  JsonObject *envelope;
  gsize length;

  /* Only the envelope is opened here; the payload goes to the decoder as
   * the console's WebSocket feed hands it over. */
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL), g_bytes_get_size (message), NULL));
  envelope = json_node_get_object (json_parser_get_root (parser));
  json_generator_set_root (generator, json_object_get_member (envelope, "payload"));
  payload = json_generator_to_data (generator, &length);
  capture_add (capture, json_object_get_string_member (envelope, "topic"), payload, length);
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Capture *capture = user_data;
  g_autoptr(GError) error = NULL;

  capture->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  g_signal_connect (capture->ws, "message", G_CALLBACK (on_ws_message), capture);
}

static Capture *
capture_websocket (guint port)
{
  Capture *capture = capture_new ();
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  capture->session = soup_session_new ();
  soup_session_websocket_connect_async (capture->session, message, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        ws_connected_cb, capture);
  while (capture->ws == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (capture->ws);
  return capture;
}

static MimicUpdateBatch *
run_fleet (const char * const *args,
           const char         *root,
           const char         *telemetry_filter,
           guint               n_messages)
{
  g_autofree char *filter = g_strconcat (root, "/#", NULL);
  g_autoptr(Capture) capture = capture_mqtt (filter);
  g_autoptr(GSubprocess) device = mimic_test_spawn_device (args, NULL);
  guint n_rejected;

  g_assert_true (wait_for_count (capture, telemetry_filter, n_messages));
  mimic_test_stop_device_cleanly (device);
  return decode_with_root (capture, root, &n_rejected);
}

/* The first @n values of two sensors with @seed. Over MQTT, subscribed
 * before the simulator starts, so nothing from its start is missed. */
static GArray *
first_values_with_seed (const char *seed,
                        guint       n)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *telemetry = g_strconcat (root, "/+/telemetry", NULL);
  g_autoptr(MimicUpdateBatch) batch = NULL;
  g_autoptr(GArray) winding = NULL;
  g_autoptr(GArray) flow = NULL;
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));
  const char *args[] = { "--pumps", "2", "--rate", "20", "--seed", seed, "--mqtt", url, "--root", root, NULL };

  batch = run_fleet (args, root, telemetry, 2 * n);
  winding = batch_values (batch, "pump-001", "winding_temp");
  flow = batch_values (batch, "pump-002", "flow");
  g_assert_cmpuint (winding->len, >=, n);
  g_assert_cmpuint (flow->len, >=, n);
  g_array_append_vals (values, winding->data, n);
  g_array_append_vals (values, flow->data, n);
  return values;
}

static void
test_seed_determinism (void)
{
  g_autoptr(GArray) a = first_values_with_seed ("7", 5);
  g_autoptr(GArray) b = first_values_with_seed ("7", 5);
  g_autoptr(GArray) c = first_values_with_seed ("8", 5);
  guint n_different = 0;

  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      g_assert_cmpfloat (g_array_index (a, double, i), ==, g_array_index (b, double, i));
      if (g_array_index (a, double, i) != g_array_index (c, double, i))
        n_different++;
    }
  g_assert_cmpuint (n_different, ==, a->len);
}

static void
test_websocket_command (void)
{
  g_autoptr(GSubprocess) device = NULL;
  g_autoptr(Capture) capture = NULL;
  g_autoptr(MimicUpdateBatch) batch = NULL;
  g_autoptr(GArray) valve = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *text = NULL;
  const char *args[] = { "--pumps", "1", "--rate", "10", "--ws", "127.0.0.1:0", NULL };
  guint port = 0, n_rejected, n;

  device = mimic_test_spawn_device (args, &port);
  g_assert_cmpuint (port, >, 0);
  capture = capture_websocket (port);
  g_assert_true (wait_for_count (capture, "mimic/pump-001/telemetry", 2));

  /* What a broker would keep retained comes first: birth, status,
   * reported, then telemetry. */
  g_mutex_lock (&capture->mutex);
  g_assert_cmpstr (g_ptr_array_index (capture->topics, 0), ==, "mimic/pump-001/birth");
  g_assert_cmpstr (g_ptr_array_index (capture->topics, 1), ==, "mimic/pump-001/status");
  g_assert_cmpstr (g_ptr_array_index (capture->topics, 2), ==, "mimic/pump-001/reported");
  g_mutex_unlock (&capture->mutex);

  soup_websocket_connection_send_text (capture->ws,
                                       "{\"topic\":\"mimic/pump-001/cmd/set_valve\","
                                       "\"payload\":{\"id\":\"ws-1\",\"args\":{\"position\":40}}}");
  g_assert_true (wait_for_count (capture, "mimic/pump-001/cmd-response/set_valve", 1));
  text = capture_dup_last (capture, "mimic/pump-001/cmd-response/set_valve");
  reply = parse_object (text);
  g_assert_cmpstr (json_object_get_string_member (reply, "id"), ==, "ws-1");
  g_assert_cmpstr (json_object_get_string_member (reply, "status"), ==, "acked");

  /* The reported parameter and the valve position follow. */
  g_assert_true (wait_for_count (capture, "mimic/pump-001/reported", 2));
  n = capture_count (capture, "mimic/pump-001/telemetry");
  g_assert_true (wait_for_count (capture, "mimic/pump-001/telemetry", n + 2));
  batch = capture_decode (capture, &n_rejected);
  valve = batch_values (batch, "pump-001", "valve_position");
  g_assert_cmpfloat_with_epsilon (first_value (valve), 80.0, 1.0);
  g_assert_cmpfloat_with_epsilon (last_value (valve), 40.0, 1.0);

  /* Stopped, the motor turns no more and draws no current. */
  soup_websocket_connection_send_text (capture->ws,
                                       "{\"topic\":\"mimic/pump-001/cmd/stop\","
                                       "\"payload\":{\"id\":\"ws-2\",\"args\":{}}}");
  g_assert_true (wait_for_count (capture, "mimic/pump-001/cmd-response/stop", 1));
  n = capture_count (capture, "mimic/pump-001/telemetry");
  g_assert_true (wait_for_count (capture, "mimic/pump-001/telemetry", n + 2));
  g_clear_pointer (&batch, mimic_update_batch_unref);
  batch = capture_decode (capture, &n_rejected);
  g_assert_cmpuint (n_rejected, ==, 0);
  {
    g_autoptr(GArray) speed = batch_values (batch, "pump-001", "speed");
    g_autoptr(GArray) current = batch_values (batch, "pump-001", "motor_current");

    g_assert_cmpfloat (last_value (speed), ==, 0.0);
    g_assert_cmpfloat (last_value (current), ==, 0.0);
  }

  mimic_test_stop_device_cleanly (device);
}

static void
test_bad_options (void)
{
  const char *bad[][4] = {
    { "--pumps", "-1", NULL },
    { "--pumps", "1", "--speed", "inf" },
    { "--pumps", "1", "--rate", "0" },
    { "--pumps", "1", "--fault", "pump-009:drift:sensor=flow" },
    { "--pumps", "1", "--fault", "pump-001:melt" },
    { "--pumps", "1", "--fault", "pump-001:drift:sensor=colour" },
    { "--pumps", "1", "--fault", "pump-001:dropout:probability=2" },
    { "--racks", "1", "--fault", "rack-001:cooling:module=17" },
    { "--pumps", "1", "--mqtt", "http://x" },
    { "--pumps", "1", "--ws", "no-port" },
    { "--pumps", "1", "--devices-per-connection", "0" },
    { "--pumps", "1", "--scenario", "/nonexistent/scenario.json" },
    { "--pumps", "1", "--scenario", NULL },
  };
  g_autofree char *dir = g_dir_make_tmp ("mimic-device-XXXXXX", NULL);
  g_autofree char *scenario = g_build_filename (dir, "bad.json", NULL);

  /* An event at a negative time, for a device that does not exist. */
  g_assert_true (g_file_set_contents (scenario, "[{\"at\": -1, \"device\": \"pump-042\", \"fault\": \"drift\"}]",
                                      -1, NULL));
  bad[G_N_ELEMENTS (bad) - 1][3] = scenario;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autofree char *program = g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic-device", NULL);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      process = g_subprocess_launcher_spawn (launcher, &error, program, bad[i][0], bad[i][1],
                                             bad[i][2], bad[i][3], NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 0);
      g_assert_true (g_str_has_prefix (err, "mimic-device: "));
    }

  g_unlink (scenario);
  g_rmdir (dir);
}

/* Faults: each one visibly bends the telemetry. */

static void
test_fault_sensors (void)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *telemetry = g_strconcat (root, "/pump-004/telemetry", NULL);
  const char *args[] = {
    "--pumps", "4", "--rate", "10", "--mqtt", url, "--root", root,
    "--fault", "pump-001:drift:sensor=winding_temp,rate=7200",
    "--fault", "pump-002:stuck:sensor=flow",
    "--fault", "pump-003:dropout:probability=0.5",
    "--fault", "pump-004:noise:sensor=vibration,sigma=2",
    NULL
  };
  g_autoptr(MimicUpdateBatch) batch = run_fleet (args, root, telemetry, 20);
  g_autoptr(GArray) drifting = batch_values (batch, "pump-001", "winding_temp");
  g_autoptr(GArray) steady = batch_values (batch, "pump-004", "winding_temp");
  g_autoptr(GArray) stuck = batch_values (batch, "pump-002", "flow");
  g_autoptr(GArray) moving = batch_values (batch, "pump-002", "motor_current");
  g_autoptr(GArray) noisy = batch_values (batch, "pump-004", "vibration");
  g_autoptr(GArray) calm = batch_values (batch, "pump-001", "vibration");
  guint64 missed = 0;
  double spread_noisy = 0.0, spread_calm = 0.0;

  /* Drift: 2 K per simulated second on top of a steady winding. */
  g_assert_cmpfloat (last_value (drifting) - first_value (drifting), >, 2.0);
  g_assert_cmpfloat (fabs (last_value (steady) - first_value (steady)), <, 1.0);

  /* Stuck: the same flow every time while the current still moves. */
  for (guint i = 1; i < stuck->len; i++)
    g_assert_cmpfloat (g_array_index (stuck, double, i), ==, first_value (stuck));
  g_assert_cmpfloat (first_value (moving), !=, last_value (moving));

  /* Dropouts: gaps in the sequence numbers. */
  for (guint i = 0; i < mimic_update_batch_get_n_sequence_gaps (batch); i++)
    if (strcmp (mimic_update_batch_get_sequence_gap (batch, i)->device_id, "pump-003") == 0)
      missed += mimic_update_batch_get_sequence_gap (batch, i)->missed;
  g_assert_cmpuint (missed, >, 0);

  /* Noise: a far wider spread than the healthy transmitter's. */
  for (guint i = 1; i < noisy->len; i++)
    spread_noisy = MAX (spread_noisy, fabs (g_array_index (noisy, double, i) - first_value (noisy)));
  for (guint i = 1; i < calm->len; i++)
    spread_calm = MAX (spread_calm, fabs (g_array_index (calm, double, i) - first_value (calm)));
  g_assert_cmpfloat (spread_noisy, >, 10 * spread_calm);
}

static void
test_fault_bearing_wear (void)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *telemetry = g_strconcat (root, "/pump-002/telemetry", NULL);
  /* Twenty simulated minutes per second; pump-002 wears 1000 times faster. */
  const char *args[] = {
    "--pumps", "2", "--rate", "5", "--speed", "1200", "--mqtt", url, "--root", root,
    "--fault", "pump-002:bearing_wear:rate=1000", NULL
  };
  g_autoptr(MimicUpdateBatch) batch = run_fleet (args, root, telemetry, 20);
  g_autoptr(GArray) healthy_temp = batch_values (batch, "pump-001", "bearing_de_temp");
  g_autoptr(GArray) worn_temp = batch_values (batch, "pump-002", "bearing_de_temp");
  g_autoptr(GArray) healthy_vibration = batch_values (batch, "pump-001", "vibration");
  g_autoptr(GArray) worn_vibration = batch_values (batch, "pump-002", "vibration");
  double healthy_rise = last_value (healthy_temp) - first_value (healthy_temp);
  double worn_rise = last_value (worn_temp) - first_value (worn_temp);

  g_assert_cmpfloat (worn_rise, >, healthy_rise + 2.0);
  g_assert_cmpfloat (last_value (worn_vibration) - first_value (worn_vibration), >,
                     last_value (healthy_vibration) - first_value (healthy_vibration) + 0.3);
}

static void
test_fault_module_cooling (void)
{
  g_autofree char *url = broker_url ();
  g_autofree char *root = unique_root ();
  g_autofree char *dir = g_dir_make_tmp ("mimic-device-XXXXXX", NULL);
  g_autofree char *scenario = g_build_filename (dir, "scenario.json", NULL);
  g_autofree char *telemetry = g_strconcat (root, "/rack-001/telemetry", NULL);
  g_autoptr(GError) error = NULL;
  /* The cold plate of module 5 fails at once, from a scenario file. */
  const char *args[] = {
    "--racks", "1", "--rate", "5", "--speed", "1200", "--mqtt", url, "--root", root,
    "--scenario", scenario, NULL
  };
  g_autoptr(MimicUpdateBatch) batch = NULL;
  g_autoptr(GArray) failed = NULL;
  g_autoptr(GArray) cooled = NULL;

  g_file_set_contents (scenario,
                       "[{\"at\": 0, \"device\": \"rack-001\", \"fault\": \"cooling\","
                       "  \"params\": {\"module\": 5, \"factor\": 0}}]", -1, &error);
  g_assert_no_error (error);

  /* 70 messages at 5 Hz and 1200 times real time are about 4.7 simulated
   * hours: the rack charges to its upper limit, rests there (no current,
   * no heat) and then discharges at 30 kW. A cooling loss only shows while
   * current flows, so the run must reach the discharge. */
  batch = run_fleet (args, root, telemetry, 70);
  failed = batch_values (batch, "rack-001", "module_05_temp");
  cooled = batch_values (batch, "rack-001", "module_01_temp");
  g_assert_cmpfloat (last_value (failed) - first_value (failed), >, 0.3);
  g_assert_cmpfloat (last_value (failed) - last_value (cooled), >, 0.3);
  g_assert_cmpfloat (fabs (last_value (cooled) - first_value (cooled)), <, 0.3);

  g_unlink (scenario);
  g_rmdir (dir);
}

static void
test_fault_flap (void)
{
  g_autofree char *url = broker_url ();
  guint n_rejected, n_offline = 0, n_online = 0;

  /* A flap of a running device: the Will says offline, then it is back. */
  {
    g_autofree char *root2 = unique_root ();
    g_autofree char *filter2 = g_strconcat (root2, "/#", NULL);
    g_autofree char *status2 = g_strconcat (root2, "/pump-001/status", NULL);
    g_autoptr(Capture) capture2 = capture_mqtt (filter2);
    g_autoptr(GSubprocess) device2 = NULL;
    g_autoptr(MimicUpdateBatch) batch2 = NULL;
    const char *args2[] = {
      "--pumps", "1", "--mqtt", url, "--root", root2, "--allow-fault-commands", NULL
    };
    g_autofree char *reply = NULL;

    device2 = mimic_test_spawn_device (args2, NULL);
    g_assert_true (wait_for_count (capture2, status2, 1));
    reply = send_command (capture2, root2, "pump-001", "inject_fault",
                          "{\"id\":\"f1\",\"args\":{\"fault\":\"flap\",\"down\":1}}", "f1");
    g_assert_nonnull (strstr (reply, "acked"));
    g_assert_true (wait_for_count (capture2, status2, 3));
    batch2 = decode_with_root (capture2, root2, &n_rejected);
    for (guint i = 0; i < mimic_update_batch_get_n_presence (batch2); i++)
      {
        MimicPresence presence = mimic_update_batch_get_presence (batch2, i)->presence;

        if (presence == MIMIC_PRESENCE_OFFLINE)
          n_offline++;
        else if (n_offline > 0 && presence == MIMIC_PRESENCE_ONLINE)
          n_online++;
      }
    g_assert_cmpuint (n_offline, ==, 1);
    g_assert_cmpuint (n_online, >=, 1);
    mimic_test_stop_device_cleanly (device2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();

  registry = mimic_asset_registry_new ();
  mimic_asset_registry_load_directory (registry, NULL, &error);
  g_assert_no_error (error);

  shared_broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/mimic/device/options/bad", test_bad_options);
  g_test_add_func ("/mimic/device/mqtt/telemetry-and-shutdown", test_mqtt_telemetry_and_shutdown);
  g_test_add_func ("/mimic/device/mqtt/commands", test_mqtt_commands);
  g_test_add_func ("/mimic/device/mqtt/seed", test_seed_determinism);
  g_test_add_func ("/mimic/device/websocket/command", test_websocket_command);
  g_test_add_func ("/mimic/device/faults/sensors", test_fault_sensors);
  if (g_test_slow ())
    {
      g_test_add_func ("/mimic/device/faults/bearing-wear", test_fault_bearing_wear);
      g_test_add_func ("/mimic/device/faults/module-cooling", test_fault_module_cooling);
      g_test_add_func ("/mimic/device/faults/flap", test_fault_flap);
    }

  status = g_test_run ();

  mimic_test_broker_free (shared_broker);
  g_object_unref (registry);
  mosquitto_lib_cleanup ();
  return status;
}
