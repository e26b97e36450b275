package io.fleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetApp;
import io.fleet.infra.Endpoints;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Motion event in → alert out, p50/p99, at a steady rate (default 100 and 1,000 events/s): from the
 * moment a camera's motion event is published over MQTT (QoS 1) to the moment its alert is read from
 * Kafka {@code fleet.alerts}, and to the moment it arrives on the live stream ({@code GET
 * /api/alerts/stream}, server-sent events). Next to it, in the same run and at the same rate, a raw Kafka
 * round trip: a record produced ({@code acks=all}) and read back by a consumer. Each event is a camera's
 * new episode (2,000 cameras in turn; cooldown 0, quiet period 200 ms, no clip), so each raises one
 * alert. Not a test: run it by hand, see BENCHMARKS.md.
 */
public final class AlertLatencyBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CAMERAS = 2000;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    List<Integer> rates = args.length > 1
        ? Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList()
        : List.of(100, 1000);
    Path dataDir = Files.createTempDirectory("fleet-latency");
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    settings.put("fleet.motion.cooldown", "0s");
    settings.put("fleet.motion.quiet-period", "200ms");
    try (FleetApp app = FleetApp.start(ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve())) {
      Endpoints e = app.node().endpoints();
      String alertsTopic = app.node().system().settings().config().getString("fleet.kafka.topics.alerts");
      Mqtt3AsyncClient mqtt = mqtt(e);
      warmUp(app, mqtt, alertsTopic);
      List<String> rows = new ArrayList<>();
      List<String> episodes = new ArrayList<>();
      for (int rate : rates) {
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> onKafka = new ConcurrentHashMap<>();
        Map<String, Long> onStream = new ConcurrentHashMap<>();
        String run = "r" + rate + "-";
        try (AlertReader kafka = new AlertReader(e.kafkaBootstrap(), alertsTopic, onKafka);
             StreamReader sse = new StreamReader(app.baseUrl() + "/api/alerts/stream", app.operatorToken(), onStream)) {
          int events = rate * seconds;
          long rowsBefore = journalRows(app);
          long start = System.nanoTime();
          for (int i = 0; i < events; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            waitUntil(due);
            String camera = "lat-" + (i % CAMERAS);
            String eventId = run + i;
            sent.put(camera + ":" + eventId, System.nanoTime());
            mqtt.publishWith().topic("fleet/" + camera + "/motion").qos(MqttQos.AT_LEAST_ONCE)
                .payload(("{\"event_id\":\"" + eventId + "\",\"ts\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8))
                .send();
          }
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while ((onKafka.keySet().stream().filter(sent::containsKey).count() < events
              || onStream.keySet().stream().filter(sent::containsKey).count() < events) && System.nanoTime() < deadline) {
            Thread.sleep(200); // polling the readers' maps for completeness, in a benchmark
          }
          long rowsPerRun = settledJournalRows(app) - rowsBefore;
          episodes.add(String.format("| %d | %d | %d | %.2f |", rate, events, rowsPerRun, rowsPerRun / (double) events));
          Stats toKafka = Stats.of(sent, onKafka);
          Stats toStream = Stats.of(sent, onStream);
          Stats raw = rawKafka(e.kafkaBootstrap(), rate, seconds);
          rows.add(row(rate, "motion event → alert on fleet.alerts", toKafka, raw));
          rows.add(row(rate, "motion event → alert on the SSE stream", toStream, raw));
          rows.add(row(rate, "raw Kafka produce → consume", raw, raw));
        }
      }
      mqtt.disconnect();
      System.out.println();
      System.out.println("| rate | path | events | p50 ms | p99 ms | p50 ÷ raw | p99 ÷ raw |");
      System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
      rows.forEach(System.out::println);
      System.out.println();
      System.out.println("| rate | motion episodes (one event each) | journal rows written | rows per episode |");
      System.out.println("| ---: | ---: | ---: | ---: |");
      episodes.forEach(System.out::println);
    }
  }

  /** The cameras' rows in the event journal. */
  private static long journalRows(FleetApp app) throws Exception {
    try (Connection c = app.node().infrastructure().database().dataSource().getConnection();
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM event_journal WHERE persistence_id LIKE 'Device|lat-%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The same once every episode has ended (quiet timers fired): the count stands still for a second. */
  private static long settledJournalRows(FleetApp app) throws Exception {
    long last = -1;
    long now = journalRows(app);
    while (now != last) {
      Thread.sleep(1000); // a benchmark's settle check, not a test's synchronisation
      last = now;
      now = journalRows(app);
    }
    return now;
  }

  /** Parked, not spinning: a spinning load generator took one of the two cores from the node it measures. */
  private static void waitUntil(long dueNanos) {
    for (long wait; (wait = dueNanos - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
  }

  private static String row(int rate, String path, Stats s, Stats raw) {
    return String.format(Locale.ROOT, "| %d/s | %s | %d of %d | %.1f | %.1f | %.1f | %.1f |", rate, path, s.count, s.expected,
        s.p50, s.p99, s.p50 / raw.p50, s.p99 / raw.p99);
  }

  /** First contact registers each camera: done once, before measuring. */
  private static void warmUp(FleetApp app, Mqtt3AsyncClient mqtt, String topic) throws Exception {
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Map<String, Long> seen = new ConcurrentHashMap<>();
    try (AlertReader reader = new AlertReader(app.node().endpoints().kafkaBootstrap(), topic, seen)) {
      for (int i = 0; i < CAMERAS; i++) {
        sent.put("lat-" + i + ":warm-" + i, System.nanoTime());
        mqtt.publishWith().topic("fleet/lat-" + i + "/motion").qos(MqttQos.AT_LEAST_ONCE)
            .payload(("{\"event_id\":\"warm-" + i + "\",\"ts\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8)).send();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (seen.keySet().stream().filter(sent::containsKey).count() < CAMERAS && System.nanoTime() < deadline) Thread.sleep(200);
      System.out.println("warm-up: " + seen.size() + " cameras registered and alerted");
    }
  }

  private static Stats rawKafka(String bootstrap, int rate, int seconds) throws Exception {
    String topic = "bench-latency-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Map<String, Long> seen = new ConcurrentHashMap<>();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "warm", "warm")).get();
      try (AlertReader reader = new AlertReader(bootstrap, topic, seen, true)) {
        int events = rate * seconds;
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
          long due = start + (long) i * 1_000_000_000L / rate;
          waitUntil(due);
          String id = "raw-" + i;
          sent.put(id, System.nanoTime());
          producer.send(new ProducerRecord<>(topic, "cam-" + (i % CAMERAS), id));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.keySet().stream().filter(sent::containsKey).count() < events && System.nanoTime() < deadline) Thread.sleep(100);
        return Stats.of(sent, seen);
      }
    }
  }

  private static Mqtt3AsyncClient mqtt(Endpoints e) {
    URI uri = URI.create(e.mqttUrl());
    Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier("bench-latency-" + UUID.randomUUID())
        .serverHost(uri.getHost()).serverPort(uri.getPort())
        .simpleAuth().username(e.mqttUser()).password(e.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .buildAsync();
    client.connect().join();
    return client;
  }

  record Stats(int count, int expected, double p50, double p99) {
    static Stats of(Map<String, Long> sent, Map<String, Long> seen) {
      List<Double> ms = new ArrayList<>();
      sent.forEach((id, at) -> {
        Long arrived = seen.get(id);
        if (arrived != null) ms.add((arrived - at) / 1e6);
      });
      Collections.sort(ms);
      if (ms.isEmpty()) return new Stats(0, sent.size(), Double.NaN, Double.NaN);
      return new Stats(ms.size(), sent.size(), ms.get((int) (ms.size() * 0.50)), ms.get(Math.min(ms.size() - 1, (int) (ms.size() * 0.99))));
    }
  }

  /** Reads a topic from its end on its own thread; notes when each alert id (or raw value) arrived. */
  static final class AlertReader implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;

    AlertReader(String bootstrap, String topic, Map<String, Long> seen) {
      this(bootstrap, topic, seen, false);
    }

    AlertReader(String bootstrap, String topic, Map<String, Long> seen, boolean raw) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
      KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
      consumer.subscribe(List.of(topic));
      thread = new Thread(() -> {
        try (consumer) {
          while (running) {
            for (var r : consumer.poll(Duration.ofMillis(50))) {
              long now = System.nanoTime();
              try {
                seen.putIfAbsent(raw ? r.value() : JSON.readTree(r.value()).get("alert_id").asText(), now);
              } catch (Exception ignored) {
                // not an alert of ours
              }
            }
          }
        }
      }, "bench-reader");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }

  /** The live stream (server-sent events), noting when each alert id arrived. */
  /**
   * Reads the live stream; when the server cuts it off (a subscriber too far behind, as at a burst of
   * warm-up alerts), it reconnects with its last event id, as a browser does, and goes on.
   */
  static final class StreamReader implements AutoCloseable {
    private volatile boolean closed;
    private volatile InputStream body;

    StreamReader(String url, String token, Map<String, Long> seen) throws InterruptedException {
      CountDownLatch subscribed = new CountDownLatch(1);
      Thread t = new Thread(() -> {
        String lastId = null;
        while (!closed) {
          try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream");
            if (lastId != null) request.header("Last-Event-ID", lastId);
            body = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream()).body();
            subscribed.countDown();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
              for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("id:")) lastId = line.substring(3).trim();
                if (!line.startsWith("data:") || line.substring(5).isBlank()) continue;
                long now = System.nanoTime();
                JsonNode alert = JSON.readTree(line.substring(5));
                seen.putIfAbsent(alert.path("alert_id").asText(), now);
              }
            }
          } catch (Exception cutOff) {
            // closed by the benchmark, or cut off by the server: reconnect unless closed
          }
        }
      }, "bench-sse");
      t.setDaemon(true);
      t.start();
      subscribed.await(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      closed = true;
      InputStream open = body;
      if (open != null) open.close();
    }
  }
}
