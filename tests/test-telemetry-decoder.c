/* test-telemetry-decoder.c — the decoder on its own, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-telemetry-decoder"

#include "config.h"

#include <math.h>
#include <string.h>

#include "mimic-telemetry-decoder.h"

#define NOW_US G_GINT64_CONSTANT (1700000000000000)

typedef struct
{
  MimicTelemetryDecoder *decoder;
  MimicUpdateBatch      *batch;
  MimicDecodeResult      result;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->decoder = mimic_telemetry_decoder_new ("plant");
  fixture->batch = mimic_update_batch_new ();
  mimic_telemetry_decoder_add_sensor (fixture->decoder, "pump", "flow", 0, 100);
  mimic_telemetry_decoder_add_sensor (fixture->decoder, "pump", "speed", 0, 3000);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  mimic_telemetry_decoder_free (fixture->decoder);
  mimic_update_batch_unref (fixture->batch);
}

static gboolean
decode (Fixture    *fixture,
        const char *topic,
        const char *payload)
{
  return mimic_telemetry_decoder_decode (fixture->decoder, topic, (const guint8 *) payload, strlen (payload),
                                         NOW_US, fixture->batch, &fixture->result);
}

static guint
total_rejections (const MimicDecodeResult *result)
{
  guint total = 0;

  for (guint i = 0; i < MIMIC_N_REJECTIONS; i++)
    total += result->rejections[i];
  return total;
}

static void
born_pump (Fixture *fixture)
{
  g_assert_true (decode (fixture, "plant/p1/birth", "{\"asset_type\":\"pump\",\"firmware\":\"2.0\",\"capabilities\":[\"start\"]}"));
}

static void
test_decoder_telemetry (Fixture       *fixture,
                        gconstpointer  data)
{
  const MimicSample *sample;

  born_pump (fixture);
  g_assert_cmpuint (mimic_update_batch_get_n_births (fixture->batch), ==, 1);
  g_assert_cmpstr (mimic_update_batch_get_birth (fixture->batch, 0)->asset_type, ==, "pump");
  g_assert_cmpstr (mimic_update_batch_get_birth (fixture->batch, 0)->firmware, ==, "2.0");

  g_assert_true (decode (fixture, "plant/p1/telemetry",
                         "{\"ts\":1699999999000,\"seq\":7,\"values\":{\"flow\":42.5,\"speed\":3500}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 2);
  g_assert_cmpuint (total_rejections (&fixture->result), ==, 0);
  g_assert_cmpuint (mimic_update_batch_get_n_samples (fixture->batch), ==, 2);

  sample = mimic_update_batch_get_sample (fixture->batch, 0);
  g_assert_cmpstr (sample->device_id, ==, "p1");
  g_assert_cmpstr (sample->sensor_id, ==, "flow");
  g_assert_cmpfloat (sample->value, ==, 42.5);
  g_assert_cmpint (sample->timestamp_us, ==, G_GINT64_CONSTANT (1699999999000000));
  g_assert_cmpint (sample->quality, ==, MIMIC_QUALITY_GOOD);

  /* Above the sensor's maximum: passed on, flagged. */
  sample = mimic_update_batch_get_sample (fixture->batch, 1);
  g_assert_cmpfloat (sample->value, ==, 3500);
  g_assert_cmpint (sample->quality, ==, MIMIC_QUALITY_OUT_OF_RANGE);
}

static void
test_decoder_timestamps (Fixture       *fixture,
                         gconstpointer  data)
{
  born_pump (fixture);

  /* No "ts": the receive time. */
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1}}"));
  g_assert_cmpint (mimic_update_batch_get_sample (fixture->batch, 0)->timestamp_us, ==, NOW_US);

  /* ISO 8601 works too. */
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"ts\":\"2023-11-14T22:13:20.5Z\",\"values\":{\"flow\":2}}"));
  g_assert_cmpint (mimic_update_batch_get_sample (fixture->batch, 1)->timestamp_us, ==,
                   G_GINT64_CONSTANT (1700000000500000));

  /* Four minutes ahead is clock skew; six is refused. */
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"ts\":1700000240000,\"values\":{\"flow\":3}}"));
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"ts\":1700000360000,\"values\":{\"flow\":4}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_FUTURE_TIMESTAMP], ==, 1);

  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"ts\":\"yesterday\",\"values\":{\"flow\":5}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"ts\":1e300,\"values\":{\"flow\":5}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_FUTURE_TIMESTAMP], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"ts\":true,\"values\":{\"flow\":5}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);

  g_assert_cmpuint (mimic_update_batch_get_n_samples (fixture->batch), ==, 3);
}

static void
test_decoder_sequence (Fixture       *fixture,
                       gconstpointer  data)
{
  born_pump (fixture);

  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"seq\":10,\"values\":{\"flow\":1}}"));
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"seq\":10,\"values\":{\"flow\":2}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_DUPLICATE_SEQUENCE], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"seq\":9,\"values\":{\"flow\":3}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_OUT_OF_ORDER_SEQUENCE], ==, 1);

  /* 11..13 lost. */
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"seq\":14,\"values\":{\"flow\":4}}"));
  g_assert_cmpuint (mimic_update_batch_get_n_sequence_gaps (fixture->batch), ==, 1);
  g_assert_cmpuint (mimic_update_batch_get_sequence_gap (fixture->batch, 0)->missed, ==, 3);

  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"seq\":1.5,\"values\":{\"flow\":5}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"seq\":-1,\"values\":{\"flow\":5}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);

  /* A new birth is a restarted device: it counts from the start again. */
  born_pump (fixture);
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"seq\":0,\"values\":{\"flow\":6}}"));
  g_assert_cmpuint (mimic_update_batch_get_n_samples (fixture->batch), ==, 3);
}

static void
test_decoder_bad_values (Fixture       *fixture,
                         gconstpointer  data)
{
  born_pump (fixture);

  /* json-glib refuses bare NaN and Infinity tokens. */
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":NaN}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":Infinity}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":-1e400}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_NON_FINITE], ==, 1);

  /* One bad value does not spoil the others. */
  g_assert_true (decode (fixture, "plant/p1/telemetry",
                         "{\"values\":{\"flow\":\"NaN\",\"speed\":100,\"torque\":5,\"x\":null,\"y\":true,\"z\":[1]}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 1);
  /* "NaN", null, true and [1] are not numbers; torque is a number but
   * not a sensor of a pump. */
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 4);
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_SENSOR], ==, 1);
  g_assert_cmpuint (mimic_update_batch_get_n_samples (fixture->batch), ==, 1);

  g_assert_false (decode (fixture, "plant/p1/telemetry", "[1,2,3]"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":[1]}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", ""));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "\xff\xfe{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  /* Two documents in one payload; trailing garbage. */
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1}}{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1}} x"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  g_assert_false (decode (fixture, "plant/p1/telemetry", "\"a\"[1]"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
  /* Braces inside strings do not count. */
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1},\"note\":\"}{\\\"[\"}  \n"));
}

static void
test_decoder_binary_payload (Fixture       *fixture,
                             gconstpointer  data)
{
  /* Not NUL-terminated, with a NUL inside: the length is what counts. */
  static const guint8 payload[] = { '{', '"', 'a', '"', ':', 0, '}', 'x', 'x' };

  born_pump (fixture);
  g_assert_false (mimic_telemetry_decoder_decode (fixture->decoder, "plant/p1/telemetry", payload, 7, NOW_US,
                                                  fixture->batch, &fixture->result));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
}

static void
test_decoder_deep_nesting (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new ("{\"values\":{\"flow\":1},\"x\":");

  born_pump (fixture);
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');

  g_assert_false (decode (fixture, "plant/p1/telemetry", deep->str));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_MALFORMED_JSON], ==, 1);
}

static void
test_decoder_oversized (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *big = NULL;

  born_pump (fixture);
  mimic_telemetry_decoder_set_max_payload (fixture->decoder, 64);
  big = g_strdup_printf ("{\"values\":{\"flow\":1},\"pad\":\"%0100d\"}", 0);
  g_assert_false (decode (fixture, "plant/p1/telemetry", big));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_OVERSIZED], ==, 1);
  g_assert_true (decode (fixture, "plant/p1/telemetry", "{\"values\":{\"flow\":1}}"));
}

static void
test_decoder_devices (Fixture       *fixture,
                      gconstpointer  data)
{
  /* Telemetry before any birth. */
  g_assert_false (decode (fixture, "plant/ghost/telemetry", "{\"values\":{\"flow\":1}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_DEVICE], ==, 1);
  g_assert_false (decode (fixture, "plant/ghost/status", "{\"online\":true}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_DEVICE], ==, 1);

  /* Configured devices need no birth; unknown asset types take any sensor. */
  mimic_telemetry_decoder_add_device (fixture->decoder, "ghost", "mystery");
  g_assert_true (decode (fixture, "plant/ghost/telemetry", "{\"values\":{\"anything\":1}}"));

  /* The cap on devices per source. */
  mimic_telemetry_decoder_set_max_devices (fixture->decoder, 2);
  born_pump (fixture);
  g_assert_false (decode (fixture, "plant/p2/birth", "{\"asset_type\":\"pump\"}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_DEVICE_LIMIT], ==, 1);

  /* Without births required, first sight registers, within the cap. */
  mimic_telemetry_decoder_reset_devices (fixture->decoder);
  mimic_telemetry_decoder_set_require_birth (fixture->decoder, FALSE);
  g_assert_true (decode (fixture, "plant/a/telemetry", "{\"values\":{\"x\":1}}"));
  g_assert_true (decode (fixture, "plant/b/telemetry", "{\"values\":{\"x\":1}}"));
  g_assert_false (decode (fixture, "plant/c/telemetry", "{\"values\":{\"x\":1}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_DEVICE_LIMIT], ==, 1);
}

static void
test_decoder_status_and_reported (Fixture       *fixture,
                                  gconstpointer  data)
{
  const MimicParameterUpdate *parameter;

  born_pump (fixture);
  g_assert_true (decode (fixture, "plant/p1/status", "{\"online\":false,\"reason\":\"will\"}"));
  g_assert_cmpuint (mimic_update_batch_get_n_presence (fixture->batch), ==, 1);
  g_assert_cmpint (mimic_update_batch_get_presence (fixture->batch, 0)->presence, ==, MIMIC_PRESENCE_OFFLINE);
  g_assert_false (decode (fixture, "plant/p1/status", "{\"online\":\"yes\"}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);

  g_assert_true (decode (fixture, "plant/p1/reported", "{\"parameters\":{\"setpoint\":1200,\"mode\":\"auto\"}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 1);
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  parameter = mimic_update_batch_get_parameter (fixture->batch, 0);
  g_assert_cmpstr (parameter->parameter, ==, "setpoint");
  g_assert_cmpfloat (parameter->value, ==, 1200);
  g_assert_false (parameter->desired);

  g_assert_false (decode (fixture, "plant/p1/birth", "{\"asset_type\":7}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
}

static void
test_decoder_topics (Fixture       *fixture,
                     gconstpointer  data)
{
  born_pump (fixture);

  /* Commands are Mimic's own traffic: ignored, not refused. */
  g_assert_false (decode (fixture, "plant/p1/cmd/start", "{\"id\":\"1\"}"));
  g_assert_cmpuint (total_rejections (&fixture->result), ==, 0);
  g_assert_false (decode (fixture, "plant/p1/cmd-response/start", "{\"id\":\"1\"}"));
  g_assert_cmpuint (total_rejections (&fixture->result), ==, 0);

  g_assert_false (decode (fixture, "plant/p1/gossip", "{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_TOPIC], ==, 1);
  g_assert_false (decode (fixture, "other/p1/telemetry", "{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_TOPIC], ==, 1);
  g_assert_false (decode (fixture, "plant//telemetry", "{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_TOPIC], ==, 1);
  g_assert_false (decode (fixture, "plant", "{}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_TOPIC], ==, 1);

  g_assert_true (mimic_topic_matches_filter ("a/+/c", "a/b/c"));
  g_assert_false (mimic_topic_matches_filter ("a/+/c", "a/b/d"));
  g_assert_false (mimic_topic_matches_filter ("a/+", "a/b/c"));
  g_assert_true (mimic_topic_matches_filter ("a/#", "a/b/c"));
  g_assert_true (mimic_topic_matches_filter ("a/#", "a"));
  g_assert_true (mimic_topic_matches_filter ("#", "x/y"));
  g_assert_true (mimic_topic_matches_filter ("+/+", "x/"));
  g_assert_false (mimic_topic_matches_filter ("a/b", "a/b/c"));
}

/* A vendor's nested JSON, nothing like Mimic's own. */
static void
test_decoder_binding_nested (Fixture       *fixture,
                             gconstpointer  data)
{
  const MimicSample *sample;

  mimic_telemetry_decoder_add_sensor (fixture->decoder, "chiller", "supply_temp", -10, 40);
  mimic_telemetry_decoder_add_binding (fixture->decoder, "acme/+/state", NULL, "chiller", "supply_temp",
                                       "/readings/temps/0/value", 0.1, -5, "/meta/time");
  mimic_telemetry_decoder_add_binding (fixture->decoder, "acme/+/state", NULL, "chiller", "fan~speed",
                                       "/readings/fan~1speed", 1, 0, NULL);
  mimic_telemetry_decoder_add_sensor (fixture->decoder, "chiller", "fan~speed", 0, 100);

  g_assert_true (decode (fixture, "acme/ch-9/state",
                         "{\"meta\":{\"time\":\"2023-11-14T22:13:00Z\"},"
                         "\"readings\":{\"temps\":[{\"value\":215},{\"value\":300}],\"fan/speed\":55}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 2);
  sample = mimic_update_batch_get_sample (fixture->batch, 0);
  g_assert_cmpstr (sample->device_id, ==, "ch-9");
  g_assert_cmpstr (sample->sensor_id, ==, "supply_temp");
  g_assert_cmpfloat_with_epsilon (sample->value, 16.5, 1e-9);
  g_assert_cmpint (sample->timestamp_us, ==, G_GINT64_CONSTANT (1699999980000000));
  sample = mimic_update_batch_get_sample (fixture->batch, 1);
  g_assert_cmpfloat (sample->value, ==, 55);
  g_assert_cmpint (sample->timestamp_us, ==, NOW_US);

  /* The same shape with a string where the number was. */
  g_assert_false (decode (fixture, "acme/ch-9/state", "{\"readings\":{\"temps\":[{\"value\":\"hot\"}]}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  /* Nothing Mimic can read at all. */
  g_assert_false (decode (fixture, "acme/ch-9/state", "{\"hello\":1}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);
  g_assert_false (decode (fixture, "acme/ch-9/other", "{\"hello\":1}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_TOPIC], ==, 1);
}

/* A flat array of readings on a fixed topic, device named by the binding. */
static void
test_decoder_binding_flat (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) filters = NULL;

  mimic_telemetry_decoder_add_binding (fixture->decoder, "site/meter", "meter-1", NULL, "power", "/2", 1000, 0, "/0");
  mimic_telemetry_decoder_add_binding (fixture->decoder, "site/meter", "meter-1", NULL, "voltage", "/1", 1, 0, "/0");

  filters = mimic_telemetry_decoder_dup_binding_filters (fixture->decoder);
  g_assert_cmpuint (filters->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (filters, 0), ==, "site/meter");

  g_assert_true (decode (fixture, "site/meter", "[1699999990000, 231.5, 1.25]"));
  g_assert_cmpuint (fixture->result.n_values, ==, 2);
  g_assert_cmpfloat (mimic_update_batch_get_sample (fixture->batch, 0)->value, ==, 1250);
  g_assert_cmpint (mimic_update_batch_get_sample (fixture->batch, 0)->timestamp_us, ==,
                   G_GINT64_CONSTANT (1699999990000000));
  g_assert_cmpfloat (mimic_update_batch_get_sample (fixture->batch, 1)->value, ==, 231.5);

  /* Scale pushes a huge number past the double range; the voltage in
   * the same message still counts. */
  g_assert_true (decode (fixture, "site/meter", "[1699999990000, 1, 1e306]"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_NON_FINITE], ==, 1);
  g_assert_cmpuint (fixture->result.n_values, ==, 1);
}

static MimicAsset *
load_asset (const char *env,
            const char *relative_path)
{
  g_autofree char *path = g_build_filename (g_getenv (env), relative_path, NULL);
  g_autoptr(GError) error = NULL;
  MimicAsset *asset = mimic_asset_new_from_file (path, &error);

  g_assert_no_error (error);
  return asset;
}

/* The sample pump's own binding: a vendor's nested JSON with
 * milliseconds, scale and offset. */
static void
test_decoder_asset_pump_skid (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(MimicAsset) asset = load_asset ("MIMIC_DATA_DIR", "assets/pump-skid/pump-skid.json");
  const MimicSample *sample;
  gboolean seen_flow = FALSE, seen_temp = FALSE;

  mimic_telemetry_decoder_add_asset (fixture->decoder, asset);

  g_assert_true (decode (fixture, "acme/plant1/P-101/pumpdata",
                         "{\"time\":1699999999000,\"hydraulics\":{\"flow_lps\":10,\"p_out_kpa\":350},"
                         "\"drive\":{\"rpm\":1480,\"amps\":21.5,\"winding_k\":343.15}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 5);
  for (guint i = 0; i < mimic_update_batch_get_n_samples (fixture->batch); i++)
    {
      sample = mimic_update_batch_get_sample (fixture->batch, i);
      g_assert_cmpstr (sample->device_id, ==, "P-101");
      g_assert_cmpint (sample->timestamp_us, ==, G_GINT64_CONSTANT (1699999999000000));
      if (g_str_equal (sample->sensor_id, "flow"))
        {
          g_assert_cmpfloat_with_epsilon (sample->value, 36, 1e-9);
          seen_flow = TRUE;
        }
      if (g_str_equal (sample->sensor_id, "winding_temp"))
        {
          g_assert_cmpfloat_with_epsilon (sample->value, 70, 1e-9);
          seen_temp = TRUE;
        }
    }
  g_assert_true (seen_flow && seen_temp);

  /* The device is now known as a pump skid: Mimic's own telemetry for it
   * is checked against the asset's sensors. */
  g_assert_true (decode (fixture, "plant/P-101/telemetry", "{\"values\":{\"flow\":12,\"bogus\":1}}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_SENSOR], ==, 1);
}

/* A second shape: device id from a topic level or from the payload,
 * ISO 8601 timestamps, escaped pointers. */
static void
test_decoder_asset_mini_fan (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(MimicAsset) asset = load_asset ("MIMIC_TEST_DATA_DIR", "assets/mini-fan/mini-fan.json");
  const MimicSample *sample;

  mimic_telemetry_decoder_add_asset (fixture->decoder, asset);

  g_assert_true (decode (fixture, "vendor/fan-3/fan/live",
                         "{\"meta\":{\"time\":\"2023-11-14T22:13:10Z\"},\"rpm\":900,\"temps\":{\"motor/winding\":650}}"));
  g_assert_cmpuint (fixture->result.n_values, ==, 2);
  sample = mimic_update_batch_get_sample (fixture->batch, 0);
  g_assert_cmpstr (sample->device_id, ==, "fan-3");
  g_assert_cmpint (sample->timestamp_us, ==, G_GINT64_CONSTANT (1699999990000000));
  sample = mimic_update_batch_get_sample (fixture->batch, 1);
  g_assert_cmpfloat_with_epsilon (sample->value, 25, 1e-9);

  /* A number where the ISO 8601 string belongs. */
  g_assert_false (decode (fixture, "vendor/fan-3/fan/live", "{\"meta\":{\"time\":5},\"rpm\":900}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_WRONG_TYPE], ==, 1);

  g_assert_true (decode (fixture, "legacy/fans", "{\"serial\":\"F-77\",\"s\":300}"));
  sample = mimic_update_batch_get_sample (fixture->batch, 2);
  g_assert_cmpstr (sample->device_id, ==, "F-77");
  g_assert_cmpfloat (sample->value, ==, 300);
  g_assert_false (decode (fixture, "legacy/fans", "{\"serial\":17,\"s\":300}"));
  g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_DEVICE], ==, 1);
}

/* Arbitrary bytes never crash the decoder and never put a non-finite
 * value into a batch (a cheap stand-in for the fuzz target). */
static void
test_decoder_random_bytes (Fixture       *fixture,
                           gconstpointer  data)
{
  static const char *fragments[] = {
    "{", "}", "[", "]", "\"values\"", ":", ",", "\"flow\"", "1e999", "-0", "NaN", "\"ts\"", "\"seq\"",
    "12", "null", "true", "\"", "\\u0000", "{\"values\":{", "\xc3\x28",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);

  mimic_telemetry_decoder_set_require_birth (fixture->decoder, FALSE);
  mimic_telemetry_decoder_add_binding (fixture->decoder, "plant/+/telemetry", NULL, NULL, "bound", "/values/flow", 1, 0, "/ts");

  for (guint i = 0; i < 5000; i++)
    {
      g_autoptr(GString) payload = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 0, 16);

      for (guint j = 0; j < n; j++)
        g_string_append (payload, fragments[g_rand_int_range (rand, 0, G_N_ELEMENTS (fragments))]);

      mimic_telemetry_decoder_decode (fixture->decoder, i % 2 ? "plant/d/telemetry" : "plant/d/status",
                                      (const guint8 *) payload->str, payload->len, NOW_US,
                                      fixture->batch, &fixture->result);
    }

  for (guint i = 0; i < mimic_update_batch_get_n_samples (fixture->batch); i++)
    g_assert_true (isfinite (mimic_update_batch_get_sample (fixture->batch, i)->value));
}

/* Sensors come in a different order, a sensor unknown at a position that
 * held a known one, and a range that changes between messages: each value
 * is still judged by its own sensor's current range. */
static void
test_decoder_ranges_follow_sensors (Fixture       *fixture,
                                    gconstpointer  data)
{
  const char *messages[] = {
    "{\"seq\":1,\"values\":{\"flow\":50,\"speed\":5000}}",
    "{\"seq\":2,\"values\":{\"speed\":50,\"flow\":5000}}",
    "{\"seq\":3,\"values\":{\"level\":1,\"flow\":50}}",
    "{\"seq\":4,\"values\":{\"flow\":50,\"speed\":5000}}",
  };
  const struct
  {
    const char   *sensor;
    MimicQuality  quality;
  } expected[] = {
    { "flow", MIMIC_QUALITY_GOOD }, { "speed", MIMIC_QUALITY_OUT_OF_RANGE },
    { "speed", MIMIC_QUALITY_GOOD }, { "flow", MIMIC_QUALITY_OUT_OF_RANGE },
    { "flow", MIMIC_QUALITY_GOOD },
    /* After flow's range narrowed to 0..10. */
    { "flow", MIMIC_QUALITY_OUT_OF_RANGE }, { "speed", MIMIC_QUALITY_OUT_OF_RANGE },
  };

  born_pump (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      if (i == 3)
        mimic_telemetry_decoder_add_sensor (fixture->decoder, "pump", "flow", 0, 10);
      memset (&fixture->result, 0, sizeof fixture->result);
      g_assert_true (decode (fixture, "plant/p1/telemetry", messages[i]));
      g_assert_cmpuint (fixture->result.rejections[MIMIC_REJECTION_UNKNOWN_SENSOR], ==, i == 2 ? 1 : 0);
    }

  g_assert_cmpuint (mimic_update_batch_get_n_samples (fixture->batch), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (fixture->batch, i);

      g_assert_cmpstr (sample->sensor_id, ==, expected[i].sensor);
      g_assert_cmpint (sample->quality, ==, expected[i].quality);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/mimic/telemetry-decoder/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("telemetry", test_decoder_telemetry);
  ADD ("ranges-follow-sensors", test_decoder_ranges_follow_sensors);
  ADD ("timestamps", test_decoder_timestamps);
  ADD ("sequence", test_decoder_sequence);
  ADD ("bad-values", test_decoder_bad_values);
  ADD ("binary-payload", test_decoder_binary_payload);
  ADD ("oversized", test_decoder_oversized);
  ADD ("deep-nesting", test_decoder_deep_nesting);
  ADD ("devices", test_decoder_devices);
  ADD ("status-and-reported", test_decoder_status_and_reported);
  ADD ("topics", test_decoder_topics);
  ADD ("binding/nested", test_decoder_binding_nested);
  ADD ("binding/flat", test_decoder_binding_flat);
  ADD ("binding/asset-pump-skid", test_decoder_asset_pump_skid);
  ADD ("binding/asset-mini-fan", test_decoder_asset_mini_fan);
  ADD ("random-bytes", test_decoder_random_bytes);

#undef ADD

  return g_test_run ();
}
