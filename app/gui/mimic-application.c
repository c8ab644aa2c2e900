/* mimic-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-application"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-application.h"
#include "mimic-screenshot.h"
#include "mimic-window.h"

struct _MimicApplication
{
  GtkApplication  parent_instance;

  GSettings      *settings;
  char           *screenshot_path;
  guint           screenshot_frames_left;
  int             exit_status;
};

G_DEFINE_FINAL_TYPE (MimicApplication, mimic_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 'v', 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Write the main window to a PNG file once it has drawn, then exit"), N_("FILE") },
  { NULL }
};

/* An installed Mimic finds its schema the usual way; a build run from its
 * build tree finds the one compiled next to it, so `build/app/mimic` works
 * without installing or setting GSETTINGS_SCHEMA_DIR. */
GSettings *
mimic_settings_new (void)
{
  GSettingsSchemaSource *default_source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) build_source = NULL;

  if (default_source != NULL)
    schema = g_settings_schema_source_lookup (default_source, MIMIC_APP_ID, TRUE);

  if (schema == NULL)
    {
      g_autoptr(GError) error = NULL;

      build_source = g_settings_schema_source_new_from_directory (MIMIC_BUILD_DATADIR,
                                                                  default_source,
                                                                  FALSE, &error);
      if (build_source == NULL)
        g_error ("Settings schema %s is not installed: %s", MIMIC_APP_ID, error->message);
      schema = g_settings_schema_source_lookup (build_source, MIMIC_APP_ID, TRUE);
      if (schema == NULL)
        g_error ("Settings schema %s is not installed", MIMIC_APP_ID);
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
mimic_application_about_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  MimicApplication *self = user_data;
  static const char *developers[] = { "The Mimic developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "program-name", _("Mimic"),
                         "logo-icon-name", MIMIC_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("A live digital-twin console for connected assets"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
mimic_application_quit_action (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", mimic_application_about_action },
  { "quit", mimic_application_quit_action },
};

static gboolean
mimic_application_take_screenshot (GtkWidget     *widget,
                                   GdkFrameClock *frame_clock,
                                   gpointer       user_data)
{
  MimicApplication *self = MIMIC_APPLICATION (user_data);
  g_autoptr(GError) error = NULL;

  /* Wait a few frames: the first one may come before styles, fonts and
   * allocation have settled. */
  if (self->screenshot_frames_left > 0)
    {
      self->screenshot_frames_left--;
      return G_SOURCE_CONTINUE;
    }

  if (!mimic_widget_save_png (widget, self->screenshot_path, &error))
    {
      g_printerr (_("Could not write screenshot: %s\n"), error->message);
      self->exit_status = 1;
    }

  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static void
mimic_application_activate (GApplication *app)
{
  MimicApplication *self = MIMIC_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (mimic_window_new (self));

  gtk_window_present (window);

  if (self->screenshot_path != NULL)
    {
      self->screenshot_frames_left = 3;
      gtk_widget_add_tick_callback (GTK_WIDGET (window),
                                    mimic_application_take_screenshot,
                                    g_object_ref (self), g_object_unref);
    }
}

static int
mimic_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  MimicApplication *self = MIMIC_APPLICATION (app);
  const char *screenshot = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("mimic %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "screenshot", "^&ay", &screenshot))
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (screenshot);

      self->screenshot_path = g_file_get_path (file);
      /* A screenshot run must not hand its work to an already running
       * console; it draws its own window and exits. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  /* GTK initialises on startup; say so in one line instead of a warning
   * cascade when there is no display. */
  if (!gtk_init_check ())
    {
      g_printerr (_("mimic: cannot open a display (is DISPLAY or WAYLAND_DISPLAY set?)\n"));
      return 1;
    }

  return G_APPLICATION_CLASS (mimic_application_parent_class)->handle_local_options (app, options);
}

static void
mimic_application_startup (GApplication *app)
{
  MimicApplication *self = MIMIC_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  g_autoptr(GtkCssProvider) css = NULL;

  G_APPLICATION_CLASS (mimic_application_parent_class)->startup (app);

  self->settings = mimic_settings_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  /* Control rooms run dim; follow the operator's choice, dark by default. */
  g_object_set (gtk_settings_get_default (),
                "gtk-application-prefer-dark-theme",
                g_settings_get_boolean (self->settings, "prefer-dark"),
                NULL);

  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/mimic/Console/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
mimic_application_finalize (GObject *object)
{
  MimicApplication *self = MIMIC_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->screenshot_path, g_free);

  G_OBJECT_CLASS (mimic_application_parent_class)->finalize (object);
}

static void
mimic_application_class_init (MimicApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = mimic_application_finalize;

  app_class->activate = mimic_application_activate;
  app_class->startup = mimic_application_startup;
  app_class->handle_local_options = mimic_application_handle_local_options;
}

static void
mimic_application_init (MimicApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Live digital-twin console for connected assets."));
}

MimicApplication *
mimic_application_new (void)
{
  return g_object_new (MIMIC_TYPE_APPLICATION,
                       "application-id", MIMIC_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/mimic/Console",
                       NULL);
}

GSettings *
mimic_application_get_settings (MimicApplication *self)
{
  g_return_val_if_fail (MIMIC_IS_APPLICATION (self), NULL);

  return self->settings;
}

int
mimic_application_get_exit_status (MimicApplication *self)
{
  g_return_val_if_fail (MIMIC_IS_APPLICATION (self), 1);

  return self->exit_status;
}
