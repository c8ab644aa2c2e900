/* mimic-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-application"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-application.h"
#include "mimic-demo-launcher.h"
#include "mimic-fleet-item.h"
#include "mimic-screenshot.h"
#include "mimic-window.h"

struct _MimicApplication
{
  GtkApplication     parent_instance;

  GSettings         *settings;
  MimicConsole      *console;
  MimicDemoLauncher *demo;
  GCancellable      *cancellable;
  char              *screenshot_path;
  GStrv              connect_urls;
  double             demo_speed;
  double             demo_wear_rate;
  guint              screenshot_frames_left;
  gint64             screenshot_deadline_us;
  int                exit_status;
  gboolean           demo_requested;
  gboolean           view_only;
  gboolean           sources_started;
};

G_DEFINE_FINAL_TYPE (MimicApplication, mimic_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 'v', 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Write the main window to a PNG file once it has drawn, then exit"), N_("FILE") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run a simulated fleet of pumps and battery racks and watch it"), NULL },
  { "connect", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Watch a live source (mqtt://, ws:// or a recording file); repeatable"), N_("URL") },
  { "view-only", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Watch only: refuse every command"), NULL },
  /* For tests and recordings of the demo: a faster simulated clock and a
   * faster-wearing bearing make its alarm come within seconds. */
  { "demo-speed", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL, NULL, NULL },
  { "demo-wear-rate", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL, NULL, NULL },
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
  gboolean out_of_time = g_get_monotonic_time () > self->screenshot_deadline_us;

  /* Wait a few frames: the first one may come before styles, fonts and
   * allocation have settled. A demo is pictured once it shows a device
   * with live readings, so the picture shows the console at work rather
   * than connecting. */
  if (self->screenshot_frames_left > 0)
    {
      self->screenshot_frames_left--;
      return G_SOURCE_CONTINUE;
    }

  if (!out_of_time && self->demo_requested &&
      (mimic_window_get_selected_device (MIMIC_WINDOW (widget)) == NULL ||
       !mimic_device_page_get_showing_values (mimic_window_get_device_page (MIMIC_WINDOW (widget)))))
    return G_SOURCE_CONTINUE;

  if (!mimic_widget_save_png (widget, self->screenshot_path, &error))
    {
      /* A window being rebuilt (the device page filling in) can draw
       * nothing for a frame; try the next ones before giving up. */
      if (!out_of_time)
        return G_SOURCE_CONTINUE;

      g_printerr (_("Could not write screenshot: %s\n"), error->message);
      self->exit_status = 1;
    }

  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static void
on_demo_started (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MimicApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  url = mimic_demo_launcher_start_finish (MIMIC_DEMO_LAUNCHER (object), result, &error);
  if (url == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->console != NULL)
        mimic_console_log_event (self->console, _("The demo could not start: %s"), error->message);
      return;
    }

  mimic_console_log_event (self->console, _("Demo fleet running (process %s)"),
                           mimic_demo_launcher_get_pid (MIMIC_DEMO_LAUNCHER (object)));
  if (!mimic_console_add_source_for_url (self->console, url, &error))
    mimic_console_log_event (self->console, _("The demo could not start: %s"), error->message);
}

static void
on_highest_priority_alarm (MimicAlarmManager *alarms,
                           MimicAlarm        *alarm,
                           MimicApplication  *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  title = g_strdup_printf (_("%s alarm on %s"),
                           mimic_fleet_item_priority_label (mimic_alarm_get_priority (alarm)),
                           mimic_alarm_get_device_id (alarm));
  body = g_strdup_printf ("%s: %s (%.4g)", mimic_alarm_get_sensor_id (alarm),
                          mimic_alarm_condition_get_label (mimic_alarm_get_condition (alarm)),
                          mimic_alarm_get_value (alarm));
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification,
                               mimic_alarm_get_priority (alarm) >= MIMIC_ALARM_PRIORITY_HIGH
                               ? G_NOTIFICATION_PRIORITY_URGENT : G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action (notification, "app.activate");
  /* One notification that the next alarm replaces, not a pile. */
  g_application_send_notification (G_APPLICATION (self), "highest-alarm", notification);
}

static void
mimic_application_start_sources (MimicApplication *self)
{
  if (self->sources_started)
    return;
  self->sources_started = TRUE;

  mimic_console_set_view_only (self->console, self->view_only);
  for (guint i = 0; self->connect_urls != NULL && self->connect_urls[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!mimic_console_add_source_for_url (self->console, self->connect_urls[i], &error))
        mimic_console_log_event (self->console, _("Could not open %s: %s"),
                                 self->connect_urls[i], error->message);
    }

  if (self->demo_requested)
    {
      self->demo = mimic_demo_launcher_new (self->demo_speed, self->demo_wear_rate);
      mimic_demo_launcher_start_async (self->demo, self->cancellable, on_demo_started, g_object_ref (self));
    }
}

static void
mimic_application_activate (GApplication *app)
{
  MimicApplication *self = MIMIC_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (mimic_window_new (self));

  if (self->view_only)
    mimic_window_set_view_only (MIMIC_WINDOW (window), TRUE);
  gtk_window_present (window);
  mimic_application_start_sources (self);

  if (self->screenshot_path != NULL)
    {
      self->screenshot_frames_left = 3;
      self->screenshot_deadline_us = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
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

  self->demo_requested = g_variant_dict_contains (options, "demo");
  self->view_only = g_variant_dict_contains (options, "view-only");
  g_variant_dict_lookup (options, "connect", "^as", &self->connect_urls);
  if (g_variant_dict_lookup (options, "demo-speed", "d", &self->demo_speed) &&
      !(self->demo_speed > 0 && self->demo_speed <= 100000))
    {
      g_printerr (_("mimic: --demo-speed must be above 0 and at most 100000\n"));
      return 1;
    }
  if (g_variant_dict_lookup (options, "demo-wear-rate", "d", &self->demo_wear_rate) &&
      !(self->demo_wear_rate > 0 && self->demo_wear_rate <= 1000))
    {
      g_printerr (_("mimic: --demo-wear-rate must be above 0 and at most 1000\n"));
      return 1;
    }
  /* A demo is its own world: it must not hand its work to a console that
   * already runs. */
  if (self->demo_requested)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

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
  self->console = mimic_console_new ();
  g_signal_connect_object (mimic_console_get_alarms (self->console), "highest-priority-raised",
                           G_CALLBACK (on_highest_priority_alarm), self, 0);

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

/* Sources first, so no message arrives for a simulator that is gone;
 * then the simulator, so it does not outlive the console. */
static void
mimic_application_shutdown (GApplication *app)
{
  MimicApplication *self = MIMIC_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  if (self->console != NULL)
    mimic_console_stop_sources (self->console);
  if (self->demo != NULL)
    mimic_demo_launcher_stop (self->demo);

  G_APPLICATION_CLASS (mimic_application_parent_class)->shutdown (app);
}

static void
mimic_application_finalize (GObject *object)
{
  MimicApplication *self = MIMIC_APPLICATION (object);

  g_clear_object (&self->demo);
  g_clear_object (&self->console);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->connect_urls, g_strfreev);
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
  app_class->shutdown = mimic_application_shutdown;
  app_class->handle_local_options = mimic_application_handle_local_options;
}

static void
mimic_application_init (MimicApplication *self)
{
  self->cancellable = g_cancellable_new ();
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

MimicConsole *
mimic_application_get_console (MimicApplication *self)
{
  g_return_val_if_fail (MIMIC_IS_APPLICATION (self), NULL);

  return self->console;
}

const char *
mimic_application_get_demo_pid (MimicApplication *self)
{
  g_return_val_if_fail (MIMIC_IS_APPLICATION (self), NULL);

  return self->demo != NULL ? mimic_demo_launcher_get_pid (self->demo) : NULL;
}
