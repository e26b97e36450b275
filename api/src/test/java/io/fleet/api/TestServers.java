package io.fleet.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.infra.Database;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The server sets integration tests run against: always the embedded defaults, and — when
 * {@code FLEET_IT_POSTGRES_URL} and {@code FLEET_IT_MQTT_URL} are set, as CI does — the machine's
 * PostgreSQL and MQTT broker (Kafka and S3 stay embedded: the project starts those itself).
 */
public record TestServers(String name, String postgresUrl, String mqttUrl) {

  public static Stream<TestServers> all() {
    String pg = System.getenv("FLEET_IT_POSTGRES_URL");
    String mqtt = System.getenv("FLEET_IT_MQTT_URL");
    TestServers embedded = new TestServers("embedded", null, null);
    if (pg == null || pg.isBlank() || mqtt == null || mqtt.isBlank()) return Stream.of(embedded);
    return Stream.of(embedded, new TestServers("postgres+mqtt", pg, mqtt));
  }

  /**
   * A node's configuration on a fresh data directory (and a fresh PostgreSQL schema): HTTP on a free
   * port, no demo devices, a bridge session of its own so runs never share a broker session.
   * Calling it again with the same {@code dataDir} and {@code schema} gives the same node back.
   */
  public Config config(Path dataDir, String schema, Map<String, Object> overrides) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.http.host", "127.0.0.1");
    settings.put("fleet.http.port", 0);
    settings.put("fleet.admin-token", "it-operator-token");
    settings.put("fleet.simulator.devices", 0);
    // Test devices connect unregistered with their derived passwords, as simulators do; DeviceCredentialsIT
    // and DynamicSecurityIT check the issued mode.
    settings.put("fleet.device-passwords.mode", "derived");
    settings.put("fleet.mqtt.client-id", "fleet-it-" + schema);
    if (postgresUrl != null) settings.put("fleet.db.url", Database.freshPostgresSchemaUrl(postgresUrl, schema));
    if (mqttUrl != null) {
      settings.put("fleet.mqtt.url", mqttUrl);
      // A shared broker: do not leave a persistent session behind that would queue messages forever.
      settings.put("fleet.mqtt.clean-session", true);
    }
    settings.putAll(overrides);
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
  }

  public static String uniqueSchema() {
    return "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  public boolean external() {
    return postgresUrl != null;
  }

  @Override
  public String toString() {
    return name;
  }
}
