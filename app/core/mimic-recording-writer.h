/* mimic-recording-writer.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mimic-recording.h"

G_BEGIN_DECLS

#define MIMIC_TYPE_RECORDING_WRITER (mimic_recording_writer_get_type ())

G_DECLARE_FINAL_TYPE (MimicRecordingWriter, mimic_recording_writer, MIMIC, RECORDING_WRITER, GObject)

MimicRecordingWriter *mimic_recording_writer_new            (const char            *path,
                                                             const char            *source_url,
                                                             const char            *root,
                                                             GError               **error);
gboolean              mimic_recording_writer_write_message  (MimicRecordingWriter  *self,
                                                             const char            *topic,
                                                             const guint8          *payload,
                                                             gsize                  length,
                                                             gint64                 received_us,
                                                             GError               **error);
gboolean              mimic_recording_writer_flush          (MimicRecordingWriter  *self,
                                                             GError               **error);
gboolean              mimic_recording_writer_close          (MimicRecordingWriter  *self,
                                                             GError               **error);
guint64               mimic_recording_writer_get_n_messages (MimicRecordingWriter  *self);

G_END_DECLS
