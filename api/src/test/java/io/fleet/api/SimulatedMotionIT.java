package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.agent.sim.MotionEventSent;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.agent.sim.VirtualDevice;
import io.fleet.agent.sim.camera.SampleClip;
import io.fleet.credentials.DerivedPasswords;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated cameras with motion episodes against a running Fleet: each uploads a real MP4 clip through the
 * presigned URL (S3 first), then publishes the motion event naming it. Fleet raises each camera's motion
 * alert with the clip verified (HEAD-checked in S3 when the event arrived), and the clip it plays back is
 * the one uploaded, an MP4 a browser can play.
 */
class SimulatedMotionIT {
  private static final String SECRET = "simulated-motion-it";
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void camerasUploadTheirClipFirstAndFleetRaisesMotionAlertsWithTheClipVerified(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.device-secret", SECRET)))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String prefix = "mo-" + UUID.randomUUID().toString().substring(0, 6) + "-";
      try (SimulatedFleet fleet = SimulatedFleet.builder()
          .mqtt(app.node().endpoints().mqttUrl())
          .credentials(new DerivedPasswords(SECRET)::passwordFor)
          .cameras(3).sensors(2).idPrefix(prefix)
          .heartbeatInterval(Duration.ofSeconds(1))
          .motion(app.baseUrl(), Duration.ofSeconds(3))
          .start()) {
        List<VirtualDevice> cameras = fleet.devices().stream().filter(d -> d.id().compareTo(prefix + "0003") < 0).toList();
        await("a motion event from every camera").atMost(Duration.ofSeconds(90))
            .until(() -> cameras.stream().allMatch(c -> !c.motionEvents().isEmpty()));
        assertThat(fleet.devices()).filteredOn(d -> !cameras.contains(d)).allSatisfy(d -> assertThat(d.motionEvents()).isEmpty());

        byte[] clip = SampleClip.bytes();
        assertThat(new String(Arrays.copyOfRange(clip, 4, 8), StandardCharsets.US_ASCII)).as("an MP4").isEqualTo("ftyp");
        for (VirtualDevice camera : cameras) {
          MotionEventSent first = camera.motionEvents().get(0);
          await("the motion alert of " + camera.id()).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
              .until(() -> motionAlert(api, camera.id()) != null && motionAlert(api, camera.id()).path("clipVerified").asBoolean());
          JsonNode alert = motionAlert(api, camera.id());
          assertThat(alert.get("clipId").asText()).isEqualTo(first.clipId());
          assertThat(alert.get("eventId").asText()).isEqualTo(first.eventId());

          HttpResponse<String> redirect = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/clips/" + first.clipId()))
              .header("Authorization", "Bearer " + app.operatorToken()).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(redirect.statusCode()).isEqualTo(302);
          HttpResponse<byte[]> stored = http.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow()))
              .build(), HttpResponse.BodyHandlers.ofByteArray());
          assertThat(stored.body()).as("the clip in S3 is the one uploaded").isEqualTo(clip);
        }
        assertThat(fleet.stats().motion().clipsUploaded()).isGreaterThanOrEqualTo(cameras.size());
      }
    }
  }

  /** The camera's oldest motion alert, or null. */
  private static JsonNode motionAlert(ApiClient api, String deviceId) {
    JsonNode items = api.get("/api/alerts?deviceId=" + deviceId + "&kind=motion").body().path("items");
    return items.size() == 0 ? null : items.get(items.size() - 1);
  }
}
