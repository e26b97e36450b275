package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import io.fleet.infra.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet on a secured Kafka: a broker started here accepts only SASL PLAIN clients (one without credentials
 * is refused). Given the credentials once, in {@code fleet.kafka.client-properties}, every Kafka client of
 * the node connects: the admin clients create the topics and report Kafka up in health, the bridge's
 * producer and the device-events consumer bring a heartbeat to its device, the seed topic's consumer and
 * the alert publisher raise and publish a motion alert that reaches the live alert feed's consumer.
 */
class SecuredKafkaIT {
  private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
      + " username=\"%s\" password=\"%s\"%s;";

  @Test
  void everyKafkaClientOfFleetConnectsToASaslBrokerWithTheConfiguredCredentials(@TempDir Path kafkaDir,
      @TempDir Path dataDir) throws Exception {
    DataDirectory brokerData = DataDirectory.open(kafkaDir);
    int port = brokerData.portFor("kafka");
    int controllerPort = brokerData.portFor("kafka-controller");
    Map<String, String> sasl = new HashMap<>();
    sasl.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    sasl.put("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + port);
    sasl.put("inter.broker.listener.name", "SASL_PLAINTEXT");
    sasl.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
    sasl.put("sasl.enabled.mechanisms", "PLAIN");
    sasl.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    sasl.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
        String.format(JAAS, "admin", "admin-secret", " user_admin=\"admin-secret\" user_fleet=\"fleet-secret\""));
    Map<String, String> fleetLogin = Map.of(
        "security.protocol", "SASL_PLAINTEXT",
        "sasl.mechanism", "PLAIN",
        "sasl.jaas.config", String.format(JAAS, "fleet", "fleet-secret", ""));

    try (EmbeddedKafka kafka = EmbeddedKafka.start(brokerData, sasl)) {
      assertThatThrownBy(() -> topicsOf(kafka.bootstrap(), Map.of()))
          .as("a client without credentials is refused").isInstanceOf(ExecutionException.class);

      Map<String, Object> overrides = new HashMap<>();
      overrides.put("fleet.kafka.bootstrap", kafka.bootstrap());
      fleetLogin.forEach((key, value) -> overrides.put("fleet.kafka.client-properties.\"" + key + "\"", value));
      var config = TestServers.all().findFirst().orElseThrow().config(dataDir, TestServers.uniqueSchema(), overrides);
      assertThat(KafkaClients.propertiesFrom(config)).containsAllEntriesOf(fleetLogin);

      try (FleetApp app = FleetApp.start(config)) {
        assertThat(topicsOf(kafka.bootstrap(), fleetLogin)).contains("fleet.device-events", "fleet.alerts", "ksql_motion_events");
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        await("Kafka up in health").atMost(Duration.ofSeconds(30))
            .until(() -> "up".equals(api.get("/api/health").body().path("components").path("kafka").path("status").asText()));

        String camera = "sasl-cam-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(api.post("/api/devices", "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\"}").status()).isEqualTo(201);
        try (SseClient stream = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=" + camera, app.operatorToken(), null)) {
          Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
          TestMqtt.publish(mqtt, "fleet/" + camera + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 90}");
          mqtt.disconnect();
          await("the heartbeat reached its device").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
              .until(() -> "online".equals(api.get("/api/devices/" + camera).body().path("status").asText()));

          try (KafkaProducer<String, String> seed = producer(kafka.bootstrap(), fleetLogin)) {
            seed.send(new ProducerRecord<>("ksql_motion_events", null, "{\"event_id\": 1700000001, \"device_id\": \""
                + camera + "\", \"device_name\": \"porch\", \"device_type\": \"camera\", \"url\": \"https://elsewhere/c.mp4\","
                + " \"time\": \"2026-11-23 21:00:00\", \"message\": \"motion was detected\"}")).get(30, TimeUnit.SECONDS);
          }
          SseClient.Event alert = stream.next(Duration.ofSeconds(30));
          while (alert != null && !alert.data().contains(camera + ":1700000001")) alert = stream.next(Duration.ofSeconds(30));
          assertThat(alert).as("the alert on the live stream").isNotNull();
        }
      }
    }
  }

  private static Set<String> topicsOf(String bootstrap, Map<String, String> login) throws Exception {
    Map<String, Object> props = new HashMap<>(login);
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(props)) {
      return admin.listTopics().names().get(20, TimeUnit.SECONDS);
    }
  }

  private static KafkaProducer<String, String> producer(String bootstrap, Map<String, String> login) {
    Map<String, Object> props = new HashMap<>(login);
    props.put("bootstrap.servers", bootstrap);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }
}
