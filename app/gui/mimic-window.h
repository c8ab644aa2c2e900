/* mimic-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "mimic-application.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_WINDOW (mimic_window_get_type ())

G_DECLARE_FINAL_TYPE (MimicWindow, mimic_window, MIMIC, WINDOW, GtkApplicationWindow)

MimicWindow *mimic_window_new (MimicApplication *application);

G_END_DECLS
