/* test-shaders.c — the GLSL in the resources compiles and links in a real
 * GL 3.3 core context, as the scene view will get it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>

#include "mimic-test-gtk-utils.h"

typedef struct
{
  gboolean  realized;
  char     *gl_version;
  char     *error;
  gboolean  linked;
} ShaderResult;

static GLuint
compile_stage (GLenum        stage,
               const char   *resource,
               ShaderResult *result)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *source;
  GLint length, status;
  GLuint shader;

  bytes = g_resources_lookup_data (resource, 0, &error);
  g_assert_no_error (error);
  source = g_bytes_get_data (bytes, NULL);
  length = (GLint) g_bytes_get_size (bytes);

  shader = glCreateShader (stage);
  glShaderSource (shader, 1, &source, &length);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      char log[2048] = "";

      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      result->error = g_strdup_printf ("%s: %s", resource, log);
    }

  return shader;
}

static void
on_realize (GtkGLArea    *area,
            ShaderResult *result)
{
  GLuint vertex, fragment, program;
  GLint status;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    {
      result->error = g_strdup (gtk_gl_area_get_error (area)->message);
      result->realized = TRUE;
      return;
    }

  result->gl_version = g_strdup ((const char *) glGetString (GL_VERSION));
  vertex = compile_stage (GL_VERTEX_SHADER, "/org/mimic/Console/shaders/scene.vert", result);
  fragment = compile_stage (GL_FRAGMENT_SHADER, "/org/mimic/Console/shaders/scene.frag", result);

  program = glCreateProgram ();
  glAttachShader (program, vertex);
  glAttachShader (program, fragment);
  glLinkProgram (program);
  glGetProgramiv (program, GL_LINK_STATUS, &status);
  result->linked = status == GL_TRUE;

  glDeleteShader (vertex);
  glDeleteShader (fragment);
  glDeleteProgram (program);
  result->realized = TRUE;
}

static gboolean
is_realized (gpointer data)
{
  return ((ShaderResult *) data)->realized;
}

static void
test_shaders_compile_and_link (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *area = gtk_gl_area_new ();
  ShaderResult result = { 0 };
  int major, minor;

  gtk_gl_area_set_required_version (GTK_GL_AREA (area), 3, 3);
  g_signal_connect (area, "realize", G_CALLBACK (on_realize), &result);
  gtk_window_set_child (GTK_WINDOW (window), area);
  gtk_window_set_default_size (GTK_WINDOW (window), 64, 64);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (mimic_test_wait_until (is_realized, &result, 10000));
  g_assert_cmpstr (result.error, ==, NULL);
  g_assert_true (result.linked);

  g_test_message ("GL_VERSION: %s", result.gl_version);
  g_assert_cmpint (sscanf (result.gl_version, "%d.%d", &major, &minor), ==, 2);
  g_assert_true (major > 3 || (major == 3 && minor >= 3));

  g_free (result.gl_version);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/shaders/compile-and-link", test_shaders_compile_and_link);

  return g_test_run ();
}
