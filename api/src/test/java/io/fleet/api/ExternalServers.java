package io.fleet.api;

import io.fleet.infra.Endpoints;
import java.util.HashMap;
import java.util.Map;

/** The settings that point a node at servers another node (or a test) already runs, as external ones. */
final class ExternalServers {
  private ExternalServers() {}

  static Map<String, Object> of(Endpoints e) {
    Map<String, Object> m = new HashMap<>();
    m.put("fleet.kafka.bootstrap", e.kafkaBootstrap());
    m.put("fleet.mqtt.url", e.mqttUrl());
    m.put("fleet.mqtt.user", e.mqttUser());
    m.put("fleet.mqtt.password", e.mqttPassword());
    m.put("fleet.s3.endpoint", e.s3Endpoint());
    m.put("fleet.s3.bucket", e.s3Bucket());
    m.put("fleet.s3.region", e.s3Region());
    m.put("fleet.s3.access-key", e.s3AccessKey());
    m.put("fleet.s3.secret-key", e.s3SecretKey());
    m.put("fleet.db.url", e.dbUrl());
    m.put("fleet.db.user", e.dbUser());
    m.put("fleet.db.password", e.dbPassword());
    return m;
  }
}
