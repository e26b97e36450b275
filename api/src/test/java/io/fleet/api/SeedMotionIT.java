package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.infra.KafkaTopics;
import io.fleet.media.ClipStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  /**
   * The seed's pull query by the events' own time: motion events of 01:00 to 04:00 on 2026-11-20 for three
   * devices, sent today, are found by a search from 01:30 to 03:30 for two of them — filed under the time
   * they happened, with the time Fleet received them alongside; {@code timeField=received} finds them now.
   */
  @Test
  void seedEventsSentTodayAreFoundByTheTimeTheyHappened(@TempDir Path dataDir) throws Exception {
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.kafka.seed-self-registration", true, "fleet.motion.time-zone", "UTC"));
    Instant sent = Instant.now();
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      String seedTopic = KafkaTopics.Names.from(config).motionEvents();
      for (String device : List.of("7001", "7002", "7003")) {
        for (int hour = 1; hour <= 4; hour++) {
          kafka.produce(seedTopic, null, "{\"event_id\": " + (1763600000 + hour) + ", \"device_id\": " + device
              + ", \"device_name\": \"camera " + device + "\", \"device_type\": \"camera\", \"url\": \"https://elsewhere/"
              + hour + ".mp4\", \"time\": \"2026-11-20 0" + hour + ":00:00\", \"message\": \"motion was detected\"}");
        }
      }
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      // The seed's example: all four records of a device are one motion episode (they arrive together), each
      // found at its own time.
      String search = "/api/events?from=2026-11-20T01:30:00Z&to=2026-11-20T03:30:00Z&deviceId=7001,7003";
      await("the events of 02:00 and 03:00 of 7001 and 7003").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> api.get(search).body().get("items").size() == 4);
      JsonNode items = api.get(search).body().get("items");
      List<String> found = new ArrayList<>();
      items.forEach(item -> found.add(item.get("deviceId").asText() + "@" + item.get("at").asText()));
      assertThat(found).containsExactlyInAnyOrder("7001@2026-11-20T02:00:00Z", "7003@2026-11-20T02:00:00Z",
          "7001@2026-11-20T03:00:00Z", "7003@2026-11-20T03:00:00Z");
      assertThat(found).extracting(f -> f.substring(f.indexOf('@') + 1)).as("ordered by the time they happened")
          .containsExactly("2026-11-20T02:00:00Z", "2026-11-20T02:00:00Z", "2026-11-20T03:00:00Z", "2026-11-20T03:00:00Z");
      items.forEach(item -> assertThat(Instant.parse(item.get("receivedAt").asText())).isAfterOrEqualTo(sent.minusSeconds(1)));
      items.forEach(item -> assertThat(item.get("type").asText()).isEqualTo("motion_continued"));
      String byReceipt = "/api/events?timeField=received&deviceId=7002&from=" + sent.minusSeconds(1);
      await("7002's four motion events found by their receipt").atMost(Duration.ofSeconds(10)).until(() -> {
        JsonNode received = api.get(byReceipt).body().get("items");
        int motion = 0;
        for (JsonNode item : received) if (item.get("type").asText().startsWith("motion_")) motion++;
        return motion == 4;
      });
      assertThat(api.get("/api/events?timeField=sometime").status()).isEqualTo(400);
    }
  }

  /** The seed article's record, with its integer event and device ids. */
  private static String seed(long eventId, String deviceId, String url) {
    return "{\"event_id\": " + eventId + ", \"device_id\": " + deviceId + ", \"device_name\": \"description of yard camera\","
        + " \"device_type\": \"camera\", \"url\": \"" + url + "\", \"time\": \"2026-11-23 21:00:00\","
        + " \"message\": \"motion was detected\"}";
  }
}
