/* mimic-sim-fleet.c
 *
 * The fleet owns the devices and the clock. One timer, ten times per
 * telemetry period per hundred devices at most, works out how many device
 * publications are due since the start and does those: each device is
 * stepped by a fixed simulated interval and its telemetry written once,
 * then sent over whichever transports are up. Spreading the devices over
 * the period keeps a big fleet from hitting the broker in one burst.
 *
 * MQTT: every device is its own client (libmosquitto, driven from the GLib
 * main loop through its socket), so every device has its own Will that
 * marks it offline when the process dies. WebSocket: libsoup's server;
 * every new client first gets each device's birth, status and reported
 * parameters, which a broker would have kept retained.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-sim-fleet"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <math.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mimic-sim-fleet.h"
#include "mimic-json.h"

#define TIMER_INTERVAL_MS 10
#define MISC_INTERVAL_MS 1000
#define KEEPALIVE_S 30
#define RECONNECT_DELAY_MS 1000
#define STOP_TIMEOUT_MS 5000
/* Past this many missed publications the clock skips ahead instead of
 * catching up in a burst. */
#define MAX_BACKLOG_PERIODS 2

typedef struct
{
  double      at_s;
  char       *device_id;
  char       *fault;
  JsonObject *params;
} ScenarioEvent;

typedef struct _SimLink SimLink;

struct _SimLink
{
  MimicSimFleet    *fleet;
  guint             first;             /* the devices it carries */
  guint             n_devices;
  struct mosquitto *mosq;
  GSource          *watch;
  int               fd;
  gboolean          connected;
  gboolean          watching_out;      /* the watch asks for G_IO_OUT */
  gboolean          flapped;           /* held off by a network flap */
  gboolean          stopping;
  int               protocol;
  guint             reconnect_id;
  /* Message ids of the offline statuses still waiting for their PUBACK:
   * the client sends only a few QoS 1 messages at a time, and a DISCONNECT
   * before the rest would drop them. */
  GHashTable       *goodbyes;
};

struct _MimicSimFleet
{
  GObject             parent_instance;

  GPtrArray          *devices;          /* MimicSimDevice */
  GHashTable         *devices_by_id;    /* borrowed */
  double              speed;
  double              rate_hz;
  char               *root;
  gboolean            allow_fault_commands;
  FILE               *command_log;

  GArray             *scenario;         /* ScenarioEvent, by time */
  guint               next_event;

  gint64              start_us;
  guint64             n_due_done;
  guint64             n_ticks;       /* publications done since the start */
  guint               timer_id;
  guint               misc_id;
  guint64             n_telemetry;
  guint64             n_missed;
  GString            *message;
  gboolean            started;
  gboolean            stopping;

  char               *mqtt_host;
  int                 mqtt_port;
  guint               devices_per_connection;
  GPtrArray          *links;            /* SimLink, one per device, when MQTT is used */

  SoupServer         *server;
  GSocketService     *ws_service;       /* accepts for the server, see on_ws_incoming() */
  GPtrArray          *ws_clients;       /* SoupWebsocketConnection */
  gboolean            ws_down;          /* a flap holds WebSocket clients off */

  GTask              *stop_task;
  guint               stop_poll_id;
  gint64              stop_deadline_us;
};

enum
{
  PROP_0,
  PROP_SPEED,
  PROP_RATE,
  PROP_ROOT,
  PROP_N_DEVICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MimicSimFleet, mimic_sim_fleet, G_TYPE_OBJECT)

static void link_free (SimLink *link);
static void link_update_watch (SimLink *link);
static void link_connect (SimLink *link);

static void
scenario_event_clear (gpointer data)
{
  ScenarioEvent *event = data;

  g_free (event->device_id);
  g_free (event->fault);
  g_clear_pointer (&event->params, json_object_unref);
}

static double
real_seconds (MimicSimFleet *self)
{
  return self->start_us > 0 ? (g_get_monotonic_time () - self->start_us) / (double) G_USEC_PER_SEC : 0.0;
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
mimic_sim_fleet_dispose (GObject *object)
{
  MimicSimFleet *self = MIMIC_SIM_FLEET (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->misc_id, g_source_remove);
  g_clear_handle_id (&self->stop_poll_id, g_source_remove);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  if (self->ws_clients != NULL)
    {
      for (guint i = 0; i < self->ws_clients->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->ws_clients, i), self);
      g_clear_pointer (&self->ws_clients, g_ptr_array_unref);
    }
  if (self->ws_service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws_service, self);
      g_socket_service_stop (self->ws_service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->ws_service));
      g_clear_object (&self->ws_service);
    }
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->stop_task);

  G_OBJECT_CLASS (mimic_sim_fleet_parent_class)->dispose (object);
}

static void
mimic_sim_fleet_finalize (GObject *object)
{
  MimicSimFleet *self = MIMIC_SIM_FLEET (object);

  g_clear_pointer (&self->devices_by_id, g_hash_table_unref);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->scenario, g_array_unref);
  g_free (self->root);
  g_free (self->mqtt_host);
  if (self->command_log != NULL)
    fclose (self->command_log);
  g_string_free (self->message, TRUE);

  G_OBJECT_CLASS (mimic_sim_fleet_parent_class)->finalize (object);
}

static void
mimic_sim_fleet_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MimicSimFleet *self = MIMIC_SIM_FLEET (object);

  switch (prop_id)
    {
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate_hz);
      break;
    case PROP_ROOT:
      g_value_set_string (value, self->root);
      break;
    case PROP_N_DEVICES:
      g_value_set_uint (value, self->devices->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_sim_fleet_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  MimicSimFleet *self = MIMIC_SIM_FLEET (object);

  switch (prop_id)
    {
    case PROP_SPEED:
      mimic_sim_fleet_set_speed (self, g_value_get_double (value), NULL);
      break;
    case PROP_RATE:
      mimic_sim_fleet_set_rate (self, g_value_get_double (value), NULL);
      break;
    case PROP_ROOT:
      mimic_sim_fleet_set_root (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_sim_fleet_class_init (MimicSimFleetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimic_sim_fleet_dispose;
  object_class->finalize = mimic_sim_fleet_finalize;
  object_class->get_property = mimic_sim_fleet_get_property;
  object_class->set_property = mimic_sim_fleet_set_property;

  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, 1e-3, 1e6, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 1e-3, 1000.0, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROOT] =
    g_param_spec_string ("root", NULL, NULL, "mimic",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_DEVICES] =
    g_param_spec_uint ("n-devices", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_sim_fleet_init (MimicSimFleet *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->devices_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->speed = 1.0;
  self->rate_hz = 1.0;
  self->devices_per_connection = 1;
  self->root = g_strdup ("mimic");
  self->scenario = g_array_new (FALSE, TRUE, sizeof (ScenarioEvent));
  g_array_set_clear_func (self->scenario, scenario_event_clear);
  self->message = g_string_sized_new (1024);
  self->ws_clients = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
add_devices (MimicSimFleet       *self,
             MimicAssetRegistry  *registry,
             const char          *asset_type,
             const char          *prefix,
             guint                count,
             guint32              seed,
             GError             **error)
{
  g_autoptr(MimicModel) model = NULL;
  MimicAsset *asset;

  if (count == 0)
    return TRUE;

  asset = mimic_asset_registry_lookup (registry, asset_type);
  if (asset == NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_UNKNOWN_ASSET,
                   _("No asset description for “%s” was found"), asset_type);
      return FALSE;
    }

  model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), error);
  if (model == NULL)
    return FALSE;

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%03u", prefix, i + 1);
      MimicSimDevice *device = mimic_sim_device_new (id, asset, model, seed, i, error);

      if (device == NULL)
        return FALSE;
      g_ptr_array_add (self->devices, device);
      g_hash_table_insert (self->devices_by_id, (gpointer) mimic_sim_device_get_id (device), device);
    }
  return TRUE;
}

MimicSimFleet *
mimic_sim_fleet_new (MimicAssetRegistry  *registry,
                     guint                n_pumps,
                     guint                n_racks,
                     guint32              seed,
                     GError             **error)
{
  g_autoptr(MimicSimFleet) self = NULL;

  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (registry), NULL);

  self = g_object_new (MIMIC_TYPE_SIM_FLEET, NULL);
  if (!add_devices (self, registry, "pump-skid", "pump", n_pumps, seed, error) ||
      !add_devices (self, registry, "battery-rack", "rack", n_racks, seed, error))
    return NULL;

  return g_steal_pointer (&self);
}

guint
mimic_sim_fleet_get_n_devices (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 0);

  return self->devices->len;
}

MimicSimDevice *
mimic_sim_fleet_lookup (MimicSimFleet *self,
                        const char    *device_id)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), NULL);

  return device_id != NULL ? g_hash_table_lookup (self->devices_by_id, device_id) : NULL;
}

gboolean
mimic_sim_fleet_set_speed (MimicSimFleet  *self,
                           double          speed,
                           GError        **error)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);

  if (!isfinite (speed) || speed < 1e-3 || speed > 1e6)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("The speed must be a number from 0.001 to 1000000"));
      return FALSE;
    }
  if (self->speed != speed)
    {
      self->speed = speed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  return TRUE;
}

double
mimic_sim_fleet_get_speed (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 1.0);

  return self->speed;
}

gboolean
mimic_sim_fleet_set_rate (MimicSimFleet  *self,
                          double          rate_hz,
                          GError        **error)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);

  if (!isfinite (rate_hz) || rate_hz < 1e-3 || rate_hz > 1000.0)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("The telemetry rate must be a number from 0.001 to 1000 Hz"));
      return FALSE;
    }
  if (self->started)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("The telemetry rate cannot change while the fleet runs"));
      return FALSE;
    }
  if (self->rate_hz != rate_hz)
    {
      self->rate_hz = rate_hz;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
    }
  return TRUE;
}

double
mimic_sim_fleet_get_rate (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 1.0);

  return self->rate_hz;
}

void
mimic_sim_fleet_set_root (MimicSimFleet *self,
                          const char    *root)
{
  g_return_if_fail (MIMIC_IS_SIM_FLEET (self));

  if (root == NULL || root[0] == '\0')
    root = "mimic";
  if (g_strcmp0 (self->root, root) == 0)
    return;
  g_free (self->root);
  self->root = g_strdup (root);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROOT]);
}

const char *
mimic_sim_fleet_get_root (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), NULL);

  return self->root;
}

void
mimic_sim_fleet_set_allow_fault_commands (MimicSimFleet *self,
                                          gboolean       allow)
{
  g_return_if_fail (MIMIC_IS_SIM_FLEET (self));

  self->allow_fault_commands = !!allow;
}

gboolean
mimic_sim_fleet_open_command_log (MimicSimFleet  *self,
                                  const char     *path,
                                  GError        **error)
{
  FILE *file;

  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  file = g_fopen (path, "a");
  if (file == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_IO,
                   _("Could not open the command log %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  if (self->command_log != NULL)
    fclose (self->command_log);
  self->command_log = file;
  return TRUE;
}

static void
write_command_log (MimicSimFleet *self,
                   const char    *line)
{
  if (self->command_log == NULL || line == NULL)
    return;

  /* Flushed per line: a test reading the log after killing the process
   * must see every command that was acted on. */
  fputs (line, self->command_log);
  fputc ('\n', self->command_log);
  fflush (self->command_log);
}

/* Faults */

static gboolean
apply_fault (MimicSimFleet  *self,
             const char     *device_id,
             const char     *kind,
             JsonObject     *params,
             GError        **error)
{
  MimicSimDevice *device = mimic_sim_fleet_lookup (self, device_id);

  if (device == NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_UNKNOWN_DEVICE,
                   _("There is no device “%s”"), device_id);
      return FALSE;
    }
  return mimic_sim_device_add_fault (device, kind, params, real_seconds (self), error);
}

gboolean
mimic_sim_fleet_add_fault_spec (MimicSimFleet  *self,
                                const char     *spec,
                                GError        **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(JsonObject) params = NULL;

  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  parts = g_strsplit (spec, ":", 3);
  if (g_strv_length (parts) < 2 || parts[0][0] == '\0' || parts[1][0] == '\0')
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_FAULT,
                   _("A fault is DEVICE:KIND[:key=value,...], not “%s”"), spec);
      return FALSE;
    }

  params = mimic_sim_parse_fault_parameters (parts[2], error);
  if (params == NULL)
    return FALSE;

  return apply_fault (self, parts[0], parts[1], params, error);
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const ScenarioEvent *event_a = a, *event_b = b;

  return (event_a->at_s > event_b->at_s) - (event_a->at_s < event_b->at_s);
}

gboolean
mimic_sim_fleet_load_scenario (MimicSimFleet  *self,
                               const char     *path,
                               GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *events;

  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                   _("Could not read the scenario %s: %s"), path, local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                   _("%s: a scenario is a JSON list of events"), path);
      return FALSE;
    }

  events = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *object;
      JsonNode *at, *device, *fault, *params;
      ScenarioEvent event = { 0, };
      g_autoptr(GError) fault_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                       _("%s: $[%u]: an event is an object"), path, i);
          return FALSE;
        }
      object = json_node_get_object (node);
      at = json_object_get_member (object, "at");
      device = json_object_get_member (object, "device");
      fault = json_object_get_member (object, "fault");
      params = json_object_get_member (object, "params");

      if (at == NULL || !JSON_NODE_HOLDS_VALUE (at) ||
          (json_node_get_value_type (at) != G_TYPE_INT64 && json_node_get_value_type (at) != G_TYPE_DOUBLE) ||
          !isfinite (json_node_get_double (at)) || json_node_get_double (at) < 0.0)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                       _("%s: $[%u].at: a finite number of simulated seconds, 0 or more, is needed"), path, i);
          return FALSE;
        }
      if (device == NULL || !JSON_NODE_HOLDS_VALUE (device) || json_node_get_value_type (device) != G_TYPE_STRING ||
          mimic_sim_fleet_lookup (self, json_node_get_string (device)) == NULL)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                       _("%s: $[%u].device: the id of a simulated device is needed"), path, i);
          return FALSE;
        }
      if (fault == NULL || !JSON_NODE_HOLDS_VALUE (fault) || json_node_get_value_type (fault) != G_TYPE_STRING)
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                       _("%s: $[%u].fault: the name of a fault is needed"), path, i);
          return FALSE;
        }
      if (params != NULL && !JSON_NODE_HOLDS_OBJECT (params))
        {
          g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_BAD_SCENARIO,
                       _("%s: $[%u].params: an object is needed"), path, i);
          return FALSE;
        }

      event.at_s = json_node_get_double (at);
      event.device_id = g_strdup (json_node_get_string (device));
      event.fault = g_strdup (json_node_get_string (fault));
      event.params = params != NULL ? json_object_ref (json_node_get_object (params)) : json_object_new ();
      g_array_append_val (self->scenario, event);
    }

  g_array_sort (self->scenario, compare_events);
  return TRUE;
}

static void
run_scenario (MimicSimFleet *self,
              double         sim_now_s)
{
  while (self->next_event < self->scenario->len)
    {
      ScenarioEvent *event = &g_array_index (self->scenario, ScenarioEvent, self->next_event);
      g_autoptr(GError) error = NULL;

      if (event->at_s > sim_now_s)
        break;
      self->next_event++;
      if (!apply_fault (self, event->device_id, event->fault, event->params, &error))
        g_printerr ("mimic-device: %s\n", error->message);
      else
        g_debug ("Scenario: %s on %s at %g s", event->fault, event->device_id, event->at_s);
    }
}

/* Topics */

static char *
device_topic (MimicSimFleet  *self,
              MimicSimDevice *device,
              const char     *kind)
{
  return g_strconcat (self->root, "/", mimic_sim_device_get_id (device), "/", kind, NULL);
}

/* WebSocket */

static void
ws_send (MimicSimFleet           *self,
         SoupWebsocketConnection *connection,
         const char              *topic,
         const char              *payload)
{
  g_autoptr(GString) envelope = g_string_sized_new (strlen (payload) + 64);
  g_autofree char *escaped = g_strescape (topic, NULL);

  if (soup_websocket_connection_get_state (connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  g_string_append (envelope, "{\"topic\":\"");
  g_string_append (envelope, escaped);
  g_string_append (envelope, "\",\"payload\":");
  g_string_append (envelope, payload);
  g_string_append_c (envelope, '}');
  soup_websocket_connection_send_text (connection, envelope->str);
}

static void
ws_broadcast (MimicSimFleet *self,
              const char    *topic,
              const char    *payload)
{
  if (self->ws_down)
    return;

  for (guint i = 0; i < self->ws_clients->len; i++)
    ws_send (self, g_ptr_array_index (self->ws_clients, i), topic, payload);
}

/* Sends @payload on every transport; retained on MQTT when @retain. */
static void
publish (MimicSimFleet  *self,
         MimicSimDevice *device,
         guint           index,
         const char     *kind,
         const char     *payload,
         gboolean        retain)
{
  g_autofree char *topic = device_topic (self, device, kind);

  if (self->links != NULL)
    {
      SimLink *link = g_ptr_array_index (self->links, index / self->devices_per_connection);

      if (link->connected)
        {
          mosquitto_publish_v5 (link->mosq, NULL, topic, strlen (payload), payload,
                                retain ? 1 : 0, retain, NULL);
          /* A full socket leaves the rest queued: wait for room. */
          link_update_watch (link);
        }
    }
  ws_broadcast (self, topic, payload);
}

static void
send_retained (MimicSimFleet  *self,
               MimicSimDevice *device,
               guint           index,
               gboolean        online,
               SoupWebsocketConnection *only_to)
{
  static const char *kinds[] = { "birth", "status", "reported" };
  gint64 ts = now_ms ();

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_string_truncate (self->message, 0);
      if (k == 0)
        mimic_sim_device_write_birth (device, ts, self->message);
      else if (k == 1)
        mimic_sim_device_write_status (device, online, ts, self->message);
      else
        mimic_sim_device_write_reported (device, ts, self->message);

      if (only_to != NULL)
        {
          g_autofree char *topic = device_topic (self, device, kinds[k]);

          ws_send (self, only_to, topic, self->message->str);
        }
      else
        publish (self, device, index, kinds[k], self->message->str, TRUE);
    }
}

/* Commands, from either transport. Returns the reply. */
static char *
handle_command (MimicSimFleet  *self,
                MimicSimDevice *device,
                guint           index,
                const char     *name,
                const char     *payload,
                gsize           length,
                const char     *correlation_id)
{
  g_autofree char *log_line = NULL;
  gboolean reported_changed = FALSE;
  char *reply;

  reply = mimic_sim_device_handle_command (device, name, payload, length, correlation_id,
                                           self->allow_fault_commands, now_ms (), real_seconds (self),
                                           &log_line, &reported_changed);
  write_command_log (self, log_line);

  if (reported_changed)
    {
      g_autoptr(GString) reported = g_string_new (NULL);

      mimic_sim_device_write_reported (device, now_ms (), reported);
      publish (self, device, index, "reported", reported->str, TRUE);
    }
  return reply;
}

static gboolean
find_device_index (MimicSimFleet *self,
                   const char    *device_id,
                   guint         *index)
{
  MimicSimDevice *device = mimic_sim_fleet_lookup (self, device_id);

  return device != NULL && g_ptr_array_find (self->devices, device, index);
}

static void
on_ws_message (SoupWebsocketConnection *connection,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  MimicSimFleet *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonGenerator) generator = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *reply_topic = NULL;
  g_auto(GStrv) levels = NULL;
  JsonNode *root, *topic, *payload_node;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  guint index;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || !mimic_json_parser_load_from_data (parser, data, length, NULL))
    return;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  topic = json_object_get_member (json_node_get_object (root), "topic");
  payload_node = json_object_get_member (json_node_get_object (root), "payload");
  if (topic == NULL || !JSON_NODE_HOLDS_VALUE (topic) || json_node_get_value_type (topic) != G_TYPE_STRING ||
      payload_node == NULL)
    return;

  /* ROOT/DEVICE/cmd/NAME; anything else from a client is ignored. */
  levels = g_strsplit (json_node_get_string (topic), "/", 0);
  if (g_strv_length (levels) != 4 || strcmp (levels[0], self->root) != 0 || strcmp (levels[2], "cmd") != 0 ||
      !find_device_index (self, levels[1], &index))
    return;

  generator = json_generator_new ();
  json_generator_set_root (generator, payload_node);
  payload = json_generator_to_data (generator, &length);

  reply = handle_command (self, g_ptr_array_index (self->devices, index), index, levels[3], payload, length, NULL);
  reply_topic = g_strconcat (self->root, "/", levels[1], "/cmd-response/", levels[3], NULL);
  ws_send (self, connection, reply_topic, reply);
}

/* A client that closed first was answered by libsoup already and stays in
 * the list until its socket is gone; closing it again is an error. */
static void
close_ws_client (SoupWebsocketConnection *connection)
{
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
}

static void
on_ws_closed (SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  MimicSimFleet *self = user_data;

  g_signal_handlers_disconnect_by_data (connection, self);
  g_ptr_array_remove (self->ws_clients, connection);
}

static void
on_ws_connected (SoupServer              *server,
                 SoupServerMessage       *msg,
                 const char              *path,
                 SoupWebsocketConnection *connection,
                 gpointer                 user_data)
{
  MimicSimFleet *self = user_data;

  if (self->ws_down || self->stopping)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  /* Commands are small; a megabyte stops a flood without refusing any
   * real request. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, 1024 * 1024);
  g_ptr_array_add (self->ws_clients, g_object_ref (connection));
  g_signal_connect (connection, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_ws_closed), self);

  for (guint i = 0; i < self->devices->len; i++)
    send_retained (self, g_ptr_array_index (self->devices, i), i, TRUE, connection);
}

/* libsoup 3.2's own listener (soup_server_listen()) keeps a reference to
 * every socket it accepts, so each client that ever connected would leak
 * its GSocket (fixed in libsoup 3.4). The fleet accepts connections itself
 * and hands each to the server, which then owns nothing more than the
 * stream it is given. */
static gboolean
on_ws_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                gpointer           user_data)
{
  MimicSimFleet *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  /* Commands and their replies are small frames: send them at once. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);

  if (self->server == NULL || local == NULL || remote == NULL ||
      !soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, &error))
    {
      g_debug ("Not serving a WebSocket client: %s",
               error != NULL ? error->message : "no server or no address");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }

  return TRUE;
}

guint
mimic_sim_fleet_listen_websocket (MimicSimFleet  *self,
                                  const char     *address,
                                  GError        **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocketAddress) effective_address = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 0);
  g_return_val_if_fail (address != NULL, 0);

  /* A port is required: without one the address would be looked up as a
   * host name. */
  if (strrchr (address, ':') != NULL)
    connectable = g_network_address_parse (address, 0, &local_error);
  if (connectable != NULL)
    {
      enumerator = g_socket_connectable_enumerate (connectable);
      socket_address = g_socket_address_enumerator_next (enumerator, NULL, &local_error);
    }
  if (socket_address == NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not HOST:PORT: %s"), address,
                   local_error != NULL ? local_error->message : _("no port"));
      return 0;
    }

  if (self->server == NULL)
    {
      self->server = soup_server_new ("server-header", "mimic-device", NULL);
      soup_server_add_websocket_handler (self->server, "/", NULL, NULL, on_ws_connected, self, NULL);
    }

  if (self->ws_service == NULL)
    {
      self->ws_service = g_socket_service_new ();
      g_signal_connect (self->ws_service, "incoming", G_CALLBACK (on_ws_incoming), self);
    }

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->ws_service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective_address, error))
    return 0;
  g_socket_service_start (self->ws_service);

  if (!G_IS_INET_SOCKET_ADDRESS (effective_address))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective_address));
}

/* MQTT: one client per device, driven from the main loop. */

/* A GSource on the client's socket whose conditions can change: it asks
 * for G_IO_OUT only while libmosquitto has bytes waiting. */
typedef struct
{
  GSource   source;
  SimLink  *link;
  gpointer  tag;
} LinkSource;

static gboolean link_io (SimLink      *link,
                         GIOCondition  condition);

static gboolean
link_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  LinkSource *link_source = (LinkSource *) source;

  return link_io (link_source->link, g_source_query_unix_fd (source, link_source->tag));
}

static GSourceFuncs link_source_funcs = {
  NULL, NULL, link_source_dispatch, NULL, NULL, NULL,
};

static void
link_update_watch (SimLink *link)
{
  GIOCondition condition = G_IO_IN | G_IO_HUP | G_IO_ERR;
  LinkSource *link_source = (LinkSource *) link->watch;

  gboolean want_write;

  if (link_source == NULL)
    return;
  want_write = mosquitto_want_write (link->mosq);
  if (want_write == link->watching_out)
    return;
  if (want_write)
    condition |= G_IO_OUT;
  g_source_modify_unix_fd (link->watch, link_source->tag, condition);
  link->watching_out = want_write;
}

static void
link_drop_watch (SimLink *link)
{
  if (link->watch != NULL)
    {
      g_source_destroy (link->watch);
      g_clear_pointer (&link->watch, g_source_unref);
    }
  link->fd = -1;
}

static gboolean
link_reconnect_cb (gpointer user_data)
{
  SimLink *link = user_data;

  link->reconnect_id = 0;
  link_connect (link);
  return G_SOURCE_REMOVE;
}

static void
link_schedule_reconnect (SimLink *link,
                         guint    delay_ms)
{
  if (link->stopping || link->reconnect_id != 0)
    return;
  /* A little jitter so a restarted broker is not hit by every device in
   * the same millisecond. */
  link->reconnect_id = g_timeout_add (delay_ms + g_random_int_range (0, 500), link_reconnect_cb, link);
}

static void
link_lost (SimLink *link)
{
  link->connected = FALSE;
  link_drop_watch (link);
  if (!link->stopping && !link->flapped)
    link_schedule_reconnect (link, RECONNECT_DELAY_MS);
}

static gboolean
link_io (SimLink      *link,
         GIOCondition  condition)
{
  int rc = MOSQ_ERR_SUCCESS;

  if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR))
    rc = mosquitto_loop_read (link->mosq, 16);
  if (rc == MOSQ_ERR_SUCCESS && (condition & G_IO_OUT))
    rc = mosquitto_loop_write (link->mosq, 16);

  if (rc != MOSQ_ERR_SUCCESS || mosquitto_socket (link->mosq) < 0)
    {
      /* link_lost destroys this very source, so it must not be removed
       * again by returning G_SOURCE_REMOVE. */
      link_lost (link);
      return G_SOURCE_CONTINUE;
    }

  link_update_watch (link);
  return G_SOURCE_CONTINUE;
}

static void
link_add_watch (SimLink *link)
{
  link_drop_watch (link);
  link->fd = mosquitto_socket (link->mosq);
  if (link->fd < 0)
    return;
  link->watch = g_source_new (&link_source_funcs, sizeof (LinkSource));
  ((LinkSource *) link->watch)->link = link;
  ((LinkSource *) link->watch)->tag = g_source_add_unix_fd (link->watch, link->fd,
                                                            G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_OUT);
  link->watching_out = TRUE;
  g_source_attach (link->watch, NULL);
}

static void
link_connect (SimLink *link)
{
  MimicSimFleet *self = link->fleet;
  int rc;

  if (link->stopping)
    return;

  mosquitto_int_option (link->mosq, MOSQ_OPT_PROTOCOL_VERSION, link->protocol);
  /* Loopback connects finish at once; a refused one is retried later. */
  rc = mosquitto_connect_bind_v5 (link->mosq, self->mqtt_host, self->mqtt_port, KEEPALIVE_S, NULL, NULL);
  if (rc != MOSQ_ERR_SUCCESS)
    {
      link_schedule_reconnect (link, RECONNECT_DELAY_MS);
      return;
    }
  link_add_watch (link);
}

static void
on_link_connect (struct mosquitto         *mosq,
                 void                     *user_data,
                 int                       reason,
                 int                       flags,
                 const mosquitto_property *props)
{
  SimLink *link = user_data;
  MimicSimFleet *self = link->fleet;

  if (reason != 0)
    {
      /* A broker that speaks only MQTT 3.1.1 refuses version 5. */
      if (link->protocol == MQTT_PROTOCOL_V5 &&
          (reason == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || reason == CONNACK_REFUSED_PROTOCOL_VERSION))
        link->protocol = MQTT_PROTOCOL_V311;
      g_debug ("Connection refused: %s", mosquitto_reason_string (reason));
      return;
    }

  link->connected = TRUE;
  for (guint index = link->first; index < link->first + link->n_devices; index++)
    {
      MimicSimDevice *device = g_ptr_array_index (self->devices, index);
      g_autofree char *filter = device_topic (self, device, "cmd/+");

      mosquitto_subscribe_v5 (mosq, NULL, filter, 1, 0, NULL);
      send_retained (self, device, index, TRUE, NULL);
    }
}

static void
on_link_message (struct mosquitto               *mosq,
                 void                           *user_data,
                 const struct mosquitto_message *message,
                 const mosquitto_property       *props)
{
  SimLink *link = user_data;
  MimicSimFleet *self = link->fleet;
  g_auto(GStrv) levels = g_strsplit (message->topic, "/", 0);
  g_autofree char *response_topic = NULL;
  g_autofree char *correlation_id = NULL;
  g_autofree char *reply = NULL;
  void *correlation = NULL;
  uint16_t correlation_length = 0;
  mosquitto_property *reply_props = NULL;
  MimicSimDevice *device;
  const char *name;
  guint index;

  /* ROOT/DEVICE/cmd/NAME, for a device this connection carries. */
  if (g_strv_length (levels) != 4 || strcmp (levels[0], self->root) != 0 || strcmp (levels[2], "cmd") != 0 ||
      levels[3][0] == '\0' || !find_device_index (self, levels[1], &index) ||
      index < link->first || index >= link->first + link->n_devices)
    return;
  device = g_ptr_array_index (self->devices, index);
  name = levels[3];

  mosquitto_property_read_string (props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false);
  if (mosquitto_property_read_binary (props, MQTT_PROP_CORRELATION_DATA, &correlation, &correlation_length, false) != NULL &&
      g_utf8_validate (correlation, correlation_length, NULL))
    correlation_id = g_strndup (correlation, correlation_length);

  reply = handle_command (self, device, index, name, message->payload, message->payloadlen, correlation_id);

  if (response_topic == NULL)
    response_topic = g_strconcat (self->root, "/", mimic_sim_device_get_id (device), "/cmd-response/", name, NULL);
  if (correlation != NULL)
    mosquitto_property_add_binary (&reply_props, MQTT_PROP_CORRELATION_DATA, correlation, correlation_length);

  mosquitto_publish_v5 (mosq, NULL, response_topic, strlen (reply), reply, 1, false, reply_props);
  mosquitto_property_free_all (&reply_props);
  free (correlation);
}

static void
on_link_publish (struct mosquitto         *mosq,
                 void                     *user_data,
                 int                       mid,
                 int                       reason,
                 const mosquitto_property *props)
{
  SimLink *link = user_data;

  if (link->goodbyes != NULL && g_hash_table_remove (link->goodbyes, GINT_TO_POINTER (mid)) &&
      g_hash_table_size (link->goodbyes) == 0)
    mosquitto_disconnect_v5 (mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
}

static SimLink *
link_new (MimicSimFleet *self,
          guint          first,
          guint          n_devices)
{
  SimLink *link = g_new0 (SimLink, 1);
  MimicSimDevice *device = g_ptr_array_index (self->devices, first);
  g_autofree char *client_id = g_strdup_printf ("mimic-device-%s-%d", mimic_sim_device_get_id (device), getpid ());
  g_autofree char *will_topic = device_topic (self, device, "status");
  static const char offline[] = "{\"online\":false}";

  link->fleet = self;
  link->first = first;
  link->n_devices = n_devices;
  link->fd = -1;
  link->protocol = MQTT_PROTOCOL_V5;
  link->mosq = mosquitto_new (client_id, true, link);
  /* MQTT has one Will per connection: only a connection of its own can
   * announce a device's death. Shared connections rely on the console's
   * staleness timeout when the process dies. */
  if (n_devices == 1)
    mosquitto_will_set_v5 (link->mosq, will_topic, strlen (offline), offline, 1, true, NULL);
  mosquitto_connect_v5_callback_set (link->mosq, on_link_connect);
  mosquitto_message_v5_callback_set (link->mosq, on_link_message);
  mosquitto_publish_v5_callback_set (link->mosq, on_link_publish);
  return link;
}

static void
link_free (SimLink *link)
{
  g_clear_pointer (&link->goodbyes, g_hash_table_unref);
  link_drop_watch (link);
  g_clear_handle_id (&link->reconnect_id, g_source_remove);
  mosquitto_destroy (link->mosq);
  g_free (link);
}

gboolean
mimic_sim_fleet_set_devices_per_connection (MimicSimFleet  *self,
                                            guint           n,
                                            GError        **error)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);

  if (n == 0 || self->links != NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("Devices per connection must be 1 or more, set before connecting"));
      return FALSE;
    }
  self->devices_per_connection = n;
  return TRUE;
}

gboolean
mimic_sim_fleet_connect_mqtt (MimicSimFleet  *self,
                              const char     *url,
                              GError        **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  struct rlimit limit;
  guint n_links;

  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "mqtt") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an mqtt://HOST:PORT address"), url);
      return FALSE;
    }
  if (self->links != NULL)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("The fleet is already connected to a broker"));
      return FALSE;
    }

  /* libmosquitto needs three descriptors per client (its socket and a
   * wake-up pair). */
  n_links = (self->devices->len + self->devices_per_connection - 1) / self->devices_per_connection;
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      3 * (rlim_t) n_links + 256 > limit.rlim_cur)
    {
      g_set_error (error, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                   _("%u MQTT connections need more file descriptors than the limit of %lu; "
                     "share connections with --devices-per-connection"),
                   n_links, (unsigned long) limit.rlim_cur);
      return FALSE;
    }

  mosquitto_lib_init ();
  g_free (self->mqtt_host);
  self->mqtt_host = g_strdup (g_uri_get_host (uri));
  self->mqtt_port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 1883;

  self->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  for (guint i = 0; i < self->devices->len; i += self->devices_per_connection)
    g_ptr_array_add (self->links, link_new (self, i, MIN (self->devices_per_connection, self->devices->len - i)));
  for (guint i = 0; i < self->links->len; i++)
    link_connect (g_ptr_array_index (self->links, i));

  return TRUE;
}

/* Closing a connection removes it from ws_clients: walk a copy. */
static GPtrArray *
copy_ws_clients (MimicSimFleet *self)
{
  GPtrArray *clients = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->ws_clients->len; i++)
    g_ptr_array_add (clients, g_object_ref (g_ptr_array_index (self->ws_clients, i)));
  return clients;
}

/* Network flaps: a device's link goes down as if its cable were pulled
 * (the broker publishes its Will) and comes back when the flap ends. */
static void
update_flaps (MimicSimFleet *self)
{
  double now = real_seconds (self);
  gboolean any_down = FALSE;

  for (guint i = 0; i < self->devices->len; i++)
    any_down |= mimic_sim_device_is_network_down (g_ptr_array_index (self->devices, i), now);

  /* A shared connection goes down with any of its devices. */
  for (guint l = 0; any_down && self->links != NULL && l < self->links->len; l++)
    {
      SimLink *link = g_ptr_array_index (self->links, l);
      gboolean down = FALSE;

      for (guint i = link->first; i < link->first + link->n_devices && !down; i++)
        down = mimic_sim_device_is_network_down (g_ptr_array_index (self->devices, i), now);

      if (down && !link->flapped)
        {
          link->flapped = TRUE;
          g_clear_handle_id (&link->reconnect_id, g_source_remove);
          if (link->connected)
            mosquitto_disconnect_v5 (link->mosq, MQTT_RC_DISCONNECT_WITH_WILL_MSG, NULL);
          link->connected = FALSE;
          link_drop_watch (link);
        }
    }
  for (guint l = 0; self->links != NULL && l < self->links->len; l++)
    {
      SimLink *link = g_ptr_array_index (self->links, l);
      gboolean down = FALSE;

      if (!link->flapped)
        continue;
      for (guint i = link->first; i < link->first + link->n_devices && !down; i++)
        down = mimic_sim_device_is_network_down (g_ptr_array_index (self->devices, i), now);
      if (!down)
        {
          link->flapped = FALSE;
          link_connect (link);
        }
    }

  if (any_down && !self->ws_down)
    {
      g_autoptr(GPtrArray) clients = copy_ws_clients (self);

      self->ws_down = TRUE;
      for (guint i = 0; i < clients->len; i++)
        close_ws_client (g_ptr_array_index (clients, i));
    }
  else if (!any_down)
    self->ws_down = FALSE;
}

/* The clock */

static void
publish_telemetry (MimicSimFleet *self,
                   guint          index)
{
  MimicSimDevice *device = g_ptr_array_index (self->devices, index);

  mimic_sim_device_advance (device, self->speed / self->rate_hz);
  g_string_truncate (self->message, 0);
  if (mimic_sim_device_write_telemetry (device, now_ms (), self->message))
    publish (self, device, index, "telemetry", self->message->str, FALSE);
  self->n_telemetry++;
}

static gboolean
tick_cb (gpointer user_data)
{
  MimicSimFleet *self = user_data;
  double elapsed = real_seconds (self);
  guint n = self->devices->len;
  guint64 due;

  run_scenario (self, elapsed * self->speed);
  /* A tenth of a second is fine enough for flaps. */
  if (++self->n_ticks % 10 == 0)
    update_flaps (self);

  if (n == 0)
    return G_SOURCE_CONTINUE;

  /* Device i of n publishes at (k + i / n) periods: spread evenly. */
  due = (guint64) floor (elapsed * self->rate_hz * n) + 1;
  if (due > self->n_due_done + MAX_BACKLOG_PERIODS * (guint64) n)
    {
      guint64 skipped = due - self->n_due_done - n;

      self->n_missed += skipped;
      self->n_due_done += skipped;
    }

  while (self->n_due_done < due)
    {
      publish_telemetry (self, self->n_due_done % n);
      self->n_due_done++;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
misc_cb (gpointer user_data)
{
  MimicSimFleet *self = user_data;

  /* Keep-alive pings and retries of unacknowledged QoS 1 messages. */
  for (guint i = 0; self->links != NULL && i < self->links->len; i++)
    {
      SimLink *link = g_ptr_array_index (self->links, i);

      if (link->watch != NULL)
        mosquitto_loop_misc (link->mosq);
    }
  return G_SOURCE_CONTINUE;
}

void
mimic_sim_fleet_start (MimicSimFleet *self)
{
  g_return_if_fail (MIMIC_IS_SIM_FLEET (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->start_us = g_get_monotonic_time ();
  /* The first devices start at once; flaps and scenario events at 0 too. */
  run_scenario (self, 0.0);
  self->timer_id = g_timeout_add (TIMER_INTERVAL_MS, tick_cb, self);
  self->misc_id = g_timeout_add (MISC_INTERVAL_MS, misc_cb, self);
}

guint64
mimic_sim_fleet_get_n_telemetry (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 0);

  return self->n_telemetry;
}

guint64
mimic_sim_fleet_get_n_ticks_missed (MimicSimFleet *self)
{
  g_return_val_if_fail (MIMIC_IS_SIM_FLEET (self), 0);

  return self->n_missed;
}

/* Stopping */

static gboolean
stop_poll_cb (gpointer user_data)
{
  MimicSimFleet *self = user_data;
  gboolean pending = FALSE;

  for (guint i = 0; self->links != NULL && i < self->links->len; i++)
    {
      SimLink *link = g_ptr_array_index (self->links, i);

      if (link->watch != NULL)
        pending = TRUE;
    }

  if (pending && g_get_monotonic_time () < self->stop_deadline_us)
    return G_SOURCE_CONTINUE;

  self->stop_poll_id = 0;
  if (self->stop_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->stop_task);

      g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

void
mimic_sim_fleet_stop_async (MimicSimFleet       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) clients = NULL;

  g_return_if_fail (MIMIC_IS_SIM_FLEET (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_sim_fleet_stop_async);

  if (self->stopping)
    {
      g_task_return_new_error (task, MIMIC_SIM_ERROR, MIMIC_SIM_ERROR_INVALID_ARGUMENT,
                               _("The fleet is already stopping"));
      return;
    }
  self->stopping = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);

  /* Offline first, retained, then a normal DISCONNECT once the broker has
   * them all: it keeps the offline status and drops the Will. */
  for (guint l = 0; self->links != NULL && l < self->links->len; l++)
    {
      SimLink *link = g_ptr_array_index (self->links, l);

      link->stopping = TRUE;
      g_clear_handle_id (&link->reconnect_id, g_source_remove);
      if (!link->connected)
        {
          link_drop_watch (link);
          continue;
        }

      link->goodbyes = g_hash_table_new (NULL, NULL);
      for (guint i = link->first; i < link->first + link->n_devices; i++)
        {
          MimicSimDevice *device = g_ptr_array_index (self->devices, i);
          g_autofree char *topic = device_topic (self, device, "status");
          int mid = 0;

          g_string_truncate (self->message, 0);
          mimic_sim_device_write_status (device, FALSE, now_ms (), self->message);
          if (mosquitto_publish_v5 (link->mosq, &mid, topic, self->message->len, self->message->str,
                                    1, true, NULL) == MOSQ_ERR_SUCCESS)
            g_hash_table_add (link->goodbyes, GINT_TO_POINTER (mid));
        }
      if (g_hash_table_size (link->goodbyes) == 0)
        mosquitto_disconnect_v5 (link->mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
      link_update_watch (link);
    }

  for (guint i = 0; i < self->devices->len; i++)
    {
      MimicSimDevice *device = g_ptr_array_index (self->devices, i);
      g_autofree char *topic = device_topic (self, device, "status");

      g_string_truncate (self->message, 0);
      mimic_sim_device_write_status (device, FALSE, now_ms (), self->message);
      ws_broadcast (self, topic, self->message->str);
    }

  clients = copy_ws_clients (self);
  for (guint i = 0; i < clients->len; i++)
    close_ws_client (g_ptr_array_index (clients, i));

  self->stop_task = g_steal_pointer (&task);
  self->stop_deadline_us = g_get_monotonic_time () + STOP_TIMEOUT_MS * 1000;
  self->stop_poll_id = g_timeout_add (10, stop_poll_cb, self);
}

gboolean
mimic_sim_fleet_stop_finish (MimicSimFleet  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
