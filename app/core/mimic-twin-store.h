/* mimic-twin-store.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "mimic-history-db.h"
#include "mimic-twin-device.h"
#include "mimic-update-batch.h"

G_BEGIN_DECLS

#define MIMIC_TWIN_STORE_ERROR (mimic_twin_store_error_quark ())

typedef enum
{
  MIMIC_TWIN_STORE_ERROR_INVALID,       /* a value or name the twin cannot take */
  MIMIC_TWIN_STORE_ERROR_NO_DATABASE,   /* history reload without a database */
  MIMIC_TWIN_STORE_ERROR_LIMIT,         /* more devices, sensors or parameters than allowed */
} MimicTwinStoreError;

#define MIMIC_TWIN_STORE_DEFAULT_HEARTBEAT_TIMEOUT (60 * G_TIME_SPAN_SECOND)
/* Caps that keep a feed inventing ids from growing the twin without end. */
#define MIMIC_TWIN_STORE_DEFAULT_MAX_DEVICES       10000
#define MIMIC_TWIN_STORE_DEFAULT_MAX_SENSORS       512

#define MIMIC_TYPE_TWIN_STORE (mimic_twin_store_get_type ())

G_DECLARE_FINAL_TYPE (MimicTwinStore, mimic_twin_store, MIMIC, TWIN_STORE, GObject)

GQuark            mimic_twin_store_error_quark              (void);

MimicTwinStore   *mimic_twin_store_new                      (void);

void              mimic_twin_store_queue_batch              (MimicTwinStore       *self,
                                                             MimicUpdateBatch     *batch);
void              mimic_twin_store_apply_batch              (MimicTwinStore       *self,
                                                             MimicUpdateBatch     *batch);
void              mimic_twin_store_flush                    (MimicTwinStore       *self);

MimicTwinDevice  *mimic_twin_store_lookup                   (MimicTwinStore       *self,
                                                             const char           *device_id);

GTimeSpan         mimic_twin_store_get_heartbeat_timeout    (MimicTwinStore       *self);
void              mimic_twin_store_set_heartbeat_timeout    (MimicTwinStore       *self,
                                                             GTimeSpan             timeout);
guint             mimic_twin_store_get_history_capacity     (MimicTwinStore       *self);
void              mimic_twin_store_set_history_capacity     (MimicTwinStore       *self,
                                                             guint                 raw_samples);
guint64           mimic_twin_store_get_n_applied_samples    (MimicTwinStore       *self);
guint64           mimic_twin_store_get_n_dropped_samples    (MimicTwinStore       *self);
void              mimic_twin_store_set_limits               (MimicTwinStore       *self,
                                                             guint                 max_devices,
                                                             guint                 max_sensors_per_device);
guint64           mimic_twin_store_get_n_refused_updates    (MimicTwinStore       *self);

MimicHistoryDb   *mimic_twin_store_get_history_db           (MimicTwinStore       *self);
void              mimic_twin_store_set_history_db           (MimicTwinStore       *self,
                                                             MimicHistoryDb       *db);
void              mimic_twin_store_load_history_async       (MimicTwinStore       *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          mimic_twin_store_load_history_finish      (MimicTwinStore       *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

G_END_DECLS
