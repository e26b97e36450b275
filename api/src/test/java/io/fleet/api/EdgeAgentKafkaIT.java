package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.fleet.agent.edge.AgentSettings;
import io.fleet.agent.edge.EdgeAgent;
import io.fleet.agent.edge.MotionEvents;
import io.fleet.infra.Endpoints;
import io.fleet.infra.KafkaTopics;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent as a Kafka-speaking camera, as the seed's Raspberry Pis were: it uploads each clip into
 * Fleet's bucket (presigned URL), then publishes the seed's motion JSON on {@code ksql_motion_events}; Fleet
 * raises the camera's motion alert with the clip verified. The records carry exactly the seed's fields.
 */
class EdgeAgentKafkaIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aKafkaSpeakingAgentsSeedRecordsRaiseAMotionAlertWithItsClipVerified(@TempDir Path dataDir, @TempDir Path agentDir)
      throws Exception {
    Config config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of());
    try (FleetApp app = FleetApp.start(config)) {
      Endpoints e = app.node().endpoints();
      String topic = KafkaTopics.Names.from(config).motionEvents();
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      JsonNode registered = operator.post("/api/devices", "{\"deviceId\":\"kafka-cam\",\"type\":\"camera\",\"household\":\"h-k\"}").body();
      AgentSettings settings = new AgentSettings("kafka-cam", registered.path("mqtt").path("password").asText(),
          URI.create(e.mqttUrl()), URI.create(app.baseUrl()), "h-k", "agent-it", Duration.ofSeconds(5),
          new AgentSettings.Source("synthetic", "", 10, 640, 480, 2, 3, 2.0),
          DetectorSettings.defaults().withIgnore(List.of(SceneScripts.swayRegion(640, 480))),
          new ClipSettings(10, 10, 250, 10, 4, agentDir.resolve("encoding")),
          agentDir.resolve("outbox"), 512L * 1024 * 1024)
          .withEvents(MotionEvents.kafka(e.kafkaBootstrap(), topic));

      try (EdgeAgent agent = EdgeAgent.start(settings)) {
        agent.sourceEnded().get();
        await("every event delivered").atMost(Duration.ofSeconds(120))
            .until(() -> agent.queued() == 0 && agent.delivered() == agent.detected());
        assertThat(agent.detected()).isGreaterThanOrEqualTo(1);

        List<JsonNode> records = seedRecords(e, topic, (int) agent.detected());
        for (JsonNode r : records) {
          assertThat(r.fieldNames()).toIterable()
              .containsExactly("event_id", "device_id", "device_name", "device_type", "url", "time", "message");
          assertThat(r.get("event_id").isIntegralNumber()).isTrue();
          assertThat(r.get("time").asText()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");
          // An event inside the clip of the one before it goes without a clip of its own (as over MQTT).
          if (!r.get("url").isNull()) {
            assertThat(r.get("url").asText()).as("the clip in Fleet's bucket").startsWith(e.s3Endpoint()).doesNotContain("?");
          }
        }
        assertThat(records.get(0).get("url").isNull()).as("the first event's clip, in %s", records).isFalse();
        await("the camera's motion alert with its clip verified").atMost(Duration.ofSeconds(60)).until(() -> {
          JsonNode items = operator.get("/api/alerts?deviceId=kafka-cam&kind=motion").body().path("items");
          return items.size() >= 1 && items.get(items.size() - 1).path("clipVerified").asBoolean();
        });
        JsonNode alert = operator.get("/api/alerts?deviceId=kafka-cam&kind=motion").body().path("items").get(0);
        assertThat(alert.get("eventId").asText()).isEqualTo(records.get(0).get("event_id").asText());
        assertThat(alert.get("url").asText()).isEqualTo(records.get(0).get("url").asText());
      }
    }
  }

  /** The seed records of kafka-cam on the motion topic, oldest first (at least {@code count}). */
  private static List<JsonNode> seedRecords(Endpoints e, String topic, int count) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (var r : TestKafka.awaitRecords(e.kafkaBootstrap(), topic, r -> "kafka-cam".equals(r.key()), count)) {
      out.add(JSON.readTree(r.value()));
    }
    return out;
  }
}
