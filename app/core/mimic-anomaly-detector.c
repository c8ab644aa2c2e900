/* mimic-anomaly-detector.c
 *
 * A two-sided CUSUM per (device, sensor) on the residual actual − expected.
 * The model never matches a real unit exactly, so each sensor first learns
 * its own normal over a warm-up window: the median residual (the unit's
 * fixed offset from the model) and 1.4826 × the median absolute deviation
 * (σ of the noise, unmoved by the odd spike). From then on every residual
 * is standardised, z = (r − median) / σ, and
 *
 *   upper = max (0, upper + z − k)      lower = max (0, lower − z − k)
 *
 * The sensor deviates once either passes h, and is back once both have
 * fallen to zero. Learning starts after a settling time (the model meets
 * the unit's thermal state), and the centre then follows the residual
 * with a long time constant, so a unit that slowly ages apart from its
 * model is not called faulty while a fault, much faster, still is. Both are capped at 2h so that a long deviation returns
 * promptly once the cause is gone. A slow drift of 1 σ adds about
 * 1 − k per sample and crosses h within (h + 1.166) / (1 − k) samples of
 * reaching 1 σ, long before a limit set many σ away trips.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-anomaly-detector"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimic-anomaly-detector.h"

typedef struct
{
  char              *device_id;
  char              *sensor_id;
  GArray            *warmup;        /* double residuals; NULL once warmed up */
  GArray            *warmup_scale;  /* |expected|, for the σ floor */
  double             block_sum;     /* residuals of the block under way */
  guint              block_n;
  MimicAnomalyState  state;
} Track;

struct _MimicAnomalyDetector
{
  GObject            parent_instance;

  double             reference_k;
  double             decision_h;
  guint              warmup_samples;
  guint              adaptation_samples;
  guint              block_samples;
  GHashTable        *tracks;         /* "device\x1fsensor" → Track */
  MimicAlarmManager *manager;
  gulong             transition_handler;
  guint64            n_ignored;
};

enum {
  PROP_0,
  PROP_REFERENCE_K,
  PROP_DECISION_H,
  PROP_WARMUP_SAMPLES,
  PROP_ADAPTATION_SAMPLES,
  PROP_BLOCK_SAMPLES,
  N_PROPS
};

enum {
  DEVIATION_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MimicAnomalyDetector, mimic_anomaly_detector, G_TYPE_OBJECT)

static void
track_free (gpointer data)
{
  Track *track = data;

  g_free (track->device_id);
  g_free (track->sensor_id);
  g_clear_pointer (&track->warmup, g_array_unref);
  g_clear_pointer (&track->warmup_scale, g_array_unref);
  g_free (track);
}

static void
mimic_anomaly_detector_dispose (GObject *object)
{
  MimicAnomalyDetector *self = MIMIC_ANOMALY_DETECTOR (object);

  mimic_anomaly_detector_set_alarm_manager (self, NULL);

  G_OBJECT_CLASS (mimic_anomaly_detector_parent_class)->dispose (object);
}

static void
mimic_anomaly_detector_finalize (GObject *object)
{
  MimicAnomalyDetector *self = MIMIC_ANOMALY_DETECTOR (object);

  g_clear_pointer (&self->tracks, g_hash_table_unref);

  G_OBJECT_CLASS (mimic_anomaly_detector_parent_class)->finalize (object);
}

static void
mimic_anomaly_detector_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  MimicAnomalyDetector *self = MIMIC_ANOMALY_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_REFERENCE_K:
      g_value_set_double (value, self->reference_k);
      break;
    case PROP_DECISION_H:
      g_value_set_double (value, self->decision_h);
      break;
    case PROP_WARMUP_SAMPLES:
      g_value_set_uint (value, self->warmup_samples);
      break;
    case PROP_ADAPTATION_SAMPLES:
      g_value_set_uint (value, self->adaptation_samples);
      break;
    case PROP_BLOCK_SAMPLES:
      g_value_set_uint (value, self->block_samples);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_anomaly_detector_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  MimicAnomalyDetector *self = MIMIC_ANOMALY_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_REFERENCE_K:
      mimic_anomaly_detector_set_reference_k (self, g_value_get_double (value));
      break;
    case PROP_DECISION_H:
      mimic_anomaly_detector_set_decision_h (self, g_value_get_double (value));
      break;
    case PROP_WARMUP_SAMPLES:
      mimic_anomaly_detector_set_warmup_samples (self, g_value_get_uint (value));
      break;
    case PROP_ADAPTATION_SAMPLES:
      mimic_anomaly_detector_set_adaptation_samples (self, g_value_get_uint (value));
      break;
    case PROP_BLOCK_SAMPLES:
      mimic_anomaly_detector_set_block_samples (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_anomaly_detector_class_init (MimicAnomalyDetectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mimic_anomaly_detector_dispose;
  object_class->finalize = mimic_anomaly_detector_finalize;
  object_class->get_property = mimic_anomaly_detector_get_property;
  object_class->set_property = mimic_anomaly_detector_set_property;

  properties[PROP_REFERENCE_K] =
    g_param_spec_double ("reference-k", NULL, NULL, 0.0, 10.0, MIMIC_ANOMALY_DEFAULT_REFERENCE_K, flags);
  properties[PROP_DECISION_H] =
    g_param_spec_double ("decision-h", NULL, NULL, 0.1, 1000.0, MIMIC_ANOMALY_DEFAULT_DECISION_H, flags);
  properties[PROP_WARMUP_SAMPLES] =
    g_param_spec_uint ("warmup-samples", NULL, NULL, 10, 1000000, MIMIC_ANOMALY_DEFAULT_WARMUP_SAMPLES, flags);
  properties[PROP_ADAPTATION_SAMPLES] =
    g_param_spec_uint ("adaptation-samples", NULL, NULL, 0, G_MAXUINT, MIMIC_ANOMALY_DEFAULT_ADAPTATION_SAMPLES, flags);
  properties[PROP_BLOCK_SAMPLES] =
    g_param_spec_uint ("block-samples", NULL, NULL, 1, 100000, MIMIC_ANOMALY_DEFAULT_BLOCK_SAMPLES, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MimicAnomalyDetector::deviation-changed:
   * @device_id, @sensor_id: the sensor
   * @deviating: whether it deviates now
   * @statistic: the larger CUSUM statistic, in σ
   * @timestamp_us: the sample time
   */
  signals[DEVIATION_CHANGED] =
    g_signal_new ("deviation-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_DOUBLE, G_TYPE_INT64);
}

static void
mimic_anomaly_detector_init (MimicAnomalyDetector *self)
{
  self->reference_k = MIMIC_ANOMALY_DEFAULT_REFERENCE_K;
  self->decision_h = MIMIC_ANOMALY_DEFAULT_DECISION_H;
  self->warmup_samples = MIMIC_ANOMALY_DEFAULT_WARMUP_SAMPLES;
  self->adaptation_samples = MIMIC_ANOMALY_DEFAULT_ADAPTATION_SAMPLES;
  self->block_samples = MIMIC_ANOMALY_DEFAULT_BLOCK_SAMPLES;
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, track_free);
}

MimicAnomalyDetector *
mimic_anomaly_detector_new (void)
{
  return g_object_new (MIMIC_TYPE_ANOMALY_DETECTOR, NULL);
}

double
mimic_anomaly_detector_get_reference_k (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), NAN);
  return self->reference_k;
}

void
mimic_anomaly_detector_set_reference_k (MimicAnomalyDetector *self,
                                        double                k)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (isfinite (k) && k >= 0.0);

  if (self->reference_k == k)
    return;
  self->reference_k = k;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFERENCE_K]);
}

double
mimic_anomaly_detector_get_decision_h (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), NAN);
  return self->decision_h;
}

void
mimic_anomaly_detector_set_decision_h (MimicAnomalyDetector *self,
                                       double                h)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (isfinite (h) && h > 0.0);

  if (self->decision_h == h)
    return;
  self->decision_h = h;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DECISION_H]);
}

guint
mimic_anomaly_detector_get_warmup_samples (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), 0);
  return self->warmup_samples;
}

void
mimic_anomaly_detector_set_warmup_samples (MimicAnomalyDetector *self,
                                           guint                 n)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (n >= 10);

  if (self->warmup_samples == n)
    return;
  self->warmup_samples = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WARMUP_SAMPLES]);
}

guint
mimic_anomaly_detector_get_adaptation_samples (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), 0);
  return self->adaptation_samples;
}

void
mimic_anomaly_detector_set_adaptation_samples (MimicAnomalyDetector *self,
                                               guint                 n)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));

  if (self->adaptation_samples == n)
    return;
  self->adaptation_samples = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADAPTATION_SAMPLES]);
}

guint
mimic_anomaly_detector_get_block_samples (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), 0);
  return self->block_samples;
}

void
mimic_anomaly_detector_set_block_samples (MimicAnomalyDetector *self,
                                          guint                 n)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (n >= 1);

  if (self->block_samples == n)
    return;
  self->block_samples = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLOCK_SAMPLES]);
}

static void
on_transition (MimicAlarmManager            *manager,
               MimicAlarm                   *alarm,
               const MimicAlarmJournalEntry *entry,
               MimicAnomalyDetector         *self)
{
  /* Back to normal (returned and acknowledged): the next episode is
   * judged from a clean statistic. */
  if (entry->condition == MIMIC_ALARM_CONDITION_DEVIATION &&
      entry->new_state == MIMIC_ALARM_STATE_NORMAL)
    mimic_anomaly_detector_reset (self, entry->device_id, entry->sensor_id);
}

void
mimic_anomaly_detector_set_alarm_manager (MimicAnomalyDetector *self,
                                          MimicAlarmManager    *manager)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (manager == NULL || MIMIC_IS_ALARM_MANAGER (manager));

  if (self->manager == manager)
    return;

  if (self->manager != NULL)
    g_clear_signal_handler (&self->transition_handler, self->manager);
  g_set_object (&self->manager, manager);
  if (manager != NULL)
    self->transition_handler = g_signal_connect_object (manager, "transition",
                                                        G_CALLBACK (on_transition), self, 0);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @values in place. */
static double
median (GArray *values)
{
  guint n = values->len;
  double *v = (double *) values->data;

  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Lag-1 autocorrelation of @values around their mean. */
static double
lag1_autocorrelation (const double *values,
                      guint         n)
{
  double mean = 0.0, num = 0.0, den = 0.0;

  for (guint i = 0; i < n; i++)
    mean += values[i] / n;
  for (guint i = 0; i < n; i++)
    {
      den += (values[i] - mean) * (values[i] - mean);
      if (i + 1 < n)
        num += (values[i] - mean) * (values[i + 1] - mean);
    }
  return den > 0.0 ? num / den : 0.0;
}

static void
finish_warmup (Track *track,
               guint  block_samples)
{
  g_autoptr(GArray) block_means = g_array_new (FALSE, FALSE, sizeof (double));
  guint n = track->warmup->len;
  double *values = (double *) track->warmup->data;
  double center, mad, scale, sigma_sample, sigma_block, rho, block_center;

  /* Before the median sorts the warm-up: its order matters here. */
  rho = lag1_autocorrelation (values, n);
  for (guint start = 0; start + block_samples <= n; start += block_samples)
    {
      double sum = 0.0;

      for (guint i = start; i < start + block_samples; i++)
        sum += values[i];
      sum /= block_samples;
      g_array_append_val (block_means, sum);
    }

  center = median (track->warmup);
  for (guint i = 0; i < n; i++)
    values[i] = fabs (values[i] - center);
  mad = median (track->warmup);
  scale = median (track->warmup_scale);
  sigma_sample = MAX (1.4826 * mad, MAX (MIMIC_ANOMALY_DEFAULT_MIN_RELATIVE_SIGMA * scale, 1e-9));

  /* Batch means: the spread of the block means themselves, which is
   * larger than σ/√N when neighbouring residuals are correlated. */
  sigma_block = sigma_sample / sqrt (block_samples);
  if (block_means->len >= 2)
    {
      block_center = median (block_means);
      for (guint i = 0; i < block_means->len; i++)
        {
          double *v = &g_array_index (block_means, double, i);

          *v = fabs (*v - block_center);
        }
      sigma_block = MAX (sigma_block, 1.4826 * median (block_means));
    }

  /* A residual whose neighbours are significantly correlated carries an
   * error of the model that wanders over hours, longer than the warm-up
   * can measure: averaging a block then removes the noise but not the
   * wander, so such a sensor gets no credit for it. White noise keeps
   * the full gain of √N. */
  if (block_samples > 1 && rho > MIMIC_ANOMALY_CORRELATION_SIGNIFICANCE / sqrt (n))
    sigma_block = MAX (sigma_block, sigma_sample);

  track->state.center = center;
  track->state.sigma = sigma_block;
  track->state.sigma_sample = sigma_sample;
  track->state.autocorrelation = rho;
  track->state.warmed_up = TRUE;
  g_clear_pointer (&track->warmup, g_array_unref);
  g_clear_pointer (&track->warmup_scale, g_array_unref);
}

static void
start_warmup (Track *track)
{
  memset (&track->state, 0, sizeof track->state);
  track->block_sum = 0.0;
  track->block_n = 0;
  g_clear_pointer (&track->warmup, g_array_unref);
  g_clear_pointer (&track->warmup_scale, g_array_unref);
  track->warmup = g_array_new (FALSE, FALSE, sizeof (double));
  track->warmup_scale = g_array_new (FALSE, FALSE, sizeof (double));
}

static Track *
lookup_track (MimicAnomalyDetector *self,
              const char           *device_id,
              const char           *sensor_id,
              gboolean              create)
{
  g_autofree char *key = g_strconcat (device_id, "\x1f", sensor_id, NULL);
  Track *track = g_hash_table_lookup (self->tracks, key);

  if (track == NULL && create)
    {
      track = g_new0 (Track, 1);
      track->device_id = g_strdup (device_id);
      track->sensor_id = g_strdup (sensor_id);
      start_warmup (track);
      g_hash_table_insert (self->tracks, g_steal_pointer (&key), track);
    }
  return track;
}

static void
announce (MimicAnomalyDetector *self,
          Track                *track,
          double                statistic,
          gint64                timestamp_us)
{
  g_signal_emit (self, signals[DEVIATION_CHANGED], 0, track->device_id, track->sensor_id,
                 track->state.deviating, statistic, timestamp_us);
  if (self->manager != NULL)
    mimic_alarm_manager_set_deviation (self->manager, track->device_id, track->sensor_id,
                                       track->state.deviating, statistic, timestamp_us);
}

gboolean
mimic_anomaly_detector_push (MimicAnomalyDetector *self,
                             const char           *device_id,
                             const char           *sensor_id,
                             gint64                timestamp_us,
                             double                actual,
                             double                expected)
{
  MimicAnomalyState *state;
  Track *track;
  double residual, z, cap, statistic;

  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), FALSE);
  g_return_val_if_fail (device_id != NULL && sensor_id != NULL, FALSE);

  residual = actual - expected;
  if (!isfinite (actual) || !isfinite (expected) || !isfinite (residual))
    {
      self->n_ignored++;
      track = lookup_track (self, device_id, sensor_id, FALSE);
      return track != NULL && track->state.deviating;
    }

  track = lookup_track (self, device_id, sensor_id, TRUE);
  state = &track->state;
  state->n_samples++;

  if (!state->warmed_up && state->n_settle < MIMIC_ANOMALY_DEFAULT_SETTLE_SAMPLES)
    {
      state->n_settle++;
      return FALSE;
    }

  if (!state->warmed_up)
    {
      double scale = fabs (expected);

      /* A reading of exactly the model's zero is a sensor at rest (no
       * current through an idle rack, a stopped motor's speed): it shows
       * nothing of the sensor's noise, and a warm-up made of such
       * readings would set σ to its floor and call the first movement a
       * fault. Learning waits for the sensor to be in use. */
      if (actual == 0.0 && expected == 0.0)
        return FALSE;

      g_array_append_val (track->warmup, residual);
      g_array_append_val (track->warmup_scale, scale);
      state->n_warmup = track->warmup->len;
      if (track->warmup->len >= self->warmup_samples)
        finish_warmup (track, MIN (self->block_samples, self->warmup_samples / 2));
      return FALSE;
    }

  /* The statistic moves once per block, on the block's mean. */
  track->block_sum += residual;
  track->block_n++;
  if (track->block_n < MIN (self->block_samples, self->warmup_samples / 2))
    return state->deviating;
  residual = track->block_sum / track->block_n;
  track->block_sum = 0.0;
  track->block_n = 0;

  z = (residual - state->center) / state->sigma;
  cap = 2.0 * self->decision_h;
  state->upper = CLAMP (state->upper + z - self->reference_k, 0.0, cap);
  state->lower = CLAMP (state->lower - z - self->reference_k, 0.0, cap);
  statistic = MAX (state->upper, state->lower);

  /* Follow slow, harmless divergence; never while deviating, and with
   * the step bounded so a spike moves the centre by little. */
  if (self->adaptation_samples > 0 && !state->deviating)
    state->center += CLAMP (z, -3.0, 3.0) * state->sigma
                     * MIN (1.0, (double) MIN (self->block_samples, self->warmup_samples / 2) / self->adaptation_samples);

  if (!state->deviating && statistic > self->decision_h)
    {
      state->deviating = TRUE;
      announce (self, track, statistic, timestamp_us);
    }
  else if (state->deviating && statistic <= 0.0)
    {
      state->deviating = FALSE;
      announce (self, track, statistic, timestamp_us);
    }
  return state->deviating;
}

void
mimic_anomaly_detector_push_residuals (MimicAnomalyDetector *self,
                                       const char           *device_id,
                                       GArray               *residuals)
{
  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));
  g_return_if_fail (residuals != NULL);

  for (guint i = 0; i < residuals->len; i++)
    {
      const MimicModelResidual *r = &g_array_index (residuals, MimicModelResidual, i);

      if (!r->drives_input)
        mimic_anomaly_detector_push (self, device_id, r->sensor_id, r->timestamp_us,
                                     r->actual, r->expected);
    }
}

void
mimic_anomaly_detector_reset (MimicAnomalyDetector *self,
                              const char           *device_id,
                              const char           *sensor_id)
{
  Track *track;

  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));

  if (device_id == NULL || sensor_id == NULL ||
      (track = lookup_track (self, device_id, sensor_id, FALSE)) == NULL)
    return;

  track->state.upper = 0.0;
  track->state.lower = 0.0;
  track->block_sum = 0.0;
  track->block_n = 0;
  if (track->state.deviating)
    {
      track->state.deviating = FALSE;
      announce (self, track, 0.0, 0);
    }
}

void
mimic_anomaly_detector_relearn (MimicAnomalyDetector *self,
                                const char           *device_id,
                                const char           *sensor_id)
{
  Track *track;

  g_return_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self));

  if (device_id == NULL || sensor_id == NULL ||
      (track = lookup_track (self, device_id, sensor_id, FALSE)) == NULL)
    return;

  mimic_anomaly_detector_reset (self, device_id, sensor_id);
  start_warmup (track);
}

gboolean
mimic_anomaly_detector_get_state (MimicAnomalyDetector *self,
                                  const char           *device_id,
                                  const char           *sensor_id,
                                  MimicAnomalyState    *state)
{
  Track *track;

  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), FALSE);

  if (device_id == NULL || sensor_id == NULL ||
      (track = lookup_track (self, device_id, sensor_id, FALSE)) == NULL)
    return FALSE;
  if (state != NULL)
    *state = track->state;
  return TRUE;
}

guint64
mimic_anomaly_detector_get_n_ignored (MimicAnomalyDetector *self)
{
  g_return_val_if_fail (MIMIC_IS_ANOMALY_DETECTOR (self), 0);
  return self->n_ignored;
}
