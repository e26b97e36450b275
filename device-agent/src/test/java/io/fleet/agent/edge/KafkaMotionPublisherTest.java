package io.fleet.agent.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaMotionPublisherTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theRecordIsTheSeedsJsonNamingTheClipInTheBucket() throws Exception {
    MotionEvents settings = new MotionEvents("kafka", "127.0.0.1:9092", "ksql_motion_events", "description of yard camera",
        "motion was detected", ZoneId.of("Europe/Berlin"), Map.of());
    ObjectNode event = JSON.createObjectNode().put("event_id", "yard-1700000000123").put("ts", "2026-11-23T20:00:00.123Z");

    JsonNode seed = JSON.readTree(KafkaMotionPublisher.seedRecord(settings, "yard", event,
        new ClipUpload.Stored("c-1", "http://127.0.0.1:9000/fleet-clips/clips/yard/c-1")));

    assertThat(seed.fieldNames()).toIterable()
        .containsExactly("event_id", "device_id", "device_name", "device_type", "url", "time", "message");
    assertThat(seed.get("event_id").isIntegralNumber()).isTrue();
    assertThat(seed.get("event_id").asLong()).isEqualTo(1795464000123L);
    assertThat(seed.get("device_id").asText()).isEqualTo("yard");
    assertThat(seed.get("device_name").asText()).isEqualTo("description of yard camera");
    assertThat(seed.get("device_type").asText()).isEqualTo("camera");
    assertThat(seed.get("url").asText()).isEqualTo("http://127.0.0.1:9000/fleet-clips/clips/yard/c-1");
    assertThat(seed.get("time").asText()).as("in the configured zone").isEqualTo("2026-11-23 21:00:00");
    assertThat(seed.get("message").asText()).isEqualTo("motion was detected");

    JsonNode withoutClip = JSON.readTree(KafkaMotionPublisher.seedRecord(MotionEvents.kafka("h:1", "t"), "yard", event, null));
    assertThat(withoutClip.get("url").isNull()).isTrue();
    assertThat(withoutClip.get("device_name").asText()).as("the device id when none is configured").isEqualTo("yard");
    assertThat(withoutClip.get("time").asText()).isEqualTo("2026-11-23 20:00:00");
  }

  @Test
  void aSendToAnUnreachableClusterFailsWithinSecondsSoTheEventStaysInTheOutbox() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ObjectNode event = JSON.createObjectNode().put("event_id", "cam-1").put("ts", "2026-11-23T20:00:00Z");
    try (KafkaMotionPublisher publisher = new KafkaMotionPublisher(MotionEvents.kafka("127.0.0.1:" + closedPort, "ksql_motion_events"), "cam")) {
      long started = System.nanoTime();

      assertThatThrownBy(() -> publisher.publish(event, null)).isInstanceOf(Exception.class);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }
  }

  @Test
  void theAgentsConfigurationChoosesKafkaWithProducerProperties() {
    AgentSettings settings = AgentSettings.fromConfig(ConfigFactory.parseString("""
        agent.device-id = yard
        agent.events.transport = kafka
        agent.events.kafka.bootstrap-servers = "10.0.0.5:9092"
        agent.events.kafka.properties { "security.protocol" = SASL_SSL, "sasl.mechanism" = PLAIN }
        """).withFallback(ConfigFactory.parseFile(Path.of("../config/agent.conf").toFile()))
        .withFallback(ConfigFactory.parseResources("agent-defaults.conf")).resolve());

    assertThat(settings.events().overKafka()).isTrue();
    assertThat(settings.events().bootstrapServers()).isEqualTo("10.0.0.5:9092");
    assertThat(settings.events().topic()).isEqualTo("ksql_motion_events");
    assertThat(settings.events().zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(settings.events().producerProperties())
        .isEqualTo(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"));
    assertThat(AgentSettings.fromConfig(ConfigFactory.parseResources("agent-defaults.conf").resolve()).events().overKafka())
        .as("MQTT by default").isFalse();
    assertThatThrownBy(() -> MotionEvents.kafka("", "t")).hasMessageContaining("bootstrap-servers");
  }
}
