/* mimic-test-proxy.h — a TCP proxy on the loopback that injects faults
 *
 * Sits between Mimic and a broker (or any TCP server on 127.0.0.1) and
 * forwards bytes both ways on threads of its own, so a test may block its
 * main loop without stalling the traffic. Faults:
 *
 *   delay    every chunk waits this long before it is passed on
 *   cut      nothing is passed on (held, as in a stalled network) until
 *            restore; new connections are accepted but not answered
 *   reset    every open connection is torn down with a TCP RST on both
 *            sides (SO_LINGER 0), as when a middlebox drops its state
 *
 *   g_autoptr(MimicTestProxy) proxy = mimic_test_proxy_new (broker_port, &error);
 *   url = g_strdup_printf ("mqtt://127.0.0.1:%u", mimic_test_proxy_get_port (proxy));
 *   mimic_test_proxy_reset (proxy);
 *
 * Only ever listens on and connects to 127.0.0.1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MimicTestProxy MimicTestProxy;

MimicTestProxy *mimic_test_proxy_new                 (guint           target_port,
                                                      GError        **error);
void            mimic_test_proxy_free                (MimicTestProxy *self);

guint           mimic_test_proxy_get_port            (MimicTestProxy *self);
void            mimic_test_proxy_set_delay           (MimicTestProxy *self,
                                                      guint           delay_ms);
void            mimic_test_proxy_cut                 (MimicTestProxy *self);
void            mimic_test_proxy_restore             (MimicTestProxy *self);
/* Returns how many connections were reset. */
guint           mimic_test_proxy_reset               (MimicTestProxy *self);

/* Connections accepted so far, and those open now. */
guint           mimic_test_proxy_get_n_accepted      (MimicTestProxy *self);
guint           mimic_test_proxy_get_n_open          (MimicTestProxy *self);
/* Bytes passed on from clients to the server and back. */
guint64         mimic_test_proxy_get_bytes_upstream  (MimicTestProxy *self);
guint64         mimic_test_proxy_get_bytes_downstream (MimicTestProxy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MimicTestProxy, mimic_test_proxy_free)

G_END_DECLS
