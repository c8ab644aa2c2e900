/* mimic-twin-store.c
 *
 * The live state of every device. Feeds decode on worker threads and queue
 * MimicUpdateBatch objects here from any thread; the store applies them on
 * the main context it was created in, all that are queued in one go at most
 * once per frame, so views redraw once per frame however fast data comes.
 *
 * The store is a GListModel of MimicTwinDevice in order of first appearance
 * (the UI sorts and filters with GtkSortListModel/GtkFilterListModel), and
 * says after each applied flush which devices changed ("batch-applied").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-twin-store"

#include "config.h"

#include <glib/gi18n.h>

#include "mimic-twin-device-private.h"
#include "mimic-twin-store.h"

/* One frame at 60 Hz: queued batches wait at most this long. */
#define FLUSH_DELAY_MS 16
/* Beyond this many queued, unapplied samples a stalled main loop would make
 * the queue grow without end; newer batches are dropped and counted. */
#define MAX_QUEUED_SAMPLES (2 * 1000 * 1000)

struct _MimicTwinStore
{
  GObject          parent_instance;

  GMainContext    *context;

  /* Shared with the feeds' threads. */
  GMutex           queue_lock;
  GPtrArray       *queued;             /* MimicUpdateBatch */
  guint64          queued_samples;
  guint64          n_dropped_samples;
  GSource         *flush_source;

  /* Main thread only. */
  GPtrArray       *devices;            /* MimicTwinDevice, owns */
  GHashTable      *devices_by_id;      /* id (owned by the device) → device */
  GPtrArray       *touched;            /* devices in the change being applied */
  guint            n_devices_before;
  guint            changes_depth;

  GTimeSpan        heartbeat_timeout;
  GSource         *heartbeat_source;
  guint            history_capacity;
  guint            max_devices;
  guint            max_sensors;
  guint64          n_applied_samples;
  guint64          n_refused_updates;

  MimicHistoryDb  *history_db;
};

enum {
  PROP_0,
  PROP_HEARTBEAT_TIMEOUT,
  PROP_HISTORY_DB,
  N_PROPS
};

enum {
  BATCH_APPLIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MimicTwinStore, mimic_twin_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (mimic-twin-store-error-quark, mimic_twin_store_error)

static GType
mimic_twin_store_get_item_type (GListModel *model)
{
  return MIMIC_TYPE_TWIN_DEVICE;
}

static guint
mimic_twin_store_get_n_items (GListModel *model)
{
  return MIMIC_TWIN_STORE (model)->devices->len;
}

static gpointer
mimic_twin_store_get_item (GListModel *model,
                           guint       position)
{
  MimicTwinStore *self = MIMIC_TWIN_STORE (model);

  if (position >= self->devices->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->devices, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = mimic_twin_store_get_item_type;
  iface->get_n_items = mimic_twin_store_get_n_items;
  iface->get_item = mimic_twin_store_get_item;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
mimic_twin_store_dispose (GObject *object)
{
  MimicTwinStore *self = (MimicTwinStore *)object;

  g_mutex_lock (&self->queue_lock);
  clear_source (&self->flush_source);
  g_ptr_array_set_size (self->queued, 0);
  g_mutex_unlock (&self->queue_lock);

  clear_source (&self->heartbeat_source);
  g_clear_object (&self->history_db);

  G_OBJECT_CLASS (mimic_twin_store_parent_class)->dispose (object);
}

static void
mimic_twin_store_finalize (GObject *object)
{
  MimicTwinStore *self = (MimicTwinStore *)object;

  g_clear_pointer (&self->queued, g_ptr_array_unref);
  g_clear_pointer (&self->touched, g_ptr_array_unref);
  g_clear_pointer (&self->devices_by_id, g_hash_table_unref);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->queue_lock);

  G_OBJECT_CLASS (mimic_twin_store_parent_class)->finalize (object);
}

static void
mimic_twin_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MimicTwinStore *self = MIMIC_TWIN_STORE (object);

  switch (prop_id)
    {
    case PROP_HEARTBEAT_TIMEOUT:
      g_value_set_int64 (value, self->heartbeat_timeout);
      break;
    case PROP_HISTORY_DB:
      g_value_set_object (value, self->history_db);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_twin_store_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MimicTwinStore *self = MIMIC_TWIN_STORE (object);

  switch (prop_id)
    {
    case PROP_HEARTBEAT_TIMEOUT:
      mimic_twin_store_set_heartbeat_timeout (self, g_value_get_int64 (value));
      break;
    case PROP_HISTORY_DB:
      mimic_twin_store_set_history_db (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_twin_store_class_init (MimicTwinStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mimic_twin_store_dispose;
  object_class->finalize = mimic_twin_store_finalize;
  object_class->get_property = mimic_twin_store_get_property;
  object_class->set_property = mimic_twin_store_set_property;

  /* Microseconds a sensor may stay silent before its value turns stale;
   * 0 turns the check off. */
  properties[PROP_HEARTBEAT_TIMEOUT] =
    g_param_spec_int64 ("heartbeat-timeout", NULL, NULL,
                        0, G_MAXINT64, MIMIC_TWIN_STORE_DEFAULT_HEARTBEAT_TIMEOUT,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY_DB] =
    g_param_spec_object ("history-db", NULL, NULL, MIMIC_TYPE_HISTORY_DB,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicTwinStore::batch-applied:
   * @device_ids: the devices that changed, new ones included
   *
   * Emitted once per flush (or heartbeat check) that changed something,
   * after every device has emitted its own signals; never when nothing
   * changed.
   */
  signals[BATCH_APPLIED] =
    g_signal_new ("batch-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
}

static gboolean on_heartbeat (gpointer user_data);

static void
restart_heartbeat (MimicTwinStore *self)
{
  guint interval_ms;

  clear_source (&self->heartbeat_source);
  if (self->heartbeat_timeout <= 0)
    return;

  /* Coarse on purpose: a value turns stale within a quarter of the timeout
   * (at most a second) after it should, at the cost of one pass a second. */
  interval_ms = (guint) CLAMP (self->heartbeat_timeout / 4 / 1000, 50, 1000);
  self->heartbeat_source = g_timeout_source_new (interval_ms);
  g_source_set_callback (self->heartbeat_source, on_heartbeat, self, NULL);
  g_source_set_static_name (self->heartbeat_source, "[mimic] twin heartbeat");
  g_source_attach (self->heartbeat_source, self->context);
}

static void
mimic_twin_store_init (MimicTwinStore *self)
{
  g_mutex_init (&self->queue_lock);
  self->context = g_main_context_ref_thread_default ();
  self->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->devices_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->touched = g_ptr_array_new ();
  self->history_capacity = MIMIC_HISTORY_DEFAULT_RAW_CAPACITY;
  self->max_devices = MIMIC_TWIN_STORE_DEFAULT_MAX_DEVICES;
  self->max_sensors = MIMIC_TWIN_STORE_DEFAULT_MAX_SENSORS;
  self->heartbeat_timeout = MIMIC_TWIN_STORE_DEFAULT_HEARTBEAT_TIMEOUT;
  restart_heartbeat (self);
}

MimicTwinStore *
mimic_twin_store_new (void)
{
  return g_object_new (MIMIC_TYPE_TWIN_STORE, NULL);
}

static void
begin_changes (MimicTwinStore *self)
{
  if (self->changes_depth++ == 0)
    self->n_devices_before = self->devices->len;
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  guint x = mimic_twin_device_get_position (*(MimicTwinDevice **) a);
  guint y = mimic_twin_device_get_position (*(MimicTwinDevice **) b);

  return (x > y) - (x < y);
}

static void
end_changes (MimicTwinStore *self)
{
  g_autoptr(GStrvBuilder) changed = NULL;
  g_auto(GStrv) ids = NULL;
  guint n_changed = 0;
  gboolean wanted;

  g_assert (self->changes_depth > 0);
  if (--self->changes_depth > 0)
    return;

  /* Without a listener the ids are not worth copying. */
  wanted = g_signal_has_handler_pending (self, signals[BATCH_APPLIED], 0, FALSE);
  changed = g_strv_builder_new ();

  /* In list order, so the signal's order does not depend on the order
   * updates came in; only the touched devices are visited. */
  if (self->touched->len > 0)
    {
      /* A handler below may apply more updates: those start a list of
       * their own. */
      g_autoptr(GPtrArray) touched = g_steal_pointer (&self->touched);

      self->touched = g_ptr_array_new ();
      g_ptr_array_sort (touched, compare_positions);
      for (guint i = 0; i < touched->len; i++)
        {
          MimicTwinDevice *device = g_ptr_array_index (touched, i);

          if (mimic_twin_device_end_changes (device) ||
              mimic_twin_device_get_position (device) >= self->n_devices_before)
            {
              if (wanted)
                g_strv_builder_add (changed, mimic_twin_device_get_id (device));
              n_changed++;
            }
        }
    }

  if (self->devices->len > self->n_devices_before)
    g_list_model_items_changed (G_LIST_MODEL (self), self->n_devices_before, 0,
                                self->devices->len - self->n_devices_before);

  if (n_changed == 0 || !wanted)
    return;

  ids = g_strv_builder_end (changed);
  g_signal_emit (self, signals[BATCH_APPLIED], 0, ids);
}

static void
touch (MimicTwinStore  *self,
       MimicTwinDevice *device)
{
  if (mimic_twin_device_is_changing (device))
    return;

  mimic_twin_device_begin_changes (device);
  g_ptr_array_add (self->touched, device);
}

static MimicTwinDevice *
ensure_device (MimicTwinStore *self,
               const char     *device_id)
{
  MimicTwinDevice *device = g_hash_table_lookup (self->devices_by_id, device_id);

  if (device == NULL)
    {
      if (self->devices->len >= self->max_devices)
        return NULL;

      device = mimic_twin_device_new (device_id, self->history_capacity, self->max_sensors);
      mimic_twin_device_set_position (device, self->devices->len);
      g_ptr_array_add (self->devices, device);
      g_hash_table_insert (self->devices_by_id, (char *) mimic_twin_device_get_id (device), device);
    }

  touch (self, device);
  return device;
}

/* Batches intern their strings, so consecutive updates for the same device
 * usually share one pointer: remembering the last one skips most lookups. */
typedef struct
{
  const char      *id;
  MimicTwinDevice *device;
  const char      *source_id;    /* the batch's feed */
} DeviceCache;

static MimicTwinDevice *
cached_device (MimicTwinStore *self,
               DeviceCache    *cache,
               const char     *device_id)
{
  if (cache->id != device_id)
    {
      cache->device = ensure_device (self, device_id);
      cache->id = device_id;
      /* Once per device and batch: the source its commands go back to. */
      if (cache->device != NULL)
        mimic_twin_device_set_source_id (cache->device, cache->source_id);
    }

  return cache->device;
}

/* Only in the rare case that the store refused some samples: the database
 * gets what the twin took, so refused ids do not pile up on disk either. */
static MimicUpdateBatch *
filter_refused_samples (MimicTwinStore   *self,
                        MimicUpdateBatch *batch)
{
  MimicUpdateBatch *accepted = mimic_update_batch_new ();
  guint n = mimic_update_batch_get_n_samples (batch);

  mimic_update_batch_set_source (accepted, mimic_update_batch_get_source (batch));
  for (guint i = 0; i < n; i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);
      MimicTwinDevice *device = g_hash_table_lookup (self->devices_by_id, sample->device_id);

      if (device != NULL && mimic_twin_device_has_sensor (device, sample->sensor_id))
        mimic_update_batch_add_sample (accepted, sample->device_id, sample->sensor_id,
                                       sample->timestamp_us, sample->value, sample->quality);
    }

  return accepted;
}

static void
apply_one (MimicTwinStore   *self,
           MimicUpdateBatch *batch,
           gint64            received_us)
{
  DeviceCache cache = { NULL, NULL, mimic_update_batch_get_source (batch) };
  guint64 refused = 0, refused_samples = 0;
  const MimicSample *samples;
  MimicTwinDevice *device;
  guint n;

  /* What a device is and whether it is there come first, so a batch that
   * starts a device and carries its first values reads as one event. */
  n = mimic_update_batch_get_n_births (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicBirth *birth = mimic_update_batch_get_birth (batch, i);

      if ((device = cached_device (self, &cache, birth->device_id)) != NULL)
        mimic_twin_device_apply_birth (device, birth, received_us);
      else
        refused++;
    }

  n = mimic_update_batch_get_n_presence (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicPresenceUpdate *update = mimic_update_batch_get_presence (batch, i);

      if ((device = cached_device (self, &cache, update->device_id)) != NULL)
        mimic_twin_device_apply_presence (device, update, received_us);
      else
        refused++;
    }

  /* A message's samples sit together in the batch with one interned
   * device id: each such run goes to its device in one call. */
  samples = mimic_update_batch_peek_samples (batch, &n);
  for (guint i = 0, run; i < n; i += run)
    {
      for (run = 1; i + run < n && samples[i + run].device_id == samples[i].device_id; run++)
        ;

      device = cached_device (self, &cache, samples[i].device_id);
      if (device == NULL)
        refused_samples += run;
      else
        refused_samples += mimic_twin_device_apply_samples (device, samples + i, run, received_us);
    }
  self->n_applied_samples += n - refused_samples;

  n = mimic_update_batch_get_n_parameters (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicParameterUpdate *update = mimic_update_batch_get_parameter (batch, i);

      device = cached_device (self, &cache, update->device_id);
      if (device == NULL || !mimic_twin_device_apply_parameter (device, update, received_us))
        refused++;
    }

  n = mimic_update_batch_get_n_sequence_gaps (batch);
  for (guint i = 0; i < n; i++)
    {
      const MimicSequenceGap *gap = mimic_update_batch_get_sequence_gap (batch, i);

      if ((device = cached_device (self, &cache, gap->device_id)) != NULL)
        mimic_twin_device_apply_sequence_gap (device, gap);
      else
        refused++;
    }

  if (refused + refused_samples > 0)
    {
      if (self->n_refused_updates == 0)
        g_debug ("Refusing updates beyond %u devices or %u sensors per device",
                 self->max_devices, self->max_sensors);
      self->n_refused_updates += refused + refused_samples;
    }

  if (self->history_db != NULL && mimic_update_batch_get_n_samples (batch) > refused_samples)
    {
      if (refused_samples == 0)
        {
          mimic_history_db_queue_batch (self->history_db, batch);
        }
      else
        {
          g_autoptr(MimicUpdateBatch) accepted = filter_refused_samples (self, batch);

          mimic_history_db_queue_batch (self->history_db, accepted);
        }
    }
}

/* Applies one batch now, on the store's main context. */
void
mimic_twin_store_apply_batch (MimicTwinStore   *self,
                              MimicUpdateBatch *batch)
{
  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (batch != NULL);

  begin_changes (self);
  apply_one (self, batch, g_get_real_time ());
  end_changes (self);
}

static GPtrArray *
take_queued (MimicTwinStore *self)
{
  GPtrArray *batches;

  g_mutex_lock (&self->queue_lock);
  batches = g_steal_pointer (&self->queued);
  self->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  self->queued_samples = 0;
  clear_source (&self->flush_source);
  g_mutex_unlock (&self->queue_lock);

  return batches;
}

/* Applies everything queued so far, as one change. */
void
mimic_twin_store_flush (MimicTwinStore *self)
{
  g_autoptr(GPtrArray) batches = NULL;
  gint64 received_us;

  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));

  batches = take_queued (self);
  if (batches->len == 0)
    return;

  received_us = g_get_real_time ();
  begin_changes (self);
  for (guint i = 0; i < batches->len; i++)
    apply_one (self, g_ptr_array_index (batches, i), received_us);
  end_changes (self);
}

static gboolean
on_flush (gpointer user_data)
{
  mimic_twin_store_flush (MIMIC_TWIN_STORE (user_data));

  return G_SOURCE_REMOVE;
}

/* Thread-safe. The first batch after a flush schedules the next one a frame
 * later; every batch until then joins it. */
void
mimic_twin_store_queue_batch (MimicTwinStore   *self,
                              MimicUpdateBatch *batch)
{
  guint n_samples;

  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (batch != NULL);

  if (mimic_update_batch_is_empty (batch))
    return;

  n_samples = mimic_update_batch_get_n_samples (batch);

  g_mutex_lock (&self->queue_lock);

  if (self->queued_samples + n_samples > MAX_QUEUED_SAMPLES)
    {
      self->n_dropped_samples += n_samples;
      g_mutex_unlock (&self->queue_lock);
      g_debug ("Main loop behind: dropped a batch of %u samples", n_samples);
      return;
    }

  g_ptr_array_add (self->queued, mimic_update_batch_ref (batch));
  self->queued_samples += n_samples;

  if (self->flush_source == NULL)
    {
      self->flush_source = g_timeout_source_new (FLUSH_DELAY_MS);
      g_source_set_callback (self->flush_source, on_flush, self, NULL);
      g_source_set_static_name (self->flush_source, "[mimic] twin flush");
      g_source_attach (self->flush_source, self->context);
    }

  g_mutex_unlock (&self->queue_lock);
}

MimicTwinDevice *
mimic_twin_store_lookup (MimicTwinStore *self,
                         const char     *device_id)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  return g_hash_table_lookup (self->devices_by_id, device_id);
}

static gboolean
on_heartbeat (gpointer user_data)
{
  MimicTwinStore *self = MIMIC_TWIN_STORE (user_data);
  gint64 silent_since = g_get_real_time () - self->heartbeat_timeout;

  begin_changes (self);
  for (guint i = 0; i < self->devices->len; i++)
    {
      MimicTwinDevice *device = g_ptr_array_index (self->devices, i);

      touch (self, device);
      mimic_twin_device_mark_stale (device, silent_since);
    }
  end_changes (self);

  return G_SOURCE_CONTINUE;
}

GTimeSpan
mimic_twin_store_get_heartbeat_timeout (MimicTwinStore *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), 0);

  return self->heartbeat_timeout;
}

void
mimic_twin_store_set_heartbeat_timeout (MimicTwinStore *self,
                                        GTimeSpan       timeout)
{
  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (timeout >= 0);

  if (self->heartbeat_timeout == timeout)
    return;

  self->heartbeat_timeout = timeout;
  restart_heartbeat (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEARTBEAT_TIMEOUT]);
}

guint
mimic_twin_store_get_history_capacity (MimicTwinStore *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), 0);

  return self->history_capacity;
}

/* Raw samples kept in memory per sensor, for sensors first seen after the
 * call. */
void
mimic_twin_store_set_history_capacity (MimicTwinStore *self,
                                       guint           raw_samples)
{
  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (raw_samples > 0);

  self->history_capacity = raw_samples;
}

guint64
mimic_twin_store_get_n_applied_samples (MimicTwinStore *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), 0);

  return self->n_applied_samples;
}

/* Caps the number of devices, and of sensors (and of parameters) per
 * device; updates beyond them are refused and counted. Applies to devices
 * and sensors first seen after the call. */
void
mimic_twin_store_set_limits (MimicTwinStore *self,
                             guint           max_devices,
                             guint           max_sensors_per_device)
{
  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (max_devices > 0);
  g_return_if_fail (max_sensors_per_device > 0);

  self->max_devices = max_devices;
  self->max_sensors = max_sensors_per_device;
}

/* Updates refused because of the limits, since the store was made. */
guint64
mimic_twin_store_get_n_refused_updates (MimicTwinStore *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), 0);

  return self->n_refused_updates;
}

guint64
mimic_twin_store_get_n_dropped_samples (MimicTwinStore *self)
{
  guint64 dropped;

  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), 0);

  g_mutex_lock (&self->queue_lock);
  dropped = self->n_dropped_samples;
  g_mutex_unlock (&self->queue_lock);

  return dropped;
}

MimicHistoryDb *
mimic_twin_store_get_history_db (MimicTwinStore *self)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), NULL);

  return self->history_db;
}

/* Every sample applied from now on is also written to db (on its writer
 * thread). NULL stops that. */
void
mimic_twin_store_set_history_db (MimicTwinStore *self,
                                 MimicHistoryDb *db)
{
  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (db == NULL || MIMIC_IS_HISTORY_DB (db));

  if (g_set_object (&self->history_db, db))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_DB]);
}

static void
restore_series (MimicTwinStore     *self,
                MimicHistorySeries *series)
{
  MimicTwinDevice *device = ensure_device (self, series->device_id);
  MimicHistory *history;
  gboolean created;

  if (device == NULL)
    return;

  history = mimic_twin_device_ensure_history (device, series->sensor_id, &created);
  if (history == NULL)
    return;

  /* Live data got there first: rings only take what is newer than their
   * start, so reloading older data now would mostly be dropped, and what
   * was not could be counted twice. Live data wins. */
  if (!created && mimic_history_get_n_added (history) > 0)
    return;

  for (guint i = 0; i < series->rollups->len; i++)
    mimic_history_add_rollup (history, &g_array_index (series->rollups, MimicHistoryBucket, i));

  for (guint i = 0; i < series->samples->len; i++)
    {
      const MimicHistoryBucket *sample = &g_array_index (series->samples, MimicHistoryBucket, i);

      mimic_history_add (history, sample->start_us, sample->mean);
    }

  if (series->samples->len > 0)
    {
      const MimicHistoryBucket *newest =
        &g_array_index (series->samples, MimicHistoryBucket, series->samples->len - 1);

      mimic_twin_device_restore_reading (device, series->sensor_id, newest->start_us, newest->mean);
    }
}

static void
load_history_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MimicTwinStore *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) series = NULL;
  GError *error = NULL;

  series = mimic_history_db_load_finish (MIMIC_HISTORY_DB (object), result, &error);
  if (series == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  begin_changes (self);
  for (guint i = 0; i < series->len; i++)
    restore_series (self, g_ptr_array_index (series, i));
  end_changes (self);

  g_task_return_boolean (task, TRUE);
}

/* Reads the history the database holds for every sensor (on a worker
 * thread) and fills the in-memory histories with it on the main loop;
 * devices it names appear with presence unknown and their last values
 * marked stale. Best called before feeds start: a sensor that already has
 * live data keeps only that. */
void
mimic_twin_store_load_history_async (MimicTwinStore      *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gint64 now = g_get_real_time ();

  g_return_if_fail (MIMIC_IS_TWIN_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mimic_twin_store_load_history_async);

  if (self->history_db == NULL)
    {
      g_task_return_new_error (task, MIMIC_TWIN_STORE_ERROR, MIMIC_TWIN_STORE_ERROR_NO_DATABASE,
                               _("No history database is open"));
      return;
    }

  /* Raw samples for as long as the 10 s ring reaches back (finer detail
   * than that would be dropped), rollups as far as the 1 h ring reaches. */
  mimic_history_db_load_async (self->history_db,
                               now - mimic_history_level_get_resolution (MIMIC_HISTORY_LEVEL_10S) *
                                     mimic_history_level_get_capacity (MIMIC_HISTORY_LEVEL_10S),
                               self->history_capacity,
                               now - mimic_history_level_get_resolution (MIMIC_HISTORY_LEVEL_1H) *
                                     mimic_history_level_get_capacity (MIMIC_HISTORY_LEVEL_1H),
                               cancellable, load_history_cb, g_steal_pointer (&task));
}

gboolean
mimic_twin_store_load_history_finish (MimicTwinStore  *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  g_return_val_if_fail (MIMIC_IS_TWIN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
