/* mimic-device-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-device-page"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-chart-series.h"
#include "mimic-command-panel.h"
#include "mimic-device-page.h"
#include "mimic-prediction.h"
#include "mimic-scene-view.h"
#include "mimic-schematic-view.h"
#include "mimic-trend-chart.h"
#include "mimic-whatif-panel.h"

/* Expected values kept per sensor, like the twin keeps actual ones. */
#define EXPECTED_HISTORY_CAPACITY 4096

/* The chart's time spans, in the span dropdown's order. The chart shows as
 * much future as past: the prediction runs to the right of now, and a
 * long look back is when the operator wants a long look ahead. */
typedef struct
{
  const char *id;         /* as in the "trend-span" setting */
  gint64      span_s;
} TrendSpan;

static const TrendSpan trend_spans[] = {
  { "10min", 10 * 60 },
  { "1h", 3600 },
  { "8h", 8 * 3600 },
  { "24h", 24 * 3600 },
  { "7d", 7 * 86400 },
  { "30d", 30 * 86400 },
};

struct _MimicDevicePage
{
  GtkWidget           parent_instance;

  MimicConsole       *console;
  MimicTwinDevice    *device;
  MimicAsset         *asset;
  /* The asset's default model, for the side panels until the twin
   * runtime has the device's calibrated one. */
  MimicModel         *default_model;
  MimicModel         *panel_model;       /* the one the side panels have */

  /* Wide layout: scene and schematic side by side, the trends below. */
  gboolean            wide;
  GtkWidget          *wide_paned;        /* owned; in the tree only when wide */
  GtkWidget          *wide_top_paned;
  GtkWidget          *trends_page;       /* the trends page's child */
  GHashTable         *expected;          /* sensor id → MimicHistory */
  GCancellable       *load_cancellable;
  char               *device_id;
  char               *selected_sensor;
  GtkStringList      *sensor_ids;
  guint               tick_id;
  guint64             n_updates;
  gboolean            showing_values;   /* the last push had a reading */
  gboolean            view_only;
  gboolean            syncing_selection;

  MimicChartSeries   *actual_series;
  MimicChartSeries   *expected_series;

  GtkWidget          *whatif_panel;
  GtkWidget          *command_panel;

  /* What-if predictions on the chart and the 3D model, sent commands on
   * the part they concern */
  MimicChartSeries   *prediction_series;
  MimicChartSeries   *pinned_prediction_series;
  GtkWidget          *predicted_toggle;
  GHashTable         *command_marks;     /* node path → CommandMark */

  /* Template children */
  GtkWidget          *content;
  GtkLabel           *title_label;
  GtkLabel           *subtitle_label;
  GtkStack           *view_stack;
  MimicSceneView     *scene_view;
  MimicSchematicView *schematic_view;
  MimicTrendChart    *trend_chart;
  GtkDropDown        *sensor_dropdown;
  GtkLabel           *residual_label;
  GtkDropDown        *span_dropdown;
  GtkBox             *whatif_slot;
  GtkBox             *commands_slot;
};

G_DEFINE_FINAL_TYPE (MimicDevicePage, mimic_device_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TREND_SPAN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The device's calibrated model from the twin runtime, or the asset's
 * default one until the runtime has it. */
static MimicModel *
side_panel_model (MimicDevicePage *self)
{
  MimicTwinRuntime *runtime = self->console != NULL ? mimic_console_get_twin_runtime (self->console) : NULL;
  MimicModel *calibrated = NULL;

  if (runtime != NULL && self->device != NULL && self->device_id != NULL)
    calibrated = mimic_twin_runtime_get_model (runtime, self->device_id);
  return calibrated != NULL ? calibrated : self->default_model;
}

/* The one place the side panels are told about the device. */
static void
update_side_panels (MimicDevicePage *self)
{
  MimicModel *model = side_panel_model (self);
  MimicCommandManager *manager = self->console != NULL ? mimic_console_get_command_manager (self->console) : NULL;

  g_set_object (&self->panel_model, model);
  mimic_whatif_panel_set_device (MIMIC_WHATIF_PANEL (self->whatif_panel), self->asset, self->device, model);
  mimic_command_panel_set_manager (MIMIC_COMMAND_PANEL (self->command_panel), manager);
  mimic_command_panel_set_device (MIMIC_COMMAND_PANEL (self->command_panel), self->asset, self->device, model);
  mimic_command_panel_set_view_only (MIMIC_COMMAND_PANEL (self->command_panel), self->view_only);
}

static MimicDisplayState
display_state_for_priority (MimicAlarmPriority priority)
{
  switch (priority)
    {
    case MIMIC_ALARM_PRIORITY_LOW: return MIMIC_DISPLAY_STATE_ALARM_LOW;
    case MIMIC_ALARM_PRIORITY_MEDIUM: return MIMIC_DISPLAY_STATE_ALARM_MEDIUM;
    case MIMIC_ALARM_PRIORITY_HIGH: return MIMIC_DISPLAY_STATE_ALARM_HIGH;
    case MIMIC_ALARM_PRIORITY_CRITICAL:
    default: return MIMIC_DISPLAY_STATE_ALARM_URGENT;
    }
}

static MimicDisplayState
sensor_display_state (MimicDevicePage           *self,
                      const MimicAssetSensor    *sensor,
                      const MimicSensorReading  *reading)
{
  MimicAlarmManager *alarms = mimic_console_get_alarms (self->console);
  guint worst = 0;

  if (reading->quality != MIMIC_QUALITY_GOOD || !isfinite (reading->value))
    return MIMIC_DISPLAY_STATE_STALE;

  for (guint c = 0; c < MIMIC_N_ALARM_CONDITIONS; c++)
    {
      MimicAlarm *alarm = mimic_alarm_manager_lookup (alarms, self->device_id, sensor->id, c);

      if (alarm != NULL && mimic_alarm_is_standing (alarm))
        worst = MAX (worst, (guint) mimic_alarm_get_priority (alarm));
    }
  if (worst > 0)
    return display_state_for_priority (worst);

  if (sensor->has_normal && (reading->value < sensor->normal_low || reading->value > sensor->normal_high))
    return MIMIC_DISPLAY_STATE_ABNORMAL;
  return MIMIC_DISPLAY_STATE_NORMAL;
}

/* The calibrated model's expected value of a sensor it predicts (not of a
 * measured condition that drives it). */
static gboolean
get_expectation (MimicDevicePage      *self,
                 const char           *sensor_id,
                 MimicTwinExpectation *out)
{
  MimicTwinRuntime *runtime = self->console != NULL ? mimic_console_get_twin_runtime (self->console) : NULL;

  return runtime != NULL && self->device_id != NULL &&
         mimic_twin_runtime_get_expectation (runtime, self->device_id, sensor_id, out) &&
         !out->drives_input && isfinite (out->expected);
}

static void
update_residual_label (MimicDevicePage *self)
{
  MimicSensorReading reading;
  MimicTwinExpectation expectation;
  const MimicAssetSensor *sensor;

  if (self->selected_sensor == NULL || self->device == NULL || self->asset == NULL ||
      (sensor = mimic_asset_get_sensor (self->asset, self->selected_sensor)) == NULL ||
      !mimic_twin_device_get_sensor (self->device, self->selected_sensor, &reading))
    {
      gtk_label_set_label (self->residual_label, "");
      return;
    }

  if (get_expectation (self, self->selected_sensor, &expectation))
    {
      g_autofree char *text =
        g_strdup_printf (_("Actual %.4g %s · expected %.4g · residual %+.3g"),
                         reading.value, sensor->unit != NULL ? sensor->unit : "",
                         expectation.expected, reading.value - expectation.expected);
      gtk_label_set_label (self->residual_label, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Actual %.4g %s"), reading.value,
                                               sensor->unit != NULL ? sensor->unit : "");
      gtk_label_set_label (self->residual_label, text);
    }
}

typedef struct
{
  MimicDevicePage   *page;
  char              *node_path;
  MimicDisplayState  state;
  guint              timeout_id;
} CommandMark;

static void
command_mark_free (CommandMark *mark)
{
  g_clear_handle_id (&mark->timeout_id, g_source_remove);
  g_free (mark->node_path);
  g_free (mark);
}

/* What the 3D model shows for @sensor's part. The scene derives a part's
 * colour from the states given with set_sensor_value(), so the predicted
 * state and a command's state go in through that same call rather than
 * set_node_state(), which the next live update would overwrite: the live
 * colouring and these never fight over the part. */
static MimicDisplayState
scene_state_for (MimicDevicePage        *self,
                 const MimicAssetSensor *sensor,
                 MimicDisplayState       live_state)
{
  MimicDisplayState state = live_state;
  CommandMark *mark;

  if (self->predicted_toggle != NULL &&
      gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->predicted_toggle)) &&
      self->whatif_panel != NULL)
    {
      MimicWhatifResult *result = mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (self->whatif_panel));

      if (result != NULL)
        {
          MimicDisplayState predicted =
            mimic_prediction_get_sensor_state (result, self->asset, sensor->id,
                                               mimic_whatif_result_get_horizon (result));

          /* A sensor the model does not predict keeps its live state. */
          if (predicted != MIMIC_DISPLAY_STATE_STALE)
            state = predicted;
        }
    }

  /* A command's state shows unless the part is in a worse alarm: a
   * pending command must not hide a high alarm. */
  mark = g_hash_table_lookup (self->command_marks, sensor->node_path);
  if (mark != NULL && (state < mark->state || state == MIMIC_DISPLAY_STATE_STALE))
    state = mark->state;
  return state;
}

/* Pushes every sensor's value and state into the views: once per frame,
 * however many batches arrived since the last one. */
static gboolean
apply_updates (GtkWidget     *widget,
               GdkFrameClock *frame_clock,
               gpointer       user_data)
{
  MimicDevicePage *self = MIMIC_DEVICE_PAGE (widget);
  GPtrArray *sensors;
  gint64 newest = 0;

  self->tick_id = 0;
  if (self->device == NULL || self->asset == NULL)
    return G_SOURCE_REMOVE;

  sensors = mimic_asset_get_sensors (self->asset);
  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);
      MimicSensorReading reading;
      MimicDisplayState state;

      if (!mimic_twin_device_get_sensor (self->device, sensor->id, &reading))
        continue;
      state = sensor_display_state (self, sensor, &reading);
      newest = MAX (newest, reading.timestamp_us);
      if (sensor->node_path != NULL)
        mimic_scene_view_set_sensor_value (self->scene_view, sensor->id, reading.value,
                                           scene_state_for (self, sensor, state));
      if (sensor->svg_id != NULL)
        mimic_schematic_view_set_sensor_value (self->schematic_view, sensor->id, reading.value, state);
    }

  /* The chart follows the data's clock: a simulator running faster than
   * real time, or a replay, shows its own "now". */
  if (newest > 0)
    mimic_trend_chart_set_now (self->trend_chart, newest);
  if (self->actual_series != NULL)
    mimic_chart_series_invalidate (self->actual_series);
  if (self->expected_series != NULL)
    mimic_chart_series_invalidate (self->expected_series);
  update_residual_label (self);

  self->showing_values = newest > 0;
  self->n_updates++;
  return G_SOURCE_REMOVE;
}

static void
queue_apply (MimicDevicePage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), apply_updates, NULL, NULL);
}

static const GdkRGBA prediction_colour = { 0.45, 0.85, 0.55, 1.0 };
static const GdkRGBA pinned_prediction_colour = { 0.85, 0.55, 0.95, 1.0 };

/* @result's trajectory of @sensor as a prediction series; its times count
 * from @start_us. NULL when the model does not predict the sensor. */
static MimicChartSeries *
prediction_series_new (MimicWhatifResult      *result,
                       const MimicAssetSensor *sensor,
                       gint64                  start_us,
                       const char             *label,
                       const GdkRGBA          *colour)
{
  const double *times = mimic_whatif_result_get_times (result);
  const double *values = mimic_whatif_result_get_trajectory (result, sensor->id);
  guint n_points = mimic_whatif_result_get_n_points (result);
  g_autoptr(GArray) buckets = NULL;
  MimicChartSeries *series;

  if (times == NULL || values == NULL || n_points == 0)
    return NULL;

  buckets = g_array_sized_new (FALSE, FALSE, sizeof (MimicHistoryBucket), n_points);
  for (guint i = 0; i < n_points; i++)
    {
      MimicHistoryBucket bucket = { 0 };

      if (!isfinite (times[i]) || !isfinite (values[i]))
        continue;
      bucket.start_us = start_us + (gint64) (times[i] * G_USEC_PER_SEC);
      bucket.min = bucket.max = bucket.mean = values[i];
      bucket.count = 1;
      g_array_append_val (buckets, bucket);
    }

  series = mimic_chart_series_new (MIMIC_CHART_SERIES_PREDICTION, label, sensor->unit, colour);
  mimic_chart_series_set_buckets (series, (const MimicHistoryBucket *) buckets->data, buckets->len);
  return series;
}

static void
remove_prediction_series (MimicDevicePage *self)
{
  if (self->prediction_series != NULL)
    mimic_trend_chart_remove_series (self->trend_chart, self->prediction_series);
  if (self->pinned_prediction_series != NULL)
    mimic_trend_chart_remove_series (self->trend_chart, self->pinned_prediction_series);
  g_clear_object (&self->prediction_series);
  g_clear_object (&self->pinned_prediction_series);
}

/* Puts the what-if panel's newest prediction (and the pinned scenario's)
 * of the chart's sensor on the chart and recolours the 3D model when it
 * shows the predicted state. Built anew for each result: a slider being
 * dragged gives a result per step, and each is a few hundred points. */
static void
update_prediction_views (MimicDevicePage *self)
{
  MimicWhatifResult *result;
  MimicWhatifResult *pinned;
  const MimicAssetSensor *sensor;
  gint64 start_us;

  remove_prediction_series (self);
  if (self->whatif_panel == NULL || self->asset == NULL || self->selected_sensor == NULL ||
      (sensor = mimic_asset_get_sensor (self->asset, self->selected_sensor)) == NULL)
    return;

  /* Predictions start from the newest readings: the chart's "now", which
   * follows the data's clock. */
  start_us = mimic_trend_chart_get_now (self->trend_chart);
  if (start_us <= 0)
    start_us = g_get_real_time ();

  result = mimic_whatif_panel_get_result (MIMIC_WHATIF_PANEL (self->whatif_panel));
  pinned = mimic_whatif_panel_get_pinned_result (MIMIC_WHATIF_PANEL (self->whatif_panel));
  if (result != NULL)
    self->prediction_series = prediction_series_new (result, sensor, start_us,
                                                     pinned != NULL ? _("Scenario B") : _("Prediction"),
                                                     &prediction_colour);
  if (pinned != NULL)
    self->pinned_prediction_series = prediction_series_new (pinned, sensor, start_us,
                                                            _("Scenario A (pinned)"),
                                                            &pinned_prediction_colour);
  if (self->prediction_series != NULL)
    mimic_trend_chart_add_series (self->trend_chart, self->prediction_series);
  if (self->pinned_prediction_series != NULL)
    mimic_trend_chart_add_series (self->trend_chart, self->pinned_prediction_series);

  queue_apply (self);
}

static void
on_prediction_changed (MimicWhatifPanel  *panel,
                       MimicWhatifResult *result,
                       MimicDevicePage   *self)
{
  update_prediction_views (self);
}

/* Pinning keeps the result, so it gives no "prediction-changed". */
static void
on_pinned_result_changed (MimicWhatifPanel *panel,
                          GParamSpec       *pspec,
                          MimicDevicePage  *self)
{
  update_prediction_views (self);
}

static void
on_show_predicted_toggled (GtkToggleButton *button,
                           MimicDevicePage *self)
{
  queue_apply (self);
}

static void
on_command_mark_expired (gpointer user_data)
{
  CommandMark *mark = user_data;
  MimicDevicePage *self = mark->page;

  mark->timeout_id = 0;
  g_hash_table_remove (self->command_marks, mark->node_path);
  queue_apply (self);
}

/* Pending: abnormal until the device answers; acknowledged or withdrawn:
 * back to the live state; refused or never answered: a medium alarm for
 * 10 s. Not "until the next reading": the feed updates several times a
 * second, and the operator would never see it. */
static void
on_command_state_changed (MimicCommandPanel *panel,
                          MimicCommand      *command,
                          const char        *node_path,
                          MimicCommandState  state,
                          MimicDevicePage   *self)
{
  CommandMark *mark;

  if (node_path == NULL)
    return;

  switch (state)
    {
    case MIMIC_COMMAND_STATE_VALIDATED:
    case MIMIC_COMMAND_STATE_SENT:
      mark = g_new0 (CommandMark, 1);
      mark->state = MIMIC_DISPLAY_STATE_ABNORMAL;
      break;
    case MIMIC_COMMAND_STATE_REJECTED:
    case MIMIC_COMMAND_STATE_TIMED_OUT:
    case MIMIC_COMMAND_STATE_EXPIRED:
      mark = g_new0 (CommandMark, 1);
      mark->state = MIMIC_DISPLAY_STATE_ALARM_MEDIUM;
      mark->timeout_id = g_timeout_add_once (10 * 1000, on_command_mark_expired, mark);
      break;
    case MIMIC_COMMAND_STATE_ACKNOWLEDGED:
    case MIMIC_COMMAND_STATE_CANCELLED:
    default:
      mark = NULL;
      break;
    }

  if (mark != NULL)
    {
      mark->page = self;
      mark->node_path = g_strdup (node_path);
      g_hash_table_replace (self->command_marks, g_strdup (node_path), mark);
    }
  else
    {
      g_hash_table_remove (self->command_marks, node_path);
    }
  queue_apply (self);
}

static MimicHistory *
expected_history (MimicDevicePage *self,
                  const char      *sensor_id)
{
  MimicHistory *history = g_hash_table_lookup (self->expected, sensor_id);

  if (history == NULL)
    {
      history = mimic_history_new (EXPECTED_HISTORY_CAPACITY);
      g_hash_table_insert (self->expected, g_strdup (sensor_id), history);
    }
  return history;
}

static void
on_sensors_changed (MimicTwinDevice    *device,
                    const char * const *sensor_ids,
                    MimicDevicePage    *self)
{
  /* The twin runtime judged these readings first (it listens from the
   * device's birth): keep its expected values for the chart. */
  for (guint i = 0; sensor_ids[i] != NULL; i++)
    {
      MimicTwinExpectation expectation;
      MimicHistory *history;
      gint64 newest_us;

      /* Sensors the model does not know are simply not expected. */
      if (!get_expectation (self, sensor_ids[i], &expectation))
        continue;
      history = expected_history (self, sensor_ids[i]);
      if (mimic_history_get_newest (history, &newest_us, NULL) && newest_us >= expectation.timestamp_us)
        continue;
      mimic_history_add (history, expectation.timestamp_us, expectation.expected);
    }

  /* The runtime's model for the side panels, once it has one. */
  if (self->whatif_panel != NULL && side_panel_model (self) != self->panel_model)
    update_side_panels (self);
  queue_apply (self);
}

static const GdkRGBA actual_colour = { 0.55, 0.75, 1.0, 1.0 };
static const GdkRGBA expected_colour = { 0.75, 0.75, 0.75, 1.0 };
static const GdkRGBA limit_colour = { 0.95, 0.6, 0.2, 1.0 };
static const GdkRGBA limit_urgent_colour = { 0.9, 0.25, 0.25, 1.0 };

static void
rebuild_chart (MimicDevicePage *self)
{
  const MimicAssetSensor *sensor;
  static const char * const limit_labels[MIMIC_N_ALARM_LIMITS] = { "LL", "L", "H", "HH" };

  mimic_trend_chart_clear_series (self->trend_chart);
  g_clear_object (&self->actual_series);
  g_clear_object (&self->expected_series);

  if (self->device == NULL || self->asset == NULL || self->selected_sensor == NULL)
    return;
  sensor = mimic_asset_get_sensor (self->asset, self->selected_sensor);
  if (sensor == NULL)
    return;

  self->actual_series = mimic_chart_series_new (MIMIC_CHART_SERIES_ACTUAL, sensor->title,
                                                sensor->unit, &actual_colour);
  mimic_chart_series_set_history (self->actual_series,
                                  mimic_twin_device_get_history (self->device, sensor->id));
  mimic_trend_chart_add_series (self->trend_chart, self->actual_series);

  if (self->default_model != NULL && self->console != NULL && mimic_console_get_twin_runtime (self->console) != NULL)
    {
      self->expected_series = mimic_chart_series_new (MIMIC_CHART_SERIES_EXPECTED, _("Expected"),
                                                      sensor->unit, &expected_colour);
      mimic_chart_series_set_history (self->expected_series, expected_history (self, sensor->id));
      mimic_trend_chart_add_series (self->trend_chart, self->expected_series);
    }

  for (guint k = 0; k < MIMIC_N_ALARM_LIMITS; k++)
    {
      const MimicAlarmLimit *limit = &sensor->alarms.limits[k];
      g_autoptr(MimicChartSeries) series = NULL;

      if (!limit->enabled)
        continue;
      series = mimic_chart_series_new_limit (limit_labels[k], limit->value, sensor->unit,
                                             k == MIMIC_ALARM_LIMIT_LOLO || k == MIMIC_ALARM_LIMIT_HIHI
                                             ? &limit_urgent_colour : &limit_colour);
      mimic_trend_chart_add_series (self->trend_chart, series);
    }

  mimic_trend_chart_set_auto_range (self->trend_chart);
  update_residual_label (self);
  update_prediction_views (self);
}

static void
on_scene_loaded (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!mimic_scene_view_load_finish (MIMIC_SCENE_VIEW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("3D model: %s", error->message);
}

static void
on_schematic_loaded (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!mimic_schematic_view_load_svg_finish (MIMIC_SCHEMATIC_VIEW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Schematic: %s", error->message);
}

static void
load_asset_views (MimicDevicePage *self)
{
  GPtrArray *sensors = mimic_asset_get_sensors (self->asset);
  const char *geometry = mimic_asset_get_geometry_path (self->asset);
  const char *schematic = mimic_asset_get_schematic_path (self->asset);

  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);
      g_autoptr(GError) error = NULL;

      gtk_string_list_append (self->sensor_ids, sensor->title);
      if (sensor->node_path != NULL)
        mimic_scene_view_bind_sensor (self->scene_view, sensor->id, sensor->node_path, sensor->unit);
      if (sensor->svg_id != NULL &&
          !mimic_schematic_view_bind_sensor (self->schematic_view, sensor->id, sensor->svg_id,
                                             sensor->unit, &error))
        g_warning ("Schematic of %s: %s", mimic_asset_get_id (self->asset), error->message);
    }

  if (geometry != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (geometry);

      mimic_scene_view_load_async (self->scene_view, file, self->load_cancellable, on_scene_loaded, NULL);
    }
  if (schematic != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (schematic);

      mimic_schematic_view_load_svg_async (self->schematic_view, file, self->load_cancellable,
                                           on_schematic_loaded, NULL);
    }
}

static void
start_model (MimicDevicePage *self)
{
  g_autoptr(MimicModel) model = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *names;

  if (mimic_asset_get_model_name (self->asset) == NULL)
    return;
  model = mimic_model_new_for_name (mimic_asset_get_model_name (self->asset), &error);
  if (model == NULL)
    {
      g_warning ("Model of %s: %s", mimic_asset_get_id (self->asset), error->message);
      return;
    }

  names = mimic_asset_get_model_parameter_names (self->asset);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      double value;

      if (mimic_asset_get_model_parameter (self->asset, name, &value) &&
          !mimic_model_set_parameter (model, name, value, &error))
        {
          g_warning ("Model of %s: %s", mimic_asset_get_id (self->asset), error->message);
          g_clear_error (&error);
        }
    }
  self->default_model = g_steal_pointer (&model);
}

static void
clear_device (MimicDevicePage *self)
{
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  self->showing_values = FALSE;
  if (self->device != NULL)
    g_signal_handlers_disconnect_by_data (self->device, self);
  g_clear_object (&self->device);
  g_clear_object (&self->asset);
  g_clear_object (&self->default_model);
  g_clear_object (&self->panel_model);
  g_hash_table_remove_all (self->expected);
  g_clear_pointer (&self->selected_sensor, g_free);

  mimic_trend_chart_clear_series (self->trend_chart);
  g_clear_object (&self->actual_series);
  g_clear_object (&self->expected_series);
  remove_prediction_series (self);
  g_hash_table_remove_all (self->command_marks);
  mimic_scene_view_clear_bindings (self->scene_view);
  mimic_schematic_view_clear_bindings (self->schematic_view);
  gtk_string_list_splice (self->sensor_ids, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->sensor_ids)), NULL);
  if (self->whatif_panel != NULL)
    update_side_panels (self);
}

static void
on_scene_selection (MimicSceneView  *view,
                    GParamSpec      *pspec,
                    MimicDevicePage *self)
{
  const char *sensor = mimic_scene_view_get_selected_sensor (view);

  if (sensor != NULL && !self->syncing_selection)
    mimic_device_page_set_selected_sensor (self, sensor);
}

static void
on_schematic_selection (MimicSchematicView *view,
                        GParamSpec         *pspec,
                        MimicDevicePage    *self)
{
  const char *sensor = mimic_schematic_view_get_selected_sensor (view);

  if (sensor != NULL && !self->syncing_selection)
    mimic_device_page_set_selected_sensor (self, sensor);
}

static void
on_dropdown_selected (GtkDropDown     *dropdown,
                      GParamSpec      *pspec,
                      MimicDevicePage *self)
{
  guint position = gtk_drop_down_get_selected (dropdown);
  GPtrArray *sensors;

  if (self->asset == NULL || self->syncing_selection)
    return;
  sensors = mimic_asset_get_sensors (self->asset);
  if (position < sensors->len)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, position);

      mimic_device_page_set_selected_sensor (self, sensor->id);
    }
}

/* A span is chosen to look at the present over it: back to live, showing
 * the span before now and as much after it. */
static void
apply_trend_span (MimicDevicePage *self)
{
  guint position = gtk_drop_down_get_selected (self->span_dropdown);
  gint64 span_us;

  if (position >= G_N_ELEMENTS (trend_spans))
    return;
  span_us = trend_spans[position].span_s * G_USEC_PER_SEC;
  mimic_trend_chart_set_span (self->trend_chart, span_us);
  mimic_trend_chart_set_future_span (self->trend_chart, span_us);
  mimic_trend_chart_set_live (self->trend_chart, TRUE);
}

static void
on_span_selected (GtkDropDown     *dropdown,
                  GParamSpec      *pspec,
                  MimicDevicePage *self)
{
  apply_trend_span (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREND_SPAN]);
}

static void
mimic_device_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  MimicDevicePage *self = MIMIC_DEVICE_PAGE (object);

  switch (prop_id)
    {
    case PROP_TREND_SPAN:
      g_value_set_string (value, mimic_device_page_get_trend_span (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_device_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  MimicDevicePage *self = MIMIC_DEVICE_PAGE (object);

  switch (prop_id)
    {
    case PROP_TREND_SPAN:
      if (!mimic_device_page_set_trend_span (self, g_value_get_string (value)))
        g_debug ("Ignoring unknown trend span “%s”", g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_device_page_dispose (GObject *object)
{
  MimicDevicePage *self = MIMIC_DEVICE_PAGE (object);

  clear_device (self);
  self->whatif_panel = NULL;
  self->command_panel = NULL;
  self->predicted_toggle = NULL;
  g_clear_object (&self->console);
  g_clear_object (&self->sensor_ids);
  mimic_device_page_set_wide (self, FALSE);
  g_clear_object (&self->wide_paned);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIMIC_TYPE_DEVICE_PAGE);

  G_OBJECT_CLASS (mimic_device_page_parent_class)->dispose (object);
}

static void
mimic_device_page_finalize (GObject *object)
{
  MimicDevicePage *self = MIMIC_DEVICE_PAGE (object);

  g_clear_pointer (&self->expected, g_hash_table_unref);
  g_clear_pointer (&self->command_marks, g_hash_table_unref);
  g_clear_pointer (&self->device_id, g_free);

  G_OBJECT_CLASS (mimic_device_page_parent_class)->finalize (object);
}

static void
mimic_device_page_class_init (MimicDevicePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mimic_device_page_dispose;
  object_class->finalize = mimic_device_page_finalize;
  object_class->get_property = mimic_device_page_get_property;
  object_class->set_property = mimic_device_page_set_property;

  /**
   * MimicDevicePage:trend-span:
   *
   * The chart's time span in live mode, as the id of one of the spans
   * offered ("10min", "1h", "8h", "24h", "7d", "30d"): that much past
   * before now and as much future after it.
   */
  properties[PROP_TREND_SPAN] =
    g_param_spec_string ("trend-span", NULL, NULL, "10min",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (MIMIC_TYPE_SCENE_VIEW);
  g_type_ensure (MIMIC_TYPE_SCHEMATIC_VIEW);
  g_type_ensure (MIMIC_TYPE_TREND_CHART);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/mimic/Console/mimic-device-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, content);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, title_label);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, scene_view);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, schematic_view);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, trend_chart);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, sensor_dropdown);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, residual_label);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, span_dropdown);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, whatif_slot);
  gtk_widget_class_bind_template_child (widget_class, MimicDevicePage, commands_slot);
}

static void
mimic_device_page_init (MimicDevicePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->trends_page = GTK_WIDGET (self->trend_chart);
  while (gtk_widget_get_parent (self->trends_page) != GTK_WIDGET (self->view_stack))
    self->trends_page = gtk_widget_get_parent (self->trends_page);
  self->wide_top_paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->wide_top_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->wide_top_paned), FALSE);
  self->wide_paned = g_object_ref_sink (gtk_paned_new (GTK_ORIENTATION_VERTICAL));
  gtk_widget_set_hexpand (self->wide_paned, TRUE);
  gtk_widget_set_vexpand (self->wide_paned, TRUE);
  gtk_paned_set_start_child (GTK_PANED (self->wide_paned), self->wide_top_paned);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->wide_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->wide_paned), FALSE);

  self->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) mimic_history_unref);
  self->sensor_ids = gtk_string_list_new (NULL);
  self->command_marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) command_mark_free);
  gtk_drop_down_set_model (self->sensor_dropdown, G_LIST_MODEL (self->sensor_ids));

  self->whatif_panel = mimic_whatif_panel_new ();
  gtk_widget_set_vexpand (self->whatif_panel, TRUE);
  gtk_box_append (self->whatif_slot, self->whatif_panel);
  self->command_panel = mimic_command_panel_new ();
  gtk_widget_set_vexpand (self->command_panel, TRUE);
  gtk_box_append (self->commands_slot, self->command_panel);

  g_signal_connect (self->scene_view, "notify::selected-sensor", G_CALLBACK (on_scene_selection), self);
  g_signal_connect (self->schematic_view, "notify::selected-sensor", G_CALLBACK (on_schematic_selection), self);
  g_signal_connect (self->sensor_dropdown, "notify::selected", G_CALLBACK (on_dropdown_selected), self);
  apply_trend_span (self);
  g_signal_connect (self->span_dropdown, "notify::selected", G_CALLBACK (on_span_selected), self);

  /* Off by default: the model shows the live state unless asked. */
  self->predicted_toggle = gtk_toggle_button_new_with_mnemonic (_("Show _predicted state"));
  gtk_widget_set_tooltip_text (self->predicted_toggle,
                               _("Colour the 3D model by the state the what-if prediction reaches at its horizon"));
  gtk_box_append (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->subtitle_label))), self->predicted_toggle);
  g_signal_connect (self->predicted_toggle, "toggled", G_CALLBACK (on_show_predicted_toggled), self);
  g_signal_connect (self->whatif_panel, "prediction-changed", G_CALLBACK (on_prediction_changed), self);
  g_signal_connect (self->whatif_panel, "notify::pinned-result", G_CALLBACK (on_pinned_result_changed), self);
  g_signal_connect (self->command_panel, "command-state-changed", G_CALLBACK (on_command_state_changed), self);
}

GtkWidget *
mimic_device_page_new (void)
{
  return g_object_new (MIMIC_TYPE_DEVICE_PAGE, NULL);
}

void
mimic_device_page_set_console (MimicDevicePage *self,
                               MimicConsole    *console)
{
  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  if (self->console == console)
    return;
  mimic_device_page_set_device_id (self, NULL);
  g_set_object (&self->console, console);
}

void
mimic_device_page_set_device_id (MimicDevicePage *self,
                                 const char      *device_id)
{
  MimicTwinDevice *device = NULL;
  const char *asset_type = NULL;
  g_autofree char *subtitle = NULL;

  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  if (g_strcmp0 (self->device_id, device_id) == 0 && (device_id == NULL || self->device != NULL))
    return;

  clear_device (self);
  g_free (self->device_id);
  self->device_id = g_strdup (device_id);

  if (device_id != NULL && self->console != NULL)
    device = mimic_twin_store_lookup (mimic_console_get_store (self->console), device_id);

  gtk_label_set_label (self->title_label, device_id != NULL ? device_id : "");
  if (device == NULL)
    {
      gtk_label_set_label (self->subtitle_label, "");
      return;
    }

  self->device = g_object_ref (device);
  self->load_cancellable = g_cancellable_new ();
  asset_type = mimic_twin_device_get_asset_type (device);
  if (asset_type != NULL)
    self->asset = mimic_asset_registry_lookup (mimic_console_get_assets (self->console), asset_type);
  if (self->asset != NULL)
    {
      g_object_ref (self->asset);
      subtitle = g_strdup (mimic_asset_get_title (self->asset));
      load_asset_views (self);
      start_model (self);
    }
  else
    {
      subtitle = g_strdup_printf (_("Unknown asset type “%s”"), asset_type != NULL ? asset_type : "?");
    }
  gtk_label_set_label (self->subtitle_label, subtitle);

  g_signal_connect (device, "sensors-changed", G_CALLBACK (on_sensors_changed), self);

  if (self->asset != NULL && mimic_asset_get_sensors (self->asset)->len > 0)
    {
      const MimicAssetSensor *first = g_ptr_array_index (mimic_asset_get_sensors (self->asset), 0);

      mimic_device_page_set_selected_sensor (self, first->id);
    }
  update_side_panels (self);
  queue_apply (self);
}

const char *
mimic_device_page_get_device_id (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), NULL);

  return self->device_id;
}

const char *
mimic_device_page_get_selected_sensor (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), NULL);

  return self->selected_sensor;
}

void
mimic_device_page_set_selected_sensor (MimicDevicePage *self,
                                       const char      *sensor_id)
{
  GPtrArray *sensors;

  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  if (self->asset == NULL || sensor_id == NULL || mimic_asset_get_sensor (self->asset, sensor_id) == NULL)
    return;
  if (g_strcmp0 (self->selected_sensor, sensor_id) == 0)
    return;

  g_free (self->selected_sensor);
  self->selected_sensor = g_strdup (sensor_id);

  /* Keep the three views pointing at the same sensor without each change
   * bouncing back. */
  self->syncing_selection = TRUE;
  sensors = mimic_asset_get_sensors (self->asset);
  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);

      if (g_strcmp0 (sensor->id, sensor_id) == 0)
        gtk_drop_down_set_selected (self->sensor_dropdown, i);
    }
  mimic_scene_view_set_selected_sensor (self->scene_view, sensor_id);
  mimic_schematic_view_set_selected_sensor (self->schematic_view, sensor_id);
  self->syncing_selection = FALSE;

  rebuild_chart (self);
}

void
mimic_device_page_set_view_only (MimicDevicePage *self,
                                 gboolean         view_only)
{
  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  self->view_only = !!view_only;
  update_side_panels (self);
}

void
mimic_device_page_show_view (MimicDevicePage *self,
                             const char      *name)
{
  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  /* Side by side every view is shown already. */
  if (!self->wide)
    gtk_stack_set_visible_child_name (self->view_stack, name);
}

guint64
mimic_device_page_get_n_updates (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), 0);

  return self->n_updates;
}

gboolean
mimic_device_page_get_showing_values (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), FALSE);

  return self->showing_values;
}

/* The chart's series of the what-if prediction, or of the pinned
 * scenario; NULL when there is none. */
MimicChartSeries *
mimic_device_page_get_prediction_series (MimicDevicePage *self,
                                         gboolean         pinned)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), NULL);

  return pinned ? self->pinned_prediction_series : self->prediction_series;
}

gboolean
mimic_device_page_get_show_predicted (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), FALSE);

  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->predicted_toggle));
}

void
mimic_device_page_set_show_predicted (MimicDevicePage *self,
                                      gboolean         show_predicted)
{
  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->predicted_toggle), show_predicted);
}

/* The view switcher has nothing to switch while all views show. */
static void
show_view_switcher (MimicDevicePage *self,
                    gboolean         visible)
{
  GtkWidget *header = gtk_widget_get_parent (GTK_WIDGET (self->subtitle_label));

  for (GtkWidget *child = gtk_widget_get_first_child (header); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_STACK_SWITCHER (child))
      gtk_widget_set_visible (child, visible);
}

/* Moves the three views between the switchable stack and the wide layout.
 * The stack pages are made anew on the way back, so their names and titles
 * are the template's. */
void
mimic_device_page_set_wide (MimicDevicePage *self,
                            gboolean         wide)
{
  g_autoptr(GtkWidget) scene = NULL;
  g_autoptr(GtkWidget) schematic = NULL;
  g_autoptr(GtkWidget) trends = NULL;
  g_autoptr(GtkWidget) stack = NULL;
  GtkPaned *side_paned;
  g_autofree char *visible = NULL;

  g_return_if_fail (MIMIC_IS_DEVICE_PAGE (self));

  wide = !!wide;
  if (self->wide == wide || self->view_stack == NULL)
    return;
  self->wide = wide;

  scene = g_object_ref (GTK_WIDGET (self->scene_view));
  schematic = g_object_ref (GTK_WIDGET (self->schematic_view));
  trends = g_object_ref (self->trends_page);
  stack = g_object_ref (GTK_WIDGET (self->view_stack));

  if (wide)
    {
      side_paned = GTK_PANED (gtk_widget_get_parent (stack));
      visible = g_strdup (gtk_stack_get_visible_child_name (self->view_stack));
      g_object_set_data_full (G_OBJECT (stack), "mimic-visible-view", g_steal_pointer (&visible), g_free);
      gtk_stack_remove (self->view_stack, scene);
      gtk_stack_remove (self->view_stack, schematic);
      gtk_stack_remove (self->view_stack, trends);
      gtk_paned_set_start_child (GTK_PANED (self->wide_top_paned), scene);
      gtk_paned_set_end_child (GTK_PANED (self->wide_top_paned), schematic);
      gtk_paned_set_end_child (GTK_PANED (self->wide_paned), trends);
      /* The stack waits outside the tree, kept by the wide paned's data. */
      g_object_set_data_full (G_OBJECT (self->wide_paned), "mimic-view-stack", g_object_ref (stack), g_object_unref);
      g_object_set_data (G_OBJECT (self->wide_paned), "mimic-side-paned", side_paned);
      gtk_paned_set_start_child (side_paned, self->wide_paned);
      show_view_switcher (self, FALSE);
    }
  else
    {
      side_paned = g_object_get_data (G_OBJECT (self->wide_paned), "mimic-side-paned");
      gtk_paned_set_start_child (GTK_PANED (self->wide_top_paned), NULL);
      gtk_paned_set_end_child (GTK_PANED (self->wide_top_paned), NULL);
      gtk_paned_set_end_child (GTK_PANED (self->wide_paned), NULL);
      if (side_paned != NULL)
        gtk_paned_set_start_child (side_paned, stack);
      g_object_set_data (G_OBJECT (self->wide_paned), "mimic-view-stack", NULL);
      gtk_stack_add_titled (self->view_stack, scene, "scene", _("3D Model"));
      gtk_stack_add_titled (self->view_stack, schematic, "schematic", _("Schematic"));
      gtk_stack_add_titled (self->view_stack, trends, "trends", _("Trends"));
      visible = g_strdup (g_object_get_data (G_OBJECT (stack), "mimic-visible-view"));
      if (visible != NULL)
        gtk_stack_set_visible_child_name (self->view_stack, visible);
      show_view_switcher (self, TRUE);
    }
}

gboolean
mimic_device_page_get_wide (MimicDevicePage *self)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), FALSE);

  return self->wide;
}

/* The id of the chart's time span ("10min", "1h", "8h", "24h", "7d" or
 * "30d"). */
const char *
mimic_device_page_get_trend_span (MimicDevicePage *self)
{
  guint position;

  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), NULL);

  position = gtk_drop_down_get_selected (self->span_dropdown);
  return position < G_N_ELEMENTS (trend_spans) ? trend_spans[position].id : trend_spans[0].id;
}

/* Shows @span_id's span in live mode; FALSE (and no change) for an id
 * that is not one of the spans offered. */
gboolean
mimic_device_page_set_trend_span (MimicDevicePage *self,
                                  const char      *span_id)
{
  g_return_val_if_fail (MIMIC_IS_DEVICE_PAGE (self), FALSE);

  for (guint i = 0; span_id != NULL && i < G_N_ELEMENTS (trend_spans); i++)
    if (g_str_equal (trend_spans[i].id, span_id))
      {
        /* Selecting the same item again notifies nothing; choosing a
         * span always returns to live, so do that here too. */
        if (gtk_drop_down_get_selected (self->span_dropdown) == i)
          apply_trend_span (self);
        else
          gtk_drop_down_set_selected (self->span_dropdown, i);
        return TRUE;
      }

  return FALSE;
}
