/* mimic-history.c
 *
 * The in-memory history of one sensor. Memory is bounded whatever the feed
 * does: raw samples live in a ring of fixed capacity, and every sample is
 * also folded into min/max/mean buckets at five coarser resolutions, each in
 * its own ring. A query picks the finest ring that still holds the whole
 * range and returns at most max_points buckets, so a chart of the last week
 * costs the same as a chart of the last hour.
 *
 * The rings grow on demand up to their capacity, so a sensor that reports
 * rarely, or a console that has only just started, pays for what it holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-history"

#include "config.h"

#include <math.h>

#include "mimic-history.h"

/* Values are kept as float: a chart needs 7 significant digits, not 16, and
 * it halves the size of a sample. Bucket numbers are counted in units of the
 * ring's resolution since the epoch, which fits 32 bits until 2106. */
typedef struct
{
  guint32 number;
  guint32 count;
  float   min;
  float   max;
  float   mean;
} Bucket;

typedef struct
{
  Bucket *slots;
  guint   allocated;
  /* Bucket numbers map to slots relative to the first one ever written, so
   * the ring can grow without moving anything until it is full. */
  gint64  first;
  gint64  newest;
  /* The slot of the newest bucket: most samples land in it or in the one
   * after it, which so needs no division to find. */
  guint   newest_index;
  /* The time from which this ring holds everything the history was given;
   * G_MININT64 until something is evicted or skipped. */
  gint64  complete_from_us;
} Level;

struct _MimicHistory
{
  gatomicrefcount  ref_count;

  /* Raw samples in a ring: oldest at head, stored as two arrays so a sample
   * costs 12 bytes rather than a padded 16. */
  gint64          *raw_time;
  float           *raw_value;
  guint            raw_capacity;
  guint            raw_allocated;
  guint            raw_head;
  guint            raw_length;
  gint64           raw_complete_from_us;

  guint64          n_added;

  Level            levels[MIMIC_HISTORY_N_LEVELS];

  /* Each sample goes into the 1 s ring at once, but into the coarser rings
   * only as part of its whole second: consecutive samples of one second
   * are summed up here and folded in together when a sample of another
   * second arrives or before anything reads the rings. A sensor reporting
   * at 10 Hz so updates the coarse rings once a second, not ten times. The
   * results are the same, as every 1 s bucket lies inside exactly one
   * bucket of each coarser ring. */
  gint64           pending_number;      /* in seconds; -1: nothing pending */
  guint64          pending_count;
  double           pending_sum;
  float            pending_min;
  float            pending_max;
};

static const struct
{
  gint64 resolution_us;
  guint  capacity;
} level_info[MIMIC_HISTORY_N_LEVELS] = {
  /* Each ring reaches a little further back than its round span, so "the
   * last hour" (whose first bucket is partly older than an hour) still fits
   * the 10 s ring. */
  [MIMIC_HISTORY_LEVEL_1S] = { G_TIME_SPAN_SECOND, 660 },              /* 11 minutes */
  [MIMIC_HISTORY_LEVEL_10S] = { 10 * G_TIME_SPAN_SECOND, 390 },        /* 65 minutes */
  [MIMIC_HISTORY_LEVEL_1MIN] = { 60 * G_TIME_SPAN_SECOND, 390 },       /* 6.5 hours */
  [MIMIC_HISTORY_LEVEL_10MIN] = { 600 * G_TIME_SPAN_SECOND, 450 },     /* 75 hours */
  [MIMIC_HISTORY_LEVEL_1H] = { 3600 * G_TIME_SPAN_SECOND, 750 },       /* 31 days */
};

/* The latest timestamp the 32-bit bucket numbers can hold at 1 s. */
#define MAX_TIMESTAMP_US ((gint64) G_MAXUINT32 * G_TIME_SPAN_SECOND)

G_DEFINE_BOXED_TYPE (MimicHistory, mimic_history, mimic_history_ref, mimic_history_unref)

gint64
mimic_history_level_get_resolution (MimicHistoryLevel level)
{
  g_return_val_if_fail (level < MIMIC_HISTORY_N_LEVELS, 0);

  return level_info[level].resolution_us;
}

guint
mimic_history_level_get_capacity (MimicHistoryLevel level)
{
  g_return_val_if_fail (level < MIMIC_HISTORY_N_LEVELS, 0);

  return level_info[level].capacity;
}

MimicHistory *
mimic_history_new (guint raw_capacity)
{
  MimicHistory *self;

  g_return_val_if_fail (raw_capacity > 0, NULL);

  self = g_new0 (MimicHistory, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->raw_capacity = raw_capacity;
  self->raw_complete_from_us = G_MININT64;
  self->pending_number = -1;

  for (guint i = 0; i < MIMIC_HISTORY_N_LEVELS; i++)
    {
      self->levels[i].first = -1;
      self->levels[i].newest = -1;
      self->levels[i].complete_from_us = G_MININT64;
    }

  return self;
}

MimicHistory *
mimic_history_ref (MimicHistory *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mimic_history_unref (MimicHistory *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->raw_time);
  g_free (self->raw_value);
  for (guint i = 0; i < MIMIC_HISTORY_N_LEVELS; i++)
    g_free (self->levels[i].slots);
  g_free (self);
}

/* logical < raw_length <= raw_allocated and raw_head < raw_allocated, so
 * one subtraction wraps it; cheaper than a division on every sample. */
static inline guint
raw_index (MimicHistory *self,
           guint         logical)
{
  guint index = self->raw_head + logical;

  return index >= self->raw_allocated ? index - self->raw_allocated : index;
}

static void
raw_append (MimicHistory *self,
            gint64        timestamp_us,
            double        value)
{
  if (self->raw_length == self->raw_allocated && self->raw_allocated < self->raw_capacity)
    {
      /* Not wrapped yet (head is 0), so growing keeps every index valid. */
      guint allocated = MIN (self->raw_capacity, MAX (16, self->raw_allocated * 2));

      self->raw_time = g_renew (gint64, self->raw_time, allocated);
      self->raw_value = g_renew (float, self->raw_value, allocated);
      self->raw_allocated = allocated;
    }

  if (self->raw_length == self->raw_capacity)
    {
      /* Full: the oldest sample goes, and the ring no longer holds
       * everything before the new oldest one. */
      self->raw_head = self->raw_head + 1 == self->raw_allocated ? 0 : self->raw_head + 1;
      self->raw_length--;
      self->raw_complete_from_us = MAX (self->raw_complete_from_us,
                                        self->raw_time[self->raw_head]);
    }

  self->raw_time[raw_index (self, self->raw_length)] = timestamp_us;
  self->raw_value[raw_index (self, self->raw_length)] = (float) value;
  self->raw_length++;
}

static void
bucket_merge (Bucket *bucket,
              guint32 count,
              float   min,
              float   max,
              float   mean)
{
  guint64 total = (guint64) bucket->count + count;

  if (total > G_MAXUINT32)
    total = G_MAXUINT32;

  bucket->mean += (mean - bucket->mean) * (float) ((double) count / (double) total);
  bucket->min = MIN (bucket->min, min);
  bucket->max = MAX (bucket->max, max);
  bucket->count = (guint32) total;
}

static void
level_add (Level  *level,
           guint   capacity,
           gint64  resolution_us,
           gint64  number,
           guint32 count,
           float   min,
           float   max,
           float   mean)
{
  Bucket *slot;
  gint64 index;

  if (level->first < 0)
    {
      level->first = level->newest = number;
      level->newest_index = 0;
    }

  /* Older than anything the ring ever held, or already evicted: the ring
   * cannot take it without rewriting its layout, and a chart of that far
   * back reads a coarser ring anyway. */
  if (number < level->first || level->newest - number >= capacity)
    return;

  if (number > level->newest)
    {
      if (number == level->newest + 1)
        level->newest_index = level->newest_index + 1 < capacity ? level->newest_index + 1 : 0;
      else
        level->newest_index = (guint) ((number - level->first) % capacity);
      level->newest = number;
      if (level->newest - level->first >= capacity)
        level->complete_from_us = MAX (level->complete_from_us,
                                       (level->newest - capacity + 1) * resolution_us);
    }

  index = number == level->newest ? level->newest_index : (number - level->first) % capacity;
  if (index >= level->allocated)
    {
      guint allocated = MIN (capacity, MAX ((guint) index + 1, MAX (8, level->allocated * 2)));

      level->slots = g_renew (Bucket, level->slots, allocated);
      memset (level->slots + level->allocated, 0, (allocated - level->allocated) * sizeof (Bucket));
      level->allocated = allocated;
    }

  slot = &level->slots[index];
  if (slot->count == 0 || slot->number != (guint32) number)
    {
      slot->number = (guint32) number;
      slot->count = count;
      slot->min = min;
      slot->max = max;
      slot->mean = mean;
    }
  else
    {
      bucket_merge (slot, count, min, max, mean);
    }
}

/* Folds the samples of the pending second into the rings coarser than 1 s,
 * in the order they came, as if each had been added there on arrival. */
static void
fold_pending (MimicHistory *self)
{
  guint32 count;
  float mean;

  if (self->pending_number < 0)
    return;

  count = (guint32) MIN (self->pending_count, G_MAXUINT32);
  mean = (float) (self->pending_sum / (double) self->pending_count);
  for (guint i = MIMIC_HISTORY_LEVEL_1S + 1; i < MIMIC_HISTORY_N_LEVELS; i++)
    level_add (&self->levels[i], level_info[i].capacity, level_info[i].resolution_us,
               self->pending_number / (level_info[i].resolution_us / G_TIME_SPAN_SECOND),
               count, self->pending_min, self->pending_max, mean);

  self->pending_number = -1;
}

void
mimic_history_add (MimicHistory *self,
                   gint64        timestamp_us,
                   double        value)
{
  gint64 second;
  float stored;

  g_return_if_fail (self != NULL);

  /* The store only passes finite values; a history fed directly refuses
   * anything else rather than poisoning its rollups. */
  if (!isfinite (value) || timestamp_us < 0 || timestamp_us >= MAX_TIMESTAMP_US)
    return;

  self->n_added++;
  stored = (float) value;

  /* Out-of-order samples stay out of the raw ring, which is kept sorted for
   * queries; they still count in their rollup buckets. */
  if (self->raw_length == 0 ||
      timestamp_us >= self->raw_time[raw_index (self, self->raw_length - 1)])
    raw_append (self, timestamp_us, value);

  second = timestamp_us / G_TIME_SPAN_SECOND;
  level_add (&self->levels[MIMIC_HISTORY_LEVEL_1S], level_info[MIMIC_HISTORY_LEVEL_1S].capacity,
             G_TIME_SPAN_SECOND, second, 1, stored, stored, stored);

  if (second != self->pending_number)
    {
      fold_pending (self);
      self->pending_number = second;
      self->pending_count = 1;
      self->pending_sum = stored;
      self->pending_min = stored;
      self->pending_max = stored;
      return;
    }

  self->pending_count++;
  self->pending_sum += stored;
  self->pending_min = MIN (self->pending_min, stored);
  self->pending_max = MAX (self->pending_max, stored);
}

/* Takes a bucket computed elsewhere (reloaded from the database) into every
 * ring at least as coarse as it; the finer rings and the raw ring now miss
 * that stretch of time, which keeps queries over it away from them. */
void
mimic_history_add_rollup (MimicHistory             *self,
                          const MimicHistoryBucket *bucket)
{
  gint64 end_us;

  g_return_if_fail (self != NULL);
  g_return_if_fail (bucket != NULL);

  if (bucket->count == 0 || !isfinite (bucket->min) || !isfinite (bucket->max) ||
      !isfinite (bucket->mean) || bucket->start_us < 0 || bucket->duration_us < 0 ||
      bucket->start_us >= MAX_TIMESTAMP_US)
    return;

  /* Keeps the coarse rings in arrival order. */
  fold_pending (self);

  end_us = bucket->start_us + MAX (bucket->duration_us, 1);
  self->raw_complete_from_us = MAX (self->raw_complete_from_us, end_us);

  for (guint i = 0; i < MIMIC_HISTORY_N_LEVELS; i++)
    {
      if (level_info[i].resolution_us < bucket->duration_us)
        {
          self->levels[i].complete_from_us = MAX (self->levels[i].complete_from_us, end_us);
          continue;
        }

      level_add (&self->levels[i], level_info[i].capacity, level_info[i].resolution_us,
                 bucket->start_us / level_info[i].resolution_us,
                 bucket->count, (float) bucket->min, (float) bucket->max, (float) bucket->mean);
    }

  self->n_added += bucket->count;
}

/* First logical raw index with a timestamp >= timestamp_us. */
static guint
raw_lower_bound (MimicHistory *self,
                 gint64        timestamp_us)
{
  guint low = 0, high = self->raw_length;

  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (self->raw_time[raw_index (self, mid)] < timestamp_us)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

static void
emit (GArray                   *out,
      const MimicHistoryBucket *bucket)
{
  g_array_append_vals (out, bucket, 1);
}

static guint
query_raw (MimicHistory *self,
           gint64        from_us,
           gint64        to_us,
           guint         max_points,
           GArray       *out)
{
  guint begin = raw_lower_bound (self, from_us);
  guint end = to_us == G_MAXINT64 ? self->raw_length : raw_lower_bound (self, to_us + 1);
  guint n = end > begin ? end - begin : 0;
  guint group = n > max_points ? (n + max_points - 1) / max_points : 1;
  guint emitted = 0;

  for (guint i = begin; i < end; i += group)
    {
      MimicHistoryBucket bucket = { 0, };
      double sum = 0;
      guint j;

      bucket.start_us = self->raw_time[raw_index (self, i)];
      bucket.min = G_MAXDOUBLE;
      bucket.max = -G_MAXDOUBLE;
      for (j = i; j < end && j < i + group; j++)
        {
          double value = self->raw_value[raw_index (self, j)];

          bucket.min = MIN (bucket.min, value);
          bucket.max = MAX (bucket.max, value);
          sum += value;
        }
      bucket.count = j - i;
      bucket.mean = sum / bucket.count;
      if (group > 1)
        bucket.duration_us = self->raw_time[raw_index (self, j - 1)] - bucket.start_us;
      emit (out, &bucket);
      emitted++;
    }

  return emitted;
}

static gboolean
level_range (Level  *level,
             guint   capacity,
             gint64  resolution_us,
             gint64  from_us,
             gint64  to_us,
             gint64 *first_number,
             gint64 *last_number)
{
  gint64 low, high;

  if (level->first < 0)
    return FALSE;

  low = MAX (MAX (from_us, 0) / resolution_us, MAX (level->first, level->newest - capacity + 1));
  high = MIN (to_us / resolution_us, level->newest);
  if (low > high)
    return FALSE;

  *first_number = low;
  *last_number = high;
  return TRUE;
}

static guint
query_level (MimicHistory      *self,
             MimicHistoryLevel  which,
             gint64             from_us,
             gint64             to_us,
             guint              max_points,
             GArray            *out)
{
  Level *level = &self->levels[which];
  guint capacity = level_info[which].capacity;
  gint64 resolution_us = level_info[which].resolution_us;
  gint64 low, high, group;
  guint emitted = 0;

  if (!level_range (level, capacity, resolution_us, from_us, to_us, &low, &high))
    return 0;

  /* Groups of whole bucket numbers keep the merged points evenly spaced. */
  group = MAX (1, (high - low + max_points) / max_points);

  for (gint64 start = low; start <= high; start += group)
    {
      MimicHistoryBucket merged = { 0, };
      guint64 count = 0;
      double sum = 0;

      merged.min = G_MAXDOUBLE;
      merged.max = -G_MAXDOUBLE;
      for (gint64 number = start; number <= high && number < start + group; number++)
        {
          gint64 index = (number - level->first) % capacity;
          Bucket *slot;

          if (index >= level->allocated)
            continue;
          slot = &level->slots[index];
          if (slot->count == 0 || slot->number != (guint32) number)
            continue;

          if (count == 0)
            merged.start_us = number * resolution_us;
          merged.min = MIN (merged.min, slot->min);
          merged.max = MAX (merged.max, slot->max);
          sum += (double) slot->mean * slot->count;
          count += slot->count;
        }

      if (count == 0)
        continue;

      merged.duration_us = (MIN (start + group, high + 1)) * resolution_us - merged.start_us;
      merged.count = (guint) MIN (count, G_MAXUINT);
      merged.mean = sum / (double) count;
      emit (out, &merged);
      emitted++;
    }

  return emitted;
}

static guint
level_count (MimicHistory      *self,
             MimicHistoryLevel  which,
             gint64             from_us,
             gint64             to_us)
{
  gint64 low, high;

  if (!level_range (&self->levels[which], level_info[which].capacity,
                    level_info[which].resolution_us, from_us, to_us, &low, &high))
    return 0;

  return (guint) MIN (high - low + 1, G_MAXUINT);
}

/* Appends at most max_points buckets covering from_us..to_us (inclusive) to
 * out, oldest first, and returns how many it appended. The raw ring is used
 * when it holds the whole range in at most max_points samples; otherwise the
 * finest rollup ring that holds the range in at most max_points buckets; and
 * when none does, the coarsest ring with neighbouring buckets merged. */
guint
mimic_history_query (MimicHistory *self,
                     gint64        from_us,
                     gint64        to_us,
                     guint         max_points,
                     GArray       *out)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (out != NULL, 0);
  g_return_val_if_fail (g_array_get_element_size (out) == sizeof (MimicHistoryBucket), 0);

  if (max_points == 0 || from_us > to_us || self->n_added == 0)
    return 0;

  fold_pending (self);

  if (self->raw_complete_from_us <= from_us)
    {
      guint begin = raw_lower_bound (self, from_us);
      guint end = to_us == G_MAXINT64 ? self->raw_length : raw_lower_bound (self, to_us + 1);

      if (end - begin <= max_points)
        return query_raw (self, from_us, to_us, max_points, out);
    }

  for (guint i = 0; i < MIMIC_HISTORY_N_LEVELS - 1; i++)
    {
      if (self->levels[i].complete_from_us > from_us)
        continue;
      if (level_count (self, i, from_us, to_us) <= max_points)
        return query_level (self, i, from_us, to_us, max_points, out);
    }

  return query_level (self, MIMIC_HISTORY_LEVEL_1H, from_us, to_us, max_points, out);
}

guint
mimic_history_get_raw_capacity (MimicHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->raw_capacity;
}

guint
mimic_history_get_n_raw (MimicHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->raw_length;
}

guint64
mimic_history_get_n_added (MimicHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_added;
}

gboolean
mimic_history_get_newest (MimicHistory *self,
                          gint64       *timestamp_us,
                          double       *value)
{
  guint last;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->raw_length == 0)
    return FALSE;

  last = raw_index (self, self->raw_length - 1);
  if (timestamp_us != NULL)
    *timestamp_us = self->raw_time[last];
  if (value != NULL)
    *value = self->raw_value[last];
  return TRUE;
}

/* What the history holds on the heap, for the memory benchmark and for a
 * status page; allocator overhead is not included. */
gsize
mimic_history_get_memory_size (MimicHistory *self)
{
  gsize size;

  g_return_val_if_fail (self != NULL, 0);

  /* Folding may grow a ring. */
  fold_pending (self);

  size = sizeof (MimicHistory) + self->raw_allocated * (sizeof (gint64) + sizeof (float));
  for (guint i = 0; i < MIMIC_HISTORY_N_LEVELS; i++)
    size += self->levels[i].allocated * sizeof (Bucket);

  return size;
}
