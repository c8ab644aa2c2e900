/* mimic-mqtt-feed.c
 *
 * The client runs on its own I/O thread, which drives libmosquitto with
 * mosquitto_loop() and never touches GTK: it connects, subscribes, copies
 * each message into the base class's decode queue and reconnects with
 * backoff and jitter when the broker goes away. Subscriptions use a clean
 * session, so they are sent again after every reconnect.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-mqtt-feed"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <string.h>

#include "mimic-mqtt-feed.h"

#define KEEPALIVE_S 30
/* Also how late a quiet feed hands over its last batch. */
#define LOOP_TIMEOUT_MS 10

struct _MimicMqttFeed
{
  MimicFeed         parent_instance;

  char             *host;
  guint             port;
  char             *username;
  char             *password;
  gboolean          use_tls;
  char             *ca_file;
  char             *certificate_file;
  char             *key_file;
  MimicBackoff     *backoff;

  /* Guards the fields below, shared with the I/O thread. */
  GMutex            mutex;
  GCond             wake;
  gboolean          stopping;
  int               protocol_version;
  GTask            *start_task;
  GThread          *io_thread;

  /* Owned by the I/O thread while it runs. */
  struct mosquitto *mosq;
  gboolean          session_up;        /* CONNACK accepted */
  guint             pending_subscriptions;
  gboolean          fatal;             /* stop retrying: refused credentials, TLS */
  gboolean          retry_now;         /* fall back to another protocol version at once */
  char             *fatal_message;

  /* Commands: the outbox is guarded by the mutex; the rest belongs to
   * the I/O thread. The response topic is this feed's own, so replies
   * to other consoles never reach it (MQTT 5). */
  char             *command_token;
  char             *response_topic;
  GQueue            outbox;            /* OutgoingCommand */
  GHashTable       *unacked_commands;  /* message ids awaiting PUBACK */
};

typedef struct
{
  char  *topic;
  char  *payload;
  char  *correlation_id;
  guint  expiry_s;
} OutgoingCommand;

static void
outgoing_command_free (gpointer data)
{
  OutgoingCommand *outgoing = data;

  g_free (outgoing->topic);
  g_free (outgoing->payload);
  g_free (outgoing->correlation_id);
  g_free (outgoing);
}

G_DEFINE_FINAL_TYPE (MimicMqttFeed, mimic_mqtt_feed, MIMIC_TYPE_FEED)

int
mimic_mqtt_fallback_protocol_version (int version,
                                      int reason_code)
{
  /* A broker that does not speak MQTT 5 answers a v5 CONNECT either with
   * the v5 reason "unsupported protocol version" or, reading it as 3.1.1,
   * with the old return code 1. */
  if (version == MQTT_PROTOCOL_V5 &&
      (reason_code == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || reason_code == CONNACK_REFUSED_PROTOCOL_VERSION))
    return MQTT_PROTOCOL_V311;

  return 0;
}

static gboolean
is_credentials_refusal (int reason_code)
{
  return reason_code == CONNACK_REFUSED_BAD_USERNAME_PASSWORD ||
         reason_code == CONNACK_REFUSED_NOT_AUTHORIZED ||
         reason_code == MQTT_RC_BAD_USERNAME_OR_PASSWORD ||
         reason_code == MQTT_RC_NOT_AUTHORIZED;
}

typedef struct
{
  GTask  *task;
  GError *error;
} StartOutcome;

static gboolean
return_start_outcome (gpointer data)
{
  StartOutcome *outcome = data;

  if (outcome->error != NULL)
    g_task_return_error (outcome->task, g_steal_pointer (&outcome->error));
  else
    g_task_return_boolean (outcome->task, TRUE);

  return G_SOURCE_REMOVE;
}

static void
start_outcome_free (gpointer data)
{
  StartOutcome *outcome = data;

  g_clear_error (&outcome->error);
  g_object_unref (outcome->task);
  g_free (outcome);
}

/* Returns the start task in its own context. The I/O thread must never
 * drop the last reference to the task: the task holds the feed, and the
 * feed's finalizer joins the I/O thread. */
static void
complete_start (MimicMqttFeed *self,
                GError        *error)
{
  g_autoptr(GSource) source = NULL;
  StartOutcome *outcome;
  GTask *task;

  g_mutex_lock (&self->mutex);
  task = g_steal_pointer (&self->start_task);
  g_mutex_unlock (&self->mutex);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  outcome = g_new0 (StartOutcome, 1);
  outcome->task = task;
  outcome->error = error;
  source = g_idle_source_new ();
  g_source_set_callback (source, return_start_outcome, outcome, start_outcome_free);
  g_source_set_static_name (source, "[mimic] MQTT feed started");
  g_source_attach (source, g_task_get_context (task));
}

static void
subscribe_all (MimicMqttFeed *self)
{
  MimicFeed *feed = MIMIC_FEED (self);
  const char *root = mimic_feed_get_root (feed);
  g_autoptr(GPtrArray) topics = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bindings = mimic_feed_dup_binding_filters (feed);
  int rc;

  /* Births first: the broker sends retained messages per subscription in
   * order, so a device is known before its retained status arrives. */
  g_ptr_array_add (topics, g_strdup_printf ("%s/+/birth", root));
  g_ptr_array_add (topics, g_strdup_printf ("%s/+/status", root));
  g_ptr_array_add (topics, g_strdup_printf ("%s/+/reported", root));
  g_ptr_array_add (topics, g_strdup_printf ("%s/+/telemetry", root));
  /* MQTT 3.1.1 has no response topic: devices answer on a shared one
   * and the id in the reply tells whose command it was. */
  if (mimic_mqtt_feed_get_protocol_version (self) == MQTT_PROTOCOL_V5)
    g_ptr_array_add (topics, g_strdup (self->response_topic));
  else
    g_ptr_array_add (topics, g_strdup_printf ("%s/+/cmd-response/+", root));
  for (guint i = 0; i < bindings->len; i++)
    g_ptr_array_add (topics, g_strdup (g_ptr_array_index (bindings, i)));

  self->pending_subscriptions = 0;
  for (guint i = 0; i < topics->len; i++)
    {
      rc = mosquitto_subscribe (self->mosq, NULL, g_ptr_array_index (topics, i), 1);
      if (rc == MOSQ_ERR_SUCCESS)
        self->pending_subscriptions++;
      else
        g_warning ("Could not subscribe to %s on %s: %s", (char *) g_ptr_array_index (topics, i),
                   mimic_feed_get_id (feed), mosquitto_strerror (rc));
    }
}

static void
report_connected (MimicMqttFeed *self)
{
  mimic_feed_set_state (MIMIC_FEED (self), MIMIC_FEED_STATE_CONNECTED, NULL);
  complete_start (self, NULL);
}

/* Connected means subscribed: until the broker acknowledged every
 * subscription, messages published meanwhile might not reach us. */
static void
on_subscribe (struct mosquitto         *mosq,
              void                     *data,
              int                       mid,
              int                       qos_count,
              const int                *granted_qos,
              const mosquitto_property *properties)
{
  MimicMqttFeed *self = data;

  for (int i = 0; i < qos_count; i++)
    {
      if (granted_qos[i] >= 0x80)
        g_warning ("%s refused a subscription (reason %d)", mimic_feed_get_id (MIMIC_FEED (self)), granted_qos[i]);
    }

  if (self->pending_subscriptions > 0 && --self->pending_subscriptions == 0)
    report_connected (self);
}

static void
on_connect (struct mosquitto         *mosq,
            void                     *data,
            int                       reason_code,
            int                       flags,
            const mosquitto_property *properties)
{
  MimicMqttFeed *self = data;
  int fallback;

  if (reason_code == 0)
    {
      self->session_up = TRUE;
      mimic_backoff_connected (self->backoff, g_get_monotonic_time ());
      subscribe_all (self);
      if (self->pending_subscriptions == 0)
        report_connected (self);
      return;
    }

  g_mutex_lock (&self->mutex);
  fallback = mimic_mqtt_fallback_protocol_version (self->protocol_version, reason_code);
  if (fallback != 0)
    self->protocol_version = fallback;
  g_mutex_unlock (&self->mutex);

  if (fallback != 0)
    {
      g_debug ("%s refuses MQTT 5; falling back to 3.1.1", mimic_feed_get_id (MIMIC_FEED (self)));
      self->retry_now = TRUE;
    }
  else if (is_credentials_refusal (reason_code))
    {
      self->fatal = TRUE;
      g_free (self->fatal_message);
      self->fatal_message = g_strdup_printf (_("The broker %s refused the user name or password (%s)"),
                                             self->host, mosquitto_reason_string (reason_code));
    }
  else
    {
      g_free (self->fatal_message);
      self->fatal_message = g_strdup_printf (_("The broker %s refused the connection (%s)"),
                                             self->host, mosquitto_reason_string (reason_code));
    }
}

static void
on_message (struct mosquitto               *mosq,
            void                           *data,
            const struct mosquitto_message *message,
            const mosquitto_property       *properties)
{
  MimicMqttFeed *self = data;

  if (self->response_topic != NULL && strcmp (message->topic, self->response_topic) == 0)
    {
      void *correlation = NULL;
      uint16_t correlation_length = 0;

      mosquitto_property_read_binary (properties, MQTT_PROP_CORRELATION_DATA,
                                      &correlation, &correlation_length, false);
      mimic_feed_ingest_command_response (MIMIC_FEED (self), message->topic, message->payload,
                                          message->payloadlen > 0 ? (gsize) message->payloadlen : 0,
                                          correlation, correlation_length);
      free (correlation);
      return;
    }

  mimic_feed_ingest_message (MIMIC_FEED (self), message->topic, message->payload,
                             message->payloadlen > 0 ? (gsize) message->payloadlen : 0,
                             g_get_real_time ());
}

static void
on_publish (struct mosquitto         *mosq,
            void                     *data,
            int                       mid,
            int                       reason_code,
            const mosquitto_property *properties)
{
  MimicMqttFeed *self = data;

  g_hash_table_remove (self->unacked_commands, GINT_TO_POINTER (mid));
}

/* Publishes the queued commands: QoS 1, never retained, and with MQTT 5
 * the response topic, the correlation data and an expiry, so a broker
 * holding it for an offline device drops it once it is no longer
 * wanted. */
static void
publish_outbox (MimicMqttFeed *self)
{
  GQueue pending = G_QUEUE_INIT;
  int version;

  g_mutex_lock (&self->mutex);
  pending = self->outbox;
  g_queue_init (&self->outbox);
  version = self->protocol_version;
  g_mutex_unlock (&self->mutex);

  while (!g_queue_is_empty (&pending))
    {
      OutgoingCommand *outgoing = g_queue_pop_head (&pending);
      mosquitto_property *properties = NULL;
      int mid = 0, rc;

      if (version == MQTT_PROTOCOL_V5)
        {
          mosquitto_property_add_string (&properties, MQTT_PROP_RESPONSE_TOPIC, self->response_topic);
          if (outgoing->correlation_id != NULL)
            mosquitto_property_add_binary (&properties, MQTT_PROP_CORRELATION_DATA, outgoing->correlation_id,
                                           (uint16_t) strlen (outgoing->correlation_id));
          if (outgoing->expiry_s > 0)
            mosquitto_property_add_int32 (&properties, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, outgoing->expiry_s);
        }

      rc = mosquitto_publish_v5 (self->mosq, &mid, outgoing->topic, (int) strlen (outgoing->payload),
                                 outgoing->payload, 1, false, properties);
      mosquitto_property_free_all (&properties);
      if (rc == MOSQ_ERR_SUCCESS)
        g_hash_table_add (self->unacked_commands, GINT_TO_POINTER (mid));
      else if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
        /* The link went while the command waited here: the command
         * manager, told of the lost link, sends it again to a device that
         * deduplicates, or lets it time out. Nothing is wrong here. */
        g_debug ("Could not publish a command to %s: %s", outgoing->topic, mosquitto_strerror (rc));
      else
        g_warning ("Could not publish a command to %s: %s", outgoing->topic, mosquitto_strerror (rc));
      outgoing_command_free (outgoing);
    }
}

static void
drop_outbox (MimicMqttFeed *self)
{
  g_mutex_lock (&self->mutex);
  g_queue_clear_full (&self->outbox, outgoing_command_free);
  g_mutex_unlock (&self->mutex);
}

static gboolean configure_client (MimicMqttFeed  *self,
                                  GError        **error);

/* libmosquitto sends a QoS 1 message again after a reconnect until the
 * broker acknowledged it. A command must not run twice on a device that
 * cannot tell a repeat, so a client with commands in flight is replaced
 * by a fresh one before reconnecting; whether to send again is the
 * command manager's decision. */
static void
forget_unacked_commands (MimicMqttFeed *self)
{
  g_autoptr(GError) error = NULL;

  drop_outbox (self);
  if (g_hash_table_size (self->unacked_commands) == 0)
    return;

  g_debug ("%s: dropping %u unacknowledged commands", mimic_feed_get_id (MIMIC_FEED (self)),
           g_hash_table_size (self->unacked_commands));
  g_hash_table_remove_all (self->unacked_commands);
  g_clear_pointer (&self->mosq, mosquitto_destroy);
  if (!configure_client (self, &error))
    {
      self->fatal = TRUE;
      g_free (self->fatal_message);
      self->fatal_message = g_strdup (error->message);
    }
}

static gboolean
mimic_mqtt_feed_send_command (MimicFeed   *feed,
                              const char  *device_id,
                              const char  *command,
                              const char  *payload_json,
                              const char  *correlation_id,
                              guint        expiry_s,
                              GError     **error)
{
  MimicMqttFeed *self = MIMIC_MQTT_FEED (feed);
  OutgoingCommand *outgoing;

  if (device_id[0] == '\0' || strpbrk (device_id, "/+#") != NULL ||
      command[0] == '\0' || strpbrk (command, "/+#") != NULL)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL,
                   _("“%s/%s” cannot be part of an MQTT topic"), device_id, command);
      return FALSE;
    }

  outgoing = g_new0 (OutgoingCommand, 1);
  outgoing->topic = g_strdup_printf ("%s/%s/cmd/%s", mimic_feed_get_root (feed), device_id, command);
  outgoing->payload = g_strdup (payload_json);
  outgoing->correlation_id = g_strdup (correlation_id);
  outgoing->expiry_s = expiry_s;

  g_mutex_lock (&self->mutex);
  g_queue_push_tail (&self->outbox, outgoing);
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

static gboolean
is_stopping (MimicMqttFeed *self)
{
  gboolean stopping;

  g_mutex_lock (&self->mutex);
  stopping = self->stopping;
  g_mutex_unlock (&self->mutex);

  return stopping;
}

/* Sleeps for the backoff delay unless stop() wakes it first. */
static void
wait_before_retry (MimicMqttFeed *self)
{
  gint64 until = g_get_monotonic_time () + (gint64) mimic_backoff_next_delay_ms (self->backoff) * 1000;

  g_mutex_lock (&self->mutex);
  while (!self->stopping && g_cond_wait_until (&self->wake, &self->mutex, until))
    ;
  g_mutex_unlock (&self->mutex);
}

static int
connect_once (MimicMqttFeed *self)
{
  mosquitto_property *properties = NULL;
  gsize max_payload;
  int version, rc;

  g_mutex_lock (&self->mutex);
  version = self->protocol_version;
  g_mutex_unlock (&self->mutex);

  mosquitto_int_option (self->mosq, MOSQ_OPT_PROTOCOL_VERSION, version);
  if (version == MQTT_PROTOCOL_V5)
    {
      /* Payloads far above the decoder's cap are not even sent to us, so
       * a hostile publisher cannot make the client buffer megabytes. Those
       * between the cap and this limit still arrive and are counted. */
      max_payload = mimic_feed_get_max_payload (MIMIC_FEED (self));
      mosquitto_property_add_int32 (&properties, MQTT_PROP_MAXIMUM_PACKET_SIZE,
                                    (uint32_t) MIN ((guint64) max_payload * 4 + 64 * 1024, G_MAXINT32));
    }

  self->session_up = FALSE;
  rc = mosquitto_connect_bind_v5 (self->mosq, self->host, self->port, KEEPALIVE_S, NULL, properties);
  mosquitto_property_free_all (&properties);

  return rc;
}

static char *
describe_connect_error (MimicMqttFeed *self,
                        int            rc)
{
  if (rc == MOSQ_ERR_ERRNO)
    return g_strdup_printf (_("Could not connect to %s:%u: %s"), self->host, self->port, g_strerror (errno));
  if (rc == MOSQ_ERR_TLS)
    return g_strdup_printf (_("The TLS connection to %s:%u failed: the certificate or host name could not be verified"),
                            self->host, self->port);
  return g_strdup_printf (_("Could not connect to %s:%u: %s"), self->host, self->port, mosquitto_strerror (rc));
}

static gpointer
io_thread_run (gpointer data)
{
  MimicMqttFeed *self = data;
  MimicFeed *feed = MIMIC_FEED (self);
  gboolean ever_up = FALSE;

  while (!is_stopping (self))
    {
      g_autofree char *message = NULL;
      gboolean was_up;
      int rc;

      self->fatal = FALSE;
      self->retry_now = FALSE;
      g_clear_pointer (&self->fatal_message, g_free);

      rc = connect_once (self);
      if (rc == MOSQ_ERR_SUCCESS)
        {
          /* Runs until the connection drops; callbacks fire in here. */
          do
            {
              rc = mosquitto_loop (self->mosq, LOOP_TIMEOUT_MS, 1);
              if (rc == MOSQ_ERR_SUCCESS && self->session_up)
                publish_outbox (self);
              mimic_feed_hand_over_due (feed);
            }
          while (rc == MOSQ_ERR_SUCCESS && !is_stopping (self) && !self->fatal);
        }

      was_up = self->session_up;
      if (is_stopping (self))
        break;

      if (was_up)
        {
          ever_up = TRUE;
          mimic_backoff_disconnected (self->backoff, g_get_monotonic_time ());
        }
      mosquitto_disconnect (self->mosq);
      forget_unacked_commands (self);

      if (self->retry_now)
        continue;

      if (self->fatal_message != NULL)
        message = g_strdup (self->fatal_message);
      else if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_NO_CONN || !was_up)
        message = describe_connect_error (self, rc);
      else
        message = g_strdup_printf (_("Lost the connection to %s:%u: %s"), self->host, self->port,
                                   mosquitto_strerror (rc));

      /* Fail closed: refused credentials and TLS failures are not retried,
       * and neither is a first connection that never stood. */
      if (self->fatal || rc == MOSQ_ERR_TLS || !ever_up)
        {
          mimic_feed_set_state (feed, MIMIC_FEED_STATE_FAILED, message);
          complete_start (self, g_error_new_literal (MIMIC_FEED_ERROR,
                                                     self->fatal ? MIMIC_FEED_ERROR_AUTHENTICATION :
                                                     rc == MOSQ_ERR_TLS ? MIMIC_FEED_ERROR_TLS :
                                                     MIMIC_FEED_ERROR_CONNECTION_FAILED,
                                                     message));
          break;
        }

      mimic_feed_set_state (feed, MIMIC_FEED_STATE_RECONNECTING, message);
      wait_before_retry (self);
    }

  mosquitto_disconnect (self->mosq);
  return NULL;
}

static gboolean
configure_client (MimicMqttFeed  *self,
                  GError        **error)
{
  g_autofree char *client_id = NULL;
  int rc;

  client_id = g_strdup_printf ("mimic-%08x%08x", g_random_int (), g_random_int ());
  self->mosq = mosquitto_new (client_id, true, self);
  if (self->mosq == NULL)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED,
                   _("Could not create an MQTT client: %s"), g_strerror (errno));
      return FALSE;
    }

  mosquitto_connect_v5_callback_set (self->mosq, on_connect);
  mosquitto_message_v5_callback_set (self->mosq, on_message);
  mosquitto_subscribe_v5_callback_set (self->mosq, on_subscribe);
  mosquitto_publish_v5_callback_set (self->mosq, on_publish);
  if (self->response_topic == NULL)
    self->response_topic = g_strdup_printf ("%s/%s/cmd-response", mimic_feed_get_root (MIMIC_FEED (self)),
                                            self->command_token);

  if (self->username != NULL)
    mosquitto_username_pw_set (self->mosq, self->username, self->password);

  if (self->use_tls)
    {
      if (self->ca_file == NULL)
        mosquitto_int_option (self->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      rc = mosquitto_tls_set (self->mosq, self->ca_file, NULL, self->certificate_file, self->key_file, NULL);
      if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_tls_opts_set (self->mosq, 1, NULL, NULL);
      if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_tls_insecure_set (self->mosq, false);
      if (rc != MOSQ_ERR_SUCCESS)
        {
          g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_TLS,
                       _("Could not set up TLS for %s: %s"), self->host, mosquitto_strerror (rc));
          return FALSE;
        }
    }

  return TRUE;
}

static void
join_io_thread (MimicMqttFeed *self)
{
  if (self->io_thread != NULL)
    g_thread_join (g_steal_pointer (&self->io_thread));
  g_clear_pointer (&self->mosq, mosquitto_destroy);
}

static void
mimic_mqtt_feed_start_async (MimicFeed           *feed,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  MimicMqttFeed *self = MIMIC_MQTT_FEED (feed);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, mimic_mqtt_feed_start_async);

  /* A thread left over from a start that failed has ended by itself. */
  join_io_thread (self);

  if (!configure_client (self, &error))
    {
      g_clear_pointer (&self->mosq, mosquitto_destroy);
      mimic_feed_set_state (feed, MIMIC_FEED_STATE_FAILED, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->mutex);
  self->stopping = FALSE;
  self->start_task = g_steal_pointer (&task);
  g_mutex_unlock (&self->mutex);

  mimic_backoff_reset (self->backoff);
  mimic_feed_set_state (feed, MIMIC_FEED_STATE_CONNECTING, NULL);
  self->io_thread = g_thread_new ("mimic-mqtt-io", io_thread_run, self);
}

static gboolean
mimic_mqtt_feed_start_finish (MimicFeed     *feed,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mimic_mqtt_feed_stop (MimicFeed *feed)
{
  MimicMqttFeed *self = MIMIC_MQTT_FEED (feed);

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->mutex);

  join_io_thread (self);

  complete_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _("The feed was stopped before it connected")));
}

static void
mimic_mqtt_feed_finalize (GObject *object)
{
  MimicMqttFeed *self = MIMIC_MQTT_FEED (object);

  /* The base class stopped the feed in dispose. */
  join_io_thread (self);
  g_clear_object (&self->backoff);
  g_free (self->host);
  g_free (self->username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->ca_file);
  g_free (self->certificate_file);
  g_free (self->key_file);
  g_free (self->fatal_message);
  g_free (self->command_token);
  g_free (self->response_topic);
  g_queue_clear_full (&self->outbox, outgoing_command_free);
  g_hash_table_unref (self->unacked_commands);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->wake);

  G_OBJECT_CLASS (mimic_mqtt_feed_parent_class)->finalize (object);
}

static void
mimic_mqtt_feed_class_init (MimicMqttFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MimicFeedClass *feed_class = MIMIC_FEED_CLASS (klass);

  object_class->finalize = mimic_mqtt_feed_finalize;

  feed_class->start_async = mimic_mqtt_feed_start_async;
  feed_class->start_finish = mimic_mqtt_feed_start_finish;
  feed_class->stop = mimic_mqtt_feed_stop;
  feed_class->send_command = mimic_mqtt_feed_send_command;
}

static void
mimic_mqtt_feed_init (MimicMqttFeed *self)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* Never paired with mosquitto_lib_cleanup(): other feeds may live
       * in the same process until it exits. */
      mosquitto_lib_init ();
      g_once_init_leave (&initialized, 1);
    }

  g_mutex_init (&self->mutex);
  g_cond_init (&self->wake);
  self->protocol_version = MQTT_PROTOCOL_V5;
  self->backoff = mimic_backoff_new (500, 2.0, 30000);
  self->command_token = g_strdup_printf ("_console-%08x%08x", g_random_int (), g_random_int ());
  g_queue_init (&self->outbox);
  self->unacked_commands = g_hash_table_new (NULL, NULL);
  /* The I/O thread never touches the main loop: decode right there. */
  mimic_feed_set_decode_in_caller (MIMIC_FEED (self), TRUE);
}

MimicMqttFeed *
mimic_mqtt_feed_new (const char *host,
                     guint       port,
                     const char *root)
{
  MimicMqttFeed *self;
  g_autofree char *url = NULL;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (port > 0 && port <= 65535, NULL);

  url = g_strdup_printf ("mqtt://%s:%u", host, port);
  self = g_object_new (MIMIC_TYPE_MQTT_FEED,
                       "url", url,
                       "root", root != NULL ? root : MIMIC_TELEMETRY_DEFAULT_ROOT,
                       NULL);
  self->host = g_strdup (host);
  self->port = port;

  return self;
}

MimicMqttFeed *
mimic_mqtt_feed_new_for_uri (GUri    *uri,
                             GError **error)
{
  g_autoptr(MimicMqttFeed) self = NULL;
  g_autofree char *public_url = NULL;
  g_autofree char *root = NULL;
  const char *scheme, *host, *path;
  gboolean tls;
  int port;

  g_return_val_if_fail (uri != NULL, NULL);

  scheme = g_uri_get_scheme (uri);
  tls = g_ascii_strcasecmp (scheme, "mqtts") == 0;
  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_INVALID_URL,
                   _("The feed URL has no host name"));
      return NULL;
    }

  port = g_uri_get_port (uri);
  if (port <= 0)
    port = tls ? MIMIC_MQTT_DEFAULT_TLS_PORT : MIMIC_MQTT_DEFAULT_PORT;

  path = g_uri_get_path (uri);
  while (path != NULL && path[0] == '/')
    path++;
  root = path != NULL && path[0] != '\0' ? g_uri_unescape_string (path, NULL) : NULL;
  if (root != NULL && (strpbrk (root, "+#") != NULL || g_str_has_suffix (root, "/")))
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_INVALID_URL,
                   _("The topic root “%s” may not contain wildcards or end in “/”"), root);
      return NULL;
    }

  /* The id and URL never carry the password: they end up in logs and UI. */
  public_url = g_uri_join (G_URI_FLAGS_NONE, scheme, g_uri_get_user (uri), host, port,
                           g_uri_get_path (uri), NULL, NULL);
  self = g_object_new (MIMIC_TYPE_MQTT_FEED,
                       "url", public_url,
                       "root", root != NULL ? root : MIMIC_TELEMETRY_DEFAULT_ROOT,
                       NULL);
  self->host = g_strdup (host);
  self->port = port;
  if (g_uri_get_user (uri) != NULL)
    mimic_mqtt_feed_set_credentials (self, g_uri_get_user (uri), g_uri_get_password (uri));
  if (tls)
    mimic_mqtt_feed_set_tls (self, NULL, NULL, NULL);

  return g_steal_pointer (&self);
}

const char *
mimic_mqtt_feed_get_host (MimicMqttFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_MQTT_FEED (self), NULL);

  return self->host;
}

guint
mimic_mqtt_feed_get_port (MimicMqttFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_MQTT_FEED (self), 0);

  return self->port;
}

void
mimic_mqtt_feed_set_credentials (MimicMqttFeed *self,
                                 const char    *username,
                                 const char    *password)
{
  g_return_if_fail (MIMIC_IS_MQTT_FEED (self));

  g_free (self->username);
  self->username = g_strdup (username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);
}

void
mimic_mqtt_feed_set_tls (MimicMqttFeed *self,
                         const char    *ca_file,
                         const char    *certificate_file,
                         const char    *key_file)
{
  g_return_if_fail (MIMIC_IS_MQTT_FEED (self));
  g_return_if_fail ((certificate_file == NULL) == (key_file == NULL));

  self->use_tls = TRUE;
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  g_free (self->certificate_file);
  self->certificate_file = g_strdup (certificate_file);
  g_free (self->key_file);
  self->key_file = g_strdup (key_file);
}

void
mimic_mqtt_feed_set_backoff (MimicMqttFeed *self,
                             MimicBackoff  *backoff)
{
  g_return_if_fail (MIMIC_IS_MQTT_FEED (self));
  g_return_if_fail (MIMIC_IS_BACKOFF (backoff));
  g_return_if_fail (self->io_thread == NULL);

  g_set_object (&self->backoff, backoff);
}

int
mimic_mqtt_feed_get_protocol_version (MimicMqttFeed *self)
{
  int version;

  g_return_val_if_fail (MIMIC_IS_MQTT_FEED (self), 0);

  g_mutex_lock (&self->mutex);
  version = self->protocol_version;
  g_mutex_unlock (&self->mutex);

  return version == MQTT_PROTOCOL_V5 ? 5 : 4;
}

void
mimic_mqtt_feed_set_protocol_version (MimicMqttFeed *self,
                                      int            version)
{
  g_return_if_fail (MIMIC_IS_MQTT_FEED (self));
  g_return_if_fail (version == 5 || version == 4);

  g_mutex_lock (&self->mutex);
  self->protocol_version = version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
  g_mutex_unlock (&self->mutex);
}
