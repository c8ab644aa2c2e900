/* mimic-connections-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-connections-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-connections-dialog.h"
#include "mimic-credentials.h"

typedef struct
{
  const char *key;
  const char *label;        /* translated at run time */
  const char *placeholder;
  gboolean    password;
} FieldInfo;

static const FieldInfo field_infos[] = {
  { "name", N_("_Name"), N_("e.g. Plant A broker"), FALSE },
  { "url", N_("_URL"), N_("mqtt://host:1883, mqtts://, ws://, wss:// or file://"), FALSE },
  { "username", N_("User na_me"), N_("Optional"), FALSE },
  { "password", N_("_Password"), N_("Kept in the keyring; empty keeps the stored one"), TRUE },
  { "ca-file", N_("_CA certificate"), N_("PEM file; empty: the system’s trusted CAs"), FALSE },
  { "certificate-file", N_("Client c_ertificate"), N_("PEM file, optional"), FALSE },
  { "key-file", N_("Client _key"), N_("PEM file, optional"), FALSE },
  { "topic-root", N_("_Topic root"), MIMIC_CONNECTION_DEFAULT_TOPIC_ROOT, FALSE },
  { "asset-dir", N_("_Asset descriptions"), N_("Folder; empty: the built-in assets"), FALSE },
};

enum
{
  FIELD_NAME,
  FIELD_URL,
  FIELD_USERNAME,
  FIELD_PASSWORD,
  FIELD_CA_FILE,
  FIELD_CERTIFICATE_FILE,
  FIELD_KEY_FILE,
  FIELD_TOPIC_ROOT,
  FIELD_ASSET_DIR,
  N_FIELDS
};

G_STATIC_ASSERT (G_N_ELEMENTS (field_infos) == N_FIELDS);

struct _MimicConnectionsDialog
{
  GtkWindow            parent_instance;

  GtkListBox          *profile_list;
  GtkButton           *remove_button;
  GtkGrid             *editor_grid;
  GtkLabel            *status_label;
  GtkButton           *test_button;

  MimicConnectionList *list;
  GtkWidget           *fields[N_FIELDS];
  char                *editing_id;     /* NULL: a new profile */

  GCancellable        *test_cancellable;
  MimicFeed           *test_feed;
  guint                test_timeout_id;
  gboolean             testing;
  guint                n_storing;      /* passwords on their way to the keyring */
  char                *status;
  gboolean             status_ok;
};

G_DEFINE_FINAL_TYPE (MimicConnectionsDialog, mimic_connections_dialog, GTK_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_LIST,
  PROP_TESTING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_status (MimicConnectionsDialog *self,
            const char             *message,
            gboolean                ok)
{
  g_free (self->status);
  self->status = g_strdup (message);
  self->status_ok = ok;
  gtk_label_set_label (self->status_label, message != NULL ? message : "");
  if (ok)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
    }
}

static void
set_testing (MimicConnectionsDialog *self,
             gboolean                testing)
{
  if (self->testing == testing)
    return;

  self->testing = testing;
  gtk_widget_set_sensitive (GTK_WIDGET (self->test_button), !testing);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TESTING]);
}

GtkEditable *
mimic_connections_dialog_get_field (MimicConnectionsDialog *self,
                                    const char             *field)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), NULL);

  for (guint i = 0; i < N_FIELDS; i++)
    if (g_strcmp0 (field_infos[i].key, field) == 0)
      return GTK_EDITABLE (self->fields[i]);
  return NULL;
}

static const char *
field_text (MimicConnectionsDialog *self,
            guint                   field)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->fields[field]));

  return text != NULL && *text != '\0' ? text : NULL;
}

static void
set_field (MimicConnectionsDialog *self,
           guint                   field,
           const char             *text)
{
  gtk_editable_set_text (GTK_EDITABLE (self->fields[field]), text != NULL ? text : "");
}

/* What the editor says, as a profile; nothing is saved. */
static MimicConnection *
build_connection (MimicConnectionsDialog  *self,
                  GError                 **error)
{
  g_autoptr(MimicConnection) connection = NULL;
  const char *url = field_text (self, FIELD_URL);
  const char *name = field_text (self, FIELD_NAME);
  const char *topic_root = field_text (self, FIELD_TOPIC_ROOT);

  if (url == NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_URL,
                   _("Enter the URL of the source"));
      return NULL;
    }

  connection = mimic_connection_new_for_url (url, error);
  if (connection == NULL)
    return NULL;
  /* A password typed into the URL would end up in GSettings. */
  if (mimic_connection_get_password (connection) != NULL)
    {
      g_set_error (error, MIMIC_CONNECTION_ERROR, MIMIC_CONNECTION_ERROR_INVALID_URL,
                   _("Put the password in the password field, not in the URL"));
      return NULL;
    }

  mimic_connection_set_id (connection, name != NULL ? name : url);
  if (field_text (self, FIELD_USERNAME) != NULL)
    mimic_connection_set_username (connection, field_text (self, FIELD_USERNAME));
  if (topic_root != NULL && !mimic_connection_set_topic_root (connection, topic_root, error))
    return NULL;
  mimic_connection_set_ca_file (connection, field_text (self, FIELD_CA_FILE));
  mimic_connection_set_client_certificate_file (connection, field_text (self, FIELD_CERTIFICATE_FILE));
  mimic_connection_set_client_key_file (connection, field_text (self, FIELD_KEY_FILE));
  mimic_connection_set_asset_dir (connection, field_text (self, FIELD_ASSET_DIR));

  if (!mimic_connection_validate (connection, error))
    return NULL;
  return g_steal_pointer (&connection);
}

void
mimic_connections_dialog_edit (MimicConnectionsDialog *self,
                               const char             *id)
{
  MimicConnection *connection;

  g_return_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self));

  connection = id != NULL ? mimic_connection_list_lookup (self->list, id) : NULL;
  g_free (self->editing_id);
  self->editing_id = connection != NULL ? g_strdup (id) : NULL;

  set_field (self, FIELD_NAME, connection != NULL ? mimic_connection_get_id (connection) : NULL);
  set_field (self, FIELD_URL, connection != NULL ? mimic_connection_get_url (connection) : NULL);
  set_field (self, FIELD_USERNAME, connection != NULL ? mimic_connection_get_username (connection) : NULL);
  set_field (self, FIELD_PASSWORD, NULL);
  set_field (self, FIELD_CA_FILE, connection != NULL ? mimic_connection_get_ca_file (connection) : NULL);
  set_field (self, FIELD_CERTIFICATE_FILE,
             connection != NULL ? mimic_connection_get_client_certificate_file (connection) : NULL);
  set_field (self, FIELD_KEY_FILE, connection != NULL ? mimic_connection_get_client_key_file (connection) : NULL);
  set_field (self, FIELD_TOPIC_ROOT, connection != NULL ? mimic_connection_get_topic_root (connection) : NULL);
  set_field (self, FIELD_ASSET_DIR, connection != NULL ? mimic_connection_get_asset_dir (connection) : NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), connection != NULL);
  set_status (self, NULL, TRUE);
}

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MimicConnectionsDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->n_storing--;
  if (!mimic_credentials_store_finish (result, &error))
    {
      g_autofree char *message = NULL;

      /* TRANSLATORS: %s says why the keyring refused */
      message = g_strdup_printf (_("Saved, but the password could not be kept in the keyring: %s"),
                                 error->message);
      set_status (self, message, FALSE);
    }
}

static void
select_profile_row (MimicConnectionsDialog *self,
                    const char             *id)
{
  GListModel *model = G_LIST_MODEL (self->list);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MimicConnection) connection = g_list_model_get_item (model, i);

      if (g_strcmp0 (mimic_connection_get_id (connection), id) == 0)
        {
          gtk_list_box_select_row (self->profile_list, gtk_list_box_get_row_at_index (self->profile_list, (int) i));
          return;
        }
    }
}

gboolean
mimic_connections_dialog_save (MimicConnectionsDialog  *self,
                               GError                 **error)
{
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  const char *password;
  gboolean saved;

  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), FALSE);

  connection = build_connection (self, &local_error);
  if (connection != NULL)
    {
      if (self->editing_id != NULL)
        saved = mimic_connection_list_replace (self->list, self->editing_id, connection, &local_error);
      else
        saved = mimic_connection_list_add (self->list, connection, TRUE, &local_error);
      if (!saved)
        g_clear_object (&connection);
    }
  if (connection == NULL)
    {
      set_status (self, local_error->message, FALSE);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  id = g_strdup (mimic_connection_get_id (connection));
  g_free (self->editing_id);
  self->editing_id = g_strdup (id);
  set_status (self, _("Saved."), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), TRUE);

  password = gtk_editable_get_text (GTK_EDITABLE (self->fields[FIELD_PASSWORD]));
  if (password != NULL && *password != '\0')
    {
      self->n_storing++;
      mimic_credentials_store_async (connection, password, NULL, on_password_stored, g_object_ref (self));
    }
  set_field (self, FIELD_PASSWORD, NULL);

  select_profile_row (self, id);
  return TRUE;
}

gboolean
mimic_connections_dialog_remove (MimicConnectionsDialog *self)
{
  g_autoptr(MimicConnection) connection = NULL;

  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), FALSE);

  if (self->editing_id == NULL)
    return FALSE;
  connection = mimic_connection_list_lookup (self->list, self->editing_id);
  if (connection == NULL)
    return FALSE;
  g_object_ref (connection);

  /* The password goes with the profile; a keyring that is not there has
   * nothing to forget. */
  mimic_credentials_clear_async (connection, NULL, NULL, NULL);
  mimic_connection_list_remove (self->list, self->editing_id);
  mimic_connections_dialog_edit (self, NULL);
  return TRUE;
}

static void
finish_test (MimicConnectionsDialog *self)
{
  g_clear_handle_id (&self->test_timeout_id, g_source_remove);
  g_clear_object (&self->test_cancellable);
  if (self->test_feed != NULL)
    {
      mimic_feed_stop (self->test_feed);
      g_clear_object (&self->test_feed);
    }
  set_testing (self, FALSE);
}

static void
on_test_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MimicConnectionsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (MIMIC_FEED (source) != self->test_feed)
    return;

  if (mimic_feed_start_finish (MIMIC_FEED (source), result, &error))
    {
      /* TRANSLATORS: %s is the URL tested */
      message = g_strdup_printf (_("Connected to %s."), mimic_feed_get_url (MIMIC_FEED (source)));
      set_status (self, message, TRUE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      message = g_strdup_printf (_("No connection within %u seconds."),
                                 (guint) MIMIC_CONNECTIONS_DIALOG_TEST_TIMEOUT_S);
      set_status (self, message, FALSE);
    }
  else
    {
      /* TRANSLATORS: %s is why, e.g. "Connection refused" */
      message = g_strdup_printf (_("Test failed: %s"), error->message);
      set_status (self, message, FALSE);
    }
  finish_test (self);
}

/* A feed that keeps trying (a host that drops packets) would leave the
 * operator waiting; the test gives up on its own, and a late answer of
 * that feed is ignored. */
static gboolean
on_test_timeout (gpointer user_data)
{
  MimicConnectionsDialog *self = user_data;
  g_autofree char *message = NULL;

  self->test_timeout_id = 0;
  g_cancellable_cancel (self->test_cancellable);
  message = g_strdup_printf (_("No connection within %u seconds."),
                             (guint) MIMIC_CONNECTIONS_DIALOG_TEST_TIMEOUT_S);
  set_status (self, message, FALSE);
  finish_test (self);
  return G_SOURCE_REMOVE;
}

static void
run_test (MimicConnectionsDialog *self,
          MimicConnection        *connection,
          const char             *password)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  self->test_feed = mimic_connection_create_feed (connection, password, &error);
  if (self->test_feed == NULL)
    {
      message = g_strdup_printf (_("Test failed: %s"), error->message);
      set_status (self, message, FALSE);
      finish_test (self);
      return;
    }

  self->test_timeout_id = g_timeout_add_seconds (MIMIC_CONNECTIONS_DIALOG_TEST_TIMEOUT_S, on_test_timeout, self);
  mimic_feed_start_async (self->test_feed, self->test_cancellable, on_test_started, g_object_ref (self));
}

typedef struct
{
  MimicConnectionsDialog *self;
  MimicConnection        *connection;
} LookupData;

static void
on_password_looked_up (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  LookupData *data = user_data;
  g_autoptr(MimicConnectionsDialog) self = data->self;
  g_autoptr(MimicConnection) connection = data->connection;
  g_autofree char *password = mimic_credentials_lookup_finish (result, NULL);

  g_free (data);
  /* Without a keyring the test still runs, without a password. */
  if (!self->testing || g_cancellable_is_cancelled (self->test_cancellable))
    return;
  run_test (self, connection, password);
}

void
mimic_connections_dialog_test (MimicConnectionsDialog *self)
{
  g_autoptr(MimicConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *password;

  g_return_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self));

  if (self->testing)
    return;

  connection = build_connection (self, &error);
  if (connection == NULL)
    {
      set_status (self, error->message, FALSE);
      return;
    }

  set_testing (self, TRUE);
  set_status (self, _("Connecting…"), TRUE);
  self->test_cancellable = g_cancellable_new ();

  password = gtk_editable_get_text (GTK_EDITABLE (self->fields[FIELD_PASSWORD]));
  if ((password == NULL || *password == '\0') && mimic_connection_get_username (connection) != NULL)
    {
      LookupData *data = g_new0 (LookupData, 1);

      data->self = g_object_ref (self);
      data->connection = g_object_ref (connection);
      mimic_credentials_lookup_async (connection, self->test_cancellable, on_password_looked_up, data);
      return;
    }

  run_test (self, connection, password != NULL && *password != '\0' ? password : NULL);
}

gboolean
mimic_connections_dialog_get_testing (MimicConnectionsDialog *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), FALSE);

  return self->testing;
}

gboolean
mimic_connections_dialog_get_busy (MimicConnectionsDialog *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), FALSE);

  return self->testing || self->n_storing > 0;
}

const char *
mimic_connections_dialog_get_status (MimicConnectionsDialog *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), NULL);

  return self->status;
}

gboolean
mimic_connections_dialog_get_status_ok (MimicConnectionsDialog *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), FALSE);

  return self->status_ok;
}

MimicConnectionList *
mimic_connections_dialog_get_list (MimicConnectionsDialog *self)
{
  g_return_val_if_fail (MIMIC_IS_CONNECTIONS_DIALOG (self), NULL);

  return self->list;
}

static void
on_enabled_toggled (GtkSwitch              *toggle,
                    GParamSpec             *pspec,
                    MimicConnectionsDialog *self)
{
  mimic_connection_list_set_enabled (self->list, g_object_get_data (G_OBJECT (toggle), "profile-id"),
                                     gtk_switch_get_active (toggle));
}

static GtkWidget *
create_profile_row (gpointer item,
                    gpointer user_data)
{
  MimicConnectionsDialog *self = user_data;
  MimicConnection *connection = item;
  const char *id = mimic_connection_get_id (connection);
  GtkWidget *box, *text_box, *name, *url, *toggle;
  g_autofree char *toggle_label = NULL;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (text_box, TRUE);
  name = gtk_label_new (id);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (text_box), name);
  url = gtk_label_new (mimic_connection_get_url (connection));
  gtk_label_set_xalign (GTK_LABEL (url), 0);
  gtk_label_set_ellipsize (GTK_LABEL (url), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (url, "dim-label");
  gtk_widget_add_css_class (url, "caption");
  gtk_box_append (GTK_BOX (text_box), url);
  gtk_box_append (GTK_BOX (box), text_box);

  toggle = gtk_switch_new ();
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), mimic_connection_list_get_enabled (self->list, id));
  /* TRANSLATORS: accessible name of a switch; %s is the connection's name */
  toggle_label = g_strdup_printf (_("Use %s"), id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, toggle_label, -1);
  gtk_widget_set_tooltip_text (toggle, _("Connect to this source"));
  g_object_set_data_full (G_OBJECT (toggle), "profile-id", g_strdup (id), g_free);
  g_object_set_data (G_OBJECT (box), "enabled-switch", toggle);
  g_signal_connect_object (toggle, "notify::active", G_CALLBACK (on_enabled_toggled), self, 0);
  gtk_box_append (GTK_BOX (box), toggle);

  return box;
}

/* Enabled or disabled elsewhere (another window, the settings). */
static void
on_profile_changed (MimicConnectionList    *list,
                    MimicConnection        *connection,
                    gboolean                enabled,
                    MimicConnectionsDialog *self)
{
  GListModel *model = G_LIST_MODEL (list);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MimicConnection) item = g_list_model_get_item (model, i);
      GtkListBoxRow *row;
      GtkWidget *toggle;

      if (item != connection)
        continue;
      row = gtk_list_box_get_row_at_index (self->profile_list, (int) i);
      toggle = row != NULL ? g_object_get_data (G_OBJECT (gtk_list_box_row_get_child (row)), "enabled-switch") : NULL;
      if (toggle != NULL)
        gtk_switch_set_active (GTK_SWITCH (toggle), enabled);
    }
}

static void
on_row_selected (GtkListBox             *list_box,
                 GtkListBoxRow          *row,
                 MimicConnectionsDialog *self)
{
  g_autoptr(MimicConnection) connection = NULL;

  if (row == NULL)
    return;
  connection = g_list_model_get_item (G_LIST_MODEL (self->list), (guint) gtk_list_box_row_get_index (row));
  if (connection != NULL && g_strcmp0 (self->editing_id, mimic_connection_get_id (connection)) != 0)
    mimic_connections_dialog_edit (self, mimic_connection_get_id (connection));
}

static void
on_add_clicked (GtkButton              *button,
                MimicConnectionsDialog *self)
{
  gtk_list_box_unselect_all (self->profile_list);
  mimic_connections_dialog_edit (self, NULL);
  gtk_widget_grab_focus (self->fields[FIELD_NAME]);
}

static void
on_remove_clicked (GtkButton              *button,
                   MimicConnectionsDialog *self)
{
  mimic_connections_dialog_remove (self);
}

static void
on_test_clicked (GtkButton              *button,
                 MimicConnectionsDialog *self)
{
  mimic_connections_dialog_test (self);
}

static void
on_save_clicked (GtkButton              *button,
                 MimicConnectionsDialog *self)
{
  mimic_connections_dialog_save (self, NULL);
}

static void
on_file_chosen (GtkNativeDialog *chooser,
                int              response,
                GtkEditable     *entry)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (entry, path);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
on_choose_clicked (GtkButton              *button,
                   MimicConnectionsDialog *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (button), "entry");
  gboolean folder = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "folder"));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (folder ? _("Choose a Folder") : _("Choose a File"),
                                         GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser holds itself until it answers. */
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_file_chosen), entry, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
build_editor (MimicConnectionsDialog *self)
{
  for (guint i = 0; i < N_FIELDS; i++)
    {
      GtkWidget *label = gtk_label_new_with_mnemonic (_(field_infos[i].label));
      GtkWidget *entry;

      if (field_infos[i].password)
        {
          entry = gtk_password_entry_new ();
          gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
          g_object_set (entry, "placeholder-text", _(field_infos[i].placeholder), NULL);
        }
      else
        {
          entry = gtk_entry_new ();
          gtk_entry_set_placeholder_text (GTK_ENTRY (entry),
                                          i == FIELD_TOPIC_ROOT ? field_infos[i].placeholder
                                                                : _(field_infos[i].placeholder));
        }
      gtk_widget_set_hexpand (entry, TRUE);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
      gtk_grid_attach (self->editor_grid, label, 0, (int) i, 1, 1);
      if (i == FIELD_CA_FILE || i == FIELD_CERTIFICATE_FILE || i == FIELD_KEY_FILE || i == FIELD_ASSET_DIR)
        {
          GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
          GtkWidget *button = gtk_button_new_from_icon_name (i == FIELD_ASSET_DIR ? "folder-open-symbolic"
                                                                                   : "document-open-symbolic");
          const char *tooltip = i == FIELD_ASSET_DIR ? _("Choose a folder") : _("Choose a file");

          gtk_widget_add_css_class (box, "linked");
          gtk_widget_set_tooltip_text (button, tooltip);
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
          g_object_set_data (G_OBJECT (button), "entry", entry);
          g_object_set_data (G_OBJECT (button), "folder", GINT_TO_POINTER (i == FIELD_ASSET_DIR));
          g_signal_connect_object (button, "clicked", G_CALLBACK (on_choose_clicked), self, 0);
          gtk_box_append (GTK_BOX (box), entry);
          gtk_box_append (GTK_BOX (box), button);
          gtk_grid_attach (self->editor_grid, box, 1, (int) i, 1, 1);
        }
      else
        gtk_grid_attach (self->editor_grid, entry, 1, (int) i, 1, 1);
      self->fields[i] = entry;
    }
}

static void
mimic_connections_dialog_constructed (GObject *object)
{
  MimicConnectionsDialog *self = MIMIC_CONNECTIONS_DIALOG (object);
  GtkWidget *placeholder;

  G_OBJECT_CLASS (mimic_connections_dialog_parent_class)->constructed (object);

  gtk_list_box_bind_model (self->profile_list, G_LIST_MODEL (self->list), create_profile_row, self, NULL);
  placeholder = gtk_label_new (_("No connections yet. Add one with the + button."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (self->profile_list, placeholder);
  g_signal_connect_object (self->list, "profile-changed", G_CALLBACK (on_profile_changed), self, 0);
  mimic_connections_dialog_edit (self, NULL);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) > 0)
    gtk_list_box_select_row (self->profile_list, gtk_list_box_get_row_at_index (self->profile_list, 0));
}

static void
mimic_connections_dialog_dispose (GObject *object)
{
  MimicConnectionsDialog *self = MIMIC_CONNECTIONS_DIALOG (object);

  g_cancellable_cancel (self->test_cancellable);
  if (self->test_feed != NULL)
    finish_test (self);
  if (self->profile_list != NULL)
    gtk_list_box_bind_model (self->profile_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_CONNECTIONS_DIALOG);
  g_clear_object (&self->list);

  G_OBJECT_CLASS (mimic_connections_dialog_parent_class)->dispose (object);
}

static void
mimic_connections_dialog_finalize (GObject *object)
{
  MimicConnectionsDialog *self = MIMIC_CONNECTIONS_DIALOG (object);

  g_clear_object (&self->test_cancellable);
  g_free (self->editing_id);
  g_free (self->status);

  G_OBJECT_CLASS (mimic_connections_dialog_parent_class)->finalize (object);
}

static void
mimic_connections_dialog_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  MimicConnectionsDialog *self = MIMIC_CONNECTIONS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_LIST:
      g_value_set_object (value, self->list);
      break;
    case PROP_TESTING:
      g_value_set_boolean (value, self->testing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_connections_dialog_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  MimicConnectionsDialog *self = MIMIC_CONNECTIONS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_LIST:
      self->list = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_connections_dialog_class_init (MimicConnectionsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = mimic_connections_dialog_constructed;
  object_class->dispose = mimic_connections_dialog_dispose;
  object_class->finalize = mimic_connections_dialog_finalize;
  object_class->get_property = mimic_connections_dialog_get_property;
  object_class->set_property = mimic_connections_dialog_set_property;

  properties[PROP_LIST] =
    g_param_spec_object ("list", NULL, NULL, MIMIC_TYPE_CONNECTION_LIST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TESTING] =
    g_param_spec_boolean ("testing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-connections-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MimicConnectionsDialog, profile_list);
  gtk_widget_class_bind_template_child (widget_class, MimicConnectionsDialog, remove_button);
  gtk_widget_class_bind_template_child (widget_class, MimicConnectionsDialog, editor_grid);
  gtk_widget_class_bind_template_child (widget_class, MimicConnectionsDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, MimicConnectionsDialog, test_button);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_test_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mimic_connections_dialog_init (MimicConnectionsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_editor (self);
}

GtkWidget *
mimic_connections_dialog_new (GtkWindow           *parent,
                              MimicConnectionList *list)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (MIMIC_IS_CONNECTION_LIST (list), NULL);

  return g_object_new (MIMIC_TYPE_CONNECTIONS_DIALOG,
                       "list", list,
                       "transient-for", parent,
                       NULL);
}
