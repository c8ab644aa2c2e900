/* mimic-update-batch.c
 *
 * Decoded updates travel from a feed's worker thread to the main loop in
 * batches, so the store applies many values per wake-up instead of one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-update-batch"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mimic-update-batch.h"

struct _MimicUpdateBatch
{
  gatomicrefcount  ref_count;

  /* Device and sensor ids repeat in nearly every sample; the chunk stores
   * each distinct string once and frees them all together. */
  GStringChunk    *strings;
  const char      *source_id;

  /* Samples come a device at a time, each with its sensors in the same
   * order: comparing with the last device and the sensor expected next is
   * cheaper than hashing every id into the chunk. */
  const char      *last_device_id;
  GPtrArray       *sensor_ids;        /* interned, in order of first use */
  guint            next_sensor_id;

  GArray          *samples;
  GArray          *presence;
  GArray          *births;
  GArray          *parameters;
  GArray          *gaps;
};

G_DEFINE_BOXED_TYPE (MimicUpdateBatch, mimic_update_batch,
                     mimic_update_batch_ref, mimic_update_batch_unref)

MimicUpdateBatch *
mimic_update_batch_new (void)
{
  MimicUpdateBatch *self = g_new0 (MimicUpdateBatch, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->strings = g_string_chunk_new (512);
  self->sensor_ids = g_ptr_array_new ();
  self->samples = g_array_new (FALSE, FALSE, sizeof (MimicSample));
  self->presence = g_array_new (FALSE, FALSE, sizeof (MimicPresenceUpdate));
  self->births = g_array_new (FALSE, FALSE, sizeof (MimicBirth));
  self->parameters = g_array_new (FALSE, FALSE, sizeof (MimicParameterUpdate));
  self->gaps = g_array_new (FALSE, FALSE, sizeof (MimicSequenceGap));

  return self;
}

MimicUpdateBatch *
mimic_update_batch_ref (MimicUpdateBatch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mimic_update_batch_unref (MimicUpdateBatch *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_string_chunk_free (self->strings);
  g_ptr_array_unref (self->sensor_ids);
  g_array_unref (self->samples);
  g_array_unref (self->presence);
  g_array_unref (self->births);
  g_array_unref (self->parameters);
  g_array_unref (self->gaps);
  g_free (self);
}

static const char *
intern (MimicUpdateBatch *self,
        const char       *text)
{
  return text != NULL ? g_string_chunk_insert_const (self->strings, text) : NULL;
}

/* Only the first few distinct sensor ids are remembered: a feed of many
 * different ids falls back to the chunk's hash table. */
#define MAX_REMEMBERED_SENSOR_IDS 64

static const char *
intern_device_id (MimicUpdateBatch *self,
                  const char       *device_id)
{
  if (device_id == self->last_device_id)
    return device_id;

  if (self->last_device_id == NULL || strcmp (self->last_device_id, device_id) != 0)
    self->last_device_id = intern (self, device_id);

  return self->last_device_id;
}

/* The batch's own copy of @device_id, valid as long as the batch: a
 * decoder adding many samples of one device passes it to
 * mimic_update_batch_add_sample(), which then need not compare the id
 * with the last one again for every value. */
const char *
mimic_update_batch_intern_device_id (MimicUpdateBatch *self,
                                     const char       *device_id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  return intern_device_id (self, device_id);
}

static const char *
intern_sensor_id (MimicUpdateBatch *self,
                  const char       *sensor_id)
{
  const char *interned;
  guint i;

  if (self->next_sensor_id < self->sensor_ids->len)
    {
      interned = g_ptr_array_index (self->sensor_ids, self->next_sensor_id);
      if (strcmp (interned, sensor_id) == 0)
        {
          self->next_sensor_id = self->next_sensor_id + 1 < self->sensor_ids->len ?
                                 self->next_sensor_id + 1 : 0;
          return interned;
        }
    }

  interned = intern (self, sensor_id);
  for (i = 0; i < self->sensor_ids->len; i++)
    if (g_ptr_array_index (self->sensor_ids, i) == interned)
      break;
  if (i == self->sensor_ids->len && i < MAX_REMEMBERED_SENSOR_IDS)
    g_ptr_array_add (self->sensor_ids, (char *) interned);
  /* After the last one, the first one is likely next. */
  self->next_sensor_id = i + 1 < self->sensor_ids->len ? i + 1 : 0;

  return interned;
}

gboolean
mimic_update_batch_is_empty (MimicUpdateBatch *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->samples->len == 0 && self->presence->len == 0 && self->births->len == 0 &&
         self->parameters->len == 0 && self->gaps->len == 0;
}

const char *
mimic_update_batch_get_source (MimicUpdateBatch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->source_id;
}

void
mimic_update_batch_set_source (MimicUpdateBatch *self,
                               const char       *source_id)
{
  g_return_if_fail (self != NULL);

  self->source_id = intern (self, source_id);
}

/* Non-finite values are refused here too, not only in the decoders: this is
 * the last gate before the twin. */
void
mimic_update_batch_add_sample (MimicUpdateBatch *self,
                               const char       *device_id,
                               const char       *sensor_id,
                               gint64            timestamp_us,
                               double            value,
                               MimicQuality      quality)
{
  MimicSample sample;

  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (sensor_id != NULL);
  g_return_if_fail (isfinite (value));

  sample.device_id = intern_device_id (self, device_id);
  sample.sensor_id = intern_sensor_id (self, sensor_id);
  sample.timestamp_us = timestamp_us;
  sample.value = value;
  sample.quality = quality;
  g_array_append_val (self->samples, sample);
}

void
mimic_update_batch_add_presence (MimicUpdateBatch *self,
                                 const char       *device_id,
                                 MimicPresence     presence,
                                 gint64            timestamp_us)
{
  MimicPresenceUpdate update;

  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL);

  update.device_id = intern (self, device_id);
  update.presence = presence;
  update.timestamp_us = timestamp_us;
  g_array_append_val (self->presence, update);
}

void
mimic_update_batch_add_birth (MimicUpdateBatch *self,
                              const char       *device_id,
                              const char       *asset_type,
                              const char       *firmware,
                              gint64            timestamp_us)
{
  MimicBirth birth;

  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL);

  birth.device_id = intern (self, device_id);
  birth.asset_type = intern (self, asset_type);
  birth.firmware = intern (self, firmware);
  birth.timestamp_us = timestamp_us;
  g_array_append_val (self->births, birth);
}

void
mimic_update_batch_add_parameter (MimicUpdateBatch *self,
                                  const char       *device_id,
                                  const char       *parameter,
                                  double            value,
                                  gboolean          desired,
                                  gint64            timestamp_us)
{
  MimicParameterUpdate update;

  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (parameter != NULL);
  g_return_if_fail (isfinite (value));

  update.device_id = intern (self, device_id);
  update.parameter = intern (self, parameter);
  update.value = value;
  update.desired = !!desired;
  update.timestamp_us = timestamp_us;
  g_array_append_val (self->parameters, update);
}

void
mimic_update_batch_add_sequence_gap (MimicUpdateBatch *self,
                                     const char       *device_id,
                                     guint64           missed)
{
  MimicSequenceGap gap;

  g_return_if_fail (self != NULL);
  g_return_if_fail (device_id != NULL);

  gap.device_id = intern (self, device_id);
  gap.missed = missed;
  g_array_append_val (self->gaps, gap);
}

#define DEFINE_ACCESSORS(Type, plural, singular, array)                        \
  guint                                                                        \
  mimic_update_batch_get_n_##plural (MimicUpdateBatch *self)                   \
  {                                                                            \
    g_return_val_if_fail (self != NULL, 0);                                    \
    return self->array->len;                                                   \
  }                                                                            \
  const Type *                                                                 \
  mimic_update_batch_get_##singular (MimicUpdateBatch *self,                   \
                                     guint             index)                  \
  {                                                                            \
    g_return_val_if_fail (self != NULL, NULL);                                 \
    g_return_val_if_fail (index < self->array->len, NULL);                     \
    return &g_array_index (self->array, Type, index);                          \
  }

DEFINE_ACCESSORS (MimicSample, samples, sample, samples)
DEFINE_ACCESSORS (MimicPresenceUpdate, presence, presence, presence)
DEFINE_ACCESSORS (MimicBirth, births, birth, births)
DEFINE_ACCESSORS (MimicParameterUpdate, parameters, parameter, parameters)
DEFINE_ACCESSORS (MimicSequenceGap, sequence_gaps, sequence_gap, gaps)

/* All samples at once, in the order they were added: for whoever walks
 * them all, without a call per sample. */
const MimicSample *
mimic_update_batch_peek_samples (MimicUpdateBatch *self,
                                 guint            *n_samples)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (n_samples != NULL, NULL);

  *n_samples = self->samples->len;
  return (const MimicSample *) (gconstpointer) self->samples->data;
}

const char *
mimic_quality_to_string (MimicQuality quality)
{
  switch (quality)
    {
    case MIMIC_QUALITY_GOOD:
      return "good";
    case MIMIC_QUALITY_STALE:
      return "stale";
    case MIMIC_QUALITY_BAD:
      return "bad";
    case MIMIC_QUALITY_OUT_OF_RANGE:
      return "out-of-range";
    default:
      return "unknown";
    }
}

const char *
mimic_presence_to_string (MimicPresence presence)
{
  switch (presence)
    {
    case MIMIC_PRESENCE_ONLINE:
      return "online";
    case MIMIC_PRESENCE_OFFLINE:
      return "offline";
    case MIMIC_PRESENCE_UNKNOWN:
    default:
      return "unknown";
    }
}
