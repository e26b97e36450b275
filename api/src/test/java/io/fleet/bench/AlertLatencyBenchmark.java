package io.fleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetApp;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
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
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Motion event in → alert out, p50/p99, at a steady rate (default 100 and 1,000 events/s): from the
 * moment a camera's motion event is published over MQTT (QoS 1) to the moment its alert is read from
 * Kafka {@code fleet.alerts}, and to the moment it arrives on the live stream ({@code GET
 * /api/alerts/stream}, server-sent events). Next to it, in the same run and at the same rate, a raw Kafka
 * round trip: a record produced ({@code acks=all}) and read back by a consumer. Each event is a camera's
 * new episode (2,000 cameras in turn; cooldown 0, quiet period 200 ms, no clip), so each raises one
 * alert. An unmeasured round at the highest rate comes first (the JIT's warm-up; 30 s, or the third argument).
 * Not a test: run it by hand, see BENCHMARKS.md.
 */
public final class AlertLatencyBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CAMERAS = 2000;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    List<Integer> rates = args.length > 1
        ? Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList()
        : List.of(100, 1000);
    int warmUpSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
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
      String deviceEventsTopic = app.node().system().settings().config().getString("fleet.kafka.topics.device-events");
      Mqtt3AsyncClient mqtt = mqtt(e);
      warmUp(app, mqtt, alertsTopic);
      List<String> rows = new ArrayList<>();
      List<String> episodes = new ArrayList<>();
      List<String> stageRows = new ArrayList<>();
      List<String> cpuRows = new ArrayList<>();
      for (int round = -1; round < rates.size(); round++) {
        // An unmeasured round first, at the highest rate, for the JIT to compile this load's paths: measured
        // without it, the compiler threads took 0.6–0.8 of the 2 cores during the 100/s round (this JVM holds
        // Kafka, HiveMQ, H2 and S3Proxy too: it still compiles ~300 methods a second a minute after its start).
        boolean measured = round >= 0;
        int rate = measured ? rates.get(round) : rates.stream().max(Integer::compare).orElseThrow();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> onKafka = new ConcurrentHashMap<>();
        Map<String, Long> onStream = new ConcurrentHashMap<>();
        Stages stages = new Stages();
        String run = (measured ? "r" : "w") + rate + "-";
        try (TopicReader kafka = TopicReader.alerts(e.kafkaBootstrap(), alertsTopic, onKafka, false, stages);
             TopicReader ingest = TopicReader.deviceEvents(e.kafkaBootstrap(), deviceEventsTopic, stages);
             StreamReader sse = new StreamReader(app.baseUrl() + "/api/alerts/stream", app.operatorToken(), onStream)) {
          // The readers' group joins take ~0.2 s: a round started before would count them as the alerts' latency.
          kafka.awaitAssigned();
          ingest.awaitAssigned();
          int events = rate * (measured ? seconds : warmUpSeconds);
          long rowsBefore = journalRows(app);
          ProcessCpu cpu = new ProcessCpu().add("fleet", ProcessHandle.current().pid());
          long cpuBefore = cpu.snapshot().get("fleet");
          long[] machineBefore = machineTicks();
          long start = System.nanoTime();
          for (int i = 0; i < events; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            waitUntil(due);
            String camera = "lat-" + (i % CAMERAS);
            String eventId = run + i;
            sent.put(camera + ":" + eventId, System.nanoTime());
            stages.published.put(camera + ":" + eventId, System.currentTimeMillis());
            mqtt.publishWith().topic("fleet/" + camera + "/motion").qos(MqttQos.AT_LEAST_ONCE)
                .payload(("{\"event_id\":\"" + eventId + "\",\"ts\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8))
                .send();
          }
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while ((!all(onKafka, sent, events) || !all(onStream, sent, events)) && System.nanoTime() < deadline) {
            Thread.sleep(200); // polling the readers' maps for completeness, in a benchmark
          }
          if (!measured) {
            settledJournalRows(app);
            System.out.printf("warm-up round at %d/s: %d of %d alerts%n", rate,
                onKafka.keySet().stream().filter(sent::containsKey).count(), events);
            continue;
          }
          double wall = (System.nanoTime() - start) / 1e9;
          double jvmSeconds = (cpu.snapshot().get("fleet") - cpuBefore) / ProcessCpu.TICKS_PER_SECOND;
          long[] machineAfter = machineTicks();
          double machineBusy = (double) (machineAfter[0] - machineBefore[0]) / (machineAfter[1] - machineBefore[1]);
          double[] backlog = firstAndLastTenth(sent, onKafka);
          cpuRows.add(String.format(Locale.ROOT, "| %d/s | %.1f s | %.0f / %.0f ms | %.2f | %.0f %% of %d cores | %.2f |", rate,
              wall, backlog[0], backlog[1], jvmSeconds / wall, machineBusy * 100, Runtime.getRuntime().availableProcessors(),
              jvmSeconds * 1000 / events));
          long rowsPerRun = settledJournalRows(app) - rowsBefore;
          episodes.add(String.format("| %d | %d | %d | %.2f |", rate, events, rowsPerRun, rowsPerRun / (double) events));
          Stats toKafka = Stats.of(sent, onKafka);
          Stats toStream = Stats.of(sent, onStream);
          Stats raw = rawKafka(e.kafkaBootstrap(), rate, seconds);
          rows.add(row(rate, "motion event → alert on fleet.alerts", toKafka, raw));
          rows.add(row(rate, "motion event → alert on the SSE stream", toStream, raw));
          rows.add(row(rate, "raw Kafka produce → consume", raw, raw));
          stageRows.addAll(stages.rows(rate));
        }
      }
      mqtt.disconnect();
      System.out.println();
      System.out.println("| rate | path | events | p50 ms | p99 ms | p50 ÷ raw | p99 ÷ raw |");
      System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
      rows.forEach(System.out::println);
      System.out.println();
      System.out.println("| rate | stage (wall clock, 1 ms resolution) | events | p50 ms | p99 ms |");
      System.out.println("| ---: | --- | ---: | ---: | ---: |");
      stageRows.forEach(System.out::println);
      System.out.println();
      System.out.println("| rate | from the first event to its last alert | alert p50, first / last tenth of the round (a growing backlog shows) | this JVM's CPU, cores | machine CPU busy | this JVM's CPU ms per event |");
      System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
      cpuRows.forEach(System.out::println);
      System.out.println();
      System.out.println("| rate | motion episodes (one event each) | journal rows written | rows per episode |");
      System.out.println("| ---: | ---: | ---: | ---: |");
      episodes.forEach(System.out::println);
    }
  }

  /** The cameras' rows in the event journal. */
  private static long journalRows(FleetApp app) throws Exception {
    return count(app, "SELECT COUNT(*) FROM event_journal WHERE persistence_id LIKE 'Device|lat-%'");
  }

  /** The cameras' rows in the read side's event log. */
  private static long readSideRows(FleetApp app) throws Exception {
    return count(app, "SELECT COUNT(*) FROM device_event WHERE device_id LIKE 'lat-%'");
  }

  private static long count(FleetApp app, String sql) throws Exception {
    try (Connection c = app.node().infrastructure().database().dataSource().getConnection();
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The median latency (ms) to {@code seen} of the first and of the last tenth of the events, by when they were sent. */
  private static double[] firstAndLastTenth(Map<String, Long> sent, Map<String, Long> seen) {
    List<Map.Entry<String, Long>> bySending = new ArrayList<>(sent.entrySet());
    bySending.sort(Map.Entry.comparingByValue());
    int tenth = Math.max(1, bySending.size() / 10);
    return new double[] {
        medianMillis(bySending.subList(0, tenth), seen),
        medianMillis(bySending.subList(bySending.size() - tenth, bySending.size()), seen)};
  }

  private static double medianMillis(List<Map.Entry<String, Long>> events, Map<String, Long> seen) {
    List<Double> ms = new ArrayList<>();
    for (Map.Entry<String, Long> e : events) {
      Long arrived = seen.get(e.getKey());
      if (arrived != null) ms.add((arrived - e.getValue()) / 1e6);
    }
    Collections.sort(ms);
    return ms.isEmpty() ? Double.NaN : ms.get(ms.size() / 2);
  }

  /**
   * The journal's count once every episode has ended (quiet timers fired) and the read side has caught up: both
   * counts stand still for a second.
   */
  private static long settledJournalRows(FleetApp app) throws Exception {
    long[] last = {-1, -1};
    long[] now = {journalRows(app), readSideRows(app)};
    while (!Arrays.equals(now, last)) {
      Thread.sleep(1000); // a benchmark's settle check, not a test's synchronisation
      last = now;
      now = new long[] {journalRows(app), readSideRows(app)};
    }
    return now[0];
  }

  /** The machine's busy and total CPU time so far, in clock ticks, from the first line of {@code /proc/stat}. */
  private static long[] machineTicks() throws Exception {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) total += Long.parseLong(f[i]);
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
    return new long[] {total - idle, total};
  }

  /** Parked, not spinning: a spinning load generator took one of the two cores from the node it measures. */
  private static void waitUntil(long dueNanos) {
    for (long wait; (wait = dueNanos - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
  }

  private static String row(int rate, String path, Stats s, Stats raw) {
    return String.format(Locale.ROOT, "| %d/s | %s | %d of %d | %.1f | %.1f | %.1f | %.1f |", rate, path, s.count, s.expected,
        s.p50, s.p99, s.p50 / raw.p50, s.p99 / raw.p99);
  }

  /**
   * Whether {@code got} holds all {@code events} of this round: counted only once it could (its size), as the
   * benchmark's own thread scanning 240,000 keys every 200 ms took a tenth of the node's CPU in a long warm-up.
   */
  private static boolean all(Map<String, Long> got, Map<String, Long> sent, int events) {
    return got.size() >= events && got.keySet().stream().filter(sent::containsKey).count() >= events;
  }

  /** First contact registers each camera: done once, before measuring. */
  private static void warmUp(FleetApp app, Mqtt3AsyncClient mqtt, String topic) throws Exception {
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Map<String, Long> seen = new ConcurrentHashMap<>();
    try (TopicReader reader = TopicReader.alerts(app.node().endpoints().kafkaBootstrap(), topic, seen, false)) {
      reader.awaitAssigned();
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
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0); // as Fleet's producers (config/kafka.conf), not Kafka 4's 5 ms
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "warm", "warm")).get();
      try (TopicReader reader = TopicReader.alerts(bootstrap, topic, seen, true)) {
        reader.awaitAssigned();
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

  /**
   * Reads a topic on its own thread, from the end its partitions had when it got them (the round waits for that,
   * {@link #awaitAssigned()}), handing each record to {@code onRecord} with the moment it was read.
   */
  static final class TopicReader implements AutoCloseable {
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    TopicReader(String bootstrap, String topic, BiConsumer<ConsumerRecord<String, String>, Long> onRecord) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
      KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
      consumer.subscribe(List.of(topic), Assigned.atEnd(assigned, consumer));
      thread = new Thread(() -> {
        try (consumer) {
          while (running) {
            for (var r : consumer.poll(Duration.ofMillis(50))) onRecord.accept(r, System.nanoTime());
          }
        }
      }, "bench-reader-" + topic);
      thread.start();
    }

    /** Notes when each alert id (or, {@code raw}, each value) arrived in {@code seen}, and its stages. */
    static TopicReader alerts(String bootstrap, String topic, Map<String, Long> seen, boolean raw, Stages stages) {
      return new TopicReader(bootstrap, topic, (r, now) -> {
        try {
          String id = raw ? r.value() : JSON.readTree(r.value()).get("alert_id").asText();
          seen.putIfAbsent(id, now);
          stages.alertProduced.putIfAbsent(id, r.timestamp());
          stages.alertRead.putIfAbsent(id, System.currentTimeMillis());
        } catch (Exception ignored) {
          // not an alert of ours
        }
      });
    }

    static TopicReader alerts(String bootstrap, String topic, Map<String, Long> seen, boolean raw) {
      return alerts(bootstrap, topic, seen, raw, new Stages());
    }

    /** {@code fleet.device-events}: when the bridge took each motion event, and when it was readable. */
    static TopicReader deviceEvents(String bootstrap, String topic, Stages stages) {
      return new TopicReader(bootstrap, topic, (r, now) -> {
        long read = System.currentTimeMillis();
        try {
          JsonNode event = JSON.readTree(r.value());
          if (!event.has("event_id")) return;
          String id = r.key() + ":" + event.get("event_id").asText();
          IngestHeaders.get(r.headers(), IngestHeaders.RECEIVED_AT)
              .ifPresent(at -> stages.bridged.putIfAbsent(id, Long.parseLong(at)));
          stages.onDeviceEvents.putIfAbsent(id, read);
        } catch (Exception ignored) {
          // a heartbeat or tick, not a motion event
        }
      });
    }

    /** Once its group has its partitions and knows their end offsets. */
    void awaitAssigned() throws InterruptedException {
      if (!assigned.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("no partitions assigned in 60 s");
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }

  /**
   * Where an event's time goes, on the wall clock (the benchmark, the bridge and the entity share one JVM, so one
   * clock): published over MQTT → taken for Kafka by the bridge or the embedded broker ({@code fleet.received-at}) → read back from
   * {@code fleet.device-events} (by a reader of the benchmark's own, as the node's consumer reads it) → its alert
   * produced to {@code fleet.alerts} (the record's timestamp: the fast path's send) → the alert read.
   */
  static final class Stages {
    final Map<String, Long> published = new ConcurrentHashMap<>();
    final Map<String, Long> bridged = new ConcurrentHashMap<>();
    final Map<String, Long> onDeviceEvents = new ConcurrentHashMap<>();
    final Map<String, Long> alertProduced = new ConcurrentHashMap<>();
    final Map<String, Long> alertRead = new ConcurrentHashMap<>();

    List<String> rows(int rate) {
      return List.of(
          row(rate, "MQTT publish → taken for Kafka (bridge or broker)", published, bridged),
          row(rate, "taken for Kafka → read from fleet.device-events", bridged, onDeviceEvents),
          row(rate, "read from fleet.device-events → alert produced (consumer, entity, journal write)", onDeviceEvents, alertProduced),
          row(rate, "alert produced → alert read from fleet.alerts", alertProduced, alertRead),
          row(rate, "MQTT publish → alert produced", published, alertProduced));
    }

    private String row(int rate, String stage, Map<String, Long> from, Map<String, Long> to) {
      // This rate's events only (the alerts' reader also saw the warm-up's).
      Map<String, Long> measured = new HashMap<>(from);
      measured.keySet().retainAll(published.keySet());
      Stats s = Stats.of(measured, to);
      // Stats works in nanoseconds; these stamps are milliseconds.
      return String.format(Locale.ROOT, "| %d/s | %s | %d | %.0f | %.0f |", rate, stage, s.count, s.p50 * 1e6, s.p99 * 1e6);
    }
  }

  /**
   * Puts a consumer at the end of its partitions when it first gets them, then counts down: what it reads from
   * then on is this round's, none of it delayed behind the topic's earlier records (the warm-up's 30,000 alerts
   * took the first events' alerts 150 ms longer to reach a reader that started at the beginning).
   */
  private record Assigned(CountDownLatch latch, KafkaConsumer<?, ?> consumer) implements ConsumerRebalanceListener {
    static Assigned atEnd(CountDownLatch latch, KafkaConsumer<?, ?> consumer) {
      return new Assigned(latch, consumer);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) return;
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // the end offsets of now, looked up before anything is produced
      latch.countDown();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    }
  }

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
