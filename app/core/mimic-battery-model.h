/* mimic-battery-model.h — a battery rack: equivalent circuit, module
 * temperatures with liquid cooling, capacity fade
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-model.h"

G_BEGIN_DECLS

#define MIMIC_BATTERY_MODEL_N_MODULES 16

#define MIMIC_TYPE_BATTERY_MODEL (mimic_battery_model_get_type ())

G_DECLARE_FINAL_TYPE (MimicBatteryModel, mimic_battery_model, MIMIC, BATTERY_MODEL, MimicModel)

/* Open-circuit voltage of one LFP cell, in V, at a state of charge 0…1. */
double mimic_battery_model_cell_ocv (double soc);

G_END_DECLS
