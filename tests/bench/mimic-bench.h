/* mimic-bench.h — the machine-readable line each benchmark prints
 *
 * Besides their own human-readable output, benchmarks print each headline
 * figure as one line on stdout:
 *
 *   BENCH <name> <value> <unit>
 *
 * <name> is lower case, dotted by area (twin_store.apply_rate), without
 * spaces; <value> a plain number; <unit> one word (values/s, ms, bytes).
 * build-aux/run-benchmarks.sh collects these lines from every benchmark
 * into its table and into build/benchmarks.json.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

static inline void
mimic_bench_report (const char *name,
                    double      value,
                    const char *unit)
{
  g_print ("BENCH %s %.6g %s\n", name, value, unit);
}

/* For a figure named by a free-text label: "1M triangles, no labels"
 * becomes PREFIX.1m_triangles_no_labels. */
static inline void
mimic_bench_report_labelled (const char *prefix,
                             const char *label,
                             double      value,
                             const char *unit)
{
  GString *name = g_string_new (prefix);
  gboolean separator = TRUE;

  g_string_append_c (name, '.');
  for (const char *p = label; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        {
          g_string_append_c (name, g_ascii_tolower (*p));
          separator = FALSE;
        }
      else if (!separator && *p != ',')
        {
          g_string_append_c (name, '_');
          separator = TRUE;
        }
    }
  while (name->len > 0 && name->str[name->len - 1] == '_')
    g_string_truncate (name, name->len - 1);
  mimic_bench_report (name->str, value, unit);
  g_string_free (name, TRUE);
}
