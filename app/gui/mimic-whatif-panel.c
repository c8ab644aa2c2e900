/* mimic-whatif-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-whatif-panel"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-prediction.h"
#include "mimic-whatif-panel.h"

#define DAY 86400.0

static const double horizons[] = { 3600.0, DAY, 7 * DAY, 30 * DAY, 90 * DAY };

typedef struct
{
  const MimicAssetParameter *parameter;   /* owned by the asset */
  GtkAdjustment             *adjustment;
  GtkWidget                 *scale;
  GtkWidget                 *live_label;
  double                     live;
} ParameterRow;

struct _MimicWhatifPanel
{
  GtkBox             parent_instance;

  GtkDropDown       *horizon_dropdown;
  GtkLabel          *empty_label;
  GtkBox            *parameter_box;
  GtkBox            *button_box;
  GtkButton         *reset_button;
  GtkToggleButton   *pin_button;
  GtkBox            *scenario_a_box;
  GtkLabel          *scenario_b_title;
  GtkLabel          *pinned_settings_label;
  GtkLabel          *pinned_summary_label;
  GtkLabel          *settings_label;
  GtkLabel          *summary_label;
  GtkLabel          *status_label;

  MimicAsset        *asset;
  MimicTwinDevice   *device;
  MimicModel        *model;
  GPtrArray         *rows;                /* ParameterRow */
  GtkSizeGroup      *unit_group;          /* the rows' unit labels */

  MimicWhatif       *engine;
  GCancellable      *cancellable;
  guint64            expected_serial;     /* of the newest request; 0: none wanted */
  gboolean           updating;            /* several sliders move as one change */

  MimicWhatifResult *result;
  char              *summary;
  MimicWhatifResult *pinned_result;
  char              *pinned_summary;
};

G_DEFINE_FINAL_TYPE (MimicWhatifPanel, mimic_whatif_panel, GTK_TYPE_BOX)

enum
{
  PROP_0,
  PROP_RESULT,
  PROP_PINNED_RESULT,
  PROP_HORIZON,
  PROP_MODIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  PREDICTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
parameter_row_free (gpointer data)
{
  ParameterRow *row = data;

  g_clear_object (&row->adjustment);
  g_free (row);
}

static ParameterRow *
find_row (MimicWhatifPanel *self,
          const char       *parameter_id)
{
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    {
      ParameterRow *row = g_ptr_array_index (self->rows, i);

      if (g_strcmp0 (row->parameter->id, parameter_id) == 0)
        return row;
    }
  return NULL;
}

/* A slider "differs from live" by more than half a step: the spin button
 * rounds to its step, and that rounding is not a change of scenario. */
static gboolean
row_is_modified (ParameterRow *row)
{
  double step = row->parameter->whatif_step > 0 ? row->parameter->whatif_step : 1e-9;

  return fabs (gtk_adjustment_get_value (row->adjustment) - row->live) > step / 2;
}

gboolean
mimic_whatif_panel_get_modified (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), FALSE);

  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    if (row_is_modified (g_ptr_array_index (self->rows, i)))
      return TRUE;
  return FALSE;
}

static int
digits_for_step (double step)
{
  if (step <= 0 || step >= 1)
    return 0;
  return (int) CLAMP (ceil (-log10 (step) - 1e-9), 0, 6);
}

static char *
describe_settings (MimicWhatifPanel *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    {
      ParameterRow *row = g_ptr_array_index (self->rows, i);
      g_autofree char *value = NULL;

      if (!row_is_modified (row))
        continue;
      value = g_strdup_printf ("%.*f %s", digits_for_step (row->parameter->whatif_step),
                               gtk_adjustment_get_value (row->adjustment), row->parameter->unit);
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%s %s", row->parameter->title, value);
    }

  if (text->len == 0)
    return g_strdup (_("Live values"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
set_status (MimicWhatifPanel *self,
            const char       *message,
            gboolean          is_error)
{
  gtk_label_set_label (self->status_label, message != NULL ? message : "");
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
set_result (MimicWhatifPanel  *self,
            MimicWhatifResult *result)
{
  if (self->result == result)
    return;

  g_clear_pointer (&self->result, mimic_whatif_result_unref);
  g_clear_pointer (&self->summary, g_free);
  if (result != NULL)
    {
      self->result = mimic_whatif_result_ref (result);
      self->summary = mimic_prediction_format_summary (result, self->asset);
    }
  gtk_label_set_label (self->summary_label, self->summary != NULL ? self->summary : "");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
  g_signal_emit (self, signals[PREDICTION_CHANGED], 0, self->result);
}

static void
on_run_done (GObject      *source,
             GAsyncResult *async_result,
             gpointer      user_data)
{
  g_autoptr(MimicWhatifPanel) self = user_data;
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = mimic_whatif_run_finish (MIMIC_WHATIF (source), async_result, &error);
  if (result == NULL)
    {
      /* A newer run replaced this one, or the panel went away. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_CANCELLED))
        return;
      set_status (self, error->message, TRUE);
      return;
    }

  if (mimic_whatif_result_get_serial (result) != self->expected_serial)
    return;

  set_status (self, NULL, FALSE);
  set_result (self, result);
}

static void
run_prediction (MimicWhatifPanel *self)
{
  g_autoptr(MimicWhatifRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *settings = NULL;

  if (self->asset == NULL || self->model == NULL)
    return;

  request = mimic_prediction_request_new (self->asset, self->device, self->model,
                                          mimic_whatif_panel_get_horizon (self), &error);
  for (guint i = 0; request != NULL && i < self->rows->len; i++)
    {
      ParameterRow *row = g_ptr_array_index (self->rows, i);

      /* At the live value the prediction follows the readings, which is
       * what "live" means; only what the operator moved is overridden. */
      if (row_is_modified (row) &&
          !mimic_prediction_request_apply (request, row->parameter->id,
                                           gtk_adjustment_get_value (row->adjustment), &error))
        g_clear_pointer (&request, mimic_whatif_request_unref);
    }

  settings = describe_settings (self);
  gtk_label_set_label (self->settings_label, settings);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);

  if (request == NULL)
    {
      self->expected_serial = 0;
      set_status (self, error->message, TRUE);
      return;
    }

  self->expected_serial = mimic_whatif_request_get_serial (request);
  set_status (self, _("Predicting…"), FALSE);
  mimic_whatif_run_async (self->engine, request, self->cancellable, on_run_done, g_object_ref (self));
}

static void
on_value_changed (GtkAdjustment    *adjustment,
                  MimicWhatifPanel *self)
{
  if (!self->updating)
    run_prediction (self);
}

static void
update_live_label (ParameterRow *row,
                   gboolean      is_live)
{
  g_autofree char *value = mimic_prediction_format_value (row->live, row->parameter->unit);
  g_autofree char *text = NULL;

  if (is_live)
    /* TRANSLATORS: the device's current value of a what-if parameter */
    text = g_strdup_printf (_("live %s"), value);
  else
    text = g_strdup_printf (_("default %s"), value);
  gtk_label_set_label (GTK_LABEL (row->live_label), text);
}

/* A tick under the slider where the device is now, so the operator sees
 * how far a scenario moves from live without reading numbers. */
static void
mark_live_value (ParameterRow *row)
{
  gtk_scale_clear_marks (GTK_SCALE (row->scale));
  if (row->live >= row->parameter->whatif_minimum && row->live <= row->parameter->whatif_maximum)
    gtk_scale_add_mark (GTK_SCALE (row->scale), row->live, GTK_POS_BOTTOM, NULL);
}

/* Each parameter takes two lines: its name with the live value, then the
 * slider beside its number field and unit. The name gives way (ellipsized,
 * the description in the tooltip) before the slider does, so the panel
 * fits beside the device page at the default window width and the slider
 * keeps a length a pointer can work with. */
static void
add_parameter_row (MimicWhatifPanel          *self,
                   const MimicAssetParameter *parameter)
{
  ParameterRow *row = g_new0 (ParameterRow, 1);
  GtkWidget *box, *header, *title, *controls, *spin, *unit;
  gboolean is_live;
  double step = parameter->whatif_step > 0 ? parameter->whatif_step : 1;

  row->parameter = parameter;
  row->live = mimic_prediction_get_live_value (self->asset, self->device, self->model, parameter, &is_live);
  row->adjustment = g_object_ref_sink (gtk_adjustment_new (CLAMP (row->live, parameter->whatif_minimum,
                                                                  parameter->whatif_maximum),
                                                           parameter->whatif_minimum,
                                                           parameter->whatif_maximum,
                                                           step, step * 10, 0));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  title = gtk_label_new (parameter->title);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (header), title);
  row->live_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (row->live_label, "dim-label");
  gtk_widget_add_css_class (row->live_label, "numeric");
  update_live_label (row, is_live);
  gtk_box_append (GTK_BOX (header), row->live_label);
  gtk_box_append (GTK_BOX (box), header);

  controls = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  row->scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, row->adjustment);
  gtk_scale_set_draw_value (GTK_SCALE (row->scale), FALSE);
  gtk_widget_set_hexpand (row->scale, TRUE);
  gtk_widget_set_size_request (row->scale, MIMIC_WHATIF_PANEL_MIN_SLIDER_WIDTH, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, parameter->title, -1);
  mark_live_value (row);
  gtk_box_append (GTK_BOX (controls), row->scale);

  spin = gtk_spin_button_new (row->adjustment, step, (guint) digits_for_step (step));
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 5);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, parameter->title, -1);
  gtk_box_append (GTK_BOX (controls), spin);

  /* As wide as the widest unit of the panel, so the fields line up. */
  unit = gtk_label_new (parameter->unit);
  gtk_label_set_xalign (GTK_LABEL (unit), 0);
  gtk_widget_add_css_class (unit, "dim-label");
  gtk_size_group_add_widget (self->unit_group, unit);
  gtk_box_append (GTK_BOX (controls), unit);
  gtk_box_append (GTK_BOX (box), controls);

  if (parameter->description != NULL)
    gtk_widget_set_tooltip_text (box, parameter->description);
  else
    gtk_widget_set_tooltip_text (box, parameter->title);

  g_signal_connect_object (row->adjustment, "value-changed", G_CALLBACK (on_value_changed), self, 0);
  gtk_box_append (self->parameter_box, box);
  g_ptr_array_add (self->rows, row);
}

static void
clear_rows (MimicWhatifPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->parameter_box))) != NULL)
    gtk_box_remove (self->parameter_box, child);
  if (self->rows != NULL)
    g_ptr_array_set_size (self->rows, 0);
}

static void
update_sensitivity (MimicWhatifPanel *self)
{
  gboolean has_device = self->asset != NULL && self->model != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), !has_device || self->rows->len == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->button_box), has_device);
  gtk_widget_set_sensitive (GTK_WIDGET (self->horizon_dropdown), has_device);
}

void
mimic_whatif_panel_set_device (MimicWhatifPanel *self,
                               MimicAsset       *asset,
                               MimicTwinDevice  *device,
                               MimicModel       *model)
{
  GPtrArray *parameters;

  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));
  g_return_if_fail (asset == NULL || MIMIC_IS_ASSET (asset));
  g_return_if_fail (device == NULL || MIMIC_IS_TWIN_DEVICE (device));
  g_return_if_fail (model == NULL || MIMIC_IS_MODEL (model));

  /* Told again about the device it shows: the operator's sliders stay. */
  if (asset == self->asset && device == self->device && model == self->model)
    return;

  mimic_whatif_panel_unpin_scenario (self);
  clear_rows (self);
  g_set_object (&self->asset, asset);
  g_set_object (&self->device, device);
  g_set_object (&self->model, model);
  self->expected_serial = 0;
  set_status (self, NULL, FALSE);
  gtk_label_set_label (self->settings_label, "");
  set_result (self, NULL);

  if (asset != NULL && model != NULL)
    {
      parameters = mimic_asset_get_parameters (asset);
      self->updating = TRUE;
      for (guint i = 0; i < parameters->len; i++)
        {
          const MimicAssetParameter *parameter = g_ptr_array_index (parameters, i);

          if (parameter->has_whatif)
            add_parameter_row (self, parameter);
        }
      self->updating = FALSE;
    }

  update_sensitivity (self);
  run_prediction (self);
}

MimicAsset *
mimic_whatif_panel_get_asset (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  return self->asset;
}

gboolean
mimic_whatif_panel_set_value (MimicWhatifPanel  *self,
                              const char        *parameter_id,
                              double             value,
                              GError           **error)
{
  ParameterRow *row;

  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), FALSE);

  row = find_row (self, parameter_id);
  if (row == NULL)
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME,
                   _("There is no what-if parameter “%s”"), parameter_id != NULL ? parameter_id : "");
      return FALSE;
    }
  if (!isfinite (value))
    {
      g_set_error (error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_NOT_FINITE,
                   _("%s must be a finite number"), row->parameter->title);
      return FALSE;
    }

  gtk_adjustment_set_value (row->adjustment, value);
  return TRUE;
}

double
mimic_whatif_panel_get_value (MimicWhatifPanel *self,
                              const char       *parameter_id)
{
  ParameterRow *row;

  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NAN);

  row = find_row (self, parameter_id);
  return row != NULL ? gtk_adjustment_get_value (row->adjustment) : NAN;
}

GtkWidget *
mimic_whatif_panel_get_scale (MimicWhatifPanel *self,
                              const char       *parameter_id)
{
  ParameterRow *row;

  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  row = find_row (self, parameter_id);
  return row != NULL ? row->scale : NULL;
}

void
mimic_whatif_panel_reset_to_live (MimicWhatifPanel *self)
{
  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));

  /* The live values may have moved since the sliders were built. */
  self->updating = TRUE;
  for (guint i = 0; i < self->rows->len; i++)
    {
      ParameterRow *row = g_ptr_array_index (self->rows, i);
      gboolean is_live;

      row->live = mimic_prediction_get_live_value (self->asset, self->device, self->model,
                                                   row->parameter, &is_live);
      update_live_label (row, is_live);
      mark_live_value (row);
      gtk_adjustment_set_value (row->adjustment, row->live);
    }
  self->updating = FALSE;

  run_prediction (self);
}

double
mimic_whatif_panel_get_horizon (MimicWhatifPanel *self)
{
  guint selected;

  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), MIMIC_WHATIF_PANEL_DEFAULT_HORIZON);

  selected = gtk_drop_down_get_selected (self->horizon_dropdown);
  if (selected >= G_N_ELEMENTS (horizons))
    return MIMIC_WHATIF_PANEL_DEFAULT_HORIZON;
  return horizons[selected];
}

void
mimic_whatif_panel_set_horizon (MimicWhatifPanel *self,
                                double            seconds)
{
  guint best = 0;

  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));

  for (guint i = 1; i < G_N_ELEMENTS (horizons); i++)
    if (fabs (log (horizons[i] / seconds)) < fabs (log (horizons[best] / seconds)))
      best = i;
  if (!(seconds > 0) || !isfinite (seconds))
    best = G_N_ELEMENTS (horizons) - 2;

  /* The drop-down notifies only on change, and the handler re-runs. */
  gtk_drop_down_set_selected (self->horizon_dropdown, best);
}

void
mimic_whatif_panel_refresh (MimicWhatifPanel *self)
{
  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));

  run_prediction (self);
}

MimicWhatifResult *
mimic_whatif_panel_get_result (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  return self->result;
}

MimicWhatifResult *
mimic_whatif_panel_get_pinned_result (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  return self->pinned_result;
}

const char *
mimic_whatif_panel_get_summary (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  return self->summary;
}

const char *
mimic_whatif_panel_get_pinned_summary (MimicWhatifPanel *self)
{
  g_return_val_if_fail (MIMIC_IS_WHATIF_PANEL (self), NULL);

  return self->pinned_summary;
}

void
mimic_whatif_panel_pin_scenario (MimicWhatifPanel *self)
{
  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));

  if (self->result == NULL || self->pinned_result == self->result)
    {
      gtk_toggle_button_set_active (self->pin_button, self->pinned_result != NULL);
      return;
    }

  g_clear_pointer (&self->pinned_result, mimic_whatif_result_unref);
  g_clear_pointer (&self->pinned_summary, g_free);
  self->pinned_result = mimic_whatif_result_ref (self->result);
  self->pinned_summary = g_strdup (self->summary);
  gtk_label_set_label (self->pinned_summary_label, self->pinned_summary);
  gtk_label_set_label (self->pinned_settings_label, gtk_label_get_label (self->settings_label));
  gtk_widget_set_visible (GTK_WIDGET (self->scenario_a_box), TRUE);
  gtk_label_set_label (self->scenario_b_title, _("Scenario B"));
  gtk_toggle_button_set_active (self->pin_button, TRUE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_RESULT]);
}

void
mimic_whatif_panel_unpin_scenario (MimicWhatifPanel *self)
{
  g_return_if_fail (MIMIC_IS_WHATIF_PANEL (self));

  gtk_toggle_button_set_active (self->pin_button, FALSE);
  if (self->pinned_result == NULL)
    return;

  g_clear_pointer (&self->pinned_result, mimic_whatif_result_unref);
  g_clear_pointer (&self->pinned_summary, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->scenario_a_box), FALSE);
  gtk_label_set_label (self->scenario_b_title, _("Prediction"));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_RESULT]);
}

static void
on_pin_toggled (GtkToggleButton  *button,
                MimicWhatifPanel *self)
{
  if (gtk_toggle_button_get_active (button))
    mimic_whatif_panel_pin_scenario (self);
  else
    mimic_whatif_panel_unpin_scenario (self);
}

static void
on_reset_clicked (GtkButton        *button,
                  MimicWhatifPanel *self)
{
  mimic_whatif_panel_reset_to_live (self);
}

static void
on_horizon_selected (GtkDropDown      *dropdown,
                     GParamSpec       *pspec,
                     MimicWhatifPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HORIZON]);
  run_prediction (self);
}

static void
mimic_whatif_panel_dispose (GObject *object)
{
  MimicWhatifPanel *self = MIMIC_WHATIF_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->parameter_box != NULL)
    clear_rows (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_WHATIF_PANEL);

  G_OBJECT_CLASS (mimic_whatif_panel_parent_class)->dispose (object);
}

static void
mimic_whatif_panel_finalize (GObject *object)
{
  MimicWhatifPanel *self = MIMIC_WHATIF_PANEL (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->unit_group);
  g_clear_object (&self->asset);
  g_clear_object (&self->device);
  g_clear_object (&self->model);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->result, mimic_whatif_result_unref);
  g_clear_pointer (&self->pinned_result, mimic_whatif_result_unref);
  g_free (self->summary);
  g_free (self->pinned_summary);

  G_OBJECT_CLASS (mimic_whatif_panel_parent_class)->finalize (object);
}

static void
mimic_whatif_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  MimicWhatifPanel *self = MIMIC_WHATIF_PANEL (object);

  switch (prop_id)
    {
    case PROP_RESULT:
      g_value_set_boxed (value, self->result);
      break;
    case PROP_PINNED_RESULT:
      g_value_set_boxed (value, self->pinned_result);
      break;
    case PROP_HORIZON:
      g_value_set_double (value, mimic_whatif_panel_get_horizon (self));
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, mimic_whatif_panel_get_modified (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_whatif_panel_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MimicWhatifPanel *self = MIMIC_WHATIF_PANEL (object);

  switch (prop_id)
    {
    case PROP_HORIZON:
      mimic_whatif_panel_set_horizon (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_whatif_panel_class_init (MimicWhatifPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimic_whatif_panel_dispose;
  object_class->finalize = mimic_whatif_panel_finalize;
  object_class->get_property = mimic_whatif_panel_get_property;
  object_class->set_property = mimic_whatif_panel_set_property;

  properties[PROP_RESULT] =
    g_param_spec_boxed ("result", NULL, NULL, MIMIC_TYPE_WHATIF_RESULT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PINNED_RESULT] =
    g_param_spec_boxed ("pinned-result", NULL, NULL, MIMIC_TYPE_WHATIF_RESULT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HORIZON] =
    g_param_spec_double ("horizon", NULL, NULL, 0, G_MAXDOUBLE, MIMIC_WHATIF_PANEL_DEFAULT_HORIZON,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted for every new prediction (NULL when the device is cleared), so
   * the window can redraw the chart's prediction series and the predicted
   * state of the 3D model while a slider moves. */
  signals[PREDICTION_CHANGED] =
    g_signal_new ("prediction-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  MIMIC_TYPE_WHATIF_RESULT | G_SIGNAL_TYPE_STATIC_SCOPE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-whatif-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, horizon_dropdown);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, parameter_box);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, button_box);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, reset_button);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, pin_button);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, scenario_a_box);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, scenario_b_title);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, pinned_settings_label);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, pinned_summary_label);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, settings_label);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, MimicWhatifPanel, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_horizon_selected);
}

static void
mimic_whatif_panel_init (MimicWhatifPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new_with_free_func (parameter_row_free);
  self->unit_group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  self->engine = mimic_whatif_new ();
  self->cancellable = g_cancellable_new ();
  update_sensitivity (self);
}

GtkWidget *
mimic_whatif_panel_new (void)
{
  return g_object_new (MIMIC_TYPE_WHATIF_PANEL, NULL);
}
