/* test-command-panel.c — the commands panel: forms from argument schemas,
 * refusals at the field, the confirmation with its predicted effect,
 * select-before-operate, and commands to a real simulated device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "mimic-command-panel.h"
#include "mimic-test-gtk-utils.h"
#include "mimic-test-utils.h"
#include "mimic-twin-store.h"

#define WAIT_MS 20000

typedef struct
{
  char                *dir;
  char                *audit_path;
  GSubprocess         *device_process;
  MimicAssetRegistry  *registry;
  MimicFeed           *feed;
  MimicTwinStore      *store;
  MimicAuditLog       *audit_log;
  MimicCommandManager *manager;
  MimicAsset          *asset;
  MimicModel          *model;
  GtkWidget           *window;
  GtkWidget           *panel;
  GPtrArray           *states;     /* "node-path state" as signalled */
} Fixture;

static gboolean
device_ready (gpointer data)
{
  Fixture *fixture = data;
  MimicTwinDevice *device = mimic_twin_store_lookup (fixture->store, "pump-001");
  double speed;

  return device != NULL && mimic_twin_device_get_presence (device) == MIMIC_PRESENCE_ONLINE &&
         mimic_twin_device_get_asset_type (device) != NULL &&
         mimic_twin_device_get_reported (device, "speed_setpoint", &speed);
}

static void
on_command_state_changed (MimicCommandPanel *panel,
                          MimicCommand      *command,
                          const char        *node_path,
                          MimicCommandState  state,
                          Fixture           *fixture)
{
  g_ptr_array_add (fixture->states, g_strdup_printf ("%s %s", node_path != NULL ? node_path : "(none)",
                                                     mimic_command_state_to_string (state)));
}

static void
load_asset_and_model (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *names;

  fixture->registry = mimic_test_load_sample_assets ();
  fixture->asset = g_object_ref (mimic_asset_registry_lookup (fixture->registry, "pump-skid"));
  fixture->model = mimic_model_new_for_name (mimic_asset_get_model_name (fixture->asset), &error);
  g_assert_no_error (error);
  names = mimic_asset_get_model_parameter_names (fixture->asset);
  for (guint i = 0; i < names->len; i++)
    {
      double value;

      g_assert_true (mimic_asset_get_model_parameter (fixture->asset, names->pdata[i], &value));
      g_assert_true (mimic_model_set_parameter (fixture->model, names->pdata[i], value, NULL));
    }
}

static void
show_panel (Fixture *fixture)
{
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 720);
  fixture->panel = mimic_command_panel_new ();
  g_signal_connect (fixture->panel, "command-state-changed", G_CALLBACK (on_command_state_changed), fixture);
  gtk_window_set_child (GTK_WINDOW (fixture->window), fixture->panel);
  gtk_window_present (GTK_WINDOW (fixture->window));
  fixture->states = g_ptr_array_new_with_free_func (g_free);
}

/* A device known from one batch, no process: for the form alone. */
static void
offline_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  gint64 now = g_get_real_time ();

  load_asset_and_model (fixture);
  fixture->store = mimic_twin_store_new ();
  mimic_update_batch_add_sample (batch, "pump-001", "speed", now, 1480, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-001", "winding_temp", now, 75, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_parameter (batch, "pump-001", "speed_setpoint", 1480, FALSE, now);
  mimic_twin_store_apply_batch (fixture->store, batch);

  show_panel (fixture);
  mimic_command_panel_set_device (MIMIC_COMMAND_PANEL (fixture->panel), fixture->asset,
                                  mimic_twin_store_lookup (fixture->store, "pump-001"), fixture->model);
}

static void
live_set_up (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port = 0;

  load_asset_and_model (fixture);
  fixture->dir = mimic_test_make_temp_dir ("mimic-command-panel-XXXXXX");
  fixture->audit_path = g_build_filename (fixture->dir, "audit.db", NULL);
  {
    const char *args[] = { "--pumps", "1", "--rate", "5", "--ws", "127.0.0.1:0", NULL };

    fixture->device_process = mimic_test_spawn_device (args, &port);
  }
  g_assert_cmpuint (port, >, 0);

  url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  fixture->feed = mimic_feed_new_for_url (url, &error);
  g_assert_no_error (error);
  fixture->store = mimic_twin_store_new ();
  fixture->manager = mimic_test_command_manager_new (fixture->feed, fixture->registry, fixture->store,
                                                     fixture->audit_path, &fixture->audit_log);
  mimic_feed_start_async (fixture->feed, NULL, NULL, NULL);
  g_assert_true (mimic_test_wait_until (mimic_test_feed_is_connected, fixture->feed, WAIT_MS));
  g_assert_true (mimic_test_wait_until (device_ready, fixture, WAIT_MS));

  show_panel (fixture);
  mimic_command_panel_set_manager (MIMIC_COMMAND_PANEL (fixture->panel), fixture->manager);
  mimic_command_panel_set_device (MIMIC_COMMAND_PANEL (fixture->panel), fixture->asset,
                                  mimic_twin_store_lookup (fixture->store, "pump-001"), fixture->model);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_pointer (&fixture->states, g_ptr_array_unref);
  if (fixture->device_process != NULL)
    {
      mimic_test_stop_device (fixture->device_process);
      g_clear_object (&fixture->device_process);
    }
  if (fixture->manager != NULL)
    mimic_command_manager_flush_audit_log (fixture->manager);
  g_clear_object (&fixture->manager);
  if (fixture->feed != NULL)
    mimic_feed_stop (fixture->feed);
  g_clear_object (&fixture->feed);
  g_clear_object (&fixture->audit_log);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->model);
  g_clear_object (&fixture->asset);
  g_clear_object (&fixture->registry);
  if (fixture->dir != NULL)
    {
      mimic_test_remove_sqlite_files (fixture->audit_path);
      g_rmdir (fixture->dir);
    }
  g_free (fixture->dir);
  g_free (fixture->audit_path);
}

static void
type_into (Fixture    *fixture,
           const char *argument,
           const char *text)
{
  GtkWidget *field = mimic_command_panel_get_field (MIMIC_COMMAND_PANEL (fixture->panel), argument);

  g_assert_nonnull (field);
  gtk_editable_set_text (GTK_EDITABLE (field), text);
}

static void
assert_refused_at_field (Fixture    *fixture,
                         const char *text,
                         const char *reason)
{
  MimicCommandPanel *panel = MIMIC_COMMAND_PANEL (fixture->panel);
  GtkWidget *field = mimic_command_panel_get_field (panel, "speed");

  type_into (fixture, "speed", text);
  g_assert_false (mimic_command_panel_review (panel));
  g_assert_false (mimic_command_panel_get_confirming (panel));
  g_assert_cmpstr (mimic_command_panel_get_field_error (panel, "speed"), ==, reason);
  /* Shown at the field: the entry is marked, the reason is under it. */
  g_assert_true (gtk_widget_has_css_class (field, "error"));
  {
    GtkWidget *grid = gtk_widget_get_parent (field);
    GtkWidget *error_label = NULL;

    for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL; child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "error"))
        error_label = child;
    g_assert_nonnull (error_label);
    g_assert_true (gtk_widget_get_visible (error_label));
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (error_label)), ==, reason);
  }
}

static gboolean
effect_ready (gpointer data)
{
  return mimic_command_panel_get_effect_ready (MIMIC_COMMAND_PANEL (data));
}

static void
test_form_refuses_at_field (Fixture       *fixture,
                            gconstpointer  data)
{
  MimicCommandPanel *panel = MIMIC_COMMAND_PANEL (fixture->panel);
  g_autoptr(GdkTexture) shot = NULL;
  const char *confirmation;

  g_assert_true (mimic_command_panel_show_command (panel, "set_speed"));
  g_assert_false (mimic_command_panel_show_command (panel, "self_destruct"));
  g_assert_cmpstr (mimic_command_panel_get_command_id (panel), ==, "set_speed");
  g_assert_true (GTK_IS_ENTRY (mimic_command_panel_get_field (panel, "speed")));
  g_assert_null (mimic_command_panel_get_field (panel, "position"));

  assert_refused_at_field (fixture, "", "Required");
  assert_refused_at_field (fixture, "fast", "Enter a number");
  assert_refused_at_field (fixture, "12abc", "Enter a number");
  assert_refused_at_field (fixture, "nan", "Enter a finite number");
  assert_refused_at_field (fixture, "inf", "Enter a finite number");
  assert_refused_at_field (fixture, "1e400", "Enter a finite number");
  assert_refused_at_field (fixture, "2000", "Must be from 0 to 1800 rpm");
  assert_refused_at_field (fixture, "-5", "Must be from 0 to 1800 rpm");

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "command-panel-refused");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);

  /* A good value: the mark goes, the confirmation opens with the current
   * and the new value, then the predicted effect. */
  type_into (fixture, "speed", " 1200 ");
  g_assert_null (mimic_command_panel_get_field_error (panel, "speed"));
  g_assert_false (gtk_widget_has_css_class (mimic_command_panel_get_field (panel, "speed"), "error"));
  g_assert_true (mimic_command_panel_review (panel));
  g_assert_true (mimic_command_panel_get_confirming (panel));
  g_assert_nonnull (strstr (mimic_command_panel_get_confirmation (panel), "Speed: now 1480 rpm → 1200 rpm"));
  g_assert_true (mimic_test_wait_until (effect_ready, panel, WAIT_MS));
  confirmation = mimic_command_panel_get_confirmation (panel);
  g_test_message ("%s", confirmation);
  g_assert_nonnull (strstr (confirmation, "Predicted in 1 h:"));
  /* Slower pump: less flow, less power. */
  g_assert_nonnull (strstr (confirmation, "\n  Flow: "));
  g_assert_nonnull (strstr (confirmation, "\n  Motor power: "));

  /* Past the revealer's transition. */
  mimic_test_wait_for_frames (fixture->window, 30);
  g_clear_object (&shot);
  shot = mimic_test_take_screenshot (fixture->window, "command-panel-confirm");

  /* Without a manager nothing can be sent, and says why. */
  g_assert_null (mimic_command_panel_confirm (panel, NULL));
  g_assert_nonnull (mimic_command_panel_get_error (panel));

  /* Editing after the review withdraws the confirmation. */
  type_into (fixture, "speed", "1300");
  g_assert_false (mimic_command_panel_get_confirming (panel));

  /* A decimal comma is read as a decimal point. */
  type_into (fixture, "speed", "1200,5");
  g_assert_null (mimic_command_panel_get_field_error (panel, "speed"));
}

static void
test_view_only (Fixture       *fixture,
                gconstpointer  data)
{
  MimicCommandPanel *panel = MIMIC_COMMAND_PANEL (fixture->panel);
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *field;

  mimic_command_panel_show_command (panel, "set_speed");
  type_into (fixture, "speed", "1200");
  g_assert_true (mimic_command_panel_review (panel));

  /* The GSettings key drives it, as the window binds it. */
  settings = g_settings_new_with_path ("org.mimic.Console", "/org/mimic/Console/");
  g_settings_bind (settings, "view-only", panel, "view-only", G_SETTINGS_BIND_GET);
  g_assert_false (mimic_command_panel_get_view_only (panel));
  g_settings_set_boolean (settings, "view-only", TRUE);
  g_assert_true (mimic_command_panel_get_view_only (panel));

  /* The open confirmation is gone, every input is off, a banner says why. */
  g_assert_false (mimic_command_panel_get_confirming (panel));
  field = mimic_command_panel_get_field (panel, "speed");
  g_assert_false (gtk_widget_is_sensitive (field));
  mimic_test_wait_for_frames (fixture->window, 20);
  {
    GtkWidget *revealer = gtk_widget_get_first_child (GTK_WIDGET (panel));

    while (revealer != NULL && !GTK_IS_REVEALER (revealer))
      revealer = gtk_widget_get_next_sibling (revealer);
    g_assert_nonnull (revealer);
    g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)));
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_revealer_get_child (GTK_REVEALER (revealer)))),
                     ==, "View-only console: commands are disabled.");
  }
  g_assert_false (mimic_command_panel_review (panel));
  g_assert_null (mimic_command_panel_confirm (panel, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY);
  g_clear_error (&error);
  g_assert_false (mimic_command_panel_select (panel, &error));
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY);

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "command-panel-view-only");

  g_settings_set_boolean (settings, "view-only", FALSE);
  g_assert_true (gtk_widget_is_sensitive (field));
  g_assert_true (mimic_command_panel_review (panel));
}

static gboolean
command_finished (gpointer data)
{
  return mimic_command_is_finished (MIMIC_COMMAND (data));
}

static gboolean
list_shows (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0 &&
      gtk_widget_get_mapped (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (list_shows (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
panel_shows_acknowledged (gpointer data)
{
  return list_shows (GTK_WIDGET (data), "Acknowledged");
}

static gboolean
panel_shows_cancelled (gpointer data)
{
  return list_shows (GTK_WIDGET (data), "Cancelled");
}

/* The visible "withdraw" button of a row, if any. */
static GtkWidget *
find_withdraw_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_widget_get_visible (widget) &&
      g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Withdraw this command") == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_withdraw_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_send_to_device (Fixture       *fixture,
                     gconstpointer  data)
{
  MimicCommandPanel *panel = MIMIC_COMMAND_PANEL (fixture->panel);
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(MimicCommand) pending = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *withdraw;
  const char *node;

  mimic_command_panel_show_command (panel, "set_speed");
  type_into (fixture, "speed", "1200");
  g_assert_true (mimic_command_panel_review (panel));
  g_assert_true (mimic_test_wait_until (effect_ready, panel, WAIT_MS));
  command = mimic_command_panel_confirm (panel, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_assert_false (mimic_command_panel_get_confirming (panel));
  g_assert_true (mimic_test_wait_until (command_finished, command, WAIT_MS));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_true (mimic_test_wait_until (panel_shows_acknowledged, panel, WAIT_MS));

  /* The part it concerns is signalled with each state. */
  node = mimic_command_panel_get_command_node (panel, "set_speed");
  g_assert_nonnull (node);
  g_assert_cmpuint (fixture->states->len, >=, 2);
  {
    g_autofree char *last = g_strdup_printf ("%s acknowledged", node);

    g_assert_cmpstr (g_ptr_array_index (fixture->states, fixture->states->len - 1), ==, last);
  }

  /* Out of range: refused at the field, nothing sent. */
  type_into (fixture, "speed", "5000");
  g_assert_false (mimic_command_panel_review (panel));
  g_assert_cmpuint (g_list_model_get_n_items (mimic_command_manager_get_commands (fixture->manager)), ==, 1);

  /* A device that does not answer: the command waits, and the operator
   * withdraws it from its row. */
  g_subprocess_send_signal (fixture->device_process, SIGSTOP);
  type_into (fixture, "speed", "1300");
  g_assert_true (mimic_command_panel_review (panel));
  g_assert_true (mimic_test_wait_until (effect_ready, panel, WAIT_MS));
  pending = mimic_command_panel_confirm (panel, &error);
  g_assert_no_error (error);
  g_assert_false (mimic_command_is_finished (pending));
  mimic_test_wait_for_frames (fixture->window, 2);
  withdraw = find_withdraw_button (GTK_WIDGET (panel));
  g_assert_nonnull (withdraw);
  g_signal_emit_by_name (withdraw, "clicked");
  g_assert_cmpint (mimic_command_get_state (pending), ==, MIMIC_COMMAND_STATE_CANCELLED);
  g_assert_true (mimic_test_wait_until (panel_shows_cancelled, panel, WAIT_MS));
  g_assert_null (find_withdraw_button (GTK_WIDGET (panel)));
  {
    g_autofree char *last = g_strdup_printf ("%s cancelled", node);

    g_assert_cmpstr (g_ptr_array_index (fixture->states, fixture->states->len - 1), ==, last);
  }
  g_subprocess_send_signal (fixture->device_process, SIGCONT);

  mimic_test_wait_for_frames (fixture->window, 2);
  shot = mimic_test_take_screenshot (fixture->window, "command-panel");
  g_assert_cmpuint (mimic_test_count_colours (shot, 64), >=, 8);
}

static gboolean
selection_ran_out (gpointer data)
{
  return mimic_command_panel_get_select_remaining (MIMIC_COMMAND_PANEL (data)) <= 0;
}

static void
test_select_before_operate (Fixture       *fixture,
                            gconstpointer  data)
{
  MimicCommandPanel *panel = MIMIC_COMMAND_PANEL (fixture->panel);
  g_autoptr(MimicCommand) refused = NULL;
  g_autoptr(MimicCommand) command = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GError) error = NULL;
  double remaining;

  g_assert_true (mimic_command_panel_show_command (panel, "maintenance_done"));
  g_assert_true (mimic_command_panel_review (panel));

  /* Operate is refused before Select. */
  refused = mimic_command_panel_confirm (panel, &error);
  g_assert_null (refused);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
  g_clear_error (&error);
  g_assert_cmpfloat (mimic_command_panel_get_select_remaining (panel), ==, 0);

  /* A selection that runs out: Operate is refused again. */
  mimic_command_manager_set_select_timeout (fixture->manager, 0.5);
  g_assert_true (mimic_command_panel_select (panel, &error));
  g_assert_no_error (error);
  remaining = mimic_command_panel_get_select_remaining (panel);
  g_assert_cmpfloat (remaining, >, 0.3);
  g_assert_cmpfloat (remaining, <=, 0.5);
  g_assert_cmpstr (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"), ==, "alice");
  g_assert_true (mimic_test_wait_until (selection_ran_out, panel, WAIT_MS));
  mimic_test_wait_for_frames (fixture->window, 2);
  refused = mimic_command_panel_confirm (panel, &error);
  g_assert_null (refused);
  g_assert_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED);
  g_clear_error (&error);

  /* Select, then operate within the countdown: acknowledged. */
  mimic_command_manager_set_select_timeout (fixture->manager, 30);
  g_assert_true (mimic_command_panel_select (panel, &error));
  g_assert_cmpfloat (mimic_command_panel_get_select_remaining (panel), >, 29);
  mimic_test_wait_for_frames (fixture->window, 30);
  shot = mimic_test_take_screenshot (fixture->window, "command-panel-select");
  command = mimic_command_panel_confirm (panel, &error);
  g_assert_no_error (error);
  g_assert_true (mimic_test_wait_until (command_finished, command, WAIT_MS));
  g_assert_cmpint (mimic_command_get_state (command), ==, MIMIC_COMMAND_STATE_ACKNOWLEDGED);
  g_assert_null (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"));

  /* Cancelling a review lets the selection go. */
  g_assert_true (mimic_command_panel_review (panel));
  g_assert_true (mimic_command_panel_select (panel, &error));
  g_assert_cmpstr (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"), ==, "alice");
  mimic_command_panel_cancel_review (panel);
  g_assert_null (mimic_command_manager_get_selection_holder (fixture->manager, "pump-001"));
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

  g_test_add ("/mimic/command-panel/form-refuses-at-field", Fixture, NULL,
              offline_set_up, test_form_refuses_at_field, fixture_tear_down);
  g_test_add ("/mimic/command-panel/view-only", Fixture, NULL,
              offline_set_up, test_view_only, fixture_tear_down);
  g_test_add ("/mimic/command-panel/send-to-device", Fixture, NULL,
              live_set_up, test_send_to_device, fixture_tear_down);
  g_test_add ("/mimic/command-panel/select-before-operate", Fixture, NULL,
              live_set_up, test_select_before_operate, fixture_tear_down);

  return g_test_run ();
}
