/* mimic-state-colors.c
 *
 * The palette. Normal is a mid grey that neither competes with alarms nor
 * vanishes on the light grey ground of an ISA-101 display. Abnormal is a
 * pale amber, present but quiet. The four alarm priorities run amber,
 * orange, red, magenta: the hue gets hotter with priority and each stays
 * distinguishable for the common red-green colour vision deficiencies by
 * lightness as well as hue. Stale is a washed-out grey, lighter than normal,
 * so a value that cannot be trusted never looks like a healthy one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-state-colors"

#include "config.h"

#include "mimic-state-colors.h"

typedef struct
{
  const char *name;
  const char *fill;
  const char *stroke;
} StateStyle;

static const StateStyle state_styles[] = {
  [MIMIC_DISPLAY_STATE_NORMAL]       = { "normal",       "#9a9a9a", "#505050" },
  [MIMIC_DISPLAY_STATE_ABNORMAL]     = { "abnormal",     "#f0d890", "#8a6d1a" },
  [MIMIC_DISPLAY_STATE_ALARM_LOW]    = { "alarm-low",    "#e0a000", "#6b4c00" },
  [MIMIC_DISPLAY_STATE_ALARM_MEDIUM] = { "alarm-medium", "#f06a00", "#7a3200" },
  [MIMIC_DISPLAY_STATE_ALARM_HIGH]   = { "alarm-high",   "#d41c1c", "#6a0a0a" },
  [MIMIC_DISPLAY_STATE_ALARM_URGENT] = { "alarm-urgent", "#c01ca8", "#5a0a50" },
  [MIMIC_DISPLAY_STATE_STALE]        = { "stale",        "#d0d0d0", "#8c8c8c" },
};

G_DEFINE_ENUM_TYPE (MimicDisplayState, mimic_display_state,
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_NORMAL, "normal"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_ABNORMAL, "abnormal"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_ALARM_LOW, "alarm-low"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_ALARM_MEDIUM, "alarm-medium"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_ALARM_HIGH, "alarm-high"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_ALARM_URGENT, "alarm-urgent"),
  G_DEFINE_ENUM_VALUE (MIMIC_DISPLAY_STATE_STALE, "stale"))

static const StateStyle *
style_for (MimicDisplayState state)
{
  /* An unknown state must never look normal: show it as stale. */
  if ((guint) state > MIMIC_DISPLAY_STATE_LAST)
    state = MIMIC_DISPLAY_STATE_STALE;

  return &state_styles[state];
}

const char *
mimic_display_state_to_string (MimicDisplayState state)
{
  return style_for (state)->name;
}

gboolean
mimic_display_state_is_alarm (MimicDisplayState state)
{
  return state >= MIMIC_DISPLAY_STATE_ALARM_LOW &&
         state <= MIMIC_DISPLAY_STATE_ALARM_URGENT;
}

const char *
mimic_display_state_get_fill_css (MimicDisplayState state)
{
  return style_for (state)->fill;
}

const char *
mimic_display_state_get_stroke_css (MimicDisplayState state)
{
  return style_for (state)->stroke;
}

void
mimic_display_state_get_fill (MimicDisplayState  state,
                              GdkRGBA           *color)
{
  g_return_if_fail (color != NULL);

  gdk_rgba_parse (color, style_for (state)->fill);
}

void
mimic_display_state_get_stroke (MimicDisplayState  state,
                                GdkRGBA           *color)
{
  g_return_if_fail (color != NULL);

  gdk_rgba_parse (color, style_for (state)->stroke);
}
