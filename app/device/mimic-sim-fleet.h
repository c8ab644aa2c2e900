/* mimic-sim-fleet.h — the simulated devices of one mimic-device process
 * and the transports they speak over
 *
 * One timer for the whole fleet steps the devices and spreads their
 * telemetry over each period. Over MQTT every device has its own client
 * connection, so it has its own Will; over WebSocket the fleet is the
 * server and every client gets the retained messages first. Both
 * transports carry the native protocol of docs/protocol.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-asset-registry.h"
#include "mimic-sim-device.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_SIM_FLEET (mimic_sim_fleet_get_type ())

G_DECLARE_FINAL_TYPE (MimicSimFleet, mimic_sim_fleet, MIMIC, SIM_FLEET, GObject)

/* Creates @n_pumps "pump-skid" devices (pump-001, ...) and @n_racks
 * "battery-rack" devices (rack-001, ...) from the descriptions in
 * @registry. */
MimicSimFleet  *mimic_sim_fleet_new                       (MimicAssetRegistry  *registry,
                                                           guint                n_pumps,
                                                           guint                n_racks,
                                                           guint32              seed,
                                                           GError             **error);

guint           mimic_sim_fleet_get_n_devices             (MimicSimFleet       *self);
MimicSimDevice *mimic_sim_fleet_lookup                    (MimicSimFleet       *self,
                                                           const char          *device_id);

/* Simulated seconds per wall-clock second (1: real time). */
gboolean        mimic_sim_fleet_set_speed                 (MimicSimFleet       *self,
                                                           double               speed,
                                                           GError             **error);
double          mimic_sim_fleet_get_speed                 (MimicSimFleet       *self);
/* Telemetry messages per device per second. */
gboolean        mimic_sim_fleet_set_rate                  (MimicSimFleet       *self,
                                                           double               rate_hz,
                                                           GError             **error);
double          mimic_sim_fleet_get_rate                  (MimicSimFleet       *self);
void            mimic_sim_fleet_set_root                  (MimicSimFleet       *self,
                                                           const char          *root);
const char     *mimic_sim_fleet_get_root                  (MimicSimFleet       *self);
void            mimic_sim_fleet_set_allow_fault_commands  (MimicSimFleet       *self,
                                                           gboolean             allow);

/* Appends one JSON line per command acted on to @path. */
gboolean        mimic_sim_fleet_open_command_log          (MimicSimFleet       *self,
                                                           const char          *path,
                                                           GError             **error);

/* "DEVICE:KIND[:key=value,...]", applied at once. */
gboolean        mimic_sim_fleet_add_fault_spec            (MimicSimFleet       *self,
                                                           const char          *spec,
                                                           GError             **error);
/* A JSON list of {"at": simulated seconds, "device", "fault", "params"}. */
gboolean        mimic_sim_fleet_load_scenario             (MimicSimFleet       *self,
                                                           const char          *path,
                                                           GError             **error);

/* How many devices share one MQTT connection (default 1). Only a device
 * with a connection of its own has a Will; past a few thousand devices the
 * file descriptor limit calls for sharing. Set before connecting. */
gboolean        mimic_sim_fleet_set_devices_per_connection (MimicSimFleet      *self,
                                                           guint                n,
                                                           GError             **error);
/* "mqtt://HOST:PORT". Connections are made in the background and kept up;
 * this only fails on a bad URL. */
gboolean        mimic_sim_fleet_connect_mqtt              (MimicSimFleet       *self,
                                                           const char          *url,
                                                           GError             **error);
/* "HOST:PORT" (port 0 picks a free one). Returns the port listened on,
 * or 0 with @error set. */
guint           mimic_sim_fleet_listen_websocket          (MimicSimFleet       *self,
                                                           const char          *address,
                                                           GError             **error);

/* Starts the clock and the telemetry. */
void            mimic_sim_fleet_start                     (MimicSimFleet       *self);
/* Publishes every device offline, disconnects cleanly and completes once
 * the goodbyes are out (or after a few seconds). */
void            mimic_sim_fleet_stop_async                (MimicSimFleet       *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean        mimic_sim_fleet_stop_finish               (MimicSimFleet       *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Telemetry messages written (sent or not) and dropped by faults. */
guint64         mimic_sim_fleet_get_n_telemetry           (MimicSimFleet       *self);
guint64         mimic_sim_fleet_get_n_ticks_missed        (MimicSimFleet       *self);

G_END_DECLS
