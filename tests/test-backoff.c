/* test-backoff.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "mimic-backoff.h"

static void
test_backoff_ceiling_grows_to_cap (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (100, 2.0, 1000);
  const guint expected[] = { 100, 200, 400, 800, 1000, 1000, 1000 };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      guint delay;

      g_assert_cmpuint (mimic_backoff_get_ceiling_ms (backoff), ==, expected[i]);
      delay = mimic_backoff_next_delay_ms (backoff);
      g_assert_cmpuint (delay, <=, expected[i]);
      g_assert_cmpuint (mimic_backoff_get_attempt (backoff), ==, i + 1);
    }
}

static void
test_backoff_never_overflows (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (1000, 16.0, 120000);

  /* 16^5000 is far beyond a double; the cap must still hold. */
  for (guint i = 0; i < 5000; i++)
    g_assert_cmpuint (mimic_backoff_next_delay_ms (backoff), <=, 120000);
  g_assert_cmpuint (mimic_backoff_get_ceiling_ms (backoff), ==, 120000);
}

static void
test_backoff_seeded_is_deterministic (void)
{
  g_autoptr(MimicBackoff) first = mimic_backoff_new (100, 2.0, 30000);
  g_autoptr(MimicBackoff) second = mimic_backoff_new (100, 2.0, 30000);
  g_autoptr(MimicBackoff) other = mimic_backoff_new (100, 2.0, 30000);
  gboolean differs = FALSE;

  mimic_backoff_set_random (first, g_rand_new_with_seed (42));
  mimic_backoff_set_random (second, g_rand_new_with_seed (42));
  mimic_backoff_set_random (other, g_rand_new_with_seed (7));

  for (guint i = 0; i < 20; i++)
    {
      guint a = mimic_backoff_next_delay_ms (first);
      guint b = mimic_backoff_next_delay_ms (second);
      guint c = mimic_backoff_next_delay_ms (other);

      g_assert_cmpuint (a, ==, b);
      if (a != c)
        differs = TRUE;
    }

  g_assert_true (differs);
}

static void
test_backoff_jitter_spreads (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (1000, 2.0, 1000);
  guint low = 0, high = 0;

  mimic_backoff_set_random (backoff, g_rand_new_with_seed (1));

  /* Full jitter: with the ceiling pinned at 1000 ms, delays cover the whole
   * range instead of clustering at the ceiling. */
  for (guint i = 0; i < 1000; i++)
    {
      guint delay = mimic_backoff_next_delay_ms (backoff);

      g_assert_cmpuint (delay, <=, 1000);
      if (delay < 250)
        low++;
      else if (delay > 750)
        high++;
    }

  g_assert_cmpuint (low, >, 150);
  g_assert_cmpuint (high, >, 150);
}

static void
test_backoff_resets_after_stable_connection (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (100, 2.0, 10000);
  gint64 now = 5000000;

  mimic_backoff_set_stable_after_ms (backoff, 2000);

  for (guint i = 0; i < 4; i++)
    mimic_backoff_next_delay_ms (backoff);
  g_assert_cmpuint (mimic_backoff_get_ceiling_ms (backoff), ==, 1600);

  /* Up for only one second: still flapping, the delay keeps growing. */
  mimic_backoff_connected (backoff, now);
  mimic_backoff_disconnected (backoff, now + 1000000);
  g_assert_cmpuint (mimic_backoff_get_attempt (backoff), ==, 4);

  /* Up for three seconds: healthy again, start over. */
  now += 10000000;
  mimic_backoff_connected (backoff, now);
  mimic_backoff_disconnected (backoff, now + 3000000);
  g_assert_cmpuint (mimic_backoff_get_attempt (backoff), ==, 0);
  g_assert_cmpuint (mimic_backoff_get_ceiling_ms (backoff), ==, 100);

  /* A disconnect without a connect (a failed attempt) changes nothing. */
  mimic_backoff_next_delay_ms (backoff);
  mimic_backoff_disconnected (backoff, now + 99000000);
  g_assert_cmpuint (mimic_backoff_get_attempt (backoff), ==, 1);
}

static void
test_backoff_cap_below_initial (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (5000, 2.0, 1000);

  g_assert_cmpuint (mimic_backoff_get_max_delay_ms (backoff), ==, 5000);
  g_assert_cmpuint (mimic_backoff_next_delay_ms (backoff), <=, 5000);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_backoff_notifies_attempt (void)
{
  g_autoptr(MimicBackoff) backoff = mimic_backoff_new (10, 2.0, 100);
  guint notified = 0;

  g_signal_connect (backoff, "notify::attempt",
                    G_CALLBACK (count_notify), &notified);

  mimic_backoff_reset (backoff);
  g_assert_cmpuint (notified, ==, 0);
  mimic_backoff_next_delay_ms (backoff);
  g_assert_cmpuint (notified, ==, 1);
  mimic_backoff_reset (backoff);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_finalize_object (g_steal_pointer (&backoff));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mimic/backoff/ceiling-grows-to-cap", test_backoff_ceiling_grows_to_cap);
  g_test_add_func ("/mimic/backoff/never-overflows", test_backoff_never_overflows);
  g_test_add_func ("/mimic/backoff/seeded-is-deterministic", test_backoff_seeded_is_deterministic);
  g_test_add_func ("/mimic/backoff/jitter-spreads", test_backoff_jitter_spreads);
  g_test_add_func ("/mimic/backoff/resets-after-stable-connection", test_backoff_resets_after_stable_connection);
  g_test_add_func ("/mimic/backoff/cap-below-initial", test_backoff_cap_below_initial);
  g_test_add_func ("/mimic/backoff/notifies-attempt", test_backoff_notifies_attempt);

  return g_test_run ();
}
