package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input over real MQTT and Kafka: malformed JSON, a payload over the limit, an unknown topic shape and a
 * record without a kind each land in {@code fleet.dead-letters} with their reason and original bytes,
 * while a valid device's heartbeats keep flowing; every message is accounted for.
 */
class DeadLetterIT {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void badInputIsDeadLetteredWithItsReasonWhileValidTrafficKeepsFlowing(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String good = "good-" + run;
    String bad = "bad-" + run;
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      Endpoints e = app.node().endpoints();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      Mqtt3BlockingClient mqtt = serviceClient(e);
      // Over Fleet's payload limit but within the broker's packet limit (the limit plus headers): Fleet's to refuse.
      int limit = app.node().ingestSettings().maxPayloadBytes();
      byte[] huge = new byte[limit + 1024];
      Arrays.fill(huge, (byte) 'x');
      Map<String, byte[]> badInput = Map.of(
          "fleet/" + bad + "/heartbeat", "{\"ts\": \"2026-11-23T20:00:00Z\", battery".getBytes(StandardCharsets.UTF_8),
          "fleet/" + bad + "/telemetry", huge,
          "fleet/" + bad + "/reboot/now", "{}".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 5; i++) {
        publish(mqtt, "fleet/" + good + "/heartbeat", heartbeat(Instant.now().plusMillis(i)));
      }
      badInput.forEach((topic, payload) -> publish(mqtt, topic, payload));
      for (int i = 5; i < 10; i++) {
        publish(mqtt, "fleet/" + good + "/heartbeat", heartbeat(Instant.now().plusMillis(i)));
      }
      try (KafkaProducer<String, byte[]> producer = producer(e)) {
        producer.send(new ProducerRecord<>(app.node().ingestSettings().deviceEventsTopic(), bad, "{}".getBytes())).get();
      }

      Map<String, ConsumerRecord<String, byte[]>> letters = new HashMap<>();
      try (KafkaConsumer<String, byte[]> consumer = consumer(e)) {
        consumer.subscribe(List.of(app.node().ingestSettings().deadLettersTopic()));
        await("four dead letters").atMost(Duration.ofSeconds(60)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> {
            String source = IngestHeaders.get(r.headers(), IngestHeaders.SOURCE).orElse("");
            if (source.contains(bad) || bad.equals(r.key())) letters.put(IngestHeaders.get(r.headers(), IngestHeaders.REASON).orElse("?"), r);
          });
          return letters.size() >= 4;
        });
      }
      assertThat(letters).containsOnlyKeys("malformed-json", "oversized", "unknown-topic", "invalid-message");
      assertThat(letters.get("malformed-json").value()).isEqualTo(badInput.get("fleet/" + bad + "/heartbeat"));
      assertThat(letters.get("oversized").value()).isEqualTo(huge);
      assertThat(IngestHeaders.get(letters.get("oversized").headers(), IngestHeaders.DETAIL).orElseThrow()).contains((limit + 1024) + " bytes");
      assertThat(IngestHeaders.get(letters.get("unknown-topic").headers(), IngestHeaders.SOURCE)).contains("mqtt:fleet/" + bad + "/reboot/now");
      assertThat(IngestHeaders.get(letters.get("invalid-message").headers(), IngestHeaders.DETAIL).orElseThrow()).contains("fleet.kind");

      await("the valid device online").atMost(Duration.ofSeconds(30))
          .until(() -> "online".equals(api.get("/api/devices/" + good).body().path("status").asText()));
      assertThat(api.get("/api/devices/" + bad).status()).as("no device was made from bad input").isEqualTo(404);
      String metrics = api.get("/metrics").text();
      assertThat(metrics).contains("fleet_dead_letters_total{reason=\"malformed-json\"}")
          .contains("fleet_dead_letters_total{reason=\"oversized\"}")
          .contains("fleet_dead_letters_total{reason=\"unknown-topic\"}");
      mqtt.disconnect();
    }
  }

  private static byte[] heartbeat(Instant ts) {
    return ("{\"ts\":\"" + ts + "\",\"battery\":80,\"interval_s\":5}").getBytes(StandardCharsets.UTF_8);
  }

  private static void publish(Mqtt3BlockingClient mqtt, String topic, byte[] payload) {
    TestMqtt.publish(mqtt, topic, payload);
  }

  private static Mqtt3BlockingClient serviceClient(Endpoints e) {
    return TestMqtt.serviceClient(e);
  }

  private static KafkaProducer<String, byte[]> producer(Endpoints e) {
    Properties p = new Properties();
    p.put("bootstrap.servers", e.kafkaBootstrap());
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> consumer(Endpoints e) {
    return TestKafka.fromStart(e.kafkaBootstrap(), "it-dead-letters");
  }
}
