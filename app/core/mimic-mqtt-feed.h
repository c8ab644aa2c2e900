/* mimic-mqtt-feed.h — a MimicFeed reading an MQTT broker with libmosquitto
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "mimic-backoff.h"
#include "mimic-feed.h"

G_BEGIN_DECLS

#define MIMIC_MQTT_DEFAULT_PORT     1883
#define MIMIC_MQTT_DEFAULT_TLS_PORT 8883

#define MIMIC_TYPE_MQTT_FEED (mimic_mqtt_feed_get_type ())
G_DECLARE_FINAL_TYPE (MimicMqttFeed, mimic_mqtt_feed, MIMIC, MQTT_FEED, MimicFeed)

MimicMqttFeed *mimic_mqtt_feed_new                  (const char    *host,
                                                     guint          port,
                                                     const char    *root);
/* mqtt://[user[:password]@]host[:port][/ROOT] and mqtts://... (TLS with
 * the system's trusted CAs unless a CA file is set). */
MimicMqttFeed *mimic_mqtt_feed_new_for_uri          (GUri          *uri,
                                                     GError       **error);

const char    *mimic_mqtt_feed_get_host             (MimicMqttFeed *self);
guint          mimic_mqtt_feed_get_port             (MimicMqttFeed *self);
/* The password is kept in memory only, never logged. */
void           mimic_mqtt_feed_set_credentials      (MimicMqttFeed *self,
                                                     const char    *username,
                                                     const char    *password);
/* Turns TLS on. @ca_file NULL: the system's trusted CAs. The certificate
 * and the host name are always verified. */
void           mimic_mqtt_feed_set_tls              (MimicMqttFeed *self,
                                                     const char    *ca_file,
                                                     const char    *certificate_file,
                                                     const char    *key_file);
/* Replaces the default backoff (500 ms doubling up to 30 s, full jitter). */
void           mimic_mqtt_feed_set_backoff          (MimicMqttFeed *self,
                                                     MimicBackoff  *backoff);
/* 5 (MQTT 5, the default) or 4 (MQTT 3.1.1); after a fallback it reads 4. */
int            mimic_mqtt_feed_get_protocol_version (MimicMqttFeed *self);
void           mimic_mqtt_feed_set_protocol_version (MimicMqttFeed *self,
                                                     int            version);

/* The protocol version to retry with after a CONNACK refused @version with
 * @reason_code, or 0 when there is nothing left to fall back to. */
int            mimic_mqtt_fallback_protocol_version (int            version,
                                                     int            reason_code);

G_END_DECLS
