/* mimic-demo-launcher.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-demo"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "mimic-demo-launcher.h"
#include "mimic-paths.h"

#define LISTENING_PREFIX "mimic-device: listening on "
#define STOP_GRACE_MS    5000

struct _MimicDemoLauncher
{
  GObject      parent_instance;

  double       speed;
  double       wear_rate;
  GSubprocess *process;
  char        *pid;
};

G_DEFINE_FINAL_TYPE (MimicDemoLauncher, mimic_demo_launcher, G_TYPE_OBJECT)
G_DEFINE_QUARK (mimic-demo-error-quark, mimic_demo_error)

static void
mimic_demo_launcher_dispose (GObject *object)
{
  MimicDemoLauncher *self = MIMIC_DEMO_LAUNCHER (object);

  mimic_demo_launcher_stop (self);

  G_OBJECT_CLASS (mimic_demo_launcher_parent_class)->dispose (object);
}

static void
mimic_demo_launcher_class_init (MimicDemoLauncherClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mimic_demo_launcher_dispose;
}

static void
mimic_demo_launcher_init (MimicDemoLauncher *self)
{
}

MimicDemoLauncher *
mimic_demo_launcher_new (double speed,
                         double wear_rate)
{
  MimicDemoLauncher *self = g_object_new (MIMIC_TYPE_DEMO_LAUNCHER, NULL);

  self->speed = speed > 0 ? speed : MIMIC_DEMO_DEFAULT_SPEED;
  self->wear_rate = wear_rate > 0 ? wear_rate : MIMIC_DEMO_DEFAULT_WEAR_RATE;
  return self;
}

GStrv
mimic_demo_launcher_dup_argv (MimicDemoLauncher *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  char speed[G_ASCII_DTOSTR_BUF_SIZE];
  char rate[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *fault = NULL;

  g_return_val_if_fail (MIMIC_IS_DEMO_LAUNCHER (self), NULL);

  g_ascii_dtostr (speed, sizeof speed, self->speed);
  g_ascii_dtostr (rate, sizeof rate, self->wear_rate);
  fault = g_strdup_printf ("%s:bearing_wear:rate=%s", MIMIC_DEMO_FAULTY_DEVICE, rate);

  g_strv_builder_add_many (builder,
                           "--pumps", "6", "--racks", "3", "--seed", "1",
                           "--speed", speed, "--fault", fault,
                           "--ws", "127.0.0.1:0", NULL);
  return g_strv_builder_end (builder);
}

/* Runs in the child between fork and exec: the simulator must not outlive
 * a console that was killed without a chance to stop it. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* Whatever the simulator says after its first line goes to the debug log;
 * reading it keeps a full pipe from ever blocking the simulator. */
static void
on_later_line (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GDataInputStream *stream = G_DATA_INPUT_STREAM (object);
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (stream, result, NULL, NULL);

  if (line == NULL)
    return;
  g_debug ("mimic-device: %s", line);
  g_data_input_stream_read_line_async (stream, G_PRIORITY_LOW, NULL, on_later_line, NULL);
}

static void
on_first_line (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GDataInputStream *stream = G_DATA_INPUT_STREAM (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  char *url;

  line = g_data_input_stream_read_line_finish_utf8 (stream, result, NULL, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (line == NULL)
    {
      g_task_return_new_error (task, MIMIC_DEMO_ERROR, MIMIC_DEMO_ERROR_EXITED,
                               _("The device simulator stopped before it was ready"));
      return;
    }
  if (!g_str_has_prefix (line, LISTENING_PREFIX))
    {
      g_task_return_new_error (task, MIMIC_DEMO_ERROR, MIMIC_DEMO_ERROR_PROTOCOL,
                               _("The device simulator said “%s” instead of where it listens"),
                               line);
      return;
    }

  url = g_strdup (line + strlen (LISTENING_PREFIX));
  g_strstrip (url);
  g_data_input_stream_read_line_async (stream, G_PRIORITY_LOW, NULL, on_later_line, NULL);
  g_task_return_pointer (task, url, g_free);
}

void
mimic_demo_launcher_start_async (MimicDemoLauncher   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *program = NULL;
  g_auto(GStrv) arguments = NULL;
  GError *error = NULL;

  g_return_if_fail (MIMIC_IS_DEMO_LAUNCHER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_demo_launcher_start_async);

  if (self->process != NULL)
    {
      g_task_return_new_error (task, MIMIC_DEMO_ERROR, MIMIC_DEMO_ERROR_BUSY,
                               _("The device simulator is already running"));
      return;
    }

  program = mimic_paths_find_sibling_program ("mimic-device");
  if (program == NULL)
    {
      g_task_return_new_error (task, MIMIC_DEMO_ERROR, MIMIC_DEMO_ERROR_NOT_FOUND,
                               _("The device simulator mimic-device is not installed"));
      return;
    }

  arguments = mimic_demo_launcher_dup_argv (self);
  g_ptr_array_add (argv, program);
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, arguments[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (self->process == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  self->pid = g_strdup (g_subprocess_get_identifier (self->process));
  g_debug ("Started %s (pid %s)", program, self->pid);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, cancellable,
                                       on_first_line, g_steal_pointer (&task));
}

char *
mimic_demo_launcher_start_finish (MimicDemoLauncher  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_waited (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *done = TRUE;
}

static void
on_grace_over (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
}

void
mimic_demo_launcher_stop (MimicDemoLauncher *self)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GSource) grace = NULL;
  gboolean done = FALSE;
  gboolean expired = FALSE;

  g_return_if_fail (MIMIC_IS_DEMO_LAUNCHER (self));

  if (self->process == NULL)
    return;

  /* Shutdown happens with the main loop gone: wait on a private context so
   * the simulator gets to say goodbye to its clients, but not forever. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait_async (self->process, NULL, on_waited, &done);
  grace = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (grace, G_SOURCE_FUNC (on_grace_over), &expired, NULL);
  g_source_set_static_name (grace, "[mimic] demo stop grace");
  g_source_attach (grace, context);

  while (!done && !expired)
    g_main_context_iteration (context, TRUE);

  if (!done)
    {
      g_warning ("The device simulator did not stop within %d ms; killing it", STOP_GRACE_MS);
      g_subprocess_force_exit (self->process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }

  g_source_destroy (grace);
  g_main_context_pop_thread_default (context);

  g_clear_object (&self->process);
  g_clear_pointer (&self->pid, g_free);
}

gboolean
mimic_demo_launcher_is_running (MimicDemoLauncher *self)
{
  g_return_val_if_fail (MIMIC_IS_DEMO_LAUNCHER (self), FALSE);

  return self->process != NULL;
}

const char *
mimic_demo_launcher_get_pid (MimicDemoLauncher *self)
{
  g_return_val_if_fail (MIMIC_IS_DEMO_LAUNCHER (self), NULL);

  return self->pid;
}
