/* mimic-test-gtk-utils.h — helpers for tests that drive real GTK widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void        mimic_test_wait_for_frames   (GtkWidget  *widget,
                                          guint       n_frames);
gboolean    mimic_test_wait_until        (gboolean  (*condition) (gpointer data),
                                          gpointer    data,
                                          guint       timeout_ms);
GdkTexture *mimic_test_take_screenshot   (GtkWidget  *widget,
                                          const char *name);
void        mimic_test_texture_pixel     (GdkTexture *texture,
                                          int         x,
                                          int         y,
                                          guint8      rgba[4]);
guint       mimic_test_count_colours     (GdkTexture *texture,
                                          guint       limit);
/* The child @name of @widget's template of @type; the test fails if the
 * template has none. */
GtkWidget  *mimic_test_get_template_child (GtkWidget  *widget,
                                           GType       type,
                                           const char *name);

G_END_DECLS
