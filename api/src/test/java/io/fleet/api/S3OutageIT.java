package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedS3;
import io.fleet.infra.KafkaTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * S3 goes down in the middle of a burst from {@value #CAMERAS} cameras and comes back. Half the cameras
 * uploaded their clip (presigned, straight to S3) before the outage and report the motion during it:
 * Fleet cannot check the clip and must hold the report, not alert without it. The other half report the
 * motion during the outage and try to upload through Fleet, which answers 503 until S3 is back. Alerts
 * wait for their clip longer than the outage lasts, so none may go out unverified. Every camera also
 * sends a heartbeat during the outage: reports waiting for S3 must not hold them up, so every camera is
 * online while S3 is still down. After S3 returns: each camera's alert arrives exactly once, with its
 * clip verified. An outage longer than the clip-check patience ({@code fleet.clips.check-patience}) does
 * not withhold the alert for good: it goes out without the clip and is updated when S3 returns.
 */
class S3OutageIT {
  private static final int CAMERAS = 100;
  private static final byte[] CLIP = new byte[32 * 1024];

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aBurstDuringAnS3OutageRaisesEveryAlertOnceWithItsClipAfterS3Returns(
      TestServers servers, @TempDir Path dataDir, @TempDir Path s3Dir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    IntFunction<String> camera = i -> "outage-" + run + "-" + i;
    DataDirectory s3Home = DataDirectory.open(s3Dir);
    EmbeddedS3 s3 = EmbeddedS3.start(s3Home, "fleet-clips");
    try {
      var config = servers.config(dataDir, TestServers.uniqueSchema(), Map.of(
          "fleet.s3.endpoint", s3.endpoint(),
          "fleet.s3.access-key", s3.accessKey(),
          "fleet.s3.secret-key", s3.secretKey(),
          // Longer than the outage: an alert may only go out with its clip.
          "fleet.motion.clip-wait", "5m"));
      try (FleetApp app = FleetApp.start(config);
          AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        HttpClient http = HttpClient.newHttpClient();
        Map<Integer, String> passwords = new HashMap<>();
        for (int i = 0; i < CAMERAS; i++) {
          var registered = api.post("/api/devices", "{\"deviceId\": \"" + camera.apply(i) + "\", \"type\": \"camera\", \"household\": \"h-outage-" + run + "\"}");
          assertThat(registered.status()).as(registered.text()).isEqualTo(201);
          passwords.put(i, registered.body().get("mqtt").get("password").asText());
        }
        // Even cameras: the clip goes straight to S3 before the outage.
        Map<Integer, String> presignedClips = new HashMap<>();
        for (int i = 0; i < CAMERAS; i += 2) {
          presignedClips.put(i, uploadPresigned(http, app, camera.apply(i), passwords.get(i)));
        }

        s3.close();
        long outageBegan = System.nanoTime();
        Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
        // Odd cameras first: their reports name clips Fleet has not seen, so they reach the devices at once.
        for (int i = 1; i < CAMERAS; i += 2) {
          TestMqtt.publish(mqtt, "fleet/" + camera.apply(i) + "/motion", motion(i, "clip-" + i));
        }
        for (int i = 0; i < CAMERAS; i += 2) {
          TestMqtt.publish(mqtt, "fleet/" + camera.apply(i) + "/motion", motion(i, presignedClips.get(i)));
        }
        for (int i = 0; i < CAMERAS; i++) {
          TestMqtt.publish(mqtt, "fleet/" + camera.apply(i) + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 90, \"interval_s\": 600}");
        }
        await("the outage in /metrics").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> api.get("/metrics").text().contains("fleet_s3_available 0.0"));
        for (int i = 1; i < 10; i += 2) {
          HttpResponse<String> refused = putThroughFleet(http, app, camera.apply(i), passwords.get(i), i);
          assertThat(refused.statusCode()).as("an upload while S3 is down: %s", refused.body()).isEqualTo(503);
          assertThat(refused.body()).contains("clip store unavailable");
          assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }
        await("the odd cameras' motion recorded during the outage").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> motionStarted(api, run) >= CAMERAS / 2);
        await("every heartbeat counted while S3 is down").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> api.statuses("household=h-outage-" + run).values().stream().filter("online"::equals).count() == CAMERAS);
        assertThat(api.get("/metrics").text()).as("reports waiting for S3 go back on their topic")
            .containsPattern("fleet_motion_requeued_total [1-9]");
        assertThat(alertsOf(kafka, run)).as("alerts while S3 is down: none may go out without its clip").isEmpty();

        s3 = EmbeddedS3.start(s3Home, "fleet-clips");
        long s3Back = System.nanoTime();
        for (int i = 1; i < CAMERAS; i += 2) {
          int cam = i;
          await("camera " + i + "'s upload once S3 is back").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
              .until(() -> putThroughFleet(http, app, camera.apply(cam), passwords.get(cam), cam).statusCode() == 201);
        }
        await("every camera's alert").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
            .until(() -> alertsOf(kafka, run).size() >= CAMERAS);
        List<JsonNode> alerts = alertsOf(kafka, run);
        System.out.printf("S3OutageIT: outage %d ms; uploads and all alerts %d ms after S3 came back%n",
            (s3Back - outageBegan) / 1_000_000, (System.nanoTime() - s3Back) / 1_000_000);
        // The records of an alert that went out more than once, with their revisions, for a look after a failure.
        Map<String, List<String>> records = new HashMap<>();
        for (JsonNode a : alerts) {
          records.computeIfAbsent(a.get("alert_id").asText(), id -> new ArrayList<>()).add(a.toString());
        }
        records.values().removeIf(same -> same.size() == 1);
        assertThat(alerts).extracting(a -> a.get("alert_id").asText()).as("one alert per camera, none twice; twice: %s", records)
            .containsExactlyInAnyOrderElementsOf(IntStream.range(0, CAMERAS).mapToObj(i -> camera.apply(i) + ":m-" + i).toList());
        assertThat(alerts).allSatisfy(a -> {
          assertThat(a.get("clip_verified").asBoolean()).as(a.toString()).isTrue();
          assertThat(a.get("kind").asText()).isEqualTo("motion");
        });
        assertThat(api.get("/metrics").text()).contains("fleet_s3_available 1.0");
        mqtt.disconnect();
      }
    } finally {
      s3.close();
    }
  }

  @Test
  void aReportWaitingForS3LongerThanThePatienceAlertsWithoutItsClipAndTheAlertGetsItWhenS3Returns(
      @TempDir Path dataDir, @TempDir Path s3Dir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String camera = "patient-" + run;
    DataDirectory s3Home = DataDirectory.open(s3Dir);
    EmbeddedS3 s3 = EmbeddedS3.start(s3Home, "fleet-clips");
    try {
      var config = TestServers.all().findFirst().orElseThrow().config(dataDir, TestServers.uniqueSchema(), Map.of(
          "fleet.s3.endpoint", s3.endpoint(),
          "fleet.s3.access-key", s3.accessKey(),
          "fleet.s3.secret-key", s3.secretKey(),
          "fleet.clips.check-patience", "8s",
          "fleet.motion.clip-wait", "1s"));
      try (FleetApp app = FleetApp.start(config);
          AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        HttpClient http = HttpClient.newHttpClient();
        var registered = api.post("/api/devices", "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\", \"household\": \"h-" + run + "\"}");
        assertThat(registered.status()).as(registered.text()).isEqualTo(201);
        String password = registered.body().get("mqtt").get("password").asText();
        String clipId = uploadPresigned(http, app, camera, password);

        s3.close();
        Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
        TestMqtt.publish(mqtt, "fleet/" + camera + "/motion", motion(0, clipId));
        await("the alert without its clip, S3 still down").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> !motionAlerts(kafka, camera).isEmpty());
        JsonNode first = motionAlerts(kafka, camera).get(0);
        assertThat(first.get("clip_verified").asBoolean()).as(first.toString()).isFalse();
        String metrics = api.get("/metrics").text();
        assertThat(metrics).containsPattern("fleet_motion_requeued_total [1-9]").containsPattern("fleet_motion_unchecked_total 1");

        s3 = EmbeddedS3.start(s3Home, "fleet-clips");
        await("the alert updated with its clip once S3 is back").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> motionAlerts(kafka, camera).stream().anyMatch(a -> a.get("clip_verified").asBoolean()));
        List<JsonNode> alerts = motionAlerts(kafka, camera);
        assertThat(alerts).extracting(a -> a.get("alert_id").asText()).as("one alert, then its update").containsOnly(first.get("alert_id").asText());
        JsonNode updated = alerts.get(alerts.size() - 1);
        assertThat(updated.get("clip_id").asText()).isEqualTo(clipId);
        assertThat(updated.get("revision").asInt()).isGreaterThan(first.get("revision").asInt());
        mqtt.disconnect();
      }
    } finally {
      s3.close();
    }
  }

  /** The camera uploads a clip straight to S3 with a presigned URL from Fleet; returns the clip's id. */
  private static String uploadPresigned(HttpClient http, FleetApp app, String camera, String password) throws Exception {
    HttpResponse<String> issued = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + camera + "/clips"))
        .header("Authorization", ApiClient.basic(camera, password))
        .POST(HttpRequest.BodyPublishers.ofString("{\"length\": " + CLIP.length + ", \"contentType\": \"video/mp4\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
    JsonNode upload = Json.MAPPER.readTree(issued.body());
    HttpResponse<String> stored = http.send(HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
        .header("Content-Type", "video/mp4").PUT(HttpRequest.BodyPublishers.ofByteArray(CLIP)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    return upload.get("clipId").asText();
  }

  private static List<JsonNode> motionAlerts(AlertsTopic kafka, String camera) {
    return kafka.all().stream().filter(seen -> camera.equals(seen.key())).map(AlertsTopic.Seen::alert)
        .filter(a -> a.get("kind").asText().equals("motion")).toList();
  }

  private static String motion(int i, String clipId) {
    return "{\"event_id\": \"m-" + i + "\", \"ts\": \"" + Instant.now() + "\", \"clip_id\": \"" + clipId + "\"}";
  }

  private static HttpResponse<String> putThroughFleet(HttpClient http, FleetApp app, String camera, String password, int i)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + camera + "/clips/clip-" + i))
        .header("Authorization", ApiClient.basic(camera, password))
        .header("Content-Type", "video/mp4")
        .timeout(Duration.ofSeconds(60))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(CLIP)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long motionStarted(ApiClient api, String run) {
    JsonNode items = api.get("/api/events?type=motion_started&limit=500").body().get("items");
    long n = 0;
    for (JsonNode item : items) {
      if (item.get("deviceId").asText().startsWith("outage-" + run + "-")) n++;
    }
    return n;
  }

  /** Every motion alert seen so far for these cameras. */
  private static List<JsonNode> alertsOf(AlertsTopic kafka, String run) {
    return kafka.all().stream().filter(seen -> seen.key() != null && seen.key().startsWith("outage-" + run + "-")).map(AlertsTopic.Seen::alert)
        .filter(a -> a.get("kind").asText().equals("motion")).toList();
  }
}
