/* mimic-telemetry-decoder-private.h — for tests and benchmarks only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-telemetry-decoder.h"

G_BEGIN_DECLS

/* Whether native telemetry is read by the streaming reader (the default)
 * or, like every other message, through a json-glib tree. Both must decide
 * the same; the tests compare them and the benchmarks measure both. */
void mimic_telemetry_decoder_set_streaming (MimicTelemetryDecoder *self,
                                            gboolean               streaming);

G_END_DECLS
