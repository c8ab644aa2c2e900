/* fuzz-command-response.c — command replies against arbitrary bytes
 *
 * One input is "TOPIC\nCORRELATION\nPAYLOAD": the topic a reply arrived
 * on, the transport's correlation data (empty: none) and the reply. It is
 * handed to a command manager through its feed, exactly as a reply from
 * the wire would be, and the manager's main context is run until idle.
 * Replies (and births) on any topic must be counted or used, never abort.
 *
 * The feed is an MQTT feed that is never started: replies come in through
 * mimic_feed_ingest_command_response(), so no broker is needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fuzz"

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "mimic-command-manager.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

typedef struct
{
  char                *dir;
  char                *audit_path;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicAssetRegistry  *registry;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
} Harness;

static Harness *harness;

static void
harness_free (void)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&harness->manager);
  g_clear_object (&harness->audit_log);
  g_clear_object (&harness->feed);
  g_clear_object (&harness->store);
  g_clear_object (&harness->registry);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (harness->audit_path, suffixes[i], NULL);

      g_remove (path);
    }
  g_rmdir (harness->dir);
  g_free (harness->audit_path);
  g_free (harness->dir);
  g_clear_pointer (&harness, g_free);
}

/* Built once: opening the audit log per input would measure SQLite, not
 * the reply decoding. */
static void
harness_ensure (void)
{
  g_autoptr(GError) error = NULL;

  if (harness != NULL)
    return;

  harness = g_new0 (Harness, 1);
  harness->dir = g_dir_make_tmp ("mimic-fuzz-command-XXXXXX", &error);
  g_assert_no_error (error);
  harness->audit_path = g_build_filename (harness->dir, "audit.db", NULL);
  harness->feed = mimic_feed_new_for_url ("mqtt://127.0.0.1:1/mimic", &error);
  g_assert_no_error (error);
  harness->store = mimic_twin_store_new ();
  harness->registry = mimic_asset_registry_new ();
  harness->audit_log = mimic_audit_log_open (harness->audit_path, &error);
  g_assert_no_error (error);
  harness->manager = mimic_command_manager_new (harness->feed, harness->store,
                                                harness->registry, harness->audit_log);
  atexit (harness_free);
}

static const guint8 *
next_line (const guint8  *data,
           const guint8  *end,
           gsize         *length)
{
  const guint8 *newline = memchr (data, '\n', end - data);

  *length = (newline != NULL ? newline : end) - data;
  return newline != NULL ? newline + 1 : end;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const guint8 *end = data + size;
  const guint8 *correlation, *payload;
  gsize topic_length, correlation_length;
  g_autofree char *topic = NULL;
  guint64 counted_before, counted_after;

  harness_ensure ();

  correlation = next_line (data, end, &topic_length);
  payload = next_line (correlation, end, &correlation_length);
  topic = g_strndup ((const char *) data, topic_length);

  counted_before = mimic_command_manager_get_n_malformed_replies (harness->manager) +
                   mimic_command_manager_get_n_unmatched_replies (harness->manager);
  mimic_feed_ingest_command_response (harness->feed, topic, payload, end - payload,
                                      correlation_length > 0 ? correlation : NULL,
                                      correlation_length);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  counted_after = mimic_command_manager_get_n_malformed_replies (harness->manager) +
                  mimic_command_manager_get_n_unmatched_replies (harness->manager);

  /* No command was ever sent, so nothing can match: a reply is counted
   * once at most (births and topics that are not replies not at all). */
  g_assert_cmpuint (counted_after - counted_before, <=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (harness->manager)), ==, 0);

  return 0;
}
