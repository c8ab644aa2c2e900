/* mimic-fleet-item.h — one row of the fleet list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-asset.h"
#include "mimic-twin-device.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_FLEET_ITEM (mimic_fleet_item_get_type ())

G_DECLARE_FINAL_TYPE (MimicFleetItem, mimic_fleet_item, MIMIC, FLEET_ITEM, GObject)

MimicFleetItem   *mimic_fleet_item_new                (MimicTwinDevice *device);
MimicTwinDevice  *mimic_fleet_item_get_device         (MimicFleetItem  *self);
const char       *mimic_fleet_item_get_id             (MimicFleetItem  *self);
/* The asset gives the row its key value (a pump's flow, a rack's state of
 * charge) and its unit; NULL until the device's birth names a known asset. */
void              mimic_fleet_item_set_asset          (MimicFleetItem  *self,
                                                       MimicAsset      *asset);
MimicAsset       *mimic_fleet_item_get_asset          (MimicFleetItem  *self);
const char       *mimic_fleet_item_get_key_sensor     (MimicFleetItem  *self);
/* Re-reads presence, type and the key value from the device; notifies
 * only what changed. Called for the device's own updates only. */
void              mimic_fleet_item_refresh            (MimicFleetItem  *self);
/* 0: no standing alarm, else the highest MimicAlarmPriority standing. */
void              mimic_fleet_item_set_alarm_priority (MimicFleetItem  *self,
                                                       guint            priority);
guint             mimic_fleet_item_get_alarm_priority (MimicFleetItem  *self);
const char       *mimic_fleet_item_get_presence_text  (MimicFleetItem  *self);
const char       *mimic_fleet_item_get_key_text       (MimicFleetItem  *self);
double            mimic_fleet_item_get_key_value      (MimicFleetItem  *self);
/* "High", translated; "" for 0. */
const char       *mimic_fleet_item_priority_label     (guint            priority);

G_END_DECLS
