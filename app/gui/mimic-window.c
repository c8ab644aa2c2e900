/* mimic-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-window"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-window.h"

struct _MimicWindow
{
  GtkApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  GtkSearchEntry       *fleet_search;
  GtkStack             *fleet_stack;
  GtkListView          *fleet_list;
  GtkStack             *device_stack;
};

G_DEFINE_FINAL_TYPE (MimicWindow, mimic_window, GTK_TYPE_APPLICATION_WINDOW)

static void
mimic_window_save_geometry (MimicWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set (self->settings, "window-size", "(ii)", width, height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
mimic_window_close_request (GtkWindow *window)
{
  MimicWindow *self = MIMIC_WINDOW (window);

  mimic_window_save_geometry (self);

  return GTK_WINDOW_CLASS (mimic_window_parent_class)->close_request (window);
}

static void
mimic_window_constructed (GObject *object)
{
  MimicWindow *self = MIMIC_WINDOW (object);
  GtkApplication *app;
  int width, height;

  G_OBJECT_CLASS (mimic_window_parent_class)->constructed (object);

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (MIMIC_IS_APPLICATION (app))
    self->settings = g_object_ref (mimic_application_get_settings (MIMIC_APPLICATION (app)));
  else
    self->settings = mimic_settings_new ();

  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
mimic_window_dispose (GObject *object)
{
  MimicWindow *self = MIMIC_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (mimic_window_parent_class)->dispose (object);
}

static void
mimic_window_focus_search (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->fleet_search));
}

static void
mimic_window_class_init (MimicWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = mimic_window_constructed;
  object_class->dispose = mimic_window_dispose;
  window_class->close_request = mimic_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_search);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_stack);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_list);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, device_stack);

  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL,
                                   mimic_window_focus_search);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.focus-search", NULL);
}

static void
mimic_window_init (MimicWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MimicWindow *
mimic_window_new (MimicApplication *application)
{
  return g_object_new (MIMIC_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
