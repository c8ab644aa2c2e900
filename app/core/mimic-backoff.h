/* mimic-backoff.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define MIMIC_TYPE_BACKOFF (mimic_backoff_get_type ())

G_DECLARE_FINAL_TYPE (MimicBackoff, mimic_backoff, MIMIC, BACKOFF, GObject)

MimicBackoff *mimic_backoff_new                (guint         initial_delay_ms,
                                                double        factor,
                                                guint         max_delay_ms);
void          mimic_backoff_set_random         (MimicBackoff *self,
                                                GRand        *rand);
guint         mimic_backoff_get_initial_delay_ms (MimicBackoff *self);
double        mimic_backoff_get_factor         (MimicBackoff *self);
guint         mimic_backoff_get_max_delay_ms   (MimicBackoff *self);
guint         mimic_backoff_get_stable_after_ms (MimicBackoff *self);
void          mimic_backoff_set_stable_after_ms (MimicBackoff *self,
                                                guint         stable_after_ms);
guint         mimic_backoff_get_attempt        (MimicBackoff *self);
guint         mimic_backoff_get_ceiling_ms     (MimicBackoff *self);
guint         mimic_backoff_next_delay_ms      (MimicBackoff *self);
void          mimic_backoff_connected          (MimicBackoff *self,
                                                gint64        monotonic_us);
void          mimic_backoff_disconnected       (MimicBackoff *self,
                                                gint64        monotonic_us);
void          mimic_backoff_reset              (MimicBackoff *self);

G_END_DECLS
