/* mimic-command-manager.h — validates, audits, sends and tracks commands
 *
 * The lifecycle of a command: validated against the asset description
 * and the console's state ▶ (select-before-operate where the description
 * asks for it) ▶ committed to the audit log ▶ sent with a UUID as MQTT 5
 * Correlation Data and as "id" in the JSON ▶ exactly one terminal outcome
 * ▶ the outcome written to the audit log.
 *
 * Threads: use it from the thread whose thread-default main context was
 * current when it was created; replies decoded on the feed's thread are
 * handed over to that context.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mimic-asset-registry.h"
#include "mimic-audit-log.h"
#include "mimic-command.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"

G_BEGIN_DECLS

#define MIMIC_COMMAND_ERROR (mimic_command_error_quark ())

typedef enum
{
  MIMIC_COMMAND_ERROR_VIEW_ONLY,           /* the console may only watch */
  MIMIC_COMMAND_ERROR_NOT_CONNECTED,       /* the feed is down or cannot carry commands */
  MIMIC_COMMAND_ERROR_UNKNOWN_DEVICE,
  MIMIC_COMMAND_ERROR_OFFLINE,             /* the device is offline, or its presence unknown */
  MIMIC_COMMAND_ERROR_UNKNOWN_ASSET,       /* no description for the device's asset type */
  MIMIC_COMMAND_ERROR_UNKNOWN_COMMAND,
  MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,    /* type, range, required, non-finite, unknown */
  MIMIC_COMMAND_ERROR_OVERSIZED,           /* too many or too long arguments */
  MIMIC_COMMAND_ERROR_SELECT_REQUIRED,     /* select-before-operate: not selected, or the selection ran out */
  MIMIC_COMMAND_ERROR_SELECTED_BY_OTHER,   /* another operator holds the selection */
  MIMIC_COMMAND_ERROR_SELECTION_MISMATCH,  /* operate differs from what was selected */
  MIMIC_COMMAND_ERROR_FINISHED,            /* cancel of a command that has its outcome */
} MimicCommandError;

GQuark mimic_command_error_quark (void);

/* How long a selection stands without an operate. */
#define MIMIC_COMMAND_DEFAULT_SELECT_TIMEOUT_S 30.0
/* Commands kept in the list of recent ones. */
#define MIMIC_COMMAND_MANAGER_MAX_RECENT 200
/* Larger requests and replies are refused. */
#define MIMIC_COMMAND_MAX_PAYLOAD (16 * 1024)
#define MIMIC_COMMAND_MAX_ARGUMENTS 64
#define MIMIC_COMMAND_MAX_STRING 1024

#define MIMIC_TYPE_COMMAND_MANAGER (mimic_command_manager_get_type ())
G_DECLARE_FINAL_TYPE (MimicCommandManager, mimic_command_manager, MIMIC, COMMAND_MANAGER, GObject)

/* @store gives presence and asset type, @registry the command schemas. */
MimicCommandManager *mimic_command_manager_new                  (MimicFeed           *feed,
                                                                 MimicTwinStore      *store,
                                                                 MimicAssetRegistry  *registry,
                                                                 MimicAuditLog       *audit_log);

/* The sources commands can go out on: each command goes to the feed its
 * device's data came from (mimic_twin_device_get_source_id()). The feed
 * given to new() (may be NULL) is the first. */
void                 mimic_command_manager_add_feed             (MimicCommandManager *self,
                                                                 MimicFeed           *feed);
void                 mimic_command_manager_remove_feed          (MimicCommandManager *self,
                                                                 MimicFeed           *feed);
MimicFeed           *mimic_command_manager_get_feed_for_device  (MimicCommandManager *self,
                                                                 const char          *device_id);

/* Who is sending (the audit log's "who"); default g_get_user_name(). */
const char          *mimic_command_manager_get_operator_name    (MimicCommandManager *self);
void                 mimic_command_manager_set_operator_name    (MimicCommandManager *self,
                                                                 const char          *operator_name);
/* A view-only console refuses every command and selection. */
gboolean             mimic_command_manager_get_view_only        (MimicCommandManager *self);
void                 mimic_command_manager_set_view_only        (MimicCommandManager *self,
                                                                 gboolean             view_only);
double               mimic_command_manager_get_select_timeout   (MimicCommandManager *self);
void                 mimic_command_manager_set_select_timeout   (MimicCommandManager *self,
                                                                 double               timeout_s);

/* Recent commands (MimicCommand), oldest first. */
GListModel          *mimic_command_manager_get_commands         (MimicCommandManager *self);
MimicCommand        *mimic_command_manager_lookup               (MimicCommandManager *self,
                                                                 const char          *id);

/* The command's description, when the device, its asset and the command
 * are known. */
const MimicAssetCommand *mimic_command_manager_lookup_description (MimicCommandManager *self,
                                                                   const char          *device_id,
                                                                   const char          *command,
                                                                   GError             **error);
/* Every check send() makes except the selection. @arguments may be NULL. */
gboolean             mimic_command_manager_validate             (MimicCommandManager *self,
                                                                 const char          *device_id,
                                                                 const char          *command,
                                                                 JsonObject          *arguments,
                                                                 GError             **error);

/* Select-before-operate: the first step. The device is selected for this
 * operator, this command and exactly these arguments until the select
 * timeout, an operate, a deselect or a lost connection. */
gboolean             mimic_command_manager_select               (MimicCommandManager *self,
                                                                 const char          *device_id,
                                                                 const char          *command,
                                                                 JsonObject          *arguments,
                                                                 GError             **error);
void                 mimic_command_manager_deselect             (MimicCommandManager *self,
                                                                 const char          *device_id);
/* Who holds the selection of @device_id, or NULL. */
const char          *mimic_command_manager_get_selection_holder (MimicCommandManager *self,
                                                                 const char          *device_id);

/* Validates (and for a select-before-operate command consumes the
 * matching selection), then records and sends. Returns the command
 * (transfer full), whose state then moves on by itself, or NULL with
 * @error when the console refused it: nothing was recorded or sent.
 * @timeout_s 0: the description's timeout. */
MimicCommand        *mimic_command_manager_send                 (MimicCommandManager *self,
                                                                 const char          *device_id,
                                                                 const char          *command,
                                                                 JsonObject          *arguments,
                                                                 double               timeout_s,
                                                                 GError             **error);
/* Withdraws a command that has no outcome yet. A device that received it
 * already may still execute it; its reply is then counted as late. */
gboolean             mimic_command_manager_cancel               (MimicCommandManager *self,
                                                                 MimicCommand        *command,
                                                                 GError             **error);

/* Whether @device_id's birth said it executes a repeated id only once. */
gboolean             mimic_command_manager_get_device_deduplicates (MimicCommandManager *self,
                                                                    const char          *device_id);

/* Replies that were not JSON, had no usable id or status, or were too
 * large; replies for ids this console never sent (or for another device
 * or command than the id's); replies after the outcome; commands sent
 * again after a reconnect. */
guint64              mimic_command_manager_get_n_malformed_replies (MimicCommandManager *self);
guint64              mimic_command_manager_get_n_unmatched_replies (MimicCommandManager *self);
guint64              mimic_command_manager_get_n_late_replies      (MimicCommandManager *self);
guint64              mimic_command_manager_get_n_resent            (MimicCommandManager *self);

/* Blocks until every audit write so far is committed (tests, shutdown). */
void                 mimic_command_manager_flush_audit_log      (MimicCommandManager *self);

G_END_DECLS
