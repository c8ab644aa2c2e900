/* mimic-twin-device-private.h — what the twin store uses to update a device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-twin-device.h"

G_BEGIN_DECLS

MimicTwinDevice *mimic_twin_device_new                 (const char                 *device_id,
                                                        guint                       history_capacity,
                                                        guint                       max_sensors);
gboolean         mimic_twin_device_has_sensor          (MimicTwinDevice            *self,
                                                        const char                 *sensor_id);
/* Where the store lists the device, so it can report changes in list
 * order without walking the whole list. */
guint            mimic_twin_device_get_position        (MimicTwinDevice            *self);
void             mimic_twin_device_set_position        (MimicTwinDevice            *self,
                                                        guint                       position);
/* The source of the update being applied; NULL keeps the one known. */
void             mimic_twin_device_set_source_id       (MimicTwinDevice            *self,
                                                        const char                 *source_id);

/* Between begin and end the device collects what changed; end emits one
 * "sensors-changed" and one "parameters-changed" at most, and the property
 * notifications, and returns whether anything changed at all. */
void             mimic_twin_device_begin_changes       (MimicTwinDevice            *self);
gboolean         mimic_twin_device_is_changing         (MimicTwinDevice            *self);
gboolean         mimic_twin_device_end_changes         (MimicTwinDevice            *self);

/* The apply functions return FALSE when the update was refused because the
 * device has as many sensors (or parameters) as it may have. */
gboolean         mimic_twin_device_apply_sample        (MimicTwinDevice            *self,
                                                        const MimicSample          *sample,
                                                        gint64                      received_us);
/* Applies consecutive samples of this device; returns how many it refused. */
guint            mimic_twin_device_apply_samples       (MimicTwinDevice            *self,
                                                        const MimicSample          *samples,
                                                        guint                       n_samples,
                                                        gint64                      received_us);
void             mimic_twin_device_apply_presence      (MimicTwinDevice            *self,
                                                        const MimicPresenceUpdate  *update,
                                                        gint64                      received_us);
void             mimic_twin_device_apply_birth         (MimicTwinDevice            *self,
                                                        const MimicBirth           *birth,
                                                        gint64                      received_us);
gboolean         mimic_twin_device_apply_parameter     (MimicTwinDevice            *self,
                                                        const MimicParameterUpdate *update,
                                                        gint64                      received_us);
void             mimic_twin_device_apply_sequence_gap  (MimicTwinDevice            *self,
                                                        const MimicSequenceGap     *gap);
void             mimic_twin_device_mark_stale          (MimicTwinDevice            *self,
                                                        gint64                      received_before_us);
MimicHistory    *mimic_twin_device_ensure_history      (MimicTwinDevice            *self,
                                                        const char                 *sensor_id,
                                                        gboolean                   *created);
void             mimic_twin_device_restore_reading     (MimicTwinDevice            *self,
                                                        const char                 *sensor_id,
                                                        gint64                      timestamp_us,
                                                        double                      value);

G_END_DECLS
