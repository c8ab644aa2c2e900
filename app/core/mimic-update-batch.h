/* mimic-update-batch.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* How far a sensor value can be trusted. */
typedef enum
{
  MIMIC_QUALITY_GOOD,
  MIMIC_QUALITY_STALE,          /* no update within the heartbeat timeout */
  MIMIC_QUALITY_BAD,            /* the device or the feed flagged it */
  MIMIC_QUALITY_OUT_OF_RANGE,   /* outside the sensor's minimum..maximum */
} MimicQuality;

typedef enum
{
  MIMIC_PRESENCE_UNKNOWN,
  MIMIC_PRESENCE_ONLINE,
  MIMIC_PRESENCE_OFFLINE,
} MimicPresence;

typedef struct
{
  const char   *device_id;
  const char   *sensor_id;
  gint64        timestamp_us;   /* wall clock, microseconds since the epoch */
  double        value;          /* always finite */
  MimicQuality  quality;
} MimicSample;

typedef struct
{
  const char    *device_id;
  MimicPresence  presence;
  gint64         timestamp_us;
} MimicPresenceUpdate;

typedef struct
{
  const char *device_id;
  const char *asset_type;       /* may be NULL */
  const char *firmware;         /* may be NULL */
  gint64      timestamp_us;
} MimicBirth;

typedef struct
{
  const char *device_id;
  const char *parameter;
  double      value;            /* always finite */
  gboolean    desired;          /* FALSE: reported by the device; TRUE: desired by Mimic */
  gint64      timestamp_us;
} MimicParameterUpdate;

typedef struct
{
  const char *device_id;
  guint64     missed;           /* messages lost between two accepted sequence numbers */
} MimicSequenceGap;

/* A batch of decoded updates, built on a feed's worker thread and handed to
 * the twin store, which applies it on the main loop. Strings are owned by
 * the batch and live as long as it does. Not thread-safe: one thread builds
 * it, then gives it away. */
typedef struct _MimicUpdateBatch MimicUpdateBatch;

#define MIMIC_TYPE_UPDATE_BATCH (mimic_update_batch_get_type ())

GType                        mimic_update_batch_get_type        (void) G_GNUC_CONST;
MimicUpdateBatch            *mimic_update_batch_new             (void);
MimicUpdateBatch            *mimic_update_batch_ref             (MimicUpdateBatch *self);
void                         mimic_update_batch_unref           (MimicUpdateBatch *self);

gboolean                     mimic_update_batch_is_empty        (MimicUpdateBatch *self);
const char                  *mimic_update_batch_get_source      (MimicUpdateBatch *self);
void                         mimic_update_batch_set_source      (MimicUpdateBatch *self,
                                                                 const char       *source_id);

void                         mimic_update_batch_add_sample      (MimicUpdateBatch *self,
                                                                 const char       *device_id,
                                                                 const char       *sensor_id,
                                                                 gint64            timestamp_us,
                                                                 double            value,
                                                                 MimicQuality      quality);
void                         mimic_update_batch_add_presence    (MimicUpdateBatch *self,
                                                                 const char       *device_id,
                                                                 MimicPresence     presence,
                                                                 gint64            timestamp_us);
void                         mimic_update_batch_add_birth       (MimicUpdateBatch *self,
                                                                 const char       *device_id,
                                                                 const char       *asset_type,
                                                                 const char       *firmware,
                                                                 gint64            timestamp_us);
void                         mimic_update_batch_add_parameter   (MimicUpdateBatch *self,
                                                                 const char       *device_id,
                                                                 const char       *parameter,
                                                                 double            value,
                                                                 gboolean          desired,
                                                                 gint64            timestamp_us);
void                         mimic_update_batch_add_sequence_gap (MimicUpdateBatch *self,
                                                                 const char       *device_id,
                                                                 guint64           missed);

const char                  *mimic_update_batch_intern_device_id (MimicUpdateBatch *self,
                                                                 const char       *device_id);

guint                        mimic_update_batch_get_n_samples   (MimicUpdateBatch *self);
const MimicSample           *mimic_update_batch_get_sample      (MimicUpdateBatch *self,
                                                                 guint             index);
const MimicSample           *mimic_update_batch_peek_samples    (MimicUpdateBatch *self,
                                                                 guint            *n_samples);
guint                        mimic_update_batch_get_n_presence  (MimicUpdateBatch *self);
const MimicPresenceUpdate   *mimic_update_batch_get_presence    (MimicUpdateBatch *self,
                                                                 guint             index);
guint                        mimic_update_batch_get_n_births    (MimicUpdateBatch *self);
const MimicBirth            *mimic_update_batch_get_birth       (MimicUpdateBatch *self,
                                                                 guint             index);
guint                        mimic_update_batch_get_n_parameters (MimicUpdateBatch *self);
const MimicParameterUpdate  *mimic_update_batch_get_parameter   (MimicUpdateBatch *self,
                                                                 guint             index);
guint                        mimic_update_batch_get_n_sequence_gaps (MimicUpdateBatch *self);
const MimicSequenceGap      *mimic_update_batch_get_sequence_gap (MimicUpdateBatch *self,
                                                                 guint             index);

const char                  *mimic_quality_to_string            (MimicQuality      quality);
const char                  *mimic_presence_to_string           (MimicPresence     presence);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicUpdateBatch, mimic_update_batch_unref)

G_END_DECLS
