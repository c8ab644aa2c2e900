/* mimic-twin-device.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-enums.h"
#include "mimic-history.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

/* The latest value of one sensor as the twin knows it. */
typedef struct
{
  double        value;
  gint64        timestamp_us;   /* the device's timestamp of the value */
  MimicQuality  quality;
} MimicSensorReading;

#define MIMIC_TYPE_TWIN_DEVICE (mimic_twin_device_get_type ())

G_DECLARE_FINAL_TYPE (MimicTwinDevice, mimic_twin_device, MIMIC, TWIN_DEVICE, GObject)

const char     *mimic_twin_device_get_id              (MimicTwinDevice    *self);
const char     *mimic_twin_device_get_asset_type      (MimicTwinDevice    *self);
const char     *mimic_twin_device_get_firmware        (MimicTwinDevice    *self);
/* The feed (by mimic_feed_get_id()) its newest update came from. */
const char     *mimic_twin_device_get_source_id       (MimicTwinDevice    *self);
MimicPresence   mimic_twin_device_get_presence        (MimicTwinDevice    *self);
gint64          mimic_twin_device_get_last_seen       (MimicTwinDevice    *self);
guint64         mimic_twin_device_get_sequence_gaps   (MimicTwinDevice    *self);

guint           mimic_twin_device_get_n_sensors       (MimicTwinDevice    *self);
GStrv           mimic_twin_device_dup_sensor_ids      (MimicTwinDevice    *self);
gboolean        mimic_twin_device_get_sensor          (MimicTwinDevice    *self,
                                                       const char         *sensor_id,
                                                       MimicSensorReading *out);
MimicHistory   *mimic_twin_device_get_history         (MimicTwinDevice    *self,
                                                       const char         *sensor_id);

GStrv           mimic_twin_device_dup_parameter_names (MimicTwinDevice    *self);
gboolean        mimic_twin_device_get_reported        (MimicTwinDevice    *self,
                                                       const char         *parameter,
                                                       double             *value);
gboolean        mimic_twin_device_get_desired         (MimicTwinDevice    *self,
                                                       const char         *parameter,
                                                       double             *value);
gboolean        mimic_twin_device_set_desired         (MimicTwinDevice    *self,
                                                       const char         *parameter,
                                                       double              value,
                                                       GError            **error);

G_END_DECLS
