/* mimic-connection-list.h — the connection profiles kept in GSettings, as
 * a list model, each enabled or not
 *
 * Passwords never go to GSettings: they live in the keyring
 * (mimic-credentials.h), looked up by the profile's id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-connection.h"
#include "mimic-feed.h"

G_BEGIN_DECLS

/* The GSettings key, of type aa{sv}: each a profile as
 * mimic_connection_to_variant() writes it, plus "enabled" (b). */
#define MIMIC_CONNECTION_LIST_KEY "connections"
#define MIMIC_CONNECTION_LIST_MAX_PROFILES 64

#define MIMIC_TYPE_CONNECTION_LIST (mimic_connection_list_get_type ())

G_DECLARE_FINAL_TYPE (MimicConnectionList, mimic_connection_list, MIMIC, CONNECTION_LIST, GObject)

/* A GListModel of MimicConnection, loaded from @settings and written back
 * on every change; changes made elsewhere to the key are picked up. */
MimicConnectionList *mimic_connection_list_new          (GSettings            *settings);

MimicConnection     *mimic_connection_list_lookup       (MimicConnectionList  *self,
                                                         const char           *id);
gboolean             mimic_connection_list_get_enabled  (MimicConnectionList  *self,
                                                         const char           *id);
void                 mimic_connection_list_set_enabled  (MimicConnectionList  *self,
                                                         const char           *id,
                                                         gboolean              enabled);
/* Adds a validated profile; refuses an id that is taken. */
gboolean             mimic_connection_list_add          (MimicConnectionList  *self,
                                                         MimicConnection      *connection,
                                                         gboolean              enabled,
                                                         GError              **error);
/* Replaces the profile @id (which may be renamed to @connection's id). */
gboolean             mimic_connection_list_replace      (MimicConnectionList  *self,
                                                         const char           *id,
                                                         MimicConnection      *connection,
                                                         GError              **error);
gboolean             mimic_connection_list_remove       (MimicConnectionList  *self,
                                                         const char           *id);
/* Profiles in GSettings that could not be read and were left out. */
guint                mimic_connection_list_get_n_invalid (MimicConnectionList *self);

/* A feed for a profile, with its credentials (@password may be NULL),
 * TLS files and topic root. Not started. */
MimicFeed           *mimic_connection_create_feed       (MimicConnection      *connection,
                                                         const char           *password,
                                                         GError              **error);

G_END_DECLS
