package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.credentials.DeviceCredentials;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configured server replaces the embedded one: Infrastructure then starts nothing for it, keeps no port
 * or data for it, hands out the configured endpoint and credentials, and leaves it running on close.
 * The "external" servers here are embedded ones started by the test in another directory.
 */
class ConfiguredInfrastructureIT {

  @TempDir Path externalDir;
  @TempDir Path dataDir;

  @Test
  void configuredKafkaMqttAndS3AreUsedAndNotStartedNorStoppedByFleet() throws Exception {
    DataDirectory external = DataDirectory.open(externalDir);
    DerivedPasswords externalDevices = new DerivedPasswords("external");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(external);
        EmbeddedMqttBroker mqtt = EmbeddedMqttBroker.start(external, DeviceCredentials.derivedOnly(externalDevices));
        EmbeddedS3 s3 = EmbeddedS3.start(external, "external-bucket")) {

      Map<String, Object> settings = new HashMap<>();
      settings.put("fleet.data-dir", dataDir.toString());
      settings.put("fleet.device-secret", "configured-secret");
      settings.put("fleet.kafka.bootstrap", kafka.bootstrap());
      settings.put("fleet.mqtt.url", mqtt.url());
      settings.put("fleet.mqtt.user", mqtt.serviceUser());
      settings.put("fleet.mqtt.password", mqtt.servicePassword());
      settings.put("fleet.s3.endpoint", s3.endpoint());
      settings.put("fleet.s3.bucket", "external-bucket");
      settings.put("fleet.s3.region", "eu-west-1");
      settings.put("fleet.s3.access-key", s3.accessKey());
      settings.put("fleet.s3.secret-key", s3.secretKey());
      String postgres = System.getenv("FLEET_IT_POSTGRES_URL");
      String dbUrl = postgres == null || postgres.isBlank() ? ""
          : Database.freshPostgresSchemaUrl(postgres, "fleet_it_configured_" + ProcessHandle.current().pid());
      settings.put("fleet.db.url", dbUrl);
      Config config = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load());

      try (Infrastructure infra = Infrastructure.start(config)) {
        Endpoints e = infra.endpoints();
        assertThat(e.kafkaEmbedded() || e.mqttEmbedded() || e.s3Embedded()).isFalse();
        assertThat(e.kafkaBootstrap()).isEqualTo(kafka.bootstrap());
        assertThat(e.mqttUrl()).isEqualTo(mqtt.url());
        assertThat(e.mqttUser()).isEqualTo(mqtt.serviceUser());
        assertThat(e.mqttPassword()).isEqualTo(mqtt.servicePassword());
        assertThat(e.s3Endpoint()).isEqualTo(s3.endpoint());
        assertThat(e.s3Region()).isEqualTo("eu-west-1");
        assertThat(e.s3SecretKey()).isEqualTo(s3.secretKey());
        assertThat(e.describe()).doesNotContain(kafka.bootstrap() + " (embedded)", mqtt.url() + " (embedded)");
        assertThat(e.dbEmbedded()).isEqualTo(dbUrl.isEmpty());
        assertThat(e.dbIsPostgres()).isEqualTo(!dbUrl.isEmpty());
        assertThat(infra.derivedPasswords().passwordFor("cam-1"))
            .isEqualTo(new DerivedPasswords("configured-secret").passwordFor("cam-1"));

        Config overlay = infra.pekkoOverlay();
        assertThat(overlay.getString("pekko.kafka.producer.kafka-clients.bootstrap.servers")).isEqualTo(kafka.bootstrap());
        assertThat(overlay.getString("pekko.connectors.s3.endpoint-url")).isEqualTo(s3.endpoint());
        assertThat(overlay.getString("pekko.connectors.s3.aws.region.default-region")).isEqualTo("eu-west-1");
        assertThat(overlay.getString("pekko.connectors.s3.aws.credentials.secret-access-key")).isEqualTo(s3.secretKey());
        assertThat(overlay.getString("pekko.projection.jdbc.dialect")).isEqualTo(dbUrl.isEmpty() ? "h2-dialect" : "postgres-dialect");

        // Nothing kept in Fleet's data directory for the configured servers.
        Properties ports = new Properties();
        Path portsFile = dataDir.resolve("ports.properties");
        if (Files.exists(portsFile)) {
          try (var in = Files.newInputStream(portsFile)) {
            ports.load(in);
          }
        }
        assertThat(ports).isEmpty();
        assertThat(dataDir.resolve("kafka")).doesNotExist();
        assertThat(dataDir.resolve("hivemq")).doesNotExist();
        assertThat(dataDir.resolve("s3")).doesNotExist();
        assertThat(dataDir.resolve("secrets.properties")).doesNotExist();

        // The topics were created on the configured Kafka.
        assertThat(topics(kafka.bootstrap()))
            .contains("fleet.device-events", "fleet.dead-letters", "fleet.alerts", "ksql_motion_events");
      } finally {
        if (!dbUrl.isEmpty()) {
          dropSchema(postgres, "fleet_it_configured_" + ProcessHandle.current().pid());
        }
      }

      // Closing Fleet's infrastructure left the configured servers alone.
      assertThat(topics(kafka.bootstrap())).contains("fleet.device-events");
      assertThat(DataDirectory.isFree(URI.create(mqtt.url()).getPort())).isFalse();
      assertThat(DataDirectory.isFree(URI.create(s3.endpoint()).getPort())).isFalse();
    }
  }

  private static Set<String> topics(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  private static void dropSchema(String baseUrl, String schema) throws Exception {
    try (var c = DriverManager.getConnection(baseUrl); var s = c.createStatement()) {
      s.execute("drop schema if exists " + schema + " cascade");
    }
  }
}
