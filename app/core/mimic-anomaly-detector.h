/* mimic-anomaly-detector.h — "deviates from model" from the residuals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-alarm-manager.h"
#include "mimic-model-runner.h"

G_BEGIN_DECLS

/* Defaults, in units of the residual's standard deviation: k = 0.5 is the
 * reference that detects a shift of 1 σ fastest; h = 15 keeps a two-sided
 * CUSUM on white noise quiet for about 10⁷ samples on average when σ is
 * known. It is estimated, and an estimate a few per cent low costs an
 * order of magnitude of that: the warm-up of 1000 samples keeps the error
 * near 4 % (tests/test-anomaly.c measures the rate). */
#define MIMIC_ANOMALY_DEFAULT_REFERENCE_K    0.5
#define MIMIC_ANOMALY_DEFAULT_DECISION_H     15.0
#define MIMIC_ANOMALY_DEFAULT_WARMUP_SAMPLES 1000
/* Samples skipped before the warm-up, while the model settles on the
 * unit's thermal state. */
#define MIMIC_ANOMALY_DEFAULT_SETTLE_SAMPLES 360
/* The learnt centre follows the residual with this time constant (in
 * samples; 0: never), so a unit that ages a little differently from the
 * model is not a fault; a fault moves the residual far faster. */
#define MIMIC_ANOMALY_DEFAULT_ADAPTATION_SAMPLES 360
/* The CUSUM runs on means of this many residuals (5 min at 10 s), with σ
 * of those means measured over the warm-up (batch means), so residuals
 * that are correlated from one sample to the next do not look like a
 * shift. */
#define MIMIC_ANOMALY_DEFAULT_BLOCK_SAMPLES 30
/* A lag-1 autocorrelation above this many standard errors (1/√n) of the
 * warm-up marks a residual with slow model error: its blocks are judged
 * against the σ of single samples. */
#define MIMIC_ANOMALY_CORRELATION_SIGNIFICANCE 1.0
/* Smallest σ, as a fraction of the expected value's size: a sensor with
 * no noise would otherwise alarm on rounding. */
#define MIMIC_ANOMALY_DEFAULT_MIN_RELATIVE_SIGMA 1e-4

/* What the detector knows about one sensor. */
typedef struct
{
  gboolean warmed_up;
  guint    n_settle;            /* samples skipped so far before the warm-up */
  guint    n_warmup;            /* samples gathered towards the warm-up */
  double   center;              /* median residual over the warm-up */
  double   sigma;               /* σ of a block mean, from the warm-up */
  double   sigma_sample;        /* 1.4826 × MAD of single residuals, floored */
  double   autocorrelation;     /* lag-1, over the warm-up */
  double   upper;               /* CUSUM statistic for a rise, in σ */
  double   lower;               /* and for a fall */
  gboolean deviating;
  guint64  n_samples;
} MimicAnomalyState;

#define MIMIC_TYPE_ANOMALY_DETECTOR (mimic_anomaly_detector_get_type ())

G_DECLARE_FINAL_TYPE (MimicAnomalyDetector, mimic_anomaly_detector, MIMIC, ANOMALY_DETECTOR, GObject)

MimicAnomalyDetector *mimic_anomaly_detector_new              (void);

/* Tunable at any time; new values apply from the next sample (the
 * warm-up length to sensors not yet warmed up). */
double                mimic_anomaly_detector_get_reference_k  (MimicAnomalyDetector *self);
void                  mimic_anomaly_detector_set_reference_k  (MimicAnomalyDetector *self,
                                                               double                k);
double                mimic_anomaly_detector_get_decision_h   (MimicAnomalyDetector *self);
void                  mimic_anomaly_detector_set_decision_h   (MimicAnomalyDetector *self,
                                                               double                h);
guint                 mimic_anomaly_detector_get_warmup_samples (MimicAnomalyDetector *self);
void                  mimic_anomaly_detector_set_warmup_samples (MimicAnomalyDetector *self,
                                                               guint                 n);

guint                 mimic_anomaly_detector_get_adaptation_samples (MimicAnomalyDetector *self);
void                  mimic_anomaly_detector_set_adaptation_samples (MimicAnomalyDetector *self,
                                                               guint                 n);

/* Residuals averaged per step of the CUSUM; 1: every sample. */
guint                 mimic_anomaly_detector_get_block_samples (MimicAnomalyDetector *self);
void                  mimic_anomaly_detector_set_block_samples (MimicAnomalyDetector *self,
                                                               guint                 n);

/* Sends every verdict to @manager as a "deviates from model" alarm, and
 * restarts a sensor's statistic when its alarm is back to normal. NULL
 * disconnects. */
void                  mimic_anomaly_detector_set_alarm_manager (MimicAnomalyDetector *self,
                                                               MimicAlarmManager    *manager);

/* One comparison of actual with expected. Non-finite numbers are
 * ignored (counted) and change nothing. Returns whether the sensor is
 * deviating after the sample. */
gboolean              mimic_anomaly_detector_push             (MimicAnomalyDetector *self,
                                                               const char           *device_id,
                                                               const char           *sensor_id,
                                                               gint64                timestamp_us,
                                                               double                actual,
                                                               double                expected);
/* What mimic_model_runner_push_batch() gives; readings that drive the
 * model's inputs are skipped (their residual is 0 by construction). */
void                  mimic_anomaly_detector_push_residuals   (MimicAnomalyDetector *self,
                                                               const char           *device_id,
                                                               GArray               *residuals);

/* Restarts the statistic (after an acknowledged return), or the whole
 * learning of normal (after maintenance or a recalibration). */
void                  mimic_anomaly_detector_reset            (MimicAnomalyDetector *self,
                                                               const char           *device_id,
                                                               const char           *sensor_id);
void                  mimic_anomaly_detector_relearn          (MimicAnomalyDetector *self,
                                                               const char           *device_id,
                                                               const char           *sensor_id);

gboolean              mimic_anomaly_detector_get_state        (MimicAnomalyDetector *self,
                                                               const char           *device_id,
                                                               const char           *sensor_id,
                                                               MimicAnomalyState    *state);
guint64               mimic_anomaly_detector_get_n_ignored    (MimicAnomalyDetector *self);

G_END_DECLS
