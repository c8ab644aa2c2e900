/* mimic-feed.c
 *
 * Every adapter funnels its messages through mimic_feed_ingest_message(),
 * so all sources share one decoder, one set of rejection counters and one
 * batching policy. Decoding runs on a worker thread owned by the feed: the
 * adapter's own thread (mosquitto's network loop) or the main loop
 * (libsoup's WebSocket) only copies bytes into a queue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-feed"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-feed.h"
#include "mimic-mqtt-feed.h"
#include "mimic-replay-feed.h"
#include "mimic-websocket-feed.h"

typedef enum
{
  ITEM_MESSAGE,
  ITEM_FLUSH,
  ITEM_QUIT,
} ItemKind;

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean done;
} FlushWaiter;

typedef struct
{
  ItemKind     kind;
  char        *topic;
  guint8      *payload;
  gsize        length;
  gint64       received_us;
  FlushWaiter *waiter;
} QueueItem;

typedef struct
{
  char                  *id;
  char                  *url;
  char                  *root;

  GMainContext          *owner_context;
  GThread               *owner_thread;

  /* Guards the decoder against configuration from other threads, and
   * the batch being filled when decoding in the caller's thread. */
  GMutex                 decoder_mutex;
  MimicTelemetryDecoder *decoder;
  gboolean               decode_in_caller;
  MimicUpdateBatch      *inline_batch;
  guint                  inline_batch_messages;
  gint64                 inline_deadline;

  GAsyncQueue           *queue;
  GThread               *worker;
  gssize                 queued_bytes;   /* atomic: g_atomic_pointer_add */

  GMutex                 handler_mutex;
  MimicFeedBatchFunc     handler;
  gpointer               handler_data;
  GDestroyNotify         handler_destroy;

  /* Guards the message tap; see mimic_feed_set_message_tap(). */
  GMutex                 tap_mutex;
  MimicFeedMessageFunc   tap;
  gpointer               tap_data;
  GDestroyNotify         tap_destroy;

  /* Guards the command message handler. */
  GMutex                 command_mutex;
  MimicFeedCommandMessageFunc command_handler;
  gpointer               command_data;
  GDestroyNotify         command_destroy;

  /* Guards everything below. */
  GMutex                 health_mutex;
  MimicFeedHealth        health;
  char                  *last_error;
  gint64                 outage_started_us;   /* monotonic; 0: connected or never was */
  gint64                 rate_start_s;
  gint64                 rate_second;
  guint64                rate_messages[MIMIC_FEED_RATE_WINDOW_S + 1];
  guint64                rate_values[MIMIC_FEED_RATE_WINDOW_S + 1];

  gboolean               started;
} MimicFeedPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (MimicFeed, mimic_feed, G_TYPE_OBJECT)

G_DEFINE_QUARK (mimic-feed-error-quark, mimic_feed_error)

G_DEFINE_BOXED_TYPE (MimicFeedHealth, mimic_feed_health,
                     mimic_feed_health_copy, mimic_feed_health_free)

enum {
  PROP_0,
  PROP_ID,
  PROP_URL,
  PROP_ROOT,
  PROP_STATE,
  PROP_LAST_ERROR,
  N_PROPS
};

enum {
  SIGNAL_GAP,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GType
mimic_feed_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { MIMIC_FEED_STATE_DISCONNECTED, "MIMIC_FEED_STATE_DISCONNECTED", "disconnected" },
        { MIMIC_FEED_STATE_CONNECTING, "MIMIC_FEED_STATE_CONNECTING", "connecting" },
        { MIMIC_FEED_STATE_CONNECTED, "MIMIC_FEED_STATE_CONNECTED", "connected" },
        { MIMIC_FEED_STATE_RECONNECTING, "MIMIC_FEED_STATE_RECONNECTING", "reconnecting" },
        { MIMIC_FEED_STATE_FAILED, "MIMIC_FEED_STATE_FAILED", "failed" },
        { 0, NULL, NULL }
      };
      GType type = g_enum_register_static (g_intern_static_string ("MimicFeedState"), values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

const char *
mimic_feed_state_to_string (MimicFeedState state)
{
  switch (state)
    {
    case MIMIC_FEED_STATE_DISCONNECTED:
      return "disconnected";
    case MIMIC_FEED_STATE_CONNECTING:
      return "connecting";
    case MIMIC_FEED_STATE_CONNECTED:
      return "connected";
    case MIMIC_FEED_STATE_RECONNECTING:
      return "reconnecting";
    case MIMIC_FEED_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

MimicFeedHealth *
mimic_feed_health_copy (const MimicFeedHealth *health)
{
  return g_memdup2 (health, sizeof *health);
}

void
mimic_feed_health_free (MimicFeedHealth *health)
{
  g_free (health);
}

static void
queue_item_free (QueueItem *item)
{
  g_free (item->topic);
  g_free (item->payload);
  g_free (item);
}

/* Called with health_mutex held. The window is made of one-second buckets;
 * the current, incomplete second is left out of the rate. */
static void
advance_rate_window (MimicFeedPrivate *priv,
                     gint64            now_s)
{
  if (priv->rate_start_s == 0)
    {
      priv->rate_start_s = now_s;
      priv->rate_second = now_s;
      return;
    }

  for (gint64 s = priv->rate_second + 1; s <= now_s && s <= priv->rate_second + MIMIC_FEED_RATE_WINDOW_S + 1; s++)
    {
      guint slot = s % (MIMIC_FEED_RATE_WINDOW_S + 1);

      priv->rate_messages[slot] = 0;
      priv->rate_values[slot] = 0;
    }
  if (now_s > priv->rate_second)
    priv->rate_second = now_s;
}

static void
compute_rates (MimicFeedPrivate *priv,
               gint64            now_s)
{
  gint64 n_complete;
  guint64 messages = 0, values = 0;

  if (priv->rate_start_s == 0)
    {
      priv->health.messages_per_second = 0;
      priv->health.values_per_second = 0;
      return;
    }

  advance_rate_window (priv, now_s);
  n_complete = MIN (now_s - priv->rate_start_s, MIMIC_FEED_RATE_WINDOW_S);
  for (gint64 i = 1; i <= n_complete; i++)
    {
      guint slot = (now_s - i) % (MIMIC_FEED_RATE_WINDOW_S + 1);

      messages += priv->rate_messages[slot];
      values += priv->rate_values[slot];
    }

  priv->health.messages_per_second = n_complete > 0 ? (double) messages / n_complete : 0;
  priv->health.values_per_second = n_complete > 0 ? (double) values / n_complete : 0;
}

static void
count_message (MimicFeed               *self,
               const MimicDecodeResult *result,
               gint64                   received_us)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  gint64 now_s = g_get_monotonic_time () / G_USEC_PER_SEC;
  guint slot;

  g_mutex_lock (&priv->health_mutex);
  advance_rate_window (priv, now_s);
  slot = now_s % (MIMIC_FEED_RATE_WINDOW_S + 1);
  priv->rate_messages[slot]++;
  priv->rate_values[slot] += result->n_values;
  priv->health.messages++;
  priv->health.values += result->n_values;
  priv->health.last_message_us = received_us;
  for (guint i = 0; i < MIMIC_N_REJECTIONS; i++)
    {
      priv->health.rejected[i] += result->rejections[i];
      priv->health.rejected_total += result->rejections[i];
    }
  g_mutex_unlock (&priv->health_mutex);
}

static void
hand_over_batch (MimicFeed         *self,
                 MimicUpdateBatch **batch)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  if (*batch == NULL)
    return;

  if (!mimic_update_batch_is_empty (*batch))
    {
      g_mutex_lock (&priv->handler_mutex);
      if (priv->handler != NULL)
        priv->handler (self, *batch, priv->handler_data);
      g_mutex_unlock (&priv->handler_mutex);
    }

  g_clear_pointer (batch, mimic_update_batch_unref);
}

static void hand_over_inline_batch (MimicFeed *self,
                                    gboolean   force);

static gpointer
decode_worker (gpointer data)
{
  MimicFeed *self = data;
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  g_autoptr(MimicUpdateBatch) batch = NULL;
  guint batch_messages = 0;
  gint64 deadline = 0;

  for (;;)
    {
      QueueItem *item;

      if (batch != NULL)
        {
          gint64 wait = deadline - g_get_monotonic_time ();

          item = wait > 0 ? g_async_queue_timeout_pop (priv->queue, wait) : g_async_queue_try_pop (priv->queue);
          if (item == NULL)
            {
              hand_over_batch (self, &batch);
              batch_messages = 0;
              continue;
            }
        }
      else
        {
          item = g_async_queue_pop (priv->queue);
        }

      switch (item->kind)
        {
        case ITEM_MESSAGE:
          {
            MimicDecodeResult result;

            g_atomic_pointer_add (&priv->queued_bytes, -(gssize) item->length);
            if (batch == NULL)
              {
                batch = mimic_update_batch_new ();
                mimic_update_batch_set_source (batch, priv->id);
                deadline = g_get_monotonic_time () + MIMIC_FEED_FLUSH_INTERVAL_US;
              }

            g_mutex_lock (&priv->decoder_mutex);
            mimic_telemetry_decoder_decode (priv->decoder, item->topic, item->payload, item->length,
                                            item->received_us, batch, &result);
            g_mutex_unlock (&priv->decoder_mutex);
            count_message (self, &result, item->received_us);

            if (++batch_messages >= MIMIC_FEED_BATCH_MESSAGES)
              {
                hand_over_batch (self, &batch);
                batch_messages = 0;
              }
            queue_item_free (item);
          }
          break;

        case ITEM_FLUSH:
          hand_over_batch (self, &batch);
          batch_messages = 0;
          g_mutex_lock (&item->waiter->mutex);
          item->waiter->done = TRUE;
          g_cond_signal (&item->waiter->cond);
          g_mutex_unlock (&item->waiter->mutex);
          g_free (item);
          break;

        case ITEM_QUIT:
        default:
          hand_over_batch (self, &batch);
          g_free (item);
          return NULL;
        }
    }
}

static void
mimic_feed_constructed (GObject *object)
{
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  G_OBJECT_CLASS (mimic_feed_parent_class)->constructed (object);

  if (priv->root == NULL)
    priv->root = g_strdup (MIMIC_TELEMETRY_DEFAULT_ROOT);
  if (priv->id == NULL)
    priv->id = g_strdup (priv->url != NULL ? priv->url : G_OBJECT_TYPE_NAME (object));

  priv->decoder = mimic_telemetry_decoder_new (priv->root);
  priv->worker = g_thread_new ("mimic-feed-decode", decode_worker, self);
}

static void
stop_worker (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  QueueItem *quit;

  if (priv->worker == NULL)
    return;

  quit = g_new0 (QueueItem, 1);
  quit->kind = ITEM_QUIT;
  g_async_queue_push (priv->queue, quit);
  g_thread_join (g_steal_pointer (&priv->worker));
}

static void
mimic_feed_dispose (GObject *object)
{
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  if (priv->started)
    {
      priv->started = FALSE;
      MIMIC_FEED_GET_CLASS (self)->stop (self);
    }
  stop_worker (self);
  hand_over_inline_batch (self, TRUE);

  g_mutex_lock (&priv->handler_mutex);
  if (priv->handler_destroy != NULL)
    priv->handler_destroy (priv->handler_data);
  priv->handler = NULL;
  priv->handler_data = NULL;
  priv->handler_destroy = NULL;
  g_mutex_unlock (&priv->handler_mutex);

  mimic_feed_set_message_tap (self, NULL, NULL, NULL);
  mimic_feed_set_command_message_handler (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (mimic_feed_parent_class)->dispose (object);
}

static void
mimic_feed_finalize (GObject *object)
{
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  QueueItem *item;

  while ((item = g_async_queue_try_pop (priv->queue)) != NULL)
    queue_item_free (item);
  g_async_queue_unref (priv->queue);

  g_clear_pointer (&priv->decoder, mimic_telemetry_decoder_free);
  g_clear_pointer (&priv->owner_context, g_main_context_unref);
  g_free (priv->id);
  g_free (priv->url);
  g_free (priv->root);
  g_free (priv->last_error);
  g_mutex_clear (&priv->decoder_mutex);
  g_mutex_clear (&priv->handler_mutex);
  g_mutex_clear (&priv->tap_mutex);
  g_mutex_clear (&priv->command_mutex);
  g_mutex_clear (&priv->health_mutex);

  G_OBJECT_CLASS (mimic_feed_parent_class)->finalize (object);
}

static void
mimic_feed_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, priv->id);
      break;

    case PROP_URL:
      g_value_set_string (value, priv->url);
      break;

    case PROP_ROOT:
      g_value_set_string (value, priv->root);
      break;

    case PROP_STATE:
      g_value_set_enum (value, mimic_feed_get_state (self));
      break;

    case PROP_LAST_ERROR:
      g_value_take_string (value, mimic_feed_dup_last_error (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_feed_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID:
      priv->id = g_value_dup_string (value);
      break;

    case PROP_URL:
      priv->url = g_value_dup_string (value);
      break;

    case PROP_ROOT:
      priv->root = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_feed_class_init (MimicFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mimic_feed_constructed;
  object_class->dispose = mimic_feed_dispose;
  object_class->finalize = mimic_feed_finalize;
  object_class->get_property = mimic_feed_get_property;
  object_class->set_property = mimic_feed_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROOT] =
    g_param_spec_string ("root", NULL, NULL, MIMIC_TELEMETRY_DEFAULT_ROOT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, MIMIC_TYPE_FEED_STATE, MIMIC_FEED_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicFeed::gap:
   * @gap_us: how long the feed was down, in microseconds
   *
   * Emitted when the feed is connected again after an outage, so the UI
   * can show the hole in the data instead of hiding it.
   */
  signals[SIGNAL_GAP] =
    g_signal_new ("gap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
mimic_feed_init (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_mutex_init (&priv->decoder_mutex);
  g_mutex_init (&priv->handler_mutex);
  g_mutex_init (&priv->tap_mutex);
  g_mutex_init (&priv->command_mutex);
  g_mutex_init (&priv->health_mutex);
  priv->queue = g_async_queue_new ();
  priv->owner_context = g_main_context_ref_thread_default ();
  priv->owner_thread = g_thread_self ();
  priv->health.state = MIMIC_FEED_STATE_DISCONNECTED;
}

const char *
mimic_feed_get_id (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_val_if_fail (MIMIC_IS_FEED (self), NULL);

  return priv->id;
}

const char *
mimic_feed_get_url (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_val_if_fail (MIMIC_IS_FEED (self), NULL);

  return priv->url;
}

const char *
mimic_feed_get_root (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_val_if_fail (MIMIC_IS_FEED (self), NULL);

  return priv->root;
}

MimicFeedState
mimic_feed_get_state (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  MimicFeedState state;

  g_return_val_if_fail (MIMIC_IS_FEED (self), MIMIC_FEED_STATE_DISCONNECTED);

  g_mutex_lock (&priv->health_mutex);
  state = priv->health.state;
  g_mutex_unlock (&priv->health_mutex);

  return state;
}

char *
mimic_feed_dup_last_error (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  char *message;

  g_return_val_if_fail (MIMIC_IS_FEED (self), NULL);

  g_mutex_lock (&priv->health_mutex);
  message = g_strdup (priv->last_error);
  g_mutex_unlock (&priv->health_mutex);

  return message;
}

void
mimic_feed_get_health (MimicFeed       *self,
                       MimicFeedHealth *out)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (out != NULL);

  g_mutex_lock (&priv->health_mutex);
  compute_rates (priv, g_get_monotonic_time () / G_USEC_PER_SEC);
  *out = priv->health;
  g_mutex_unlock (&priv->health_mutex);
}

void
mimic_feed_set_batch_handler (MimicFeed          *self,
                              MimicFeedBatchFunc  func,
                              gpointer            user_data,
                              GDestroyNotify      destroy)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (MIMIC_IS_FEED (self));

  /* Holding the lock waits out a handler call in progress, so the old
   * data is not destroyed under it. */
  g_mutex_lock (&priv->handler_mutex);
  old_destroy = priv->handler_destroy;
  old_data = priv->handler_data;
  priv->handler = func;
  priv->handler_data = user_data;
  priv->handler_destroy = destroy;
  g_mutex_unlock (&priv->handler_mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * mimic_feed_set_message_tap:
 * @self: a #MimicFeed
 * @func: (nullable): called with every message before it is decoded, on
 *   the thread that ingests it; %NULL removes the tap
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data when the tap is replaced
 *
 * Lets a recorder see the raw messages of any feed.
 */
void
mimic_feed_set_message_tap (MimicFeed            *self,
                            MimicFeedMessageFunc  func,
                            gpointer              user_data,
                            GDestroyNotify        destroy)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (MIMIC_IS_FEED (self));

  /* Holding the lock waits out a tap call in progress. */
  g_mutex_lock (&priv->tap_mutex);
  old_destroy = priv->tap_destroy;
  old_data = priv->tap_data;
  priv->tap_data = user_data;
  priv->tap_destroy = destroy;
  g_atomic_pointer_set (&priv->tap, func);
  g_mutex_unlock (&priv->tap_mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
mimic_feed_configure_decoder (MimicFeed            *self,
                              MimicFeedDecoderFunc  func,
                              gpointer              user_data)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (func != NULL);

  g_mutex_lock (&priv->decoder_mutex);
  func (priv->decoder, user_data);
  g_mutex_unlock (&priv->decoder_mutex);
}

void
mimic_feed_set_max_payload (MimicFeed *self,
                            gsize      max_bytes)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_if_fail (MIMIC_IS_FEED (self));

  g_mutex_lock (&priv->decoder_mutex);
  mimic_telemetry_decoder_set_max_payload (priv->decoder, max_bytes);
  g_mutex_unlock (&priv->decoder_mutex);
}

gsize
mimic_feed_get_max_payload (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  gsize max_bytes;

  g_return_val_if_fail (MIMIC_IS_FEED (self), 0);

  g_mutex_lock (&priv->decoder_mutex);
  max_bytes = mimic_telemetry_decoder_get_max_payload (priv->decoder);
  g_mutex_unlock (&priv->decoder_mutex);

  return max_bytes;
}

GPtrArray *
mimic_feed_dup_binding_filters (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  GPtrArray *filters;

  g_return_val_if_fail (MIMIC_IS_FEED (self), NULL);

  g_mutex_lock (&priv->decoder_mutex);
  filters = mimic_telemetry_decoder_dup_binding_filters (priv->decoder);
  g_mutex_unlock (&priv->decoder_mutex);

  return filters;
}

static void
start_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MimicFeed *self = MIMIC_FEED (object);
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  g_autoptr(GError) error = NULL;

  if (!MIMIC_FEED_GET_CLASS (self)->start_finish (self, result, &error))
    {
      priv->started = FALSE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
mimic_feed_start_async (MimicFeed           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_feed_start_async);

  if (priv->started)
    {
      g_task_return_new_error (task, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_BUSY,
                               _("The feed %s is already started"), priv->id);
      return;
    }

  priv->started = TRUE;
  MIMIC_FEED_GET_CLASS (self)->start_async (self, cancellable, start_done, g_steal_pointer (&task));
}

gboolean
mimic_feed_start_finish (MimicFeed     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (MIMIC_IS_FEED (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
mimic_feed_stop (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_if_fail (MIMIC_IS_FEED (self));

  if (priv->started)
    {
      priv->started = FALSE;
      MIMIC_FEED_GET_CLASS (self)->stop (self);
    }
  mimic_feed_flush (self);
  mimic_feed_set_state (self, MIMIC_FEED_STATE_DISCONNECTED, NULL);
}

/* Hands over the batch filled in the caller's thread when it is full,
 * when it is older than the flush interval, or when @force is set. */
static void
hand_over_inline_batch (MimicFeed *self,
                        gboolean   force)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  MimicUpdateBatch *batch = NULL;

  g_mutex_lock (&priv->decoder_mutex);
  if (priv->inline_batch != NULL &&
      (force || priv->inline_batch_messages >= MIMIC_FEED_BATCH_MESSAGES ||
       g_get_monotonic_time () >= priv->inline_deadline))
    {
      batch = g_steal_pointer (&priv->inline_batch);
      priv->inline_batch_messages = 0;
    }
  g_mutex_unlock (&priv->decoder_mutex);

  hand_over_batch (self, &batch);
}

void
mimic_feed_hand_over_due (MimicFeed *self)
{
  g_return_if_fail (MIMIC_IS_FEED (self));

  hand_over_inline_batch (self, FALSE);
}

void
mimic_feed_set_decode_in_caller (MimicFeed *self,
                                 gboolean   decode_in_caller)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_return_if_fail (MIMIC_IS_FEED (self));

  hand_over_inline_batch (self, TRUE);
  g_mutex_lock (&priv->decoder_mutex);
  priv->decode_in_caller = !!decode_in_caller;
  g_mutex_unlock (&priv->decoder_mutex);
}

void
mimic_feed_flush (MimicFeed *self)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  FlushWaiter waiter;
  QueueItem *item;

  g_return_if_fail (MIMIC_IS_FEED (self));

  hand_over_inline_batch (self, TRUE);

  if (priv->worker == NULL)
    return;

  g_mutex_init (&waiter.mutex);
  g_cond_init (&waiter.cond);
  waiter.done = FALSE;

  item = g_new0 (QueueItem, 1);
  item->kind = ITEM_FLUSH;
  item->waiter = &waiter;
  g_async_queue_push (priv->queue, item);

  g_mutex_lock (&waiter.mutex);
  while (!waiter.done)
    g_cond_wait (&waiter.cond, &waiter.mutex);
  g_mutex_unlock (&waiter.mutex);

  g_mutex_clear (&waiter.mutex);
  g_cond_clear (&waiter.cond);
}

static void
count_refused_at_door (MimicFeed      *self,
                       MimicRejection  rejection,
                       gsize           length,
                       gint64          received_us)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);

  g_mutex_lock (&priv->health_mutex);
  priv->health.messages++;
  priv->health.bytes += length;
  priv->health.last_message_us = received_us;
  priv->health.rejected[rejection]++;
  priv->health.rejected_total++;
  g_mutex_unlock (&priv->health_mutex);
}

/**
 * mimic_feed_count_rejection:
 * @self: a #MimicFeed
 * @rejection: why the message was refused
 * @length: its size in bytes
 * @received_us: when it was received, wall clock
 *
 * For subclasses that refuse a message before it reaches the decoder
 * (a malformed WebSocket envelope, a frame over the size cap), so it is
 * counted in the health like every other refusal.
 */
void
mimic_feed_count_rejection (MimicFeed      *self,
                            MimicRejection  rejection,
                            gsize           length,
                            gint64          received_us)
{
  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (rejection < MIMIC_N_REJECTIONS);

  count_refused_at_door (self, rejection, length, received_us);
}

/* Decodes on the calling thread when the subclass asked for it: its
 * network thread is a worker already, and skipping the queue saves a copy
 * and a thread wake-up per message. */
static gboolean
decode_now (MimicFeed    *self,
            const char   *topic,
            const guint8 *payload,
            gsize         length,
            gint64        received_us)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  MimicDecodeResult result;

  g_mutex_lock (&priv->decoder_mutex);
  if (!priv->decode_in_caller)
    {
      g_mutex_unlock (&priv->decoder_mutex);
      return FALSE;
    }

  if (priv->inline_batch == NULL)
    {
      priv->inline_batch = mimic_update_batch_new ();
      mimic_update_batch_set_source (priv->inline_batch, priv->id);
      priv->inline_deadline = g_get_monotonic_time () + MIMIC_FEED_FLUSH_INTERVAL_US;
    }
  mimic_telemetry_decoder_decode (priv->decoder, topic, payload, length, received_us,
                                  priv->inline_batch, &result);
  priv->inline_batch_messages++;
  g_mutex_unlock (&priv->decoder_mutex);

  count_message (self, &result, received_us);
  hand_over_inline_batch (self, FALSE);

  return TRUE;
}

/* Command responses never reach the decoder; births reach both. Returns
 * TRUE when the message was consumed. */
static gboolean
route_command_message (MimicFeed    *self,
                       const char   *topic,
                       const guint8 *payload,
                       gsize         length,
                       const guint8 *correlation,
                       gsize         correlation_length)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  gsize root_length = strlen (priv->root);
  const char *rest, *level;
  gboolean is_response;

  if (g_atomic_pointer_get (&priv->command_handler) == NULL ||
      strncmp (topic, priv->root, root_length) != 0 || topic[root_length] != '/')
    return FALSE;

  /* ROOT/X/cmd-response[/...] or ROOT/X/birth */
  rest = topic + root_length + 1;
  level = strchr (rest, '/');
  if (level == NULL || level == rest)
    return FALSE;
  level++;
  is_response = strncmp (level, "cmd-response", 12) == 0 && (level[12] == '\0' || level[12] == '/');
  if (!is_response && strcmp (level, "birth") != 0)
    return FALSE;

  g_mutex_lock (&priv->command_mutex);
  if (priv->command_handler != NULL)
    priv->command_handler (self, topic, payload, length, correlation, correlation_length, priv->command_data);
  g_mutex_unlock (&priv->command_mutex);

  return is_response;
}

void
mimic_feed_ingest_message (MimicFeed    *self,
                           const char   *topic,
                           const guint8 *payload,
                           gsize         length,
                           gint64        received_us)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  QueueItem *item;
  gsize max_payload;

  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (topic != NULL);
  g_return_if_fail (payload != NULL || length == 0);

  /* The tap sees every message exactly as received, refused or not, so a
   * recording replays into the same rejections. */
  if (g_atomic_pointer_get (&priv->tap) != NULL)
    {
      g_mutex_lock (&priv->tap_mutex);
      if (priv->tap != NULL)
        priv->tap (self, topic, payload, length, received_us, priv->tap_data);
      g_mutex_unlock (&priv->tap_mutex);
    }

  if (route_command_message (self, topic, payload, length, NULL, 0))
    return;

  /* The size cap is checked here, before the copy, so an oversized
   * payload costs nothing but its count. Reading the cap without the
   * decoder lock is fine: a gsize load is atomic on every platform GLib
   * supports and a stale value only matters for one message. */
  max_payload = mimic_telemetry_decoder_get_max_payload (priv->decoder);
  if (length > max_payload)
    {
      count_refused_at_door (self, MIMIC_REJECTION_OVERSIZED, length, received_us);
      return;
    }

  if ((gsize) g_atomic_pointer_get (&priv->queued_bytes) + length > MIMIC_FEED_MAX_QUEUED_BYTES)
    {
      count_refused_at_door (self, MIMIC_REJECTION_OVERLOAD, length, received_us);
      return;
    }

  g_mutex_lock (&priv->health_mutex);
  priv->health.bytes += length;
  g_mutex_unlock (&priv->health_mutex);

  if (decode_now (self, topic, payload, length, received_us))
    return;

  item = g_new (QueueItem, 1);
  item->kind = ITEM_MESSAGE;
  item->topic = g_strdup (topic);
  item->payload = g_memdup2 (payload, length);
  item->length = length;
  item->received_us = received_us;
  item->waiter = NULL;
  g_atomic_pointer_add (&priv->queued_bytes, (gssize) length);
  g_async_queue_push (priv->queue, item);
}

typedef struct
{
  GWeakRef feed;
  gint64   gap_us;
} StateNotify;

static gboolean
notify_state_in_owner_context (gpointer data)
{
  StateNotify *notify = data;
  g_autoptr(MimicFeed) feed = g_weak_ref_get (&notify->feed);

  if (feed == NULL)
    return G_SOURCE_REMOVE;

  g_object_notify_by_pspec (G_OBJECT (feed), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (feed), properties[PROP_LAST_ERROR]);
  if (notify->gap_us > 0)
    g_signal_emit (feed, signals[SIGNAL_GAP], 0, notify->gap_us);

  return G_SOURCE_REMOVE;
}

static void
state_notify_free (gpointer data)
{
  StateNotify *notify = data;

  g_weak_ref_clear (&notify->feed);
  g_free (notify);
}

void
mimic_feed_set_state (MimicFeed      *self,
                      MimicFeedState  state,
                      const char     *error_message)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  StateNotify *notify;
  gint64 gap_us = 0;
  gboolean changed;

  g_return_if_fail (MIMIC_IS_FEED (self));

  g_mutex_lock (&priv->health_mutex);
  changed = priv->health.state != state || g_strcmp0 (priv->last_error, error_message) != 0;
  if (state == MIMIC_FEED_STATE_RECONNECTING && priv->health.state == MIMIC_FEED_STATE_CONNECTED)
    {
      priv->outage_started_us = g_get_monotonic_time ();
    }
  else if (state == MIMIC_FEED_STATE_CONNECTED && priv->outage_started_us != 0)
    {
      gap_us = MAX (1, g_get_monotonic_time () - priv->outage_started_us);
      priv->outage_started_us = 0;
      priv->health.reconnects++;
      priv->health.last_gap_us = gap_us;
    }
  priv->health.state = state;
  if (error_message != NULL || state == MIMIC_FEED_STATE_CONNECTED)
    {
      g_free (priv->last_error);
      priv->last_error = g_strdup (error_message);
    }
  g_mutex_unlock (&priv->health_mutex);

  if (!changed)
    return;

  if (error_message != NULL)
    g_debug ("%s: %s (%s)", priv->id, mimic_feed_state_to_string (state), error_message);

  notify = g_new0 (StateNotify, 1);
  g_weak_ref_init (&notify->feed, self);
  notify->gap_us = gap_us;

  if (g_thread_self () == priv->owner_thread)
    {
      notify_state_in_owner_context (notify);
      state_notify_free (notify);
    }
  else
    {
      /* Not g_main_context_invoke(): from a thread without a context of
       * its own it would run the handlers right there. The weak
       * reference lets the feed go while the notification waits. */
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, notify_state_in_owner_context, notify, state_notify_free);
      g_source_set_static_name (source, "[mimic] feed state");
      g_source_attach (source, priv->owner_context);
    }
}

/* Error messages name the URL so the operator sees which source failed,
 * but a password written into it must never reach a message or a log. */
static char *
redact_url (const char *url)
{
  const char *authority = strstr (url, "://");
  const char *at, *colon, *end;

  if (authority == NULL)
    return g_strdup (url);

  authority += 3;
  end = authority + strcspn (authority, "/?#");
  at = g_strrstr_len (authority, end - authority, "@");
  if (at == NULL)
    return g_strdup (url);

  colon = memchr (authority, ':', at - authority);
  if (colon == NULL)
    return g_strdup (url);

  return g_strdup_printf ("%.*s:***%s", (int) (colon - url), url, at);
}

MimicFeed *
mimic_feed_new_for_url (const char  *url,
                        GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH, NULL);
  if (uri == NULL || g_uri_get_scheme (uri) == NULL)
    {
      g_autofree char *shown = redact_url (url);

      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_INVALID_URL,
                   _("“%s” is not a feed URL (expected e.g. mqtt://host:1883)"), shown);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "mqtt") == 0 || g_ascii_strcasecmp (scheme, "mqtts") == 0)
    return MIMIC_FEED (mimic_mqtt_feed_new_for_uri (uri, error));

  if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0)
    {
      g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (url, error);

      if (connection == NULL)
        return NULL;

      return MIMIC_FEED (mimic_websocket_feed_new (connection, error));
    }

  if (g_ascii_strcasecmp (scheme, "file") == 0)
    {
      g_autoptr(MimicConnection) connection = mimic_connection_new_for_url (url, error);

      if (connection == NULL)
        return NULL;

      return MIMIC_FEED (mimic_replay_feed_new (mimic_connection_get_path (connection), error));
    }

  {
    g_autofree char *shown = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);

    g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_UNSUPPORTED_SCHEME,
                 _("Feeds of the kind “%s” are not supported (%s)"), scheme, shown);
  }
  return NULL;
}

/**
 * mimic_feed_set_command_message_handler:
 * @self: a #MimicFeed
 * @func: (nullable): called with every command response and birth on the
 *   thread that received it; %NULL removes the handler
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data when the handler is replaced
 *
 * Lets a command manager see the answers to its commands without them
 * being counted as unknown telemetry.
 */
void
mimic_feed_set_command_message_handler (MimicFeed                   *self,
                                        MimicFeedCommandMessageFunc  func,
                                        gpointer                     user_data,
                                        GDestroyNotify               destroy)
{
  MimicFeedPrivate *priv = mimic_feed_get_instance_private (self);
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (MIMIC_IS_FEED (self));

  /* Holding the lock waits out a handler call in progress. */
  g_mutex_lock (&priv->command_mutex);
  old_destroy = priv->command_destroy;
  old_data = priv->command_data;
  priv->command_data = user_data;
  priv->command_destroy = destroy;
  g_atomic_pointer_set (&priv->command_handler, func);
  g_mutex_unlock (&priv->command_mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
mimic_feed_ingest_command_response (MimicFeed    *self,
                                    const char   *topic,
                                    const guint8 *payload,
                                    gsize         length,
                                    const guint8 *correlation,
                                    gsize         correlation_length)
{
  g_return_if_fail (MIMIC_IS_FEED (self));
  g_return_if_fail (topic != NULL);

  route_command_message (self, topic, payload, length, correlation, correlation_length);
}

gboolean
mimic_feed_can_send_commands (MimicFeed *self)
{
  g_return_val_if_fail (MIMIC_IS_FEED (self), FALSE);

  return MIMIC_FEED_GET_CLASS (self)->send_command != NULL;
}

gboolean
mimic_feed_send_command (MimicFeed   *self,
                         const char  *device_id,
                         const char  *command,
                         const char  *payload_json,
                         const char  *correlation_id,
                         guint        expiry_s,
                         GError     **error)
{
  MimicFeedClass *klass;

  g_return_val_if_fail (MIMIC_IS_FEED (self), FALSE);
  g_return_val_if_fail (device_id != NULL && command != NULL && payload_json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = MIMIC_FEED_GET_CLASS (self);
  if (klass->send_command == NULL)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_PROTOCOL,
                   _("%s cannot send commands"), mimic_feed_get_url (self));
      return FALSE;
    }
  if (mimic_feed_get_state (self) != MIMIC_FEED_STATE_CONNECTED)
    {
      g_set_error (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_CONNECTION_FAILED,
                   _("%s is not connected"), mimic_feed_get_url (self));
      return FALSE;
    }

  return klass->send_command (self, device_id, command, payload_json, correlation_id, expiry_s, error);
}
