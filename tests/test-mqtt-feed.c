/* test-mqtt-feed.c — the MQTT feed against a real Mosquitto broker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-mqtt-feed"

#include "config.h"

#include <math.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <string.h>
#include <sys/socket.h>

#include "mimic-mqtt-feed.h"
#include "mimic-test-broker.h"

#define WAIT_TIMEOUT_US (10 * G_USEC_PER_SEC)

static MimicTestBroker *shared_broker;

/* Collects every batch the feed hands over, on the feed's worker thread. */
typedef struct
{
  GMutex     mutex;
  GPtrArray *batches;
} Collector;

static Collector *
collector_new (void)
{
  Collector *collector = g_new0 (Collector, 1);

  g_mutex_init (&collector->mutex);
  collector->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  return collector;
}

static void
collector_free (gpointer data)
{
  Collector *collector = data;

  g_ptr_array_unref (collector->batches);
  g_mutex_clear (&collector->mutex);
  g_free (collector);
}

static void
collect_batch (MimicFeed        *feed,
               MimicUpdateBatch *batch,
               gpointer          user_data)
{
  Collector *collector = user_data;

  g_assert_false (g_main_context_is_owner (g_main_context_default ()));
  g_mutex_lock (&collector->mutex);
  g_ptr_array_add (collector->batches, mimic_update_batch_ref (batch));
  g_mutex_unlock (&collector->mutex);
}

/* The last sample of @sensor of @device, or NULL. */
static gboolean
collector_find_sample (Collector   *collector,
                       const char  *device,
                       const char  *sensor,
                       MimicSample *out)
{
  gboolean found = FALSE;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (collector->batches, i);

      for (guint j = 0; j < mimic_update_batch_get_n_samples (batch); j++)
        {
          const MimicSample *sample = mimic_update_batch_get_sample (batch, j);

          if (g_str_equal (sample->device_id, device) && g_str_equal (sample->sensor_id, sensor))
            {
              *out = *sample;
              found = TRUE;
            }
        }
    }
  g_mutex_unlock (&collector->mutex);

  return found;
}

static guint
collector_count_samples (Collector *collector)
{
  guint n = 0;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    n += mimic_update_batch_get_n_samples (g_ptr_array_index (collector->batches, i));
  g_mutex_unlock (&collector->mutex);

  return n;
}

static MimicPresence
collector_last_presence (Collector  *collector,
                         const char *device)
{
  MimicPresence presence = MIMIC_PRESENCE_UNKNOWN;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (collector->batches, i);

      for (guint j = 0; j < mimic_update_batch_get_n_presence (batch); j++)
        {
          const MimicPresenceUpdate *update = mimic_update_batch_get_presence (batch, j);

          if (g_str_equal (update->device_id, device))
            presence = update->presence;
        }
    }
  g_mutex_unlock (&collector->mutex);

  return presence;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Starts @feed and runs the main loop until it is connected or failed. */
static gboolean
start_feed (MimicFeed  *feed,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mimic_feed_start_async (feed, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return mimic_feed_start_finish (feed, result, error);
}

static MimicFeed *
new_started_feed (MimicTestBroker  *broker,
                  const char       *root,
                  Collector       **collector)
{
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;

  feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_broker_get_port (broker), root));
  *collector = collector_new ();
  mimic_feed_set_batch_handler (feed, collect_batch, *collector, collector_free);
  start_feed (feed, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_CONNECTED);

  return g_steal_pointer (&feed);
}

typedef gboolean (*Condition) (MimicFeed *feed,
                               gpointer   data);

static gboolean
wait_for (MimicFeed *feed,
          Condition  condition,
          gpointer   data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (condition (feed, data))
        {
          /* What was counted is decoded; the flush hands over its batch. */
          mimic_feed_flush (feed);
          while (g_main_context_iteration (NULL, FALSE))
            ;
          return TRUE;
        }
      g_usleep (5 * 1000);
    }

  return FALSE;
}

static gboolean
has_messages (MimicFeed *feed,
              gpointer   data)
{
  MimicFeedHealth health;

  mimic_feed_get_health (feed, &health);
  return health.messages >= GPOINTER_TO_UINT (data);
}

static gboolean
has_state (MimicFeed *feed,
           gpointer   data)
{
  return mimic_feed_get_state (feed) == (MimicFeedState) GPOINTER_TO_INT (data);
}

/* A device on the wire: a plain libmosquitto client, driven by hand so
 * the test decides when its socket dies. */
typedef struct
{
  struct mosquitto *mosq;
  gboolean          connected;
} Publisher;

static void
publisher_on_connect (struct mosquitto *mosq,
                      void             *data,
                      int               rc)
{
  Publisher *publisher = data;

  g_assert_cmpint (rc, ==, 0);
  publisher->connected = TRUE;
}

static Publisher *
publisher_new (MimicTestBroker *broker,
               const char      *will_topic,
               const char      *will_payload)
{
  Publisher *publisher = g_new0 (Publisher, 1);
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;

  publisher->mosq = mosquitto_new (NULL, true, publisher);
  g_assert_nonnull (publisher->mosq);
  mosquitto_connect_callback_set (publisher->mosq, publisher_on_connect);
  if (will_topic != NULL)
    g_assert_cmpint (mosquitto_will_set (publisher->mosq, will_topic, strlen (will_payload),
                                         will_payload, 1, true), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_connect (publisher->mosq, "127.0.0.1", mimic_test_broker_get_port (broker), 30),
                   ==, MOSQ_ERR_SUCCESS);
  while (!publisher->connected && g_get_monotonic_time () < deadline)
    g_assert_cmpint (mosquitto_loop (publisher->mosq, 50, 1), ==, MOSQ_ERR_SUCCESS);
  g_assert_true (publisher->connected);

  return publisher;
}

static void
publish_bytes (Publisher  *publisher,
               const char *topic,
               const void *payload,
               gsize       length,
               gboolean    retain)
{
  /* QoS 0 from an unthreaded client is written before this returns. */
  g_assert_cmpint (mosquitto_publish (publisher->mosq, NULL, topic, length, payload, 0, retain),
                   ==, MOSQ_ERR_SUCCESS);
  mosquitto_loop (publisher->mosq, 0, 1);
}

static void
publish (Publisher  *publisher,
         const char *topic,
         const char *payload,
         gboolean    retain)
{
  publish_bytes (publisher, topic, payload, strlen (payload), retain);
}

static void
publisher_free (Publisher *publisher)
{
  mosquitto_disconnect (publisher->mosq);
  mosquitto_destroy (publisher->mosq);
  g_free (publisher);
}

/* Kills the connection without a DISCONNECT, as a crashed device would:
 * the broker must publish the Will. */
static void
publisher_drop (Publisher *publisher)
{
  shutdown (mosquitto_socket (publisher->mosq), SHUT_RDWR);
  mosquitto_destroy (publisher->mosq);
  g_free (publisher);
}

static void
test_mqtt_feed_end_to_end (void)
{
  g_autoptr(MimicFeed) feed = NULL;
  Publisher *device;
  Collector *collector;
  MimicFeedHealth health;
  MimicSample sample;

  /* Retained before Mimic connects: presence and birth come from the
   * broker's memory. */
  device = publisher_new (shared_broker, NULL, NULL);
  publish (device, "e2e/pump-1/birth", "{\"asset_type\":\"pump\",\"firmware\":\"1.2\"}", TRUE);
  publish (device, "e2e/pump-1/status", "{\"online\":true}", TRUE);

  feed = new_started_feed (shared_broker, "e2e", &collector);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (2)));
  g_assert_cmpint (collector_last_presence (collector, "pump-1"), ==, MIMIC_PRESENCE_ONLINE);

  publish (device, "e2e/pump-1/telemetry",
           "{\"ts\":1700000000000,\"seq\":1,\"values\":{\"flow\":12.5,\"speed\":1450}}", FALSE);
  publish (device, "e2e/pump-1/reported", "{\"parameters\":{\"valve_position\":0.6}}", FALSE);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (4)));

  g_assert_true (collector_find_sample (collector, "pump-1", "flow", &sample));
  g_assert_cmpfloat (sample.value, ==, 12.5);
  g_assert_cmpint (sample.timestamp_us, ==, G_GINT64_CONSTANT (1700000000000000));
  g_assert_cmpint (sample.quality, ==, MIMIC_QUALITY_GOOD);
  g_assert_true (collector_find_sample (collector, "pump-1", "speed", &sample));
  g_assert_cmpfloat (sample.value, ==, 1450);

  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.messages, ==, 4);
  g_assert_cmpuint (health.values, ==, 3);
  g_assert_cmpuint (health.rejected_total, ==, 0);
  g_assert_cmpuint (health.bytes, >, 100);
  g_assert_cmpint (health.last_message_us, >, 0);

  /* Clean up the retained messages for the other tests. */
  publish (device, "e2e/pump-1/birth", "", TRUE);
  publish (device, "e2e/pump-1/status", "", TRUE);
  publisher_free (device);
  mimic_feed_stop (feed);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_DISCONNECTED);
}

static void
test_mqtt_feed_will (void)
{
  g_autoptr(MimicFeed) feed = NULL;
  Publisher *device, *observer;
  Collector *collector;

  feed = new_started_feed (shared_broker, "will", &collector);

  device = publisher_new (shared_broker, "will/valve-7/status", "{\"online\":false}");
  publish (device, "will/valve-7/birth", "{\"asset_type\":\"valve\"}", TRUE);
  publish (device, "will/valve-7/status", "{\"online\":true}", TRUE);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (2)));
  g_assert_cmpint (collector_last_presence (collector, "valve-7"), ==, MIMIC_PRESENCE_ONLINE);

  publisher_drop (device);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (3)));
  g_assert_cmpint (collector_last_presence (collector, "valve-7"), ==, MIMIC_PRESENCE_OFFLINE);

  observer = publisher_new (shared_broker, NULL, NULL);
  publish (observer, "will/valve-7/birth", "", TRUE);
  publish (observer, "will/valve-7/status", "", TRUE);
  publisher_free (observer);
}

static void
count_gap (MimicFeed *feed,
           gint64     gap_us,
           gpointer   user_data)
{
  gint64 *last_gap = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *last_gap = gap_us;
}

static void
test_mqtt_feed_reconnect (void)
{
  g_autoptr(MimicTestBroker) broker = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicBackoff) backoff = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Collector *collector;
  Publisher *device;
  MimicFeedHealth health;
  MimicSample sample;
  gint64 gap_us = 0;

  broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);

  feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_broker_get_port (broker), "re"));
  backoff = mimic_backoff_new (20, 2.0, 200);
  mimic_mqtt_feed_set_backoff (MIMIC_MQTT_FEED (feed), backoff);
  collector = collector_new ();
  mimic_feed_set_batch_handler (feed, collect_batch, collector, collector_free);
  g_signal_connect (feed, "gap", G_CALLBACK (count_gap), &gap_us);
  start_feed (feed, &error);
  g_assert_no_error (error);

  mimic_test_broker_stop (broker);
  g_assert_true (wait_for (feed, has_state, GINT_TO_POINTER (MIMIC_FEED_STATE_RECONNECTING)));
  message = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (message);
  g_usleep (300 * 1000);

  mimic_test_broker_start (broker, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (feed, has_state, GINT_TO_POINTER (MIMIC_FEED_STATE_CONNECTED)));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  mimic_feed_get_health (feed, &health);
  g_assert_cmpuint (health.reconnects, ==, 1);
  g_assert_cmpint (health.last_gap_us, >=, 300 * 1000);
  g_assert_cmpint (gap_us, ==, health.last_gap_us);

  /* The subscriptions came back with the connection. */
  device = publisher_new (broker, NULL, NULL);
  publish (device, "re/m-1/birth", "{\"asset_type\":\"motor\"}", FALSE);
  publish (device, "re/m-1/telemetry", "{\"values\":{\"current\":4.5}}", FALSE);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (2)));
  g_assert_true (collector_find_sample (collector, "m-1", "current", &sample));
  g_assert_cmpfloat (sample.value, ==, 4.5);
  publisher_free (device);
}

static void
test_mqtt_feed_connection_refused (void)
{
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* Nobody listens there. */
  feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_pick_free_port (), NULL));
  g_assert_false (start_feed (feed, &error));
  g_assert_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_FAILED);
  message = mimic_feed_dup_last_error (feed);
  g_assert_nonnull (strstr (message, "127.0.0.1"));
}

static void
test_mqtt_feed_protocol_fallback (void)
{
  /* Mosquitto always accepts MQTT 5, so a broker that refuses it cannot be
   * started here; the choice the feed makes on such a refusal is checked
   * directly, and the feed is shown to work when set to 3.1.1. */
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  Collector *collector;
  Publisher *device;

  g_assert_cmpint (mimic_mqtt_fallback_protocol_version (MQTT_PROTOCOL_V5, MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION),
                   ==, MQTT_PROTOCOL_V311);
  g_assert_cmpint (mimic_mqtt_fallback_protocol_version (MQTT_PROTOCOL_V5, CONNACK_REFUSED_PROTOCOL_VERSION),
                   ==, MQTT_PROTOCOL_V311);
  g_assert_cmpint (mimic_mqtt_fallback_protocol_version (MQTT_PROTOCOL_V311, CONNACK_REFUSED_PROTOCOL_VERSION),
                   ==, 0);
  g_assert_cmpint (mimic_mqtt_fallback_protocol_version (MQTT_PROTOCOL_V5, MQTT_RC_NOT_AUTHORIZED), ==, 0);

  feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", mimic_test_broker_get_port (shared_broker), "v311"));
  mimic_mqtt_feed_set_protocol_version (MIMIC_MQTT_FEED (feed), 4);
  collector = collector_new ();
  mimic_feed_set_batch_handler (feed, collect_batch, collector, collector_free);
  start_feed (feed, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mimic_mqtt_feed_get_protocol_version (MIMIC_MQTT_FEED (feed)), ==, 4);

  device = publisher_new (shared_broker, NULL, NULL);
  publish (device, "v311/d/birth", "{}", FALSE);
  publish (device, "v311/d/telemetry", "{\"values\":{\"x\":1}}", FALSE);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (2)));
  g_assert_cmpuint (collector_count_samples (collector), ==, 1);
  publisher_free (device);
}

/* A broker that only speaks MQTT 3.1.1, reduced to what the fallback
 * needs: it refuses an MQTT 5 CONNECT the way a broker without v5 does
 * (reason 132), accepts a 3.1.1 one, acknowledges subscriptions and then
 * publishes a birth and one telemetry message. */
typedef struct
{
  GSocket *listener;
  guint    port;
  GThread *thread;
  int      refused_v5;
  int      accepted_v4;
} OldBroker;

static gboolean
read_exact (GSocket *socket,
            guint8  *buffer,
            gsize    length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = g_socket_receive (socket, (char *) buffer + done, length - done, NULL, NULL);

      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

/* One MQTT packet: its first byte and its body. */
static gboolean
read_packet (GSocket  *socket,
             guint8   *type,
             GBytes  **body)
{
  guint8 byte;
  gsize length = 0;
  guint shift = 0;
  guint8 *data;

  if (!read_exact (socket, type, 1))
    return FALSE;
  do
    {
      if (!read_exact (socket, &byte, 1) || shift > 21)
        return FALSE;
      length |= (gsize) (byte & 0x7f) << shift;
      shift += 7;
    }
  while (byte & 0x80);

  data = g_malloc (length + 1);
  if (!read_exact (socket, data, length))
    {
      g_free (data);
      return FALSE;
    }
  *body = g_bytes_new_take (data, length);
  return TRUE;
}

static void
send_publish (GSocket    *socket,
              const char *topic,
              const char *payload)
{
  gsize topic_length = strlen (topic), payload_length = strlen (payload);
  gsize remaining = 2 + topic_length + payload_length;
  g_autoptr(GByteArray) packet = g_byte_array_new ();
  guint8 header[] = { 0x30, (guint8) remaining, 0, (guint8) topic_length };

  g_assert_cmpuint (remaining, <, 128);
  g_byte_array_append (packet, header, sizeof header);
  g_byte_array_append (packet, (const guint8 *) topic, topic_length);
  g_byte_array_append (packet, (const guint8 *) payload, payload_length);
  g_socket_send (socket, (const char *) packet->data, packet->len, NULL, NULL);
}

static void
serve_old_client (OldBroker *broker,
                  GSocket   *client)
{
  guint n_subscriptions = 0;
  guint8 type;

  for (;;)
    {
      g_autoptr(GBytes) body = NULL;
      const guint8 *data;
      gsize length;

      if (!read_packet (client, &type, &body))
        return;
      data = g_bytes_get_data (body, &length);

      switch (type & 0xf0)
        {
        case 0x10:      /* CONNECT: "\0\4MQTT" then the protocol level */
          g_assert_cmpuint (length, >, 7);
          if (data[6] == 5)
            {
              static const guint8 refuse[] = { 0x20, 0x03, 0x00, 0x84, 0x00 };

              g_atomic_int_inc (&broker->refused_v5);
              g_socket_send (client, (const char *) refuse, sizeof refuse, NULL, NULL);
              return;
            }
          else
            {
              static const guint8 accept[] = { 0x20, 0x02, 0x00, 0x00 };

              g_assert_cmpuint (data[6], ==, 4);
              g_atomic_int_inc (&broker->accepted_v4);
              g_socket_send (client, (const char *) accept, sizeof accept, NULL, NULL);
            }
          break;

        case 0x80:      /* SUBSCRIBE: acknowledge with QoS 1 granted */
          {
            guint8 suback[] = { 0x90, 0x03, data[0], data[1], 0x01 };

            g_socket_send (client, (const char *) suback, sizeof suback, NULL, NULL);
            if (++n_subscriptions == 4)
              {
                send_publish (client, "old/d-1/birth", "{}");
                send_publish (client, "old/d-1/telemetry", "{\"values\":{\"x\":7}}");
              }
          }
          break;

        case 0xc0:      /* PINGREQ */
          {
            static const guint8 pong[] = { 0xd0, 0x00 };

            g_socket_send (client, (const char *) pong, sizeof pong, NULL, NULL);
          }
          break;

        case 0xe0:      /* DISCONNECT */
        default:
          return;
        }
    }
}

static gpointer
run_old_broker (gpointer data)
{
  OldBroker *broker = data;

  /* The feed connects twice: once with MQTT 5 (refused), then with 3.1.1. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) client = g_socket_accept (broker->listener, NULL, NULL);

      if (client == NULL)
        break;
      serve_old_client (broker, client);
      if (i == 1)
        {
          /* Keep the 3.1.1 connection open until the feed hangs up. */
          guint8 byte;

          while (g_socket_receive (client, (char *) &byte, 1, NULL, NULL) > 0)
            ;
        }
    }

  return NULL;
}

static void
test_mqtt_feed_falls_back_to_311 (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(GError) error = NULL;
  OldBroker broker = { 0 };
  Collector *collector;
  MimicSample sample;

  broker.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (broker.listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (broker.listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (broker.listener, &error);
  g_assert_no_error (error);
  broker.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  broker.thread = g_thread_new ("old-broker", run_old_broker, &broker);

  feed = MIMIC_FEED (mimic_mqtt_feed_new ("127.0.0.1", broker.port, "old"));
  collector = collector_new ();
  mimic_feed_set_batch_handler (feed, collect_batch, collector, collector_free);
  g_assert_cmpint (mimic_mqtt_feed_get_protocol_version (MIMIC_MQTT_FEED (feed)), ==, 5);
  start_feed (feed, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_atomic_int_get (&broker.refused_v5), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&broker.accepted_v4), ==, 1);
  g_assert_cmpint (mimic_mqtt_feed_get_protocol_version (MIMIC_MQTT_FEED (feed)), ==, 4);
  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (2)));
  g_assert_true (collector_find_sample (collector, "d-1", "x", &sample));
  g_assert_cmpfloat (sample.value, ==, 7);

  mimic_feed_stop (feed);
  g_thread_join (broker.thread);
  g_socket_close (broker.listener, NULL);
  g_object_unref (broker.listener);
}

/* One bad message between two good ones: the bad one is counted under
 * @rejection and nothing of it reaches a batch; the good ones do. */
typedef struct
{
  const char     *name;
  MimicRejection  rejection;
  const char     *topic_suffix;   /* after ROOT/ */
  const char     *payload;        /* NULL: an oversized payload */
} BadInputCase;

static const BadInputCase bad_input_cases[] = {
  { "malformed-json", MIMIC_REJECTION_MALFORMED_JSON, "dev/telemetry", "{\"seq\":2,\"values\":{\"flow\":" },
  { "bare-nan", MIMIC_REJECTION_MALFORMED_JSON, "dev/telemetry", "{\"seq\":2,\"values\":{\"flow\":NaN}}" },
  { "wrong-type", MIMIC_REJECTION_WRONG_TYPE, "dev/telemetry", "{\"seq\":2,\"values\":{\"flow\":\"12\"}}" },
  { "nan-string", MIMIC_REJECTION_WRONG_TYPE, "dev/telemetry", "{\"seq\":2,\"values\":{\"flow\":\"NaN\"}}" },
  { "non-finite", MIMIC_REJECTION_NON_FINITE, "dev/telemetry", "{\"seq\":2,\"values\":{\"flow\":1e999}}" },
  { "oversized", MIMIC_REJECTION_OVERSIZED, "dev/telemetry", NULL },
  { "unknown-device", MIMIC_REJECTION_UNKNOWN_DEVICE, "stranger/telemetry", "{\"seq\":2,\"values\":{\"flow\":666}}" },
  { "unknown-sensor", MIMIC_REJECTION_UNKNOWN_SENSOR, "dev/telemetry", "{\"seq\":2,\"values\":{\"torque\":666}}" },
  { "duplicate-seq", MIMIC_REJECTION_DUPLICATE_SEQUENCE, "dev/telemetry", "{\"seq\":1,\"values\":{\"flow\":666}}" },
  { "out-of-order-seq", MIMIC_REJECTION_OUT_OF_ORDER_SEQUENCE, "dev/telemetry", "{\"seq\":0,\"values\":{\"flow\":666}}" },
  { "future-timestamp", MIMIC_REJECTION_FUTURE_TIMESTAMP, "dev/telemetry", "{\"ts\":99999999999999,\"seq\":2,\"values\":{\"flow\":666}}" },
};

static void
declare_pump (MimicTelemetryDecoder *decoder,
              gpointer               user_data)
{
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "flow", 0, 100);
}

static gboolean
batches_contain_value (Collector *collector,
                       double     value)
{
  gboolean found = FALSE;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (collector->batches, i);

      for (guint j = 0; j < mimic_update_batch_get_n_samples (batch); j++)
        found |= mimic_update_batch_get_sample (batch, j)->value == value;
    }
  g_mutex_unlock (&collector->mutex);

  return found;
}

static void
test_mqtt_feed_bad_input (gconstpointer data)
{
  const BadInputCase *bad = data;
  g_autoptr(MimicFeed) feed = NULL;
  g_autofree char *root = g_strdup_printf ("bad-%s", bad->name);
  g_autofree char *topic = g_strdup_printf ("%s/%s", root, bad->topic_suffix);
  g_autofree char *birth_topic = g_strdup_printf ("%s/dev/birth", root);
  g_autofree char *good_topic = g_strdup_printf ("%s/dev/telemetry", root);
  Collector *collector;
  Publisher *device;
  MimicFeedHealth health;
  MimicSample sample;

  feed = new_started_feed (shared_broker, root, &collector);
  mimic_feed_configure_decoder (feed, declare_pump, NULL);
  mimic_feed_set_max_payload (feed, 4096);

  device = publisher_new (shared_broker, NULL, NULL);
  publish (device, birth_topic, "{\"asset_type\":\"pump\"}", FALSE);
  publish (device, good_topic, "{\"seq\":1,\"values\":{\"flow\":10}}", FALSE);
  if (bad->payload != NULL)
    {
      publish (device, topic, bad->payload, FALSE);
    }
  else
    {
      g_autofree char *big = g_strnfill (4097, ' ');

      memcpy (big, "{\"seq\":2,\"values\":{\"flow\":666}}", 31);
      publish_bytes (device, topic, big, 4097, FALSE);
    }
  publish (device, good_topic, "{\"seq\":3,\"values\":{\"flow\":30}}", FALSE);

  g_assert_true (wait_for (feed, has_messages, GUINT_TO_POINTER (4)));
  mimic_feed_get_health (feed, &health);

  g_assert_cmpuint (health.rejected[bad->rejection], ==, 1);
  g_assert_cmpuint (health.rejected_total, ==, 1);
  g_assert_cmpuint (health.values, ==, 2);
  g_assert_cmpuint (collector_count_samples (collector), ==, 2);
  g_assert_false (batches_contain_value (collector, 666));
  g_assert_true (collector_find_sample (collector, "dev", "flow", &sample));
  g_assert_cmpfloat (sample.value, ==, 30);
  g_assert_cmpint (mimic_feed_get_state (feed), ==, MIMIC_FEED_STATE_CONNECTED);

  publisher_free (device);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  mosquitto_lib_init ();

  shared_broker = mimic_test_broker_new (NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/mimic/feed/mqtt/end-to-end", test_mqtt_feed_end_to_end);
  g_test_add_func ("/mimic/feed/mqtt/will", test_mqtt_feed_will);
  g_test_add_func ("/mimic/feed/mqtt/reconnect", test_mqtt_feed_reconnect);
  g_test_add_func ("/mimic/feed/mqtt/connection-refused", test_mqtt_feed_connection_refused);
  g_test_add_func ("/mimic/feed/mqtt/protocol-fallback", test_mqtt_feed_protocol_fallback);
  g_test_add_func ("/mimic/feed/mqtt/protocol-fallback-on-the-wire", test_mqtt_feed_falls_back_to_311);
  for (guint i = 0; i < G_N_ELEMENTS (bad_input_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mimic/feed/mqtt/bad-input/%s", bad_input_cases[i].name);

      g_test_add_data_func (path, &bad_input_cases[i], test_mqtt_feed_bad_input);
    }

  status = g_test_run ();

  mimic_test_broker_free (shared_broker);
  mosquitto_lib_cleanup ();
  return status;
}
