package io.fleet.bench;

import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetApp;
import io.fleet.frames.FrameHeaders;
import io.fleet.metrics.FleetMetrics;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Camera frames per second through Kafka into Fleet's detector, next to raw Kafka in the same run: the same
 * JPEG frames (a quiet synthetic scene with sensor noise, so the detector looks at every frame and no clip is
 * encoded), keyed by camera, produced as fast as Kafka takes them. Raw: produced to a scratch topic with as
 * many partitions as Fleet's and read back by one consumer; done when it has all. Fleet: produced to
 * {@code fleet.frames} with the frame headers (the same producer settings: acks=all, not idempotent); done when {@code fleet_frames_processed_total} of the run's
 * cameras adds up to all (each frame decoded and looked at by the shared {@code MotionDetector}). Not a
 * test: run it by hand, see BENCHMARKS.md.
 */
public final class FramesBenchmark {

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int cameras = Integer.parseInt(options.getOrDefault("cameras", "20"));
    int frames = Integer.parseInt(options.getOrDefault("frames", "200"));
    int width = Integer.parseInt(options.getOrDefault("width", "640"));
    int height = Integer.parseInt(options.getOrDefault("height", "480"));
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
    List<byte[]> jpegs = render(width, height, 25);
    System.out.printf(Locale.ROOT, "%d cameras x %d frames of %dx%d, JPEG %.1f KB on average%n", cameras, frames, width,
        height, jpegs.stream().mapToInt(j -> j.length).average().orElse(0) / 1024);
    Path dataDir = Files.createTempDirectory("fleet-frames-bench");
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    try (FleetApp app = FleetApp.start(ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve())) {
      String bootstrap = app.node().endpoints().kafkaBootstrap();
      var config = app.node().system().settings().config();
      String topic = config.getString("fleet.frames.topic");
      int partitions = config.getInt("fleet.kafka.partitions");
      MeterRegistry registry = FleetMetrics.get(app.node().system()).registry();
      raw(bootstrap, partitions, jpegs, cameras, Math.min(frames, 50));
      fleet(bootstrap, topic, registry, jpegs, "warm", cameras, Math.min(frames, 50));
      List<Double> raw = new ArrayList<>();
      List<Double> fleet = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        raw.add(raw(bootstrap, partitions, jpegs, cameras, frames));
        fleet.add(fleet(bootstrap, topic, registry, jpegs, "r" + r, cameras, frames));
      }
      double rawRate = median(raw);
      double fleetRate = median(fleet);
      System.out.println();
      System.out.println("| path | frames | frames/s | ÷ raw |");
      System.out.println("| --- | ---: | ---: | ---: |");
      System.out.printf(Locale.ROOT, "| raw Kafka produce → consume | %d | %.0f | 1.00 |%n", cameras * frames, rawRate);
      System.out.printf(Locale.ROOT, "| Kafka → Fleet's detector (decode + MotionDetector) | %d | %.0f | %.2f |%n",
          cameras * frames, fleetRate, fleetRate / rawRate);
    }
  }

  /** Frames/s from the first send until one consumer has read them all from a fresh topic. */
  private static double raw(String bootstrap, int partitions, List<byte[]> jpegs, int cameras, int frames)
      throws Exception {
    String topic = "bench-frames-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      NewTopic scratch = new NewTopic(topic, partitions, (short) 1)
          .configs(Map.of("max.message.bytes", Integer.toString(5 * 1024 * 1024)));
      admin.createTopics(List.of(scratch)).all().get(30, TimeUnit.SECONDS);
      while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) Thread.sleep(50);
    }
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, topic);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      producer.partitionsFor(topic);
      consumer.subscribe(List.of(topic));
      while (consumer.assignment().isEmpty()) consumer.poll(Duration.ofMillis(100));
      long start = System.nanoTime();
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(producer, topic, jpegs, "raw", cameras, frames, false));
      long total = (long) cameras * frames;
      long seen = 0;
      long deadline = start + TimeUnit.MINUTES.toNanos(5);
      while (seen < total) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("raw round incomplete: " + seen + " of " + total);
        seen += consumer.poll(Duration.ofMillis(100)).count();
      }
      double rate = total / ((System.nanoTime() - start) / 1e9);
      sending.get();
      return rate;
    }
  }

  /** Frames/s from the first send until Fleet's detectors have looked at them all. */
  private static double fleet(String bootstrap, String topic, MeterRegistry registry, List<byte[]> jpegs, String run,
      int cameras, int frames) throws Exception {
    String prefix = "bench-" + run + "-" + UUID.randomUUID().toString().substring(0, 4) + "-";
    long total = (long) cameras * frames;
    KafkaProducer<String, byte[]> producer = producer(bootstrap);
    producer.partitionsFor(topic);
    long start = System.nanoTime();
    CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(producer, topic, jpegs, prefix, cameras, frames, true));
    long deadline = start + TimeUnit.MINUTES.toNanos(10);
    while (processed(registry, prefix) < total) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("fleet round incomplete: " + processed(registry, prefix) + " of " + total);
      }
      Thread.sleep(20); // polling a counter, in a benchmark
    }
    double rate = total / ((System.nanoTime() - start) / 1e9);
    sending.get();
    producer.close();
    return rate;
  }

  private static long processed(MeterRegistry registry, String prefix) {
    double sum = 0;
    for (Counter c : registry.find("fleet_frames_processed").counters()) {
      String camera = c.getId().getTag("camera");
      if (camera != null && camera.startsWith(prefix)) sum += c.count();
    }
    return (long) sum;
  }

  /** Round-robin over the cameras, so each camera's frames go out in sequence order. */
  private static void send(KafkaProducer<String, byte[]> producer, String topic, List<byte[]> jpegs, String prefix,
      int cameras, int frames, boolean headers) {
    long t0 = System.currentTimeMillis();
    for (int n = 0; n < frames; n++) {
      for (int c = 0; c < cameras; c++) {
        String camera = prefix + c;
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, camera, jpegs.get(n % jpegs.size()));
        if (headers) FrameHeaders.put(record.headers(), camera, n, t0 + n * 100L);
        producer.send(record);
      }
    }
    producer.flush();
  }

  private static List<byte[]> render(int width, int height, int count) throws Exception {
    SyntheticScene scene = new SyntheticScene(new Script(width, height, 10, count, 3, 3, List.of(), List.of(), null));
    List<byte[]> jpegs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(scene.next().orElseThrow().toImage(), "jpg", out);
      jpegs.add(out.toByteArray());
    }
    return jpegs;
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Not idempotent: on this loaded machine its retries ran into OutOfOrderSequence on fresh topics. A retry
    // may duplicate a frame: raw counts what it read, Fleet drops the duplicate (same sequence) uncounted.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 5 * 1024 * 1024);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("options are --name value: " + args[i]);
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
