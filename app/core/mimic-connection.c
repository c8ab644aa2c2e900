/* mimic-connection.c
 *
 * A connection profile: where a feed connects and how. Profiles come from a
 * URL typed by an operator or from GSettings, so everything is checked here
 * once, with an error that says what to fix, before any socket is opened.
 * The password is the one thing a profile never carries outside memory: it
 * lives in the Secret Service (see mimic-credentials.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-connection"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-connection.h"
#include "mimic-json.h"

#define MAX_TOPIC_ROOT_LENGTH 256

struct _MimicConnection
{
  GObject              parent_instance;

  char                *id;
  char                *url;          /* without the password */
  MimicConnectionKind  kind;
  char                *host;
  guint                port;
  char                *path;
  char                *username;
  char                *password;
  char                *topic_root;
  char                *ca_file;
  char                *client_certificate_file;
  char                *client_key_file;
  char                *asset_dir;
};

G_DEFINE_FINAL_TYPE (MimicConnection, mimic_connection, G_TYPE_OBJECT)

G_DEFINE_QUARK (mimic-connection-error-quark, mimic_connection_error)

enum {
  PROP_0,
  PROP_ID,
  PROP_URL,
  PROP_KIND,
  PROP_HOST,
  PROP_PORT,
  PROP_PATH,
  PROP_USERNAME,
  PROP_TOPIC_ROOT,
  PROP_CA_FILE,
  PROP_CLIENT_CERTIFICATE_FILE,
  PROP_CLIENT_KEY_FILE,
  PROP_ASSET_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct
{
  const char *scheme;
  guint       default_port;
  gboolean    tls;
} schemes[] = {
  [MIMIC_CONNECTION_KIND_MQTT]  = { "mqtt",  1883, FALSE },
  [MIMIC_CONNECTION_KIND_MQTTS] = { "mqtts", 8883, TRUE },
  [MIMIC_CONNECTION_KIND_WS]    = { "ws",    80,   FALSE },
  [MIMIC_CONNECTION_KIND_WSS]   = { "wss",   443,  TRUE },
  [MIMIC_CONNECTION_KIND_FILE]  = { "file",  0,    FALSE },
};

static void
mimic_connection_finalize (GObject *object)
{
  MimicConnection *self = (MimicConnection *)object;

  g_free (self->id);
  g_free (self->url);
  g_free (self->host);
  g_free (self->path);
  g_free (self->username);
  /* Do not leave the password behind in freed heap memory. */
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->topic_root);
  g_free (self->ca_file);
  g_free (self->client_certificate_file);
  g_free (self->client_key_file);
  g_free (self->asset_dir);

  G_OBJECT_CLASS (mimic_connection_parent_class)->finalize (object);
}

static void
mimic_connection_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MimicConnection *self = MIMIC_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_TOPIC_ROOT:
      g_value_set_string (value, self->topic_root);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_CLIENT_CERTIFICATE_FILE:
      g_value_set_string (value, self->client_certificate_file);
      break;
    case PROP_CLIENT_KEY_FILE:
      g_value_set_string (value, self->client_key_file);
      break;
    case PROP_ASSET_DIR:
      g_value_set_string (value, self->asset_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_connection_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MimicConnection *self = MIMIC_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_ID:
      mimic_connection_set_id (self, g_value_get_string (value));
      break;
    case PROP_USERNAME:
      mimic_connection_set_username (self, g_value_get_string (value));
      break;
    case PROP_TOPIC_ROOT:
      {
        g_autoptr(GError) error = NULL;

        if (!mimic_connection_set_topic_root (self, g_value_get_string (value), &error))
          g_warning ("Ignoring topic root: %s", error->message);
      }
      break;
    case PROP_CA_FILE:
      mimic_connection_set_ca_file (self, g_value_get_string (value));
      break;
    case PROP_CLIENT_CERTIFICATE_FILE:
      mimic_connection_set_client_certificate_file (self, g_value_get_string (value));
      break;
    case PROP_CLIENT_KEY_FILE:
      mimic_connection_set_client_key_file (self, g_value_get_string (value));
      break;
    case PROP_ASSET_DIR:
      mimic_connection_set_asset_dir (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_connection_class_init (MimicConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = mimic_connection_finalize;
  object_class->get_property = mimic_connection_get_property;
  object_class->set_property = mimic_connection_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, rw);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, ro);
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL,
                                            MIMIC_CONNECTION_KIND_MQTT,
                                            MIMIC_CONNECTION_KIND_FILE,
                                            MIMIC_CONNECTION_KIND_MQTT, ro);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, ro);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, rw);
  properties[PROP_TOPIC_ROOT] = g_param_spec_string ("topic-root", NULL, NULL,
                                                     MIMIC_CONNECTION_DEFAULT_TOPIC_ROOT, rw);
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, NULL, rw);
  properties[PROP_CLIENT_CERTIFICATE_FILE] =
    g_param_spec_string ("client-certificate-file", NULL, NULL, NULL, rw);
  properties[PROP_CLIENT_KEY_FILE] = g_param_spec_string ("client-key-file", NULL, NULL, NULL, rw);
  properties[PROP_ASSET_DIR] = g_param_spec_string ("asset-dir", NULL, NULL, NULL, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_connection_init (MimicConnection *self)
{
  self->topic_root = g_strdup (MIMIC_CONNECTION_DEFAULT_TOPIC_ROOT);
}

static gboolean
set_string (MimicConnection  *self,
            char            **field,
            const char       *value,
            guint             prop_id)
{
  /* Treat "" like unset so a cleared entry in a form clears the field. */
  if (value != NULL && *value == '\0')
    value = NULL;

  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  return TRUE;
}

static gboolean
topic_root_is_valid (const char  *topic_root,
                     GError     **error)
{
  if (topic_root == NULL || *topic_root == '\0')
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT,
                   _("The topic root is empty"));
      return FALSE;
    }

  if (strlen (topic_root) > MAX_TOPIC_ROOT_LENGTH || !g_utf8_validate (topic_root, -1, NULL))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT,
                   _("The topic root must be valid UTF-8 of at most %d bytes"),
                   MAX_TOPIC_ROOT_LENGTH);
      return FALSE;
    }

  if (strpbrk (topic_root, "+#") != NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT,
                   _("The topic root “%s” contains an MQTT wildcard (+ or #)"), topic_root);
      return FALSE;
    }

  if (topic_root[0] == '/' || g_str_has_suffix (topic_root, "/") || strstr (topic_root, "//") != NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_TOPIC_ROOT,
                   _("The topic root “%s” has an empty level; write it without leading, trailing or doubled slashes"),
                   topic_root);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_url (MimicConnection  *self,
           const char       *url,
           GError          **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;
  const char *user;
  const char *password;
  const char *path;
  int port;
  guint kind;

  if (url == NULL || *url == '\0')
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_URL,
                   _("No URL given"));
      return FALSE;
    }

  /* GUri's own messages never repeat the password; ours must not either,
   * so the URL itself is not quoted back. */
  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, &local_error);
  if (uri == NULL)
    {
      guint code = g_error_matches (local_error, G_URI_ERROR, G_URI_ERROR_BAD_PORT)
                   ? MIMIC_CONNECTION_ERROR_INVALID_PORT
                   : MIMIC_CONNECTION_ERROR_INVALID_URL;
      /* GUri quotes a bad port as it was written, UTF-8 or not. */
      g_autofree char *reason = mimic_json_text_for_message (local_error->message, -1);

      g_set_error (error, MIMIC_CONNECTION_ERROR, code,
                   _("Not a valid connection URL: %s"), reason);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  for (kind = 0; kind < G_N_ELEMENTS (schemes); kind++)
    {
      if (g_ascii_strcasecmp (scheme, schemes[kind].scheme) == 0)
        break;
    }

  if (kind == G_N_ELEMENTS (schemes))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_UNSUPPORTED_SCHEME,
                   _("Unsupported URL scheme “%s”; use mqtt://, mqtts://, ws://, wss:// or file://"),
                   scheme);
      return FALSE;
    }

  self->kind = kind;
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri);
  path = g_uri_get_path (uri);
  user = g_uri_get_user (uri);
  password = g_uri_get_password (uri);

  if (kind == MIMIC_CONNECTION_KIND_FILE)
    {
      if (host != NULL && *host != '\0' && g_ascii_strcasecmp (host, "localhost") != 0)
        {
          g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_URL,
                       _("A file:// URL must name a local file, not one on host “%s”"), host);
          return FALSE;
        }
      if (path == NULL || path[0] != '/')
        {
          g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_URL,
                       _("A file:// URL needs an absolute path"));
          return FALSE;
        }
      self->path = g_strdup (path);
      self->url = g_uri_join (G_URI_FLAGS_NONE, "file", NULL, NULL, -1, path, NULL, NULL);
      return TRUE;
    }

  if (host == NULL || *host == '\0')
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_MISSING_HOST,
                   _("The URL names no host; write it like %s://HOST:PORT"), schemes[kind].scheme);
      return FALSE;
    }

  if (port == 0 || port > 65535)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PORT,
                   _("Port %d is out of range (1 to 65535)"), port);
      return FALSE;
    }

  self->host = g_strdup (host);
  self->port = port > 0 ? (guint) port : schemes[kind].default_port;
  self->username = g_strdup (user != NULL && *user != '\0' ? user : NULL);
  self->password = g_strdup (password != NULL && *password != '\0' ? password : NULL);

  if (kind == MIMIC_CONNECTION_KIND_MQTT || kind == MIMIC_CONNECTION_KIND_MQTTS)
    {
      /* For MQTT the path has no meaning to the broker, so it names the
       * topic root: mqtt://broker/plant1 subscribes under plant1/#. */
      if (path != NULL && path[0] == '/' && path[1] != '\0')
        {
          if (!topic_root_is_valid (path + 1, error))
            return FALSE;
          g_free (self->topic_root);
          self->topic_root = g_strdup (path + 1);
        }
      self->path = g_strdup ("");
    }
  else
    {
      self->path = g_strdup (path != NULL && *path != '\0' ? path : "/");
    }

  self->url = g_uri_join (G_URI_FLAGS_NONE, schemes[kind].scheme,
                          self->username, self->host, port,
                          self->path, g_uri_get_query (uri), NULL);

  return TRUE;
}

/**
 * mimic_connection_new_for_url:
 * @url: mqtt://, mqtts://, ws://, wss:// or file:// URL
 * @error: return location for a #MIMIC_CONNECTION_ERROR
 *
 * A password in the URL is kept in memory for this connection (see
 * mimic_connection_get_password()) and left out of
 * mimic_connection_get_url() and the profile.
 *
 * Returns: (transfer full) (nullable): a connection with the id set to its
 *   URL, or %NULL with @error set
 */
MimicConnection *
mimic_connection_new_for_url (const char  *url,
                              GError     **error)
{
  g_autoptr(MimicConnection) self = g_object_new (MIMIC_TYPE_CONNECTION, NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_url (self, url, error))
    return NULL;

  self->id = g_strdup (self->url);

  return g_steal_pointer (&self);
}

static gboolean
lookup_optional_string (GVariantDict  *dict,
                        const char    *key,
                        char         **value,
                        GError       **error)
{
  g_autoptr(GVariant) variant = g_variant_dict_lookup_value (dict, key, NULL);

  if (variant == NULL)
    return TRUE;

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("Profile key “%s” must be a string, not “%s”"),
                   key, g_variant_get_type_string (variant));
      return FALSE;
    }

  *value = g_variant_dup_string (variant, NULL);
  return TRUE;
}

/**
 * mimic_connection_new_from_variant:
 * @profile: an `a{sv}` as written by mimic_connection_to_variant()
 * @error: return location for a #MIMIC_CONNECTION_ERROR
 *
 * Unknown keys are ignored so that newer profiles load in older builds.
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL with @error set
 */
MimicConnection *
mimic_connection_new_from_variant (GVariant  *profile,
                                   GError   **error)
{
  g_autoptr(MimicConnection) self = NULL;
  g_autoptr(GVariantDict) dict = NULL;
  g_autofree char *url = NULL;
  g_autofree char *id = NULL;
  g_autofree char *username = NULL;
  g_autofree char *topic_root = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *certificate_file = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *asset_dir = NULL;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("A connection profile must be of type a{sv}, not “%s”"),
                   g_variant_get_type_string (profile));
      return NULL;
    }

  dict = g_variant_dict_new (profile);

  /* A profile that carries a password was written by something that should
   * not have: refuse it rather than quietly spread the secret further. */
  if (g_variant_dict_contains (dict, "password"))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("A connection profile must not contain a password; passwords belong in the keyring"));
      return NULL;
    }

  if (!lookup_optional_string (dict, "url", &url, error) ||
      !lookup_optional_string (dict, "id", &id, error) ||
      !lookup_optional_string (dict, "username", &username, error) ||
      !lookup_optional_string (dict, "topic-root", &topic_root, error) ||
      !lookup_optional_string (dict, "ca-file", &ca_file, error) ||
      !lookup_optional_string (dict, "client-certificate-file", &certificate_file, error) ||
      !lookup_optional_string (dict, "client-key-file", &key_file, error) ||
      !lookup_optional_string (dict, "asset-dir", &asset_dir, error))
    return NULL;

  if (url == NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("The connection profile has no URL"));
      return NULL;
    }

  self = mimic_connection_new_for_url (url, error);
  if (self == NULL)
    return NULL;

  if (self->password != NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("A connection profile must not contain a password; passwords belong in the keyring"));
      return NULL;
    }

  if (topic_root != NULL && !mimic_connection_set_topic_root (self, topic_root, error))
    return NULL;

  if (id != NULL)
    mimic_connection_set_id (self, id);
  if (username != NULL)
    mimic_connection_set_username (self, username);
  mimic_connection_set_ca_file (self, ca_file);
  mimic_connection_set_client_certificate_file (self, certificate_file);
  mimic_connection_set_client_key_file (self, key_file);
  mimic_connection_set_asset_dir (self, asset_dir);

  return g_steal_pointer (&self);
}

/**
 * mimic_connection_to_variant:
 * @self: a #MimicConnection
 *
 * Returns: (transfer floating): the profile as `a{sv}`, without the password
 */
GVariant *
mimic_connection_to_variant (MimicConnection *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

#define ADD_STRING(key, value) \
  G_STMT_START { \
    if ((value) != NULL) \
      g_variant_builder_add (&builder, "{sv}", key, g_variant_new_string (value)); \
  } G_STMT_END

  ADD_STRING ("id", self->id);
  ADD_STRING ("url", self->url);
  ADD_STRING ("username", self->username);
  ADD_STRING ("topic-root", self->topic_root);
  ADD_STRING ("ca-file", self->ca_file);
  ADD_STRING ("client-certificate-file", self->client_certificate_file);
  ADD_STRING ("client-key-file", self->client_key_file);
  ADD_STRING ("asset-dir", self->asset_dir);

#undef ADD_STRING

  return g_variant_builder_end (&builder);
}

static gboolean
check_regular_file (const char  *path,
                    const char  *what,
                    GError     **error)
{
  if (path == NULL || g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;

  g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_MISSING_FILE,
               /* Translators: the first %s says which file, e.g. "CA file" */
               _("%s “%s” does not exist or is not a regular file"), what, path);
  return FALSE;
}

/**
 * mimic_connection_validate:
 * @self: a #MimicConnection
 * @error: return location for a #MIMIC_CONNECTION_ERROR
 *
 * Checks what the URL alone cannot: that the files the profile names exist
 * and that TLS settings are only given where TLS is used.
 *
 * Returns: %TRUE if a feed can be started from this profile
 */
gboolean
mimic_connection_validate (MimicConnection  *self,
                           GError          **error)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), FALSE);

  if (self->kind == MIMIC_CONNECTION_KIND_FILE &&
      !check_regular_file (self->path, _("Recording"), error))
    return FALSE;

  if (!schemes[self->kind].tls &&
      (self->ca_file != NULL || self->client_certificate_file != NULL || self->client_key_file != NULL))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_NOT_TLS,
                   _("TLS files are set but %s:// does not use TLS; use mqtts:// or wss://"),
                   schemes[self->kind].scheme);
      return FALSE;
    }

  if (self->client_key_file != NULL && self->client_certificate_file == NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_PROFILE,
                   _("A client key is set without a client certificate"));
      return FALSE;
    }

  if (!check_regular_file (self->ca_file, _("CA file"), error) ||
      !check_regular_file (self->client_certificate_file, _("Client certificate"), error) ||
      !check_regular_file (self->client_key_file, _("Client key"), error))
    return FALSE;

  if (self->asset_dir != NULL && !g_file_test (self->asset_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_MISSING_FILE,
                   _("Asset directory “%s” does not exist"), self->asset_dir);
      return FALSE;
    }

  return TRUE;
}

const char *
mimic_connection_get_id (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->id;
}

void
mimic_connection_set_id (MimicConnection *self,
                         const char      *id)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->id, id, PROP_ID);
}

/**
 * mimic_connection_get_url:
 * @self: a #MimicConnection
 *
 * Returns: the URL with the default port filled in and the password left out
 */
const char *
mimic_connection_get_url (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->url;
}

MimicConnectionKind
mimic_connection_get_kind (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), MIMIC_CONNECTION_KIND_MQTT);
  return self->kind;
}

gboolean
mimic_connection_uses_tls (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), FALSE);
  return schemes[self->kind].tls;
}

const char *
mimic_connection_get_host (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->host;
}

guint
mimic_connection_get_port (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), 0);
  return self->port;
}

/**
 * mimic_connection_get_path:
 * @self: a #MimicConnection
 *
 * Returns: the file for file://, the HTTP path for ws:// and wss://, "" for
 *   MQTT (whose URL path is the topic root)
 */
const char *
mimic_connection_get_path (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->path;
}

const char *
mimic_connection_get_username (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->username;
}

void
mimic_connection_set_username (MimicConnection *self,
                               const char      *username)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->username, username, PROP_USERNAME);
}

const char *
mimic_connection_get_topic_root (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->topic_root;
}

/**
 * mimic_connection_set_topic_root:
 * @self: a #MimicConnection
 * @topic_root: (nullable): MQTT topic prefix, %NULL for the default "mimic"
 * @error: return location for a #MIMIC_CONNECTION_ERROR
 *
 * Returns: %TRUE if @topic_root is a valid topic prefix and was taken
 */
gboolean
mimic_connection_set_topic_root (MimicConnection  *self,
                                 const char       *topic_root,
                                 GError          **error)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), FALSE);

  if (topic_root == NULL)
    topic_root = MIMIC_CONNECTION_DEFAULT_TOPIC_ROOT;

  if (!topic_root_is_valid (topic_root, error))
    return FALSE;

  set_string (self, &self->topic_root, topic_root, PROP_TOPIC_ROOT);
  return TRUE;
}

const char *
mimic_connection_get_ca_file (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->ca_file;
}

void
mimic_connection_set_ca_file (MimicConnection *self,
                              const char      *ca_file)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->ca_file, ca_file, PROP_CA_FILE);
}

const char *
mimic_connection_get_client_certificate_file (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->client_certificate_file;
}

void
mimic_connection_set_client_certificate_file (MimicConnection *self,
                                              const char      *certificate_file)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->client_certificate_file, certificate_file, PROP_CLIENT_CERTIFICATE_FILE);
}

const char *
mimic_connection_get_client_key_file (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->client_key_file;
}

void
mimic_connection_set_client_key_file (MimicConnection *self,
                                      const char      *key_file)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->client_key_file, key_file, PROP_CLIENT_KEY_FILE);
}

const char *
mimic_connection_get_asset_dir (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->asset_dir;
}

void
mimic_connection_set_asset_dir (MimicConnection *self,
                                const char      *asset_dir)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));
  set_string (self, &self->asset_dir, asset_dir, PROP_ASSET_DIR);
}

const char *
mimic_connection_get_password (MimicConnection *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);
  return self->password;
}

/**
 * mimic_connection_set_password:
 * @self: a #MimicConnection
 * @password: (nullable): the password looked up with mimic_credentials_lookup_async()
 *
 * Not a property on purpose: nothing that dumps properties may see it.
 */
void
mimic_connection_set_password (MimicConnection *self,
                               const char      *password)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (self));

  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);
}

/**
 * mimic_connection_create_tls_database:
 * @self: a #MimicConnection
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the CA file as a database, or the
 *   system's trusted CAs when no CA file is set
 */
GTlsDatabase *
mimic_connection_create_tls_database (MimicConnection  *self,
                                      GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsDatabase *database;

  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);

  if (self->ca_file == NULL)
    return g_tls_backend_get_default_database (g_tls_backend_get_default ());

  database = g_tls_file_database_new (self->ca_file, &local_error);
  if (database == NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_TLS,
                   _("Cannot read CA file “%s”: %s"), self->ca_file, local_error->message);
      return NULL;
    }

  return database;
}

/**
 * mimic_connection_load_client_certificate:
 * @self: a #MimicConnection
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the client certificate with its key,
 *   or %NULL without an error when none is configured
 */
GTlsCertificate *
mimic_connection_load_client_certificate (MimicConnection  *self,
                                          GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (MIMIC_IS_CONNECTION (self), NULL);

  if (self->client_certificate_file == NULL)
    return NULL;

  if (self->client_key_file != NULL)
    certificate = g_tls_certificate_new_from_files (self->client_certificate_file,
                                                    self->client_key_file, &local_error);
  else
    certificate = g_tls_certificate_new_from_file (self->client_certificate_file, &local_error);

  if (certificate == NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_TLS,
                   _("Cannot load client certificate “%s”: %s"),
                   self->client_certificate_file, local_error->message);
      return NULL;
    }

  return certificate;
}

const char *
mimic_connection_kind_to_scheme (MimicConnectionKind kind)
{
  g_return_val_if_fail (kind <= MIMIC_CONNECTION_KIND_FILE, NULL);
  return schemes[kind].scheme;
}

/**
 * mimic_tls_errors_to_string:
 * @errors: what certificate verification found
 *
 * Returns: (transfer full): the problems in words an operator can act on,
 *   joined with "; "
 */
char *
mimic_tls_errors_to_string (GTlsCertificateFlags errors)
{
  static const struct
  {
    GTlsCertificateFlags  flag;
    const char           *text;
  } descriptions[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("the certificate is not signed by a trusted certificate authority (self-signed or wrong CA file)") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("the certificate does not belong to this host name") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("the certificate is not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("the certificate has expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_("the certificate has been revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_("the certificate uses an insecure algorithm") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_("the certificate could not be verified") },
  };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    {
      if ((errors & descriptions[i].flag) == 0)
        continue;
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, _(descriptions[i].text));
    }

  if (text->len == 0 && errors != 0)
    g_string_append (text, _("the certificate could not be verified"));

  return g_string_free (text, FALSE);
}
