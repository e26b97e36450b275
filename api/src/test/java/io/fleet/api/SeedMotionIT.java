package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.infra.KafkaTopics;
import io.fleet.media.ClipStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed's path: a device that already put its clip into Fleet's bucket sends the seed's motion JSON,
 * unchanged, on {@code ksql_motion_events}. Exactly one alert reaches {@code fleet.alerts}, with the
 * seed's fields and {@code clip_verified: true}; the same record again raises none; the unknown device
 * was registered from the record (self-registration through the seed topic switched on); a foreign URL is
 * passed on as given, unverified; both events are found by event search. By default the seed topic speaks
 * only for registered devices, and only a clip under the device's own prefix counts as its clip.
 */
class SeedMotionIT {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aSeedRecordWhoseClipIsInTheBucketRaisesOneVerifiedAlertAndItsRedeliveryNone(TestServers servers,
      @TempDir Path dataDir) throws Exception {
    String deviceId = Long.toString(Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L));
    // A short quiet period and no cooldown, so that the marker event below is an episode of its own.
    var config = servers.config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.motion.cooldown", "0s", "fleet.motion.quiet-period", "300ms", "fleet.kafka.seed-self-registration", true));
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      String seedTopic = KafkaTopics.Names.from(config).motionEvents();
      ClipStore clips = app.node().clips();
      String key = ClipStore.keyFor(deviceId, "yard-1.mp4", Instant.now());
      byte[] clip = new byte[64 * 1024];
      Source.single(ByteString.fromArray(clip))
          .runWith(clips.upload(key, ContentTypes.create(MediaTypes.VIDEO_MP4)), app.node().system())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      String record = seed(1700000001L, deviceId, clips.urlOf(key));

      kafka.produce(seedTopic, null, record);
      await("one alert").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(deviceId).size() == 1);
      JsonNode alert = kafka.of(deviceId).get(0).alert();
      assertThat(alert.get("alert_id").asText()).isEqualTo(deviceId + ":1700000001");
      assertThat(alert.get("kind").asText()).isEqualTo("motion");
      assertThat(alert.get("clip_verified").asBoolean()).isTrue();
      assertThat(alert.get("url").asText()).isEqualTo(clips.urlOf(key));
      assertThat(alert.get("device_name").asText()).isEqualTo("description of yard camera");
      assertThat(alert.get("device_type").asText()).isEqualTo("camera");
      assertThat(alert.get("time").asText()).isEqualTo("2026-11-23 21:00:00");
      assertThat(alert.get("message").asText()).isEqualTo("motion was detected");
      assertThat(alert.get("state").asText()).isEqualTo("open");

      kafka.produce(seedTopic, null, record);
      // A later event of the same device with a foreign URL: once its alert is out, the redelivery
      // before it (same device, same journal, same partition) has been handled and published nothing.
      kafka.produce(seedTopic, null, seed(1700000002L, deviceId, "https://elsewhere.example/0-yard.mp4"));
      await("the marker's alert").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(deviceId).size() >= 2);
      List<JsonNode> alerts = kafka.of(deviceId).stream().map(AlertsTopic.Seen::alert).toList();
      assertThat(alerts).extracting(a -> a.get("alert_id").asText())
          .containsExactly(deviceId + ":1700000001", deviceId + ":1700000002");
      assertThat(alerts.get(1).get("clip_verified").asBoolean()).isFalse();
      assertThat(alerts.get(1).get("url").asText()).isEqualTo("https://elsewhere.example/0-yard.mp4");

      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await("the alerts counted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> api.get("/metrics").text().contains("fleet_alerts_published_total{kind=\"motion\"} 2.0"));
      JsonNode device = api.get("/api/devices/" + deviceId).body();
      assertThat(device.get("type").asText()).isEqualTo("camera");
      assertThat(device.get("name").asText()).isEqualTo("description of yard camera");

      // The seed's pull query: the device's motion events, searchable with their clips.
      await("the motion events in the log").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> api.get("/api/events?type=motion_started&deviceId=" + deviceId).body().get("items").size() == 2);
      JsonNode events = api.get("/api/events?type=motion_started&deviceId=" + deviceId).body().get("items");
      assertThat(events.get(0).get("detail").get("eventId").asText()).isEqualTo("1700000001");
      assertThat(events.get(1).get("detail").get("url").asText()).isEqualTo("https://elsewhere.example/0-yard.mp4");
    }
  }

  @Test
  void byDefaultTheSeedTopicRaisesAlertsOnlyForRegisteredDevicesAndOnlyWithTheirOwnClips(@TempDir Path dataDir)
      throws Exception {
    String stranger = Long.toString(Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L));
    String registered = Long.toString(Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L));
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of());
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.post("/api/devices", "{\"deviceId\": \"" + registered + "\", \"type\": \"camera\"}").status())
          .isEqualTo(201);
      // Another device's clip in the bucket: the registered device names it by URL.
      ClipStore clips = app.node().clips();
      String othersKey = ClipStore.keyFor(stranger, "theirs.mp4", Instant.now());
      Source.single(ByteString.fromArray(new byte[4096]))
          .runWith(clips.upload(othersKey, ContentTypes.create(MediaTypes.VIDEO_MP4)), app.node().system())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      String seedTopic = KafkaTopics.Names.from(config).motionEvents();

      kafka.produce(seedTopic, null, seed(1700000011L, stranger, "https://elsewhere.example/s.mp4"));
      kafka.produce(seedTopic, null, seed(1700000012L, registered, clips.urlOf(othersKey)));

      await("the registered device's alert").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> kafka.of(registered).size() == 1);
      JsonNode alert = kafka.of(registered).get(0).alert();
      assertThat(alert.get("clip_verified").asBoolean()).as("another device's clip is not its clip").isFalse();
      assertThat(alert.get("url").asText()).isEqualTo(clips.urlOf(othersKey));
      await("the stranger's record dead-lettered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> api.get("/metrics").text().contains("fleet_dead_letters_total{reason=\"unknown-device\"} 1.0"));
      assertThat(kafka.of(stranger)).isEmpty();
      assertThat(api.get("/api/devices/" + stranger).status()).isEqualTo(404);
    }
  }

  /** The seed article's record, with its integer event and device ids. */
  private static String seed(long eventId, String deviceId, String url) {
    return "{\"event_id\": " + eventId + ", \"device_id\": " + deviceId + ", \"device_name\": \"description of yard camera\","
        + " \"device_type\": \"camera\", \"url\": \"" + url + "\", \"time\": \"2026-11-23 21:00:00\","
        + " \"message\": \"motion was detected\"}";
  }
}
