/* mimic-sim-device.h — one simulated device: its physics, its sensors'
 * noise and faults, and the commands it executes
 *
 * A device knows nothing about the network: it advances its model, writes
 * its messages (birth, status, telemetry, reported) as JSON text and
 * answers command requests with the reply text. The fleet moves the bytes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "mimic-asset.h"
#include "mimic-model.h"

G_BEGIN_DECLS

#define MIMIC_SIM_ERROR (mimic_sim_error_quark ())

typedef enum
{
  MIMIC_SIM_ERROR_INVALID_ARGUMENT,   /* a bad option value */
  MIMIC_SIM_ERROR_UNKNOWN_ASSET,      /* no asset description or model for a type */
  MIMIC_SIM_ERROR_UNKNOWN_DEVICE,
  MIMIC_SIM_ERROR_BAD_FAULT,          /* unknown fault kind, bad or missing parameter */
  MIMIC_SIM_ERROR_BAD_SCENARIO,
  MIMIC_SIM_ERROR_CONNECTION,
  MIMIC_SIM_ERROR_IO,
} MimicSimError;

GQuark mimic_sim_error_quark (void);

/* Recent command ids each device remembers, to execute a repeat at most
 * once. */
#define MIMIC_SIM_DEVICE_COMMAND_MEMORY 256

#define MIMIC_TYPE_SIM_DEVICE (mimic_sim_device_get_type ())

G_DECLARE_FINAL_TYPE (MimicSimDevice, mimic_sim_device, MIMIC, SIM_DEVICE, GObject)

/* @model is shared by every device of its type (only its equations are
 * used); @seed and @index pick this device's variation and noise. */
MimicSimDevice *mimic_sim_device_new              (const char      *id,
                                                   MimicAsset      *asset,
                                                   MimicModel      *model,
                                                   guint32          seed,
                                                   guint            index,
                                                   GError         **error);

const char     *mimic_sim_device_get_id           (MimicSimDevice  *self);
const char     *mimic_sim_device_get_asset_type   (MimicSimDevice  *self);
/* Simulated seconds since the device started. */
double          mimic_sim_device_get_time         (MimicSimDevice  *self);
gint64          mimic_sim_device_get_sequence     (MimicSimDevice  *self);

/* Moves the physics forward by @dt_s simulated seconds. */
void            mimic_sim_device_advance          (MimicSimDevice  *self,
                                                   double           dt_s);

/* Appends the payloads to @out. Telemetry returns FALSE when a dropout
 * fault swallowed the message: its sequence number is used up all the
 * same, so the receiver sees the gap. */
gboolean        mimic_sim_device_write_telemetry  (MimicSimDevice  *self,
                                                   gint64           ts_ms,
                                                   GString         *out);
void            mimic_sim_device_write_birth      (MimicSimDevice  *self,
                                                   gint64           ts_ms,
                                                   GString         *out);
void            mimic_sim_device_write_status     (MimicSimDevice  *self,
                                                   gboolean         online,
                                                   gint64           ts_ms,
                                                   GString         *out);
void            mimic_sim_device_write_reported   (MimicSimDevice  *self,
                                                   gint64           ts_ms,
                                                   GString         *out);

/* Faults. @params holds the fault's parameters (see docs/simulator.md);
 * @real_now_s is the fleet's wall-clock seconds, for network flaps. The
 * kind "clear" removes every fault. */
gboolean        mimic_sim_device_add_fault        (MimicSimDevice  *self,
                                                   const char      *kind,
                                                   JsonObject      *params,
                                                   double           real_now_s,
                                                   GError         **error);
/* Whether a network flap holds this device off the network now. */
gboolean        mimic_sim_device_is_network_down  (MimicSimDevice  *self,
                                                   double           real_now_s);

/* Handles one request for command @name. @payload is its JSON
 * ({"id": "...", "args": {...}}); @correlation_id, when not NULL, is the
 * transport's id for it (MQTT 5 Correlation Data) and stands in for a
 * missing "id". Returns the reply payload. When the request was acted on
 * for the first time (executed or rejected), *@log_line gets the JSON Lines
 * record for the command log; a repeated id gets the first reply again and
 * no log line. *@reported_changed says whether the reported parameters
 * changed. */
char           *mimic_sim_device_handle_command   (MimicSimDevice  *self,
                                                   const char      *name,
                                                   const char      *payload,
                                                   gsize            length,
                                                   const char      *correlation_id,
                                                   gboolean         allow_fault_commands,
                                                   gint64           now_ms,
                                                   double           real_now_s,
                                                   char           **log_line,
                                                   gboolean        *reported_changed);

/* Parses "key=value,key=value" (numbers where they parse, else strings)
 * into an object, as --fault gives fault parameters. */
JsonObject     *mimic_sim_parse_fault_parameters  (const char      *text,
                                                   GError         **error);

G_END_DECLS
