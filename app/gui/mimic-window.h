/* mimic-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-application.h"
#include "mimic-console.h"
#include "mimic-device-page.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_WINDOW (mimic_window_get_type ())

G_DECLARE_FINAL_TYPE (MimicWindow, mimic_window, MIMIC, WINDOW, GtkApplicationWindow)

/* Shows the application's console, or an empty one of its own when
 * @application is NULL or not a MimicApplication. */
MimicWindow     *mimic_window_new               (MimicApplication *application);
MimicConsole    *mimic_window_get_console       (MimicWindow      *self);
MimicDevicePage *mimic_window_get_device_page   (MimicWindow      *self);
/* Selects @device_id in the fleet (clearing a search that hides it);
 * FALSE when the fleet has no such device. */
gboolean         mimic_window_select_device     (MimicWindow      *self,
                                                 const char       *device_id);
const char      *mimic_window_get_selected_device (MimicWindow    *self);
void             mimic_window_set_view_only     (MimicWindow      *self,
                                                 gboolean          view_only);

G_END_DECLS
