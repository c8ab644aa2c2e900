/* bench-console.c — how long `mimic --demo` takes to show a device
 *
 * Starts the console in-process with the demo (the real simulator as its
 * child) and times, from the start of the run, the first device in the
 * fleet and the first frame that drew a device page with its values.
 * Prints the figures; asserts nothing about them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "mimic-application.h"
#include "mimic-device-page.h"
#include "mimic-window.h"

#define RUNS 5

typedef struct
{
  MimicApplication *app;
  gint64            start_us;
  double            first_device_s;
  double            first_page_s;
  guint             tick_id;
} Run;

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Run *run = user_data;
  MimicWindow *window = MIMIC_WINDOW (widget);
  double now_s = (g_get_monotonic_time () - run->start_us) / 1e6;

  if (run->first_device_s == 0 &&
      g_list_model_get_n_items (mimic_console_get_fleet (mimic_window_get_console (window))) > 0)
    run->first_device_s = now_s;

  /* Values applied to the page's views: this frame shows them. */
  if (mimic_device_page_get_n_updates (mimic_window_get_device_page (window)) > 0)
    {
      run->first_page_s = now_s;
      g_application_quit (G_APPLICATION (run->app));
      return G_SOURCE_REMOVE;
    }
  if (now_s > 30)
    {
      g_application_quit (G_APPLICATION (run->app));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
on_activate (GApplication *app,
             Run          *run)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, run, NULL);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  char *app_argv[] = { "mimic", "--demo", NULL };
  double device_s[RUNS], page_s[RUNS];
  g_autofree char *state = g_dir_make_tmp ("mimic-bench-console-XXXXXX", NULL);
  g_autofree char *path = g_strjoin (G_SEARCHPATH_SEPARATOR_S, g_getenv ("MIMIC_BUILD_APPDIR"),
                                     g_getenv ("PATH"), NULL);

  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("PATH", path, TRUE);
  gtk_init ();

  for (guint i = 0; i < RUNS; i++)
    {
      Run run = { 0 };

      run.app = mimic_application_new ();
      g_signal_connect_after (run.app, "activate", G_CALLBACK (on_activate), &run);
      run.start_us = g_get_monotonic_time ();
      g_application_run (G_APPLICATION (run.app), 2, app_argv);
      g_object_unref (run.app);

      device_s[i] = run.first_device_s;
      page_s[i] = run.first_page_s;
      g_print ("run %u: first device in the fleet %.3f s, first frame with a device page %.3f s\n",
               i + 1, device_s[i], page_s[i]);
    }

  qsort (device_s, RUNS, sizeof (double), compare_doubles);
  qsort (page_s, RUNS, sizeof (double), compare_doubles);
  g_print ("mimic --demo, %d runs: first device median %.3f s (min %.3f, max %.3f); "
           "first device page drawn median %.3f s (min %.3f, max %.3f)\n",
           RUNS, device_s[RUNS / 2], device_s[0], device_s[RUNS - 1],
           page_s[RUNS / 2], page_s[0], page_s[RUNS - 1]);
  return 0;
}
