/* mimic-telemetry-decoder.h — turns one feed message into updates
 *
 * The decoder knows the native protocol (docs/protocol.md) and the foreign
 * JSON bindings of asset descriptions. It works on raw bytes so a fuzz target
 * can drive it directly. It is not thread-safe: one decoder belongs to one
 * worker thread (a MimicFeed guards its decoder with a mutex).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "mimic-asset.h"
#include "mimic-asset-registry.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

/* Why (part of) a message was refused. Each kind has its own counter in a
 * feed's health. */
typedef enum
{
  MIMIC_REJECTION_MALFORMED_JSON,
  MIMIC_REJECTION_WRONG_TYPE,           /* e.g. "NaN" (a string) where a number belongs */
  MIMIC_REJECTION_NON_FINITE,           /* e.g. 1e999, which parses to infinity */
  MIMIC_REJECTION_OVERSIZED,            /* payload above the size cap */
  MIMIC_REJECTION_UNKNOWN_DEVICE,       /* no birth, no known device, no binding */
  MIMIC_REJECTION_UNKNOWN_SENSOR,       /* not in the device's asset description */
  MIMIC_REJECTION_DUPLICATE_SEQUENCE,
  MIMIC_REJECTION_OUT_OF_ORDER_SEQUENCE,
  MIMIC_REJECTION_FUTURE_TIMESTAMP,     /* more than the allowed skew ahead of receive time */
  MIMIC_REJECTION_DEVICE_LIMIT,         /* the source already has the maximum number of devices */
  MIMIC_REJECTION_UNKNOWN_TOPIC,        /* under the root, but no message kind Mimic reads */
  MIMIC_REJECTION_OVERLOAD,             /* dropped because the decoder fell too far behind */
  MIMIC_N_REJECTIONS
} MimicRejection;

/* What decoding one message produced. */
typedef struct
{
  guint n_values;                       /* samples and parameters added to the batch */
  guint rejections[MIMIC_N_REJECTIONS]; /* one message may be refused for several values */
} MimicDecodeResult;

#define MIMIC_TELEMETRY_DEFAULT_ROOT             "mimic"
#define MIMIC_TELEMETRY_DEFAULT_MAX_PAYLOAD      (64 * 1024)
#define MIMIC_TELEMETRY_DEFAULT_MAX_DEVICES      10000
#define MIMIC_TELEMETRY_DEFAULT_MAX_FUTURE_US    (5 * 60 * G_USEC_PER_SEC)

typedef struct _MimicTelemetryDecoder MimicTelemetryDecoder;

MimicTelemetryDecoder *mimic_telemetry_decoder_new              (const char            *root);
void                   mimic_telemetry_decoder_free             (MimicTelemetryDecoder *self);

const char            *mimic_telemetry_decoder_get_root         (MimicTelemetryDecoder *self);
void                   mimic_telemetry_decoder_set_max_payload  (MimicTelemetryDecoder *self,
                                                                 gsize                  max_bytes);
gsize                  mimic_telemetry_decoder_get_max_payload  (MimicTelemetryDecoder *self);
void                   mimic_telemetry_decoder_set_max_devices  (MimicTelemetryDecoder *self,
                                                                 guint                  max_devices);
void                   mimic_telemetry_decoder_set_max_future   (MimicTelemetryDecoder *self,
                                                                 gint64                 max_future_us);
/* When FALSE, telemetry from a device never seen in a birth is accepted and
 * the device is registered on first sight (still counted against the device
 * limit). Default TRUE. */
void                   mimic_telemetry_decoder_set_require_birth (MimicTelemetryDecoder *self,
                                                                 gboolean               require_birth);

/* What the asset descriptions say. A sensor of a known asset type has a
 * range (use -INFINITY / INFINITY for an open end); a device whose asset
 * type has sensors registered only gets those sensors accepted. */
void                   mimic_telemetry_decoder_add_sensor       (MimicTelemetryDecoder *self,
                                                                 const char            *asset_type,
                                                                 const char            *sensor_id,
                                                                 double                 minimum,
                                                                 double                 maximum);
/* A device known in advance (configured, not born on the wire). */
void                   mimic_telemetry_decoder_add_device       (MimicTelemetryDecoder *self,
                                                                 const char            *device_id,
                                                                 const char            *asset_type);

/* Foreign JSON: messages on topics matching @topic_filter (MQTT wildcards
 * + and #, relative to nothing: the full topic) carry @sensor_id at
 * @value_pointer (RFC 6901). The device id is @device_id, or, when it is
 * NULL, the topic level that the first '+' of the filter matched.
 * value = raw * scale + offset. @timestamp_pointer (may be NULL) points at
 * milliseconds since the epoch or an ISO 8601 string. */
void                   mimic_telemetry_decoder_add_binding      (MimicTelemetryDecoder *self,
                                                                 const char            *topic_filter,
                                                                 const char            *device_id,
                                                                 const char            *asset_type,
                                                                 const char            *sensor_id,
                                                                 const char            *value_pointer,
                                                                 double                 scale,
                                                                 double                 offset,
                                                                 const char            *timestamp_pointer);
/* The sensors (with their ranges) and the bindings of an asset
 * description, or of every asset in a registry. */
void                   mimic_telemetry_decoder_add_asset        (MimicTelemetryDecoder *self,
                                                                 MimicAsset            *asset);
void                   mimic_telemetry_decoder_add_asset_registry (MimicTelemetryDecoder *self,
                                                                 MimicAssetRegistry    *registry);
/* The distinct topic filters of all bindings, for subscribing. */
GPtrArray             *mimic_telemetry_decoder_dup_binding_filters (MimicTelemetryDecoder *self);

/* Decodes one message received at @received_us (wall clock) into @batch.
 * Returns TRUE when the message contributed anything (possibly with some
 * values refused); FALSE when it was refused entirely or was not for
 * Mimic. @result is always filled in. Never aborts on any input. */
gboolean               mimic_telemetry_decoder_decode           (MimicTelemetryDecoder *self,
                                                                 const char            *topic,
                                                                 const guint8          *payload,
                                                                 gsize                  length,
                                                                 gint64                 received_us,
                                                                 MimicUpdateBatch      *batch,
                                                                 MimicDecodeResult     *result);

/* Forgets devices and sequence numbers (not sensors or bindings), e.g. when
 * a replay jumps back in time. */
void                   mimic_telemetry_decoder_reset_devices    (MimicTelemetryDecoder *self);

gboolean               mimic_topic_matches_filter               (const char            *filter,
                                                                 const char            *topic);
const char            *mimic_rejection_to_string                (MimicRejection         rejection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicTelemetryDecoder, mimic_telemetry_decoder_free)

G_END_DECLS
