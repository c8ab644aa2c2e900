/* mimic-credentials.h — connection passwords in the Secret Service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "mimic-connection.h"

G_BEGIN_DECLS

#define MIMIC_CREDENTIALS_ERROR (mimic_credentials_error_quark ())

typedef enum
{
  MIMIC_CREDENTIALS_ERROR_UNAVAILABLE,   /* no Secret Service, or it refused */
  MIMIC_CREDENTIALS_ERROR_INVALID,       /* empty or not UTF-8 */
} MimicCredentialsError;

GQuark              mimic_credentials_error_quark   (void);
const SecretSchema *mimic_credentials_get_schema    (void) G_GNUC_CONST;

void                mimic_credentials_store_async   (MimicConnection      *connection,
                                                     const char           *password,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            mimic_credentials_store_finish  (GAsyncResult         *result,
                                                     GError              **error);
void                mimic_credentials_lookup_async  (MimicConnection      *connection,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
char               *mimic_credentials_lookup_finish (GAsyncResult         *result,
                                                     GError              **error);
void                mimic_credentials_clear_async   (MimicConnection      *connection,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean            mimic_credentials_clear_finish  (GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
