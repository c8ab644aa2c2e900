/* test-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "mimic-history.h"

#define T0 (G_GINT64_CONSTANT (1700000000) * G_TIME_SPAN_SECOND)

static GArray *
new_buckets (void)
{
  return g_array_new (FALSE, FALSE, sizeof (MimicHistoryBucket));
}

static void
test_history_ring_wraps (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (100);
  g_autoptr(GArray) out = new_buckets ();
  gsize size_full, size_later;
  gint64 newest_time;
  double newest_value;

  for (int i = 0; i < 1000; i++)
    mimic_history_add (history, T0 + i * G_TIME_SPAN_MILLISECOND, i);

  g_assert_cmpuint (mimic_history_get_n_raw (history), ==, 100);
  g_assert_cmpuint (mimic_history_get_n_added (history), ==, 1000);
  g_assert_true (mimic_history_get_newest (history, &newest_time, &newest_value));
  g_assert_cmpint (newest_time, ==, T0 + 999 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpfloat (newest_value, ==, 999);

  /* The ring holds the newest 100, oldest first. */
  g_assert_cmpuint (mimic_history_query (history, T0 + 900 * G_TIME_SPAN_MILLISECOND,
                                         T0 + 999 * G_TIME_SPAN_MILLISECOND, 100, out), ==, 100);
  for (guint i = 0; i < out->len; i++)
    {
      MimicHistoryBucket *b = &g_array_index (out, MimicHistoryBucket, i);

      g_assert_cmpint (b->start_us, ==, T0 + (900 + i) * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpfloat (b->min, ==, 900 + i);
      g_assert_cmpfloat (b->max, ==, 900 + i);
      g_assert_cmpuint (b->count, ==, 1);
      g_assert_cmpint (b->duration_us, ==, 0);
    }

  /* Memory stops growing once every ring is full, however long it runs. */
  for (int i = 1000; i < 200000; i++)
    mimic_history_add (history, T0 + i * 20 * G_TIME_SPAN_SECOND, i);
  size_full = mimic_history_get_memory_size (history);
  for (int i = 200000; i < 400000; i++)
    mimic_history_add (history, T0 + i * 20 * G_TIME_SPAN_SECOND, i);
  size_later = mimic_history_get_memory_size (history);

  g_assert_cmpuint (size_full, ==, size_later);
  g_assert_cmpuint (mimic_history_get_n_raw (history), ==, 100);
  g_assert_cmpuint (size_full, <, 100 * 12 + 3000 * 20 + 1024);
}

typedef struct
{
  gint64 t;
  double v;
} Point;

/* Compares every bucket a query returns with min/max/mean/count computed
 * from the samples themselves. */
static void
check_against_brute_force (MimicHistory *history,
                           GArray       *points,
                           gint64        from_us,
                           gint64        to_us,
                           guint         max_points,
                           gint64        expected_resolution)
{
  g_autoptr(GArray) out = new_buckets ();
  guint n = mimic_history_query (history, from_us, to_us, max_points, out);
  guint64 total = 0, expected_total = 0;

  g_assert_cmpuint (n, ==, out->len);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, <=, max_points);

  for (guint i = 0; i < out->len; i++)
    {
      MimicHistoryBucket *b = &g_array_index (out, MimicHistoryBucket, i);
      double min = G_MAXDOUBLE, max = -G_MAXDOUBLE, sum = 0;
      guint count = 0;

      g_assert_cmpint (b->duration_us, ==, expected_resolution);
      g_assert_cmpint (b->start_us % expected_resolution, ==, 0);

      for (guint j = 0; j < points->len; j++)
        {
          Point *p = &g_array_index (points, Point, j);

          if (p->t < b->start_us || p->t >= b->start_us + expected_resolution)
            continue;
          min = MIN (min, p->v);
          max = MAX (max, p->v);
          sum += p->v;
          count++;
        }

      g_assert_cmpuint (b->count, ==, count);
      g_assert_cmpfloat (b->min, ==, min);
      g_assert_cmpfloat (b->max, ==, max);
      g_assert_cmpfloat_with_epsilon (b->mean, sum / count, 1e-3 * MAX (1, fabs (sum / count)));
      total += b->count;
    }

  /* Nothing in the range was left out. */
  for (guint j = 0; j < points->len; j++)
    {
      Point *p = &g_array_index (points, Point, j);

      if (p->t >= (from_us / expected_resolution) * expected_resolution && p->t <= to_us)
        expected_total++;
    }
  g_assert_cmpuint (total, ==, expected_total);
}

static void
test_history_rollups_match_brute_force (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (64);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (Point));
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gint64 t = T0, end;

  /* Eight hours of samples at uneven intervals; values that float holds
   * exactly, so min and max compare exactly. */
  while (t < T0 + 8 * G_TIME_SPAN_HOUR)
    {
      Point p = { t, g_rand_int_range (rand, -4000, 4000) / 4.0 };

      g_array_append_val (points, p);
      mimic_history_add (history, p.t, p.v);
      t += g_rand_int_range (rand, 1, 3000) * G_TIME_SPAN_MILLISECOND;
    }
  end = g_array_index (points, Point, points->len - 1).t;

  /* The last 5 minutes fit the 1 s ring ... */
  check_against_brute_force (history, points, end - 5 * G_TIME_SPAN_MINUTE, end, 400,
                             G_TIME_SPAN_SECOND);
  /* ... the last hour the 10 s ring ... */
  check_against_brute_force (history, points, end - G_TIME_SPAN_HOUR, end, 400,
                             10 * G_TIME_SPAN_SECOND);
  /* ... the last 5 hours the 1 min ring ... */
  check_against_brute_force (history, points, end - 5 * G_TIME_SPAN_HOUR, end, 400,
                             G_TIME_SPAN_MINUTE);
  /* ... all 8 hours the 10 min ring (the 1 min ring holds only 6) ... */
  check_against_brute_force (history, points, T0, end, 400, 10 * G_TIME_SPAN_MINUTE);
  /* ... and with few points allowed, the 1 h ring. */
  check_against_brute_force (history, points, T0, end, 20, G_TIME_SPAN_HOUR);
}

static void
test_history_query_bounded (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (MIMIC_HISTORY_DEFAULT_RAW_CAPACITY);
  g_autoptr(GArray) out = new_buckets ();
  gint64 end = T0 + 7 * G_TIME_SPAN_DAY;
  guint64 total = 0;

  /* A week at one sample every 10 s. */
  for (gint64 t = T0; t <= end; t += 10 * G_TIME_SPAN_SECOND)
    mimic_history_add (history, t, (double) ((t / G_TIME_SPAN_SECOND) % 1000));

  for (guint max_points = 1; max_points <= 1000; max_points *= 10)
    {
      g_array_set_size (out, 0);
      mimic_history_query (history, end - G_TIME_SPAN_HOUR, end, max_points, out);
      g_assert_cmpuint (out->len, <=, max_points);
      g_assert_cmpuint (out->len, >, 0);

      g_array_set_size (out, 0);
      mimic_history_query (history, end - 7 * G_TIME_SPAN_DAY, end, max_points, out);
      g_assert_cmpuint (out->len, <=, max_points);
      g_assert_cmpuint (out->len, >, 0);
    }

  /* The week comes from the 1 h ring: contiguous, in order, each point a
   * full hour, and within the 30 days it holds nothing is lost. */
  g_array_set_size (out, 0);
  mimic_history_query (history, end - 7 * G_TIME_SPAN_DAY, end, 500, out);
  g_assert_cmpuint (out->len, ==, 7 * 24 + 1);
  for (guint i = 0; i < out->len; i++)
    {
      MimicHistoryBucket *b = &g_array_index (out, MimicHistoryBucket, i);

      g_assert_cmpint (b->duration_us, ==, G_TIME_SPAN_HOUR);
      if (i > 0)
        g_assert_cmpint (b->start_us, ==, g_array_index (out, MimicHistoryBucket, i - 1).start_us + G_TIME_SPAN_HOUR);
      g_assert_cmpfloat (b->min, >=, 0);
      g_assert_cmpfloat (b->max, <=, 999);
      total += b->count;
    }
  g_assert_cmpuint (total, ==, mimic_history_get_n_added (history));

  /* The last hour is still in the raw ring (1024 samples reach back 2.8 h
   * at this rate): every sample, as itself. */
  g_array_set_size (out, 0);
  mimic_history_query (history, end - G_TIME_SPAN_HOUR + 10 * G_TIME_SPAN_SECOND, end, 500, out);
  g_assert_cmpuint (out->len, ==, 360);
  g_assert_cmpint (g_array_index (out, MimicHistoryBucket, 0).duration_us, ==, 0);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).min, ==,
                     g_array_index (out, MimicHistoryBucket, 0).max);

  /* An empty or reversed range returns nothing. */
  g_array_set_size (out, 0);
  g_assert_cmpuint (mimic_history_query (history, end, end - 1, 100, out), ==, 0);
  g_assert_cmpuint (mimic_history_query (history, end + G_TIME_SPAN_DAY, end + 2 * G_TIME_SPAN_DAY, 100, out), ==, 0);
  g_assert_cmpuint (mimic_history_query (history, T0, end, 0, out), ==, 0);
  g_assert_cmpuint (out->len, ==, 0);
}

static void
test_history_merges_when_too_many (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (16);
  g_autoptr(GArray) out = new_buckets ();
  guint64 total = 0;

  /* 30 days of 1 h buckets asked for in 7 points: neighbours merge. */
  for (gint64 t = T0; t < T0 + 30 * G_TIME_SPAN_DAY; t += G_TIME_SPAN_MINUTE)
    mimic_history_add (history, t, 1);

  mimic_history_query (history, T0, T0 + 30 * G_TIME_SPAN_DAY, 7, out);
  g_assert_cmpuint (out->len, <=, 7);
  g_assert_cmpuint (out->len, >=, 6);
  for (guint i = 0; i < out->len; i++)
    total += g_array_index (out, MimicHistoryBucket, i).count;
  g_assert_cmpuint (total, ==, 30 * 24 * 60);
}

/* The coarse rings get a second's samples when the second is over; a
 * query in the middle of a second must see them all the same, and count
 * none of them twice when more of that second follow. */
static void
test_history_query_within_open_second (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (4);
  g_autoptr(GArray) out = new_buckets ();
  const MimicHistoryBucket *bucket;

  for (gint64 s = 0; s < 20; s++)
    mimic_history_add (history, T0 + s * G_TIME_SPAN_SECOND, 1);
  mimic_history_add (history, T0 + 20 * G_TIME_SPAN_SECOND, 2);
  mimic_history_add (history, T0 + 20 * G_TIME_SPAN_SECOND + 100000, 4);
  mimic_history_add (history, T0 + 20 * G_TIME_SPAN_SECOND + 200000, 6);

  /* 21 one-second buckets do not fit 3 points: the 10 s ring answers. */
  mimic_history_query (history, T0, T0 + 30 * G_TIME_SPAN_SECOND - 1, 3, out);
  g_assert_cmpuint (out->len, ==, 3);
  bucket = &g_array_index (out, MimicHistoryBucket, 2);
  g_assert_cmpint (bucket->start_us, ==, T0 + 20 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (bucket->count, ==, 3);
  g_assert_cmpfloat (bucket->min, ==, 2);
  g_assert_cmpfloat (bucket->max, ==, 6);
  g_assert_cmpfloat_with_epsilon (bucket->mean, 4, 1e-6);

  /* The same second goes on after the query. */
  mimic_history_add (history, T0 + 20 * G_TIME_SPAN_SECOND + 500000, 8);
  g_array_set_size (out, 0);
  mimic_history_query (history, T0, T0 + 30 * G_TIME_SPAN_SECOND - 1, 3, out);
  bucket = &g_array_index (out, MimicHistoryBucket, 2);
  g_assert_cmpuint (bucket->count, ==, 4);
  g_assert_cmpfloat (bucket->max, ==, 8);
  g_assert_cmpfloat_with_epsilon (bucket->mean, 5, 1e-6);

  /* A new second folds the old one in once. */
  mimic_history_add (history, T0 + 21 * G_TIME_SPAN_SECOND, 0);
  g_array_set_size (out, 0);
  mimic_history_query (history, T0, T0 + 30 * G_TIME_SPAN_SECOND - 1, 3, out);
  bucket = &g_array_index (out, MimicHistoryBucket, 2);
  g_assert_cmpuint (bucket->count, ==, 5);
  g_assert_cmpfloat (bucket->min, ==, 0);
  g_assert_cmpfloat_with_epsilon (bucket->mean, 4, 1e-6);

  /* And the coarser rings agree: one minute, every sample once. */
  g_array_set_size (out, 0);
  mimic_history_query (history, T0, T0 + G_TIME_SPAN_MINUTE - 1, 1, out);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpuint (g_array_index (out, MimicHistoryBucket, 0).count, ==, 25);
  g_assert_cmpfloat_with_epsilon (g_array_index (out, MimicHistoryBucket, 0).mean, 40.0 / 25, 1e-6);
}

static void
test_history_out_of_order (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (10);
  g_autoptr(GArray) out = new_buckets ();

  mimic_history_add (history, T0 + 1000, 1);
  mimic_history_add (history, T0 + 3000, 3);
  mimic_history_add (history, T0 + 2000, 2);   /* late */

  /* The raw ring stays sorted without the late one ... */
  g_assert_cmpuint (mimic_history_get_n_raw (history), ==, 2);
  mimic_history_query (history, T0, T0 + 5000, 10, out);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 1).max, ==, 3);

  /* ... but the rollups count it. */
  g_assert_cmpuint (mimic_history_get_n_added (history), ==, 3);
  for (int i = 0; i < 20; i++)
    mimic_history_add (history, T0 + G_TIME_SPAN_SECOND + i, 0);
  g_array_set_size (out, 0);
  mimic_history_query (history, T0, T0 + 2 * G_TIME_SPAN_SECOND, 10, out);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpuint (g_array_index (out, MimicHistoryBucket, 0).count, ==, 3);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).mean, ==, 2);
}

static void
test_history_refuses_bad_input (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (10);
  g_autoptr(GArray) out = new_buckets ();
  MimicHistoryBucket bad = { T0, G_TIME_SPAN_MINUTE, NAN, 1, 1, 1 };

  mimic_history_add (history, T0, NAN);
  mimic_history_add (history, T0, INFINITY);
  mimic_history_add (history, -5, 1);
  mimic_history_add (history, G_MAXINT64, 1);
  mimic_history_add_rollup (history, &bad);
  g_assert_cmpuint (mimic_history_get_n_added (history), ==, 0);
  g_assert_cmpuint (mimic_history_query (history, G_MININT64, G_MAXINT64, 100, out), ==, 0);
  g_assert_false (mimic_history_get_newest (history, NULL, NULL));
}

static void
test_history_rollups_from_database (void)
{
  g_autoptr(MimicHistory) history = mimic_history_new (100);
  g_autoptr(GArray) out = new_buckets ();
  gint64 end = T0 + 2 * G_TIME_SPAN_HOUR;
  guint64 total = 0;

  /* Two hours of minute buckets as a reload brings them, then raw samples
   * for the last minute. */
  for (int i = 0; i < 120; i++)
    {
      MimicHistoryBucket b = { T0 + i * G_TIME_SPAN_MINUTE, G_TIME_SPAN_MINUTE, i, i + 1, i + 0.5, 60 };

      mimic_history_add_rollup (history, &b);
    }
  for (int i = 0; i < 10; i++)
    mimic_history_add (history, end + i * G_TIME_SPAN_SECOND, 500);

  /* The raw ring does not reach back over the reloaded stretch, so a query
   * of it is answered from the 1 min ring, not from 10 raw samples. */
  mimic_history_query (history, T0, end + 10 * G_TIME_SPAN_SECOND, 200, out);
  g_assert_cmpuint (out->len, ==, 121);
  g_assert_cmpint (g_array_index (out, MimicHistoryBucket, 0).duration_us, ==, G_TIME_SPAN_MINUTE);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 0).min, ==, 0);
  g_assert_cmpfloat (g_array_index (out, MimicHistoryBucket, 119).max, ==, 120);
  for (guint i = 0; i < out->len; i++)
    total += g_array_index (out, MimicHistoryBucket, i).count;
  g_assert_cmpuint (total, ==, 120 * 60 + 10);

  /* The newest seconds still come raw. */
  g_array_set_size (out, 0);
  mimic_history_query (history, end, end + 10 * G_TIME_SPAN_SECOND, 200, out);
  g_assert_cmpuint (out->len, ==, 10);
  g_assert_cmpint (g_array_index (out, MimicHistoryBucket, 0).duration_us, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/history/ring-wraps", test_history_ring_wraps);
  g_test_add_func ("/mimic/history/rollups-match-brute-force", test_history_rollups_match_brute_force);
  g_test_add_func ("/mimic/history/query-bounded", test_history_query_bounded);
  g_test_add_func ("/mimic/history/merges-when-too-many", test_history_merges_when_too_many);
  g_test_add_func ("/mimic/history/out-of-order", test_history_out_of_order);
  g_test_add_func ("/mimic/history/query-within-open-second", test_history_query_within_open_second);
  g_test_add_func ("/mimic/history/refuses-bad-input", test_history_refuses_bad_input);
  g_test_add_func ("/mimic/history/rollups-from-database", test_history_rollups_from_database);

  return g_test_run ();
}
