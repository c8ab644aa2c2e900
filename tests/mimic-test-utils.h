/* mimic-test-utils.h — what many tests need: waiting with a deadline,
 * temporary directories with SQLite files in them, mimic-device
 * simulators as child processes and their command logs, and a feed wired
 * into a twin store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-asset-registry.h"
#include "mimic-command-manager.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"

G_BEGIN_DECLS

typedef gboolean (*MimicTestPredicate) (gpointer data);

/* Iterates the default main context until @done holds; FALSE once
 * @timeout_us has passed without it. */
gboolean     mimic_test_iterate_until        (MimicTestPredicate   done,
                                              gpointer             data,
                                              gint64               timeout_us);

/* One file in a temporary directory of its own, as a fixture. */
typedef struct
{
  char *dir;
  char *path;
} MimicTestTempFile;

void         mimic_test_temp_file_init       (MimicTestTempFile   *temp,
                                              const char          *dir_template,
                                              const char          *file_name);
/* Removes the directory with whatever a test left in it. */
void         mimic_test_temp_file_clear      (MimicTestTempFile   *temp);

/* A new directory under the temporary directory, or the test fails. */
char        *mimic_test_make_temp_dir        (const char          *name_template);
/* Removes @path and, if it is a directory, all it holds. */
void         mimic_test_remove_tree          (const char          *path);
/* Removes an SQLite database and its -wal and -shm files. */
void         mimic_test_remove_sqlite_files  (const char          *path);

/* Runs $MIMIC_BUILD_APPDIR/mimic-device with @arguments (NULL-terminated)
 * and returns once it says it is simulating. @ws_port, if not NULL, gets
 * the port of its WebSocket server (left alone when it serves none). The
 * simulator dies with the test process, so a failed assertion leaves no
 * simulator behind holding the test runner's pipes. */
GSubprocess *mimic_test_spawn_device         (const char * const  *arguments,
                                              guint               *ws_port);
/* Ends a simulator with SIGTERM (after SIGCONT, should a test have held
 * it with SIGSTOP) and waits for it. */
void         mimic_test_stop_device          (GSubprocess         *process);
/* The same, and fails the test unless the simulator exited with status 0
 * (under LeakSanitizer, a leaking simulator exits with another). */
void         mimic_test_stop_device_cleanly  (GSubprocess         *process);
/* Lines of a simulator's --command-log naming the command @id; 0 when the
 * log does not exist (yet). */
guint        mimic_test_count_executions     (const char          *command_log,
                                              const char          *id);

/* A predicate for mimic_test_iterate_until(): @feed is connected. */
gboolean     mimic_test_feed_is_connected    (gpointer             feed);
/* A registry with the sample asset descriptions, or the test fails. */
MimicAssetRegistry *
             mimic_test_load_sample_assets   (void);
/* Decodes @feed's telemetry with @registry's asset types (if not NULL)
 * and queues its batches into @store, as the console does. */
void         mimic_test_feed_into_store      (MimicFeed           *feed,
                                              MimicAssetRegistry  *registry,
                                              MimicTwinStore      *store);
/* The console's command path over @feed, for operator "alice": @feed
 * wired into @store as above, and an audit log opened at @audit_path, a
 * reference to which goes to @audit_log. */
MimicCommandManager *
             mimic_test_command_manager_new  (MimicFeed           *feed,
                                              MimicAssetRegistry  *registry,
                                              MimicTwinStore      *store,
                                              const char          *audit_path,
                                              MimicAuditLog      **audit_log);

G_END_DECLS
