/* mimic-twin-runtime.c
 *
 * One model per device, calibrated to that device before anyone judges it.
 * A model with default parameters differs from every real unit in the
 * ways units differ (thermal resistance, capacity, wear), and those
 * differences move with the operating point, so the residuals of an
 * uncalibrated twin are not noise round a fixed offset: a CUSUM watching
 * them raises "deviates from model" on healthy units many times a day.
 * So each device first gathers a calibration window, the unit's individual
 * parameters are fitted to it (on a worker thread; the fit replays the
 * window through the model many times), and only after that first fit do
 * the residuals reach the detector, which then learns normal from a model
 * that already matches the unit.
 *
 * The window keeps at most MIMIC_TWIN_RUNTIME_MAX_WINDOW_FRAMES frames (one
 * timestamp's readings each) evenly over its span, whatever the rate, and
 * rolls on so the device can be fitted again later: periodically, and only
 * while none of its sensors deviates, so that a fault is not fitted away.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-twin-runtime"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-model-runner.h"
#include "mimic-twin-runtime.h"

G_DEFINE_QUARK (mimic-twin-runtime-error-quark, mimic_twin_runtime_error)

/* Most samples read back from a sensor's history per applied batch; more
 * come back averaged, which is still what the model needs. */
#define MAX_HISTORY_READBACK 64

typedef struct
{
  char                 *id;
  MimicAsset           *asset;
  MimicModel           *model;
  MimicModelRunner     *runner;
  guint                 n_outputs;
  gboolean             *drives_input;     /* per output */
  MimicTwinExpectation *expectations;     /* per output; timestamp 0: none yet */
  gint64               *last_read_us;     /* per output, newest taken from the twin */
  GArray               *frame_times;      /* gint64 */
  GArray               *frame_values;     /* double, n_outputs per frame, NaN where unread */
  gboolean              connected;        /* to the twin's sensors-changed */
  gboolean              detecting;
  gboolean              calibrated;
  gboolean              calibrating;
  gint64                next_calibration_us;
  MimicCalibrationFit  *last_fit;
} Device;

struct _MimicTwinRuntime
{
  GObject               parent_instance;

  MimicTwinStore       *store;
  MimicAssetRegistry   *registry;
  MimicAlarmManager    *manager;
  MimicAnomalyDetector *detector;
  GTimeSpan             calibration_window;
  GTimeSpan             recalibration_interval;

  GHashTable           *devices;          /* id → Device */
  GArray               *residuals;        /* scratch: MimicModelResidual */
  GCancellable         *cancellable;      /* every calibration; cancelled on dispose */
  guint                 n_calibrating;
  gulong                batch_handler;
};

enum {
  PROP_0,
  PROP_STORE,
  PROP_REGISTRY,
  PROP_ALARM_MANAGER,
  PROP_ANOMALY_DETECTOR,
  PROP_CALIBRATION_WINDOW,
  PROP_RECALIBRATION_INTERVAL,
  N_PROPS
};

enum {
  CALIBRATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimicTwinRuntime, mimic_twin_runtime, G_TYPE_OBJECT)

static void start_calibration (MimicTwinRuntime    *self,
                               Device              *device,
                               gboolean             periodic,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);

static void
device_free (gpointer data)
{
  Device *device = data;

  g_free (device->id);
  g_clear_object (&device->asset);
  g_clear_object (&device->model);
  g_clear_object (&device->runner);
  g_free (device->drives_input);
  g_free (device->expectations);
  g_free (device->last_read_us);
  g_array_unref (device->frame_times);
  g_array_unref (device->frame_values);
  mimic_calibration_fit_free (device->last_fit);
  g_free (device);
}

static Device *
device_new (const char *id,
            MimicAsset *asset,
            MimicModel *model)
{
  Device *device = g_new0 (Device, 1);

  device->id = g_strdup (id);
  device->asset = g_object_ref (asset);
  device->model = g_object_ref (model);
  device->runner = mimic_model_runner_new (model);
  device->n_outputs = mimic_model_get_n_outputs (model);
  device->drives_input = g_new0 (gboolean, MAX (device->n_outputs, 1));
  device->expectations = g_new0 (MimicTwinExpectation, MAX (device->n_outputs, 1));
  device->last_read_us = g_new0 (gint64, MAX (device->n_outputs, 1));
  device->frame_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  device->frame_values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < mimic_model_get_n_inputs (model); i++)
    {
      int output = mimic_model_find_output (model, mimic_model_get_input_info (model, i)->sensor_id);

      if (output >= 0)
        device->drives_input[output] = TRUE;
    }
  return device;
}

static void
mimic_twin_runtime_dispose (GObject *object)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (object);

  g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_clear_signal_handler (&self->batch_handler, self->store);
  if (self->detector != NULL && self->manager != NULL)
    mimic_anomaly_detector_set_alarm_manager (self->detector, NULL);
  g_clear_object (&self->store);
  g_clear_object (&self->registry);
  g_clear_object (&self->manager);
  g_clear_object (&self->detector);

  G_OBJECT_CLASS (mimic_twin_runtime_parent_class)->dispose (object);
}

static void
mimic_twin_runtime_finalize (GObject *object)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (object);

  g_hash_table_unref (self->devices);
  g_array_unref (self->residuals);
  g_object_unref (self->cancellable);

  G_OBJECT_CLASS (mimic_twin_runtime_parent_class)->finalize (object);
}

static void
mimic_twin_runtime_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_ALARM_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_ANOMALY_DETECTOR:
      g_value_set_object (value, self->detector);
      break;
    case PROP_CALIBRATION_WINDOW:
      g_value_set_int64 (value, self->calibration_window);
      break;
    case PROP_RECALIBRATION_INTERVAL:
      g_value_set_int64 (value, self->recalibration_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_twin_runtime_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;
    case PROP_ALARM_MANAGER:
      mimic_twin_runtime_set_alarm_manager (self, g_value_get_object (value));
      break;
    case PROP_ANOMALY_DETECTOR:
      mimic_twin_runtime_set_anomaly_detector (self, g_value_get_object (value));
      break;
    case PROP_CALIBRATION_WINDOW:
      mimic_twin_runtime_set_calibration_window (self, g_value_get_int64 (value));
      break;
    case PROP_RECALIBRATION_INTERVAL:
      mimic_twin_runtime_set_recalibration_interval (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void on_batch_applied (MimicTwinStore     *store,
                              const char * const *device_ids,
                              MimicTwinRuntime   *self);

static void
mimic_twin_runtime_constructed (GObject *object)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (object);

  G_OBJECT_CLASS (mimic_twin_runtime_parent_class)->constructed (object);

  if (self->registry == NULL)
    self->registry = mimic_asset_registry_new ();
  if (self->store != NULL)
    self->batch_handler = g_signal_connect_object (self->store, "batch-applied",
                                                   G_CALLBACK (on_batch_applied), self, 0);
}

static void
mimic_twin_runtime_class_init (MimicTwinRuntimeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mimic_twin_runtime_constructed;
  object_class->dispose = mimic_twin_runtime_dispose;
  object_class->finalize = mimic_twin_runtime_finalize;
  object_class->get_property = mimic_twin_runtime_get_property;
  object_class->set_property = mimic_twin_runtime_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, MIMIC_TYPE_TWIN_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, MIMIC_TYPE_ASSET_REGISTRY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALARM_MANAGER] =
    g_param_spec_object ("alarm-manager", NULL, NULL, MIMIC_TYPE_ALARM_MANAGER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ANOMALY_DETECTOR] =
    g_param_spec_object ("anomaly-detector", NULL, NULL, MIMIC_TYPE_ANOMALY_DETECTOR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Microseconds of sample time. */
  properties[PROP_CALIBRATION_WINDOW] =
    g_param_spec_int64 ("calibration-window", NULL, NULL,
                        G_TIME_SPAN_SECOND, 30 * G_TIME_SPAN_DAY, MIMIC_TWIN_RUNTIME_DEFAULT_CALIBRATION_WINDOW,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECALIBRATION_INTERVAL] =
    g_param_spec_int64 ("recalibration-interval", NULL, NULL,
                        0, 365 * G_TIME_SPAN_DAY, MIMIC_TWIN_RUNTIME_DEFAULT_RECALIBRATION_INTERVAL,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicTwinRuntime::calibrated:
   * @device_id: the device
   * @applied: whether the fit replaced the parameters (see get_last_fit)
   *
   * Emitted on the main thread after every calibration that produced a
   * fit, applied or refused.
   */
  signals[CALIBRATED] =
    g_signal_new ("calibrated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
mimic_twin_runtime_init (MimicTwinRuntime *self)
{
  self->calibration_window = MIMIC_TWIN_RUNTIME_DEFAULT_CALIBRATION_WINDOW;
  self->recalibration_interval = MIMIC_TWIN_RUNTIME_DEFAULT_RECALIBRATION_INTERVAL;
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, device_free);
  self->residuals = g_array_new (FALSE, FALSE, sizeof (MimicModelResidual));
  self->cancellable = g_cancellable_new ();
}

MimicTwinRuntime *
mimic_twin_runtime_new (MimicTwinStore     *store,
                        MimicAssetRegistry *registry)
{
  g_return_val_if_fail (store == NULL || MIMIC_IS_TWIN_STORE (store), NULL);
  g_return_val_if_fail (MIMIC_IS_ASSET_REGISTRY (registry), NULL);

  return g_object_new (MIMIC_TYPE_TWIN_RUNTIME, "store", store, "registry", registry, NULL);
}

MimicTwinStore *
mimic_twin_runtime_get_store (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  return self->store;
}

MimicAssetRegistry *
mimic_twin_runtime_get_registry (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  return self->registry;
}

MimicAlarmManager *
mimic_twin_runtime_get_alarm_manager (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  return self->manager;
}

void
mimic_twin_runtime_set_alarm_manager (MimicTwinRuntime  *self,
                                      MimicAlarmManager *manager)
{
  GHashTableIter iter;
  Device *device;
  guint n_assets;

  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (manager == NULL || MIMIC_IS_ALARM_MANAGER (manager));

  if (self->manager == manager)
    return;

  g_set_object (&self->manager, manager);
  if (self->detector != NULL)
    mimic_anomaly_detector_set_alarm_manager (self->detector, manager);

  if (manager != NULL)
    {
      /* The manager reads births, samples and presence from the store
       * itself; the runtime hands it only what the store cannot. */
      n_assets = g_list_model_get_n_items (G_LIST_MODEL (self->registry));
      for (guint i = 0; i < n_assets; i++)
        {
          g_autoptr(MimicAsset) asset = g_list_model_get_item (G_LIST_MODEL (self->registry), i);

          mimic_alarm_manager_add_asset (manager, asset);
        }
      g_hash_table_iter_init (&iter, self->devices);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
        mimic_alarm_manager_set_device_asset (manager, device->id, device->asset);
      if (self->store != NULL)
        mimic_alarm_manager_set_twin_store (manager, self->store);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALARM_MANAGER]);
}

MimicAnomalyDetector *
mimic_twin_runtime_get_anomaly_detector (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  return self->detector;
}

void
mimic_twin_runtime_set_anomaly_detector (MimicTwinRuntime     *self,
                                         MimicAnomalyDetector *detector)
{
  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (detector == NULL || MIMIC_IS_ANOMALY_DETECTOR (detector));

  if (self->detector == detector)
    return;

  if (self->detector != NULL && self->manager != NULL)
    mimic_anomaly_detector_set_alarm_manager (self->detector, NULL);
  g_set_object (&self->detector, detector);
  if (detector != NULL && self->manager != NULL)
    mimic_anomaly_detector_set_alarm_manager (detector, self->manager);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANOMALY_DETECTOR]);
}

GTimeSpan
mimic_twin_runtime_get_calibration_window (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), 0);

  return self->calibration_window;
}

void
mimic_twin_runtime_set_calibration_window (MimicTwinRuntime *self,
                                           GTimeSpan         window)
{
  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (window >= G_TIME_SPAN_SECOND);

  if (self->calibration_window == window)
    return;

  self->calibration_window = window;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALIBRATION_WINDOW]);
}

GTimeSpan
mimic_twin_runtime_get_recalibration_interval (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), 0);

  return self->recalibration_interval;
}

void
mimic_twin_runtime_set_recalibration_interval (MimicTwinRuntime *self,
                                               GTimeSpan         interval)
{
  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (interval >= 0);

  if (self->recalibration_interval == interval)
    return;

  self->recalibration_interval = interval;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECALIBRATION_INTERVAL]);
}

/* The device's runner, made when its asset type and that type's model are
 * known; NULL until then (a later birth may still name one). */
static Device *
ensure_device (MimicTwinRuntime *self,
               const char       *device_id,
               const char       *asset_type)
{
  g_autoptr(MimicModel) model = NULL;
  g_autoptr(GError) error = NULL;
  MimicAsset *asset;
  GPtrArray *names;
  Device *device;

  if ((device = g_hash_table_lookup (self->devices, device_id)) != NULL)
    return device;
  if (asset_type == NULL || (asset = mimic_asset_registry_lookup (self->registry, asset_type)) == NULL ||
      mimic_asset_get_model_name (asset) == NULL)
    return NULL;

  model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), &error);
  if (model == NULL)
    {
      g_debug ("No model for device %s: %s", device_id, error->message);
      return NULL;
    }

  /* The description's values are this asset type's defaults. */
  names = mimic_asset_get_model_parameter_names (asset);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      double value;

      if (mimic_asset_get_model_parameter (asset, name, &value) &&
          !mimic_model_set_parameter (model, name, value, &error))
        {
          g_debug ("Asset %s: %s", asset_type, error->message);
          g_clear_error (&error);
        }
    }

  device = device_new (device_id, asset, model);
  g_hash_table_insert (self->devices, device->id, device);
  if (self->manager != NULL)
    mimic_alarm_manager_set_device_asset (self->manager, device_id, asset);
  return device;
}

/* Keeps a frame per window / MAX_WINDOW_FRAMES of sample time, dropping
 * frames older than the window. */
static void
record_frame_value (MimicTwinRuntime *self,
                    Device           *device,
                    guint             output,
                    gint64            timestamp_us,
                    double            value)
{
  GTimeSpan spacing = self->calibration_window / MIMIC_TWIN_RUNTIME_MAX_WINDOW_FRAMES;
  guint n_frames = device->frame_times->len;
  gint64 newest = n_frames > 0 ? g_array_index (device->frame_times, gint64, n_frames - 1) : G_MININT64;
  guint drop = 0;

  if (n_frames > 0 && timestamp_us == newest)
    {
      g_array_index (device->frame_values, double, (n_frames - 1) * device->n_outputs + output) = value;
      return;
    }
  if (n_frames > 0 && timestamp_us < newest + spacing)
    return;

  g_array_append_val (device->frame_times, timestamp_us);
  g_array_set_size (device->frame_values, device->frame_values->len + device->n_outputs);
  for (guint o = 0; o < device->n_outputs; o++)
    g_array_index (device->frame_values, double, n_frames * device->n_outputs + o) = NAN;
  g_array_index (device->frame_values, double, n_frames * device->n_outputs + output) = value;

  while (drop < device->frame_times->len &&
         g_array_index (device->frame_times, gint64, drop) < timestamp_us - self->calibration_window)
    drop++;
  if (drop > 0)
    {
      g_array_remove_range (device->frame_times, 0, drop);
      g_array_remove_range (device->frame_values, 0, drop * device->n_outputs);
    }
}

static gint64
window_span (Device *device)
{
  guint n = device->frame_times->len;

  if (n < 2)
    return 0;
  return g_array_index (device->frame_times, gint64, n - 1) - g_array_index (device->frame_times, gint64, 0);
}

static gboolean
device_is_deviating (MimicTwinRuntime *self,
                     Device           *device)
{
  if (self->detector == NULL)
    return FALSE;

  for (guint o = 0; o < device->n_outputs; o++)
    {
      MimicAnomalyState state;

      if (!device->drives_input[o] &&
          mimic_anomaly_detector_get_state (self->detector, device->id,
                                            mimic_model_get_output_info (device->model, o)->id, &state) &&
          state.deviating)
        return TRUE;
    }
  return FALSE;
}

static void
maybe_start_calibration (MimicTwinRuntime *self,
                         Device           *device)
{
  gint64 newest;

  if (device->calibrating || device->frame_times->len == 0)
    return;

  newest = g_array_index (device->frame_times, gint64, device->frame_times->len - 1);
  if (!device->detecting)
    {
      /* A frame short of the full window still spans it, give or take
       * the spacing. */
      if (window_span (device) + self->calibration_window / MIMIC_TWIN_RUNTIME_MAX_WINDOW_FRAMES >=
          self->calibration_window)
        start_calibration (self, device, FALSE, NULL, NULL, NULL);
      return;
    }

  if (self->recalibration_interval <= 0 || newest < device->next_calibration_us)
    return;
  /* Fitting a deviating unit would teach the model the fault. */
  if (device_is_deviating (self, device))
    return;
  start_calibration (self, device, TRUE, NULL, NULL, NULL);
}

/* The samples of one device, in time order. */
static void
device_process_batch (MimicTwinRuntime *self,
                      Device           *device,
                      MimicUpdateBatch *batch)
{
  g_autoptr(MimicUpdateBatch) own = mimic_update_batch_new ();
  guint n_samples = mimic_update_batch_get_n_samples (batch);

  for (guint i = 0; i < n_samples; i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);
      int output;

      if (sample->quality != MIMIC_QUALITY_GOOD || g_strcmp0 (sample->device_id, device->id) != 0)
        continue;
      output = mimic_model_find_output (device->model, sample->sensor_id);
      if (output < 0)
        continue;
      record_frame_value (self, device, output, sample->timestamp_us, sample->value);
      mimic_update_batch_add_sample (own, device->id, sample->sensor_id, sample->timestamp_us, sample->value,
                                     MIMIC_QUALITY_GOOD);
    }

  g_array_set_size (self->residuals, 0);
  mimic_model_runner_push_batch (device->runner, own, device->id, self->residuals);
  for (guint i = 0; i < self->residuals->len; i++)
    {
      const MimicModelResidual *residual = &g_array_index (self->residuals, MimicModelResidual, i);
      int output = mimic_model_find_output (device->model, residual->sensor_id);
      MimicTwinExpectation *expectation;

      if (output < 0)
        continue;
      expectation = &device->expectations[output];
      expectation->timestamp_us = residual->timestamp_us;
      expectation->actual = residual->actual;
      expectation->expected = residual->expected;
      expectation->residual = residual->residual;
      expectation->drives_input = residual->drives_input;
    }

  if (device->detecting && self->detector != NULL)
    mimic_anomaly_detector_push_residuals (self->detector, device->id, self->residuals);

  maybe_start_calibration (self, device);
}

void
mimic_twin_runtime_push_batch (MimicTwinRuntime *self,
                               MimicUpdateBatch *batch)
{
  g_autoptr(GHashTable) per_device = NULL;
  GHashTableIter iter;
  const char *device_id;
  Device *device;
  MimicUpdateBatch *device_batch;
  guint n;

  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (batch != NULL);

  n = mimic_update_batch_get_n_births (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicBirth *birth = mimic_update_batch_get_birth (batch, i);

      ensure_device (self, birth->device_id, birth->asset_type);
    }

  n = mimic_update_batch_get_n_presence (batch);
  for (guint i = 0; i < n && self->manager != NULL; i++)
    {
      const MimicPresenceUpdate *update = mimic_update_batch_get_presence (batch, i);

      if (update->presence != MIMIC_PRESENCE_UNKNOWN)
        mimic_alarm_manager_set_device_online (self->manager, update->device_id,
                                               update->presence == MIMIC_PRESENCE_ONLINE,
                                               update->timestamp_us);
    }

  /* One runner pass per device, each over its own samples only. */
  per_device = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mimic_update_batch_unref);
  n = mimic_update_batch_get_n_samples (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);

      if (self->manager != NULL)
        mimic_alarm_manager_process_sample (self->manager, sample->device_id, sample->sensor_id,
                                            sample->timestamp_us, sample->value, sample->quality);
      if (sample->quality != MIMIC_QUALITY_GOOD ||
          (device = g_hash_table_lookup (self->devices, sample->device_id)) == NULL)
        continue;
      if ((device_batch = g_hash_table_lookup (per_device, device->id)) == NULL)
        {
          device_batch = mimic_update_batch_new ();
          g_hash_table_insert (per_device, device->id, device_batch);
        }
      mimic_update_batch_add_sample (device_batch, sample->device_id, sample->sensor_id,
                                     sample->timestamp_us, sample->value, sample->quality);
    }

  g_hash_table_iter_init (&iter, per_device);
  while (g_hash_table_iter_next (&iter, (gpointer *) &device_id, (gpointer *) &device_batch))
    device_process_batch (self, g_hash_table_lookup (self->devices, device_id), device_batch);
}

/* The twin store */

typedef struct
{
  gint64      timestamp_us;
  double      value;
  const char *sensor_id;
} Reading;

static int
compare_readings (gconstpointer a,
                  gconstpointer b)
{
  const Reading *reading_a = a;
  const Reading *reading_b = b;

  return (reading_a->timestamp_us > reading_b->timestamp_us) -
         (reading_a->timestamp_us < reading_b->timestamp_us);
}

/* What the twin took since last time: from the sensor's history, so a
 * flush that applied several samples of a sensor gives the model all of
 * them, or the newest reading where the history kept none. */
static void
read_twin_sensors (MimicTwinRuntime   *self,
                   Device             *device,
                   MimicTwinDevice    *twin,
                   const char * const *sensor_ids)
{
  g_autoptr(GArray) readings = g_array_new (FALSE, FALSE, sizeof (Reading));
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

  for (guint i = 0; sensor_ids[i] != NULL; i++)
    {
      MimicSensorReading newest;
      MimicHistory *history;
      int output = mimic_model_find_output (device->model, sensor_ids[i]);
      const char *sensor_id;
      gint64 *last;

      if (output < 0 || !mimic_twin_device_get_sensor (twin, sensor_ids[i], &newest) ||
          newest.quality != MIMIC_QUALITY_GOOD)
        continue;
      sensor_id = mimic_model_get_output_info (device->model, output)->id;
      last = &device->last_read_us[output];
      if (newest.timestamp_us <= *last)
        continue;

      g_array_set_size (buckets, 0);
      history = mimic_twin_device_get_history (twin, sensor_ids[i]);
      if (*last != 0 && history != NULL)
        mimic_history_query (history, *last + 1, newest.timestamp_us, MAX_HISTORY_READBACK, buckets);
      for (guint b = 0; b < buckets->len; b++)
        {
          const MimicHistoryBucket *bucket = &g_array_index (buckets, MimicHistoryBucket, b);
          Reading reading = { bucket->start_us + bucket->duration_us / 2, bucket->mean, sensor_id };

          if (reading.timestamp_us > *last && reading.timestamp_us < newest.timestamp_us)
            g_array_append_val (readings, reading);
        }
      {
        Reading reading = { newest.timestamp_us, newest.value, sensor_id };

        g_array_append_val (readings, reading);
      }
      *last = newest.timestamp_us;
    }

  if (readings->len == 0)
    return;
  g_array_sort (readings, compare_readings);
  for (guint i = 0; i < readings->len; i++)
    {
      const Reading *reading = &g_array_index (readings, Reading, i);

      mimic_update_batch_add_sample (batch, device->id, reading->sensor_id, reading->timestamp_us,
                                     reading->value, MIMIC_QUALITY_GOOD);
    }
  device_process_batch (self, device, batch);
}

static void
on_sensors_changed (MimicTwinDevice    *twin,
                    const char * const *sensor_ids,
                    MimicTwinRuntime   *self)
{
  Device *device = g_hash_table_lookup (self->devices, mimic_twin_device_get_id (twin));

  if (device != NULL)
    read_twin_sensors (self, device, twin, sensor_ids);
}

static void
on_batch_applied (MimicTwinStore     *store,
                  const char * const *device_ids,
                  MimicTwinRuntime   *self)
{
  for (guint i = 0; device_ids[i] != NULL; i++)
    {
      MimicTwinDevice *twin = mimic_twin_store_lookup (store, device_ids[i]);
      g_auto(GStrv) sensor_ids = NULL;
      Device *device;

      if (twin == NULL ||
          (device = ensure_device (self, device_ids[i], mimic_twin_device_get_asset_type (twin))) == NULL ||
          device->connected)
        continue;

      /* The device's own signal names what changed from now on; what it
       * had before the model existed is read once. */
      device->connected = TRUE;
      g_signal_connect_object (twin, "sensors-changed", G_CALLBACK (on_sensors_changed), self, 0);
      sensor_ids = mimic_twin_device_dup_sensor_ids (twin);
      read_twin_sensors (self, device, twin, (const char * const *) sensor_ids);
    }
}

/* Calibration */

typedef struct
{
  char       *device_id;
  MimicModel *model;        /* a copy: the worker never touches the live one */
  GArray     *samples;      /* MimicSample; strings: device_id above, model's static ids */
  gboolean    periodic;
  GTask      *caller;       /* calibrate_async's task, or NULL */
} CalibrationJob;

static void
calibration_job_free (gpointer data)
{
  CalibrationJob *job = data;

  g_free (job->device_id);
  g_clear_object (&job->model);
  g_array_unref (job->samples);
  g_clear_object (&job->caller);
  g_free (job);
}

static void
calibrate_in_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  CalibrationJob *job = task_data;
  GError *error = NULL;
  MimicCalibrationFit *fit;

  fit = mimic_calibration_fit (job->model, (const MimicSample *) (gpointer) job->samples->data,
                               job->samples->len, NULL, cancellable, &error);
  if (fit == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, fit, (GDestroyNotify) mimic_calibration_fit_free);
}

/* A runner with the new parameters that has already run through the
 * window: started from one noisy frame, a slow state (a motor housing
 * settles over an hour) would otherwise take hours to agree with the unit
 * again, and the detector would learn that transient as normal. */
static void
restart_runner (Device *device)
{
  g_autoptr(MimicUpdateBatch) frames = mimic_update_batch_new ();

  for (guint f = 0; f < device->frame_times->len; f++)
    {
      for (guint o = 0; o < device->n_outputs; o++)
        {
          double value = g_array_index (device->frame_values, double, f * device->n_outputs + o);

          if (isfinite (value))
            mimic_update_batch_add_sample (frames, device->id, mimic_model_get_output_info (device->model, o)->id,
                                           g_array_index (device->frame_times, gint64, f), value,
                                           MIMIC_QUALITY_GOOD);
        }
    }
  g_clear_object (&device->runner);
  device->runner = mimic_model_runner_new (device->model);
  mimic_model_runner_push_batch (device->runner, frames, device->id, NULL);
}

static void
relearn_device (MimicTwinRuntime *self,
                Device           *device)
{
  if (self->detector == NULL)
    return;

  for (guint o = 0; o < device->n_outputs; o++)
    if (!device->drives_input[o])
      mimic_anomaly_detector_relearn (self->detector, device->id,
                                      mimic_model_get_output_info (device->model, o)->id);
}

static void
on_calibration_done (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  MimicTwinRuntime *self = MIMIC_TWIN_RUNTIME (source_object);
  CalibrationJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) caller = job->caller != NULL ? g_object_ref (job->caller) : NULL;
  g_autoptr(GError) error = NULL;
  MimicCalibrationFit *fit;
  Device *device;
  gboolean applied = FALSE;

  fit = g_task_propagate_pointer (G_TASK (result), &error);
  self->n_calibrating--;
  device = g_hash_table_lookup (self->devices, job->device_id);
  if (device == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      mimic_calibration_fit_free (fit);
      if (caller != NULL)
        g_task_return_new_error (caller, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The calibration was cancelled"));
      return;
    }
  device->calibrating = FALSE;
  if (device->frame_times->len > 0)
    device->next_calibration_us = g_array_index (device->frame_times, gint64, device->frame_times->len - 1) +
                                  self->recalibration_interval;

  if (fit != NULL)
    {
      mimic_calibration_fit_free (device->last_fit);
      device->last_fit = fit;

      if (job->periodic && !(fit->cost < MIMIC_TWIN_RUNTIME_RECALIBRATION_GAIN * fit->current_cost))
        g_set_error (&error, MIMIC_CALIBRATION_ERROR, MIMIC_CALIBRATION_ERROR_WORSE,
                     _("The new fit is not enough of an improvement (cost %g against %g); keeping the parameters"),
                     fit->cost, fit->current_cost);
      else
        applied = mimic_calibration_fit_apply (fit, device->model, &error);
    }

  if (applied)
    {
      /* Run the model again with the unit's own parameters; a detector
       * that learnt the old model learns again. */
      restart_runner (device);
      if (device->detecting)
        relearn_device (self, device);
      device->calibrated = TRUE;
      g_debug ("Calibrated %s: cost %g → %g, R² %.3f", device->id, fit->current_cost, fit->cost, fit->r_squared);
    }
  else if (error != NULL)
    {
      g_debug ("Calibration of %s not applied: %s", device->id, error->message);
    }
  /* Whatever the first automatic attempt gave, watching starts now:
   * defaults that no fit could improve are still the best model of this
   * unit. An attempt asked for early starts it only with a fit. */
  if (fit != NULL || job->caller == NULL)
    device->detecting = TRUE;

  if (fit != NULL)
    g_signal_emit (self, signals[CALIBRATED], 0, device->id, applied);

  if (caller != NULL)
    {
      if (applied)
        g_task_return_boolean (caller, TRUE);
      else
        g_task_return_error (caller, g_steal_pointer (&error));
    }
}

static void
start_calibration (MimicTwinRuntime    *self,
                   Device              *device,
                   gboolean             periodic,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CalibrationJob *job = g_new0 (CalibrationJob, 1);
  const char *model_name = mimic_model_get_name (device->model);
  guint n_parameters = mimic_model_get_n_parameters (device->model);

  job->device_id = g_strdup (device->id);
  job->model = mimic_model_new_for_name (model_name, NULL);
  g_assert (job->model != NULL);
  for (guint p = 0; p < n_parameters; p++)
    mimic_model_set_parameter (job->model, mimic_model_get_parameter_info (device->model, p)->id,
                               mimic_model_get_parameters (device->model)[p], NULL);
  job->periodic = periodic;
  job->samples = g_array_new (FALSE, FALSE, sizeof (MimicSample));
  for (guint f = 0; f < device->frame_times->len; f++)
    {
      for (guint o = 0; o < device->n_outputs; o++)
        {
          double value = g_array_index (device->frame_values, double, f * device->n_outputs + o);
          MimicSample sample = {
            job->device_id,
            mimic_model_get_output_info (device->model, o)->id,
            g_array_index (device->frame_times, gint64, f),
            value,
            MIMIC_QUALITY_GOOD,
          };

          if (isfinite (value))
            g_array_append_val (job->samples, sample);
        }
    }
  if (callback != NULL)
    {
      job->caller = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (job->caller, mimic_twin_runtime_calibrate_async);
    }

  device->calibrating = TRUE;
  self->n_calibrating++;

  task = g_task_new (self, self->cancellable, on_calibration_done, NULL);
  g_task_set_source_tag (task, start_calibration);
  g_task_set_task_data (task, job, calibration_job_free);
  g_task_run_in_thread (task, calibrate_in_thread);
}

void
mimic_twin_runtime_calibrate_async (MimicTwinRuntime    *self,
                                    const char          *device_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  Device *device;

  g_return_if_fail (MIMIC_IS_TWIN_RUNTIME (self));
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  device = g_hash_table_lookup (self->devices, device_id);
  if (device == NULL || device->calibrating)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, mimic_twin_runtime_calibrate_async);
      if (device == NULL)
        g_task_return_new_error (task, MIMIC_TWIN_RUNTIME_ERROR, MIMIC_TWIN_RUNTIME_ERROR_UNKNOWN_DEVICE,
                                 _("No model runs for device “%s”"), device_id);
      else
        g_task_return_new_error (task, MIMIC_TWIN_RUNTIME_ERROR, MIMIC_TWIN_RUNTIME_ERROR_BUSY,
                                 _("Device “%s” is being calibrated already"), device_id);
      return;
    }

  start_calibration (self, device, FALSE, cancellable, callback, user_data);
}

gboolean
mimic_twin_runtime_calibrate_finish (MimicTwinRuntime  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Queries */

gboolean
mimic_twin_runtime_has_device (MimicTwinRuntime *self,
                               const char       *device_id)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), FALSE);

  return device_id != NULL && g_hash_table_contains (self->devices, device_id);
}

gboolean
mimic_twin_runtime_get_expectation (MimicTwinRuntime     *self,
                                    const char           *device_id,
                                    const char           *sensor_id,
                                    MimicTwinExpectation *out)
{
  Device *device;
  int output;

  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), FALSE);

  if (device_id == NULL || sensor_id == NULL ||
      (device = g_hash_table_lookup (self->devices, device_id)) == NULL ||
      (output = mimic_model_find_output (device->model, sensor_id)) < 0 ||
      device->expectations[output].timestamp_us == 0)
    return FALSE;

  if (out != NULL)
    *out = device->expectations[output];
  return TRUE;
}

MimicModel *
mimic_twin_runtime_get_model (MimicTwinRuntime *self,
                              const char       *device_id)
{
  Device *device;

  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  if (device_id == NULL || (device = g_hash_table_lookup (self->devices, device_id)) == NULL)
    return NULL;
  return device->model;
}

gboolean
mimic_twin_runtime_is_calibrated (MimicTwinRuntime *self,
                                  const char       *device_id)
{
  Device *device;

  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), FALSE);

  return device_id != NULL && (device = g_hash_table_lookup (self->devices, device_id)) != NULL &&
         device->calibrated;
}

gboolean
mimic_twin_runtime_is_detecting (MimicTwinRuntime *self,
                                 const char       *device_id)
{
  Device *device;

  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), FALSE);

  return device_id != NULL && (device = g_hash_table_lookup (self->devices, device_id)) != NULL &&
         device->detecting;
}

const MimicCalibrationFit *
mimic_twin_runtime_get_last_fit (MimicTwinRuntime *self,
                                 const char       *device_id)
{
  Device *device;

  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), NULL);

  if (device_id == NULL || (device = g_hash_table_lookup (self->devices, device_id)) == NULL)
    return NULL;
  return device->last_fit;
}

guint
mimic_twin_runtime_get_n_calibrating (MimicTwinRuntime *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_RUNTIME (self), 0);

  return self->n_calibrating;
}
