/* mimic-fleet-item.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fleet"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-fleet-item.h"

struct _MimicFleetItem
{
  GObject          parent_instance;

  MimicTwinDevice *device;
  MimicAsset      *asset;
  const char      *key_sensor;      /* owned by the asset */
  const char      *key_unit;        /* owned by the asset */
  char            *asset_type;
  char            *key_text;
  char            *search_text;
  double           key_value;
  MimicPresence    presence;
  guint            alarm_priority;
};

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_ID,
  PROP_ASSET_TYPE,
  PROP_PRESENCE_TEXT,
  PROP_ALARM_PRIORITY,
  PROP_ALARM_TEXT,
  PROP_KEY_TEXT,
  PROP_KEY_VALUE,
  PROP_SEARCH_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MimicFleetItem, mimic_fleet_item, G_TYPE_OBJECT)

/* Sensors that say at a glance how an asset is doing, by preference. */
static const char * const key_sensor_candidates[] = { "flow", "soc", "power", "speed", NULL };

const char *
mimic_fleet_item_priority_label (guint priority)
{
  switch (priority)
    {
    case 0: return "";
    case MIMIC_ALARM_PRIORITY_LOW: return _("Low");
    case MIMIC_ALARM_PRIORITY_MEDIUM: return _("Medium");
    case MIMIC_ALARM_PRIORITY_HIGH: return _("High");
    default: return _("Critical");
    }
}

const char *
mimic_fleet_item_get_presence_text (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  switch (self->presence)
    {
    case MIMIC_PRESENCE_ONLINE: return _("Online");
    case MIMIC_PRESENCE_OFFLINE: return _("Offline");
    case MIMIC_PRESENCE_UNKNOWN:
    default: return _("Unknown");
    }
}

static void
mimic_fleet_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MimicFleetItem *self = MIMIC_FLEET_ITEM (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;
    case PROP_ID:
      g_value_set_string (value, mimic_twin_device_get_id (self->device));
      break;
    case PROP_ASSET_TYPE:
      g_value_set_string (value, self->asset_type);
      break;
    case PROP_PRESENCE_TEXT:
      g_value_set_string (value, mimic_fleet_item_get_presence_text (self));
      break;
    case PROP_ALARM_PRIORITY:
      g_value_set_uint (value, self->alarm_priority);
      break;
    case PROP_ALARM_TEXT:
      g_value_set_string (value, mimic_fleet_item_priority_label (self->alarm_priority));
      break;
    case PROP_KEY_TEXT:
      g_value_set_string (value, self->key_text);
      break;
    case PROP_KEY_VALUE:
      g_value_set_double (value, self->key_value);
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_fleet_item_finalize (GObject *object)
{
  MimicFleetItem *self = MIMIC_FLEET_ITEM (object);

  g_clear_object (&self->device);
  g_clear_object (&self->asset);
  g_clear_pointer (&self->asset_type, g_free);
  g_clear_pointer (&self->key_text, g_free);
  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (mimic_fleet_item_parent_class)->finalize (object);
}

static void
mimic_fleet_item_class_init (MimicFleetItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = mimic_fleet_item_finalize;
  object_class->get_property = mimic_fleet_item_get_property;

  properties[PROP_DEVICE] = g_param_spec_object ("device", NULL, NULL, MIMIC_TYPE_TWIN_DEVICE, flags);
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_ASSET_TYPE] = g_param_spec_string ("asset-type", NULL, NULL, NULL, flags);
  properties[PROP_PRESENCE_TEXT] = g_param_spec_string ("presence-text", NULL, NULL, NULL, flags);
  properties[PROP_ALARM_PRIORITY] = g_param_spec_uint ("alarm-priority", NULL, NULL, 0, 4, 0, flags);
  properties[PROP_ALARM_TEXT] = g_param_spec_string ("alarm-text", NULL, NULL, NULL, flags);
  properties[PROP_KEY_TEXT] = g_param_spec_string ("key-text", NULL, NULL, NULL, flags);
  properties[PROP_KEY_VALUE] = g_param_spec_double ("key-value", NULL, NULL,
                                                    -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_SEARCH_TEXT] = g_param_spec_string ("search-text", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_fleet_item_init (MimicFleetItem *self)
{
  self->key_value = -G_MAXDOUBLE;
}

static void
update_search_text (MimicFleetItem *self)
{
  g_free (self->search_text);
  self->search_text = g_strjoin (" ", mimic_twin_device_get_id (self->device),
                                 self->asset_type != NULL ? self->asset_type : "", NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_TEXT]);
}

MimicFleetItem *
mimic_fleet_item_new (MimicTwinDevice *device)
{
  MimicFleetItem *self;

  g_return_val_if_fail (MIMIC_IS_TWIN_DEVICE (device), NULL);

  self = g_object_new (MIMIC_TYPE_FLEET_ITEM, NULL);
  self->device = g_object_ref (device);
  self->key_text = g_strdup ("");
  self->search_text = g_strdup (mimic_twin_device_get_id (device));
  mimic_fleet_item_refresh (self);
  return self;
}

MimicTwinDevice *
mimic_fleet_item_get_device (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  return self->device;
}

const char *
mimic_fleet_item_get_id (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  return mimic_twin_device_get_id (self->device);
}

void
mimic_fleet_item_set_asset (MimicFleetItem *self,
                            MimicAsset     *asset)
{
  g_return_if_fail (MIMIC_IS_FLEET_ITEM (self));

  if (!g_set_object (&self->asset, asset))
    return;

  self->key_sensor = NULL;
  self->key_unit = NULL;
  for (guint i = 0; asset != NULL && key_sensor_candidates[i] != NULL; i++)
    {
      const MimicAssetSensor *sensor = mimic_asset_get_sensor (asset, key_sensor_candidates[i]);

      if (sensor != NULL)
        {
          self->key_sensor = sensor->id;
          self->key_unit = sensor->unit;
          break;
        }
    }
  mimic_fleet_item_refresh (self);
}

MimicAsset *
mimic_fleet_item_get_asset (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  return self->asset;
}

const char *
mimic_fleet_item_get_key_sensor (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  return self->key_sensor;
}

void
mimic_fleet_item_refresh (MimicFleetItem *self)
{
  MimicPresence presence;
  const char *asset_type;
  MimicSensorReading reading;

  g_return_if_fail (MIMIC_IS_FLEET_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));

  presence = mimic_twin_device_get_presence (self->device);
  if (presence != self->presence)
    {
      self->presence = presence;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE_TEXT]);
    }

  asset_type = mimic_twin_device_get_asset_type (self->device);
  if (g_strcmp0 (asset_type, self->asset_type) != 0)
    {
      g_free (self->asset_type);
      self->asset_type = g_strdup (asset_type);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ASSET_TYPE]);
      update_search_text (self);
    }

  if (self->key_sensor != NULL &&
      mimic_twin_device_get_sensor (self->device, self->key_sensor, &reading) &&
      isfinite (reading.value))
    {
      /* Three significant figures are what a list can show; a redraw for
       * every last digit would be noise to the eye and work for nothing. */
      g_autofree char *text = g_strdup_printf ("%.3g %s", reading.value,
                                               self->key_unit != NULL ? self->key_unit : "");

      if (reading.value != self->key_value)
        {
          self->key_value = reading.value;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_VALUE]);
        }
      if (g_strcmp0 (text, self->key_text) != 0)
        {
          g_free (self->key_text);
          self->key_text = g_steal_pointer (&text);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_TEXT]);
        }
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
mimic_fleet_item_set_alarm_priority (MimicFleetItem *self,
                                     guint           priority)
{
  g_return_if_fail (MIMIC_IS_FLEET_ITEM (self));

  priority = MIN (priority, MIMIC_ALARM_PRIORITY_CRITICAL);
  if (priority == self->alarm_priority)
    return;

  self->alarm_priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALARM_PRIORITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALARM_TEXT]);
}

guint
mimic_fleet_item_get_alarm_priority (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), 0);

  return self->alarm_priority;
}

const char *
mimic_fleet_item_get_key_text (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), NULL);

  return self->key_text;
}

double
mimic_fleet_item_get_key_value (MimicFleetItem *self)
{
  g_return_val_if_fail (MIMIC_IS_FLEET_ITEM (self), 0);

  return self->key_value;
}
