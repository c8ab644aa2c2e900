/* mimic-pump-model.h — motor, centrifugal pump, bearings and their wear
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-model.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_PUMP_MODEL (mimic_pump_model_get_type ())

G_DECLARE_FINAL_TYPE (MimicPumpModel, mimic_pump_model, MIMIC, PUMP_MODEL, MimicModel)

/* The hydraulic operating point where the pump curve, scaled by the affinity
 * laws, meets the system curve: flow in m³/h, head in m, pump shaft power
 * in kW (without bearing friction). */
void mimic_pump_model_operating_point (const double *params,
                                       double        speed_rpm,
                                       double        valve_percent,
                                       double       *flow,
                                       double       *head,
                                       double       *shaft_power);

G_END_DECLS
