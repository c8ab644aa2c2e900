/* mimic-feed.h — the base class of every device feed (MQTT, WebSocket,
 * replay; later Sparkplug B, Eclipse Ditto)
 *
 * A subclass only moves bytes: it connects, reports its state with
 * mimic_feed_set_state() and hands every received message to
 * mimic_feed_ingest_message(). The base class decodes on its own worker
 * thread with the shared MimicTelemetryDecoder, counts what it refuses,
 * batches the rest (a batch is flushed every MIMIC_FEED_BATCH_MESSAGES
 * messages or about every 10 ms) and passes each batch to the batch
 * handler — on the worker thread, never on the main loop.
 *
 * Threads: mimic_feed_ingest_message(), mimic_feed_set_state() and
 * mimic_feed_get_health() may be called from any thread. Property
 * notifications and the "gap" signal are emitted in the main context that
 * was the thread-default when the feed was created.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-telemetry-decoder.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

#define MIMIC_FEED_ERROR (mimic_feed_error_quark ())

typedef enum
{
  MIMIC_FEED_ERROR_INVALID_URL,
  MIMIC_FEED_ERROR_UNSUPPORTED_SCHEME,
  MIMIC_FEED_ERROR_CONNECTION_FAILED,
  MIMIC_FEED_ERROR_AUTHENTICATION,
  MIMIC_FEED_ERROR_TLS,
  MIMIC_FEED_ERROR_PROTOCOL,
  MIMIC_FEED_ERROR_BUSY,                /* started twice */
} MimicFeedError;

GQuark mimic_feed_error_quark (void);

typedef enum
{
  MIMIC_FEED_STATE_DISCONNECTED,
  MIMIC_FEED_STATE_CONNECTING,
  MIMIC_FEED_STATE_CONNECTED,
  MIMIC_FEED_STATE_RECONNECTING,
  MIMIC_FEED_STATE_FAILED,
} MimicFeedState;

#define MIMIC_TYPE_FEED_STATE (mimic_feed_state_get_type ())
GType       mimic_feed_state_get_type  (void) G_GNUC_CONST;
const char *mimic_feed_state_to_string (MimicFeedState state);

/* A snapshot of a feed's health, copied out under the feed's lock. */
typedef struct
{
  MimicFeedState state;
  double         messages_per_second;   /* over the last MIMIC_FEED_RATE_WINDOW_S seconds */
  double         values_per_second;
  guint64        messages;              /* received, accepted or not */
  guint64        values;                /* accepted samples and parameters */
  guint64        bytes;                 /* payload bytes received */
  gint64         last_message_us;       /* wall clock of the last message; 0: none yet */
  guint          reconnects;
  gint64         last_gap_us;           /* length of the last outage; 0: none yet */
  guint64        rejected_total;
  guint64        rejected[MIMIC_N_REJECTIONS];
} MimicFeedHealth;

#define MIMIC_TYPE_FEED_HEALTH (mimic_feed_health_get_type ())
GType            mimic_feed_health_get_type (void) G_GNUC_CONST;
MimicFeedHealth *mimic_feed_health_copy     (const MimicFeedHealth *health);
void             mimic_feed_health_free     (MimicFeedHealth       *health);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicFeedHealth, mimic_feed_health_free)

#define MIMIC_FEED_BATCH_MESSAGES 512
#define MIMIC_FEED_FLUSH_INTERVAL_US (10 * 1000)
#define MIMIC_FEED_RATE_WINDOW_S 5
/* Messages waiting for the decoder beyond this are dropped and counted as
 * MIMIC_REJECTION_OVERLOAD, so a flood cannot exhaust memory. */
#define MIMIC_FEED_MAX_QUEUED_BYTES (64 * 1024 * 1024)

#define MIMIC_TYPE_FEED (mimic_feed_get_type ())
G_DECLARE_DERIVABLE_TYPE (MimicFeed, mimic_feed, MIMIC, FEED, GObject)

/* Called on the feed's worker thread. @batch is owned by the feed: take a
 * reference to keep it. MimicTwinStore's queue_batch is such a sink. */
typedef void (*MimicFeedBatchFunc) (MimicFeed        *feed,
                                    MimicUpdateBatch *batch,
                                    gpointer          user_data);

struct _MimicFeedClass
{
  GObjectClass parent_class;

  /* Connect; complete once the first connection stands (or fails for
   * good). Later outages are handled by the subclass: it reconnects on its
   * own and reports MIMIC_FEED_STATE_RECONNECTING / CONNECTED. */
  void     (*start_async)  (MimicFeed           *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);
  gboolean (*start_finish) (MimicFeed           *self,
                            GAsyncResult        *result,
                            GError             **error);
  /* Disconnect and stop reconnecting; must not block for long. After it
   * returns, the subclass calls mimic_feed_ingest_message() no more. */
  void     (*stop)         (MimicFeed           *self);
  /* Queues a command request for ROOT/@device_id/cmd/@command without
   * blocking; never retained. @correlation_id goes into the transport's
   * own correlation field where it has one. Messages still unacknowledged
   * by the broker when the connection drops are not sent again. */
  gboolean (*send_command) (MimicFeed           *self,
                            const char          *device_id,
                            const char          *command,
                            const char          *payload_json,
                            const char          *correlation_id,
                            guint                expiry_s,
                            GError             **error);

  /*< private >*/
  gpointer padding[7];
};

void            mimic_feed_start_async          (MimicFeed           *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        mimic_feed_start_finish         (MimicFeed           *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
/* Stops the subclass, then drains the decoder: every message ingested
 * before is decoded and handed to the batch handler before this returns. */
void            mimic_feed_stop                 (MimicFeed           *self);

const char     *mimic_feed_get_id               (MimicFeed           *self);
const char     *mimic_feed_get_url              (MimicFeed           *self);
const char     *mimic_feed_get_root             (MimicFeed           *self);
MimicFeedState  mimic_feed_get_state            (MimicFeed           *self);
/* The message of the last error, or NULL. */
char           *mimic_feed_dup_last_error       (MimicFeed           *self);
void            mimic_feed_get_health           (MimicFeed           *self,
                                                 MimicFeedHealth     *out);

void            mimic_feed_set_batch_handler    (MimicFeed           *self,
                                                 MimicFeedBatchFunc   func,
                                                 gpointer             user_data,
                                                 GDestroyNotify       destroy);

/* Configuration of the shared decoder; call before or while running. The
 * callback runs with the decoder locked, on the calling thread: keep it
 * short and do not call back into the feed. */
typedef void (*MimicFeedDecoderFunc) (MimicTelemetryDecoder *decoder,
                                      gpointer               user_data);
void            mimic_feed_configure_decoder    (MimicFeed            *self,
                                                 MimicFeedDecoderFunc  func,
                                                 gpointer              user_data);
/* Sees every message as received, before the size cap and decoding, on
 * the thread that ingests it (for recording). Keep it short. */
typedef void (*MimicFeedMessageFunc) (MimicFeed    *feed,
                                      const char   *topic,
                                      const guint8 *payload,
                                      gsize         length,
                                      gint64        received_us,
                                      gpointer      user_data);
void            mimic_feed_set_message_tap      (MimicFeed            *self,
                                                 MimicFeedMessageFunc  func,
                                                 gpointer              user_data,
                                                 GDestroyNotify        destroy);
void            mimic_feed_set_max_payload      (MimicFeed           *self,
                                                 gsize                max_bytes);
gsize           mimic_feed_get_max_payload      (MimicFeed           *self);
/* Topic filters the bindings need, besides the native ones. */
GPtrArray      *mimic_feed_dup_binding_filters  (MimicFeed           *self);

/* Command responses (topics ROOT/X/cmd-response[/...]) and births, handed
 * over on the thread that received them, before decoding: responses go
 * only here, births also to the decoder. @correlation is the transport's
 * id (MQTT 5 Correlation Data), NULL when it has none. Keep it short. */
typedef void (*MimicFeedCommandMessageFunc) (MimicFeed    *feed,
                                             const char   *topic,
                                             const guint8 *payload,
                                             gsize         length,
                                             const guint8 *correlation,
                                             gsize         correlation_length,
                                             gpointer      user_data);
void            mimic_feed_set_command_message_handler (MimicFeed                   *self,
                                                        MimicFeedCommandMessageFunc  func,
                                                        gpointer                     user_data,
                                                        GDestroyNotify               destroy);
/* Whether the feed can carry commands at all (a replay cannot). */
gboolean        mimic_feed_can_send_commands    (MimicFeed           *self);
/* See MimicFeedClass.send_command; fails when not connected. */
gboolean        mimic_feed_send_command         (MimicFeed           *self,
                                                 const char          *device_id,
                                                 const char          *command,
                                                 const char          *payload_json,
                                                 const char          *correlation_id,
                                                 guint                expiry_s,
                                                 GError             **error);

/* A feed for mqtt://, mqtts:// (and whatever other schemes are built in),
 * with credentials from the URL's user information. */
MimicFeed      *mimic_feed_new_for_url          (const char          *url,
                                                 GError             **error);

/* For subclasses. */
void            mimic_feed_ingest_message       (MimicFeed           *self,
                                                 const char          *topic,
                                                 const guint8        *payload,
                                                 gsize                length,
                                                 gint64               received_us);
/* A command response with the transport's correlation data. */
void            mimic_feed_ingest_command_response (MimicFeed         *self,
                                                    const char        *topic,
                                                    const guint8      *payload,
                                                    gsize              length,
                                                    const guint8      *correlation,
                                                    gsize              correlation_length);
/* Refusals a subclass makes itself, counted in the health. */
void            mimic_feed_count_rejection      (MimicFeed           *self,
                                                 MimicRejection       rejection,
                                                 gsize                length,
                                                 gint64               received_us);
void            mimic_feed_set_state            (MimicFeed           *self,
                                                 MimicFeedState       state,
                                                 const char          *error_message);
/* When TRUE, mimic_feed_ingest_message() decodes on the calling thread
 * instead of queueing for the feed's worker: for subclasses whose network
 * thread is a worker already (never the main loop). They then call
 * mimic_feed_hand_over_due() at least every MIMIC_FEED_FLUSH_INTERVAL_US,
 * so a quiet feed does not hold back its last batch. */
void            mimic_feed_set_decode_in_caller (MimicFeed           *self,
                                                 gboolean             decode_in_caller);
void            mimic_feed_hand_over_due        (MimicFeed           *self);
/* Waits until every message ingested so far has been decoded and handed
 * to the batch handler. For tests and for stop; not on the main loop of a
 * busy UI. */
void            mimic_feed_flush                (MimicFeed           *self);

G_END_DECLS
