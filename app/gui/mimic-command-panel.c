/* mimic-command-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-command-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-command-panel.h"
#include "mimic-prediction.h"

/* Time-to-limit changes are looked for over this horizon. */
#define LIMIT_HORIZON (30 * 86400.0)
/* Outputs listed in the predicted effect, largest relative change first. */
#define MAX_EFFECT_LINES 5
#define COUNTDOWN_INTERVAL_MS 200

typedef struct
{
  const MimicAssetArgument *argument;    /* owned by the asset */
  GtkWidget                *input;       /* GtkEntry, or GtkSwitch for booleans */
  GtkWidget                *error_label;
  char                     *error;       /* why the value is refused, or NULL */
  gboolean                  touched;     /* edited since the form was built */
} CommandField;

typedef struct
{
  MimicWhatifRequest *requests[4];       /* short base, short changed, long base, long changed */
  MimicWhatifResult  *results[4];
} EffectJob;

enum
{
  SHORT_BASE,
  SHORT_CHANGED,
  LONG_BASE,
  LONG_CHANGED,
};

struct _MimicCommandPanel
{
  GtkBox                   parent_instance;

  GtkRevealer             *view_only_revealer;
  GtkBox                  *form_box;
  GtkDropDown             *command_dropdown;
  GtkLabel                *description_label;
  GtkGrid                 *field_grid;
  GtkButton               *review_button;
  GtkLabel                *error_label;
  GtkRevealer             *confirm_revealer;
  GtkLabel                *confirm_title;
  GtkLabel                *confirm_label;
  GtkLabel                *countdown_label;
  GtkButton               *select_button;
  GtkButton               *send_button;
  GtkListBox              *command_list;

  MimicCommandManager     *manager;
  MimicAsset              *asset;
  MimicTwinDevice         *device;
  MimicModel              *model;
  char                    *device_id;
  gboolean                 view_only;

  GPtrArray               *commands;     /* const MimicAssetCommand *, in the drop-down's order */
  const MimicAssetCommand *command;      /* the form shown */
  GPtrArray               *fields;       /* CommandField */

  GtkCustomFilter         *filter;
  GtkFilterListModel      *device_commands;

  /* The confirmation: what exactly was reviewed. */
  gboolean                 confirming;
  JsonObject              *pending_arguments;
  char                    *values_text;
  char                    *effect_text;
  char                    *confirmation;
  gboolean                 effect_ready;
  GCancellable            *effect_cancellable;
  gboolean                 selected;
  gint64                   select_deadline_us;
  guint                    countdown_id;

  char                    *error;
};

G_DEFINE_FINAL_TYPE (MimicCommandPanel, mimic_command_panel, GTK_TYPE_BOX)

enum
{
  PROP_0,
  PROP_VIEW_ONLY,
  PROP_CONFIRMING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  COMMAND_STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_confirmation (MimicCommandPanel *self);

static void
command_field_free (gpointer data)
{
  CommandField *field = data;

  g_free (field->error);
  g_free (field);
}

static void
effect_job_free (gpointer data)
{
  EffectJob *job = data;

  for (guint i = 0; i < G_N_ELEMENTS (job->requests); i++)
    {
      g_clear_pointer (&job->requests[i], mimic_whatif_request_unref);
      g_clear_pointer (&job->results[i], mimic_whatif_result_unref);
    }
  g_free (job);
}

static void
set_error (MimicCommandPanel *self,
           const char        *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* The writable parameter a command argument sets: same unit, and named
 * after the argument ("speed" → speed_setpoint) or after the command
 * ("set_valve" → valve_setpoint); the only candidate with that unit
 * otherwise. */
static const MimicAssetParameter *
find_parameter_for_argument (MimicAsset               *asset,
                             const MimicAssetCommand  *command,
                             const MimicAssetArgument *argument)
{
  GPtrArray *parameters = mimic_asset_get_parameters (asset);
  const char *command_stem = g_str_has_prefix (command->id, "set_") ? command->id + 4 : command->id;
  const MimicAssetParameter *only = NULL;
  guint n_candidates = 0;

  if (argument->type != MIMIC_ASSET_VALUE_NUMBER && argument->type != MIMIC_ASSET_VALUE_INTEGER)
    return NULL;

  for (guint i = 0; i < parameters->len; i++)
    {
      const MimicAssetParameter *parameter = g_ptr_array_index (parameters, i);

      if (!parameter->writable || g_strcmp0 (parameter->unit, argument->unit) != 0)
        continue;
      if (strstr (parameter->id, argument->name) != NULL || strstr (parameter->id, command_stem) != NULL)
        return parameter;
      only = parameter;
      n_candidates++;
    }
  return n_candidates == 1 ? only : NULL;
}

const char *
mimic_command_panel_get_command_node (MimicCommandPanel *self,
                                      const char        *command_id)
{
  const MimicAssetCommand *command;
  GPtrArray *sensors;

  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  if (self->asset == NULL)
    return NULL;
  command = mimic_asset_get_command (self->asset, command_id);
  if (command == NULL)
    return NULL;

  for (guint i = 0; i < command->arguments->len; i++)
    {
      const MimicAssetParameter *parameter =
        find_parameter_for_argument (self->asset, command, g_ptr_array_index (command->arguments, i));
      const MimicAssetSensor *sensor;
      int input;

      if (parameter == NULL)
        continue;
      sensor = mimic_asset_get_sensor (self->asset, parameter->id);
      if (sensor == NULL && self->model != NULL &&
          (input = mimic_model_find_input (self->model, parameter->id)) >= 0 &&
          mimic_model_get_input_info (self->model, input)->sensor_id != NULL)
        sensor = mimic_asset_get_sensor (self->asset, mimic_model_get_input_info (self->model, input)->sensor_id);
      if (sensor != NULL && sensor->node_path != NULL)
        return sensor->node_path;
    }

  sensors = mimic_asset_get_sensors (self->asset);
  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);

      if (sensor->node_path != NULL)
        return sensor->node_path;
    }
  return NULL;
}

/* Field checks: the same rules as the command manager's, said at the
 * field where the value was typed. */
static char *
check_number (const CommandField *field,
              const char         *text,
              double             *out)
{
  const MimicAssetArgument *argument = field->argument;
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double value;

  /* A decimal comma is what half of Europe types. */
  if (strchr (copy, ',') != NULL && strchr (copy, '.') == NULL)
    g_strdelimit (copy, ",", '.');

  value = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0')
    return g_strdup (_("Enter a number"));
  if (!isfinite (value))
    return g_strdup (_("Enter a finite number"));
  if (argument->type == MIMIC_ASSET_VALUE_INTEGER && value != floor (value))
    return g_strdup (_("Enter a whole number"));
  if ((argument->has_minimum && value < argument->minimum) ||
      (argument->has_maximum && value > argument->maximum))
    {
      g_autofree char *low = mimic_prediction_format_value (argument->minimum, NULL);
      g_autofree char *high = mimic_prediction_format_value (argument->maximum, argument->unit);

      if (argument->has_minimum && argument->has_maximum)
        /* TRANSLATORS: "Must be from 0 to 1800 rpm" */
        return g_strdup_printf (_("Must be from %s to %s"), low, high);
      if (argument->has_minimum)
        {
          g_autofree char *low_unit = mimic_prediction_format_value (argument->minimum, argument->unit);

          return g_strdup_printf (_("Must be at least %s"), low_unit);
        }
      return g_strdup_printf (_("Must be at most %s"), high);
    }

  *out = value;
  return NULL;
}

/* Checks one field; adds its value to @arguments when accepted and given. */
static gboolean
check_field (CommandField *field,
             JsonObject   *arguments,
             gboolean      show)
{
  const MimicAssetArgument *argument = field->argument;
  g_autofree char *error = NULL;

  if (GTK_IS_SWITCH (field->input))
    {
      if (arguments != NULL)
        json_object_set_boolean_member (arguments, argument->name,
                                        gtk_switch_get_active (GTK_SWITCH (field->input)));
    }
  else
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (field->input));
      g_autofree char *stripped = g_strstrip (g_strdup (text));
      double value = 0;

      if (*stripped == '\0')
        {
          if (argument->required)
            error = g_strdup (_("Required"));
        }
      else if (argument->type == MIMIC_ASSET_VALUE_STRING)
        {
          if (strlen (text) > MIMIC_COMMAND_MAX_STRING)
            error = g_strdup_printf (_("At most %u characters"), (guint) MIMIC_COMMAND_MAX_STRING);
          else if (arguments != NULL)
            json_object_set_string_member (arguments, argument->name, text);
        }
      else if ((error = check_number (field, text, &value)) == NULL && arguments != NULL)
        {
          if (argument->type == MIMIC_ASSET_VALUE_INTEGER)
            json_object_set_int_member (arguments, argument->name, (gint64) value);
          else
            json_object_set_double_member (arguments, argument->name, value);
        }
    }

  g_free (field->error);
  field->error = g_steal_pointer (&error);

  /* An empty required field is not flagged while the operator has not
   * got to it yet; a wrong value is, as soon as it is typed. */
  if (field->error != NULL && (show || field->touched))
    {
      gtk_label_set_label (GTK_LABEL (field->error_label), field->error);
      gtk_widget_set_visible (field->error_label, TRUE);
      gtk_widget_add_css_class (field->input, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (field->input), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_set_visible (field->error_label, FALSE);
      gtk_widget_remove_css_class (field->input, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (field->input), GTK_ACCESSIBLE_STATE_INVALID);
    }

  return field->error == NULL;
}

static CommandField *
find_field (MimicCommandPanel *self,
            const char        *argument)
{
  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      CommandField *field = g_ptr_array_index (self->fields, i);

      if (g_strcmp0 (field->argument->name, argument) == 0)
        return field;
    }
  return NULL;
}

GtkWidget *
mimic_command_panel_get_field (MimicCommandPanel *self,
                               const char        *argument)
{
  CommandField *field;

  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  field = find_field (self, argument);
  return field != NULL ? field->input : NULL;
}

const char *
mimic_command_panel_get_field_error (MimicCommandPanel *self,
                                     const char        *argument)
{
  CommandField *field;

  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  field = find_field (self, argument);
  if (field == NULL)
    return NULL;
  /* Checked afresh, leaving shown what is shown. */
  check_field (field, NULL, gtk_widget_get_visible (field->error_label));
  return field->error;
}

static void
stop_countdown (MimicCommandPanel *self)
{
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  gtk_widget_set_visible (GTK_WIDGET (self->countdown_label), FALSE);
}

static void
update_buttons (MimicCommandPanel *self)
{
  gboolean sbo = self->command != NULL && self->command->select_before_operate;
  gboolean can_send = !self->view_only && self->manager != NULL && self->device_id != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->select_button), sbo);
  gtk_widget_set_sensitive (GTK_WIDGET (self->select_button), can_send && sbo && !self->selected);
  gtk_button_set_label (self->send_button, sbo ? _("_Operate") : _("_Send"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), can_send && (!sbo || self->selected));
}

void
mimic_command_panel_cancel_review (MimicCommandPanel *self)
{
  g_return_if_fail (MIMIC_IS_COMMAND_PANEL (self));

  g_cancellable_cancel (self->effect_cancellable);
  g_clear_object (&self->effect_cancellable);
  stop_countdown (self);
  if (self->selected && self->manager != NULL && self->device_id != NULL)
    mimic_command_manager_deselect (self->manager, self->device_id);
  self->selected = FALSE;
  g_clear_pointer (&self->pending_arguments, json_object_unref);
  g_clear_pointer (&self->values_text, g_free);
  g_clear_pointer (&self->effect_text, g_free);
  g_clear_pointer (&self->confirmation, g_free);
  self->effect_ready = FALSE;
  gtk_revealer_set_reveal_child (self->confirm_revealer, FALSE);

  if (self->confirming)
    {
      self->confirming = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIRMING]);
    }
}

static void
on_field_changed (MimicCommandPanel *self,
                  GParamSpec        *pspec,
                  GObject           *input)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      CommandField *field = g_ptr_array_index (self->fields, i);

      if ((GObject *) field->input == input)
        {
          field->touched = TRUE;
          check_field (field, NULL, FALSE);
        }
    }
  /* What was reviewed is no longer what the form says. */
  if (self->confirming)
    mimic_command_panel_cancel_review (self);
}

static void
clear_form (MimicCommandPanel *self)
{
  GtkWidget *child;

  mimic_command_panel_cancel_review (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->field_grid))) != NULL)
    gtk_grid_remove (self->field_grid, child);
  g_ptr_array_set_size (self->fields, 0);
  self->command = NULL;
  gtk_label_set_label (self->description_label, "");
}

static void
build_form (MimicCommandPanel       *self,
            const MimicAssetCommand *command)
{
  clear_form (self);
  self->command = command;
  set_error (self, NULL);
  if (command == NULL)
    return;

  gtk_label_set_label (self->description_label, command->description != NULL ? command->description : "");
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), command->description != NULL);

  for (guint i = 0; i < command->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (command->arguments, i);
      CommandField *field = g_new0 (CommandField, 1);
      GtkWidget *label, *unit;
      int row = (int) i * 2;

      field->argument = argument;
      label = gtk_label_new (argument->title);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_grid_attach (self->field_grid, label, 0, row, 1, 1);

      if (argument->type == MIMIC_ASSET_VALUE_BOOLEAN)
        {
          field->input = gtk_switch_new ();
          gtk_widget_set_halign (field->input, GTK_ALIGN_START);
          g_signal_connect_object (field->input, "notify::active", G_CALLBACK (on_field_changed),
                                   self, G_CONNECT_SWAPPED);
        }
      else
        {
          field->input = gtk_entry_new ();
          gtk_widget_set_hexpand (field->input, TRUE);
          if (argument->type != MIMIC_ASSET_VALUE_STRING)
            {
              g_autofree char *low = mimic_prediction_format_value (argument->minimum, NULL);
              g_autofree char *high = mimic_prediction_format_value (argument->maximum, NULL);
              g_autofree char *hint = NULL;

              gtk_entry_set_input_purpose (GTK_ENTRY (field->input),
                                           argument->type == MIMIC_ASSET_VALUE_INTEGER
                                           ? GTK_INPUT_PURPOSE_DIGITS : GTK_INPUT_PURPOSE_NUMBER);
              if (argument->has_minimum && argument->has_maximum)
                hint = g_strdup_printf ("%s – %s", low, high);
              gtk_entry_set_placeholder_text (GTK_ENTRY (field->input), hint);
            }
          g_signal_connect_object (field->input, "notify::text", G_CALLBACK (on_field_changed),
                                   self, G_CONNECT_SWAPPED);
          g_signal_connect_object (field->input, "activate", G_CALLBACK (mimic_command_panel_review),
                                   self, G_CONNECT_SWAPPED);
        }
      gtk_accessible_update_property (GTK_ACCESSIBLE (field->input),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, argument->title,
                                      GTK_ACCESSIBLE_PROPERTY_REQUIRED, argument->required, -1);
      gtk_grid_attach (self->field_grid, field->input, 1, row, 1, 1);

      unit = gtk_label_new (argument->unit);
      gtk_label_set_xalign (GTK_LABEL (unit), 0);
      gtk_widget_add_css_class (unit, "dim-label");
      gtk_grid_attach (self->field_grid, unit, 2, row, 1, 1);

      field->error_label = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (field->error_label), 0);
      gtk_label_set_wrap (GTK_LABEL (field->error_label), TRUE);
      gtk_widget_add_css_class (field->error_label, "error");
      gtk_widget_add_css_class (field->error_label, "caption");
      gtk_widget_set_visible (field->error_label, FALSE);
      gtk_grid_attach (self->field_grid, field->error_label, 1, row + 1, 2, 1);

      g_ptr_array_add (self->fields, field);
    }
  update_buttons (self);
}

static void
update_sensitivity (MimicCommandPanel *self)
{
  /* The form checks values without a manager; sending needs one. */
  gboolean usable = !self->view_only && self->device_id != NULL && self->commands->len > 0;

  gtk_revealer_set_reveal_child (self->view_only_revealer, self->view_only);
  gtk_widget_set_sensitive (GTK_WIDGET (self->form_box), usable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_revealer), !self->view_only);
  update_buttons (self);
}

gboolean
mimic_command_panel_show_command (MimicCommandPanel *self,
                                  const char        *command_id)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  for (guint i = 0; i < self->commands->len; i++)
    {
      const MimicAssetCommand *command = g_ptr_array_index (self->commands, i);

      if (g_strcmp0 (command->id, command_id) == 0)
        {
          if (gtk_drop_down_get_selected (self->command_dropdown) != i)
            gtk_drop_down_set_selected (self->command_dropdown, i);
          else if (self->command != command)
            build_form (self, command);
          return TRUE;
        }
    }
  return FALSE;
}

const char *
mimic_command_panel_get_command_id (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  return self->command != NULL ? self->command->id : NULL;
}

static void
on_command_selected (GtkDropDown       *dropdown,
                     GParamSpec        *pspec,
                     MimicCommandPanel *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  build_form (self, selected < self->commands->len ? g_ptr_array_index (self->commands, selected) : NULL);
}

/* The current value of what an argument sets, for the confirmation. */
static char *
describe_argument_change (MimicCommandPanel        *self,
                          const MimicAssetArgument *argument,
                          JsonNode                 *node)
{
  const MimicAssetParameter *parameter = find_parameter_for_argument (self->asset, self->command, argument);
  g_autofree char *new_value = NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    new_value = g_strdup (json_node_get_boolean (node) ? _("on") : _("off"));
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    new_value = g_strdup_printf ("“%s”", json_node_get_string (node));
  else
    new_value = mimic_prediction_format_value (json_node_get_double (node), argument->unit);

  if (parameter != NULL)
    {
      gboolean is_live;
      double current = mimic_prediction_get_live_value (self->asset, self->device, self->model,
                                                        parameter, &is_live);
      g_autofree char *current_text = mimic_prediction_format_value (current, parameter->unit);

      if (is_live)
        /* TRANSLATORS: "Speed: now 1480 rpm → 1200 rpm" */
        return g_strdup_printf (_("%s: now %s → %s"), argument->title, current_text, new_value);
      return g_strdup_printf (_("%s: now unknown → %s"), argument->title, new_value);
    }
  return g_strdup_printf ("%s: %s", argument->title, new_value);
}

typedef struct
{
  const char *sensor_id;
  double      before;
  double      after;
  double      change;
} EffectLine;

static int
compare_effect_lines (gconstpointer a,
                      gconstpointer b)
{
  const EffectLine *line_a = a, *line_b = b;

  return (line_a->change < line_b->change) - (line_a->change > line_b->change);
}

static char *
describe_effect (MimicCommandPanel *self,
                 EffectJob         *job)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (EffectLine));
  g_autofree char *horizon = mimic_prediction_format_duration (MIMIC_COMMAND_PANEL_EFFECT_HORIZON);
  GPtrArray *sensors = mimic_asset_get_sensors (self->asset);
  guint n_limits;

  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);
      EffectLine line = { sensor->id, 0, 0, 0 };
      double scale;

      line.before = mimic_prediction_value_at (job->results[SHORT_BASE], sensor->id, MIMIC_COMMAND_PANEL_EFFECT_HORIZON);
      line.after = mimic_prediction_value_at (job->results[SHORT_CHANGED], sensor->id, MIMIC_COMMAND_PANEL_EFFECT_HORIZON);
      if (!isfinite (line.before) || !isfinite (line.after))
        continue;
      /* Relative to the sensor's range, so °C and rpm compare fairly. */
      scale = sensor->maximum > sensor->minimum ? sensor->maximum - sensor->minimum : 1;
      line.change = fabs (line.after - line.before) / scale;
      if (line.change > 1e-3)
        g_array_append_val (lines, line);
    }
  g_array_sort (lines, compare_effect_lines);

  /* TRANSLATORS: "Predicted in 1 h:" */
  g_string_append_printf (text, _("Predicted in %s:"), horizon);
  for (guint i = 0; i < MIN (lines->len, MAX_EFFECT_LINES); i++)
    {
      EffectLine *line = &g_array_index (lines, EffectLine, i);
      const MimicAssetSensor *sensor = mimic_asset_get_sensor (self->asset, line->sensor_id);
      g_autofree char *before = mimic_prediction_format_value (line->before, NULL);
      g_autofree char *after = mimic_prediction_format_value (line->after, sensor->unit);

      g_string_append_printf (text, "\n  %s: %s → %s", sensor->title, before, after);
    }
  if (lines->len == 0)
    g_string_append_printf (text, "\n  %s", _("no noticeable change"));

  n_limits = mimic_whatif_result_get_n_limits (job->results[LONG_BASE]);
  for (guint i = 0; i < n_limits && i < mimic_whatif_result_get_n_limits (job->results[LONG_CHANGED]); i++)
    {
      double before = mimic_whatif_result_get_crossing_time (job->results[LONG_BASE], i);
      double after = mimic_whatif_result_get_crossing_time (job->results[LONG_CHANGED], i);
      g_autofree char *limit = NULL;
      g_autofree char *before_text = NULL;
      g_autofree char *after_text = NULL;

      if (before == after || (isfinite (before) && isfinite (after) && fabs (after - before) < 60))
        continue;
      limit = mimic_prediction_describe_limit (self->asset, mimic_whatif_result_get_limit (job->results[LONG_BASE], i));
      before_text = mimic_prediction_format_time_to (before, LIMIT_HORIZON);
      after_text = mimic_prediction_format_time_to (after, LIMIT_HORIZON);
      g_string_append_printf (text, "\n  %s: %s → %s", limit, before_text, after_text);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update_confirmation (MimicCommandPanel *self)
{
  g_free (self->confirmation);
  if (self->effect_text != NULL)
    self->confirmation = g_strconcat (self->values_text, "\n", self->effect_text, NULL);
  else
    self->confirmation = g_strdup (self->values_text);
  gtk_label_set_label (self->confirm_label, self->confirmation);
}

static void
compute_effect (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  EffectJob *job = task_data;
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (job->requests); i++)
    {
      job->results[i] = mimic_whatif_compute (job->requests[i], cancellable, &error);
      if (job->results[i] == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_effect_computed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MimicCommandPanel *self = MIMIC_COMMAND_PANEL (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_CANCELLED))
        return;
      g_free (self->effect_text);
      /* TRANSLATORS: %s says why the model could not predict */
      self->effect_text = g_strdup_printf (_("No prediction: %s"), error->message);
    }
  else
    {
      g_free (self->effect_text);
      self->effect_text = describe_effect (self, g_task_get_task_data (G_TASK (result)));
    }
  self->effect_ready = TRUE;
  update_confirmation (self);
}

/* Predicts with and without the change, one hour ahead for the values and
 * a month ahead for the limits, on a worker thread. */
static void
start_effect_prediction (MimicCommandPanel *self)
{
  g_autoptr(GTask) task = NULL;
  EffectJob *job;
  gboolean has_change = FALSE;

  self->effect_ready = FALSE;
  g_clear_pointer (&self->effect_text, g_free);

  if (self->model == NULL)
    {
      self->effect_text = g_strdup (_("No prediction: this device has no model."));
      self->effect_ready = TRUE;
      return;
    }

  job = g_new0 (EffectJob, 1);
  for (guint i = 0; i < G_N_ELEMENTS (job->requests); i++)
    {
      double horizon = i < LONG_BASE ? MIMIC_COMMAND_PANEL_EFFECT_HORIZON : LIMIT_HORIZON;

      job->requests[i] = mimic_prediction_request_new (self->asset, self->device, self->model, horizon, NULL);
      if (job->requests[i] == NULL)
        {
          effect_job_free (job);
          self->effect_text = g_strdup (_("No prediction: the model could not be set up."));
          self->effect_ready = TRUE;
          return;
        }
    }

  for (guint i = 0; i < self->command->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (self->command->arguments, i);
      const MimicAssetParameter *parameter = find_parameter_for_argument (self->asset, self->command, argument);
      double value;

      if (parameter == NULL || !json_object_has_member (self->pending_arguments, argument->name))
        continue;
      value = json_object_get_double_member (self->pending_arguments, argument->name);
      if (mimic_prediction_request_apply (job->requests[SHORT_CHANGED], parameter->id, value, NULL) &&
          mimic_prediction_request_apply (job->requests[LONG_CHANGED], parameter->id, value, NULL))
        has_change = TRUE;
    }

  if (!has_change)
    {
      effect_job_free (job);
      self->effect_text = g_strdup (_("No prediction: the model does not cover this command."));
      self->effect_ready = TRUE;
      return;
    }

  self->effect_text = g_strdup (_("Predicting the effect…"));
  self->effect_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->effect_cancellable, on_effect_computed, NULL);
  g_task_set_source_tag (task, start_effect_prediction);
  g_task_set_task_data (task, job, effect_job_free);
  g_task_run_in_thread (task, compute_effect);
}

gboolean
mimic_command_panel_review (MimicCommandPanel *self)
{
  g_autoptr(JsonObject) arguments = json_object_new ();
  g_autoptr(GString) values = g_string_new (NULL);
  g_autofree char *title = NULL;
  gboolean valid = TRUE;

  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  mimic_command_panel_cancel_review (self);
  set_error (self, NULL);

  if (self->view_only)
    {
      set_error (self, _("This console is view-only: commands are disabled."));
      return FALSE;
    }
  if (self->command == NULL || self->device_id == NULL)
    return FALSE;

  for (guint i = 0; i < self->fields->len; i++)
    valid = check_field (g_ptr_array_index (self->fields, i), arguments, TRUE) && valid;
  if (!valid)
    {
      for (guint i = 0; i < self->fields->len; i++)
        {
          CommandField *field = g_ptr_array_index (self->fields, i);

          if (field->error != NULL)
            {
              gtk_widget_grab_focus (field->input);
              break;
            }
        }
      return FALSE;
    }

  self->pending_arguments = json_object_ref (arguments);
  for (guint i = 0; i < self->command->arguments->len; i++)
    {
      const MimicAssetArgument *argument = g_ptr_array_index (self->command->arguments, i);
      JsonNode *node = json_object_get_member (arguments, argument->name);
      g_autofree char *line = NULL;

      if (node == NULL)
        continue;
      line = describe_argument_change (self, argument, node);
      if (values->len > 0)
        g_string_append_c (values, '\n');
      g_string_append (values, line);
    }
  if (values->len == 0)
    g_string_append (values, _("No arguments."));
  self->values_text = g_string_free (g_steal_pointer (&values), FALSE);

  /* TRANSLATORS: "Set speed on pump-001?" */
  title = g_strdup_printf (_("%s on %s?"), self->command->title, self->device_id);
  gtk_label_set_label (self->confirm_title, title);

  start_effect_prediction (self);
  update_confirmation (self);

  self->confirming = TRUE;
  self->selected = FALSE;
  update_buttons (self);
  gtk_revealer_set_reveal_child (self->confirm_revealer, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIRMING]);
  return TRUE;
}

gboolean
mimic_command_panel_get_confirming (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  return self->confirming;
}

const char *
mimic_command_panel_get_confirmation (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  return self->confirmation;
}

gboolean
mimic_command_panel_get_effect_ready (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  return self->effect_ready;
}

const char *
mimic_command_panel_get_error (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  return self->error;
}

double
mimic_command_panel_get_select_remaining (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), 0);

  if (!self->selected)
    return 0;
  return MAX (0, (self->select_deadline_us - g_get_monotonic_time ()) / (double) G_USEC_PER_SEC);
}

static gboolean
on_countdown_tick (gpointer user_data)
{
  MimicCommandPanel *self = user_data;
  double remaining = mimic_command_panel_get_select_remaining (self);
  g_autofree char *text = NULL;

  if (remaining <= 0)
    {
      /* The manager lets the selection go at the same moment. */
      self->selected = FALSE;
      self->countdown_id = 0;
      gtk_label_set_label (self->countdown_label, _("The selection ran out. Select again to operate."));
      update_buttons (self);
      return G_SOURCE_REMOVE;
    }

  /* TRANSLATORS: a countdown in whole seconds */
  text = g_strdup_printf (ngettext ("Operate within %u second", "Operate within %u seconds",
                                    (gulong) ceil (remaining)),
                          (guint) ceil (remaining));
  gtk_label_set_label (self->countdown_label, text);
  return G_SOURCE_CONTINUE;
}

gboolean
mimic_command_panel_select (MimicCommandPanel  *self,
                            GError            **error)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  if (self->view_only)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY,
                   _("This console is view-only: commands are disabled."));
      goto failed;
    }
  if (!self->confirming || self->command == NULL || !self->command->select_before_operate ||
      self->manager == NULL)
    {
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED,
                   _("Review a select-before-operate command first"));
      goto failed;
    }
  if (!mimic_command_manager_select (self->manager, self->device_id, self->command->id,
                                     self->pending_arguments, error))
    goto failed;

  set_error (self, NULL);
  self->selected = TRUE;
  self->select_deadline_us = g_get_monotonic_time () +
    (gint64) (mimic_command_manager_get_select_timeout (self->manager) * G_USEC_PER_SEC);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  self->countdown_id = g_timeout_add (COUNTDOWN_INTERVAL_MS, on_countdown_tick, self);
  on_countdown_tick (self);
  gtk_widget_set_visible (GTK_WIDGET (self->countdown_label), TRUE);
  update_buttons (self);
  return TRUE;

failed:
  if (error != NULL && *error != NULL)
    set_error (self, (*error)->message);
  return FALSE;
}

static void
on_tracked_command_state (MimicCommand      *command,
                          GParamSpec        *pspec,
                          MimicCommandPanel *self)
{
  g_signal_emit (self, signals[COMMAND_STATE_CHANGED], 0, command,
                 mimic_command_panel_get_command_node (self, mimic_command_get_name (command)),
                 mimic_command_get_state (command));
}

MimicCommand *
mimic_command_panel_confirm (MimicCommandPanel  *self,
                             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  MimicCommand *command;

  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  if (self->view_only)
    g_set_error (&local_error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_VIEW_ONLY,
                 _("This console is view-only: commands are disabled."));
  else if (!self->confirming || self->manager == NULL)
    g_set_error (&local_error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                 _("Review the command before sending it"));
  else if (self->command->select_before_operate && mimic_command_panel_get_select_remaining (self) <= 0)
    g_set_error (&local_error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_SELECT_REQUIRED,
                 _("Select the device first, then operate before the countdown ends"));

  if (local_error != NULL)
    {
      set_error (self, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  command = mimic_command_manager_send (self->manager, self->device_id, self->command->id,
                                        self->pending_arguments, 0, &local_error);
  if (command == NULL)
    {
      set_error (self, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  /* Operate used the selection up; nothing to let go of. */
  self->selected = FALSE;
  mimic_command_panel_cancel_review (self);
  set_error (self, NULL);

  g_signal_connect_object (command, "notify::state", G_CALLBACK (on_tracked_command_state), self, 0);
  on_tracked_command_state (command, NULL, self);
  return command;
}

static void
on_review_clicked (GtkButton         *button,
                   MimicCommandPanel *self)
{
  mimic_command_panel_review (self);
}

static void
on_cancel_clicked (GtkButton         *button,
                   MimicCommandPanel *self)
{
  mimic_command_panel_cancel_review (self);
}

static void
on_select_clicked (GtkButton         *button,
                   MimicCommandPanel *self)
{
  mimic_command_panel_select (self, NULL);
}

static void
on_send_clicked (GtkButton         *button,
                 MimicCommandPanel *self)
{
  MimicCommand *command = mimic_command_panel_confirm (self, NULL);

  /* The list and the signal follow it from here. */
  g_clear_object (&command);
}

/* Rows of the list of sent commands. */

static void
update_command_row (MimicCommand *command,
                    GParamSpec   *pspec,
                    GtkWidget    *row_box)
{
  GtkWidget *state_label = g_object_get_data (G_OBJECT (row_box), "state-label");
  GtkWidget *reason_label = g_object_get_data (G_OBJECT (row_box), "reason-label");
  GtkWidget *withdraw_button = g_object_get_data (G_OBJECT (row_box), "withdraw-button");
  MimicCommandState state = mimic_command_get_state (command);
  const char *reason = mimic_command_get_reason (command);
  static const char * const classes[] = { "success", "error", "warning", "dim-label", "accent" };
  const char *css_class;

  switch (state)
    {
    case MIMIC_COMMAND_STATE_ACKNOWLEDGED:
      css_class = "success";
      break;
    case MIMIC_COMMAND_STATE_REJECTED:
    case MIMIC_COMMAND_STATE_TIMED_OUT:
      css_class = "error";
      break;
    case MIMIC_COMMAND_STATE_EXPIRED:
      css_class = "warning";
      break;
    case MIMIC_COMMAND_STATE_CANCELLED:
      css_class = "dim-label";
      break;
    case MIMIC_COMMAND_STATE_VALIDATED:
    case MIMIC_COMMAND_STATE_SENT:
    default:
      css_class = "accent";
      break;
    }

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (state_label, classes[i]);
  gtk_widget_add_css_class (state_label, css_class);
  gtk_label_set_label (GTK_LABEL (state_label), mimic_command_state_to_label (state));
  gtk_label_set_label (GTK_LABEL (reason_label), reason != NULL ? reason : "");
  gtk_widget_set_visible (reason_label, reason != NULL);
  gtk_widget_set_visible (withdraw_button, !mimic_command_state_is_terminal (state));
}

static void
on_withdraw_clicked (GtkButton         *button,
                     MimicCommandPanel *self)
{
  MimicCommand *command = g_object_get_data (G_OBJECT (button), "command");
  g_autoptr(GError) error = NULL;

  if (self->manager == NULL || !mimic_command_manager_cancel (self->manager, command, &error))
    set_error (self, error != NULL ? error->message : NULL);
}

/* "speed 1200 rpm" from {"speed":1200.0}: what an operator reads. */
static char *
describe_sent_arguments (const MimicAssetCommand *description,
                         const char              *arguments_json)
{
  g_autoptr(JsonNode) root = arguments_json != NULL ? json_from_string (arguments_json, NULL) : NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (arguments_json != NULL ? arguments_json : "");

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const MimicAssetArgument *argument =
        description != NULL ? mimic_asset_command_get_argument (description, l->data) : NULL;
      JsonNode *node = json_object_get_member (object, l->data);
      g_autofree char *value = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) &&
          (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64))
        value = mimic_prediction_format_value (json_node_get_double (node), argument != NULL ? argument->unit : NULL);
      else
        value = json_to_string (node, FALSE);

      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%s %s", argument != NULL ? argument->title : (const char *) l->data, value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
create_command_row (gpointer item,
                    gpointer user_data)
{
  MimicCommandPanel *self = user_data;
  MimicCommand *command = item;
  const MimicAssetCommand *description =
    self->asset != NULL ? mimic_asset_get_command (self->asset, mimic_command_get_name (command)) : NULL;
  const char *arguments = mimic_command_get_arguments_json (command);
  g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (mimic_command_get_created_time (command) / G_USEC_PER_SEC);
  g_autofree char *time_text = created != NULL ? g_date_time_format (created, "%H:%M:%S") : g_strdup ("");
  g_autofree char *title = NULL;
  g_autofree char *shown_arguments = NULL;
  GtkWidget *row_box, *text_box, *title_label, *reason_label, *state_label, *withdraw_button;

  shown_arguments = describe_sent_arguments (description, arguments);
  title = g_strdup_printf ("%s %s%s%s", time_text,
                           description != NULL ? description->title : mimic_command_get_name (command),
                           *shown_arguments != '\0' ? "  " : "", shown_arguments);

  row_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_margin_start (row_box, 6);
  gtk_widget_set_margin_end (row_box, 6);
  gtk_widget_set_margin_top (row_box, 3);
  gtk_widget_set_margin_bottom (row_box, 3);
  text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (text_box, TRUE);
  title_label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (title_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title_label, "numeric");
  gtk_box_append (GTK_BOX (text_box), title_label);
  reason_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (reason_label), 0);
  gtk_label_set_wrap (GTK_LABEL (reason_label), TRUE);
  gtk_widget_add_css_class (reason_label, "caption");
  gtk_box_append (GTK_BOX (text_box), reason_label);
  gtk_box_append (GTK_BOX (row_box), text_box);
  state_label = gtk_label_new (NULL);
  gtk_widget_set_valign (state_label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (state_label, "command-state");
  gtk_box_append (GTK_BOX (row_box), state_label);
  /* Withdrawing is possible until the device answers. */
  withdraw_button = gtk_button_new_from_icon_name ("process-stop-symbolic");
  gtk_widget_set_valign (withdraw_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (withdraw_button, "flat");
  gtk_widget_set_tooltip_text (withdraw_button, _("Withdraw this command"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (withdraw_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Withdraw this command"), -1);
  g_object_set_data_full (G_OBJECT (withdraw_button), "command", g_object_ref (command), g_object_unref);
  g_signal_connect_object (withdraw_button, "clicked", G_CALLBACK (on_withdraw_clicked), self, 0);
  gtk_box_append (GTK_BOX (row_box), withdraw_button);
  g_object_set_data (G_OBJECT (row_box), "withdraw-button", withdraw_button);

  g_object_set_data (G_OBJECT (row_box), "state-label", state_label);
  g_object_set_data (G_OBJECT (row_box), "reason-label", reason_label);
  g_signal_connect_object (command, "notify::state", G_CALLBACK (update_command_row), row_box, 0);
  g_signal_connect_object (command, "notify::reason", G_CALLBACK (update_command_row), row_box, 0);
  update_command_row (command, NULL, row_box);

  return row_box;
}

static gboolean
command_is_for_device (gpointer item,
                       gpointer user_data)
{
  MimicCommandPanel *self = user_data;

  return self->device_id != NULL &&
         g_strcmp0 (mimic_command_get_device_id (MIMIC_COMMAND (item)), self->device_id) == 0;
}

void
mimic_command_panel_set_manager (MimicCommandPanel   *self,
                                 MimicCommandManager *manager)
{
  g_return_if_fail (MIMIC_IS_COMMAND_PANEL (self));
  g_return_if_fail (manager == NULL || MIMIC_IS_COMMAND_MANAGER (manager));

  if (self->manager == manager)
    return;

  mimic_command_panel_cancel_review (self);
  g_set_object (&self->manager, manager);
  gtk_filter_list_model_set_model (self->device_commands,
                                   manager != NULL ? mimic_command_manager_get_commands (manager) : NULL);
  update_sensitivity (self);
}

MimicCommandManager *
mimic_command_panel_get_manager (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), NULL);

  return self->manager;
}

void
mimic_command_panel_set_device (MimicCommandPanel *self,
                                MimicAsset        *asset,
                                MimicTwinDevice   *device,
                                MimicModel        *model)
{
  g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);

  g_return_if_fail (MIMIC_IS_COMMAND_PANEL (self));
  g_return_if_fail (asset == NULL || MIMIC_IS_ASSET (asset));
  g_return_if_fail (device == NULL || MIMIC_IS_TWIN_DEVICE (device));
  g_return_if_fail (model == NULL || MIMIC_IS_MODEL (model));

  /* Told again about the device it shows: a half-filled form stays. */
  if (asset == self->asset && device == self->device && model == self->model)
    return;

  clear_form (self);
  set_error (self, NULL);
  g_set_object (&self->asset, asset);
  g_set_object (&self->device, device);
  g_set_object (&self->model, model);
  g_free (self->device_id);
  self->device_id = device != NULL ? g_strdup (mimic_twin_device_get_id (device)) : NULL;

  g_ptr_array_set_size (self->commands, 0);
  if (asset != NULL)
    {
      GPtrArray *commands = mimic_asset_get_commands (asset);

      for (guint i = 0; i < commands->len; i++)
        {
          const MimicAssetCommand *command = g_ptr_array_index (commands, i);

          g_ptr_array_add (self->commands, (gpointer) command);
          gtk_string_list_append (titles, command->title);
        }
    }

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  /* Setting the model selects the first command and builds its form. */
  gtk_drop_down_set_model (self->command_dropdown, G_LIST_MODEL (titles));
  if (self->commands->len > 0 && self->command == NULL)
    build_form (self, g_ptr_array_index (self->commands, 0));
  update_sensitivity (self);
}

gboolean
mimic_command_panel_get_view_only (MimicCommandPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND_PANEL (self), FALSE);

  return self->view_only;
}

void
mimic_command_panel_set_view_only (MimicCommandPanel *self,
                                   gboolean           view_only)
{
  g_return_if_fail (MIMIC_IS_COMMAND_PANEL (self));

  view_only = !!view_only;
  if (self->view_only == view_only)
    return;

  self->view_only = view_only;
  if (view_only)
    mimic_command_panel_cancel_review (self);
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW_ONLY]);
}

static void
mimic_command_panel_dispose (GObject *object)
{
  MimicCommandPanel *self = MIMIC_COMMAND_PANEL (object);

  if (self->confirm_revealer != NULL)
    mimic_command_panel_cancel_review (self);
  if (self->command_list != NULL)
    gtk_list_box_bind_model (self->command_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_COMMAND_PANEL);
  g_clear_object (&self->device_commands);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (mimic_command_panel_parent_class)->dispose (object);
}

static void
mimic_command_panel_finalize (GObject *object)
{
  MimicCommandPanel *self = MIMIC_COMMAND_PANEL (object);

  g_clear_pointer (&self->fields, g_ptr_array_unref);
  g_clear_pointer (&self->commands, g_ptr_array_unref);
  g_clear_object (&self->asset);
  g_clear_object (&self->device);
  g_clear_object (&self->model);
  g_free (self->device_id);
  g_free (self->error);

  G_OBJECT_CLASS (mimic_command_panel_parent_class)->finalize (object);
}

static void
mimic_command_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  MimicCommandPanel *self = MIMIC_COMMAND_PANEL (object);

  switch (prop_id)
    {
    case PROP_VIEW_ONLY:
      g_value_set_boolean (value, self->view_only);
      break;
    case PROP_CONFIRMING:
      g_value_set_boolean (value, self->confirming);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_command_panel_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  MimicCommandPanel *self = MIMIC_COMMAND_PANEL (object);

  switch (prop_id)
    {
    case PROP_VIEW_ONLY:
      mimic_command_panel_set_view_only (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_command_panel_class_init (MimicCommandPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimic_command_panel_dispose;
  object_class->finalize = mimic_command_panel_finalize;
  object_class->get_property = mimic_command_panel_get_property;
  object_class->set_property = mimic_command_panel_set_property;

  properties[PROP_VIEW_ONLY] =
    g_param_spec_boolean ("view-only", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIRMING] =
    g_param_spec_boolean ("confirming", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A command sent from this panel changed state: the window colours
   * @node_path (may be NULL) of the 3D model by it. */
  signals[COMMAND_STATE_CHANGED] =
    g_signal_new ("command-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  MIMIC_TYPE_COMMAND, G_TYPE_STRING, MIMIC_TYPE_COMMAND_STATE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-command-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, view_only_revealer);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, form_box);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, command_dropdown);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, description_label);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, field_grid);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, review_button);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, confirm_revealer);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, confirm_title);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, confirm_label);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, countdown_label);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, select_button);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, send_button);
  gtk_widget_class_bind_template_child (widget_class, MimicCommandPanel, command_list);
  gtk_widget_class_bind_template_callback (widget_class, on_command_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_review_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_select_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked);
}

static void
mimic_command_panel_init (MimicCommandPanel *self)
{
  GtkWidget *placeholder;

  self->commands = g_ptr_array_new ();
  self->fields = g_ptr_array_new_with_free_func (command_field_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter = gtk_custom_filter_new (command_is_for_device, self, NULL);
  self->device_commands = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  gtk_list_box_bind_model (self->command_list, G_LIST_MODEL (self->device_commands),
                           create_command_row, self, NULL);
  placeholder = gtk_label_new (_("No commands sent to this device yet."));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 6);
  gtk_widget_set_margin_bottom (placeholder, 6);
  gtk_list_box_set_placeholder (self->command_list, placeholder);

  update_sensitivity (self);
}

GtkWidget *
mimic_command_panel_new (void)
{
  return g_object_new (MIMIC_TYPE_COMMAND_PANEL, NULL);
}
