/* mimic-paths.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *mimic_paths_get_data_dir        (void);
char       *mimic_paths_get_asset_dir       (void);
char       *mimic_paths_get_state_dir       (void);
char       *mimic_paths_find_sibling_program (const char *name);

G_END_DECLS
