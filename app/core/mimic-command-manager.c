/* mimic-command-manager.c
 *
 * All state lives in the manager's main context. The feed hands replies
 * and births over on its own thread; they are parsed right there (off
 * the main loop) and only the result is posted to the main context,
 * where the command's state machine takes the first outcome and ignores
 * every later one.
 *
 * A console may watch several sources at once. Each command goes out on
 * the feed that the device's own data came from (the twin device knows
 * its source), never simply on the first feed that can carry commands: a
 * device behind one broker is not subscribed on another.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-command"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-command-manager.h"
#include "mimic-command-private.h"
#include "mimic-json.h"

/* Longest id accepted from a reply; ours are 36-character UUIDs. */
#define MAX_REPLY_ID 128

G_DEFINE_QUARK (mimic-command-error-quark, mimic_command_error)

typedef struct
{
  char   *operator_name;
  char   *command;
  char   *arguments_json;
  gint64  expires_us;        /* monotonic */
} Selection;

/* A command between validation and its outcome. */
typedef struct
{
  MimicCommand *command;
  char         *payload;
  guint         expiry_s;
  MimicFeed    *feed;        /* where it went out */
  GSource      *timeout;
  /* The link dropped while it waited: a deduplicating device gets it
   * once more when it is seen again. */
  gboolean      resend_due;
} Pending;

/* A feed commands can go out on, and the handler watching its state. */
typedef struct
{
  MimicFeed *feed;
  gulong     state_handler;
} FeedLink;

struct _MimicCommandManager
{
  GObject             parent_instance;

  GPtrArray          *feeds;         /* FeedLink, in the order added */
  MimicTwinStore     *store;
  MimicAssetRegistry *registry;
  MimicAuditLog      *audit_log;
  GMainContext       *context;

  char               *operator_name;
  gboolean            view_only;
  double              select_timeout_s;

  GListStore         *commands;      /* MimicCommand, oldest first */
  GHashTable         *pending;       /* id → Pending */
  GHashTable         *selections;    /* device id → Selection */
  GHashTable         *deduplicates;  /* device id → GINT_TO_POINTER (TRUE/FALSE) */
  /* Devices whose source lost its link, not seen since (no birth on the
   * new link): the broker may not know them yet (see unconfirm_devices()). */
  GHashTable         *unconfirmed;   /* device id set */

  guint64             n_malformed;   /* atomic: counted on the feed's thread too */
  guint64             n_unmatched;
  guint64             n_late;
  guint64             n_resent;
};

G_DEFINE_FINAL_TYPE (MimicCommandManager, mimic_command_manager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OPERATOR_NAME,
  PROP_VIEW_ONLY,
  PROP_SELECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
selection_free (gpointer data)
{
  Selection *selection = data;

  g_free (selection->operator_name);
  g_free (selection->command);
  g_free (selection->arguments_json);
  g_free (selection);
}

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  if (pending->timeout != NULL)
    {
      g_source_destroy (pending->timeout);
      g_source_unref (pending->timeout);
    }
  g_object_unref (pending->command);
  g_clear_object (&pending->feed);
  g_free (pending->payload);
  g_free (pending);
}

/* Replies and births, as parsed on the feed's thread */

typedef enum
{
  EVENT_REPLY,
  EVENT_BIRTH,
} EventKind;

typedef struct
{
  GWeakRef           manager;
  EventKind          kind;
  char              *id;
  char              *topic_device;    /* NULL when the topic names none (our own response topic) */
  char              *topic_command;
  MimicCommandState  outcome;
  char              *reason;
  gboolean           deduplicates;
} Event;

static void
event_free (gpointer data)
{
  Event *event = data;

  g_weak_ref_clear (&event->manager);
  g_free (event->id);
  g_free (event->topic_device);
  g_free (event->topic_command);
  g_free (event->reason);
  g_free (event);
}

static void write_outcome (MimicCommandManager *self,
                           MimicCommand        *command);
static void resend_after_reconnect (MimicCommandManager *self,
                                    const char          *device_id);

static void
finish_command (MimicCommandManager *self,
                MimicCommand        *command,
                MimicCommandState    state,
                const char          *reason)
{
  /* Holds the command while removing it from the pending table. */
  g_autoptr(MimicCommand) keep G_GNUC_UNUSED = g_object_ref (command);

  if (!mimic_command_finish (command, state, reason))
    return;

  g_debug ("%s %s on %s: %s%s%s", mimic_command_get_id (command), mimic_command_get_name (command),
           mimic_command_get_device_id (command), mimic_command_state_to_string (state),
           reason != NULL ? ": " : "", reason != NULL ? reason : "");
  g_hash_table_remove (self->pending, mimic_command_get_id (command));
  write_outcome (self, command);
}

static gboolean
dispatch_event (gpointer data)
{
  Event *event = data;
  g_autoptr(MimicCommandManager) self = g_weak_ref_get (&event->manager);
  MimicCommand *command;
  Pending *pending;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (event->kind == EVENT_BIRTH)
    {
      g_hash_table_replace (self->deduplicates, g_strdup (event->topic_device),
                            GINT_TO_POINTER (event->deduplicates));
      g_hash_table_remove (self->unconfirmed, event->topic_device);
      resend_after_reconnect (self, event->topic_device);
      return G_SOURCE_REMOVE;
    }

  pending = g_hash_table_lookup (self->pending, event->id);
  command = pending != NULL ? pending->command : mimic_command_manager_lookup (self, event->id);
  if (command == NULL)
    {
      self->n_unmatched++;
      g_debug ("A reply for the unknown command %s", event->id);
      return G_SOURCE_REMOVE;
    }

  /* A reply must come from the device the command went to: an id
   * echoed by another device never completes this command. */
  if ((event->topic_device != NULL && strcmp (event->topic_device, mimic_command_get_device_id (command)) != 0) ||
      (event->topic_command != NULL && strcmp (event->topic_command, mimic_command_get_name (command)) != 0))
    {
      self->n_unmatched++;
      g_debug ("A reply for %s came from %s/%s", event->id, event->topic_device, event->topic_command);
      return G_SOURCE_REMOVE;
    }

  if (pending == NULL || mimic_command_get_state (command) != MIMIC_COMMAND_STATE_SENT)
    {
      self->n_late++;
      return G_SOURCE_REMOVE;
    }

  finish_command (self, command, event->outcome, event->reason);
  return G_SOURCE_REMOVE;
}

static void
post_event (MimicCommandManager *self,
            Event               *event)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_weak_ref_init (&event->manager, self);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, dispatch_event, event, event_free);
  g_source_set_static_name (source, "[mimic] command reply");
  g_source_attach (source, self->context);
}

static void
count_malformed (MimicCommandManager *self,
                 const char          *topic,
                 const char          *why)
{
  g_atomic_pointer_add (&self->n_malformed, 1);
  g_debug ("Refused a reply on %s: %s", topic, why);
}

static JsonObject *
parse_object (const guint8 *payload,
              gsize         length,
              JsonParser   *parser)
{
  JsonNode *root;

  if (length == 0 || length > MIMIC_COMMAND_MAX_PAYLOAD ||
      !mimic_json_parser_load_from_data (parser, (const char *) payload, (gssize) length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
handle_birth (MimicCommandManager *self,
              char               **levels,
              const guint8        *payload,
              gsize                length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *birth = parse_object (payload, length, parser);
  JsonNode *capabilities, *flag;
  Event *event;

  if (birth == NULL)
    return;   /* the decoder counts it */

  event = g_new0 (Event, 1);
  event->kind = EVENT_BIRTH;
  event->topic_device = g_strdup (levels[1]);
  capabilities = json_object_get_member (birth, "capabilities");
  /* {"deduplicates_commands": true, ...} or ["deduplicates_commands", ...] */
  if (capabilities != NULL && JSON_NODE_HOLDS_OBJECT (capabilities))
    {
      flag = json_object_get_member (json_node_get_object (capabilities), "deduplicates_commands");
      event->deduplicates = flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
                            json_node_get_value_type (flag) == G_TYPE_BOOLEAN && json_node_get_boolean (flag);
    }
  else if (capabilities != NULL && JSON_NODE_HOLDS_ARRAY (capabilities))
    {
      JsonArray *list = json_node_get_array (capabilities);

      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          flag = json_array_get_element (list, i);
          if (JSON_NODE_HOLDS_VALUE (flag) && json_node_get_value_type (flag) == G_TYPE_STRING &&
              strcmp (json_node_get_string (flag), "deduplicates_commands") == 0)
            event->deduplicates = TRUE;
        }
    }
  post_event (self, event);
}

static void
on_command_message (MimicFeed    *feed,
                    const char   *topic,
                    const guint8 *payload,
                    gsize         length,
                    const guint8 *correlation,
                    gsize         correlation_length,
                    gpointer      user_data)
{
  MimicCommandManager *self = user_data;
  g_autoptr(JsonParser) parser = NULL;
  g_auto(GStrv) levels = g_strsplit (topic, "/", 5);
  g_autofree char *correlation_id = NULL;
  JsonObject *reply;
  const char *id, *status, *reason;
  Event *event;
  guint n_levels = g_strv_length (levels);

  if (n_levels == 3 && strcmp (levels[2], "birth") == 0)
    {
      handle_birth (self, levels, payload, length);
      return;
    }

  parser = json_parser_new_immutable ();
  reply = parse_object (payload, length, parser);
  if (reply == NULL)
    {
      count_malformed (self, topic, "not a JSON object of a sane size");
      return;
    }

  if (correlation != NULL && correlation_length > 0)
    {
      if (correlation_length > MAX_REPLY_ID || !g_utf8_validate ((const char *) correlation, correlation_length, NULL))
        {
          count_malformed (self, topic, "unusable correlation data");
          return;
        }
      correlation_id = g_strndup ((const char *) correlation, correlation_length);
    }

  id = string_member (reply, "id");
  if (id != NULL && (strlen (id) > MAX_REPLY_ID || !g_utf8_validate (id, -1, NULL)))
    id = NULL;
  if (id == NULL && correlation_id == NULL)
    {
      count_malformed (self, topic, "no id");
      return;
    }
  if (id != NULL && correlation_id != NULL && strcmp (id, correlation_id) != 0)
    {
      count_malformed (self, topic, "the id and the correlation data differ");
      return;
    }

  event = g_new0 (Event, 1);
  event->kind = EVENT_REPLY;
  event->id = g_strdup (correlation_id != NULL ? correlation_id : id);
  status = string_member (reply, "status");
  reason = string_member (reply, "reason");
  if (g_strcmp0 (status, "acked") == 0 || g_strcmp0 (status, "acknowledged") == 0)
    event->outcome = MIMIC_COMMAND_STATE_ACKNOWLEDGED;
  else if (g_strcmp0 (status, "rejected") == 0)
    event->outcome = MIMIC_COMMAND_STATE_REJECTED;
  else if (g_strcmp0 (status, "expired") == 0)
    event->outcome = MIMIC_COMMAND_STATE_EXPIRED;
  else
    {
      event_free (event);
      count_malformed (self, topic, "unknown status");
      return;
    }
  if (reason != NULL)
    event->reason = g_utf8_make_valid (reason, MIN (strlen (reason), MIMIC_COMMAND_MAX_STRING));
  else if (event->outcome == MIMIC_COMMAND_STATE_REJECTED)
    event->reason = g_strdup (_("The device gave no reason"));

  /* ROOT/DEVICE/cmd-response/NAME names the device and command; our own
   * MQTT 5 response topic (ROOT/TOKEN/cmd-response) names neither. */
  if (n_levels == 4)
    {
      event->topic_device = g_strdup (levels[1]);
      event->topic_command = g_strdup (levels[3]);
    }
  post_event (self, event);
}

/* Audit */

typedef struct
{
  GWeakRef      manager;
  MimicCommand *command;
} AuditCall;

static void
audit_call_free (AuditCall *call)
{
  g_weak_ref_clear (&call->manager);
  g_object_unref (call->command);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuditCall, audit_call_free)

static AuditCall *
audit_call_new (MimicCommandManager *self,
                MimicCommand        *command)
{
  AuditCall *call = g_new0 (AuditCall, 1);

  g_weak_ref_init (&call->manager, self);
  call->command = g_object_ref (command);
  return call;
}

static void
outcome_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(AuditCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommandManager) self = g_weak_ref_get (&call->manager);

  if (self != NULL && !mimic_audit_log_record_outcome_finish (self->audit_log, result, &error))
    g_warning ("The outcome of command %s is not in the audit log: %s",
               mimic_command_get_id (call->command), error->message);
}

static void
write_outcome (MimicCommandManager *self,
               MimicCommand        *command)
{
  mimic_audit_log_record_outcome_async (self->audit_log, mimic_command_get_id (command),
                                        mimic_command_state_to_string (mimic_command_get_state (command)),
                                        mimic_command_get_reason (command), g_get_real_time (), NULL,
                                        outcome_written, audit_call_new (self, command));
}

static gboolean
on_command_timeout (gpointer user_data)
{
  MimicCommandManager *self = MIMIC_COMMAND_MANAGER (user_data);
  GSource *source = g_main_current_source ();
  MimicCommand *command = NULL;
  GHashTableIter iter;
  Pending *pending;
  MimicTwinDevice *device;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      if (pending->timeout == source)
        {
          command = pending->command;
          g_clear_pointer (&pending->timeout, g_source_unref);
          break;
        }
    }
  if (command == NULL)
    return G_SOURCE_REMOVE;

  /* The request carried that expiry: a device that went away meanwhile
   * never got it, and the broker has dropped it by now. */
  device = mimic_twin_store_lookup (self->store, mimic_command_get_device_id (command));
  if (device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_OFFLINE)
    finish_command (self, command, MIMIC_COMMAND_STATE_EXPIRED,
                    _("The device went offline; the command expired before it was delivered"));
  else
    finish_command (self, command, MIMIC_COMMAND_STATE_TIMED_OUT,
                    _("The device did not reply in time"));
  return G_SOURCE_REMOVE;
}

static void
start_timer (MimicCommandManager *self,
             Pending             *pending)
{
  double timeout_s = mimic_command_get_timeout (pending->command);

  pending->timeout = g_timeout_source_new ((guint) MAX (1.0, ceil (timeout_s * 1000.0)));
  g_source_set_callback (pending->timeout, on_command_timeout, self, NULL);
  g_source_set_static_name (pending->timeout, "[mimic] command timeout");
  g_source_attach (pending->timeout, self->context);
}

static void
recorded (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(AuditCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicCommandManager) self = g_weak_ref_get (&call->manager);
  MimicCommand *command = call->command;
  Pending *pending;

  if (self == NULL)
    {
      /* The manager went away before the row was durable: never send. */
      mimic_command_finish (command, MIMIC_COMMAND_STATE_CANCELLED, NULL);
      return;
    }

  if (!mimic_audit_log_record_finish (self->audit_log, result, &error))
    {
      g_autofree char *reason = g_strdup_printf (_("Not sent: %s"), error->message);

      /* Not in the log, so it never leaves; there is no row to update. */
      g_hash_table_remove (self->pending, mimic_command_get_id (command));
      mimic_command_finish (command, MIMIC_COMMAND_STATE_REJECTED, reason);
      return;
    }

  /* Cancelled while the row was being written: the outcome row says so. */
  if (mimic_command_is_finished (command))
    {
      write_outcome (self, command);
      return;
    }

  pending = g_hash_table_lookup (self->pending, mimic_command_get_id (command));
  if (pending == NULL)
    {
      finish_command (self, command, MIMIC_COMMAND_STATE_CANCELLED, NULL);
      return;
    }
  if (!mimic_feed_send_command (pending->feed, mimic_command_get_device_id (command), mimic_command_get_name (command),
                                pending->payload, mimic_command_get_id (command), pending->expiry_s, &error))
    {
      g_autofree char *reason = g_strdup_printf (_("Not sent: %s"), error->message);

      finish_command (self, command, MIMIC_COMMAND_STATE_REJECTED, reason);
      return;
    }

  mimic_command_mark_sent (command);
  start_timer (self, pending);
}

/* Routing */

static MimicFeed *
feed_for_device (MimicCommandManager *self,
                 const char          *device_id)
{
  MimicTwinDevice *device = mimic_twin_store_lookup (self->store, device_id);
  const char *source_id = device != NULL ? mimic_twin_device_get_source_id (device) : NULL;
  MimicFeed *found = NULL;

  if (source_id == NULL)
    {
      if (self->feeds->len == 1)
        return ((FeedLink *) g_ptr_array_index (self->feeds, 0))->feed;
      return NULL;
    }

  /* Two feeds may share an id (the same URL twice): the connected one. */
  for (guint i = 0; i < self->feeds->len; i++)
    {
      MimicFeed *feed = ((FeedLink *) g_ptr_array_index (self->feeds, i))->feed;

      if (g_strcmp0 (mimic_feed_get_id (feed), source_id) != 0)
        continue;
      if (mimic_feed_get_state (feed) == MIMIC_FEED_STATE_CONNECTED)
        return feed;
      if (found == NULL)
        found = feed;
    }
  return found;
}

/* Reconnects */

/* A birth after the link came back means the device is subscribed again
 * (its retained birth, or a new one from its own reconnect). Sending at
 * the feed's reconnect instead would reach a broker that has not seen the
 * device again yet, after a broker restart, and be lost. */
static void
resend_after_reconnect (MimicCommandManager *self,
                        const char          *device_id)
{
  GHashTableIter iter;
  Pending *pending;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      MimicCommand *command = pending->command;
      g_autoptr(GError) error = NULL;

      if (!pending->resend_due || strcmp (mimic_command_get_device_id (command), device_id) != 0)
        continue;
      /* At most once per lost link, whatever the device says later. */
      pending->resend_due = FALSE;

      /* Without deduplication a repeat could run twice: such a command
       * keeps waiting and times out if its first copy was lost. */
      if (mimic_command_get_state (command) != MIMIC_COMMAND_STATE_SENT ||
          !mimic_command_manager_get_device_deduplicates (self, device_id))
        continue;

      if (mimic_feed_send_command (pending->feed, device_id, mimic_command_get_name (command),
                                   pending->payload, mimic_command_get_id (command), pending->expiry_s, &error))
        self->n_resent++;
      else
        g_debug ("Could not send %s again: %s", mimic_command_get_id (command), error->message);
    }
}

/* Once a link is lost, whether its devices can be reached is not known
 * until each is seen again: the console is often back before them (after
 * a broker restart the broker has forgotten their subscriptions until
 * they reconnect), and their presence in the twin may still say online,
 * as the broker need not publish their Wills when it goes. A command sent
 * in between would be lost and time out, so it is refused until the
 * device's birth comes on the new link (retained, or sent when it
 * reconnects). */
static void
unconfirm_devices (MimicCommandManager *self,
                   MimicFeed           *feed)
{
  GHashTableIter iter;
  const char *device_id;

  /* The devices that sent a birth are those commands can go to. */
  g_hash_table_iter_init (&iter, self->deduplicates);
  while (g_hash_table_iter_next (&iter, (gpointer *) &device_id, NULL))
    {
      MimicFeed *device_feed = feed_for_device (self, device_id);

      if (device_feed == NULL || device_feed == feed)
        g_hash_table_add (self->unconfirmed, g_strdup (device_id));
    }
}

static void
on_feed_state (MimicFeed           *feed,
               GParamSpec          *pspec,
               MimicCommandManager *self)
{
  GHashTableIter iter;
  Pending *pending;
  const char *device_id;

  if (mimic_feed_get_state (feed) == MIMIC_FEED_STATE_CONNECTED)
    return;

  unconfirm_devices (self, feed);

  /* A selection is a promise about the link to the device; it does not
   * survive losing that link. Devices of the other sources keep theirs. */
  g_hash_table_iter_init (&iter, self->selections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &device_id, NULL))
    {
      MimicFeed *device_feed = feed_for_device (self, device_id);

      if (device_feed == NULL || device_feed == feed)
        g_hash_table_iter_remove (&iter);
    }

  /* The copy on its way may be lost with the link (the feed drops it
   * rather than have libmosquitto repeat it on its own). */
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    if (pending->feed == feed && mimic_command_get_state (pending->command) == MIMIC_COMMAND_STATE_SENT)
      pending->resend_due = TRUE;
}

static void
feed_link_free (gpointer data)
{
  FeedLink *link = data;

  /* Removing the handler waits for a call in progress. */
  mimic_feed_set_command_message_handler (link->feed, NULL, NULL, NULL);
  g_clear_signal_handler (&link->state_handler, link->feed);
  g_object_unref (link->feed);
  g_free (link);
}

static FeedLink *
find_link (MimicCommandManager *self,
           MimicFeed           *feed,
           guint               *index)
{
  for (guint i = 0; self->feeds != NULL && i < self->feeds->len; i++)
    {
      FeedLink *link = g_ptr_array_index (self->feeds, i);

      if (link->feed == feed)
        {
          if (index != NULL)
            *index = i;
          return link;
        }
    }
  return NULL;
}

/**
 * mimic_command_manager_add_feed:
 *
 * Lets commands go out on @feed, to the devices whose data comes from it
 * (whose mimic_twin_device_get_source_id() is @feed's id), and takes the
 * replies and births it receives. A feed that cannot carry commands (a
 * replay) is ignored; adding a feed twice changes nothing.
 */
void
mimic_command_manager_add_feed (MimicCommandManager *self,
                                MimicFeed           *feed)
{
  FeedLink *link;

  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));
  g_return_if_fail (MIMIC_IS_FEED (feed));

  if (find_link (self, feed, NULL) != NULL || !mimic_feed_can_send_commands (feed))
    return;

  link = g_new0 (FeedLink, 1);
  link->feed = g_object_ref (feed);
  /* No reference for the handler: removing it (feed_link_free) waits for
   * a call in progress. */
  mimic_feed_set_command_message_handler (feed, on_command_message, self, NULL);
  link->state_handler = g_signal_connect (feed, "notify::state", G_CALLBACK (on_feed_state), self);
  g_ptr_array_add (self->feeds, link);
}

/**
 * mimic_command_manager_remove_feed:
 *
 * Stops using @feed (a source the console no longer watches): its
 * devices' selections end, and no command goes out on it any more.
 * Commands already sent on it keep waiting for their outcome.
 */
void
mimic_command_manager_remove_feed (MimicCommandManager *self,
                                   MimicFeed           *feed)
{
  GHashTableIter iter;
  const char *device_id;
  guint index;

  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));
  g_return_if_fail (MIMIC_IS_FEED (feed));

  if (find_link (self, feed, &index) == NULL)
    return;

  g_hash_table_iter_init (&iter, self->selections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &device_id, NULL))
    if (feed_for_device (self, device_id) == feed)
      g_hash_table_iter_remove (&iter);
  g_ptr_array_remove_index (self->feeds, index);
}

/**
 * mimic_command_manager_get_feed_for_device:
 *
 * The feed a command for @device_id would go out on: the one whose id is
 * the source the device's data came from. A device whose data came with
 * no source (applied by hand, as tests do) goes to the only feed when
 * there is exactly one.
 *
 * Returns: (transfer none) (nullable): the feed, or %NULL when none of
 *   the manager's feeds leads to the device.
 */
MimicFeed *
mimic_command_manager_get_feed_for_device (MimicCommandManager *self,
                                           const char          *device_id)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  return feed_for_device (self, device_id);
}

/* GObject */

static void
mimic_command_manager_dispose (GObject *object)
{
  MimicCommandManager *self = MIMIC_COMMAND_MANAGER (object);

  if (self->feeds != NULL)
    g_ptr_array_set_size (self->feeds, 0);
  /* Commands still waiting end here; their rows keep no outcome, like
   * after a crash. */
  if (self->pending != NULL)
    g_hash_table_remove_all (self->pending);

  g_clear_object (&self->store);
  g_clear_object (&self->registry);
  if (self->audit_log != NULL)
    mimic_audit_log_flush (self->audit_log);
  g_clear_object (&self->audit_log);

  G_OBJECT_CLASS (mimic_command_manager_parent_class)->dispose (object);
}

static void
mimic_command_manager_finalize (GObject *object)
{
  MimicCommandManager *self = MIMIC_COMMAND_MANAGER (object);

  g_free (self->operator_name);
  g_clear_object (&self->commands);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->selections, g_hash_table_unref);
  g_clear_pointer (&self->deduplicates, g_hash_table_unref);
  g_clear_pointer (&self->unconfirmed, g_hash_table_unref);
  g_clear_pointer (&self->feeds, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (mimic_command_manager_parent_class)->finalize (object);
}

static void
mimic_command_manager_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  MimicCommandManager *self = MIMIC_COMMAND_MANAGER (object);

  switch (prop_id)
    {
    case PROP_OPERATOR_NAME:
      g_value_set_string (value, self->operator_name);
      break;
    case PROP_VIEW_ONLY:
      g_value_set_boolean (value, self->view_only);
      break;
    case PROP_SELECT_TIMEOUT:
      g_value_set_double (value, self->select_timeout_s);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_command_manager_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  MimicCommandManager *self = MIMIC_COMMAND_MANAGER (object);

  switch (prop_id)
    {
    case PROP_OPERATOR_NAME:
      mimic_command_manager_set_operator_name (self, g_value_get_string (value));
      break;
    case PROP_VIEW_ONLY:
      mimic_command_manager_set_view_only (self, g_value_get_boolean (value));
      break;
    case PROP_SELECT_TIMEOUT:
      mimic_command_manager_set_select_timeout (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_command_manager_class_init (MimicCommandManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mimic_command_manager_dispose;
  object_class->finalize = mimic_command_manager_finalize;
  object_class->get_property = mimic_command_manager_get_property;
  object_class->set_property = mimic_command_manager_set_property;

  properties[PROP_OPERATOR_NAME] = g_param_spec_string ("operator-name", NULL, NULL, NULL, flags);
  properties[PROP_VIEW_ONLY] = g_param_spec_boolean ("view-only", NULL, NULL, FALSE, flags);
  properties[PROP_SELECT_TIMEOUT] = g_param_spec_double ("select-timeout", NULL, NULL, 0.001, 3600.0,
                                                         MIMIC_COMMAND_DEFAULT_SELECT_TIMEOUT_S, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_command_manager_init (MimicCommandManager *self)
{
  self->operator_name = g_strdup (g_get_user_name ());
  self->select_timeout_s = MIMIC_COMMAND_DEFAULT_SELECT_TIMEOUT_S;
  self->commands = g_list_store_new (MIMIC_TYPE_COMMAND);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
  self->selections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, selection_free);
  self->deduplicates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unconfirmed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->feeds = g_ptr_array_new_with_free_func (feed_link_free);
  self->context = g_main_context_ref_thread_default ();
}

MimicCommandManager *
mimic_command_manager_new (MimicFeed          *feed,
                           MimicTwinStore     *store,
                           MimicAssetRegistry *registry,
                           MimicAuditLog      *audit_log)
{
  MimicCommandManager *self;

  g_return_val_if_fail (feed == NULL || MIMIC_IS_FEED (feed), NULL);
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (store), NULL);
  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (registry), NULL);
  g_return_val_if_fail (MIMIC_IS_AUDIT_LOG (audit_log), NULL);

  self = g_object_new (MIMIC_TYPE_COMMAND_MANAGER, NULL);
  self->store = g_object_ref (store);
  self->registry = g_object_ref (registry);
  self->audit_log = g_object_ref (audit_log);
  if (feed != NULL)
    mimic_command_manager_add_feed (self, feed);
  return self;
}

const char *
mimic_command_manager_get_operator_name (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  return self->operator_name;
}

void
mimic_command_manager_set_operator_name (MimicCommandManager *self,
                                         const char          *operator_name)
{
  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));

  if (operator_name == NULL || operator_name[0] == '\0')
    operator_name = g_get_user_name ();
  if (g_strcmp0 (self->operator_name, operator_name) == 0)
    return;
  g_free (self->operator_name);
  self->operator_name = g_strdup (operator_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPERATOR_NAME]);
}

gboolean
mimic_command_manager_get_view_only (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), TRUE);
  return self->view_only;
}

void
mimic_command_manager_set_view_only (MimicCommandManager *self,
                                     gboolean             view_only)
{
  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));

  view_only = !!view_only;
  if (self->view_only == view_only)
    return;
  self->view_only = view_only;
  if (view_only)
    g_hash_table_remove_all (self->selections);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW_ONLY]);
}

double
mimic_command_manager_get_select_timeout (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), 0);
  return self->select_timeout_s;
}

void
mimic_command_manager_set_select_timeout (MimicCommandManager *self,
                                          double               timeout_s)
{
  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));
  g_return_if_fail (timeout_s > 0 && timeout_s <= 3600.0);

  if (self->select_timeout_s == timeout_s)
    return;
  self->select_timeout_s = timeout_s;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECT_TIMEOUT]);
}

GListModel *
mimic_command_manager_get_commands (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  return G_LIST_MODEL (self->commands);
}

MimicCommand *
mimic_command_manager_lookup (MimicCommandManager *self,
                              const char          *id)
{
  Pending *pending;
  guint n;

  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  pending = g_hash_table_lookup (self->pending, id);
  if (pending != NULL)
    return pending->command;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->commands));
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(MimicCommand) command = g_list_model_get_item (G_LIST_MODEL (self->commands), i - 1);

      if (strcmp (mimic_command_get_id (command), id) == 0)
        return command;   /* the store holds a reference */
    }
  return NULL;
}

gboolean
mimic_command_manager_get_device_deduplicates (MimicCommandManager *self,
                                               const char          *device_id)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);

  return GPOINTER_TO_INT (g_hash_table_lookup (self->deduplicates, device_id));
}

guint64
mimic_command_manager_get_n_malformed_replies (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), 0);
  return (guint64) g_atomic_pointer_get (&self->n_malformed);
}

guint64
mimic_command_manager_get_n_unmatched_replies (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), 0);
  return self->n_unmatched;
}

guint64
mimic_command_manager_get_n_late_replies (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), 0);
  return self->n_late;
}

guint64
mimic_command_manager_get_n_resent (MimicCommandManager *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), 0);
  return self->n_resent;
}

void
mimic_command_manager_flush_audit_log (MimicCommandManager *self)
{
  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));
  mimic_audit_log_flush (self->audit_log);
}

/* Validation */

const MimicAssetCommand *
mimic_command_manager_lookup_description (MimicCommandManager  *self,
                                          const char           *device_id,
                                          const char           *command,
                                          GError              **error)
{
  MimicTwinDevice *device;
  MimicAsset *asset;
  const char *asset_type;
  const MimicAssetCommand *description;

  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  g_return_val_if_fail (device_id != NULL && command != NULL, NULL);

  device = mimic_twin_store_lookup (self->store, device_id);
  if (device == NULL)
    {
      /* Names from a command line need not be UTF-8. */
      g_autofree char *quoted = mimic_json_text_for_message (device_id, -1);

      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_DEVICE,
                   _("The device “%s” is not known"), quoted);
      return NULL;
    }
  asset_type = mimic_twin_device_get_asset_type (device);
  asset = asset_type != NULL ? mimic_asset_registry_lookup (self->registry, asset_type) : NULL;
  if (asset == NULL)
    {
      /* The type is what the device's birth message said. */
      g_autofree char *quoted = mimic_json_text_for_message (asset_type != NULL ? asset_type : "?", -1);

      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_ASSET,
                   _("There is no asset description for the device “%s” (type “%s”)"),
                   device_id, quoted);
      return NULL;
    }
  description = mimic_asset_get_command (asset, command);
  if (description == NULL)
    {
      g_autofree char *quoted = mimic_json_text_for_message (command, -1);

      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_UNKNOWN_COMMAND,
                   _("The device “%s” has no command “%s”"), device_id, quoted);
      return NULL;
    }
  return description;
}

static gboolean
check_argument (const MimicAssetArgument  *argument,
                JsonNode                  *node,
                GError                   **error)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  double number;

  switch (argument->type)
    {
    case MIMIC_ASSET_VALUE_BOOLEAN:
      if (type == G_TYPE_BOOLEAN)
        return TRUE;
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” must be true or false"), argument->name);
      return FALSE;
    case MIMIC_ASSET_VALUE_STRING:
      if (type != G_TYPE_STRING)
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” must be a string"), argument->name);
          return FALSE;
        }
      if (strlen (json_node_get_string (node)) > MIMIC_COMMAND_MAX_STRING)
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OVERSIZED,
                       _("The argument “%s” is longer than %d bytes"), argument->name, MIMIC_COMMAND_MAX_STRING);
          return FALSE;
        }
      return TRUE;
    case MIMIC_ASSET_VALUE_INTEGER:
      if (type == G_TYPE_DOUBLE)
        {
          number = json_node_get_double (node);
          if (isfinite (number) && number == floor (number))
            break;
        }
      if (type != G_TYPE_INT64 && !(type == G_TYPE_DOUBLE && !isfinite (json_node_get_double (node))))
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” must be an integer"), argument->name);
          return FALSE;
        }
      break;
    case MIMIC_ASSET_VALUE_NUMBER:
    default:
      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” must be a number"), argument->name);
          return FALSE;
        }
      break;
    }

  number = json_node_get_double (node);
  if (!isfinite (number))
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” is not a finite number"), argument->name);
      return FALSE;
    }
  if (argument->has_minimum && number < argument->minimum)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” is %g %s, below its minimum of %g"), argument->name, number,
                   argument->unit != NULL ? argument->unit : "", argument->minimum);
      return FALSE;
    }
  if (argument->has_maximum && number > argument->maximum)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” is %g %s, above its maximum of %g"), argument->name, number,
                   argument->unit != NULL ? argument->unit : "", argument->maximum);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_arguments (const MimicAssetCommand  *description,
                 JsonObject               *arguments,
                 GError                  **error)
{
  if (arguments != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;

      if (json_object_get_size (arguments) > MIMIC_COMMAND_MAX_ARGUMENTS)
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OVERSIZED,
                       _("More than %d arguments"), MIMIC_COMMAND_MAX_ARGUMENTS);
          return FALSE;
        }

      json_object_iter_init (&iter, arguments);
      while (json_object_iter_next (&iter, &name, &node))
        {
          const MimicAssetArgument *argument = mimic_asset_command_get_argument (description, name);

          if (argument == NULL)
            {
              g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                           _("The command “%s” has no argument “%s”"), description->id, name);
              return FALSE;
            }
          if (!check_argument (argument, node, error))
            return FALSE;
        }
    }

  for (guint i = 0; description->arguments != NULL && i < description->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (description->arguments, i);

      if (argument->required && (arguments == NULL || !json_object_has_member (arguments, argument->name)))
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” is required"), argument->name);
          return FALSE;
        }
    }
  return TRUE;
}

static const MimicAssetCommand *
validate (MimicCommandManager  *self,
          const char           *device_id,
          const char           *command,
          JsonObject           *arguments,
          MimicFeed           **out_feed,
          GError              **error)
{
  const MimicAssetCommand *description;
  MimicTwinDevice *device;
  MimicFeed *feed;

  if (self->view_only)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY,
                   _("This console is in view-only mode: commands are not allowed"));
      return NULL;
    }
  feed = feed_for_device (self, device_id);
  if (feed != NULL && mimic_feed_get_state (feed) != MIMIC_FEED_STATE_CONNECTED)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_NOT_CONNECTED,
                   _("%s is not connected or cannot carry commands"), mimic_feed_get_url (feed));
      return NULL;
    }

  description = mimic_command_manager_lookup_description (self, device_id, command, error);
  if (description == NULL)
    return NULL;

  /* Known, but from a source that carries no commands (a replay) or one
   * this console no longer watches: no other source may stand in. */
  if (feed == NULL)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_NOT_CONNECTED,
                   _("No source that carries commands leads to the device “%s”"), device_id);
      return NULL;
    }

  device = mimic_twin_store_lookup (self->store, device_id);
  if (mimic_twin_device_get_presence (device) != MIMIC_PRESENCE_ONLINE)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OFFLINE,
                   mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_OFFLINE ?
                   _("The device “%s” is offline") : _("Whether the device “%s” is online is not known"),
                   device_id);
      return NULL;
    }
  if (g_hash_table_contains (self->unconfirmed, device_id))
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OFFLINE,
                   _("The device “%s” has not been seen again since the connection came back"), device_id);
      return NULL;
    }

  if (!check_arguments (description, arguments, error))
    return NULL;
  if (out_feed != NULL)
    *out_feed = feed;
  return description;
}

gboolean
mimic_command_manager_validate (MimicCommandManager  *self,
                                const char           *device_id,
                                const char           *command,
                                JsonObject           *arguments,
                                GError              **error)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), FALSE);
  g_return_val_if_fail (device_id != NULL && command != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return validate (self, device_id, command, arguments, NULL, error) != NULL;
}

/* One text per set of arguments, whatever their order. */
static char *
canonical_arguments (JsonObject *arguments)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) names = NULL;

  json_builder_begin_object (builder);
  if (arguments != NULL)
    {
      names = g_list_sort (json_object_get_members (arguments), (GCompareFunc) strcmp);
      for (GList *l = names; l != NULL; l = l->next)
        {
          json_builder_set_member_name (builder, l->data);
          json_builder_add_value (builder, json_node_copy (json_object_get_member (arguments, l->data)));
        }
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static Selection *
live_selection (MimicCommandManager *self,
                const char          *device_id)
{
  Selection *selection = g_hash_table_lookup (self->selections, device_id);

  if (selection != NULL && g_get_monotonic_time () >= selection->expires_us)
    {
      g_hash_table_remove (self->selections, device_id);
      return NULL;
    }
  return selection;
}

gboolean
mimic_command_manager_select (MimicCommandManager  *self,
                              const char           *device_id,
                              const char           *command,
                              JsonObject           *arguments,
                              GError              **error)
{
  Selection *selection;

  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), FALSE);
  g_return_val_if_fail (device_id != NULL && command != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (validate (self, device_id, command, arguments, NULL, error) == NULL)
    return FALSE;

  selection = live_selection (self, device_id);
  if (selection != NULL && strcmp (selection->operator_name, self->operator_name) != 0)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTED_BY_OTHER,
                   _("The device “%s” is selected by %s"), device_id, selection->operator_name);
      return FALSE;
    }

  selection = g_new0 (Selection, 1);
  selection->operator_name = g_strdup (self->operator_name);
  selection->command = g_strdup (command);
  selection->arguments_json = canonical_arguments (arguments);
  selection->expires_us = g_get_monotonic_time () + (gint64) (self->select_timeout_s * G_USEC_PER_SEC);
  g_hash_table_replace (self->selections, g_strdup (device_id), selection);
  return TRUE;
}

void
mimic_command_manager_deselect (MimicCommandManager *self,
                                const char          *device_id)
{
  Selection *selection;

  g_return_if_fail (MIMIC_IS_COMMAND_MANAGER (self));
  g_return_if_fail (device_id != NULL);

  /* Only the holder may let go of a selection. */
  selection = g_hash_table_lookup (self->selections, device_id);
  if (selection != NULL && strcmp (selection->operator_name, self->operator_name) == 0)
    g_hash_table_remove (self->selections, device_id);
}

const char *
mimic_command_manager_get_selection_holder (MimicCommandManager *self,
                                            const char          *device_id)
{
  Selection *selection;

  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  selection = live_selection (self, device_id);
  return selection != NULL ? selection->operator_name : NULL;
}

static gboolean
take_selection (MimicCommandManager  *self,
                const char           *device_id,
                const char           *command,
                const char           *arguments_json,
                GError              **error)
{
  Selection *selection = live_selection (self, device_id);

  if (selection == NULL)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED,
                   _("The command “%s” must be selected before it is operated, and the selection of “%s” "
                     "is missing or ran out"), command, device_id);
      return FALSE;
    }
  if (strcmp (selection->operator_name, self->operator_name) != 0)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTED_BY_OTHER,
                   _("The device “%s” is selected by %s"), device_id, selection->operator_name);
      return FALSE;
    }
  if (strcmp (selection->command, command) != 0 || strcmp (selection->arguments_json, arguments_json) != 0)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECTION_MISMATCH,
                   _("The operate differs from the selection: %s %s was selected"),
                   selection->command, selection->arguments_json);
      return FALSE;
    }

  g_hash_table_remove (self->selections, device_id);
  return TRUE;
}

static void
remember_command (MimicCommandManager *self,
                  MimicCommand        *command)
{
  GListModel *model = G_LIST_MODEL (self->commands);

  g_list_store_append (self->commands, command);

  /* Drop the oldest finished ones beyond the cap; waiting ones stay. */
  for (guint i = 0; g_list_model_get_n_items (model) > MIMIC_COMMAND_MANAGER_MAX_RECENT &&
                    i < g_list_model_get_n_items (model); )
    {
      g_autoptr(MimicCommand) oldest = g_list_model_get_item (model, i);

      if (mimic_command_is_finished (oldest))
        g_list_store_remove (self->commands, i);
      else
        i++;
    }
}

MimicCommand *
mimic_command_manager_send (MimicCommandManager  *self,
                            const char           *device_id,
                            const char           *command_name,
                            JsonObject           *arguments,
                            double                timeout_s,
                            GError              **error)
{
  const MimicAssetCommand *description;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonNode) request = NULL;
  g_autofree char *arguments_json = NULL;
  g_autoptr(MimicCommand) command = NULL;
  MimicAuditEntry entry = { 0 };
  MimicFeed *feed = NULL;
  Pending *pending;

  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), NULL);
  g_return_val_if_fail (device_id != NULL && command_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(timeout_s >= 0) || timeout_s > 3600.0)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The timeout must be from 0 to 3600 seconds"));
      return NULL;
    }

  description = validate (self, device_id, command_name, arguments, &feed, error);
  if (description == NULL)
    return NULL;

  arguments_json = canonical_arguments (arguments);
  if (description->select_before_operate &&
      !take_selection (self, device_id, command_name, arguments_json, error))
    return NULL;

  command = mimic_command_new (device_id, command_name, arguments_json, self->operator_name,
                               timeout_s > 0 ? timeout_s : description->timeout_s);

  json_parser_load_from_data (parser, arguments_json, -1, NULL);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, mimic_command_get_id (command));
  json_builder_set_member_name (builder, "args");
  json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);

  pending = g_new0 (Pending, 1);
  pending->command = g_object_ref (command);
  pending->payload = json_to_string (request, FALSE);
  pending->feed = g_object_ref (feed);
  pending->expiry_s = (guint) ceil (mimic_command_get_timeout (command));
  if (strlen (pending->payload) > MIMIC_COMMAND_MAX_PAYLOAD)
    {
      pending_free (pending);
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_OVERSIZED,
                   _("The command is larger than %d bytes"), MIMIC_COMMAND_MAX_PAYLOAD);
      return NULL;
    }
  g_hash_table_insert (self->pending, (gpointer) mimic_command_get_id (command), pending);
  remember_command (self, command);

  entry.id = (char *) mimic_command_get_id (command);
  entry.operator_name = self->operator_name;
  entry.wall_us = mimic_command_get_created_time (command);
  entry.monotonic_us = g_get_monotonic_time ();
  entry.device_id = (char *) device_id;
  entry.command = (char *) command_name;
  entry.arguments_json = arguments_json;
  mimic_audit_log_record_async (self->audit_log, &entry, NULL, recorded, audit_call_new (self, command));

  return g_steal_pointer (&command);
}

gboolean
mimic_command_manager_cancel (MimicCommandManager  *self,
                              MimicCommand         *command,
                              GError              **error)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_MANAGER (self), FALSE);
  g_return_val_if_fail (MIMIC_IS_COMMAND (command), FALSE);

  if (mimic_command_is_finished (command))
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_FINISHED,
                   _("The command has its outcome already: %s"),
                   mimic_command_state_to_label (mimic_command_get_state (command)));
      return FALSE;
    }

  if (mimic_command_get_state (command) == MIMIC_COMMAND_STATE_VALIDATED)
    {
      /* Its row is still being written: recorded() sees the outcome,
       * writes it and never sends. */
      g_hash_table_remove (self->pending, mimic_command_get_id (command));
      mimic_command_finish (command, MIMIC_COMMAND_STATE_CANCELLED, _("Cancelled by the operator"));
      return TRUE;
    }

  finish_command (self, command, MIMIC_COMMAND_STATE_CANCELLED, _("Cancelled by the operator"));
  return TRUE;
}
