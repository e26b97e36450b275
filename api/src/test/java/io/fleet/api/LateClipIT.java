package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A camera that uploads straight to S3 with a presigned URL, slower than its motion event: the alert goes
 * out after the clip wait without the clip ({@code clip_verified: false}), and once the upload lands an
 * update of the same alert follows with the clip verified.
 */
class LateClipIT {

  @Test
  void anAlertThatWentOutWithoutItsClipIsUpdatedWhenTheDirectUploadArrives(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
            .config(dataDir, TestServers.uniqueSchema(), Map.of("fleet.motion.clip-wait", "2s")));
         AlertsTopic alerts = new AlertsTopic(app.node().endpoints().kafkaBootstrap(),
             app.node().system().settings().config().getString("fleet.kafka.topics.alerts"))) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(operator.post("/api/devices", "{\"deviceId\":\"garden-cam\",\"type\":\"camera\",\"household\":\"h-a\"}").status())
          .isEqualTo(201);
      byte[] clip = new byte[100_000];
      new Random(5).nextBytes(clip);
      JsonNode slot = operator.post("/api/devices/garden-cam/clips", "{\"length\": " + clip.length + "}").body();
      String clipId = slot.get("clipId").asText();

      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      TestMqtt.publish(mqtt, "fleet/garden-cam/motion",
          "{\"event_id\": \"m-1\", \"ts\": \"" + Instant.now() + "\", \"clip_id\": \"" + clipId + "\"}");
      mqtt.disconnect();
      JsonNode unverified = await("the alert without its clip").atMost(Duration.ofSeconds(30))
          .until(() -> alerts.of("garden-cam"), seen -> !seen.isEmpty()).get(0).alert();
      assertThat(unverified.get("clip_verified").asBoolean()).isFalse();

      HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(slot.get("url").asText()))
          .header("Content-Type", "video/mp4").PUT(HttpRequest.BodyPublishers.ofByteArray(clip)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

      JsonNode updated = await("the update with the clip").atMost(Duration.ofSeconds(60)).until(() -> alerts.of("garden-cam"),
          seen -> seen.size() >= 2).get(1).alert();
      assertThat(updated.get("alert_id").asText()).isEqualTo(unverified.get("alert_id").asText());
      assertThat(updated.get("revision").asInt()).isEqualTo(1);
      assertThat(updated.get("clip_verified").asBoolean()).isTrue();
      assertThat(updated.get("clip_id").asText()).isEqualTo(clipId);
      List<AlertsTopic.Seen> all = alerts.of("garden-cam");
      assertThat(all).hasSize(2);
    }
  }
}
