package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.agent.edge.AgentSettings;
import io.fleet.agent.edge.EdgeAgent;
import io.fleet.infra.IngestHeaders;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent's outbox on a disk of its own (a small tmpfs) that fills up while Fleet's API is unreachable, so
 * events wait in it with their clips: the agent keeps detecting; an event detected on the full disk is queued all
 * the same (in memory) and goes without the clip the disk refused; the heartbeat reports the refused writes, and
 * Fleet shows them as the device's errors. Once the API is back and the disk has room, with no restart: the clips
 * are taken again, and every event is delivered — those queued before the disk filled with their clips.
 */
class OutboxDiskFullIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int OUTBOX_KB = 8192;

  @Test
  void aFullOutboxDiskStopsNeitherDetectionNorDeliveryLosesNoQueuedEventAndTakesClipsAgainOnceItHasRoom(
      @TempDir Path dataDir, @TempDir Path agentDir) throws Exception {
    Path outbox = Files.createDirectories(agentDir.resolve("outbox"));
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + OUTBOX_KB + "k", "tmpfs", outbox.toString()) == 0,
        "needs to mount a tmpfs (root)");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      JsonNode registered = operator.post("/api/devices", "{\"deviceId\":\"full-cam\",\"type\":\"camera\",\"household\":\"h-a\"}").body();
      URI fleet = URI.create(app.baseUrl());
      try (TcpProxy api = new TcpProxy(fleet.getHost(), fleet.getPort())) {
        AgentSettings settings = new AgentSettings("full-cam", registered.at("/mqtt/password").asText(),
            URI.create(app.node().endpoints().mqttUrl()), URI.create("http://127.0.0.1:" + api.port()), "h-a", "agent-it",
            Duration.ofSeconds(1), new AgentSettings.Source("synthetic", "", 10, 640, 480, 10, 3, 3.0),
            DetectorSettings.defaults().withIgnore(List.of(SceneScripts.swayRegion(640, 480))),
            new ClipSettings(10, 10, 250, 10, 4, agentDir.resolve("encoding")), outbox, 512L * 1024 * 1024);
        // No clip can be uploaded: events wait in the outbox, each with its clip.
        api.cut();
        try (EdgeAgent agent = EdgeAgent.start(settings)) {
          await("two events queued with their clips").atMost(Duration.ofSeconds(60)).until(() -> queuedWithClips(outbox).size() >= 2);
          List<String> storedBeforeFull = queuedWithClips(outbox);
          Path filler = fill(outbox);
          long detectedBeforeFull = agent.detected();

          await("an event detected on the full disk, queued in memory only, its clip refused").atMost(Duration.ofSeconds(60))
              .until(() -> agent.detected() > detectedBeforeFull && agent.clipsNotStored() >= 1 && agent.outboxDiskFull());
          assertThat(agent.unsavedEntries()).as("events queued in memory only").isPositive();
          await("Fleet shows the refused writes as the camera's errors").atMost(Duration.ofSeconds(30))
              .until(() -> operator.get("/api/devices/full-cam").body().path("errors").asInt() >= 1);

          api.restore();
          Files.delete(filler);
          Instant roomAgain = Instant.now();
          agent.sourceEnded().get(120, TimeUnit.SECONDS);
          await("every event delivered").atMost(Duration.ofSeconds(120))
              .until(() -> agent.queued() == 0 && agent.delivered() == agent.detected());
          assertThat(agent.outboxDiskFull()).as("the disk took writes again").isFalse();
          assertThat(agent.unsavedEntries()).isZero();

          Map<String, JsonNode> motion = motionEvents(app, (int) agent.detected());
          assertThat(motion).as("each detected event, none lost").hasSize((int) agent.detected());
          for (String id : storedBeforeFull) {
            String clip = motion.get(id).path("clip_id").asText();
            assertThat(clip).as("event %s, queued with its clip before the disk filled, names it", id).isNotEmpty();
            assertThat(operator.get("/api/clips/" + clip).status()).as("its clip is stored").isIn(200, 302);
          }
          assertThat(motion.values()).as("events detected on the full disk went without their clips")
              .anyMatch(m -> !m.hasNonNull("clip_id"));
          assertThat(motion.values()).as("a clip recorded once the disk had room again, no restart between")
              .anyMatch(m -> m.hasNonNull("clip_id") && Instant.parse(m.path("ts").asText()).isAfter(roomAgain));
        }
      }
    } finally {
      if (run("umount", outbox.toString()) != 0) run("umount", "-l", outbox.toString());
    }
  }

  /** Event ids of the motion events in the outbox whose clips are stored there. */
  private static List<String> queuedWithClips(Path outbox) throws IOException {
    List<String> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(outbox)) {
      for (Path clip : files.filter(p -> p.getFileName().toString().endsWith(".mp4")).sorted().toList()) {
        Path entry = clip.resolveSibling(clip.getFileName().toString().replace(".mp4", ".json"));
        if (Files.exists(entry)) ids.add(JSON.readTree(entry.toFile()).at("/event/event_id").asText());
      }
    }
    return ids;
  }

  /** Writes a file until the disk has no space left; returns it. */
  private static Path fill(Path dir) throws IOException {
    Path filler = dir.resolve("filler");
    byte[] page = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) out.write(page);
    } catch (IOException full) {
      assertThat(full).hasMessageContaining("No space left on device");
    }
    return filler;
  }

  /** The camera's motion records in Fleet's device-event topic (at least {@code count}), by event id. */
  private static Map<String, JsonNode> motionEvents(FleetApp app, int count) throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    for (var r : TestKafka.awaitRecords(app.node().endpoints().kafkaBootstrap(), app.node().ingestSettings().deviceEventsTopic(),
        r -> "full-cam".equals(r.key()) && IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("motion"), count)) {
      JsonNode m = JSON.readTree(r.value());
      out.put(m.path("event_id").asText(), m);
    }
    return out;
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }
}
