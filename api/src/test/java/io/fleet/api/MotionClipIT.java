package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.KafkaTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MQTT devices' path, S3 first. A camera reports motion naming a clip, then streams that 24 MB
 * clip (generated on the fly, several multipart parts; {@link HeapCappedClipIT} sends 200 MB through a
 * node with a 96 MB heap) with {@code PUT /api/devices/{id}/clips/{clipId}}: the
 * alert goes out only after the last byte was sent and the object is in the bucket with the same bytes
 * (SHA-256), with {@code clip_verified: true}. Then a burst of 50 motion events from another camera
 * raises one alert, and a camera that uploads straight to S3 with a presigned URL gets a verified alert.
 */
class MotionClipIT {
  private static final long CLIP_BYTES = 24L * 1024 * 1024;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aStreamedClipIsStoredBeforeItsAlertAndABurstRaisesOneAlert(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String camera = "cam-" + run;
    String burst = "burst-" + run;
    // The alert waits up to a minute for its clip, so that it can only go out verified.
    var config = servers.config(dataDir, TestServers.uniqueSchema(), Map.of("fleet.motion.clip-wait", "60s"));
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      var registered = api.post("/api/devices", "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\", \"household\": \"h-" + run + "\"}");
      assertThat(registered.status()).isEqualTo(201);
      String password = registered.body().get("mqtt").get("password").asText();
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());

      TestMqtt.publish(mqtt, "fleet/" + camera + "/motion",
          "{\"event_id\": \"m-1\", \"ts\": \"" + Instant.now() + "\", \"score\": 0.9, \"clip_id\": \"big-1\"}");
      GeneratedClip clip = new GeneratedClip(CLIP_BYTES, 42);
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(
              URI.create(app.baseUrl() + "/api/devices/" + camera + "/clips/big-1"))
          .header("Authorization", ApiClient.basic(camera, password))
          .header("Content-Type", "video/mp4")
          .timeout(Duration.ofSeconds(120))
          .PUT(clip.body())
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
      String key = Json.MAPPER.readTree(put.body()).get("key").asText();

      await("the motion alert").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(camera).size() == 1);
      AlertsTopic.Seen seen = kafka.of(camera).get(0);
      assertThat(seen.polledAtNanos()).as("the alert came after the clip's last byte").isGreaterThan(clip.lastByteAtNanos());
      JsonNode alert = seen.alert();
      assertThat(alert.get("alert_id").asText()).isEqualTo(camera + ":m-1");
      assertThat(alert.get("clip_verified").asBoolean()).isTrue();
      assertThat(alert.get("clip_id").asText()).isEqualTo("big-1");
      assertThat(alert.get("url").asText()).endsWith("/" + key);
      assertThat(alert.get("household").asText()).isEqualTo("h-" + run);
      assertThat(sha256Of(app, key)).as("the stored clip's SHA-256 and length").isEqualTo(clip.sha256() + " " + CLIP_BYTES);

      for (int i = 0; i < 50; i++) {
        TestMqtt.publish(mqtt, "fleet/" + burst + "/motion", "{\"event_id\": \"b-" + i + "\", \"ts\": " + Instant.now().toEpochMilli() + "}");
      }
      // A low battery after the burst: its alert, on the same device and partition, comes after any of the burst's.
      TestMqtt.publish(mqtt, "fleet/" + burst + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 5}");
      await("the battery alert after the burst").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(burst).stream().anyMatch(s -> s.alert().get("kind").asText().equals("battery_low")));
      List<JsonNode> motion = kafka.of(burst).stream().map(AlertsTopic.Seen::alert)
          .filter(a -> a.get("kind").asText().equals("motion")).toList();
      assertThat(motion).extracting(a -> a.get("alert_id").asText()).containsExactly(burst + ":b-0");

      // A camera that uploads straight to S3 with a presigned URL, then reports the motion.
      String direct = "direct-" + run;
      String directPassword = api.post("/api/devices", "{\"deviceId\": \"" + direct + "\", \"type\": \"camera\"}")
          .body().get("mqtt").get("password").asText();
      HttpResponse<String> presigned = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + direct + "/clips"))
          .header("Authorization", ApiClient.basic(direct, directPassword))
          .POST(HttpRequest.BodyPublishers.ofString("{\"length\": 4096, \"contentType\": \"video/mp4\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(presigned.statusCode()).as(presigned.body()).isEqualTo(201);
      JsonNode upload = Json.MAPPER.readTree(presigned.body());
      HttpResponse<String> toS3 = http.send(HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
          .header("Content-Type", "video/mp4").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(toS3.statusCode()).as(toS3.body()).isEqualTo(200);
      String clipId = upload.get("clipId").asText();
      TestMqtt.publish(mqtt, "fleet/" + direct + "/motion", "{\"event_id\": \"d-1\", \"ts\": \"" + Instant.now() + "\", \"clip_id\": \"" + clipId + "\"}");
      await("the presigned clip's alert").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(direct).size() == 1);
      JsonNode directAlert = kafka.of(direct).get(0).alert();
      assertThat(directAlert.get("clip_verified").asBoolean()).isTrue();
      assertThat(directAlert.get("clip_id").asText()).isEqualTo(clipId);
      assertThat(directAlert.get("url").asText()).endsWith("/" + upload.get("key").asText());
      mqtt.disconnect();
    }
  }


  private static String sha256Of(FleetApp app, String key) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    AtomicLong length = new AtomicLong();
    S3.getObject(app.node().endpoints().s3Bucket(), key)
        .runWith(Sink.foreach(bytes -> {
          digest.update(bytes.toArray());
          length.addAndGet(bytes.size());
        }), app.node().system())
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    return HexFormat.of().formatHex(digest.digest()) + " " + length.get();
  }
}
