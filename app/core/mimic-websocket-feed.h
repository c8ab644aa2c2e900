/* mimic-websocket-feed.h — a MimicFeed reading JSON envelopes
 * {"topic": "...", "payload": {...}} from a ws:// or wss:// server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-backoff.h"
#include "mimic-connection.h"
#include "mimic-feed.h"

G_BEGIN_DECLS

#define MIMIC_WEBSOCKET_DEFAULT_KEEPALIVE_S 20

#define MIMIC_TYPE_WEBSOCKET_FEED (mimic_websocket_feed_get_type ())
G_DECLARE_FINAL_TYPE (MimicWebSocketFeed, mimic_websocket_feed, MIMIC, WEBSOCKET_FEED, MimicFeed)

MimicWebSocketFeed *mimic_websocket_feed_new                    (MimicConnection     *connection,
                                                                 GError             **error);
MimicConnection    *mimic_websocket_feed_get_connection         (MimicWebSocketFeed  *self);
/* Replaces the default backoff (500 ms doubling up to 30 s, full jitter);
 * call before starting. */
void                mimic_websocket_feed_set_backoff            (MimicWebSocketFeed  *self,
                                                                 MimicBackoff        *backoff);
/* A ping every @interval_s seconds (0: none); no pong or message for two
 * intervals means the peer is gone and the feed reconnects. Call before
 * starting. */
void                mimic_websocket_feed_set_keepalive_interval (MimicWebSocketFeed  *self,
                                                                 guint                interval_s);
guint               mimic_websocket_feed_get_keepalive_interval (MimicWebSocketFeed  *self);
/* Pongs received since the feed was started. */
guint64             mimic_websocket_feed_get_n_pongs            (MimicWebSocketFeed  *self);
/* Sends {"topic": @topic, "payload": @payload_json} to the server, for
 * commands. Thread-safe; fails when not connected or @payload_json is not
 * a JSON object. */
gboolean            mimic_websocket_feed_send                   (MimicWebSocketFeed  *self,
                                                                 const char          *topic,
                                                                 const char          *payload_json,
                                                                 GError             **error);
/* Handles @data as if it were a text frame from the server (tests and the
 * fuzz target of the envelope). Only on a feed that is not started. */
void                mimic_websocket_feed_ingest_frame           (MimicWebSocketFeed  *self,
                                                                 const guint8        *data,
                                                                 gsize                length);

G_END_DECLS
