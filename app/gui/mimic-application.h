/* mimic-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-console.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_APPLICATION (mimic_application_get_type ())

G_DECLARE_FINAL_TYPE (MimicApplication, mimic_application, MIMIC, APPLICATION, GtkApplication)

MimicApplication *mimic_application_new          (void);
GSettings        *mimic_application_get_settings (MimicApplication *self);
int               mimic_application_get_exit_status (MimicApplication *self);
MimicConsole     *mimic_application_get_console  (MimicApplication *self);
/* The simulator's process id while `--demo` runs it, or NULL. */
const char       *mimic_application_get_demo_pid (MimicApplication *self);

GSettings        *mimic_settings_new             (void);

G_END_DECLS
