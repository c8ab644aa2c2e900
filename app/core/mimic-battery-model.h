/* mimic-battery-model.h — a battery rack: equivalent circuit, module
 * temperatures with liquid cooling, capacity fade
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-model.h"

G_BEGIN_DECLS

#define MIMIC_BATTERY_MODEL_N_MODULES 16

/* How fast (1/s) the model's state of charge is pulled to the rack's
 * reported one: a time constant of 10 s, about one telemetry period. The
 * rack's own management system counts its charge with a calibrated
 * current sensor and resets it at the ends of charge; the model's open
 * integral of P/V drifts from it by any error in capacity. Anchored, the
 * soc residual is the disagreement over one reading interval, which a
 * lost capacity still shows; the module temperatures are never
 * corrected, so a cooling fault stays in their residuals. */
#define MIMIC_BATTERY_MODEL_SOC_OBSERVER_GAIN 0.1

#define MIMIC_TYPE_BATTERY_MODEL (mimic_battery_model_get_type ())

G_DECLARE_FINAL_TYPE (MimicBatteryModel, mimic_battery_model, MIMIC, BATTERY_MODEL, MimicModel)

/* Open-circuit voltage of one LFP cell, in V, at a state of charge 0…1. */
double mimic_battery_model_cell_ocv (double soc);

G_END_DECLS
