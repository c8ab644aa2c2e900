/* mimic-test-proxy.c — see mimic-test-proxy.h
 *
 * One thread accepts; each connection has a thread per direction. GSocket
 * emulates blocking calls with poll() on the socket and the cancellable,
 * so cancelling a connection wakes both of its threads at once, wherever
 * they wait.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-test-proxy"

#include "config.h"

#include <sys/socket.h>

#include "mimic-test-proxy.h"

#define CHUNK_SIZE 16384

typedef struct _Connection Connection;

struct _MimicTestProxy
{
  guint         target_port;
  GSocket      *listener;
  guint         port;
  GThread      *accept_thread;
  GCancellable *stopping;

  /* Guards everything below; wait_while_cut waits on changed. */
  GMutex        mutex;
  GCond         changed;
  gboolean      cut;
  guint         delay_ms;
  GPtrArray    *connections;
  guint         n_accepted;
  guint64       bytes_upstream;
  guint64       bytes_downstream;
};

struct _Connection
{
  MimicTestProxy *proxy;
  GSocket        *client;
  GSocket        *server;        /* set by the upstream thread */
  GCancellable   *cancellable;
  GThread        *upstream;
  GThread        *downstream;    /* started by the upstream thread */
  gint            n_running;     /* atomic: pump threads still going */
};

static gboolean
wait_while_cut (Connection *connection)
{
  MimicTestProxy *self = connection->proxy;
  gboolean go_on;

  g_mutex_lock (&self->mutex);
  while (self->cut && !g_cancellable_is_cancelled (connection->cancellable))
    g_cond_wait (&self->changed, &self->mutex);
  go_on = !g_cancellable_is_cancelled (connection->cancellable);
  g_mutex_unlock (&self->mutex);

  return go_on;
}

static void
pump (Connection *connection,
      GSocket    *from,
      GSocket    *to,
      guint64    *counter)
{
  MimicTestProxy *self = connection->proxy;
  char buffer[CHUNK_SIZE];

  for (;;)
    {
      gssize received = g_socket_receive (from, buffer, sizeof buffer, connection->cancellable, NULL);
      guint delay_ms;
      gssize sent = 0;

      if (received == 0)
        {
          /* Pass the orderly close on; the other direction may go on. */
          g_socket_shutdown (to, FALSE, TRUE, NULL);
          break;
        }
      if (received < 0 || !wait_while_cut (connection))
        break;

      g_mutex_lock (&self->mutex);
      delay_ms = self->delay_ms;
      g_mutex_unlock (&self->mutex);
      if (delay_ms > 0)
        g_usleep ((gulong) delay_ms * 1000);

      while (sent < received)
        {
          gssize n = g_socket_send (to, buffer + sent, received - sent, connection->cancellable, NULL);

          if (n <= 0)
            goto done;
          sent += n;
        }

      g_mutex_lock (&self->mutex);
      *counter += (guint64) received;
      g_mutex_unlock (&self->mutex);
    }

done:
  g_atomic_int_add (&connection->n_running, -1);
}

static gpointer
run_downstream (gpointer data)
{
  Connection *connection = data;

  pump (connection, connection->server, connection->client, &connection->proxy->bytes_downstream);
  return NULL;
}

static gpointer
run_upstream (gpointer data)
{
  Connection *connection = data;
  MimicTestProxy *self = connection->proxy;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->target_port);
  GSocket *server;

  /* While cut, a new connection is accepted but goes nowhere. */
  if (!wait_while_cut (connection))
    goto failed;

  server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (server == NULL)
    goto failed;
  if (!g_socket_connect (server, address, connection->cancellable, NULL))
    {
      g_object_unref (server);
      goto failed;
    }

  g_mutex_lock (&self->mutex);
  connection->server = server;
  if (!g_cancellable_is_cancelled (connection->cancellable))
    connection->downstream = g_thread_new ("proxy-down", run_downstream, connection);
  else
    g_atomic_int_add (&connection->n_running, -1);
  g_mutex_unlock (&self->mutex);

  pump (connection, connection->client, server, &self->bytes_upstream);
  return NULL;

failed:
  /* The client sees its connection refused the hard way. */
  g_atomic_int_set (&connection->n_running, 0);
  return NULL;
}

static void
set_abortive_close (GSocket *socket)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (socket != NULL)
    setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
}

/* Stops both threads of @connection and closes its sockets, with an RST
 * when @abortive. */
static void
connection_close (Connection *connection,
                  gboolean    abortive)
{
  MimicTestProxy *self = connection->proxy;

  g_mutex_lock (&self->mutex);
  if (abortive)
    {
      set_abortive_close (connection->client);
      set_abortive_close (connection->server);
    }
  g_cancellable_cancel (connection->cancellable);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);

  g_thread_join (connection->upstream);
  if (connection->downstream != NULL)
    g_thread_join (connection->downstream);

  g_socket_close (connection->client, NULL);
  if (connection->server != NULL)
    g_socket_close (connection->server, NULL);
  g_clear_object (&connection->client);
  g_clear_object (&connection->server);
  g_clear_object (&connection->cancellable);
  g_free (connection);
}

static gpointer
run_accept (gpointer data)
{
  MimicTestProxy *self = data;

  for (;;)
    {
      GSocket *client = g_socket_accept (self->listener, self->stopping, NULL);
      Connection *connection;

      if (client == NULL)
        {
          if (g_cancellable_is_cancelled (self->stopping))
            break;
          continue;
        }

      connection = g_new0 (Connection, 1);
      connection->proxy = self;
      connection->client = client;
      connection->cancellable = g_cancellable_new ();
      connection->n_running = 2;

      g_mutex_lock (&self->mutex);
      self->n_accepted++;
      g_ptr_array_add (self->connections, connection);
      connection->upstream = g_thread_new ("proxy-up", run_upstream, connection);
      g_mutex_unlock (&self->mutex);
    }

  return NULL;
}

MimicTestProxy *
mimic_test_proxy_new (guint    target_port,
                      GError **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  MimicTestProxy *self;

  g_return_val_if_fail (target_port > 0 && target_port < 65536, NULL);

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL ||
      !g_socket_bind (listener, any_port, TRUE, error) ||
      !g_socket_listen (listener, error))
    return NULL;
  bound = g_socket_get_local_address (listener, error);
  if (bound == NULL)
    return NULL;

  self = g_new0 (MimicTestProxy, 1);
  self->target_port = target_port;
  self->listener = g_steal_pointer (&listener);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->stopping = g_cancellable_new ();
  self->connections = g_ptr_array_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->changed);
  self->accept_thread = g_thread_new ("proxy-accept", run_accept, self);

  return self;
}

static guint
close_all (MimicTestProxy *self,
           gboolean        abortive)
{
  GPtrArray *connections;
  guint n_open = 0;

  g_mutex_lock (&self->mutex);
  connections = g_steal_pointer (&self->connections);
  self->connections = g_ptr_array_new ();
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < connections->len; i++)
    {
      Connection *connection = g_ptr_array_index (connections, i);

      if (g_atomic_int_get (&connection->n_running) > 0)
        n_open++;
      connection_close (connection, abortive);
    }
  g_ptr_array_unref (connections);

  return n_open;
}

void
mimic_test_proxy_free (MimicTestProxy *self)
{
  if (self == NULL)
    return;

  g_cancellable_cancel (self->stopping);
  g_thread_join (self->accept_thread);
  close_all (self, FALSE);
  g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
  g_clear_object (&self->stopping);
  g_ptr_array_unref (self->connections);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->changed);
  g_free (self);
}

guint
mimic_test_proxy_get_port (MimicTestProxy *self)
{
  return self->port;
}

void
mimic_test_proxy_set_delay (MimicTestProxy *self,
                            guint           delay_ms)
{
  g_mutex_lock (&self->mutex);
  self->delay_ms = delay_ms;
  g_mutex_unlock (&self->mutex);
}

void
mimic_test_proxy_cut (MimicTestProxy *self)
{
  g_mutex_lock (&self->mutex);
  self->cut = TRUE;
  g_mutex_unlock (&self->mutex);
}

void
mimic_test_proxy_restore (MimicTestProxy *self)
{
  g_mutex_lock (&self->mutex);
  self->cut = FALSE;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->mutex);
}

guint
mimic_test_proxy_reset (MimicTestProxy *self)
{
  return close_all (self, TRUE);
}

guint
mimic_test_proxy_get_n_accepted (MimicTestProxy *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_accepted;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
mimic_test_proxy_get_n_open (MimicTestProxy *self)
{
  guint n = 0;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->connections->len; i++)
    if (g_atomic_int_get (&((Connection *) g_ptr_array_index (self->connections, i))->n_running) > 0)
      n++;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint64
mimic_test_proxy_get_bytes_upstream (MimicTestProxy *self)
{
  guint64 n;

  g_mutex_lock (&self->mutex);
  n = self->bytes_upstream;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint64
mimic_test_proxy_get_bytes_downstream (MimicTestProxy *self)
{
  guint64 n;

  g_mutex_lock (&self->mutex);
  n = self->bytes_downstream;
  g_mutex_unlock (&self->mutex);
  return n;
}
