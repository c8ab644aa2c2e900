/* mimic-connection.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIMIC_CONNECTION_ERROR (mimic_connection_error_quark ())

typedef enum
{
  MIMIC_CONNECTION_ERROR_INVALID_URL,
  MIMIC_CONNECTION_ERROR_UNSUPPORTED_SCHEME,
  MIMIC_CONNECTION_ERROR_INVALID_PORT,
  MIMIC_CONNECTION_ERROR_MISSING_HOST,
  MIMIC_CONNECTION_ERROR_MISSING_FILE,
  MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT,
  MIMIC_CONNECTION_ERROR_NOT_TLS,
  MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
  MIMIC_CONNECTION_ERROR_TLS,
} MimicConnectionError;

typedef enum
{
  MIMIC_CONNECTION_KIND_MQTT,
  MIMIC_CONNECTION_KIND_MQTTS,
  MIMIC_CONNECTION_KIND_WS,
  MIMIC_CONNECTION_KIND_WSS,
  MIMIC_CONNECTION_KIND_FILE,
} MimicConnectionKind;

#define MIMIC_CONNECTION_DEFAULT_TOPIC_ROOT "mimic"

#define MIMIC_TYPE_CONNECTION (mimic_connection_get_type ())

G_DECLARE_FINAL_TYPE (MimicConnection, mimic_connection, MIMIC, CONNECTION, GObject)

GQuark               mimic_connection_error_quark               (void);

MimicConnection     *mimic_connection_new_for_url               (const char          *url,
                                                                 GError             **error);
MimicConnection     *mimic_connection_new_from_variant          (GVariant            *profile,
                                                                 GError             **error);
GVariant            *mimic_connection_to_variant                (MimicConnection     *self);
gboolean             mimic_connection_validate                  (MimicConnection     *self,
                                                                 GError             **error);

const char          *mimic_connection_get_id                    (MimicConnection     *self);
void                 mimic_connection_set_id                    (MimicConnection     *self,
                                                                 const char          *id);
const char          *mimic_connection_get_url                   (MimicConnection     *self);
MimicConnectionKind  mimic_connection_get_kind                  (MimicConnection     *self);
gboolean             mimic_connection_uses_tls                  (MimicConnection     *self);
const char          *mimic_connection_get_host                  (MimicConnection     *self);
guint                mimic_connection_get_port                  (MimicConnection     *self);
const char          *mimic_connection_get_path                  (MimicConnection     *self);
const char          *mimic_connection_get_username              (MimicConnection     *self);
void                 mimic_connection_set_username              (MimicConnection     *self,
                                                                 const char          *username);
const char          *mimic_connection_get_topic_root            (MimicConnection     *self);
gboolean             mimic_connection_set_topic_root            (MimicConnection     *self,
                                                                 const char          *topic_root,
                                                                 GError             **error);
const char          *mimic_connection_get_ca_file               (MimicConnection     *self);
void                 mimic_connection_set_ca_file               (MimicConnection     *self,
                                                                 const char          *ca_file);
const char          *mimic_connection_get_client_certificate_file (MimicConnection   *self);
void                 mimic_connection_set_client_certificate_file (MimicConnection   *self,
                                                                 const char          *certificate_file);
const char          *mimic_connection_get_client_key_file       (MimicConnection     *self);
void                 mimic_connection_set_client_key_file       (MimicConnection     *self,
                                                                 const char          *key_file);
const char          *mimic_connection_get_asset_dir             (MimicConnection     *self);
void                 mimic_connection_set_asset_dir             (MimicConnection     *self,
                                                                 const char          *asset_dir);

/* Held in memory only: never part of the URL, the profile or a log line. */
const char          *mimic_connection_get_password              (MimicConnection     *self);
void                 mimic_connection_set_password              (MimicConnection     *self,
                                                                 const char          *password);

GTlsDatabase        *mimic_connection_create_tls_database       (MimicConnection     *self,
                                                                 GError             **error);
GTlsCertificate     *mimic_connection_load_client_certificate   (MimicConnection     *self,
                                                                 GError             **error);

const char          *mimic_connection_kind_to_scheme            (MimicConnectionKind  kind);
char                *mimic_tls_errors_to_string                 (GTlsCertificateFlags errors);

G_END_DECLS
