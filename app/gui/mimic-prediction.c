/* mimic-prediction.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-prediction"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mimic-prediction.h"

#define MINUTE 60.0
#define HOUR 3600.0
#define DAY 86400.0

MimicWhatifRequest *
mimic_prediction_request_new (MimicAsset       *asset,
                              MimicTwinDevice  *device,
                              MimicModel       *model,
                              double            horizon_s,
                              GError          **error)
{
  g_autoptr(MimicWhatifRequest) request = NULL;
  GPtrArray *sensors;

  g_return_val_if_fail (MIMIC_IS_ASSET (asset), NULL);
  g_return_val_if_fail (device == NULL || MIMIC_IS_TWIN_DEVICE (device), NULL);
  g_return_val_if_fail (MIMIC_IS_MODEL (model), NULL);

  request = mimic_whatif_request_new (model);
  if (!mimic_whatif_request_set_horizon (request, horizon_s, error))
    return NULL;

  sensors = mimic_asset_get_sensors (asset);
  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);
      MimicSensorReading reading;

      if (mimic_model_find_output (model, sensor->id) < 0)
        continue;

      /* A stale or bad value would start the prediction from a state the
       * device is not in; the model's own start is the better guess. */
      if (device != NULL &&
          mimic_twin_device_get_sensor (device, sensor->id, &reading) &&
          reading.quality == MIMIC_QUALITY_GOOD && isfinite (reading.value))
        mimic_whatif_request_set_reading (request, sensor->id, reading.value, NULL);

      for (guint kind = 0; kind < MIMIC_N_ALARM_LIMITS; kind++)
        {
          const MimicAlarmLimit *limit = &sensor->alarms.limits[kind];
          MimicLimitDirection direction = (kind == MIMIC_ALARM_LIMIT_HI || kind == MIMIC_ALARM_LIMIT_HIHI)
                                          ? MIMIC_LIMIT_RISING : MIMIC_LIMIT_FALLING;

          if (limit->enabled)
            mimic_whatif_request_add_limit (request, sensor->id, limit->value, direction, NULL);
        }
    }

  return g_steal_pointer (&request);
}

gboolean
mimic_prediction_request_apply (MimicWhatifRequest  *request,
                                const char          *id,
                                double               value,
                                GError             **error)
{
  MimicModel *model;

  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  model = mimic_whatif_request_get_model (request);
  if (mimic_model_find_input (model, id) < 0 && mimic_model_find_parameter (model, id) >= 0)
    return mimic_whatif_request_set_parameter (request, id, value, error);
  return mimic_whatif_request_set_override (request, id, value, error);
}

double
mimic_prediction_get_live_value (MimicAsset                *asset,
                                 MimicTwinDevice           *device,
                                 MimicModel                *model,
                                 const MimicAssetParameter *parameter,
                                 gboolean                  *is_live)
{
  MimicSensorReading reading;
  double value;
  int input;

  g_return_val_if_fail (parameter != NULL, NAN);

  if (is_live != NULL)
    *is_live = TRUE;

  if (device != NULL)
    {
      if (mimic_twin_device_get_reported (device, parameter->id, &value) && isfinite (value))
        return value;
      if (mimic_twin_device_get_sensor (device, parameter->id, &reading) &&
          reading.quality == MIMIC_QUALITY_GOOD && isfinite (reading.value))
        return reading.value;

      input = model != NULL ? mimic_model_find_input (model, parameter->id) : -1;
      if (input >= 0)
        {
          const MimicModelInputInfo *info = mimic_model_get_input_info (model, input);

          if (info->sensor_id != NULL &&
              mimic_twin_device_get_sensor (device, info->sensor_id, &reading) &&
              reading.quality == MIMIC_QUALITY_GOOD && isfinite (reading.value))
            return reading.value;
        }
    }

  if (is_live != NULL)
    *is_live = FALSE;
  return parameter->default_value;
}

double
mimic_prediction_value_at (MimicWhatifResult *result,
                           const char        *sensor_id,
                           double             seconds)
{
  const double *times, *values;
  guint n;

  g_return_val_if_fail (result != NULL, NAN);

  values = mimic_whatif_result_get_trajectory (result, sensor_id);
  n = mimic_whatif_result_get_n_points (result);
  if (values == NULL || n == 0)
    return NAN;

  times = mimic_whatif_result_get_times (result);
  if (seconds <= times[0])
    return values[0];
  for (guint i = 1; i < n; i++)
    {
      if (seconds <= times[i])
        {
          double span = times[i] - times[i - 1];
          double f = span > 0 ? (seconds - times[i - 1]) / span : 1.0;

          return values[i - 1] + f * (values[i] - values[i - 1]);
        }
    }
  return values[n - 1];
}

static MimicDisplayState
display_state_for_priority (MimicAlarmPriority priority)
{
  switch (priority)
    {
    case MIMIC_ALARM_PRIORITY_LOW:
      return MIMIC_DISPLAY_STATE_ALARM_LOW;
    case MIMIC_ALARM_PRIORITY_MEDIUM:
      return MIMIC_DISPLAY_STATE_ALARM_MEDIUM;
    case MIMIC_ALARM_PRIORITY_HIGH:
      return MIMIC_DISPLAY_STATE_ALARM_HIGH;
    case MIMIC_ALARM_PRIORITY_CRITICAL:
    default:
      return MIMIC_DISPLAY_STATE_ALARM_URGENT;
    }
}

MimicDisplayState
mimic_prediction_get_sensor_state (MimicWhatifResult *result,
                                   MimicAsset        *asset,
                                   const char        *sensor_id,
                                   double             seconds)
{
  const MimicAssetSensor *sensor;
  MimicDisplayState state = MIMIC_DISPLAY_STATE_NORMAL;
  double value;

  g_return_val_if_fail (result != NULL, MIMIC_DISPLAY_STATE_STALE);
  g_return_val_if_fail (MIMIC_IS_ASSET (asset), MIMIC_DISPLAY_STATE_STALE);

  sensor = mimic_asset_get_sensor (asset, sensor_id);
  value = mimic_prediction_value_at (result, sensor_id, seconds);
  if (sensor == NULL || !isfinite (value))
    return MIMIC_DISPLAY_STATE_STALE;

  if (sensor->has_normal && (value < sensor->normal_low || value > sensor->normal_high))
    state = MIMIC_DISPLAY_STATE_ABNORMAL;

  /* The worst limit passed decides; the enum is ordered by severity. */
  for (guint kind = 0; kind < MIMIC_N_ALARM_LIMITS; kind++)
    {
      const MimicAlarmLimit *limit = &sensor->alarms.limits[kind];
      gboolean rising = kind == MIMIC_ALARM_LIMIT_HI || kind == MIMIC_ALARM_LIMIT_HIHI;
      MimicDisplayState limit_state;

      if (!limit->enabled || (rising ? value < limit->value : value > limit->value))
        continue;
      limit_state = display_state_for_priority (limit->priority);
      if (limit_state > state)
        state = limit_state;
    }
  return state;
}

char *
mimic_prediction_format_duration (double seconds)
{
  guint64 minutes, hours, days;

  if (!isfinite (seconds))
    return g_strdup ("∞");
  if (seconds < MINUTE)
    return g_strdup (_("< 1 min"));

  /* Rounded to the unit shown last, so "1 h 60 min" cannot happen. */
  if (seconds < HOUR)
    return g_strdup_printf (_("%u min"), (guint) round (seconds / MINUTE));

  if (seconds < DAY)
    {
      minutes = (guint64) round (seconds / MINUTE);
      hours = minutes / 60;
      minutes %= 60;
      if (hours >= 24)
        return g_strdup (_("1 d"));
      if (minutes == 0)
        return g_strdup_printf (_("%u h"), (guint) hours);
      return g_strdup_printf (_("%u h %u min"), (guint) hours, (guint) minutes);
    }

  hours = (guint64) round (seconds / HOUR);
  days = hours / 24;
  hours %= 24;
  /* Beyond a few months the hours are noise. */
  if (hours == 0 || days >= 100)
    return g_strdup_printf (_("%u d"), (guint) MIN (days, G_MAXUINT));
  return g_strdup_printf (_("%u d %u h"), (guint) days, (guint) hours);
}

char *
mimic_prediction_format_time_to (double seconds,
                                 double horizon_s)
{
  g_autofree char *duration = NULL;

  if (isnan (seconds))
    return g_strdup (_("unknown"));
  if (!isfinite (seconds))
    {
      duration = mimic_prediction_format_duration (horizon_s);
      /* TRANSLATORS: %s is a duration such as "30 d" */
      return g_strdup_printf (_("not within %s"), duration);
    }
  if (seconds <= 0)
    return g_strdup (_("now"));

  duration = mimic_prediction_format_duration (seconds);
  /* TRANSLATORS: %s is a duration such as "3 d 4 h" */
  return g_strdup_printf (_("in %s"), duration);
}

char *
mimic_prediction_format_value (double      value,
                               const char *unit)
{
  double magnitude = fabs (value);
  int decimals;

  if (!isfinite (value))
    return g_strdup ("—");

  if (magnitude >= 100 || magnitude == 0)
    decimals = 0;
  else if (magnitude >= 10)
    decimals = 1;
  else if (magnitude >= 1)
    decimals = 2;
  else
    decimals = 3;

  if (unit == NULL || *unit == '\0')
    return g_strdup_printf ("%.*f", decimals, value);
  return g_strdup_printf ("%.*f %s", decimals, value, unit);
}

char *
mimic_prediction_describe_limit (MimicAsset            *asset,
                                 const MimicModelLimit *limit)
{
  const MimicAssetSensor *sensor = asset != NULL ? mimic_asset_get_sensor (asset, limit->sensor_id) : NULL;
  const char *title = sensor != NULL ? sensor->title : limit->sensor_id;
  g_autofree char *value = mimic_prediction_format_value (limit->value, sensor != NULL ? sensor->unit : NULL);

  if (limit->direction == MIMIC_LIMIT_RISING)
    /* TRANSLATORS: "Vibration above 4.5 mm/s" */
    return g_strdup_printf (_("%s above %s"), title, value);
  /* TRANSLATORS: "Flow below 20 m³/h" */
  return g_strdup_printf (_("%s below %s"), title, value);
}

static int
compare_crossing_times (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  MimicWhatifResult *result = user_data;
  double time_a = mimic_whatif_result_get_crossing_time (result, *(const guint *) a);
  double time_b = mimic_whatif_result_get_crossing_time (result, *(const guint *) b);

  return (time_a > time_b) - (time_a < time_b);
}

char *
mimic_prediction_format_summary (MimicWhatifResult *result,
                                 MimicAsset        *asset)
{
  GString *text = g_string_new (NULL);
  double horizon = mimic_whatif_result_get_horizon (result);
  gboolean extrapolated = FALSE;
  guint n_limits, n_not_reached = 0;
  GArray *order;
  double life;

  /* Limits reached within the horizon, soonest first; the rest in one
   * line, so the summary stays short enough to read at a glance. */
  n_limits = mimic_whatif_result_get_n_limits (result);
  order = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_limits);
  for (guint i = 0; i < n_limits; i++)
    {
      if (isfinite (mimic_whatif_result_get_crossing_time (result, i)))
        g_array_append_val (order, i);
      else
        n_not_reached++;
    }
  g_array_sort_with_data (order, compare_crossing_times, result);
  for (guint k = 0; k < order->len; k++)
    {
      guint i = g_array_index (order, guint, k);
      g_autofree char *limit = mimic_prediction_describe_limit (asset, mimic_whatif_result_get_limit (result, i));
      g_autofree char *when = mimic_prediction_format_time_to (mimic_whatif_result_get_crossing_time (result, i),
                                                               horizon);

      g_string_append_printf (text, "%s: %s\n", limit, when);
    }
  if (n_not_reached > 0)
    {
      g_autofree char *when = mimic_prediction_format_time_to (INFINITY, horizon);

      if (order->len > 0)
        /* TRANSLATORS: "12 other limits: not within 30 d" */
        g_string_append_printf (text, ngettext ("%u other limit: %s", "%u other limits: %s", n_not_reached),
                                n_not_reached, when);
      else
        g_string_append_printf (text, ngettext ("%u limit: %s", "All %u limits: %s", n_not_reached),
                                n_not_reached, when);
      g_string_append_c (text, '\n');
    }
  g_array_unref (order);

  life = mimic_whatif_result_get_remaining_life (result, &extrapolated);
  if (isfinite (life))
    {
      g_autofree char *duration = mimic_prediction_format_duration (life);

      if (extrapolated)
        /* TRANSLATORS: %s is a duration; the figure is extrapolated */
        g_string_append_printf (text, _("Remaining useful life: about %s"), duration);
      else
        g_string_append_printf (text, _("Remaining useful life: %s"), duration);
      g_string_append_c (text, '\n');
    }
  else if (!isnan (life))
    {
      g_autofree char *duration = mimic_prediction_format_duration (horizon);

      /* No wear-out trend at the end of the horizon to extrapolate. */
      g_string_append_printf (text, _("Remaining useful life: more than %s"), duration);
      g_string_append_c (text, '\n');
    }

  for (guint i = 0; i < mimic_whatif_result_get_n_kpis (result); i++)
    {
      const char *unit = NULL;
      double value = NAN;
      const char *id = mimic_whatif_result_get_kpi (result, i, &value, &unit);
      g_autofree char *shown = mimic_prediction_format_value (value, unit);
      g_autofree char *duration = mimic_prediction_format_duration (horizon);

      if (g_strcmp0 (id, "energy") == 0)
        /* TRANSLATORS: "Energy over 30 d: 25000 kWh" */
        g_string_append_printf (text, _("Energy over %s: %s"), duration, shown);
      else if (g_strcmp0 (id, "cost") == 0)
        g_string_append_printf (text, _("Cost over %s: %s"), duration, shown);
      else
        g_string_append_printf (text, "%s: %s", id, shown);
      g_string_append_c (text, '\n');
    }

  if (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);
  return g_string_free (text, FALSE);
}
