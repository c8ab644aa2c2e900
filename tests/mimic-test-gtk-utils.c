/* mimic-test-gtk-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "mimic-screenshot.h"
#include "mimic-test-gtk-utils.h"

static gboolean
count_down_frame (GtkWidget     *widget,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  guint *frames_left = user_data;

  if (*frames_left > 0)
    (*frames_left)--;

  return *frames_left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Iterates the main loop until the widget has been drawn n more times,
 * failing the test after 10 s rather than hanging it. */
void
mimic_test_wait_for_frames (GtkWidget *widget,
                            guint      n_frames)
{
  guint frames_left = n_frames;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_widget_add_tick_callback (widget, count_down_frame, &frames_left, NULL);
  while (frames_left > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
mimic_test_wait_until (gboolean (*condition) (gpointer data),
                       gpointer   data,
                       guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint ticker = g_timeout_add (10, wake_up, NULL);
  gboolean met;

  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (ticker);
  return met;
}

/* Renders the widget as drawn and, so a person can look at what the test
 * saw, writes it to $MIMIC_SCREENSHOT_DIR/NAME.png. */
GdkTexture *
mimic_test_take_screenshot (GtkWidget  *widget,
                            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = mimic_widget_render_texture (widget, &error);
  const char *dir = g_getenv ("MIMIC_SCREENSHOT_DIR");

  g_assert_no_error (error);
  g_assert_nonnull (texture);

  if (dir != NULL)
    {
      g_autofree char *file_name = g_strconcat (name, ".png", NULL);
      g_autofree char *path = g_build_filename (dir, file_name, NULL);

      g_mkdir_with_parents (dir, 0755);
      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_test_message ("screenshot: %s", path);
    }

  return g_steal_pointer (&texture);
}

void
mimic_test_texture_pixel (GdkTexture *texture,
                          int         x,
                          int         y,
                          guint8      rgba[4])
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = NULL;
  guint32 argb;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, width);
  g_assert_cmpint (y, <, height);

  /* gdk_texture_download gives premultiplied ARGB32 in native endianness. */
  pixels = g_new (guint32, (gsize) width * height);
  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  argb = pixels[(gsize) y * width + x];

  rgba[0] = (argb >> 16) & 0xff;
  rgba[1] = (argb >> 8) & 0xff;
  rgba[2] = argb & 0xff;
  rgba[3] = (argb >> 24) & 0xff;
}

/* Counts distinct colours up to limit: a blank or failed render has one. */
guint
mimic_test_count_colours (GdkTexture *texture,
                          guint       limit)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height && g_hash_table_size (seen) < limit; i++)
    g_hash_table_add (seen, GUINT_TO_POINTER (pixels[i]));

  return g_hash_table_size (seen);
}

GtkWidget *
mimic_test_get_template_child (GtkWidget  *widget,
                               GType       type,
                               const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, type, name);

  g_assert_nonnull (child);
  return GTK_WIDGET (child);
}
