/* bench-whatif.c — how long a what-if takes
 *
 * A 30-day what-if on the pump model and a 13-point maintenance sweep,
 * each timed over many runs, beside the same horizon integrated with
 * classic RK4 at a fixed 1 s step; prints the times, the ratio and how far
 * the predicted crossing times differ. Prints figures only: timing depends
 * on the machine, so nothing here asserts a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <time.h>

#include "mimic-whatif.h"
#include "mimic-bench.h"

#define DAY 86400.0

static MimicWhatifRequest *
new_request (MimicModel        *model,
             MimicModelStepper  stepper)
{
  MimicWhatifRequest *request = mimic_whatif_request_new (model);
  MimicModelRunOptions options;

  mimic_whatif_request_set_reading (request, "winding_temp", 75, NULL);
  mimic_whatif_request_set_reading (request, "speed", 1480, NULL);
  mimic_whatif_request_set_reading (request, "valve_position", 80, NULL);
  mimic_whatif_request_set_reading (request, "ambient_temp", 20, NULL);
  mimic_whatif_request_set_parameter (request, "wear", 0.25, NULL);
  mimic_whatif_request_set_override (request, "ambient_temp", 30, NULL);
  /* No service within the horizon, so wear runs on. */
  mimic_whatif_request_set_override (request, "maintenance_delay", 60, NULL);
  mimic_whatif_request_add_limit (request, "vibration", 4.5, MIMIC_LIMIT_RISING, NULL);
  mimic_whatif_request_add_limit (request, "vibration", 7.1, MIMIC_LIMIT_RISING, NULL);
  mimic_whatif_request_add_limit (request, "bearing_de_temp", 85, MIMIC_LIMIT_RISING, NULL);
  mimic_whatif_request_add_limit (request, "winding_temp", 130, MIMIC_LIMIT_RISING, NULL);
  mimic_whatif_request_set_horizon (request, 30 * DAY, NULL);
  mimic_whatif_request_set_n_points (request, 500, NULL);

  mimic_model_run_options_init (&options);
  options.stepper = stepper;
  options.fixed_step_s = 1.0;
  mimic_whatif_request_set_run_options (request, &options);
  return request;
}

/* CPU time of this process, in microseconds: the machine is shared, so
 * wall time would measure the neighbours too. */
static gint64
cpu_time_us (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static double
time_runs (MimicWhatifRequest *request,
           guint               n_runs,
           MimicWhatifResult **last)
{
  gint64 start = cpu_time_us ();

  for (guint i = 0; i < n_runs; i++)
    {
      MimicWhatifResult *result = mimic_whatif_compute (request, NULL, NULL);

      g_assert_nonnull (result);
      if (i + 1 == n_runs && last != NULL)
        *last = result;
      else
        mimic_whatif_result_unref (result);
    }
  return (cpu_time_us () - start) / 1000.0 / n_runs;
}

static void
print_crossings (const char        *label,
                 MimicWhatifResult *result,
                 MimicWhatifResult *reference)
{
  g_print ("%s\n", label);
  for (guint i = 0; i < mimic_whatif_result_get_n_limits (result); i++)
    {
      const MimicModelLimit *limit = mimic_whatif_result_get_limit (result, i);
      double t = mimic_whatif_result_get_crossing_time (result, i);
      double t_ref = mimic_whatif_result_get_crossing_time (reference, i);

      if (isfinite (t) && isfinite (t_ref))
        g_print ("  %-16s %6.2f: %12.1f s, RK4 1 s %12.1f s, difference %+.1f s\n",
                 limit->sensor_id, limit->value, t, t_ref, t - t_ref);
      else
        g_print ("  %-16s %6.2f: %s / %s\n", limit->sensor_id, limit->value,
                 isfinite (t) ? "reached" : "not reached", isfinite (t_ref) ? "reached" : "not reached");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MimicModel) pump = mimic_model_new_for_name ("pump-skid", NULL);
  g_autoptr(MimicModel) battery = mimic_model_new_for_name ("battery-rack", NULL);
  const struct { const char *name; MimicModelStepper stepper; guint runs; } steppers[] = {
    { "rkf45 (default)", MIMIC_MODEL_STEPPER_RKF45, 200 },
    { "msbdf", MIMIC_MODEL_STEPPER_MSBDF, 100 },
    { "rk8pd", MIMIC_MODEL_STEPPER_RK8PD, 50 },
  };
  g_autoptr(MimicWhatifRequest) reference_request = new_request (pump, MIMIC_MODEL_STEPPER_RK4_FIXED);
  MimicWhatifResult *reference = NULL;
  double reference_ms, default_ms = 0;

  g_print ("# what-if benchmark: pump-skid, 30-day horizon, 500 points per output, 4 limits; CPU time\n");

  reference_ms = time_runs (reference_request, 2, &reference);
  g_print ("RK4 fixed 1 s: %.1f ms per what-if (2 runs)\n", reference_ms);
  mimic_bench_report ("whatif.rk4_fixed_1s", reference_ms, "ms");

  for (guint s = 0; s < G_N_ELEMENTS (steppers); s++)
    {
      g_autoptr(MimicWhatifRequest) request = new_request (pump, steppers[s].stepper);
      g_autoptr(MimicWhatifResult) result = NULL;
      double ms = time_runs (request, steppers[s].runs, &result);
      g_autofree char *label = g_strdup_printf ("%s: %.3f ms per what-if (%u runs), %.0f times faster than RK4 at 1 s",
                                                steppers[s].name, ms, steppers[s].runs, reference_ms / ms);

      if (s == 0)
        default_ms = ms;
      print_crossings (label, result, reference);
    }

  {
    g_autoptr(MimicWhatifRequest) sweep = new_request (pump, MIMIC_MODEL_STEPPER_RKF45);
    double ms;

    mimic_whatif_request_set_sweep (sweep, "maintenance_delay", 0, 60, 13, NULL);
    ms = time_runs (sweep, 50, NULL);
    g_print ("13-point maintenance_delay sweep (plus the plain run): %.2f ms per call (50 runs)\n", ms);
  }

  {
    g_autoptr(MimicWhatifRequest) request = mimic_whatif_request_new (battery);
    double ms;

    mimic_whatif_request_set_reading (request, "soc", 50, NULL);
    mimic_whatif_request_set_reading (request, "soh", 92, NULL);
    mimic_whatif_request_set_override (request, "cycles_per_day", 2, NULL);
    mimic_whatif_request_add_limit (request, "module_01_temp", 45, MIMIC_LIMIT_RISING, NULL);
    mimic_whatif_request_add_limit (request, "soh", 80, MIMIC_LIMIT_FALLING, NULL);
    mimic_whatif_request_set_horizon (request, 30 * DAY, NULL);
    ms = time_runs (request, 50, NULL);
    g_print ("battery-rack, 30 days cycling twice a day (rkf45): %.2f ms per what-if (50 runs)\n", ms);
  }

  g_print ("goal: a single what-if under 10 ms: %s (%.3f ms)\n", default_ms < 10.0 ? "met" : "missed", default_ms);
  mimic_bench_report ("whatif.default", default_ms, "ms");
  mimic_whatif_result_unref (reference);
  return 0;
}
