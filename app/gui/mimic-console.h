/* mimic-console.h — what one console watches: sources, twin, alarms, events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-alarm-manager.h"
#include "mimic-asset-registry.h"
#include "mimic-command-manager.h"
#include "mimic-connection-list.h"
#include "mimic-feed.h"
#include "mimic-fleet-item.h"
#include "mimic-twin-runtime.h"
#include "mimic-twin-store.h"

G_BEGIN_DECLS

/* The event log keeps this many lines; older ones fall off the top. */
#define MIMIC_CONSOLE_MAX_EVENTS 1000

#define MIMIC_TYPE_CONSOLE (mimic_console_get_type ())

G_DECLARE_FINAL_TYPE (MimicConsole, mimic_console, MIMIC, CONSOLE, GObject)

MimicConsole        *mimic_console_new                  (void);
MimicTwinStore      *mimic_console_get_store            (MimicConsole  *self);
MimicAssetRegistry  *mimic_console_get_assets           (MimicConsole  *self);
MimicAlarmManager   *mimic_console_get_alarms           (MimicConsole  *self);
/* The calibrated model of every device: expected values and deviation
 * alarms (to the console's alarm manager). */
MimicTwinRuntime    *mimic_console_get_twin_runtime     (MimicConsole  *self);
/* The command manager of every source that can carry commands (each
 * command goes to the source its device's data came from), or NULL until
 * the first such source is added. */
MimicCommandManager *mimic_console_get_command_manager  (MimicConsole  *self);
/* MimicFeed, in the order added. */
GListModel          *mimic_console_get_sources          (MimicConsole  *self);
/* MimicFleetItem, one per device, in the order they appeared. */
GListModel          *mimic_console_get_fleet            (MimicConsole  *self);
MimicFleetItem      *mimic_console_lookup_fleet_item    (MimicConsole  *self,
                                                         const char    *device_id);
/* GtkStringObject lines, oldest first, at most MIMIC_CONSOLE_MAX_EVENTS. */
GListModel          *mimic_console_get_events           (MimicConsole  *self);
void                 mimic_console_log_event            (MimicConsole  *self,
                                                         const char    *format,
                                                         ...) G_GNUC_PRINTF (2, 3);
/* Wires @feed into the twin store and starts it; the console keeps it. */
void                 mimic_console_add_source           (MimicConsole  *self,
                                                         MimicFeed     *feed);
gboolean             mimic_console_add_source_for_url   (MimicConsole  *self,
                                                         const char    *url,
                                                         GError       **error);
void                 mimic_console_stop_sources         (MimicConsole  *self);
/* The saved connection profiles: each enabled one becomes a source (its
 * password from the keyring first), disabling or removing it stops that
 * source, and an edited one reconnects. NULL: none. */
void                 mimic_console_set_connection_list  (MimicConsole        *self,
                                                         MimicConnectionList *list);
MimicConnectionList *mimic_console_get_connection_list  (MimicConsole  *self);
MimicFeed           *mimic_console_lookup_profile_source (MimicConsole *self,
                                                          const char   *id);
/* Copies every message of @feed into the recording at @path until
 * mimic_console_stop_recording(). */
gboolean             mimic_console_start_recording      (MimicConsole  *self,
                                                         MimicFeed     *feed,
                                                         const char    *path,
                                                         GError       **error);
gboolean             mimic_console_stop_recording       (MimicConsole  *self,
                                                         GError       **error);
gboolean             mimic_console_is_recording         (MimicConsole  *self);
const char          *mimic_console_get_operator_name    (MimicConsole  *self);
void                 mimic_console_set_operator_name    (MimicConsole  *self,
                                                         const char    *operator_name);
gboolean             mimic_console_get_view_only        (MimicConsole  *self);
void                 mimic_console_set_view_only        (MimicConsole  *self,
                                                         gboolean       view_only);

G_END_DECLS
