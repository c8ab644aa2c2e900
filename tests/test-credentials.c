/* test-credentials.c — runs under tests/run-keyring-test.sh, which gives it
 * a private session bus and a throwaway unlocked gnome-keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimic-credentials.h"

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
store (MimicConnection  *connection,
       const char       *password,
       GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mimic_credentials_store_async (connection, password, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return mimic_credentials_store_finish (result, error);
}

static char *
lookup (MimicConnection  *connection,
        GCancellable     *cancellable,
        GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mimic_credentials_lookup_async (connection, cancellable, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return mimic_credentials_lookup_finish (result, error);
}

static gboolean
clear (MimicConnection  *connection,
       GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mimic_credentials_clear_async (connection, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return mimic_credentials_clear_finish (result, error);
}

static MimicConnection *
connection_for (const char *url,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  MimicConnection *connection = mimic_connection_new_for_url (url, &error);

  g_assert_no_error (error);
  if (id != NULL)
    mimic_connection_set_id (connection, id);

  return connection;
}

static void
test_credentials_store_lookup_clear (void)
{
  g_autoptr(MimicConnection) operator = connection_for ("mqtts://operator@broker.example:8883", "plant-a");
  g_autoptr(MimicConnection) viewer = connection_for ("mqtts://viewer@broker.example:8883", "plant-a");
  g_autoptr(MimicConnection) other_profile = connection_for ("mqtts://operator@broker.example:8883", "plant-b");
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *none = NULL;
  g_autofree char *gone = NULL;
  gboolean ok;

  g_assert_true (store (operator, "correct horse", &error));
  g_assert_no_error (error);

  found = lookup (operator, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "correct horse");

  /* Same broker, another user or another profile: not the same secret. */
  none = lookup (viewer, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_clear_pointer (&none, g_free);
  none = lookup (other_profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (none);

  /* Storing again replaces rather than adding a second item. */
  ok = store (operator, "battery staple", &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  replaced = lookup (operator, NULL, &error);
  g_assert_cmpstr (replaced, ==, "battery staple");

  g_assert_true (clear (operator, &error));
  g_assert_no_error (error);
  gone = lookup (operator, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (gone);
  g_assert_false (clear (operator, &error));
  g_assert_no_error (error);
}

static void
test_credentials_anonymous_user (void)
{
  g_autoptr(MimicConnection) connection = connection_for ("wss://127.0.0.1:9443/feed", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;

  g_assert_true (store (connection, "token-123", &error));
  found = lookup (connection, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "token-123");
  g_assert_true (clear (connection, &error));
}

static void
test_credentials_rejects_bad_passwords (void)
{
  g_autoptr(MimicConnection) connection = connection_for ("mqtt://broker", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (store (connection, "", &error));
  g_assert_error (error, MIMIC_CREDENTIALS_ERROR, MIMIC_CREDENTIALS_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (store (connection, "\xff\xfe", &error));
  g_assert_error (error, MIMIC_CREDENTIALS_ERROR, MIMIC_CREDENTIALS_ERROR_INVALID);
}

static void
test_credentials_lookup_cancelled (void)
{
  g_autoptr(MimicConnection) connection = connection_for ("mqtt://broker", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;

  g_cancellable_cancel (cancellable);
  found = lookup (connection, cancellable, &error);
  g_assert_null (found);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_credentials_without_keyring (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(MimicConnection) connection = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *found = NULL;

      /* A bus that is not there: the error must say so, not crash. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/mimic-bus", TRUE);
      connection = connection_for ("mqtt://broker", NULL);
      found = lookup (connection, NULL, &error);
      g_assert_null (found);
      g_assert_error (error, MIMIC_CREDENTIALS_ERROR, MIMIC_CREDENTIALS_ERROR_UNAVAILABLE);
      g_printerr ("%s\n", error->message);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*keyring is not available*");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/credentials/store-lookup-clear", test_credentials_store_lookup_clear);
  g_test_add_func ("/mimic/credentials/anonymous-user", test_credentials_anonymous_user);
  g_test_add_func ("/mimic/credentials/rejects-bad-passwords", test_credentials_rejects_bad_passwords);
  g_test_add_func ("/mimic/credentials/lookup-cancelled", test_credentials_lookup_cancelled);
  g_test_add_func ("/mimic/credentials/without-keyring", test_credentials_without_keyring);

  status = g_test_run ();

  /* libsecret keeps the service proxy for the life of the process unless
   * told to let go. */
  secret_service_disconnect ();

  return status;
}
