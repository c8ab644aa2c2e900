/* mimic-test-broker.h — a real Mosquitto broker for tests
 *
 * Starts `mosquitto` with a generated configuration on free 127.0.0.1
 * ports, waits until it accepts connections and stops it again. The
 * program is taken from $MIMIC_TEST_MOSQUITTO (set by tests/meson.build),
 * else from $PATH.
 *
 *   g_autoptr(MimicTestBroker) broker = mimic_test_broker_new (NULL, &error);
 *   url = mimic_test_broker_get_url (broker);     // "mqtt://127.0.0.1:PORT"
 *   mimic_test_broker_stop (broker);              // e.g. to test reconnects
 *   mimic_test_broker_start (broker, &error);     // again, on the same ports
 *
 * Link tests/mimic-test-broker.c into the test (see tests/meson.build).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  /* A WebSocket listener (protocol websockets) on its own port. */
  gboolean    websockets;
  /* A TLS listener on its own port when @tls_certificate_file is set;
   * @tls_ca_file also makes it require client certificates signed by
   * that CA when @require_client_certificate is TRUE. */
  const char *tls_certificate_file;
  const char *tls_key_file;
  const char *tls_ca_file;
  gboolean    require_client_certificate;
  /* Appended verbatim to the generated mosquitto.conf (e.g. a password
   * file, message_size_limit, max_queued_messages). */
  const char *extra_config;
} MimicTestBrokerOptions;

typedef struct _MimicTestBroker MimicTestBroker;

/* Starts the broker. @options may be NULL. */
MimicTestBroker *mimic_test_broker_new                (const MimicTestBrokerOptions *options,
                                                       GError                      **error);
void             mimic_test_broker_free               (MimicTestBroker              *self);

/* Kills the broker (SIGTERM) and waits for it; the ports stay reserved
 * for a later mimic_test_broker_start(). */
void             mimic_test_broker_stop               (MimicTestBroker              *self);
gboolean         mimic_test_broker_start              (MimicTestBroker              *self,
                                                       GError                      **error);
gboolean         mimic_test_broker_is_running         (MimicTestBroker              *self);

guint            mimic_test_broker_get_port           (MimicTestBroker              *self);
guint            mimic_test_broker_get_websocket_port (MimicTestBroker              *self);
guint            mimic_test_broker_get_tls_port       (MimicTestBroker              *self);
/* "mqtt://127.0.0.1:PORT" */
const char      *mimic_test_broker_get_url            (MimicTestBroker              *self);
/* The broker's own log, for failing tests to print. */
char            *mimic_test_broker_dup_log            (MimicTestBroker              *self);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
guint            mimic_test_pick_free_port            (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicTestBroker, mimic_test_broker_free)

G_END_DECLS
