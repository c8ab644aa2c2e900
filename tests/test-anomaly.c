/* test-anomaly.c — the CUSUM detector of deviations from the model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-anomaly"

#include "config.h"

#include <math.h>

#include "mimic-anomaly-detector.h"

#define T0 (G_GINT64_CONSTANT (1764172800) * G_USEC_PER_SEC)
#define PERIOD (10 * G_USEC_PER_SEC)
#define SIGMA 0.3
#define OFFSET 5.0       /* the unit's own offset from the model */
#define EXPECTED 60.0

static double
gaussian (GRand *rand)
{
  /* Box–Muller; 1 − u keeps the logarithm finite. */
  double u = 1.0 - g_rand_double (rand), v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* The CUSUM on every sample, with the slow centre of the first
 * version: what the tests below measure against theory. */
static MimicAnomalyDetector *
new_per_sample_detector (void)
{
  MimicAnomalyDetector *detector = mimic_anomaly_detector_new ();

  mimic_anomaly_detector_set_block_samples (detector, 1);
  mimic_anomaly_detector_set_adaptation_samples (detector, 20000);
  return detector;
}

static void
warm_up (MimicAnomalyDetector *detector,
         GRand                *rand,
         const char           *device,
         const char           *sensor,
         guint64              *sample)
{
  guint n = MIMIC_ANOMALY_DEFAULT_SETTLE_SAMPLES + mimic_anomaly_detector_get_warmup_samples (detector);

  for (guint i = 0; i < n; i++, (*sample)++)
    g_assert_false (mimic_anomaly_detector_push (detector, device, sensor, T0 + *sample * PERIOD,
                                                 EXPECTED + OFFSET + SIGMA * gaussian (rand), EXPECTED));
}

/* White noise round a fixed offset: the false alarm rate over 2 million
 * samples, with the default h and with a much smaller one. */
static void
test_white_noise (void)
{
  const guint n_sensors = 20, n_samples = 100000;
  const double hs[] = { MIMIC_ANOMALY_DEFAULT_DECISION_H, 4.0 };
  guint alarms[G_N_ELEMENTS (hs)] = { 0, };

  for (guint k = 0; k < G_N_ELEMENTS (hs); k++)
    {
      g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
      g_autoptr(GRand) rand = g_rand_new_with_seed (2024);

      mimic_anomaly_detector_set_decision_h (detector, hs[k]);
      for (guint s = 0; s < n_sensors; s++)
        {
          g_autofree char *sensor = g_strdup_printf ("s%02u", s);
          gboolean was = FALSE;
          guint64 sample = 0;

          warm_up (detector, rand, "dev", sensor, &sample);
          for (guint i = 0; i < n_samples; i++, sample++)
            {
              gboolean now = mimic_anomaly_detector_push (detector, "dev", sensor, T0 + sample * PERIOD,
                                                          EXPECTED + OFFSET + SIGMA * gaussian (rand), EXPECTED);

              if (now && !was)
                alarms[k]++;
              was = now;
            }
        }
      g_test_message ("h = %.1f: %u false alarms in %u samples (%.2g per sample)",
                      hs[k], alarms[k], n_sensors * n_samples, alarms[k] / (double) (n_sensors * n_samples));
    }

  /* Theory (Siegmund): mean run length ≈ 1.6e7 one-sided at h = 15,
   * about 200 at h = 4. */
  g_assert_cmpuint (alarms[0], <=, 2);
  g_assert_cmpuint (alarms[1], >, 1000);
}

/* A slow drift that reaches 1 σ after 500 samples: found before it
 * reaches 1.25 σ, long before a limit 4 σ away; and both directions. */
static void
test_slow_drift (void)
{
  for (int direction = -1; direction <= 1; direction += 2)
    {
      g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
      g_autoptr(GRand) rand = g_rand_new_with_seed (7);
      MimicAnomalyState state;
      guint64 sample = 0;
      guint delay = 0;

      warm_up (detector, rand, "dev", "temp", &sample);
      for (guint i = 1; i <= 2000; i++, sample++)
        {
          double drift = direction * SIGMA * i / 500.0;

          if (mimic_anomaly_detector_push (detector, "dev", "temp", T0 + sample * PERIOD,
                                           EXPECTED + OFFSET + drift + SIGMA * gaussian (rand), EXPECTED))
            {
              delay = i;
              break;
            }
        }
      g_test_message ("drift of %+d σ per 500 samples found after %u samples", direction, delay);
      g_assert_cmpuint (delay, >, 0);
      g_assert_cmpuint (delay, <=, 625);

      g_assert_true (mimic_anomaly_detector_get_state (detector, "dev", "temp", &state));
      g_assert_true (state.warmed_up);
      g_assert_true (state.deviating);
      g_assert_cmpfloat_with_epsilon (state.center, OFFSET, 0.1);
      g_assert_cmpfloat_with_epsilon (state.sigma, SIGMA, 0.05);
      g_assert_cmpfloat (direction > 0 ? state.upper : state.lower, >, MIMIC_ANOMALY_DEFAULT_DECISION_H);
    }
}

/* A step of 1 σ: found within a few dozen samples; back once it is gone. */
static void
test_step (void)
{
  g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint64 sample = 0;
  guint delay = 0, back = 0;

  warm_up (detector, rand, "dev", "flow", &sample);
  for (guint i = 1; i <= 500 && delay == 0; i++, sample++)
    if (mimic_anomaly_detector_push (detector, "dev", "flow", T0 + sample * PERIOD,
                                     EXPECTED + OFFSET + SIGMA + SIGMA * gaussian (rand), EXPECTED))
      delay = i;
  g_test_message ("step of 1 σ found after %u samples", delay);
  g_assert_cmpuint (delay, >, 0);
  g_assert_cmpuint (delay, <=, 80);

  for (guint i = 1; i <= 500 && back == 0; i++, sample++)
    if (!mimic_anomaly_detector_push (detector, "dev", "flow", T0 + sample * PERIOD,
                                      EXPECTED + OFFSET + SIGMA * gaussian (rand), EXPECTED))
      back = i;
  g_test_message ("back to normal after %u samples", back);
  g_assert_cmpuint (back, >, 0);
  /* Capped at 2h: it needs at most about 2h / k samples. */
  g_assert_cmpuint (back, <=, 4 * MIMIC_ANOMALY_DEFAULT_DECISION_H / MIMIC_ANOMALY_DEFAULT_REFERENCE_K);
}

/* Spikes in the warm-up do not inflate σ. */
static void
test_robust_warmup (void)
{
  g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  MimicAnomalyState state;

  mimic_anomaly_detector_set_warmup_samples (detector, 1000);
  for (guint i = 0; i < MIMIC_ANOMALY_DEFAULT_SETTLE_SAMPLES + 1000; i++)
    {
      double spike = i % 50 == 0 ? 100 * SIGMA : 0;

      mimic_anomaly_detector_push (detector, "dev", "p", T0 + i * PERIOD,
                                   EXPECTED + OFFSET + spike + SIGMA * gaussian (rand), EXPECTED);
    }
  g_assert_true (mimic_anomaly_detector_get_state (detector, "dev", "p", &state));
  g_assert_true (state.warmed_up);
  g_assert_cmpfloat_with_epsilon (state.sigma, SIGMA, 0.05);
  g_assert_cmpfloat_with_epsilon (state.center, OFFSET, 0.05);

  /* Relearning starts the warm-up again. */
  mimic_anomaly_detector_relearn (detector, "dev", "p");
  g_assert_true (mimic_anomaly_detector_get_state (detector, "dev", "p", &state));
  g_assert_false (state.warmed_up);
  g_assert_cmpuint (state.n_warmup, ==, 0);
}

/* Non-finite numbers are counted and change nothing. */
static void
test_non_finite (void)
{
  g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  MimicAnomalyState before, after;
  guint64 sample = 0;

  g_assert_false (mimic_anomaly_detector_push (detector, "dev", "x", T0, NAN, 1.0));
  g_assert_false (mimic_anomaly_detector_get_state (detector, "dev", "x", NULL));

  warm_up (detector, rand, "dev", "x", &sample);
  g_assert_true (mimic_anomaly_detector_get_state (detector, "dev", "x", &before));
  g_assert_false (mimic_anomaly_detector_push (detector, "dev", "x", T0, NAN, EXPECTED));
  g_assert_false (mimic_anomaly_detector_push (detector, "dev", "x", T0, INFINITY, EXPECTED));
  g_assert_false (mimic_anomaly_detector_push (detector, "dev", "x", T0, EXPECTED, -INFINITY));
  g_assert_false (mimic_anomaly_detector_push (detector, "dev", "x", T0, 1e308, -1e308));
  g_assert_true (mimic_anomaly_detector_get_state (detector, "dev", "x", &after));
  g_assert_cmpuint (after.n_samples, ==, before.n_samples);
  g_assert_cmpfloat (after.upper, ==, before.upper);
  g_assert_cmpuint (mimic_anomaly_detector_get_n_ignored (detector), ==, 5);
}

/* Through the alarm manager: raised, acknowledged, returned to normal,
 * statistic restarted. */
static void
test_alarm (void)
{
  g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
  g_autoptr(MimicAlarmManager) manager = mimic_alarm_manager_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  g_autoptr(GError) error = NULL;
  MimicAnomalyState state;
  MimicAlarm *alarm;
  guint64 sample = 0;
  guint i;

  mimic_anomaly_detector_set_alarm_manager (detector, manager);
  warm_up (detector, rand, "pump-009", "bearing_de_temp", &sample);
  g_assert_null (mimic_alarm_manager_lookup (manager, "pump-009", "bearing_de_temp", MIMIC_ALARM_CONDITION_DEVIATION));

  for (i = 0; i < 200; i++, sample++)
    mimic_anomaly_detector_push (detector, "pump-009", "bearing_de_temp", T0 + sample * PERIOD,
                                 EXPECTED + OFFSET + 3 * SIGMA + SIGMA * gaussian (rand), EXPECTED);
  alarm = mimic_alarm_manager_lookup (manager, "pump-009", "bearing_de_temp", MIMIC_ALARM_CONDITION_DEVIATION);
  g_assert_nonnull (alarm);
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  g_assert_cmpfloat (mimic_alarm_get_value (alarm), >, MIMIC_ANOMALY_DEFAULT_DECISION_H);
  g_assert_true (mimic_alarm_manager_acknowledge (manager, alarm, "op", "bearing checked", &error));
  g_assert_no_error (error);
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);

  /* Still deviating after the acknowledgement: no new alarm. */
  for (i = 0; i < 100; i++, sample++)
    mimic_anomaly_detector_push (detector, "pump-009", "bearing_de_temp", T0 + sample * PERIOD,
                                 EXPECTED + OFFSET + 3 * SIGMA + SIGMA * gaussian (rand), EXPECTED);
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_ACTIVE_ACKNOWLEDGED);

  for (i = 0; i < 200; i++, sample++)
    mimic_anomaly_detector_push (detector, "pump-009", "bearing_de_temp", T0 + sample * PERIOD,
                                 EXPECTED + OFFSET + SIGMA * gaussian (rand), EXPECTED);
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_NORMAL);
  g_assert_true (mimic_anomaly_detector_get_state (detector, "pump-009", "bearing_de_temp", &state));
  g_assert_false (state.deviating);

  /* An explicit reset of a deviating sensor returns its alarm. */
  for (i = 0; i < 200; i++, sample++)
    mimic_anomaly_detector_push (detector, "pump-009", "bearing_de_temp", T0 + sample * PERIOD,
                                 EXPECTED + OFFSET - 3 * SIGMA + SIGMA * gaussian (rand), EXPECTED);
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
  mimic_anomaly_detector_reset (detector, "pump-009", "bearing_de_temp");
  g_assert_cmpint (mimic_alarm_get_state (alarm), ==, MIMIC_ALARM_STATE_RETURNED_UNACKNOWLEDGED);
  g_assert_true (mimic_anomaly_detector_get_state (detector, "pump-009", "bearing_de_temp", &state));
  g_assert_cmpfloat (state.lower, ==, 0.0);

  mimic_anomaly_detector_set_alarm_manager (detector, NULL);
}

static void
test_properties (void)
{
  g_autoptr(MimicAnomalyDetector) detector = new_per_sample_detector ();
  guint n_notify = 0;

  g_signal_connect_swapped (detector, "notify", G_CALLBACK (g_atomic_int_inc), &n_notify);
  mimic_anomaly_detector_set_reference_k (detector, MIMIC_ANOMALY_DEFAULT_REFERENCE_K);
  mimic_anomaly_detector_set_decision_h (detector, MIMIC_ANOMALY_DEFAULT_DECISION_H);
  g_assert_cmpuint (n_notify, ==, 0);
  mimic_anomaly_detector_set_reference_k (detector, 0.25);
  mimic_anomaly_detector_set_decision_h (detector, 8);
  mimic_anomaly_detector_set_warmup_samples (detector, 100);
  mimic_anomaly_detector_set_adaptation_samples (detector, 0);
  g_assert_cmpuint (n_notify, ==, 4);
  g_assert_cmpuint (mimic_anomaly_detector_get_adaptation_samples (detector), ==, 0);
  g_assert_cmpfloat (mimic_anomaly_detector_get_reference_k (detector), ==, 0.25);
  g_assert_cmpfloat (mimic_anomaly_detector_get_decision_h (detector), ==, 8);
  g_assert_cmpuint (mimic_anomaly_detector_get_warmup_samples (detector), ==, 100);
}

/* With the defaults (block means): AR(1) noise with ρ = 0.9, which a
 * per-sample CUSUM calls a shift within hours, stays quiet; a drift of
 * 1 σ per 500 samples is still found within a bounded delay. */
static void
test_correlated_noise (void)
{
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  const double rho = 0.9;
  double noise = 0.0;
  guint alarms = 0, delay = 0;
  guint64 sample = 0;

  for (guint s = 0; s < 10; s++)
    {
      g_autofree char *sensor = g_strdup_printf ("ar%02u", s);
      gboolean was = FALSE;

      for (guint i = 0; i < 50000; i++, sample++)
        {
          gboolean now;

          noise = rho * noise + sqrt (1 - rho * rho) * SIGMA * gaussian (rand);
          now = mimic_anomaly_detector_push (detector, "dev", sensor, T0 + sample * PERIOD,
                                             EXPECTED + OFFSET + noise, EXPECTED);
          if (now && !was)
            alarms++;
          was = now;
        }
    }
  g_test_message ("AR(1) ρ = %.1f: %u false alarms in 500000 samples", rho, alarms);
  g_assert_cmpuint (alarms, ==, 0);

  for (guint i = 1; i <= 5000; i++, sample++)
    {
      double drift = SIGMA * i / 500.0;

      noise = rho * noise + sqrt (1 - rho * rho) * SIGMA * gaussian (rand);
      if (mimic_anomaly_detector_push (detector, "dev", "ar00", T0 + sample * PERIOD,
                                       EXPECTED + OFFSET + drift + noise, EXPECTED))
        {
          delay = i;
          break;
        }
    }
  g_test_message ("drift of 1 σ per 500 samples found after %u samples", delay);
  g_assert_cmpuint (delay, >, 0);
  g_assert_cmpuint (delay, <=, 2500);
}

/* A rack that idles through the warm-up reads exactly the model's zero
 * current: the detector learns nothing from that, and judges the current
 * by its noise once it flows, not by a σ at its floor. */
static void
test_rest_warmup (void)
{
  g_autoptr(MimicAnomalyDetector) detector = mimic_anomaly_detector_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  const double current = 38.0, sigma = 0.002 * current;
  MimicAnomalyState state;
  guint64 sample = 0;

  for (guint i = 0; i < MIMIC_ANOMALY_DEFAULT_SETTLE_SAMPLES + 2000; i++, sample++)
    g_assert_false (mimic_anomaly_detector_push (detector, "rack-1", "rack_current", T0 + sample * PERIOD, 0.0, 0.0));
  g_assert_true (mimic_anomaly_detector_get_state (detector, "rack-1", "rack_current", &state));
  g_assert_false (state.warmed_up);
  g_assert_cmpuint (state.n_warmup, ==, 0);

  for (guint i = 0; i < mimic_anomaly_detector_get_warmup_samples (detector); i++, sample++)
    mimic_anomaly_detector_push (detector, "rack-1", "rack_current", T0 + sample * PERIOD,
                                 current + sigma * gaussian (rand), current);
  g_assert_true (mimic_anomaly_detector_get_state (detector, "rack-1", "rack_current", &state));
  g_assert_true (state.warmed_up);
  g_assert_cmpfloat (fabs (state.sigma_sample / sigma - 1.0), <, 0.2);

  /* Idle again, then flowing: both are normal. */
  for (guint i = 0; i < 3000; i++, sample++)
    {
      gboolean idle = (i / 500) % 2 == 0;
      double expected = idle ? 0.0 : current;
      double actual = idle ? 0.0 : current + sigma * gaussian (rand);

      g_assert_false (mimic_anomaly_detector_push (detector, "rack-1", "rack_current", T0 + sample * PERIOD,
                                                   actual, expected));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/anomaly/white-noise", test_white_noise);
  g_test_add_func ("/mimic/anomaly/slow-drift", test_slow_drift);
  g_test_add_func ("/mimic/anomaly/correlated-noise", test_correlated_noise);
  g_test_add_func ("/mimic/anomaly/step", test_step);
  g_test_add_func ("/mimic/anomaly/robust-warmup", test_robust_warmup);
  g_test_add_func ("/mimic/anomaly/rest-warmup", test_rest_warmup);
  g_test_add_func ("/mimic/anomaly/non-finite", test_non_finite);
  g_test_add_func ("/mimic/anomaly/alarm", test_alarm);
  g_test_add_func ("/mimic/anomaly/properties", test_properties);

  return g_test_run ();
}
