/* mimic-test-broker.c
 *
 * Mosquitto cannot listen on port 0 and report the port it got, so the
 * fixture asks the kernel for a free port, closes it and gives it to the
 * broker; when another process took it in between, the broker exits at
 * once and the fixture tries again with new ports.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-test-broker"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "mimic-test-broker.h"

#define START_ATTEMPTS 5
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)

struct _MimicTestBroker
{
  char        *dir;
  char        *config_path;
  char        *log_path;
  char        *program;
  char        *url;
  guint        port;
  guint        websocket_port;
  guint        tls_port;
  GPid         pid;              /* 0: not running */

  gboolean     websockets;
  char        *tls_certificate_file;
  char        *tls_key_file;
  char        *tls_ca_file;
  gboolean     require_client_certificate;
  char        *extra_config;
};

guint
mimic_test_pick_free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
find_program (void)
{
  const char *configured = g_getenv ("MIMIC_TEST_MOSQUITTO");

  if (configured != NULL && configured[0] != '\0')
    return g_strdup (configured);

  return g_find_program_in_path ("mosquitto");
}

static gboolean
write_config (MimicTestBroker  *self,
              GError          **error)
{
  g_autoptr(GString) config = g_string_new (NULL);

  g_string_append_printf (config,
                          "per_listener_settings false\n"
                          "allow_anonymous true\n"
                          "persistence false\n"
                          "log_dest file %s\n"
                          "log_type error\nlog_type warning\nlog_type notice\n"
                          "listener %u 127.0.0.1\n",
                          self->log_path, self->port);

  if (self->websockets)
    g_string_append_printf (config, "listener %u 127.0.0.1\nprotocol websockets\n", self->websocket_port);

  if (self->tls_certificate_file != NULL)
    {
      g_string_append_printf (config, "listener %u 127.0.0.1\ncertfile %s\nkeyfile %s\n",
                              self->tls_port, self->tls_certificate_file, self->tls_key_file);
      if (self->tls_ca_file != NULL)
        g_string_append_printf (config, "cafile %s\n", self->tls_ca_file);
      if (self->require_client_certificate)
        g_string_append (config, "require_certificate true\n");
    }

  if (self->extra_config != NULL)
    g_string_append_printf (config, "%s\n", self->extra_config);

  return g_file_set_contents (self->config_path, config->str, config->len, error);
}

static gboolean
port_accepts (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 1);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

/* Waits until every listener accepts, or the broker died. */
static gboolean
wait_until_ready (MimicTestBroker *self)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline)
    {
      gboolean ready;

      int status;

      /* Exited already: most likely its port was taken. */
      if (waitpid (self->pid, &status, WNOHANG) == self->pid)
        {
          self->pid = 0;
          return FALSE;
        }

      ready = port_accepts (self->port) &&
              (!self->websockets || port_accepts (self->websocket_port)) &&
              (self->tls_certificate_file == NULL || port_accepts (self->tls_port));
      if (ready)
        return TRUE;

      g_usleep (10 * 1000);
    }

  return FALSE;
}

static gboolean
launch (MimicTestBroker  *self,
        GError          **error)
{
  const char *argv[] = { self->program, "-c", self->config_path, NULL };

  if (!write_config (self, error))
    return FALSE;

  /* Not reaped by GLib: the fixture waits for it itself, without needing
   * a main loop to run. */
  return g_spawn_async (NULL, (char **) argv, NULL,
                        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                        NULL, NULL, &self->pid, error);
}

gboolean
mimic_test_broker_start (MimicTestBroker  *self,
                         GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->pid == 0, FALSE);

  if (!launch (self, error))
    return FALSE;

  if (!wait_until_ready (self))
    {
      g_autofree char *log = mimic_test_broker_dup_log (self);

      mimic_test_broker_stop (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "mosquitto did not start on port %u: %s", self->port, log);
      return FALSE;
    }

  return TRUE;
}

MimicTestBroker *
mimic_test_broker_new (const MimicTestBrokerOptions  *options,
                       GError                       **error)
{
  MimicTestBroker *self = g_new0 (MimicTestBroker, 1);
  g_autoptr(GError) last_error = NULL;

  self->dir = g_dir_make_tmp ("mimic-broker-XXXXXX", error);
  if (self->dir == NULL)
    {
      mimic_test_broker_free (self);
      return NULL;
    }
  self->config_path = g_build_filename (self->dir, "mosquitto.conf", NULL);
  self->log_path = g_build_filename (self->dir, "mosquitto.log", NULL);

  self->program = find_program ();
  if (self->program == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "mosquitto is not installed (Debian package “mosquitto”)");
      mimic_test_broker_free (self);
      return NULL;
    }

  if (options != NULL)
    {
      self->websockets = options->websockets;
      self->tls_certificate_file = g_strdup (options->tls_certificate_file);
      self->tls_key_file = g_strdup (options->tls_key_file);
      self->tls_ca_file = g_strdup (options->tls_ca_file);
      self->require_client_certificate = options->require_client_certificate;
      self->extra_config = g_strdup (options->extra_config);
    }

  for (guint attempt = 0; attempt < START_ATTEMPTS; attempt++)
    {
      g_clear_error (&last_error);

      self->port = mimic_test_pick_free_port ();
      do
        self->websocket_port = self->websockets ? mimic_test_pick_free_port () : 0;
      while (self->websocket_port == self->port);
      do
        self->tls_port = self->tls_certificate_file != NULL ? mimic_test_pick_free_port () : 0;
      while (self->tls_port != 0 && (self->tls_port == self->port || self->tls_port == self->websocket_port));

      if (mimic_test_broker_start (self, &last_error))
        {
          self->url = g_strdup_printf ("mqtt://127.0.0.1:%u", self->port);
          return self;
        }
    }

  g_propagate_error (error, g_steal_pointer (&last_error));
  mimic_test_broker_free (self);
  return NULL;
}

void
mimic_test_broker_stop (MimicTestBroker *self)
{
  g_return_if_fail (self != NULL);

  if (self->pid == 0)
    return;

  kill (self->pid, SIGTERM);
  while (waitpid (self->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (self->pid);
  self->pid = 0;
}

gboolean
mimic_test_broker_is_running (MimicTestBroker *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->pid != 0;
}

void
mimic_test_broker_free (MimicTestBroker *self)
{
  if (self == NULL)
    return;

  mimic_test_broker_stop (self);

  if (self->config_path != NULL)
    g_unlink (self->config_path);
  if (self->log_path != NULL)
    g_unlink (self->log_path);
  if (self->dir != NULL)
    g_rmdir (self->dir);

  g_free (self->dir);
  g_free (self->config_path);
  g_free (self->log_path);
  g_free (self->program);
  g_free (self->url);
  g_free (self->tls_certificate_file);
  g_free (self->tls_key_file);
  g_free (self->tls_ca_file);
  g_free (self->extra_config);
  g_free (self);
}

guint
mimic_test_broker_get_port (MimicTestBroker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

guint
mimic_test_broker_get_websocket_port (MimicTestBroker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->websocket_port;
}

guint
mimic_test_broker_get_tls_port (MimicTestBroker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->tls_port;
}

const char *
mimic_test_broker_get_url (MimicTestBroker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->url;
}

char *
mimic_test_broker_dup_log (MimicTestBroker *self)
{
  char *contents = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!g_file_get_contents (self->log_path, &contents, NULL, NULL))
    return g_strdup ("(no log)");

  return contents;
}
