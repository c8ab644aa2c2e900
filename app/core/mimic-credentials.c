/* mimic-credentials.c
 *
 * Passwords for connections live in the desktop's Secret Service (GNOME
 * Keyring, KWallet), keyed by the profile id, the URL and the user name, so
 * that two profiles for the same broker with different users do not clash.
 * They never go to GSettings, files or logs. All calls are asynchronous:
 * the keyring may need to prompt or start, and the main loop must not wait.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-credentials"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "mimic-credentials.h"

G_DEFINE_QUARK (mimic-credentials-error-quark, mimic_credentials_error)

const SecretSchema *
mimic_credentials_get_schema (void)
{
  static const SecretSchema schema = {
    "org.mimic.Console.Connection", SECRET_SCHEMA_NONE,
    {
      { "profile-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

/* Attribute values may not be NULL; an anonymous connection has user "". */
static GHashTable *
attributes_for (MimicConnection *connection)
{
  const char *username = mimic_connection_get_username (connection);

  return secret_attributes_build (mimic_credentials_get_schema (),
                                  "profile-id", mimic_connection_get_id (connection),
                                  "url", mimic_connection_get_url (connection),
                                  "username", username != NULL ? username : "",
                                  NULL);
}

static void
propagate_unavailable (GTask  *task,
                       GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_new_error (task, MIMIC_CREDENTIALS_ERROR, MIMIC_CREDENTIALS_ERROR_UNAVAILABLE,
                           _("The keyring is not available: %s"), error->message);
  g_error_free (error);
}

/* secret_password_lookupv() and secret_password_clearv(). */
typedef void (*SecretPasswordCall) (const SecretSchema  *schema,
                                    GHashTable          *attributes,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);

/* Runs @call on the connection's password; @done gets the task tagged
 * @source_tag and completes it. */
static void
call_on_password (MimicConnection     *connection,
                  SecretPasswordCall   call,
                  GAsyncReadyCallback  done,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GHashTable) attributes = attributes_for (connection);

  g_task_set_source_tag (task, source_tag);
  call (mimic_credentials_get_schema (), attributes, cancellable, done, g_steal_pointer (&task));
}

static void
store_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    propagate_unavailable (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * mimic_credentials_store_async:
 * @connection: the profile the password belongs to
 * @password: the password; replaces any stored before for this profile
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when stored
 * @user_data: for @callback
 */
void
mimic_credentials_store_async (MimicConnection     *connection,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (MIMIC_IS_CONNECTION (connection));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_credentials_store_async);

  if (*password == '\0' || !g_utf8_validate (password, -1, NULL))
    {
      g_task_return_new_error (task, MIMIC_CREDENTIALS_ERROR, MIMIC_CREDENTIALS_ERROR_INVALID,
                               _("A password must be non-empty UTF-8 text"));
      return;
    }

  attributes = attributes_for (connection);
  /* Translators: the label of the password in the keyring; %s is the URL. */
  label = g_strdup_printf (_("Mimic connection %s"), mimic_connection_get_url (connection));
  secret_password_storev (mimic_credentials_get_schema (), attributes,
                          SECRET_COLLECTION_DEFAULT, label, password,
                          cancellable, store_done, g_steal_pointer (&task));
}

gboolean
mimic_credentials_store_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_credentials_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      propagate_unavailable (task, error);
      return;
    }

  /* secret_password_free() wipes libsecret's copy; the caller gets its own
   * to free with g_free(). */
  g_task_return_pointer (task, g_strdup (password), g_free);
  secret_password_free (password);
}

/**
 * mimic_credentials_lookup_async:
 * @connection: the profile whose password is wanted
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 */
void
mimic_credentials_lookup_async (MimicConnection     *connection,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_on_password (connection, secret_password_lookupv, lookup_done, mimic_credentials_lookup_async,
                    cancellable, callback, user_data);
}

/**
 * mimic_credentials_lookup_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the password, or %NULL without an
 *   error when none is stored for the profile
 */
char *
mimic_credentials_lookup_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_credentials_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);
  if (error != NULL)
    propagate_unavailable (task, error);
  else
    g_task_return_boolean (task, removed);
}

/**
 * mimic_credentials_clear_async:
 * @connection: the profile whose password is to be forgotten
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 */
void
mimic_credentials_clear_async (MimicConnection     *connection,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (MIMIC_IS_CONNECTION (connection));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_on_password (connection, secret_password_clearv, clear_done, mimic_credentials_clear_async,
                    cancellable, callback, user_data);
}

/**
 * mimic_credentials_clear_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if a password was removed, %FALSE if there was none or on
 *   error
 */
gboolean
mimic_credentials_clear_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mimic_credentials_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
