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
  const MimicSample *first, *second;

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

  return g_test_run ();
}
