package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.frames.FrameSettings;
import io.fleet.infra.KafkaTopics;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seed 003's cameras work unchanged: a producer that does exactly what the seed's does — each frame as bare
 * JPEG bytes into its camera's partition of {@code VideoStreaming}, no key, no headers, the record's
 * timestamp set by the producer as it sends — three cameras at 10 fps, an object crossing only camera 2's
 * view. Fleet created the topic with three partitions, names partition 1's camera {@code CAMERA-2} as the
 * seed did, registers it as a camera with its motion, and raises one verified motion alert for it with its
 * clip stored in the bucket, and none for the other two.
 */
class SeedCamerasIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double FPS = 10;
  private static final int WIDTH = 160;
  private static final int HEIGHT = 120;
  private static final int FRAMES = 100;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void anObjectCrossingOneSeedCameraGivesOneVerifiedAlertForThatCameraAndNoneForTheOthers(TestServers servers,
      @TempDir Path dataDir) throws Exception {
    var config = servers.config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.motion.quiet-period", "3s", "fleet.motion.cooldown", "3s"));
    FrameSettings.Seed seed = FrameSettings.fromConfig(config.getConfig("fleet")).seed();
    assertThat(seed.topic()).isEqualTo("VideoStreaming");
    List<List<byte[]>> partitions = List.of(
        jpegs(List.of(), 1),
        jpegs(List.of(new MovingObject(30, 54, 25, 30, 10, 65, 3, 0, 0x202428)), 2),
        jpegs(List.of(), 3));

    try (FleetApp app = FleetApp.start(config);
        AlertsTopic alerts = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts());
        KafkaProducer<byte[], byte[]> producer = seedProducer(app.node().endpoints().kafkaBootstrap())) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(partitionsOf(app.node().endpoints().kafkaBootstrap(), seed.topic())).isEqualTo(3);

      // As the seed's producer: frame n of every camera now, in real time, into the camera's partition.
      RealTime.every(Duration.ofMillis(Math.round(1000 / FPS)), FRAMES, n -> {
        for (int partition = 0; partition < partitions.size(); partition++) {
          producer.send(new ProducerRecord<>(seed.topic(), partition, null, partitions.get(partition).get(n)));
        }
      }).get(60, TimeUnit.SECONDS);
      producer.flush();

      await("camera 2's alert, verified").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> !alerts.of("CAMERA-2").isEmpty());
      await("one alert, of camera 2 only").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(alerts.of("CAMERA-2")).hasSize(1);
        assertThat(alerts.of("CAMERA-1")).isEmpty();
        assertThat(alerts.of("CAMERA-3")).isEmpty();
      });
      JsonNode alert = alerts.of("CAMERA-2").get(0).alert();
      assertThat(alert.get("kind").asText()).isEqualTo("motion");
      assertThat(alert.get("clip_verified").asBoolean()).isTrue();
      assertThat(app.node().clips().keyOf(alert.get("url").asText())).hasValueSatisfying(key ->
          assertThat(key).startsWith("clips/CAMERA-2/"));

      JsonNode camera = JSON.readTree(api.get("/api/devices/CAMERA-2").text());
      assertThat(camera.get("type").asText()).isEqualTo("camera");
      assertThat(api.get("/api/devices/CAMERA-1").status()).isEqualTo(404);
    }
  }

  /** A camera's frames as JPEGs: a quiet scene with sensor noise, and the given objects crossing it. */
  private static List<byte[]> jpegs(List<MovingObject> objects, int seed) throws Exception {
    SyntheticScene scene = new SyntheticScene(new Script(WIDTH, HEIGHT, FPS, FRAMES, 2000 + seed, 3, objects, List.of(), null));
    List<byte[]> jpegs = new ArrayList<>();
    for (int n = 0; n < FRAMES; n++) {
      ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
      ImageIO.write(scene.next().orElseThrow().toImage(), "jpg", jpeg);
      jpegs.add(jpeg.toByteArray());
    }
    return jpegs;
  }

  /** The seed's producer: bytes in, no key, no headers; Kafka stamps each record as it is sent. */
  private static KafkaProducer<byte[], byte[]> seedProducer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static int partitionsOf(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
    }
  }
}
