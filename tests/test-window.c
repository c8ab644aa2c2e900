/* test-window.c — the console's main window, as an operator first sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mimic-test-gtk-utils.h"
#include "mimic-window.h"

static GtkWidget *
template_child (GtkWidget  *window,
                const char *name)
{
  GObject *child = gtk_widget_get_template_child (window, MIMIC_TYPE_WINDOW, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}

static void
test_window_empty_state (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *titlebar;

  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 3);

  titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  g_assert_true (GTK_IS_HEADER_BAR (titlebar));
  g_assert_true (gtk_widget_get_mapped (titlebar));

  /* No source is connected: both the fleet and the device area say so. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (template_child (window, "fleet_stack"))),
                   ==, "empty");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (template_child (window, "device_stack"))),
                   ==, "empty");
  g_assert_true (gtk_widget_get_mapped (template_child (window, "fleet_search")));
  g_assert_true (GTK_IS_COLUMN_VIEW (template_child (window, "fleet_view")));
  /* The bottom area, and a badge per alarm priority, all at zero. */
  g_assert_true (gtk_widget_get_mapped (template_child (window, "alarm_view")));
  {
    GtkWidget *badges = template_child (window, "alarm_badges");
    guint n = 0;

    for (GtkWidget *badge = gtk_widget_get_first_child (badges); badge != NULL;
         badge = gtk_widget_get_next_sibling (badge), n++)
      g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (badge)), ==, "0");
    g_assert_cmpuint (n, ==, 4);
  }
  /* No source: no connection indicator. */
  g_assert_null (gtk_widget_get_first_child (template_child (window, "source_box")));

  shot = mimic_test_take_screenshot (window, "window-empty");
  g_assert_cmpint (gdk_texture_get_width (shot), ==, gtk_widget_get_width (window));
  g_assert_cmpint (gdk_texture_get_height (shot), ==, gtk_widget_get_height (window));
  /* Text, icon and panes drew: far more than a handful of colours. */
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 32);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_search_shortcut (void)
{
  GtkWidget *window = GTK_WIDGET (mimic_window_new (NULL));
  GtkWidget *search;

  gtk_window_present (GTK_WINDOW (window));
  mimic_test_wait_for_frames (window, 2);

  search = template_child (window, "fleet_search");
  g_assert_true (gtk_widget_activate_action (window, "win.focus-search", NULL));
  mimic_test_wait_for_frames (window, 1);
  g_assert_true (gtk_widget_is_focus (search) ||
                 gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (window)), search));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The real program, started the way docs and people start it, writes a
 * picture of its window and exits on its own. */
static void
test_window_screenshot_option (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mimic-shot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "console.png", NULL);
  g_autofree char *program = g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                              program, "--screenshot", png, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);

  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), >=, 800);
  g_assert_cmpint (gdk_texture_get_height (texture), >=, 600);
  g_assert_cmpuint (mimic_test_count_colours (texture, 64), >=, 32);

  g_unlink (png);
  g_rmdir (dir);
}

static void
test_window_screenshot_bad_path (void)
{
  g_autofree char *program = g_build_filename (g_getenv ("MIMIC_BUILD_APPDIR"), "mimic", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              program, "--screenshot", "/nonexistent-dir/shot.png", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err_text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err_text, "Could not write screenshot"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  /* What GtkApplication does for the console from its resource base path. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/mimic/Console/icons");

  g_test_add_func ("/mimic/window/empty-state", test_window_empty_state);
  g_test_add_func ("/mimic/window/search-shortcut", test_window_search_shortcut);
  g_test_add_func ("/mimic/window/screenshot-option", test_window_screenshot_option);
  g_test_add_func ("/mimic/window/screenshot-bad-path", test_window_screenshot_bad_path);

  return g_test_run ();
}
