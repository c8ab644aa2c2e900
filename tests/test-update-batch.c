/* test-update-batch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "mimic-update-batch.h"

static void
test_update_batch_collects_updates (void)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  char device[] = "pump-001";
  const MimicSample *first, *second, *all;
  guint n_all;

  g_assert_true (mimic_update_batch_is_empty (batch));

  mimic_update_batch_set_source (batch, "mqtt://127.0.0.1:1883");
  mimic_update_batch_add_sample (batch, device, "flow", 1000, 12.5, MIMIC_QUALITY_GOOD);
  /* The batch keeps its own copy: the caller's buffer may be reused. */
  device[0] = 'X';
  mimic_update_batch_add_sample (batch, "pump-001", "speed", 1000, 1450, MIMIC_QUALITY_OUT_OF_RANGE);
  mimic_update_batch_add_presence (batch, "pump-001", MIMIC_PRESENCE_ONLINE, 900);
  mimic_update_batch_add_birth (batch, "pump-001", "pump-skid", NULL, 800);
  mimic_update_batch_add_parameter (batch, "pump-001", "valve_position", 0.6, FALSE, 950);
  mimic_update_batch_add_sequence_gap (batch, "pump-001", 3);

  g_assert_false (mimic_update_batch_is_empty (batch));
  g_assert_cmpstr (mimic_update_batch_get_source (batch), ==, "mqtt://127.0.0.1:1883");
  g_assert_cmpuint (mimic_update_batch_get_n_samples (batch), ==, 2);

  first = mimic_update_batch_get_sample (batch, 0);
  second = mimic_update_batch_get_sample (batch, 1);
  g_assert_cmpstr (first->device_id, ==, "pump-001");
  g_assert_cmpstr (first->sensor_id, ==, "flow");
  g_assert_cmpfloat (first->value, ==, 12.5);
  g_assert_cmpint (first->timestamp_us, ==, 1000);
  /* Repeated ids are stored once. */
  g_assert_true (first->device_id == second->device_id);
  g_assert_cmpint (second->quality, ==, MIMIC_QUALITY_OUT_OF_RANGE);
  /* All at once: the same samples, in the same order. */
  all = mimic_update_batch_peek_samples (batch, &n_all);
  g_assert_cmpuint (n_all, ==, 2);
  g_assert_true (&all[0] == first);
  g_assert_true (&all[1] == second);

  g_assert_cmpuint (mimic_update_batch_get_n_presence (batch), ==, 1);
  g_assert_cmpint (mimic_update_batch_get_presence (batch, 0)->presence, ==, MIMIC_PRESENCE_ONLINE);
  g_assert_cmpuint (mimic_update_batch_get_n_births (batch), ==, 1);
  g_assert_cmpstr (mimic_update_batch_get_birth (batch, 0)->asset_type, ==, "pump-skid");
  g_assert_null (mimic_update_batch_get_birth (batch, 0)->firmware);
  g_assert_cmpuint (mimic_update_batch_get_n_parameters (batch), ==, 1);
  g_assert_cmpfloat (mimic_update_batch_get_parameter (batch, 0)->value, ==, 0.6);
  g_assert_false (mimic_update_batch_get_parameter (batch, 0)->desired);
  g_assert_cmpuint (mimic_update_batch_get_n_sequence_gaps (batch), ==, 1);
  g_assert_cmpuint (mimic_update_batch_get_sequence_gap (batch, 0)->missed, ==, 3);
}

static void
test_update_batch_refuses_non_finite (void)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();

  g_test_expect_message ("mimic-update-batch", G_LOG_LEVEL_CRITICAL, "*isfinite*");
  mimic_update_batch_add_sample (batch, "pump-001", "flow", 0, NAN, MIMIC_QUALITY_GOOD);
  g_test_assert_expected_messages ();

  g_test_expect_message ("mimic-update-batch", G_LOG_LEVEL_CRITICAL, "*isfinite*");
  mimic_update_batch_add_parameter (batch, "pump-001", "load", INFINITY, TRUE, 0);
  g_test_assert_expected_messages ();

  g_assert_true (mimic_update_batch_is_empty (batch));
}

/* Ids are interned by guessing the next one; whatever order they come in,
 * every sample keeps its own ids, and equal ids share one string. */
static void
test_update_batch_ids_in_any_order (void)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  const char *orders[][3] = {
    { "s0", "s1", "s2" },
    { "s0", "s1", "s2" },
    { "s2", "s0", "s1" },
    { "s1", "new", "s0" },
  };
  const char *devices[] = { "pump-001", "pump-002", "pump-001", "pump-003" };
  char buffer[16];
  guint n = 0;

  for (guint m = 0; m < G_N_ELEMENTS (orders); m++)
    for (guint v = 0; v < 3; v++)
      {
        /* A reused buffer, as a decoder hands over ids it does not keep. */
        g_strlcpy (buffer, orders[m][v], sizeof buffer);
        mimic_update_batch_add_sample (batch, devices[m], buffer, m, m * 10 + v, MIMIC_QUALITY_GOOD);
      }
  /* More distinct sensor ids than the batch remembers still intern. */
  for (guint i = 0; i < 100; i++)
    {
      g_snprintf (buffer, sizeof buffer, "extra-%u", i % 70);
      mimic_update_batch_add_sample (batch, "pump-004", buffer, 9, i, MIMIC_QUALITY_GOOD);
    }

  g_assert_cmpuint (mimic_update_batch_get_n_samples (batch), ==, 12 + 100);
  for (guint m = 0; m < G_N_ELEMENTS (orders); m++)
    for (guint v = 0; v < 3; v++)
      {
        const MimicSample *sample = mimic_update_batch_get_sample (batch, n++);

        g_assert_cmpstr (sample->device_id, ==, devices[m]);
        g_assert_cmpstr (sample->sensor_id, ==, orders[m][v]);
        g_assert_cmpfloat (sample->value, ==, m * 10 + v);
      }
  for (guint i = 0; i < 100; i++)
    {
      const MimicSample *sample = mimic_update_batch_get_sample (batch, n++);

      g_snprintf (buffer, sizeof buffer, "extra-%u", i % 70);
      g_assert_cmpstr (sample->sensor_id, ==, buffer);
      if (i >= 70)
        g_assert_true (sample->sensor_id == mimic_update_batch_get_sample (batch, n - 71)->sensor_id);
    }

  /* The same id is the same string, wherever it was interned from. */
  g_assert_true (mimic_update_batch_get_sample (batch, 0)->sensor_id ==
                 mimic_update_batch_get_sample (batch, 7)->sensor_id);
  g_assert_true (mimic_update_batch_get_sample (batch, 0)->device_id ==
                 mimic_update_batch_get_sample (batch, 6)->device_id);
}

/* An interned device id is the batch's own string, passed back as it is
 * and the same as any other copy of the id that is interned. */
static void
test_update_batch_interned_device_id (void)
{
  g_autoptr(MimicUpdateBatch) batch = mimic_update_batch_new ();
  char copy[] = "fan-7";
  const char *interned;

  mimic_update_batch_add_sample (batch, "pump-1", "flow", 1, 1.0, MIMIC_QUALITY_GOOD);
  interned = mimic_update_batch_intern_device_id (batch, copy);
  g_assert_cmpstr (interned, ==, "fan-7");
  g_assert_true (interned != copy);
  copy[0] = 'X';
  mimic_update_batch_add_sample (batch, interned, "speed", 2, 2.0, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "pump-1", "flow", 3, 3.0, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, "fan-7", "speed", 4, 4.0, MIMIC_QUALITY_GOOD);
  mimic_update_batch_add_sample (batch, interned, "speed", 5, 5.0, MIMIC_QUALITY_GOOD);

  g_assert_cmpuint (mimic_update_batch_get_n_samples (batch), ==, 5);
  g_assert_true (mimic_update_batch_get_sample (batch, 1)->device_id == interned);
  g_assert_true (mimic_update_batch_get_sample (batch, 3)->device_id == interned);
  g_assert_true (mimic_update_batch_get_sample (batch, 4)->device_id == interned);
  g_assert_cmpstr (mimic_update_batch_get_sample (batch, 2)->device_id, ==, "pump-1");
  g_assert_true (mimic_update_batch_get_sample (batch, 0)->device_id ==
                 mimic_update_batch_get_sample (batch, 2)->device_id);
}

static void
test_update_batch_names (void)
{
  g_assert_cmpstr (mimic_quality_to_string (MIMIC_QUALITY_STALE), ==, "stale");
  g_assert_cmpstr (mimic_quality_to_string (MIMIC_QUALITY_OUT_OF_RANGE), ==, "out-of-range");
  g_assert_cmpstr (mimic_presence_to_string (MIMIC_PRESENCE_OFFLINE), ==, "offline");
  g_assert_cmpstr (mimic_presence_to_string (MIMIC_PRESENCE_UNKNOWN), ==, "unknown");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/update-batch/collects-updates", test_update_batch_collects_updates);
  g_test_add_func ("/mimic/update-batch/refuses-non-finite", test_update_batch_refuses_non_finite);
  g_test_add_func ("/mimic/update-batch/names", test_update_batch_names);
  g_test_add_func ("/mimic/update-batch/ids-in-any-order", test_update_batch_ids_in_any_order);
  g_test_add_func ("/mimic/update-batch/interned-device-id", test_update_batch_interned_device_id);

  return g_test_run ();
}
