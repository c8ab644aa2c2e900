/* mimic-cli-whatif.c — `mimic-cli whatif --asset FILE --state FILE --set name=value … --horizon 30d`
 * and `mimic-cli whatif --asset FILE --url URL --device ID …`
 *
 * Runs the asset's physics model forward from a device's state under
 * changed conditions and prints when each alarm limit would be reached,
 * the key figures and the remaining useful life. The state comes from a
 * file, or live from the device through a feed and a twin store, as in
 * the console.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimic-asset.h"
#include "mimic-cli-commands.h"
#include "mimic-cli-feed.h"
#include "mimic-feed.h"
#include "mimic-twin-store.h"
#include "mimic-whatif.h"

#define DEFAULT_LIVE_TIMEOUT_S 10.0

/* "30d", "12h", "90m", "3600s", "2w" or plain seconds. */
static gboolean
parse_duration (const char  *text,
                double      *seconds,
                GError     **error)
{
  char *end = NULL;
  double value, unit = 1.0;

  value = g_ascii_strtod (text, &end);
  if (end == text)
    goto invalid;
  if (g_str_equal (end, "") || g_str_equal (end, "s"))
    unit = 1.0;
  else if (g_str_equal (end, "m"))
    unit = 60.0;
  else if (g_str_equal (end, "h"))
    unit = 3600.0;
  else if (g_str_equal (end, "d"))
    unit = 86400.0;
  else if (g_str_equal (end, "w"))
    unit = 7 * 86400.0;
  else
    goto invalid;

  *seconds = value * unit;
  return TRUE;

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("“%s” is not a duration such as 30d, 12h, 90m or 3600s"), text);
  return FALSE;
}

static char *
format_duration (double seconds)
{
  if (isinf (seconds))
    return g_strdup ("—");
  if (seconds >= 2 * 86400.0)
    return g_strdup_printf ("%.2f d", seconds / 86400.0);
  if (seconds >= 2 * 3600.0)
    return g_strdup_printf ("%.2f h", seconds / 3600.0);
  return g_strdup_printf ("%.0f s", seconds);
}

static gboolean
split_assignment (const char  *text,
                  char       **name,
                  char       **value)
{
  const char *equals = strchr (text, '=');

  if (equals == NULL || equals == text || equals[1] == '\0')
    return FALSE;
  *name = g_strndup (text, equals - text);
  *value = g_strdup (equals + 1);
  return TRUE;
}

static gboolean
parse_number (const char *text,
              double     *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

/* A state file is {"sensor": number, …}, or a telemetry message whose
 * "values" member is that. */
static gboolean
load_state (MimicWhatifRequest  *request,
            const char          *path,
            GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;
  object = json_node_get_object (root);
  if (json_object_has_member (object, "values"))
    {
      JsonNode *values = json_object_get_member (object, "values");

      if (!JSON_NODE_HOLDS_OBJECT (values))
        goto invalid;
      object = json_node_get_object (values);
    }

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);
      g_autoptr(GError) local_error = NULL;

      if (!JSON_NODE_HOLDS_VALUE (node) ||
          (json_node_get_value_type (node) != G_TYPE_DOUBLE && json_node_get_value_type (node) != G_TYPE_INT64))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("%s: “%s” is not a number"), path, (const char *) l->data);
          return FALSE;
        }
      /* Readings of sensors the model does not have are not an error: a
       * state file may come from a fuller device. */
      if (!mimic_whatif_request_set_reading (request, l->data, json_node_get_double (node), &local_error) &&
          !g_error_matches (local_error, MIMIC_MODEL_ERROR, MIMIC_MODEL_ERROR_UNKNOWN_NAME))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path, local_error->message);
          return FALSE;
        }
    }
  return TRUE;

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("%s: a state file is a JSON object of sensor values"), path);
  return FALSE;
}

/* Waiting for a live device's state */

typedef struct
{
  MimicTwinStore *store;
  gboolean        started;
  GError         *start_error;
} LiveSource;

static void
on_feed_started (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LiveSource *source = user_data;

  source->started = TRUE;
  mimic_feed_start_finish (MIMIC_FEED (object), result, &source->start_error);
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Sensors of the asset that the model predicts and @device has no reading
 * of yet, comma-separated; NULL when none is missing. */
static char *
dup_missing_readings (MimicAsset      *asset,
                      MimicModel      *model,
                      MimicTwinDevice *device)
{
  GPtrArray *sensors = mimic_asset_get_sensors (asset);
  g_autoptr(GString) missing = g_string_new (NULL);

  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);
      MimicSensorReading reading;

      if (mimic_model_find_output (model, sensor->id) < 0)
        continue;
      if (device != NULL && mimic_twin_device_get_sensor (device, sensor->id, &reading))
        continue;
      if (missing->len > 0)
        g_string_append (missing, ", ");
      g_string_append (missing, sensor->id);
    }
  return missing->len > 0 ? g_string_free (g_steal_pointer (&missing), FALSE) : NULL;
}

/* Connects to @url, waits until @device_id has reported every sensor the
 * model predicts, and sets those readings on @request. Off the main loop
 * of any UI: this is a command-line program, so it may iterate its own. */
static gboolean
load_live_state (MimicWhatifRequest  *request,
                 MimicAsset          *asset,
                 const char          *url,
                 const char          *device_id,
                 double               timeout_s,
                 GError             **error)
{
  g_autoptr(MimicFeed) feed = NULL;
  g_autoptr(MimicTwinStore) store = mimic_twin_store_new ();
  g_autofree char *missing = NULL;
  MimicModel *model = mimic_whatif_request_get_model (request);
  LiveSource source = { store, FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  MimicTwinDevice *device = NULL;
  gboolean ok = FALSE;
  guint wake_source;

  feed = mimic_feed_new_for_url (url, error);
  if (feed == NULL)
    return FALSE;
  mimic_cli_feed_into_store (feed, store);

  /* Wake the loop now and then so that the deadline is noticed on a quiet
   * source too. */
  wake_source = g_timeout_add (50, wake_up, NULL);
  mimic_feed_start_async (feed, NULL, on_feed_started, &source);

  while (TRUE)
    {
      g_main_context_iteration (NULL, TRUE);

      if (source.start_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&source.start_error));
          goto out;
        }
      device = mimic_twin_store_lookup (store, device_id);
      g_clear_pointer (&missing, g_free);
      missing = dup_missing_readings (asset, model, device);
      if (source.started && missing == NULL)
        break;
      if (g_get_monotonic_time () >= deadline)
        {
          if (!source.started)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("Could not connect to %s within %g s"), url, timeout_s);
          else if (device == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("Device “%s” sent nothing within %g s"), device_id, timeout_s);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         _("Device “%s” did not report %s within %g s"), device_id, missing, timeout_s);
          goto out;
        }
    }

  for (guint i = 0; i < mimic_model_get_n_outputs (model); i++)
    {
      const char *sensor_id = mimic_model_get_output_info (model, i)->id;
      MimicSensorReading reading;

      /* Values the store marked bad or out of range are not a state to
       * predict from; the model's own initial state stands in. */
      if (!mimic_twin_device_get_sensor (device, sensor_id, &reading) ||
          (reading.quality != MIMIC_QUALITY_GOOD && reading.quality != MIMIC_QUALITY_STALE))
        continue;
      if (!mimic_whatif_request_set_reading (request, sensor_id, reading.value, error))
        goto out;
    }
  ok = TRUE;

out:
  g_source_remove (wake_source);
  mimic_feed_stop (feed);
  /* Batches the feed handed over while stopping are applied (and freed)
   * by the store on this loop. */
  mimic_twin_store_flush (store);
  g_clear_error (&source.start_error);
  return ok;
}

static void
add_limits (MimicWhatifRequest *request,
            MimicAsset         *asset,
            GPtrArray          *labels)
{
  GPtrArray *sensors = mimic_asset_get_sensors (asset);

  for (guint i = 0; i < sensors->len; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i);

      for (guint kind = 0; kind < MIMIC_N_ALARM_LIMITS; kind++)
        {
          const MimicAlarmLimit *limit = &sensor->alarms.limits[kind];
          MimicLimitDirection direction = (kind == MIMIC_ALARM_LIMIT_HI || kind == MIMIC_ALARM_LIMIT_HIHI)
                                          ? MIMIC_LIMIT_RISING : MIMIC_LIMIT_FALLING;

          if (!limit->enabled)
            continue;
          /* Sensors the model does not predict have no crossing time. */
          if (mimic_whatif_request_add_limit (request, sensor->id, limit->value, direction, NULL))
            g_ptr_array_add (labels, g_strdup (mimic_alarm_limit_kind_to_string (kind)));
        }
    }
}

static void
add_time (JsonBuilder *builder,
          const char  *member,
          double       seconds)
{
  json_builder_set_member_name (builder, member);
  if (isfinite (seconds))
    json_builder_add_double_value (builder, seconds);
  else
    json_builder_add_null_value (builder);
}

static void
print_json (MimicWhatifResult *result,
            MimicModel        *model,
            GPtrArray         *labels)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gboolean extrapolated;
  double rul = mimic_whatif_result_get_remaining_life (result, &extrapolated);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, mimic_model_get_name (model));
  json_builder_set_member_name (builder, "serial");
  json_builder_add_int_value (builder, mimic_whatif_result_get_serial (result));
  json_builder_set_member_name (builder, "horizon_s");
  json_builder_add_double_value (builder, mimic_whatif_result_get_horizon (result));

  json_builder_set_member_name (builder, "overrides");
  json_builder_begin_object (builder);
  for (guint i = 0; i < mimic_whatif_result_get_n_overrides (result); i++)
    {
      double value;
      const char *id = mimic_whatif_result_get_override (result, i, &value);

      json_builder_set_member_name (builder, id);
      json_builder_add_double_value (builder, value);
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "crossings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
    {
      const MimicModelLimit *limit = mimic_whatif_result_get_limit (result, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "sensor");
      json_builder_add_string_value (builder, limit->sensor_id);
      json_builder_set_member_name (builder, "limit");
      json_builder_add_string_value (builder, g_ptr_array_index (labels, i));
      json_builder_set_member_name (builder, "value");
      json_builder_add_double_value (builder, limit->value);
      add_time (builder, "time_s", mimic_whatif_result_get_crossing_time (result, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "kpis");
  json_builder_begin_object (builder);
  for (guint i = 0; i < mimic_whatif_result_get_n_kpis (result); i++)
    {
      double value;
      const char *unit;
      const char *id = mimic_whatif_result_get_kpi (result, i, &value, &unit);

      json_builder_set_member_name (builder, id);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "value");
      json_builder_add_double_value (builder, value);
      json_builder_set_member_name (builder, "unit");
      json_builder_add_string_value (builder, unit);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  add_time (builder, "remaining_life_s", rul);
  json_builder_set_member_name (builder, "remaining_life_extrapolated");
  json_builder_add_boolean_value (builder, extrapolated);

  if (mimic_whatif_result_get_n_sweep (result) > 0)
    {
      json_builder_set_member_name (builder, "sweep");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "input");
      json_builder_add_string_value (builder, mimic_whatif_result_get_sweep_input (result));
      json_builder_set_member_name (builder, "points");
      json_builder_begin_array (builder);
      for (guint step = 0; step < mimic_whatif_result_get_n_sweep (result); step++)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "value");
          json_builder_add_double_value (builder, mimic_whatif_result_get_sweep_value (result, step));
          json_builder_set_member_name (builder, "crossing_times_s");
          json_builder_begin_array (builder);
          for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
            {
              double t = mimic_whatif_result_get_sweep_crossing_time (result, step, i);

              if (isfinite (t))
                json_builder_add_double_value (builder, t);
              else
                json_builder_add_null_value (builder);
            }
          json_builder_end_array (builder);
          add_time (builder, "remaining_life_s", mimic_whatif_result_get_sweep_remaining_life (result, step));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_text (MimicWhatifResult *result,
            MimicModel        *model,
            GPtrArray         *labels)
{
  g_autofree char *horizon = format_duration (mimic_whatif_result_get_horizon (result));
  g_autofree char *life = NULL;
  gboolean extrapolated;
  double rul = mimic_whatif_result_get_remaining_life (result, &extrapolated);

  g_print (_("Prediction for %s over %s"), mimic_model_get_name (model), horizon);
  g_print ("\n");
  for (guint i = 0; i < mimic_whatif_result_get_n_overrides (result); i++)
    {
      double value;
      const char *id = mimic_whatif_result_get_override (result, i, &value);

      g_print ("  %s = %g\n", id, value);
    }

  g_print ("%s\n", _("Time until each alarm limit (— not within the horizon):"));
  for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
    {
      const MimicModelLimit *limit = mimic_whatif_result_get_limit (result, i);
      g_autofree char *when = format_duration (mimic_whatif_result_get_crossing_time (result, i));
      g_autofree char *label = g_strdup_printf ("%s %s %g", limit->sensor_id,
                                                (const char *) g_ptr_array_index (labels, i), limit->value);

      g_print ("  %-32s %s\n", label, when);
    }

  g_print ("%s\n", _("Key figures:"));
  for (guint i = 0; i < mimic_whatif_result_get_n_kpis (result); i++)
    {
      double value;
      const char *unit;
      const char *id = mimic_whatif_result_get_kpi (result, i, &value, &unit);

      g_print ("  %-32s %.2f %s\n", id, value, unit);
    }

  life = format_duration (rul);
  g_print ("%s %s%s\n", _("Remaining useful life:"), life,
           extrapolated && isfinite (rul) ? _(" (extrapolated)") : "");

  if (mimic_whatif_result_get_n_sweep (result) > 0)
    {
      g_print (_("Sweep of %s:"), mimic_whatif_result_get_sweep_input (result));
      g_print ("\n");
      for (guint step = 0; step < mimic_whatif_result_get_n_sweep (result); step++)
        {
          g_print ("  %10g", mimic_whatif_result_get_sweep_value (result, step));
          for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
            {
              g_autofree char *when = format_duration (mimic_whatif_result_get_sweep_crossing_time (result, step, i));

              g_print ("  %10s", when);
            }
          g_print ("\n");
        }
    }
}

int
mimic_cli_whatif (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAsset) asset = NULL;
  g_autoptr(MimicModel) model = NULL;
  g_autoptr(MimicWhatifRequest) request = NULL;
  g_autoptr(MimicWhatifResult) result = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *parameter_names;
  g_autofree char *asset_path = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *device = NULL;
  g_autofree char *url = NULL;
  g_autofree char *horizon_text = NULL;
  g_autofree char *sweep_text = NULL;
  g_auto(GStrv) assignments = NULL;
  gboolean json = FALSE;
  double horizon = 30 * 86400.0;
  double live_timeout = DEFAULT_LIVE_TIMEOUT_S;
  const GOptionEntry entries[] = {
    { "asset", 'a', 0, G_OPTION_ARG_FILENAME, &asset_path, N_("Asset description"), N_("FILE") },
    { "state", 0, 0, G_OPTION_ARG_FILENAME, &state_path, N_("JSON file of current sensor values"), N_("FILE") },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, N_("Start from a live device’s state"), N_("ID") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, N_("Live source of the device"), N_("URL") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &live_timeout, N_("How long to wait for the live device’s state (default 10)"), N_("SECONDS") },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &assignments, N_("Override a what-if parameter or a model parameter"), N_("NAME=VALUE") },
    { "horizon", 'H', 0, G_OPTION_ARG_STRING, &horizon_text, N_("How far ahead, e.g. 30d or 12h (default 30d)"), N_("DURATION") },
    { "sweep", 0, 0, G_OPTION_ARG_STRING, &sweep_text, N_("Also sweep a what-if parameter"), N_("NAME=FIRST:LAST:STEPS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("— predict an asset under changed conditions"));
  g_option_context_set_summary (context,
                                _("Run the asset’s physics model from a device’s state and print "
                                  "when each alarm limit would be reached, energy and cost, and "
                                  "the remaining useful life."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return 2;
    }
  if (asset_path == NULL)
    {
      g_printerr ("mimic-cli whatif: %s\n", _("no asset description given; use --asset FILE"));
      return 2;
    }
  if (device != NULL && state_path == NULL && url == NULL)
    {
      g_printerr ("mimic-cli whatif: %s\n",
                  _("--device needs a live source (--url); or give the state with --state FILE"));
      return 2;
    }
  if (url != NULL && (device == NULL || state_path != NULL))
    {
      g_printerr ("mimic-cli whatif: %s\n",
                  _("--url reads the state of one live device: give --device ID and no --state"));
      return 2;
    }
  if (!isfinite (live_timeout) || live_timeout <= 0.0 || live_timeout > 86400.0)
    {
      g_printerr ("mimic-cli whatif: %s\n", _("--timeout must be a number of seconds from 0 to 86400"));
      return 2;
    }
  if (horizon_text != NULL && !parse_duration (horizon_text, &horizon, &error))
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return 2;
    }

  asset = mimic_asset_new_from_file (asset_path, &error);
  if (asset == NULL)
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return 1;
    }
  if (mimic_asset_get_model_name (asset) == NULL)
    {
      g_printerr ("mimic-cli whatif: %s: %s\n", asset_path, _("the description names no physics model"));
      return 1;
    }
  model = mimic_model_new_for_name (mimic_asset_get_model_name (asset), &error);
  if (model == NULL)
    {
      g_printerr ("mimic-cli whatif: %s: %s\n", asset_path, error->message);
      return 1;
    }

  /* The description's parameters are this asset type's; calibrated values
   * of a unit come in through --set. */
  parameter_names = mimic_asset_get_model_parameter_names (asset);
  for (guint i = 0; parameter_names != NULL && i < parameter_names->len; i++)
    {
      const char *name = g_ptr_array_index (parameter_names, i);
      double value;

      if (mimic_asset_get_model_parameter (asset, name, &value) &&
          !mimic_model_set_parameter (model, name, value, &error))
        {
          g_printerr ("mimic-cli whatif: %s: %s\n", asset_path, error->message);
          return 1;
        }
    }

  request = mimic_whatif_request_new (model);
  if (!mimic_whatif_request_set_horizon (request, horizon, &error) ||
      (state_path != NULL && !load_state (request, state_path, &error)))
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return state_path != NULL && error->domain != MIMIC_MODEL_ERROR ? 1 : 2;
    }

  for (guint i = 0; assignments != NULL && assignments[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *text = NULL;
      double value;

      if (!split_assignment (assignments[i], &name, &text) || !parse_number (text, &value))
        {
          g_printerr ("mimic-cli whatif: ");
          g_printerr (_("“%s” is not NAME=NUMBER"), assignments[i]);
          g_printerr ("\n");
          return 2;
        }
      if (mimic_model_find_input (model, name) < 0 && mimic_model_find_parameter (model, name) >= 0)
        {
          if (!mimic_whatif_request_set_parameter (request, name, value, &error))
            break;
        }
      else if (!mimic_whatif_request_set_override (request, name, value, &error))
        break;
    }
  if (error != NULL)
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return 2;
    }

  if (sweep_text != NULL)
    {
      g_autofree char *name = NULL;
      g_autofree char *range = NULL;
      g_auto(GStrv) parts = NULL;
      double first, last, steps;

      if (!split_assignment (sweep_text, &name, &range) ||
          g_strv_length (parts = g_strsplit (range, ":", -1)) != 3 ||
          !parse_number (parts[0], &first) || !parse_number (parts[1], &last) ||
          !parse_number (parts[2], &steps) || steps != floor (steps) || steps < 0 || steps > G_MAXUINT)
        {
          g_printerr ("mimic-cli whatif: ");
          g_printerr (_("“%s” is not NAME=FIRST:LAST:STEPS"), sweep_text);
          g_printerr ("\n");
          return 2;
        }
      if (!mimic_whatif_request_set_sweep (request, name, first, last, (guint) steps, &error))
        {
          g_printerr ("mimic-cli whatif: %s\n", error->message);
          return 2;
        }
    }

  add_limits (request, asset, labels);

  /* The live state is read last, after every option was checked, so that
   * a typo does not cost a connection and a wait. */
  if (url != NULL && !load_live_state (request, asset, url, device, live_timeout, &error))
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      /* A URL that cannot work is bad usage; one that did not answer is not. */
      return g_error_matches (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_INVALID_URL) ||
             g_error_matches (error, MIMIC_FEED_ERROR, MIMIC_FEED_ERROR_UNSUPPORTED_SCHEME) ? 2 : 1;
    }

  result = mimic_whatif_compute (request, NULL, &error);
  if (result == NULL)
    {
      g_printerr ("mimic-cli whatif: %s\n", error->message);
      return 1;
    }

  if (json)
    print_json (result, model, labels);
  else
    print_text (result, model, labels);
  return 0;
}
