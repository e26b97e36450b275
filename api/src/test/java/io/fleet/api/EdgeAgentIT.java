package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.agent.edge.AgentSettings;
import io.fleet.agent.edge.EdgeAgent;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent against a running Fleet while its broker is unreachable for 30 s: it keeps detecting
 * motion, queues events and clips on disk, and once the broker is back delivers every one, in order,
 * each clip in the bucket before its event names it. The broker is taken away by cutting a TCP relay
 * between agent and broker, so Fleet's own bridge keeps running.
 */
class EdgeAgentIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DOWN = Duration.ofSeconds(30);

  @Test
  void aBrokerDownFor30SecondsLosesNoEventOrClipAndEachClipPrecedesItsEvent(@TempDir Path dataDir, @TempDir Path agentDir)
      throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      Endpoints e = app.node().endpoints();
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      JsonNode registered = operator.post("/api/devices", "{\"deviceId\":\"edge-cam\",\"type\":\"camera\",\"household\":\"h-a\"}").body();
      String password = registered.path("mqtt").path("password").asText();
      URI broker = URI.create(e.mqttUrl());
      try (TcpProxy relay = new TcpProxy(broker.getHost(), broker.getPort())) {
        AgentSettings settings = new AgentSettings("edge-cam", password, URI.create("tcp://127.0.0.1:" + relay.port()),
            URI.create(app.baseUrl()), "h-a", "agent-it", Duration.ofSeconds(5),
            new AgentSettings.Source("synthetic", "", 10, 640, 480, 5, 3, 2.0),
            DetectorSettings.defaults().withIgnore(List.of(SceneScripts.swayRegion(640, 480))),
            new ClipSettings(10, 10, 250, 10, 4, agentDir.resolve("encoding")),
            agentDir.resolve("outbox"), 512L * 1024 * 1024);
        relay.cut();
        Instant down = Instant.now();
        try (EdgeAgent agent = EdgeAgent.start(settings)) {
          await("motion detected and queued while the broker is away, for 30 s").atMost(DOWN.plusSeconds(60))
              .until(() -> agent.queued() >= 2 && Instant.now().isAfter(down.plus(DOWN)));
          assertThat(agent.delivered()).as("nothing could go out").isZero();
          relay.restore();

          agent.sourceEnded().get();
          await("every event delivered").atMost(Duration.ofSeconds(120))
              .until(() -> agent.queued() == 0 && agent.delivered() == agent.detected());
          assertThat(agent.detected()).isGreaterThanOrEqualTo(3);
          assertThat(agent.droppedClips()).isZero();

          List<JsonNode> motion = motionEvents(e, app.node().ingestSettings().deviceEventsTopic(), (int) agent.detected());
          List<String> ids = motion.stream().map(m -> m.get("event_id").asText()).toList();
          assertThat(ids).as("in the order detected").isSortedAccordingTo((a, b) ->
              Long.compare(Long.parseLong(a.substring(a.lastIndexOf('-') + 1)), Long.parseLong(b.substring(b.lastIndexOf('-') + 1))));
          for (JsonNode m : motion) {
            assertThat(m.hasNonNull("clip_id")).as("event %s names its clip", m.get("event_id")).isTrue();
            // The clip table is the read side's: it follows the journal within moments.
            await("the clip of " + m.get("event_id") + " served").atMost(Duration.ofSeconds(30))
                .until(() -> List.of(200, 302).contains(operator.get("/api/clips/" + m.get("clip_id").asText()).status()));
          }
          await("the camera's motion alert with its clip verified").atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode items = operator.get("/api/alerts?deviceId=edge-cam&kind=motion").body().path("items");
            return items.size() >= 1 && items.get(items.size() - 1).path("clipVerified").asBoolean();
          });
        }
      }
    }
  }

  /** The motion records in Fleet's device-event topic, as the agent published them (at least {@code count}). */
  private static List<JsonNode> motionEvents(Endpoints e, String topic, int count) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (var r : TestKafka.awaitRecords(e.kafkaBootstrap(), topic, r -> "edge-cam".equals(r.key())
        && IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("motion"), count)) {
      out.add(JSON.readTree(r.value()));
    }
    return out;
  }
}
