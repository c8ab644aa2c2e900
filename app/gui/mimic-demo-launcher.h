/* mimic-demo-launcher.h — runs the device simulator for `mimic --demo`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMIC_DEMO_ERROR (mimic_demo_error_quark ())

typedef enum
{
  MIMIC_DEMO_ERROR_NOT_FOUND,     /* no mimic-device next to the console */
  MIMIC_DEMO_ERROR_EXITED,        /* the simulator ended before it listened */
  MIMIC_DEMO_ERROR_PROTOCOL,      /* its first line was not the listening line */
  MIMIC_DEMO_ERROR_BUSY,          /* started twice */
} MimicDemoError;

GQuark mimic_demo_error_quark (void);

#define MIMIC_TYPE_DEMO_LAUNCHER (mimic_demo_launcher_get_type ())

G_DECLARE_FINAL_TYPE (MimicDemoLauncher, mimic_demo_launcher, MIMIC, DEMO_LAUNCHER, GObject)

/* The demo fleet: six pumps, three racks, one pump wearing its bearing
 * out. @speed is simulated seconds per second, @wear_rate the bearing-wear
 * factor of the faulty pump (see docs/simulator.md). */
#define MIMIC_DEMO_DEFAULT_SPEED      1.0
#define MIMIC_DEMO_DEFAULT_WEAR_RATE  200.0
#define MIMIC_DEMO_FAULTY_DEVICE      "pump-004"

MimicDemoLauncher *mimic_demo_launcher_new         (double               speed,
                                                    double               wear_rate);
/* The simulator's argument vector (without the program), for logs and tests. */
GStrv              mimic_demo_launcher_dup_argv    (MimicDemoLauncher   *self);
/* Starts the simulator and completes with its WebSocket URL once it
 * listens. */
void               mimic_demo_launcher_start_async (MimicDemoLauncher   *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
char              *mimic_demo_launcher_start_finish (MimicDemoLauncher  *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* SIGTERM, then waits (at most a few seconds, then SIGKILL). */
void               mimic_demo_launcher_stop        (MimicDemoLauncher   *self);
gboolean           mimic_demo_launcher_is_running  (MimicDemoLauncher   *self);
/* The simulator's process id as a string, or NULL when not running. */
const char        *mimic_demo_launcher_get_pid     (MimicDemoLauncher   *self);

G_END_DECLS
