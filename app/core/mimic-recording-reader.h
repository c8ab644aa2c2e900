/* mimic-recording-reader.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-recording.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_RECORDING_READER (mimic_recording_reader_get_type ())

G_DECLARE_FINAL_TYPE (MimicRecordingReader, mimic_recording_reader, MIMIC, RECORDING_READER, GObject)

MimicRecordingReader *mimic_recording_reader_new             (const char            *path,
                                                              GError               **error);
const char           *mimic_recording_reader_get_path        (MimicRecordingReader  *self);
const char           *mimic_recording_reader_get_source      (MimicRecordingReader  *self);
const char           *mimic_recording_reader_get_root        (MimicRecordingReader  *self);
gint64                mimic_recording_reader_get_created_us  (MimicRecordingReader  *self);
MimicRecordedMessage *mimic_recording_reader_next            (MimicRecordingReader  *self,
                                                              GError               **error);
gboolean              mimic_recording_reader_rewind          (MimicRecordingReader  *self,
                                                              GError               **error);
guint64               mimic_recording_reader_get_n_skipped   (MimicRecordingReader  *self);

G_END_DECLS
