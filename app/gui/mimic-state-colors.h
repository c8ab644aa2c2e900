/* mimic-state-colors.h — the display states every view colours by
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* What an operator should see for a sensor, following high-performance HMI
 * practice (ISA-101): grey when all is well, colour only when something
 * needs attention, the alarm colours reserved for alarms and ordered by
 * priority. The schematic, the 3D scene and the trend chart share these. */
typedef enum
{
  MIMIC_DISPLAY_STATE_NORMAL,
  MIMIC_DISPLAY_STATE_ABNORMAL,       /* outside the normal band, no alarm */
  MIMIC_DISPLAY_STATE_ALARM_LOW,
  MIMIC_DISPLAY_STATE_ALARM_MEDIUM,
  MIMIC_DISPLAY_STATE_ALARM_HIGH,
  MIMIC_DISPLAY_STATE_ALARM_URGENT,
  MIMIC_DISPLAY_STATE_STALE,          /* no fresh or no good value */
} MimicDisplayState;

#define MIMIC_DISPLAY_STATE_LAST MIMIC_DISPLAY_STATE_STALE

#define MIMIC_TYPE_DISPLAY_STATE (mimic_display_state_get_type ())

GType        mimic_display_state_get_type        (void) G_GNUC_CONST;

const char  *mimic_display_state_to_string       (MimicDisplayState  state);
gboolean     mimic_display_state_is_alarm        (MimicDisplayState  state);

/* Fill colour of a part in this state, as RGBA and as CSS "#rrggbb". */
void         mimic_display_state_get_fill        (MimicDisplayState  state,
                                                  GdkRGBA           *color);
const char  *mimic_display_state_get_fill_css    (MimicDisplayState  state);
/* Outline colour: darker than the fill so the shape reads on any ground. */
void         mimic_display_state_get_stroke      (MimicDisplayState  state,
                                                  GdkRGBA           *color);
const char  *mimic_display_state_get_stroke_css  (MimicDisplayState  state);

G_END_DECLS
