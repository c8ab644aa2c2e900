/* fuzz-telemetry.c — the telemetry decoder against arbitrary messages
 *
 * One input is up to MAX_MESSAGES lines, each "TOPIC<TAB>PAYLOAD" (a line
 * without a tab is a topic with an empty payload), decoded in order by one
 * decoder, so births, sequence numbers and the device limit come into play.
 * The decoder knows a pump type with two sensors, one configured device and
 * two foreign JSON bindings (docs/protocol.md), so native and mapped JSON
 * are both reached.
 *
 * Whatever comes in, nothing may abort, every value that reaches the batch
 * must be finite, and the result must count what the batch gained.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-fuzz"

#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "mimic-telemetry-decoder.h"

#define MAX_MESSAGES 16
/* A fixed clock keeps every run of an input the same. */
#define RECEIVED_US G_GINT64_CONSTANT (1767225600000000)

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static MimicTelemetryDecoder *
make_decoder (void)
{
  MimicTelemetryDecoder *decoder = mimic_telemetry_decoder_new (MIMIC_TELEMETRY_DEFAULT_ROOT);

  /* Small limits, so that a short input can reach them. */
  mimic_telemetry_decoder_set_max_devices (decoder, 4);
  mimic_telemetry_decoder_set_max_payload (decoder, 2048);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "flow", 0, 100);
  mimic_telemetry_decoder_add_sensor (decoder, "pump", "speed", 0, 3000);
  mimic_telemetry_decoder_add_sensor (decoder, "chiller", "supply_temp", -10, 40);
  mimic_telemetry_decoder_add_device (decoder, "pump-001", "pump");
  mimic_telemetry_decoder_add_binding (decoder, "acme/+/state", NULL, "chiller", "supply_temp",
                                       "/temp/value", 0.1, -5, "/time");
  mimic_telemetry_decoder_add_binding (decoder, "site/meter", "meter-1", NULL, "power",
                                       "/2", 1000, 0, "/0");

  return decoder;
}

static void
check_batch (MimicUpdateBatch *batch)
{
  for (guint i = 0; i < mimic_update_batch_get_n_samples (batch); i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, i);

      g_assert_true (isfinite (sample->value));
      g_assert_nonnull (sample->device_id);
      g_assert_nonnull (sample->sensor_id);
    }
  for (guint i = 0; i < mimic_update_batch_get_n_parameters (batch); i++)
    {
      const MimicParameterUpdate *parameter = mimic_update_batch_get_parameter (batch, i);

      g_assert_true (isfinite (parameter->value));
      g_assert_nonnull (parameter->device_id);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(MimicTelemetryDecoder) decoder = make_decoder ();
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  const guint8 *end = data + size;
  const guint8 *line = data;

  for (guint n = 0; n < MAX_MESSAGES && line < end; n++)
    {
      const guint8 *newline = memchr (line, '\n', end - line);
      const guint8 *line_end = newline != NULL ? newline : end;
      const guint8 *tab = memchr (line, '\t', line_end - line);
      const guint8 *payload = tab != NULL ? tab + 1 : line_end;
      g_autofree char *topic = g_strndup ((const char *) line, (tab != NULL ? tab : line_end) - line);
      MimicDecodeResult result;
      guint samples_before = mimic_update_batch_get_n_samples (batch);
      guint parameters_before = mimic_update_batch_get_n_parameters (batch);

      mimic_telemetry_decoder_decode (decoder, topic, payload, line_end - payload,
                                      RECEIVED_US, batch, &result);

      /* What the result says was added is what the batch gained. */
      g_assert_cmpuint (result.n_values, ==,
                        (mimic_update_batch_get_n_samples (batch) - samples_before) +
                        (mimic_update_batch_get_n_parameters (batch) - parameters_before));

      line = line_end + 1;
    }

  check_batch (batch);

  return 0;
}
