package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.frames.FrameHeaders;
import io.fleet.frames.FrameSettings;
import io.fleet.infra.KafkaTopics;
import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.clip.ClipRecorder;
import io.fleet.vision.detect.MotionDetector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.stream.connectors.s3.ObjectMetadata;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.assertj.core.data.Offset;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.containers.mp4.demuxer.MP4Demuxer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cameras without local detection: ten cameras stream JPEG frames to {@code fleet.frames} at 10 fps, each
 * with two scripted motion episodes. Fleet runs the edge agent's detector on them and raises exactly one
 * motion alert per episode per camera, each with {@code clip_verified: true} and a clip in the bucket that
 * is an H.264 MP4 (content type, boxes) with exactly the frames the same detector and recorder cut from the
 * same JPEGs here in the test — which it only does when it saw every frame, in order; one clip plays in
 * headless Chromium. Frames out of order or missing, a camera whose frames are old (lagging) and malformed
 * frames show in metrics and the dead letters. And a clip under way when Fleet stops is cut again from
 * Kafka after the restart (its frames were not committed), with one alert.
 */
class CameraFramesIT {
  private static final int CAMERAS = 10;
  private static final double FPS = 10;
  // Small frames keep the clip encoding (pure-Java H.264, ~16 fps at 640x480 on one core) within the IT's time.
  private static final int WIDTH = 160;
  private static final int HEIGHT = 120;
  private static final int FRAMES = 180;

  /** A camera's frames as it sends them, and the clips the shared detector and recorder cut from them. */
  private record Camera(String id, List<byte[]> jpegs, List<Clip> clips) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void tenCamerasStreamingFramesRaiseOneVerifiedAlertPerEpisodeWithItsClip(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    // Episodes 7 s apart: a 3 s quiet period and cooldown make each its own alert.
    var config = servers.config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.motion.quiet-period", "3s", "fleet.motion.cooldown", "3s"));
    FrameSettings settings = FrameSettings.fromConfig(config.getConfig("fleet"));
    List<Camera> cameras = new ArrayList<>();
    for (int i = 0; i < CAMERAS; i++) {
      cameras.add(camera("fcam-" + run + "-" + i, i, settings, dataDir));
    }
    for (Camera camera : cameras) {
      assertThat(camera.clips()).as("the script of %s has two detected episodes", camera.id()).hasSize(2);
    }

    try (FleetApp app = FleetApp.start(config);
        AlertsTopic alerts = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts());
        KafkaProducer<String, byte[]> producer = producer(app.node().endpoints().kafkaBootstrap())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      for (Camera camera : cameras) {
        assertThat(api.post("/api/devices", "{\"deviceId\": \"" + camera.id() + "\", \"type\": \"camera\", \"household\": \"h-"
            + run + "\"}").status()).isEqualTo(201);
      }
      String topic = settings.topic();

      // Every camera sends its frame n at t0 + n × 100 ms, in real time, stamped so.
      long t0 = System.currentTimeMillis();
      CompletableFuture<Void> streamed = RealTime.every(Duration.ofMillis(Math.round(1000 / FPS)), FRAMES, n -> {
        for (Camera camera : cameras) {
          producer.send(frame(topic, camera.id(), n, t0 + Math.round(n * 1000 / FPS), camera.jpegs().get(n)));
        }
      });

      // Meanwhile, bad input: frames out of order and missing, an old (lagging) camera, malformed frames.
      String odd = "fodd-" + run;
      assertThat(api.post("/api/devices", "{\"deviceId\": \"" + odd + "\", \"type\": \"camera\"}").status()).isEqualTo(201);
      byte[] jpeg = cameras.get(0).jpegs().get(0);
      long old = System.currentTimeMillis() - 60_000;
      for (long sequence : new long[] {0, 1, 2, 4, 3}) {
        producer.send(frame(topic, odd, sequence, old + sequence * 100, jpeg));
      }
      // A camera id nobody registered: its frames are looked at, but it gets no meters of its own.
      String madeUp = "fmadeup-" + run;
      for (long sequence = 0; sequence < 3; sequence++) producer.send(frame(topic, madeUp, sequence, t0 + sequence * 100, jpeg));
      producer.send(frame(topic, "fbad-" + run, 0, t0, "not a jpeg".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(topic, "fbare-" + run, jpeg));

      streamed.get(60, TimeUnit.SECONDS);
      producer.flush();

      await("two alerts per camera").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> cameras.stream().allMatch(c -> alerts.of(c.id()).size() >= 2));
      await("no further alert or revision").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20))
          .until(() -> cameras.stream().allMatch(c -> alerts.of(c.id()).size() == 2));

      for (Camera camera : cameras) {
        List<JsonNode> seen = alerts.of(camera.id()).stream().map(AlertsTopic.Seen::alert).toList();
        assertThat(seen).extracting(a -> a.get("alert_id").asText()).as(camera.id()).containsExactly(
            camera.id() + ":frames-" + (t0 + camera.clips().get(0).eventStartMillis()),
            camera.id() + ":frames-" + (t0 + camera.clips().get(1).eventStartMillis()));
        for (int e = 0; e < 2; e++) {
          JsonNode alert = seen.get(e);
          Clip expected = camera.clips().get(e);
          assertThat(alert.get("kind").asText()).isEqualTo("motion");
          assertThat(alert.get("clip_verified").asBoolean()).as(alert.toString()).isTrue();
          assertThat(alert.get("revision").asInt()).isZero();
          assertThat(alert.get("household").asText()).isEqualTo("h-" + run);
          assertThat(alert.get("clip_id").asText()).startsWith("frames-" + (t0 + expected.firstFrameMillis()) + "-");
          String key = app.node().clips().keyOf(alert.get("url").asText()).orElseThrow();
          assertThat(key).startsWith("clips/" + camera.id() + "/");
          assertPlayableMp4(app, key, expected.frames());
        }
      }

      if (Browser.available()) {
        String clipId = alerts.of(cameras.get(0).id()).get(0).alert().get("clip_id").asText();
        assertPlaysInChromium(app, clipId, cameras.get(0).clips().get(0).frames());
      }

      String metrics = api.get("/metrics").text();
      for (Camera camera : cameras) {
        assertThat(value(metrics, "fleet_frames_processed_total{camera=\"" + camera.id() + "\"}")).isEqualTo(FRAMES);
        assertThat(value(metrics, "fleet_frames_missing_total{camera=\"" + camera.id() + "\"}")).isZero();
        assertThat(metrics).doesNotContain("fleet_frames_dropped_total{camera=\"" + camera.id() + "\"");
      }
      await("the odd camera's frames looked at").atMost(Duration.ofSeconds(30))
          .until(() -> value(api.get("/metrics").text(), "fleet_frames_processed_total{camera=\"" + odd + "\"}") == 4);
      metrics = api.get("/metrics").text();
      assertThat(value(metrics, "fleet_frames_dropped_total{camera=\"" + odd + "\",reason=\"out-of-order\"}")).isEqualTo(1);
      assertThat(value(metrics, "fleet_frames_missing_total{camera=\"" + odd + "\"}")).isEqualTo(1);
      assertThat(value(metrics, "fleet_frame_lag_seconds{camera=\"" + odd + "\"}")).as("a lagging camera").isGreaterThan(50);
      assertThat(value(metrics, "fleet_frame_lag_seconds{camera=\"" + cameras.get(0).id() + "\"}")).isLessThan(30);
      assertThat(metrics).as("no meters for a camera nobody registered").doesNotContain("camera=\"" + madeUp + "\"");
      await("malformed frames dead-lettered").atMost(Duration.ofSeconds(30)).until(() -> {
        String m = api.get("/metrics").text();
        return value(m, "fleet_dead_letters_total{reason=\"malformed-frame\"}") == 1
            && value(m, "fleet_dead_letters_total{reason=\"invalid-message\"}") >= 1;
      });
    }
  }

  /**
   * Offsets are committed only once the frames behind them are done with: Fleet stops while a clip is being
   * recorded, so its frames (from the first pre-capture one) are read again after the restart, the clip is cut
   * again from them and the episode raises one alert, verified, with the whole clip.
   */
  @Test
  void aClipUnderWayWhenFleetStopsIsCutAgainFromKafkaAfterTheRestartAndAlertsOnce(@TempDir Path dataDir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    var config = new TestServers("embedded", null, null).config(dataDir, "restarted",
        Map.of("fleet.motion.quiet-period", "3s", "fleet.motion.cooldown", "3s"));
    FrameSettings settings = FrameSettings.fromConfig(config.getConfig("fleet"));
    Camera camera = camera("frestart-" + run, 0, settings, dataDir);
    Clip expected = camera.clips().get(0);
    int stopAfter = (int) (expected.eventStartMillis() / 100) + 10;
    long t0 = System.currentTimeMillis();
    String id = camera.id();
    try (FleetApp app = FleetApp.start(config);
        KafkaProducer<String, byte[]> producer = producer(app.node().endpoints().kafkaBootstrap())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.post("/api/devices", "{\"deviceId\": \"" + id + "\", \"type\": \"camera\"}").status()).isEqualTo(201);
      for (int n = 0; n <= stopAfter; n++) {
        producer.send(frame(settings.topic(), id, n, t0 + n * 100L, camera.jpegs().get(n)));
      }
      await("the frames up to a second into the episode looked at").atMost(Duration.ofSeconds(30)).until(() ->
          value(api.get("/metrics").text(), "fleet_frames_processed_total{camera=\"" + id + "\"}") == stopAfter + 1);
    }
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic alerts = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts());
        KafkaProducer<String, byte[]> producer = producer(app.node().endpoints().kafkaBootstrap())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      for (int n = stopAfter + 1; n < FRAMES; n++) {
        producer.send(frame(settings.topic(), id, n, t0 + n * 100L, camera.jpegs().get(n)));
      }
      producer.flush();
      String firstAlert = id + ":frames-" + (t0 + expected.eventStartMillis());
      String secondAlert = id + ":frames-" + (t0 + camera.clips().get(1).eventStartMillis());
      await("an alert for each of its two episodes and nothing more").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(alerts.of(id)).extracting(a -> a.alert().get("alert_id").asText() + "#"
              + a.alert().get("revision").asText()).containsExactlyInAnyOrder(firstAlert + "#0", secondAlert + "#0"));
      // Only frames after the stop were sent again; the ones from the clip's first frame on were read again.
      long fromClip = FRAMES - expected.firstFrameMillis() / 100;
      await("the clip's frames read again").atMost(Duration.ofSeconds(30)).until(() ->
          value(api.get("/metrics").text(), "fleet_frames_processed_total{camera=\"" + id + "\"}") >= fromClip);
      JsonNode alert = alerts.of(id).stream().map(AlertsTopic.Seen::alert)
          .filter(a -> a.get("alert_id").asText().equals(firstAlert)).findFirst().orElseThrow();
      assertThat(alert.get("clip_verified").asBoolean()).isTrue();
      String key = app.node().clips().keyOf(alert.get("url").asText()).orElseThrow();
      assertPlayableMp4(app, key, expected.frames());
    }
  }

  /**
   * Renders a camera's scene (quiet, an object crossing for 2.5 s, 4.5 s quiet, another for 2.5 s, quiet),
   * encodes each frame as JPEG and runs the shared detector and clip recorder on the decoded JPEGs, as
   * Fleet will, with an encoder that does nothing. Times count from the first frame (the detector only
   * looks at differences); the frames are sent stamped from the time streaming starts.
   */
  private static Camera camera(String id, int index, FrameSettings settings, Path dir) throws Exception {
    int first = 30 + 2 * index;
    int second = 100 + index;
    List<MovingObject> objects = List.of(
        new MovingObject(first, first + 24, 25, 30, 10, 65, 3, 0, 0x202428),
        new MovingObject(second, second + 24, 30, 25, 125, 20, -3, 0.5, 0xE0E0D0));
    SyntheticScene scene = new SyntheticScene(new Script(WIDTH, HEIGHT, FPS, FRAMES, 1000 + index, 3, objects, List.of(), null));
    MotionDetector detector = new MotionDetector(settings.detector(), WIDTH, HEIGHT);
    ClipRecorder recorder = new ClipRecorder(settings.clips(dir), (frames, fps, target) -> {}, Runnable::run);
    List<byte[]> jpegs = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (int n = 0; n < FRAMES; n++) {
      ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
      ImageIO.write(scene.next().orElseThrow().toImage(), "jpg", jpeg);
      jpegs.add(jpeg.toByteArray());
      Frame decoded = Frame.of(n, Math.round(n * 1000 / FPS), ImageIO.read(new ByteArrayInputStream(jpeg.toByteArray())));
      recorder.accept(decoded, detector.detect(decoded)).ifPresent(clip -> clips.add(clip.join()));
    }
    return new Camera(id, jpegs, clips);
  }

  private static ProducerRecord<String, byte[]> frame(String topic, String camera, long sequence, long time, byte[] jpeg) {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, camera, jpeg);
    FrameHeaders.put(record.headers(), camera, sequence, time);
    return record;
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** The object is a video/mp4 in the bucket: an MP4 (ftyp, moov) whose H.264 track holds {@code frames} frames. */
  private static void assertPlayableMp4(FleetApp app, String key, int frames) throws Exception {
    String bucket = app.node().endpoints().s3Bucket();
    ObjectMetadata head = S3.getObjectMetadata(bucket, key).runWith(Sink.head(), app.node().system())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
    assertThat(head.getContentType()).contains("video/mp4");
    byte[] bytes = S3.getObject(bucket, key).runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), app.node().system())
        .toCompletableFuture().get(30, TimeUnit.SECONDS).toArray();
    String boxes = new String(bytes, StandardCharsets.ISO_8859_1);
    assertThat(boxes.substring(4, 8)).isEqualTo("ftyp");
    assertThat(boxes).contains("moov").contains("avc1");
    MP4Demuxer mp4 = MP4Demuxer.createMP4Demuxer(ByteBufferSeekableByteChannel.readFromByteBuffer(ByteBuffer.wrap(bytes)));
    assertThat(mp4.getVideoTracks()).hasSize(1);
    assertThat(mp4.getVideoTracks().get(0).getMeta().getTotalFrames()).as("frames of clip " + key).isEqualTo(frames);
  }

  /** The clip plays in headless Chromium through {@code GET /api/clips/{clipId}}, as long as its frames at 10 fps. */
  private static void assertPlaysInChromium(FleetApp app, String clipId, int frames) throws Exception {
    try (Browser browser = new Browser(400, 300)) {
      browser.driver.get(app.baseUrl() + "/api/health");
      browser.js("const v = document.createElement('video'); v.id = 'clip'; v.muted = true; v.src = arguments[0];"
          + " document.body.appendChild(v); v.play();", app.baseUrl() + "/api/clips/" + clipId + "?access_token=" + app.operatorToken());
      await("the clip plays").atMost(Duration.ofSeconds(30)).until(() -> {
        List<?> state = (List<?>) browser.js("const v = document.getElementById('clip');"
            + " return [v.readyState, v.duration, v.error ? v.error.code : 0, v.currentTime];");
        assertThat(((Number) state.get(2)).intValue()).as("media error").isZero();
        return ((Number) state.get(0)).intValue() >= 2 && ((Number) state.get(3)).doubleValue() > 0;
      });
      double duration = ((Number) browser.js("return document.getElementById('clip').duration;")).doubleValue();
      assertThat(duration).isCloseTo(frames / FPS, Offset.offset(0.25));
    }
  }

  /** The value of one series in Prometheus text, 0 when absent. */
  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
