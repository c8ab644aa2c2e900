/* mimic-history.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One point of a history query: a bucket of samples, or one raw sample
 * (duration_us 0, count 1, min == max == mean). */
typedef struct
{
  gint64  start_us;
  gint64  duration_us;
  double  min;
  double  max;
  double  mean;
  guint   count;
} MimicHistoryBucket;

/* Rollup resolutions, finest first. */
typedef enum
{
  MIMIC_HISTORY_LEVEL_1S,
  MIMIC_HISTORY_LEVEL_10S,
  MIMIC_HISTORY_LEVEL_1MIN,
  MIMIC_HISTORY_LEVEL_10MIN,
  MIMIC_HISTORY_LEVEL_1H,
  MIMIC_HISTORY_N_LEVELS,
} MimicHistoryLevel;

#define MIMIC_HISTORY_DEFAULT_RAW_CAPACITY 1024
/* Samples stamped further ahead of the local clock than this are shown but
 * kept in no history: one bad clock must not push the rings past every
 * later sample. */
#define MIMIC_HISTORY_MAX_CLOCK_AHEAD (10 * G_TIME_SPAN_MINUTE)

/* The bounded memory history of one sensor: a ring of raw samples plus
 * min/max/mean rollup rings at coarser resolutions. Used on one thread
 * (the main thread, where the twin store applies updates). */
typedef struct _MimicHistory MimicHistory;

#define MIMIC_TYPE_HISTORY (mimic_history_get_type ())

GType          mimic_history_get_type             (void) G_GNUC_CONST;
MimicHistory  *mimic_history_new                  (guint              raw_capacity);
MimicHistory  *mimic_history_ref                  (MimicHistory      *self);
void           mimic_history_unref                (MimicHistory      *self);

void           mimic_history_add                  (MimicHistory      *self,
                                                   gint64             timestamp_us,
                                                   double             value);
void           mimic_history_add_rollup           (MimicHistory      *self,
                                                   const MimicHistoryBucket *bucket);
guint          mimic_history_query                (MimicHistory      *self,
                                                   gint64             from_us,
                                                   gint64             to_us,
                                                   guint              max_points,
                                                   GArray            *out);

guint          mimic_history_get_raw_capacity     (MimicHistory      *self);
guint          mimic_history_get_n_raw            (MimicHistory      *self);
guint64        mimic_history_get_n_added          (MimicHistory      *self);
gboolean       mimic_history_get_newest           (MimicHistory      *self,
                                                   gint64            *timestamp_us,
                                                   double            *value);
gsize          mimic_history_get_memory_size      (MimicHistory      *self);

gint64         mimic_history_level_get_resolution (MimicHistoryLevel  level);
guint          mimic_history_level_get_capacity   (MimicHistoryLevel  level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicHistory, mimic_history_unref)

G_END_DECLS
