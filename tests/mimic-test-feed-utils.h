/* mimic-test-feed-utils.h — collecting a feed's batches and waiting for it
 * in tests of the WebSocket, TLS and replay feeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-feed.h"

G_BEGIN_DECLS

#define MIMIC_TEST_WAIT_TIMEOUT_US (10 * G_USEC_PER_SEC)

/* Every batch a feed hands over, collected on the feed's worker thread. */
typedef struct
{
  GMutex     mutex;
  GPtrArray *batches;
} MimicTestCollector;

/* Installs a collector as @feed's batch handler; the feed owns it. */
MimicTestCollector *mimic_test_collector_attach        (MimicFeed          *feed);
gboolean            mimic_test_collector_find_sample   (MimicTestCollector *collector,
                                                        const char         *device,
                                                        const char         *sensor,
                                                        MimicSample        *out);
/* Samples in arrival order, as "device/sensor=value@timestamp_us". */
GPtrArray          *mimic_test_collector_dup_samples   (MimicTestCollector *collector);
guint               mimic_test_collector_count_samples (MimicTestCollector *collector);

/* Starts @feed and iterates the default main context until it is
 * connected or has failed. */
gboolean            mimic_test_start_feed              (MimicFeed          *feed,
                                                        GError            **error);

typedef gboolean (*MimicTestCondition) (MimicFeed *feed,
                                        gpointer   data);
/* Iterates the default main context (flushing the feed) until @condition
 * holds or MIMIC_TEST_WAIT_TIMEOUT_US passed. */
gboolean            mimic_test_wait_for                (MimicFeed          *feed,
                                                        MimicTestCondition  condition,
                                                        gpointer            data);
gboolean            mimic_test_feed_has_state          (MimicFeed          *feed,
                                                        gpointer            state);
gboolean            mimic_test_feed_has_messages       (MimicFeed          *feed,
                                                        gpointer            n_messages);
gboolean            mimic_test_feed_has_rejections     (MimicFeed          *feed,
                                                        gpointer            n_rejected);
/* The port a SoupServer listening on one address got. (Unlike
 * soup_server_get_uris(), this leaks nothing with libsoup 3.2.) */
guint               mimic_test_soup_server_get_port    (gpointer            soup_server);
/* Runs the default main context for @ms milliseconds. */
void                mimic_test_iterate_for             (guint               ms);

G_END_DECLS
