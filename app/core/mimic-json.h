/* mimic-json.h — loading JSON from outside with json-glib, safely
 *
 * json-glib 1.6 reads input such as `{"a":1}{"b":2}` or `0{"a":1}` as
 * valid, keeps the first value and leaks every value after it. A device
 * sending such messages would make Mimic's memory grow without bound, so
 * everything Mimic reads from outside goes through
 * mimic_json_parser_load_from_data(), which refuses more than one
 * top-level value before json-glib sees the input. json-glib also skips
 * comments (between two slashes, or C style) and reads single-quoted
 * strings, which could hide a second value from that check, so input with
 * either is refused too: neither is JSON. And json-glib 1.6 leaks a string
 * on every malformed surrogate pair ("\ud800\u0041", "\ud83d\u" cut off)
 * and makes bytes that are not UTF-8 of a lone surrogate ("\ud800x"), so
 * a \u surrogate escape that is not half of a valid pair is refused as
 * well (JSON_PARSER_ERROR_INVALID_DATA), as Mimic's strict reader
 * (mimic-json-reader.h) refuses it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean mimic_json_is_single_value        (const char  *data,
                                            gsize        length);
/* json_parser_load_from_data(), refusing input with more than one
 * top-level value, a comment or a single-quoted string
 * (JSON_PARSER_ERROR_PARSE), or an unpaired surrogate escape
 * (JSON_PARSER_ERROR_INVALID_DATA). @length -1: NUL-terminated. */
gboolean mimic_json_parser_load_from_data  (JsonParser  *parser,
                                            const char  *data,
                                            gssize       length,
                                            GError     **error);
/* @text (possibly not UTF-8, @length -1: NUL-terminated) as valid UTF-8
 * for an error message: each byte that is not part of a valid character
 * becomes \xNN, so the message stays readable and names what was sent. */
char    *mimic_json_text_for_message       (const char  *text,
                                            gssize       length);

G_END_DECLS
