/* bench-latency.c — from a device's publish to the value on the screen
 *
 * A real Mosquitto broker, a publisher thread and the console's real path:
 * a MimicWindow whose console reads the broker through
 * mimic_console_add_source_for_url(), with one watched pump selected and its
 * schematic shown. The publisher sends telemetry for LOAD_DEVICES pumps at
 * 1 Hz each (the load) and, besides, the watched pump's shaft speed at
 * WATCHED_HZ; each of those speeds is 600 rpm plus a sequence number, and
 * the publisher notes the monotonic time at which it published each number.
 * After every painted frame ("after-paint" of the window's frame clock) the
 * benchmark reads the speed the schematic drew; each number drawn for the
 * first time gives one latency sample: now − its publish time. Numbers the
 * console skipped (two arrivals within one frame) give no sample.
 *
 *   meson test -C build --suite bench --verbose bench-latency
 *   MIMIC_BENCH_SECONDS=60 build/tests/run-gtk-test.sh build/tests/bench/bench-latency
 *
 * Prints the figures; asserts nothing about them. Exits non-zero when no
 * value was drawn at all, since then nothing was measured.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-latency"

#include "config.h"

#include <gtk/gtk.h>
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>

#include "mimic-bench.h"
#include "mimic-device-page.h"
#include "mimic-schematic-view.h"
#include "mimic-test-broker.h"
#include "mimic-window.h"

#define ROOT "bench"
#define LOAD_DEVICES 1000
#define WATCHED_ID "watched-pump"
#define WATCHED_HZ 20
#define SPEED_BASE 600
/* Speeds stay within the sensor's range (0–1900 rpm). */
#define MAX_SEQUENCE 1200
#define SLOT_US 10000          /* the publisher wakes every 10 ms */
#define SETUP_DEADLINE_US (60 * G_USEC_PER_SEC)

typedef struct
{
  guint     port;
  gint      stop;              /* atomic */
  GMutex    lock;
  gint64    published_us[MAX_SEQUENCE];   /* 0: not published (yet) */
  guint     next_sequence;
  guint64   n_load_messages;
} Publisher;

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &value, NULL))
    return fallback;
  return value;
}

static void
publish (struct mosquitto *mosq,
         const char       *topic,
         const char       *payload,
         gboolean          retain)
{
  int rc = mosquitto_publish (mosq, NULL, topic, strlen (payload), payload, 0, retain);

  if (rc != MOSQ_ERR_SUCCESS)
    g_error ("publish to %s failed: %s", topic, mosquitto_strerror (rc));
  /* An unthreaded client only writes when asked. */
  while (mosquitto_want_write (mosq))
    if (mosquitto_loop_write (mosq, 1) != MOSQ_ERR_SUCCESS)
      break;
}

static void
publish_birth (struct mosquitto *mosq,
               const char       *device_id)
{
  g_autofree char *topic = g_strdup_printf (ROOT "/%s/birth", device_id);

  publish (mosq, topic, "{\"asset_type\":\"pump-skid\"}", TRUE);
}

static gpointer
publisher_thread (gpointer data)
{
  Publisher *publisher = data;
  struct mosquitto *mosq = mosquitto_new (NULL, true, NULL);
  g_auto(GStrv) load_topics = g_new0 (char *, LOAD_DEVICES + 1);
  g_autofree char *watched_topic = g_strdup (ROOT "/" WATCHED_ID "/telemetry");
  guint64 load_seq = 0, slot = 0;
  guint next_load = 0;
  gint64 start_us;

  if (mosquitto_connect (mosq, "127.0.0.1", publisher->port, 60) != MOSQ_ERR_SUCCESS)
    g_error ("publisher cannot connect to port %u", publisher->port);

  publish_birth (mosq, WATCHED_ID);
  for (guint d = 0; d < LOAD_DEVICES; d++)
    {
      g_autofree char *device_id = g_strdup_printf ("pump-%04u", d);

      publish_birth (mosq, device_id);
      load_topics[d] = g_strdup_printf (ROOT "/%s/telemetry", device_id);
    }

  start_us = g_get_monotonic_time ();
  while (!g_atomic_int_get (&publisher->stop))
    {
      gint64 now_us = g_get_monotonic_time ();
      gint64 slot_us = start_us + (gint64) slot * SLOT_US;
      gint64 ts_ms = g_get_real_time () / 1000;
      /* Every load device once a second: LOAD_DEVICES / 100 per slot. */
      guint due = (guint) (((slot + 1) * LOAD_DEVICES) / 100 - (slot * LOAD_DEVICES) / 100);

      if (slot_us > now_us)
        {
          g_usleep (slot_us - now_us);
          continue;
        }

      for (guint i = 0; i < due; i++)
        {
          g_autofree char *payload =
            g_strdup_printf ("{\"ts\":%" G_GINT64_FORMAT ",\"seq\":%" G_GUINT64_FORMAT ","
                             "\"values\":{\"speed\":%u,\"motor_current\":%.1f,\"flow\":%.1f}}",
                             ts_ms, load_seq, 1450 + next_load % 50, 60.0 + (next_load % 10) * 0.5,
                             200.0 + next_load % 20);

          publish (mosq, load_topics[next_load], payload, FALSE);
          publisher->n_load_messages++;
          if (++next_load == LOAD_DEVICES)
            {
              next_load = 0;
              load_seq++;
            }
        }

      if (slot % (1000000 / SLOT_US / WATCHED_HZ) == 0)
        {
          guint sequence;
          g_autofree char *payload = NULL;

          g_mutex_lock (&publisher->lock);
          sequence = publisher->next_sequence;
          if (sequence < MAX_SEQUENCE)
            {
              publisher->next_sequence++;
              publisher->published_us[sequence] = g_get_monotonic_time ();
            }
          g_mutex_unlock (&publisher->lock);

          if (sequence < MAX_SEQUENCE)
            {
              payload = g_strdup_printf ("{\"ts\":%" G_GINT64_FORMAT ",\"seq\":%u,"
                                         "\"values\":{\"speed\":%u}}",
                                         ts_ms, sequence, SPEED_BASE + sequence);
              publish (mosq, watched_topic, payload, FALSE);
            }
        }

      /* Reads acknowledgements and keeps the connection alive. */
      if (slot % 10 == 0)
        mosquitto_loop_read (mosq, 1);
      slot++;
    }

  mosquitto_disconnect (mosq);
  mosquitto_destroy (mosq);
  return NULL;
}

typedef struct
{
  Publisher  *publisher;
  GtkWidget  *schematic;
  gboolean    measuring;
  gint64      measure_until_us;
  gint        last_drawn;      /* highest sequence number drawn so far */
  GArray     *latencies_ms;    /* double */
  guint       n_frames;
} Watch;

/* The sequence number the schematic shows for the watched speed, or -1. */
static int
drawn_sequence (Watch *watch)
{
  g_autofree char *text =
    mimic_schematic_view_get_label_text (MIMIC_SCHEMATIC_VIEW (watch->schematic), "speed");
  char *end = NULL;
  gint64 speed;

  if (text == NULL)
    return -1;
  speed = g_ascii_strtoll (text, &end, 10);
  if (end == text || speed < SPEED_BASE || speed >= SPEED_BASE + MAX_SEQUENCE)
    return -1;
  return (int) (speed - SPEED_BASE);
}

static void
on_after_paint (GdkFrameClock *clock,
                Watch         *watch)
{
  gint64 now_us = g_get_monotonic_time ();
  int sequence = drawn_sequence (watch);
  gint64 published_us = 0;

  watch->n_frames++;
  if (sequence < 0 || sequence <= watch->last_drawn)
    return;
  watch->last_drawn = sequence;
  if (!watch->measuring)
    return;

  g_mutex_lock (&watch->publisher->lock);
  published_us = watch->publisher->published_us[sequence];
  g_mutex_unlock (&watch->publisher->lock);
  if (published_us > 0)
    {
      double latency_ms = (now_us - published_us) / 1000.0;

      g_array_append_val (watch->latencies_ms, latency_ms);
    }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  fraction)
{
  guint index = (guint) (fraction * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, double, MIN (index, sorted->len - 1));
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
iterate_until (gboolean (*done) (gpointer data),
               gpointer   data,
               gint64     deadline_us)
{
  /* Blocking iterations: polling with sleeps would add to the latency
   * measured. The timeout only wakes the loop to look at the clock. */
  guint wake_id = g_timeout_add (100, wake_up, NULL);

  while (!done (data) && g_get_monotonic_time () < deadline_us)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
}

typedef struct
{
  MimicConsole *console;
  Watch        *watch;
} SetupWait;

static gboolean
watched_in_fleet (gpointer data)
{
  SetupWait *wait = data;

  return mimic_console_lookup_fleet_item (wait->console, WATCHED_ID) != NULL;
}

static gboolean
watched_drawn (gpointer data)
{
  SetupWait *wait = data;

  return wait->watch->last_drawn >= 0;
}

static gboolean
measured_enough (gpointer data)
{
  Watch *watch = data;

  return g_get_monotonic_time () >= watch->measure_until_us;
}

int
main (int   argc,
      char *argv[])
{
  guint seconds = env_uint ("MIMIC_BENCH_SECONDS", 20);
  g_autofree char *state = g_dir_make_tmp ("mimic-bench-latency-XXXXXX", NULL);
  g_autoptr(MimicTestBroker) broker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Publisher publisher = { 0 };
  Watch watch = { 0 };
  SetupWait wait = { 0 };
  GThread *thread;
  GtkWidget *window;
  MimicConsole *console;
  MimicDevicePage *page;
  GdkFrameClock *clock;
  gulong paint_handler;
  int status = 0;

  g_setenv ("XDG_STATE_HOME", state, TRUE);
  gtk_init ();
  mosquitto_lib_init ();

  broker = mimic_test_broker_new (NULL, &error);
  if (broker == NULL)
    g_error ("cannot start the broker: %s", error->message);
  url = g_strdup_printf ("%s/" ROOT, mimic_test_broker_get_url (broker));

  window = GTK_WIDGET (mimic_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  console = mimic_window_get_console (MIMIC_WINDOW (window));
  page = mimic_window_get_device_page (MIMIC_WINDOW (window));
  if (!mimic_console_add_source_for_url (console, url, &error))
    g_error ("cannot add %s: %s", url, error->message);
  gtk_window_present (GTK_WINDOW (window));

  g_mutex_init (&publisher.lock);
  publisher.port = mimic_test_broker_get_port (broker);
  thread = g_thread_new ("publisher", publisher_thread, &publisher);

  watch.publisher = &publisher;
  watch.last_drawn = -1;
  watch.latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  watch.schematic = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (page), MIMIC_TYPE_DEVICE_PAGE,
                                                               "schematic_view"));
  g_assert (watch.schematic != NULL);
  wait.console = console;
  wait.watch = &watch;

  /* Select the watched pump as an operator would, once it is in the fleet,
   * and wait until its schematic shows a speed: from then on we measure. */
  iterate_until (watched_in_fleet, &wait, g_get_monotonic_time () + SETUP_DEADLINE_US);
  if (!watched_in_fleet (&wait) || !mimic_window_select_device (MIMIC_WINDOW (window), WATCHED_ID))
    {
      g_printerr ("the watched device never reached the fleet\n");
      status = 1;
      goto out;
    }
  mimic_device_page_show_view (page, "schematic");

  clock = gtk_widget_get_frame_clock (window);
  paint_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &watch);
  iterate_until (watched_drawn, &wait, g_get_monotonic_time () + SETUP_DEADLINE_US);
  if (!watched_drawn (&wait))
    {
      g_printerr ("the watched device's speed was never drawn\n");
      g_signal_handler_disconnect (clock, paint_handler);
      status = 1;
      goto out;
    }

  watch.measuring = TRUE;
  watch.measure_until_us = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  iterate_until (measured_enough, &watch, G_MAXINT64);
  g_signal_handler_disconnect (clock, paint_handler);

out:
  g_atomic_int_set (&publisher.stop, 1);
  g_thread_join (thread);
  mimic_console_stop_sources (console);

  if (status == 0 && watch.latencies_ms->len == 0)
    {
      g_printerr ("no new value was drawn while measuring\n");
      status = 1;
    }
  if (status == 0)
    {
      GArray *sorted = watch.latencies_ms;
      double p50, p99, max;

      g_array_sort (sorted, compare_doubles);
      p50 = percentile (sorted, 0.50);
      p99 = percentile (sorted, 0.99);
      max = g_array_index (sorted, double, sorted->len - 1);
      g_print ("publish → drawn, %u s with %u devices at 1 Hz (%" G_GUINT64_FORMAT " load messages "
               "in all) and one at %u Hz: %u values drawn in %u frames, "
               "p50 %.1f ms, p99 %.1f ms, max %.1f ms (min %.1f ms)\n",
               seconds, LOAD_DEVICES, publisher.n_load_messages, WATCHED_HZ,
               sorted->len, watch.n_frames, p50, p99, max, g_array_index (sorted, double, 0));
      mimic_bench_report ("e2e.latency_p50", p50, "ms");
      mimic_bench_report ("e2e.latency_p99", p99, "ms");
      mimic_bench_report ("e2e.latency_max", max, "ms");
      mimic_bench_report ("e2e.latency_samples", sorted->len, "values");
    }

  g_array_unref (watch.latencies_ms);
  gtk_window_destroy (GTK_WINDOW (window));
  g_mutex_clear (&publisher.lock);
  mosquitto_lib_cleanup ();
  return status;
}
