/* mimic-backoff.c
 *
 * When a feed loses its connection, every console in a control room would
 * otherwise reconnect at the same moment and keep hammering a broker that is
 * just coming back. The delay before each attempt grows exponentially up to
 * a cap, and "full jitter" picks the actual delay uniformly between zero and
 * that ceiling so that clients spread out. A connection that stayed up for a
 * while counts as healthy again: the next failure starts from the beginning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-backoff"

#include "config.h"

#include <math.h>

#include "mimic-backoff.h"

#define DEFAULT_STABLE_AFTER_MS 30000

struct _MimicBackoff
{
  GObject  parent_instance;

  guint    initial_delay_ms;
  double   factor;
  guint    max_delay_ms;
  guint    stable_after_ms;

  guint    attempt;
  gint64   connected_at_us;   /* monotonic; 0 while not connected */
  GRand   *rand;
};

G_DEFINE_FINAL_TYPE (MimicBackoff, mimic_backoff, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INITIAL_DELAY_MS,
  PROP_FACTOR,
  PROP_MAX_DELAY_MS,
  PROP_STABLE_AFTER_MS,
  PROP_ATTEMPT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
mimic_backoff_finalize (GObject *object)
{
  MimicBackoff *self = (MimicBackoff *)object;

  g_clear_pointer (&self->rand, g_rand_free);

  G_OBJECT_CLASS (mimic_backoff_parent_class)->finalize (object);
}

static void
mimic_backoff_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MimicBackoff *self = MIMIC_BACKOFF (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY_MS:
      g_value_set_uint (value, self->initial_delay_ms);
      break;
    case PROP_FACTOR:
      g_value_set_double (value, self->factor);
      break;
    case PROP_MAX_DELAY_MS:
      g_value_set_uint (value, self->max_delay_ms);
      break;
    case PROP_STABLE_AFTER_MS:
      g_value_set_uint (value, self->stable_after_ms);
      break;
    case PROP_ATTEMPT:
      g_value_set_uint (value, self->attempt);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_backoff_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  MimicBackoff *self = MIMIC_BACKOFF (object);

  switch (prop_id)
    {
    case PROP_INITIAL_DELAY_MS:
      self->initial_delay_ms = g_value_get_uint (value);
      break;
    case PROP_FACTOR:
      self->factor = g_value_get_double (value);
      break;
    case PROP_MAX_DELAY_MS:
      self->max_delay_ms = g_value_get_uint (value);
      break;
    case PROP_STABLE_AFTER_MS:
      mimic_backoff_set_stable_after_ms (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_backoff_constructed (GObject *object)
{
  MimicBackoff *self = (MimicBackoff *)object;

  G_OBJECT_CLASS (mimic_backoff_parent_class)->constructed (object);

  /* A cap below the first delay would make the first delay meaningless. */
  if (self->max_delay_ms < self->initial_delay_ms)
    self->max_delay_ms = self->initial_delay_ms;
}

static void
mimic_backoff_class_init (MimicBackoffClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mimic_backoff_finalize;
  object_class->get_property = mimic_backoff_get_property;
  object_class->set_property = mimic_backoff_set_property;
  object_class->constructed = mimic_backoff_constructed;

  properties[PROP_INITIAL_DELAY_MS] =
    g_param_spec_uint ("initial-delay-ms", NULL, NULL,
                       1, G_MAXUINT, 500,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FACTOR] =
    g_param_spec_double ("factor", NULL, NULL,
                         1.0, 16.0, 2.0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_DELAY_MS] =
    g_param_spec_uint ("max-delay-ms", NULL, NULL,
                       1, G_MAXUINT, 60000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STABLE_AFTER_MS] =
    g_param_spec_uint ("stable-after-ms", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_STABLE_AFTER_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ATTEMPT] =
    g_param_spec_uint ("attempt", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mimic_backoff_init (MimicBackoff *self)
{
  self->initial_delay_ms = 500;
  self->factor = 2.0;
  self->max_delay_ms = 60000;
  self->stable_after_ms = DEFAULT_STABLE_AFTER_MS;
  self->rand = g_rand_new ();
}

/**
 * mimic_backoff_new:
 * @initial_delay_ms: the ceiling of the first delay
 * @factor: how much the ceiling grows per failed attempt (1 to 16)
 * @max_delay_ms: the ceiling never grows past this
 *
 * Returns: (transfer full): a reconnect policy with no failed attempts yet
 */
MimicBackoff *
mimic_backoff_new (guint  initial_delay_ms,
                   double factor,
                   guint  max_delay_ms)
{
  g_return_val_if_fail (initial_delay_ms > 0, NULL);
  g_return_val_if_fail (isfinite (factor) && factor >= 1.0 && factor <= 16.0, NULL);
  g_return_val_if_fail (max_delay_ms > 0, NULL);

  return g_object_new (MIMIC_TYPE_BACKOFF,
                       "initial-delay-ms", initial_delay_ms,
                       "factor", factor,
                       "max-delay-ms", max_delay_ms,
                       NULL);
}

/**
 * mimic_backoff_set_random:
 * @self: a #MimicBackoff
 * @rand: (transfer full): the source of jitter
 *
 * Tests give a seeded #GRand so that the delays repeat from run to run.
 */
void
mimic_backoff_set_random (MimicBackoff *self,
                          GRand        *rand)
{
  g_return_if_fail (MIMIC_IS_BACKOFF (self));
  g_return_if_fail (rand != NULL);

  g_clear_pointer (&self->rand, g_rand_free);
  self->rand = rand;
}

guint
mimic_backoff_get_initial_delay_ms (MimicBackoff *self)
{
  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);
  return self->initial_delay_ms;
}

double
mimic_backoff_get_factor (MimicBackoff *self)
{
  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0.0);
  return self->factor;
}

guint
mimic_backoff_get_max_delay_ms (MimicBackoff *self)
{
  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);
  return self->max_delay_ms;
}

guint
mimic_backoff_get_stable_after_ms (MimicBackoff *self)
{
  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);
  return self->stable_after_ms;
}

/**
 * mimic_backoff_set_stable_after_ms:
 * @self: a #MimicBackoff
 * @stable_after_ms: how long a connection must have lasted for the next
 *   failure to start again from the initial delay
 */
void
mimic_backoff_set_stable_after_ms (MimicBackoff *self,
                                   guint         stable_after_ms)
{
  g_return_if_fail (MIMIC_IS_BACKOFF (self));

  if (self->stable_after_ms == stable_after_ms)
    return;

  self->stable_after_ms = stable_after_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STABLE_AFTER_MS]);
}

/**
 * mimic_backoff_get_attempt:
 * @self: a #MimicBackoff
 *
 * Returns: how many delays were handed out since the last reset
 */
guint
mimic_backoff_get_attempt (MimicBackoff *self)
{
  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);
  return self->attempt;
}

/**
 * mimic_backoff_get_ceiling_ms:
 * @self: a #MimicBackoff
 *
 * Returns: the largest delay the next call to mimic_backoff_next_delay_ms()
 *   can return
 */
guint
mimic_backoff_get_ceiling_ms (MimicBackoff *self)
{
  double ceiling;

  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);

  /* pow() overflows to infinity after many attempts, which the cap absorbs. */
  ceiling = self->initial_delay_ms * pow (self->factor, self->attempt);
  if (!isfinite (ceiling) || ceiling >= self->max_delay_ms)
    return self->max_delay_ms;

  return (guint) ceiling;
}

/**
 * mimic_backoff_next_delay_ms:
 * @self: a #MimicBackoff
 *
 * Counts one more failed attempt and picks how long to wait before the next.
 *
 * Returns: a delay between 0 and the current ceiling, in milliseconds
 */
guint
mimic_backoff_next_delay_ms (MimicBackoff *self)
{
  guint ceiling;
  guint delay;

  g_return_val_if_fail (MIMIC_IS_BACKOFF (self), 0);

  ceiling = mimic_backoff_get_ceiling_ms (self);
  delay = (guint) g_rand_double_range (self->rand, 0.0, (double) ceiling + 1.0);
  delay = MIN (delay, ceiling);

  if (self->attempt < G_MAXUINT)
    {
      self->attempt++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
    }

  return delay;
}

/**
 * mimic_backoff_connected:
 * @self: a #MimicBackoff
 * @monotonic_us: g_get_monotonic_time() when the connection came up
 */
void
mimic_backoff_connected (MimicBackoff *self,
                         gint64        monotonic_us)
{
  g_return_if_fail (MIMIC_IS_BACKOFF (self));

  /* 0 means "not connected", so keep a real time of 0 distinguishable. */
  self->connected_at_us = MAX (monotonic_us, 1);
}

/**
 * mimic_backoff_disconnected:
 * @self: a #MimicBackoff
 * @monotonic_us: g_get_monotonic_time() when the connection went down
 *
 * A connection that lasted at least #MimicBackoff:stable-after-ms resets the
 * attempts; one that dropped sooner keeps growing the delay, so a server that
 * accepts and then closes at once is not hammered.
 */
void
mimic_backoff_disconnected (MimicBackoff *self,
                            gint64        monotonic_us)
{
  g_return_if_fail (MIMIC_IS_BACKOFF (self));

  if (self->connected_at_us != 0 &&
      monotonic_us - self->connected_at_us >= (gint64) self->stable_after_ms * 1000)
    mimic_backoff_reset (self);

  self->connected_at_us = 0;
}

void
mimic_backoff_reset (MimicBackoff *self)
{
  g_return_if_fail (MIMIC_IS_BACKOFF (self));

  if (self->attempt == 0)
    return;

  self->attempt = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
}
