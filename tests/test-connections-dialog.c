/* test-connections-dialog.c — connection profiles in GSettings (never a
 * password there), the dialog that edits them, and its "Test" button
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mimic-application.h"
#include "mimic-connections-dialog.h"
#include "mimic-test-gtk-utils.h"
#include "mimic-test-utils.h"

#define WAIT_MS 20000

static GSettings *
fresh_settings (void)
{
  GSettings *settings = mimic_settings_new ();

  g_settings_reset (settings, MIMIC_CONNECTION_LIST_KEY);
  return settings;
}

static void
fill (MimicConnectionsDialog *dialog,
      const char             *field,
      const char             *text)
{
  GtkEditable *editable = mimic_connections_dialog_get_field (dialog, field);

  g_assert_nonnull (editable);
  gtk_editable_set_text (editable, text);
}

static gboolean
not_busy (gpointer data)
{
  return !mimic_connections_dialog_get_busy (MIMIC_CONNECTIONS_DIALOG (data));
}

typedef struct
{
  GPtrArray *events;
} Events;

static void
on_profile_changed (MimicConnectionList *list,
                    MimicConnection     *connection,
                    gboolean             enabled,
                    GPtrArray           *events)
{
  g_ptr_array_add (events, g_strdup_printf ("%s %s", mimic_connection_get_id (connection),
                                            enabled ? "on" : "off"));
}

static void
test_profiles_round_trip (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(MimicConnectionList) list = mimic_connection_list_new (settings);
  g_autoptr(MimicConnectionList) other = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GVariant) stored = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored_text = NULL;
  g_autofree char *dir = mimic_test_make_temp_dir ("mimic-connections-XXXXXX");
  g_autofree char *ca_file = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *asset_dir = g_build_filename (dir, "assets", NULL);
  MimicConnectionsDialog *dialog;
  MimicConnection *connection;

  /* The profile's files must exist; their content is the feed's business. */
  g_assert_true (g_file_set_contents (ca_file, "not checked here\n", -1, NULL));
  g_assert_cmpint (g_mkdir (asset_dir, 0700), ==, 0);

  g_signal_connect (list, "profile-changed", G_CALLBACK (on_profile_changed), events);
  dialog = MIMIC_CONNECTIONS_DIALOG (mimic_connections_dialog_new (NULL, list));
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  fill (dialog, "name", "Plant A");
  fill (dialog, "url", "mqtts://127.0.0.1:8883");
  fill (dialog, "username", "operator");
  fill (dialog, "password", "s3cret-Pa55");
  fill (dialog, "ca-file", ca_file);
  fill (dialog, "topic-root", "plant-a");
  fill (dialog, "asset-dir", asset_dir);
  mimic_connections_dialog_save (dialog, &error);
  g_assert_no_error (error);
  g_assert_true (mimic_test_wait_until (not_busy, dialog, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (events->pdata[0], ==, "Plant A on");
  /* The password field empties once the password is handed on. */
  g_assert_cmpstr (gtk_editable_get_text (mimic_connections_dialog_get_field (dialog, "password")), ==, "");

  /* GSettings has the profile and no trace of the password. */
  stored = g_settings_get_value (settings, MIMIC_CONNECTION_LIST_KEY);
  stored_text = g_variant_print (stored, TRUE);
  g_test_message ("stored: %s", stored_text);
  g_assert_null (strstr (stored_text, "s3cret-Pa55"));
  g_assert_null (strstr (stored_text, "password"));
  g_assert_nonnull (strstr (stored_text, "plant-a"));

  /* Another list on the same settings reads the same profile back. */
  other = mimic_connection_list_new (settings);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other)), ==, 1);
  connection = mimic_connection_list_lookup (other, "Plant A");
  g_assert_nonnull (connection);
  g_assert_cmpstr (mimic_connection_get_url (connection), ==, "mqtts://127.0.0.1:8883");
  g_assert_cmpstr (mimic_connection_get_username (connection), ==, "operator");
  g_assert_null (mimic_connection_get_password (connection));
  g_assert_cmpstr (mimic_connection_get_ca_file (connection), ==, ca_file);
  g_assert_cmpstr (mimic_connection_get_topic_root (connection), ==, "plant-a");
  g_assert_cmpstr (mimic_connection_get_asset_dir (connection), ==, asset_dir);
  g_assert_true (mimic_connection_list_get_enabled (other, "Plant A"));

  /* A second source; several are enabled at once. */
  mimic_connections_dialog_edit (dialog, NULL);
  fill (dialog, "name", "Simulator");
  fill (dialog, "url", "ws://127.0.0.1:9001/");
  g_assert_true (mimic_connections_dialog_save (dialog, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other)), ==, 2);
  g_assert_true (mimic_connection_list_get_enabled (other, "Simulator"));

  /* Switched off here, seen off there. */
  mimic_connection_list_set_enabled (list, "Plant A", FALSE);
  g_assert_false (mimic_connection_list_get_enabled (other, "Plant A"));
  g_assert_cmpstr (events->pdata[events->len - 1], ==, "Plant A off");
  {
    GtkListBoxRow *row = NULL;
    GtkWidget *list_box = GTK_WIDGET (dialog);

    /* The dialog's switch follows. */
    while (list_box != NULL && !GTK_IS_LIST_BOX (list_box))
      {
        GtkWidget *next = gtk_widget_get_first_child (list_box);

        while (next != NULL && gtk_widget_get_first_child (next) == NULL && !GTK_IS_LIST_BOX (next))
          next = gtk_widget_get_next_sibling (next);
        list_box = next;
      }
    g_assert_nonnull (list_box);
    row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list_box), 0);
    g_assert_false (gtk_switch_get_active (g_object_get_data (G_OBJECT (gtk_list_box_row_get_child (row)),
                                                              "enabled-switch")));
  }

  mimic_test_wait_for_frames (GTK_WIDGET (dialog), 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (dialog), "connections-dialog");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  /* Edited: replaced in place, renamed. */
  mimic_connections_dialog_edit (dialog, "Simulator");
  g_assert_cmpstr (gtk_editable_get_text (mimic_connections_dialog_get_field (dialog, "url")), ==, "ws://127.0.0.1:9001/");
  fill (dialog, "name", "Simulator 2");
  fill (dialog, "url", "ws://127.0.0.1:9002/");
  g_assert_true (mimic_connections_dialog_save (dialog, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_null (mimic_connection_list_lookup (list, "Simulator"));
  g_assert_cmpstr (mimic_connection_get_url (mimic_connection_list_lookup (other, "Simulator 2")), ==,
                   "ws://127.0.0.1:9002/");

  /* Bad profiles are refused with the reason, and nothing is stored. */
  mimic_connections_dialog_edit (dialog, NULL);
  fill (dialog, "name", "Broken");
  fill (dialog, "url", "gopher://127.0.0.1");
  g_assert_false (mimic_connections_dialog_save (dialog, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_UNSUPPORTED_SCHEME);
  g_assert_false (mimic_connections_dialog_get_status_ok (dialog));
  g_clear_error (&error);
  fill (dialog, "url", "mqtt://user:pw@127.0.0.1");
  g_assert_false (mimic_connections_dialog_save (dialog, &error));
  g_assert_nonnull (strstr (error->message, "password field"));
  g_clear_error (&error);
  fill (dialog, "url", "ws://127.0.0.1");
  fill (dialog, "ca-file", ca_file);
  g_assert_false (mimic_connections_dialog_save (dialog, &error));
  g_assert_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_NOT_TLS);
  g_clear_error (&error);
  fill (dialog, "ca-file", "");
  fill (dialog, "url", "mqtt://127.0.0.1");
  fill (dialog, "name", "Plant A");
  g_assert_false (mimic_connections_dialog_save (dialog, &error));
  g_assert_nonnull (strstr (error->message, "already"));
  g_clear_error (&error);
  fill (dialog, "name", "Broken");
  fill (dialog, "url", "");
  g_assert_false (mimic_connections_dialog_save (dialog, &error));
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);

  /* Removed. */
  mimic_connections_dialog_edit (dialog, "Plant A");
  g_assert_true (mimic_connections_dialog_remove (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (other)), ==, 1);
  g_assert_null (mimic_connection_list_lookup (other, "Plant A"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  mimic_test_remove_tree (dir);
}

static void
test_profile_with_password_refused (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(MimicConnectionList) list = NULL;
  GVariantBuilder builder;
  GVariantDict good, leaky, broken;

  /* Written by something else: a profile with a password is not taken in,
   * nor one whose URL is not one, but the good one still is. */
  g_variant_dict_init (&good, NULL);
  g_variant_dict_insert (&good, "id", "s", "good");
  g_variant_dict_insert (&good, "url", "s", "mqtt://127.0.0.1:1883");
  g_variant_dict_init (&leaky, NULL);
  g_variant_dict_insert (&leaky, "id", "s", "leaky");
  g_variant_dict_insert (&leaky, "url", "s", "mqtt://127.0.0.1:1884");
  g_variant_dict_insert (&leaky, "password", "s", "hunter2");
  g_variant_dict_init (&broken, NULL);
  g_variant_dict_insert (&broken, "id", "s", "broken");
  g_variant_dict_insert (&broken, "url", "s", "not a url");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&builder, g_variant_dict_end (&good));
  g_variant_builder_add_value (&builder, g_variant_dict_end (&leaky));
  g_variant_builder_add_value (&builder, g_variant_dict_end (&broken));
  g_settings_set_value (settings, MIMIC_CONNECTION_LIST_KEY, g_variant_builder_end (&builder));

  list = mimic_connection_list_new (settings);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_nonnull (mimic_connection_list_lookup (list, "good"));
  g_assert_cmpuint (mimic_connection_list_get_n_invalid (list), ==, 2);
  /* No "enabled" written: enabled. */
  g_assert_true (mimic_connection_list_get_enabled (list, "good"));
}

static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static void
test_closed_port (MimicConnectionsDialog *dialog,
                  const char             *scheme)
{
  g_autofree char *url = g_strdup_printf ("%s://127.0.0.1:%u/", scheme, closed_port ());
  const char *status;

  fill (dialog, "url", url);
  mimic_connections_dialog_test (dialog);
  g_assert_true (mimic_connections_dialog_get_testing (dialog));
  if (!mimic_test_wait_until (not_busy, dialog, WAIT_MS))
    g_error ("still testing %s: %s", url, mimic_connections_dialog_get_status (dialog));
  status = mimic_connections_dialog_get_status (dialog);
  g_test_message ("%s: %s", url, status);
  g_assert_false (mimic_connections_dialog_get_status_ok (dialog));
  g_assert_true (g_str_has_prefix (status, "Test failed: "));
  g_assert_nonnull (strstr (status, "127.0.0.1"));
}

static void
test_test_button (void)
{
  g_autoptr(GSettings) settings = fresh_settings ();
  g_autoptr(MimicConnectionList) list = mimic_connection_list_new (settings);
  g_autoptr(GSubprocess) device = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autofree char *url = NULL;
  MimicConnectionsDialog *dialog;
  const char *device_args[] = { "--pumps", "1", "--ws", "127.0.0.1:0", NULL };
  guint port = 0;

  dialog = MIMIC_CONNECTIONS_DIALOG (mimic_connections_dialog_new (NULL, list));
  gtk_window_present (GTK_WINDOW (dialog));
  fill (dialog, "name", "Nobody home");

  /* Nothing listens: a clear error, for MQTT and for WebSocket. */
  test_closed_port (dialog, "mqtt");
  mimic_test_wait_for_frames (GTK_WIDGET (dialog), 3);
  shot = mimic_test_take_screenshot (GTK_WIDGET (dialog), "connections-dialog-test-failed");
  test_closed_port (dialog, "ws");

  /* Testing saves nothing. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  /* A bad URL is refused before connecting. */
  fill (dialog, "url", "mqtt://");
  mimic_connections_dialog_test (dialog);
  g_assert_false (mimic_connections_dialog_get_testing (dialog));
  g_assert_false (mimic_connections_dialog_get_status_ok (dialog));

  /* A simulated device answers. */
  device = mimic_test_spawn_device (device_args, &port);
  g_assert_cmpuint (port, !=, 0);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  fill (dialog, "url", url);
  mimic_connections_dialog_test (dialog);
  g_assert_true (mimic_test_wait_until (not_busy, dialog, WAIT_MS));
  g_test_message ("%s", mimic_connections_dialog_get_status (dialog));
  g_assert_true (mimic_connections_dialog_get_status_ok (dialog));
  g_assert_true (g_str_has_prefix (mimic_connections_dialog_get_status (dialog), "Connected to "));

  mimic_test_stop_device (device);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = NULL;

  gtk_test_init (&argc, &argv, NULL);
  /* The console's style, as the application loads it. */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/mimic/Console/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/mimic/connections/profiles-round-trip", test_profiles_round_trip);
  g_test_add_func ("/mimic/connections/profile-with-password-refused", test_profile_with_password_refused);
  g_test_add_func ("/mimic/connections/test-button", test_test_button);

  return g_test_run ();
}
