/* mimic-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-window"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-connection-list.h"
#include "mimic-connections-dialog.h"
#include "mimic-device-page.h"
#include "mimic-fleet-item.h"
#include "mimic-replay-feed.h"
#include "mimic-window.h"

#define SHELVE_DURATION G_TIME_SPAN_HOUR
/* How far above the end of the event log still counts as following it:
 * about three lines. */
#define EVENT_FOLLOW_SLACK_PX 72.0
/* From this window width the device page shows its views side by side. */
#define WIDE_LAYOUT_MIN_WIDTH 1600

struct _MimicWindow
{
  GtkApplicationWindow  parent_instance;

  GSettings            *settings;
  MimicConsole         *console;
  GtkFilterListModel   *fleet_filtered;
  GtkSortListModel     *fleet_sorted;
  GtkSingleSelection   *fleet_selection;
  GtkSingleSelection   *alarm_selection;
  GtkButton            *badges[MIMIC_ALARM_PRIORITY_CRITICAL + 1];
  guint                 health_timeout;
  gboolean              view_only;
  gboolean              device_chosen;

  /* Template children */
  GtkSearchEntry       *fleet_search;
  GtkStack             *fleet_stack;
  GtkColumnView        *fleet_view;
  GtkStack             *device_stack;
  MimicDevicePage      *device_page;
  GtkBox               *source_box;
  GtkBox               *alarm_badges;
  GtkNotebook          *bottom_notebook;
  GtkColumnView        *alarm_view;
  GtkListView          *event_view;
  gboolean              wide_pending;
  gboolean              event_follow;      /* the log keeps its newest line in view */
  gboolean              event_scrolling;   /* the log is moving itself */
  GtkLabel             *alarm_status_label;
};

G_DEFINE_FINAL_TYPE (MimicWindow, mimic_window, GTK_TYPE_APPLICATION_WINDOW)

/* ---- Cells ------------------------------------------------------------
 *
 * A cell is a label whose text a function makes from the row's item; it
 * follows the item's notifications while bound, so a recycled row costs
 * nothing once it scrolls out of view. */

typedef char *(*CellTextFunc) (GObject *item);

typedef struct
{
  CellTextFunc  text;
  const char   *css_class;     /* extra class on every cell, or NULL */
  gboolean      numeric;
} CellSpec;

static void
cell_refresh (GObject    *item,
              GParamSpec *pspec,
              GtkLabel   *label)
{
  const CellSpec *spec = g_object_get_data (G_OBJECT (label), "mimic-cell-spec");
  g_autofree char *text = spec->text (item);

  gtk_label_set_label (label, text != NULL ? text : "");
}

static void
cell_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            const CellSpec           *spec)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), spec->numeric ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (spec->numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (spec->css_class != NULL)
    gtk_widget_add_css_class (label, spec->css_class);
  g_object_set_data (G_OBJECT (label), "mimic-cell-spec", (gpointer) spec);
  gtk_list_item_set_child (list_item, label);
}

static void
cell_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           const CellSpec           *spec)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  GObject *item = gtk_list_item_get_item (list_item);

  cell_refresh (item, NULL, GTK_LABEL (label));
  g_signal_connect_object (item, "notify", G_CALLBACK (cell_refresh), label, 0);
}

static void
cell_unbind (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             const CellSpec           *spec)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  GObject *item = gtk_list_item_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, cell_refresh, label);
}

static GtkColumnViewColumn *
add_column (GtkColumnView  *view,
            const char     *title,
            const CellSpec *spec,
            GtkSorter      *sorter,
            gboolean        expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), (gpointer) spec);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), (gpointer) spec);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), (gpointer) spec);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (sorter != NULL)
    gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_append_column (view, column);
  g_clear_object (&sorter);
  g_object_unref (column);
  return column;
}

static GtkSorter *
string_sorter (GType       type,
               const char *property)
{
  return GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (type, NULL, property)));
}

static GtkSorter *
numeric_sorter (GType       type,
                const char *property)
{
  return GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (type, NULL, property)));
}

/* ---- Fleet ----------------------------------------------------------- */

static char *
fleet_id_text (GObject *item)
{
  return g_strdup (mimic_fleet_item_get_id (MIMIC_FLEET_ITEM (item)));
}

static char *
fleet_type_text (GObject *item)
{
  return g_strdup (mimic_twin_device_get_asset_type (mimic_fleet_item_get_device (MIMIC_FLEET_ITEM (item))));
}

static char *
fleet_presence_text (GObject *item)
{
  return g_strdup (mimic_fleet_item_get_presence_text (MIMIC_FLEET_ITEM (item)));
}

static char *
fleet_alarm_text (GObject *item)
{
  return g_strdup (mimic_fleet_item_priority_label (mimic_fleet_item_get_alarm_priority (MIMIC_FLEET_ITEM (item))));
}

static char *
fleet_key_text (GObject *item)
{
  return g_strdup (mimic_fleet_item_get_key_text (MIMIC_FLEET_ITEM (item)));
}

static const CellSpec fleet_id_cell = { fleet_id_text, NULL, FALSE };
static const CellSpec fleet_type_cell = { fleet_type_text, "dim-label", FALSE };
static const CellSpec fleet_presence_cell = { fleet_presence_text, NULL, FALSE };
static const CellSpec fleet_alarm_cell = { fleet_alarm_text, "alarm-cell", FALSE };
static const CellSpec fleet_key_cell = { fleet_key_text, NULL, TRUE };

static void
update_fleet_stack (MimicWindow *self)
{
  gboolean empty = g_list_model_get_n_items (mimic_console_get_fleet (self->console)) == 0;

  gtk_stack_set_visible_child_name (self->fleet_stack, empty ? "empty" : "list");
}

static void
on_fleet_selected (GtkSingleSelection *selection,
                   GParamSpec         *pspec,
                   MimicWindow        *self)
{
  MimicFleetItem *item = gtk_single_selection_get_selected_item (selection);

  if (item == NULL)
    return;

  self->device_chosen = TRUE;
  mimic_device_page_set_device_id (self->device_page, mimic_fleet_item_get_id (item));
  gtk_stack_set_visible_child_name (self->device_stack, "device");
  g_settings_set_string (self->settings, "last-device", mimic_fleet_item_get_id (item));
}

/* The console opens with a device on show: the one last looked at if it
 * is there, otherwise the first to appear. */
static void
on_fleet_changed (GListModel  *fleet,
                  guint        position,
                  guint        removed,
                  guint        added,
                  MimicWindow *self)
{
  g_autofree char *last = NULL;

  update_fleet_stack (self);
  if (self->device_chosen || added == 0)
    return;

  last = g_settings_get_string (self->settings, "last-device");
  if (*last != '\0' && mimic_window_select_device (self, last))
    return;
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(MimicFleetItem) item = g_list_model_get_item (fleet, i);

      if (mimic_fleet_item_get_asset (item) != NULL || i + 1 == position + added)
        {
          mimic_window_select_device (self, mimic_fleet_item_get_id (item));
          return;
        }
    }
}

static void
on_search_changed (GtkSearchEntry *entry,
                   MimicWindow    *self)
{
  GtkStringFilter *filter = GTK_STRING_FILTER (gtk_filter_list_model_get_filter (self->fleet_filtered));

  gtk_string_filter_set_search (filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
setup_fleet (MimicWindow *self)
{
  GtkStringFilter *filter;
  GtkColumnViewColumn *id_column;
  GType type = MIMIC_TYPE_FLEET_ITEM;

  id_column = add_column (self->fleet_view, _("Device"), &fleet_id_cell, string_sorter (type, "id"), TRUE);
  add_column (self->fleet_view, _("Type"), &fleet_type_cell, string_sorter (type, "asset-type"), FALSE);
  add_column (self->fleet_view, _("Presence"), &fleet_presence_cell, string_sorter (type, "presence-text"), FALSE);
  add_column (self->fleet_view, _("Alarm"), &fleet_alarm_cell, numeric_sorter (type, "alarm-priority"), FALSE);
  add_column (self->fleet_view, _("Value"), &fleet_key_cell, numeric_sorter (type, "key-value"), FALSE);

  filter = gtk_string_filter_new (gtk_property_expression_new (type, NULL, "search-text"));
  gtk_string_filter_set_match_mode (filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (filter, TRUE);

  self->fleet_filtered = gtk_filter_list_model_new (g_object_ref (mimic_console_get_fleet (self->console)),
                                                    GTK_FILTER (filter));
  self->fleet_sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->fleet_filtered)),
                                                g_object_ref (gtk_column_view_get_sorter (self->fleet_view)));
  self->fleet_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->fleet_sorted)));
  gtk_single_selection_set_autoselect (self->fleet_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->fleet_selection, TRUE);
  gtk_column_view_set_model (self->fleet_view, GTK_SELECTION_MODEL (self->fleet_selection));
  gtk_column_view_sort_by_column (self->fleet_view, id_column, GTK_SORT_ASCENDING);

  g_signal_connect (self->fleet_selection, "notify::selected-item", G_CALLBACK (on_fleet_selected), self);
  g_signal_connect_object (mimic_console_get_fleet (self->console), "items-changed",
                           G_CALLBACK (on_fleet_changed), self, 0);
  g_signal_connect (self->fleet_search, "search-changed", G_CALLBACK (on_search_changed), self);
  update_fleet_stack (self);
}

/* ---- Sources in the header bar ---------------------------------------- */

static const char *
state_icon (MimicFeedState state)
{
  switch (state)
    {
    case MIMIC_FEED_STATE_CONNECTED: return "network-transmit-receive-symbolic";
    case MIMIC_FEED_STATE_CONNECTING:
    case MIMIC_FEED_STATE_RECONNECTING: return "network-idle-symbolic";
    case MIMIC_FEED_STATE_FAILED: return "network-error-symbolic";
    case MIMIC_FEED_STATE_DISCONNECTED:
    default: return "network-offline-symbolic";
    }
}

static const char *
state_label (MimicFeedState state)
{
  switch (state)
    {
    case MIMIC_FEED_STATE_CONNECTED: return _("Connected");
    case MIMIC_FEED_STATE_CONNECTING: return _("Connecting");
    case MIMIC_FEED_STATE_RECONNECTING: return _("Reconnecting");
    case MIMIC_FEED_STATE_FAILED: return _("Failed");
    case MIMIC_FEED_STATE_DISCONNECTED:
    default: return _("Disconnected");
    }
}

static void
refresh_source_indicator (GtkWidget *indicator)
{
  MimicFeed *feed = g_object_get_data (G_OBJECT (indicator), "mimic-feed");
  GtkWidget *image = gtk_widget_get_first_child (indicator);
  GtkWidget *label = gtk_widget_get_next_sibling (image);
  static const char * const state_classes[] = { "source-disconnected", "source-connecting",
                                                "source-connected", "source-reconnecting",
                                                "source-failed" };
  MimicFeedHealth health;
  g_autofree char *last = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *error = mimic_feed_dup_last_error (feed);

  mimic_feed_get_health (feed, &health);
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (indicator, state_classes[i]);
  if ((guint) health.state < G_N_ELEMENTS (state_classes))
    gtk_widget_add_css_class (indicator, state_classes[health.state]);

  gtk_image_set_from_icon_name (GTK_IMAGE (image), state_icon (health.state));
  gtk_label_set_label (GTK_LABEL (label), state_label (health.state));

  if (health.last_message_us > 0)
    last = g_strdup_printf (_("%.1f s ago"), (g_get_real_time () - health.last_message_us) / 1e6);
  else
    last = g_strdup (_("none yet"));
  tooltip = g_strdup_printf (_("%s — %s\n%.1f messages/s · last message %s\n"
                               "%u reconnects · %llu rejected%s%s"),
                             mimic_feed_get_url (feed), state_label (health.state),
                             health.messages_per_second, last, health.reconnects,
                             (unsigned long long) health.rejected_total, error != NULL ? "\n" : "",
                             error != NULL ? error : "");
  gtk_widget_set_tooltip_text (indicator, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (indicator), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tooltip, -1);
}

static void
on_source_state (MimicFeed  *feed,
                 GParamSpec *pspec,
                 GtkWidget  *indicator)
{
  refresh_source_indicator (indicator);
}

static gboolean
refresh_source_health (gpointer user_data)
{
  MimicWindow *self = MIMIC_WINDOW (user_data);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->source_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    refresh_source_indicator (child);
  return G_SOURCE_CONTINUE;
}

static void
rebuild_source_indicators (MimicWindow *self)
{
  GListModel *sources = mimic_console_get_sources (self->console);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->source_box))) != NULL)
    gtk_box_remove (self->source_box, child);

  for (guint i = 0, n = g_list_model_get_n_items (sources); i < n; i++)
    {
      g_autoptr(MimicFeed) feed = g_list_model_get_item (sources, i);
      GtkWidget *indicator = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

      gtk_widget_add_css_class (indicator, "source-indicator");
      gtk_box_append (GTK_BOX (indicator), gtk_image_new ());
      gtk_box_append (GTK_BOX (indicator), gtk_label_new (NULL));
      g_object_set_data_full (G_OBJECT (indicator), "mimic-feed", g_object_ref (feed), g_object_unref);
      g_signal_connect_object (feed, "notify::state", G_CALLBACK (on_source_state), indicator, 0);
      refresh_source_indicator (indicator);
      gtk_box_append (self->source_box, indicator);
    }
}

static void
on_sources_changed (GListModel  *sources,
                    guint        position,
                    guint        removed,
                    guint        added,
                    MimicWindow *self)
{
  rebuild_source_indicators (self);
}

/* ---- Alarms ---------------------------------------------------------- */

static char *
alarm_time_text (GObject *item)
{
  gint64 raised = mimic_alarm_get_raised_us (MIMIC_ALARM (item));
  g_autoptr(GDateTime) time = NULL;

  if (raised <= 0)
    return g_strdup ("");
  time = g_date_time_new_from_unix_local (raised / G_USEC_PER_SEC);
  return time != NULL ? g_date_time_format (time, "%H:%M:%S") : g_strdup ("");
}

static char *
alarm_device_text (GObject *item)
{
  return g_strdup (mimic_alarm_get_device_id (MIMIC_ALARM (item)));
}

static char *
alarm_sensor_text (GObject *item)
{
  return g_strdup (mimic_alarm_get_sensor_id (MIMIC_ALARM (item)));
}

static char *
alarm_condition_text (GObject *item)
{
  return g_strdup (mimic_alarm_condition_get_label (mimic_alarm_get_condition (MIMIC_ALARM (item))));
}

static char *
alarm_priority_text (GObject *item)
{
  return g_strdup (mimic_fleet_item_priority_label (mimic_alarm_get_priority (MIMIC_ALARM (item))));
}

static char *
alarm_state_text (GObject *item)
{
  return g_strdup (mimic_alarm_state_get_label (mimic_alarm_get_state (MIMIC_ALARM (item))));
}

static char *
alarm_value_text (GObject *item)
{
  double value = mimic_alarm_get_value (MIMIC_ALARM (item));

  return isfinite (value) ? g_strdup_printf ("%.4g", value) : g_strdup ("—");
}

static const CellSpec alarm_time_cell = { alarm_time_text, NULL, TRUE };
static const CellSpec alarm_device_cell = { alarm_device_text, NULL, FALSE };
static const CellSpec alarm_sensor_cell = { alarm_sensor_text, NULL, FALSE };
static const CellSpec alarm_condition_cell = { alarm_condition_text, NULL, FALSE };
static const CellSpec alarm_priority_cell = { alarm_priority_text, "alarm-cell", FALSE };
static const CellSpec alarm_state_cell = { alarm_state_text, NULL, FALSE };
static const CellSpec alarm_value_cell = { alarm_value_text, NULL, TRUE };

static void
update_alarm_badges (MimicWindow *self)
{
  MimicAlarmManager *alarms = mimic_console_get_alarms (self->console);
  g_autofree char *status = NULL;

  for (guint p = MIMIC_ALARM_PRIORITY_LOW; p <= MIMIC_ALARM_PRIORITY_CRITICAL; p++)
    {
      guint n = mimic_alarm_manager_get_n_standing (alarms, p);
      g_autofree char *text = g_strdup_printf ("%u", n);
      g_autofree char *tooltip = g_strdup_printf (_("%s priority: %u standing alarms"),
                                                  mimic_fleet_item_priority_label (p), n);

      gtk_button_set_label (self->badges[p], text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->badges[p]), tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->badges[p]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
      if (n > 0)
        gtk_widget_remove_css_class (GTK_WIDGET (self->badges[p]), "alarm-badge-empty");
      else
        gtk_widget_add_css_class (GTK_WIDGET (self->badges[p]), "alarm-badge-empty");
    }

  status = g_strdup_printf (_("%u unacknowledged%s"), mimic_alarm_manager_get_n_unacknowledged (alarms),
                            mimic_alarm_manager_get_flood (alarms) ? _(" · alarm flood") : "");
  gtk_label_set_label (self->alarm_status_label, status);
}

static void
on_alarm_counts_changed (MimicAlarmManager *alarms,
                         MimicWindow       *self)
{
  update_alarm_badges (self);
}

static void
on_alarm_transition (MimicAlarmManager *alarms,
                     MimicAlarm        *alarm,
                     gpointer           entry,
                     MimicWindow       *self)
{
  update_alarm_badges (self);
}

static void
focus_alarms (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);

  gtk_notebook_set_current_page (self->bottom_notebook, 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->alarm_view));
}

static void
on_badge_clicked (GtkButton   *button,
                  MimicWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.focus-alarms", NULL);
}

static const char *
operator_name (MimicWindow *self)
{
  const char *name = mimic_console_get_operator_name (self->console);

  return name != NULL && *name != '\0' ? name : g_get_user_name ();
}

static void
alarm_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);
  MimicAlarm *alarm = gtk_single_selection_get_selected_item (self->alarm_selection);
  MimicAlarmManager *alarms = mimic_console_get_alarms (self->console);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (alarm == NULL)
    return;

  if (g_str_equal (action_name, "win.acknowledge-alarm"))
    done = mimic_alarm_manager_acknowledge (alarms, alarm, operator_name (self), NULL, &error);
  else
    done = mimic_alarm_manager_shelve (alarms, alarm, operator_name (self),
                                       _("Shelved from the alarm list"), SHELVE_DURATION, &error);

  if (!done)
    mimic_console_log_event (self->console, _("%s: %s"), mimic_alarm_get_device_id (alarm), error->message);
}

/* Sorting the alarm list by a column: the manager's own order (priority,
 * then time) stays until the operator clicks a header. */
static int
compare_alarm_time (gconstpointer a,
                    gconstpointer b,
                    gpointer      data)
{
  gint64 ta = mimic_alarm_get_raised_us ((MimicAlarm *) a);
  gint64 tb = mimic_alarm_get_raised_us ((MimicAlarm *) b);

  return (ta > tb) - (ta < tb);
}

static int
compare_alarm_device (gconstpointer a,
                      gconstpointer b,
                      gpointer      data)
{
  return g_strcmp0 (mimic_alarm_get_device_id ((MimicAlarm *) a), mimic_alarm_get_device_id ((MimicAlarm *) b));
}

static int
compare_alarm_sensor (gconstpointer a,
                      gconstpointer b,
                      gpointer      data)
{
  return g_strcmp0 (mimic_alarm_get_sensor_id ((MimicAlarm *) a), mimic_alarm_get_sensor_id ((MimicAlarm *) b));
}

static int
compare_alarm_condition (gconstpointer a,
                         gconstpointer b,
                         gpointer      data)
{
  return (int) mimic_alarm_get_condition ((MimicAlarm *) a) - (int) mimic_alarm_get_condition ((MimicAlarm *) b);
}

static int
compare_alarm_priority (gconstpointer a,
                        gconstpointer b,
                        gpointer      data)
{
  return (int) mimic_alarm_get_priority ((MimicAlarm *) a) - (int) mimic_alarm_get_priority ((MimicAlarm *) b);
}

static int
compare_alarm_state (gconstpointer a,
                     gconstpointer b,
                     gpointer      data)
{
  return (int) mimic_alarm_get_state ((MimicAlarm *) a) - (int) mimic_alarm_get_state ((MimicAlarm *) b);
}

static int
compare_alarm_value (gconstpointer a,
                     gconstpointer b,
                     gpointer      data)
{
  double va = mimic_alarm_get_value ((MimicAlarm *) a);
  double vb = mimic_alarm_get_value ((MimicAlarm *) b);

  /* Alarms without a value go last. */
  if (!isfinite (va) || !isfinite (vb))
    return isfinite (vb) - isfinite (va);
  return (va > vb) - (va < vb);
}

static GtkSorter *
alarm_sorter (GCompareDataFunc compare)
{
  return GTK_SORTER (gtk_custom_sorter_new (compare, NULL, NULL));
}

static void
setup_alarms (MimicWindow *self)
{
  MimicAlarmManager *alarms = mimic_console_get_alarms (self->console);
  static const char * const badge_classes[] = { NULL, "alarm-badge-low", "alarm-badge-medium",
                                                "alarm-badge-high", "alarm-badge-critical" };

  GtkSortListModel *alarms_sorted;

  add_column (self->alarm_view, _("Time"), &alarm_time_cell, alarm_sorter (compare_alarm_time), FALSE);
  add_column (self->alarm_view, _("Device"), &alarm_device_cell, alarm_sorter (compare_alarm_device), FALSE);
  add_column (self->alarm_view, _("Sensor"), &alarm_sensor_cell, alarm_sorter (compare_alarm_sensor), TRUE);
  add_column (self->alarm_view, _("Condition"), &alarm_condition_cell, alarm_sorter (compare_alarm_condition), FALSE);
  add_column (self->alarm_view, _("Priority"), &alarm_priority_cell, alarm_sorter (compare_alarm_priority), FALSE);
  add_column (self->alarm_view, _("State"), &alarm_state_cell, alarm_sorter (compare_alarm_state), FALSE);
  add_column (self->alarm_view, _("Value"), &alarm_value_cell, alarm_sorter (compare_alarm_value), FALSE);

  alarms_sorted = gtk_sort_list_model_new (g_object_ref (mimic_alarm_manager_get_alarms (alarms)),
                                           g_object_ref (gtk_column_view_get_sorter (self->alarm_view)));
  self->alarm_selection = gtk_single_selection_new (G_LIST_MODEL (alarms_sorted));
  gtk_column_view_set_model (self->alarm_view, GTK_SELECTION_MODEL (self->alarm_selection));

  /* Highest priority first, as the list is sorted. */
  for (guint p = MIMIC_ALARM_PRIORITY_CRITICAL; p >= MIMIC_ALARM_PRIORITY_LOW; p--)
    {
      GtkWidget *badge = gtk_button_new_with_label ("0");

      gtk_widget_add_css_class (badge, "alarm-badge");
      gtk_widget_add_css_class (badge, badge_classes[p]);
      g_signal_connect (badge, "clicked", G_CALLBACK (on_badge_clicked), self);
      gtk_box_append (self->alarm_badges, badge);
      self->badges[p] = GTK_BUTTON (badge);
    }

  g_signal_connect_object (alarms, "counts-changed", G_CALLBACK (on_alarm_counts_changed), self, 0);
  /* Acknowledging changes no count by priority, but the unacknowledged one. */
  g_signal_connect_object (alarms, "transition", G_CALLBACK (on_alarm_transition), self, 0);
  update_alarm_badges (self);
}

/* ---- Events ---------------------------------------------------------- */

static void
event_setup (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "event-line");
  gtk_list_item_set_child (list_item, label);
}

static void
event_bind (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  GtkStringObject *line = gtk_list_item_get_item (list_item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)),
                       gtk_string_object_get_string (line));
}

/* The newest line is the one an operator looks for, so the log follows it
 * unless the operator scrolled up to read an older one. */
static void
on_event_scrolled (GtkAdjustment *adjustment,
                   MimicWindow   *self)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  if (!self->event_scrolling)
    self->event_follow = gtk_adjustment_get_value (adjustment) >= bottom - EVENT_FOLLOW_SLACK_PX;
}

static void
on_event_range_changed (GtkAdjustment *adjustment,
                        MimicWindow   *self)
{
  if (!self->event_follow)
    return;
  self->event_scrolling = TRUE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  self->event_scrolling = FALSE;
}

static void
setup_events (MimicWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection;
  GtkAdjustment *adjustment;

  g_signal_connect (factory, "setup", G_CALLBACK (event_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (event_bind), NULL);
  selection = gtk_no_selection_new (g_object_ref (mimic_console_get_events (self->console)));
  gtk_list_view_set_factory (self->event_view, factory);
  gtk_list_view_set_model (self->event_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->event_view));
  self->event_follow = TRUE;
  if (adjustment != NULL)
    {
      g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (on_event_scrolled), self, 0);
      g_signal_connect_object (adjustment, "changed", G_CALLBACK (on_event_range_changed), self, 0);
    }
}

/* ---- Menu actions ---------------------------------------------------- */

static void
show_connections (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);
  GtkWidget *dialog = mimic_connections_dialog_new (GTK_WINDOW (self),
                                                    mimic_console_get_connection_list (self->console));

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_recording_chosen (GtkNativeDialog *chooser,
                     int              response,
                     MimicWindow     *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean save = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) == GTK_FILE_CHOOSER_ACTION_SAVE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = g_file_get_path (file);
    }
  g_object_unref (chooser);
  if (path == NULL)
    return;

  if (!save)
    {
      g_autoptr(MimicReplayFeed) replay = mimic_replay_feed_new (path, &error);

      if (replay != NULL)
        mimic_console_add_source (self->console, MIMIC_FEED (replay));
    }
  else
    {
      GListModel *sources = mimic_console_get_sources (self->console);
      g_autoptr(MimicFeed) live = NULL;

      for (guint i = 0, n = g_list_model_get_n_items (sources); i < n && live == NULL; i++)
        {
          g_autoptr(MimicFeed) feed = g_list_model_get_item (sources, i);

          if (!MIMIC_IS_REPLAY_FEED (feed))
            live = g_steal_pointer (&feed);
        }
      if (live != NULL)
        mimic_console_start_recording (self->console, live, path, &error);
      else
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no live source to record"));
    }

  if (error != NULL)
    mimic_console_log_event (self->console, _("%s: %s"), path, error->message);
}

static void
choose_recording (MimicWindow          *self,
                  GtkFileChooserAction  action)
{
  GtkFileChooserNative *chooser;
  gboolean save = action == GTK_FILE_CHOOSER_ACTION_SAVE;

  chooser = gtk_file_chooser_native_new (save ? _("Record to File") : _("Open Recording"),
                                         GTK_WINDOW (self), action,
                                         save ? _("_Record") : _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (save)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "mimic-recording.jsonl");
  g_signal_connect (chooser, "response", G_CALLBACK (on_recording_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recording (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  choose_recording (MIMIC_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
record (GtkWidget  *widget,
        const char *action_name,
        GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  /* The same entry stops a recording that runs. */
  if (mimic_console_is_recording (self->console))
    {
      if (!mimic_console_stop_recording (self->console, &error))
        mimic_console_log_event (self->console, _("Recording: %s"), error->message);
      return;
    }
  choose_recording (self, GTK_FILE_CHOOSER_ACTION_SAVE);
}

static GtkWidget *
preference_row (GtkWidget  *grid,
                int         row,
                const char *title,
                GtkWidget  *control)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), control);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), control, 1, row, 1, 1);
  return control;
}

static void
show_preferences (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *name = gtk_entry_new ();
  GtkWidget *view_only = gtk_switch_new ();
  GtkWidget *dark = gtk_switch_new ();

  gtk_window_set_title (GTK_WINDOW (window), _("Preferences"));
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 24);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);

  gtk_entry_set_placeholder_text (GTK_ENTRY (name), g_get_user_name ());
  gtk_widget_set_halign (view_only, GTK_ALIGN_END);
  gtk_widget_set_halign (dark, GTK_ALIGN_END);
  preference_row (grid, 0, _("_Operator name"), name);
  preference_row (grid, 1, _("_View only (no commands)"), view_only);
  preference_row (grid, 2, _("_Dark style"), dark);

  g_settings_bind (self->settings, "operator-name", name, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "view-only", view_only, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "prefer-dark", dark, "active", G_SETTINGS_BIND_DEFAULT);

  gtk_window_set_child (GTK_WINDOW (window), grid);
  gtk_window_present (GTK_WINDOW (window));
}

static void
on_settings_changed (GSettings   *settings,
                     const char  *key,
                     MimicWindow *self)
{
  if (g_str_equal (key, "operator-name"))
    {
      g_autofree char *name = g_settings_get_string (settings, key);

      mimic_console_set_operator_name (self->console, name);
    }
  else if (g_str_equal (key, "view-only"))
    mimic_window_set_view_only (self, g_settings_get_boolean (settings, key));
  else if (g_str_equal (key, "prefer-dark"))
    g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme",
                  g_settings_get_boolean (settings, key), NULL);
}

/* ---- Window ---------------------------------------------------------- */

static void
mimic_window_save_geometry (MimicWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set (self->settings, "window-size", "(ii)", width, height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
mimic_window_close_request (GtkWindow *window)
{
  MimicWindow *self = MIMIC_WINDOW (window);

  mimic_window_save_geometry (self);

  return GTK_WINDOW_CLASS (mimic_window_parent_class)->close_request (window);
}

/* Runs once the application is set: GtkWindow:application is not a
 * construct property, so constructed() would not see it yet. */
static void
mimic_window_setup (MimicWindow *self)
{
  GtkApplication *app;
  int width, height;
  g_autofree char *name = NULL;

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (MIMIC_IS_APPLICATION (app))
    {
      self->settings = g_object_ref (mimic_application_get_settings (MIMIC_APPLICATION (app)));
      self->console = g_object_ref (mimic_application_get_console (MIMIC_APPLICATION (app)));
    }
  else
    {
      self->settings = mimic_settings_new ();
      self->console = mimic_console_new ();
    }

  /* The saved profiles are sources: one list, shared with the
   * connections dialog, so enabling a profile there connects it here. */
  if (mimic_console_get_connection_list (self->console) == NULL)
    {
      g_autoptr(MimicConnectionList) connections = mimic_connection_list_new (self->settings);

      mimic_console_set_connection_list (self->console, connections);
    }

  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  name = g_settings_get_string (self->settings, "operator-name");
  mimic_console_set_operator_name (self->console, name);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self, 0);

  mimic_device_page_set_console (self->device_page, self->console);
  g_settings_bind (self->settings, "trend-span", self->device_page, "trend-span", G_SETTINGS_BIND_DEFAULT);
  setup_fleet (self);
  setup_alarms (self);
  setup_events (self);
  g_signal_connect_object (mimic_console_get_sources (self->console), "items-changed",
                           G_CALLBACK (on_sources_changed), self, 0);
  rebuild_source_indicators (self);
  mimic_window_set_view_only (self, g_settings_get_boolean (self->settings, "view-only") ||
                                    mimic_console_get_view_only (self->console));

  /* Rates and "last message" age move on without a state change. */
  self->health_timeout = g_timeout_add_seconds (1, refresh_source_health, self);
}

static void
mimic_window_dispose (GObject *object)
{
  MimicWindow *self = MIMIC_WINDOW (object);

  g_clear_handle_id (&self->health_timeout, g_source_remove);
  if (self->fleet_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->fleet_selection, self);
  if (self->console != NULL)
    {
      g_signal_handlers_disconnect_by_data (mimic_console_get_sources (self->console), self);
      g_signal_handlers_disconnect_by_data (mimic_console_get_fleet (self->console), self);
      g_signal_handlers_disconnect_by_data (mimic_console_get_alarms (self->console), self);
    }
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_WINDOW);
  g_clear_object (&self->fleet_selection);
  g_clear_object (&self->fleet_sorted);
  g_clear_object (&self->fleet_filtered);
  g_clear_object (&self->alarm_selection);
  g_clear_object (&self->console);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (mimic_window_parent_class)->dispose (object);
}

static void
mimic_window_focus_search (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->fleet_search));
}

static void
show_view (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  MimicWindow *self = MIMIC_WINDOW (widget);

  mimic_device_page_show_view (self->device_page, g_variant_get_string (parameter, NULL));
}

/* Not during the allocation: moving widgets between parents then would
 * change the tree GTK is laying out. */
static void
apply_wide_layout (gpointer data)
{
  MimicWindow *self = data;

  self->wide_pending = FALSE;
  if (self->device_page != NULL)
    mimic_device_page_set_wide (self->device_page,
                                gtk_widget_get_width (GTK_WIDGET (self)) >= WIDE_LAYOUT_MIN_WIDTH);
  g_object_unref (self);
}

static gboolean
apply_wide_layout_idle (gpointer data)
{
  apply_wide_layout (data);
  return G_SOURCE_REMOVE;
}

static void
mimic_window_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  MimicWindow *self = MIMIC_WINDOW (widget);

  GTK_WIDGET_CLASS (mimic_window_parent_class)->size_allocate (widget, width, height, baseline);

  if (!self->wide_pending && self->device_page != NULL &&
      (width >= WIDE_LAYOUT_MIN_WIDTH) != mimic_device_page_get_wide (self->device_page))
    {
      self->wide_pending = TRUE;
      /* Between two frames, ahead of the frame clock: at the default idle
       * priority a window kept redrawing by a busy feed on a slow
       * renderer (software GL) never got to switch its layout. */
      g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_wide_layout_idle, g_object_ref (self), NULL);
    }
}

static void
mimic_window_class_init (MimicWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = mimic_window_dispose;
  widget_class->size_allocate = mimic_window_size_allocate;
  window_class->close_request = mimic_window_close_request;

  g_type_ensure (MIMIC_TYPE_DEVICE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_search);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_stack);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, fleet_view);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, device_stack);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, device_page);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, source_box);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, alarm_badges);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, bottom_notebook);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, alarm_view);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, event_view);
  gtk_widget_class_bind_template_child (widget_class, MimicWindow, alarm_status_label);

  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, mimic_window_focus_search);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.focus-search", NULL);
  gtk_widget_class_install_action (widget_class, "win.focus-alarms", NULL, focus_alarms);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.focus-alarms", NULL);
  gtk_widget_class_install_action (widget_class, "win.acknowledge-alarm", NULL, alarm_action);
  gtk_widget_class_install_action (widget_class, "win.shelve-alarm", NULL, alarm_action);
  gtk_widget_class_install_action (widget_class, "win.connections", NULL, show_connections);
  gtk_widget_class_install_action (widget_class, "win.open-recording", NULL, open_recording);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-recording", NULL);
  gtk_widget_class_install_action (widget_class, "win.record", NULL, record);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, show_preferences);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view", "s", "scene");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view", "s", "schematic");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view", "s", "trends");
}

static void
mimic_window_init (MimicWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

MimicWindow *
mimic_window_new (MimicApplication *application)
{
  MimicWindow *self = g_object_new (MIMIC_TYPE_WINDOW,
                                    "application", application,
                                    NULL);

  mimic_window_setup (self);
  return self;
}

MimicConsole *
mimic_window_get_console (MimicWindow *self)
{
  g_return_val_if_fail (MIMIC_IS_WINDOW (self), NULL);

  return self->console;
}

MimicDevicePage *
mimic_window_get_device_page (MimicWindow *self)
{
  g_return_val_if_fail (MIMIC_IS_WINDOW (self), NULL);

  return self->device_page;
}

gboolean
mimic_window_select_device (MimicWindow *self,
                            const char  *device_id)
{
  GListModel *sorted;

  g_return_val_if_fail (MIMIC_IS_WINDOW (self), FALSE);

  if (mimic_console_lookup_fleet_item (self->console, device_id) == NULL)
    return FALSE;

  sorted = G_LIST_MODEL (self->fleet_sorted);
  for (int attempt = 0; attempt < 2; attempt++)
    {
      for (guint i = 0, n = g_list_model_get_n_items (sorted); i < n; i++)
        {
          g_autoptr(MimicFleetItem) item = g_list_model_get_item (sorted, i);

          if (g_str_equal (mimic_fleet_item_get_id (item), device_id))
            {
              gtk_single_selection_set_selected (self->fleet_selection, i);
              return TRUE;
            }
        }
      /* A search hides it: clear the search and look again. */
      gtk_editable_set_text (GTK_EDITABLE (self->fleet_search), "");
      on_search_changed (self->fleet_search, self);
    }
  return FALSE;
}

const char *
mimic_window_get_selected_device (MimicWindow *self)
{
  g_return_val_if_fail (MIMIC_IS_WINDOW (self), NULL);

  return mimic_device_page_get_device_id (self->device_page);
}

void
mimic_window_set_view_only (MimicWindow *self,
                            gboolean     view_only)
{
  g_return_if_fail (MIMIC_IS_WINDOW (self));

  self->view_only = !!view_only;
  mimic_console_set_view_only (self->console, self->view_only);
  mimic_device_page_set_view_only (self->device_page, self->view_only);
}
