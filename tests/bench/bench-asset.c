/* bench-asset.c — how long loading and validating an asset description
 * takes, and how fast lookups by id are
 *
 * Prints its figures; asserts nothing about speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <time.h>

#include "mimic-asset.h"
#include "mimic-paths.h"

static void
bench_load (const char *name)
{
  g_autofree char *dir = mimic_paths_get_asset_dir ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(MimicAsset) asset = NULL;
  g_autoptr(GError) error = NULL;
  const guint rounds = 200;
  gint64 start, elapsed;
  clock_t cpu_start, cpu_elapsed;

  asset = mimic_asset_new_from_file (path, &error);
  g_assert_no_error (error);
  g_clear_object (&asset);

  /* The machine is shared; CPU time is steadier than wall time. */
  start = g_get_monotonic_time ();
  cpu_start = clock ();
  for (guint i = 0; i < rounds; i++)
    {
      asset = mimic_asset_new_from_file (path, &error);
      g_assert_no_error (error);
      g_clear_object (&asset);
    }
  cpu_elapsed = clock () - cpu_start;
  elapsed = g_get_monotonic_time () - start;

  g_print ("load %s (with its glTF and SVG checks): %.2f ms CPU, %.2f ms wall per load\n",
           name, cpu_elapsed * 1000.0 / CLOCKS_PER_SEC / rounds, elapsed / 1000.0 / rounds);
}

static void
bench_lookup (void)
{
  g_autofree char *dir = mimic_paths_get_asset_dir ();
  g_autofree char *path = g_build_filename (dir, "battery-rack", "battery-rack.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MimicAsset) asset = mimic_asset_new_from_file (path, &error);
  GPtrArray *sensors;
  const guint rounds = 200000;
  guint found = 0;
  gint64 start, elapsed;

  g_assert_no_error (error);
  sensors = mimic_asset_get_sensors (asset);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    {
      const MimicAssetSensor *sensor = g_ptr_array_index (sensors, i % sensors->len);

      found += mimic_asset_get_sensor (asset, sensor->id) == sensor;
    }
  elapsed = g_get_monotonic_time () - start;

  g_assert_cmpuint (found, ==, rounds);
  g_print ("sensor lookup by id (23 sensors): %.1f million per second\n",
           rounds / (double) elapsed);
}

int
main (int   argc,
      char *argv[])
{
  bench_load ("pump-skid/pump-skid.json");
  bench_load ("battery-rack/battery-rack.json");
  bench_lookup ();

  return 0;
}
