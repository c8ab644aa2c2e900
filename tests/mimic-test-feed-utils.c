/* mimic-test-feed-utils.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-test-feed-utils"

#include "config.h"

#include <libsoup/soup.h>

#include "mimic-test-feed-utils.h"

static void
collector_free (gpointer data)
{
  MimicTestCollector *collector = data;

  g_ptr_array_unref (collector->batches);
  g_mutex_clear (&collector->mutex);
  g_free (collector);
}

static void
collect_batch (MimicFeed        *feed,
               MimicUpdateBatch *batch,
               gpointer          user_data)
{
  MimicTestCollector *collector = user_data;

  /* Batches are built off the main loop. */
  g_assert_false (g_main_context_is_owner (g_main_context_default ()));

  g_mutex_lock (&collector->mutex);
  g_ptr_array_add (collector->batches, mimic_update_batch_ref (batch));
  g_mutex_unlock (&collector->mutex);
}

MimicTestCollector *
mimic_test_collector_attach (MimicFeed *feed)
{
  MimicTestCollector *collector = g_new0 (MimicTestCollector, 1);

  g_mutex_init (&collector->mutex);
  collector->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) mimic_update_batch_unref);
  mimic_feed_set_batch_handler (feed, collect_batch, collector, collector_free);

  return collector;
}

gboolean
mimic_test_collector_find_sample (MimicTestCollector *collector,
                                  const char         *device,
                                  const char         *sensor,
                                  MimicSample        *out)
{
  gboolean found = FALSE;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (collector->batches, i);

      for (guint j = 0; j < mimic_update_batch_get_n_samples (batch); j++)
        {
          const MimicSample *sample = mimic_update_batch_get_sample (batch, j);

          if (g_str_equal (sample->device_id, device) && g_str_equal (sample->sensor_id, sensor))
            {
              if (out != NULL)
                *out = *sample;
              found = TRUE;
            }
        }
    }
  g_mutex_unlock (&collector->mutex);

  return found;
}

GPtrArray *
mimic_test_collector_dup_samples (MimicTestCollector *collector)
{
  GPtrArray *samples = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    {
      MimicUpdateBatch *batch = g_ptr_array_index (collector->batches, i);

      for (guint j = 0; j < mimic_update_batch_get_n_samples (batch); j++)
        {
          const MimicSample *sample = mimic_update_batch_get_sample (batch, j);

          g_ptr_array_add (samples, g_strdup_printf ("%s/%s=%g@%" G_GINT64_FORMAT,
                                                     sample->device_id, sample->sensor_id,
                                                     sample->value, sample->timestamp_us));
        }
    }
  g_mutex_unlock (&collector->mutex);

  return samples;
}

guint
mimic_test_collector_count_samples (MimicTestCollector *collector)
{
  guint n = 0;

  g_mutex_lock (&collector->mutex);
  for (guint i = 0; i < collector->batches->len; i++)
    n += mimic_update_batch_get_n_samples (g_ptr_array_index (collector->batches, i));
  g_mutex_unlock (&collector->mutex);

  return n;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

gboolean
mimic_test_start_feed (MimicFeed  *feed,
                       GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mimic_feed_start_async (feed, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return mimic_feed_start_finish (feed, result, error);
}

gboolean
mimic_test_wait_for (MimicFeed          *feed,
                     MimicTestCondition  condition,
                     gpointer            data)
{
  gint64 deadline = g_get_monotonic_time () + MIMIC_TEST_WAIT_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      mimic_feed_flush (feed);
      if (condition (feed, data))
        return TRUE;
      g_usleep (5 * 1000);
    }

  return FALSE;
}

gboolean
mimic_test_feed_has_state (MimicFeed *feed,
                           gpointer   state)
{
  return mimic_feed_get_state (feed) == (MimicFeedState) GPOINTER_TO_INT (state);
}

gboolean
mimic_test_feed_has_messages (MimicFeed *feed,
                              gpointer   n_messages)
{
  MimicFeedHealth health;

  mimic_feed_get_health (feed, &health);
  return health.messages >= GPOINTER_TO_UINT (n_messages);
}

gboolean
mimic_test_feed_has_rejections (MimicFeed *feed,
                                gpointer   n_rejected)
{
  MimicFeedHealth health;

  mimic_feed_get_health (feed, &health);
  return health.rejected_total >= GPOINTER_TO_UINT (n_rejected);
}

void
mimic_test_iterate_for (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2 * 1000);
    }
}

guint
mimic_test_soup_server_get_port (gpointer soup_server)
{
  GSList *listeners = soup_server_get_listeners (SOUP_SERVER (soup_server));
  g_autoptr(GSocketAddress) address = NULL;

  g_assert_nonnull (listeners);
  address = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  g_assert_nonnull (address);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}
