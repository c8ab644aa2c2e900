/* mimic-replay-feed.h — a MimicFeed that plays a recording back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-feed.h"

G_BEGIN_DECLS

#define MIMIC_REPLAY_MAX_SPEED 10000.0

#define MIMIC_TYPE_REPLAY_FEED (mimic_replay_feed_get_type ())
G_DECLARE_FINAL_TYPE (MimicReplayFeed, mimic_replay_feed, MIMIC, REPLAY_FEED, MimicFeed)

MimicReplayFeed *mimic_replay_feed_new          (const char      *path,
                                                 GError         **error);
const char      *mimic_replay_feed_get_path     (MimicReplayFeed *self);
/* The source URL written in the recording's header. */
const char      *mimic_replay_feed_get_source   (MimicReplayFeed *self);
/* 1.0 is real time; up to MIMIC_REPLAY_MAX_SPEED. May change while playing. */
void             mimic_replay_feed_set_speed    (MimicReplayFeed *self,
                                                 double           speed);
double           mimic_replay_feed_get_speed    (MimicReplayFeed *self);
void             mimic_replay_feed_set_paused   (MimicReplayFeed *self,
                                                 gboolean         paused);
gboolean         mimic_replay_feed_get_paused   (MimicReplayFeed *self);
/* Continues from @offset_us after the first recorded message. Status,
 * birth and reported messages before that point are delivered at once, so
 * devices are known; telemetry before it is skipped. Before start, sets
 * where playing begins. */
void             mimic_replay_feed_seek         (MimicReplayFeed *self,
                                                 gint64           offset_us);
/* How far into the recording playing has got. */
gint64           mimic_replay_feed_get_position (MimicReplayFeed *self);
/* TRUE once the last message was delivered; the state is then
 * MIMIC_FEED_STATE_DISCONNECTED. */
gboolean         mimic_replay_feed_is_finished  (MimicReplayFeed *self);
guint64          mimic_replay_feed_get_n_skipped_lines (MimicReplayFeed *self);

G_END_DECLS
