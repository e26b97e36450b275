package io.fleet.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.infra.Database;
import io.fleet.infra.Endpoints;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import io.fleet.runtime.FleetNode;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * End-to-end ingest benchmark: not a test, run by hand (see BENCHMARKS.md for the command). It starts one
 * Fleet node (embedded servers on a temporary data directory, no demo devices; optionally the machine's
 * MQTT broker and PostgreSQL) and measures, in the same JVM and run, with the same message count and
 * heartbeat payloads (the simulator's wire form, {@link HeartbeatMessage#toJson()}):
 *
 * <ol>
 *   <li><b>raw MQTT</b>: N publisher connections publish QoS 1 to {@code bench/{id}/heartbeat}, one
 *       subscriber receives them all (topics the ingress bridge does not subscribe to);
 *   <li><b>raw Kafka</b>: the same records keyed by device id produced (acks=all, idempotent, as Fleet's
 *       producer) to a scratch topic with as many partitions as Fleet's, one consumer reads them all;
 *   <li><b>Fleet end to end</b>: N devices, each with its own MQTT connection and credentials, publish to
 *       {@code fleet/{id}/heartbeat}; IngressBridge → Kafka {@code fleet.device-events} →
 *       DeviceEventConsumer → Device entities. Done when the consumer group's committed offsets reach the
 *       topic's end offsets and those grew by exactly the number of heartbeats sent (the consumer commits a
 *       record only after its entity answered, so every heartbeat was handled by then).
 * </ol>
 *
 * Publishers send as fast as the broker acknowledges, with at most {@code --in-flight} unacknowledged
 * messages, each device's messages in order. Every phase first runs an unmeasured warm-up round; for the
 * end-to-end phase that round is also each device's first contact (self-registration), reported apart.
 */
public final class IngestBenchmark {

  private static final String USAGE = String.join(System.lineSeparator(),
      "usage: IngestBenchmark [options]",
      "  --devices N            devices (= MQTT connections) (default 2000)",
      "  --messages N           heartbeats per device in each measured round (default 10)",
      "  --warmup-messages N    heartbeats per device in the warm-up round of each phase (default = --messages)",
      "  --rounds N             measured rounds per phase; the best and the median are reported (default 1)",
      "  --in-flight N          unacknowledged publishes/sends at most (default 1000)",
      "  --round-timeout D      give up a round after this long, e.g. 300s (default 300s)",
      "  --mqtt-url URL         use this MQTT broker (e.g. tcp://127.0.0.1:1883) instead of the embedded one",
      "  --db-url URL           use this PostgreSQL (fresh schema) instead of the embedded H2",
      "  --phases LIST          comma-separated subset of mqtt,kafka,fleet (default all)");

  private final Options options;
  private final List<String> deviceIds;
  private final Map<String, List<Result>> results = new HashMap<>();
  private final List<String> notes = new ArrayList<>();

  private IngestBenchmark(Options options) {
    this.options = options;
    this.deviceIds = IntStream.range(0, options.devices)
        .mapToObj(i -> String.format(Locale.ROOT, "bench-%05d", i)).toList();
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    int code;
    try {
      code = new IngestBenchmark(options).run();
    } catch (Throwable e) {
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  private int run() throws Exception {
    Path dataDir = Files.createTempDirectory("fleet-bench-");
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    say("machine: %d cores, max heap %d MiB, %s %s", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    say("parameters: %d devices, %d messages/device/round (%d messages), warm-up %d/device, %d measured round(s), in-flight %d",
        options.devices, options.messages, options.total(), options.warmupMessages, options.rounds, options.inFlight);
    long startedAt = System.nanoTime();
    FleetNode node = FleetNode.start(config(dataDir, schema));
    boolean ok = true;
    try {
      Endpoints endpoints = node.endpoints();
      say("node started in %d ms: kafka %s, mqtt %s, db %s", elapsedMs(startedAt), endpoints.kafkaBootstrap(),
          endpoints.mqttUrl(), endpoints.dbIsPostgres() ? "PostgreSQL schema " + schema : "embedded H2");
      long heapBefore = heapAfterGc();
      long entitiesBefore = FleetMetrics.get(node.system()).entitiesAlive();
      try (Admin admin = admin(endpoints.kafkaBootstrap())) {
        if (options.phases.contains("mqtt")) ok &= rawMqtt(node);
        if (options.phases.contains("kafka")) ok &= rawKafka(node, admin);
        if (options.phases.contains("fleet")) ok &= endToEnd(node, admin);
      }
      long heapAfter = heapAfterGc();
      long entities = FleetMetrics.get(node.system()).entitiesAlive();
      report(heapBefore, heapAfter, entitiesBefore, entities);
    } finally {
      node.close();
      deleteRecursively(dataDir);
      if (options.dbUrl != null) dropSchema(options.dbUrl, schema);
    }
    say("done in %d s", elapsedMs(startedAt) / 1000);
    return ok ? 0 : 1;
  }

  private Config config(Path dataDir, String schema) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    settings.put("fleet.mqtt.client-id", "fleet-" + schema);
    // The simulated devices connect unregistered with derived passwords, and register with their first heartbeat.
    settings.put("fleet.device-passwords.mode", "derived");
    if (options.dbUrl != null) settings.put("fleet.db.url", Database.freshPostgresSchemaUrl(options.dbUrl, schema));
    if (options.mqttUrl != null) {
      settings.put("fleet.mqtt.url", options.mqttUrl);
      // A shared broker: leave no persistent session behind.
      settings.put("fleet.mqtt.clean-session", true);
    }
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 1: raw MQTT publish → subscribe

  private boolean rawMqtt(FleetNode node) throws Exception {
    Endpoints endpoints = node.endpoints();
    String round = "r" + UUID.randomUUID().toString().substring(0, 6);
    AtomicLong received = new AtomicLong();
    AtomicLong lastReceivedAt = new AtomicLong();
    Mqtt5AsyncClient subscriber = client(endpoints, "bench-sub-" + round, endpoints.mqttUser(), endpoints.mqttPassword());
    subscriber.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
    subscriber.subscribeWith().topicFilter("bench/" + round + "/#").qos(MqttQos.AT_LEAST_ONCE)
        .callback(p -> {
          received.incrementAndGet();
          lastReceivedAt.set(System.nanoTime());
        })
        .send().get(30, TimeUnit.SECONDS);
    List<Mqtt5AsyncClient> publishers = connectAll(endpoints, id -> "bench-pub-" + id,
        id -> endpoints.mqttUser(), id -> endpoints.mqttPassword());
    boolean ok = true;
    try {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        int perDevice = warmup ? options.warmupMessages : options.messages;
        long expected = (long) perDevice * options.devices;
        received.set(0);
        long t0 = System.nanoTime();
        Publishing publishing = publish(perDevice,
            (i, payload) -> publishers.get(i).publishWith().topic("bench/" + round + "/" + deviceIds.get(i) + "/heartbeat")
                .qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().thenAccept(result -> {
                  if (result.getError().isPresent()) throw new IllegalStateException(result.getError().get());
                }));
        boolean done = waitFor(() -> received.get() >= expected && publishing.finished(), t0);
        Result result = new Result("raw MQTT pub→sub", warmup, expected, t0, publishing.ackedAt(), lastReceivedAt.get(),
            Map.of("received", received.get(), "publish failures", publishing.failed.get()));
        ok &= record("mqtt", result, done);
      }
    } finally {
      disconnectAll(publishers);
      subscriber.disconnect().get(10, TimeUnit.SECONDS);
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 2: raw Kafka produce → consume

  private boolean rawKafka(FleetNode node, Admin admin) throws Exception {
    String bootstrap = node.endpoints().kafkaBootstrap();
    int partitions = node.system().settings().config().getInt("fleet.kafka.partitions");
    String topic = "bench.raw-" + UUID.randomUUID().toString().substring(0, 6);
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + topic);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    boolean ok = true;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      tps.forEach(consumer::position);
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        int perDevice = warmup ? options.warmupMessages : options.messages;
        long expected = (long) perDevice * options.devices;
        long t0 = System.nanoTime();
        Publishing publishing = publish(perDevice, (i, payload) -> {
          CompletableFuture<Void> acked = new CompletableFuture<>();
          producer.send(new ProducerRecord<>(topic, deviceIds.get(i), payload), (md, e) -> {
            if (e == null) acked.complete(null);
            else acked.completeExceptionally(e);
          });
          return acked;
        });
        long received = 0;
        long lastAt = 0;
        long deadline = t0 + options.roundTimeout.toNanos();
        while (received < expected && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
            received++;
            lastAt = System.nanoTime();
          }
        }
        boolean done = received >= expected && waitFor(publishing::finished, t0);
        Result result = new Result("raw Kafka produce→consume", warmup, expected, t0, publishing.ackedAt(), lastAt,
            Map.of("received", received, "send failures", publishing.failed.get()));
        ok &= record("kafka", result, done);
      }
    } finally {
      admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 3: Fleet end to end

  private boolean endToEnd(FleetNode node, Admin admin) throws Exception {
    Endpoints endpoints = node.endpoints();
    String topic = node.ingestSettings().deviceEventsTopic();
    String group = node.ingestSettings().consumerGroup();
    boolean authenticated = !endpoints.mqttUser().isEmpty();
    var credentials = node.infrastructure().derivedPasswords();
    FleetMetrics metrics = FleetMetrics.get(node.system());
    List<Mqtt5AsyncClient> devices = connectAll(endpoints, id -> id,
        id -> authenticated ? id : "", id -> authenticated ? credentials.passwordFor(id) : "");
    boolean ok = true;
    try {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        int perDevice = warmup ? options.warmupMessages : options.messages;
        long expected = (long) perDevice * options.devices;
        long endBase = sum(endOffsets(admin, topic));
        long bridgedBase = count(metrics, "mqtt:heartbeat");
        long consumedBase = count(metrics, topic + ":heartbeat");
        long journalBase = journalRows(node);
        long t0 = System.nanoTime();
        Publishing publishing = publish(perDevice,
            (i, payload) -> devices.get(i).publishWith().topic("fleet/" + deviceIds.get(i) + "/heartbeat")
                .qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().thenAccept(result -> {
                  if (result.getError().isPresent()) throw new IllegalStateException(result.getError().get());
                }));
        long deadline = t0 + options.roundTimeout.toNanos();
        long inKafkaAt = 0;
        long consumedAt = 0;
        long committedAt = 0;
        long end = endBase;
        long committed = 0;
        while (System.nanoTime() < deadline) {
          long now = System.nanoTime();
          if (consumedAt == 0 && count(metrics, topic + ":heartbeat") - consumedBase >= expected) consumedAt = now;
          end = sum(endOffsets(admin, topic));
          if (inKafkaAt == 0 && end - endBase >= expected) inKafkaAt = now;
          if (inKafkaAt != 0) {
            committed = sum(committedOffsets(admin, group, topic));
            if (committed >= end) {
              committedAt = System.nanoTime();
              break;
            }
          }
          Thread.sleep(10);
        }
        boolean done = committedAt != 0 && waitFor(publishing::finished, t0);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bridged (counter)", count(metrics, "mqtt:heartbeat") - bridgedBase);
        details.put("records in Kafka", end - endBase);
        details.put("consumed (counter)", count(metrics, topic + ":heartbeat") - consumedBase);
        details.put("all PUBACKed after s", seconds(t0, publishing.ackedAt()));
        details.put("all in Kafka after s", seconds(t0, inKafkaAt));
        details.put("all consumed after s", seconds(t0, consumedAt));
        details.put("all committed after s", seconds(t0, committedAt));
        details.put("journal rows written", journalRows(node) - journalBase);
        details.put("publish failures", publishing.failed.get());
        if (!done) details.put("lag at timeout", end - committed);
        Result result = new Result(warmup ? "Fleet end to end (first contact: registration)" : "Fleet end to end",
            warmup, expected, t0, publishing.ackedAt(), committedAt, details);
        ok &= record("fleet", result, done);
        if (end - endBase > expected) notes.add("end-to-end round " + r + ": " + (end - endBase - expected) + " duplicate records in Kafka");
      }
    } finally {
      disconnectAll(devices);
    }
    return ok;
  }

  private static long journalRows(FleetNode node) {
    try (var connection = node.infrastructure().database().dataSource().getConnection();
        var statement = connection.createStatement();
        var rows = statement.executeQuery("select count(*) from \"event_journal\"")) {
      return rows.next() ? rows.getLong(1) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing: every device's messages in order, as fast as acknowledged, bounded in flight

  /** What a round's publisher did: how many were acknowledged or failed, and when the last ack came. */
  private static final class Publishing {
    final long expected;
    final AtomicLong acked = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong lastAckAt = new AtomicLong();

    Publishing(long expected) {
      this.expected = expected;
    }

    boolean finished() {
      return acked.get() + failed.get() >= expected;
    }

    long ackedAt() {
      return finished() ? lastAckAt.get() : 0;
    }
  }

  /**
   * Sends {@code perDevice} heartbeats for every device, round robin over devices, from a thread of its own,
   * with at most {@code --in-flight} unacknowledged. Heartbeat timestamps grow by 1 ms per message from the
   * round's start, so each is newer than the device's previous one (Fleet ignores heartbeats that are not).
   */
  private Publishing publish(int perDevice, BiFunction<Integer, byte[], CompletableFuture<?>> send) {
    Publishing publishing = new Publishing((long) perDevice * options.devices);
    say("  round of %d messages starts at %s", publishing.expected, Instant.now());
    Semaphore window = new Semaphore(options.inFlight);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    DeviceKind[] kinds = DeviceKind.values();
    Thread thread = new Thread(() -> {
      try {
        for (int m = 0; m < perDevice; m++) {
          Instant ts = base.plusMillis(m);
          for (int i = 0; i < options.devices; i++) {
            byte[] payload = new HeartbeatMessage(ts, 60 + i % 40, -40 - i % 50, "1.4.2", 3600 + m, 10,
                kinds[i % kinds.length], "household-" + (i % 10 + 1)).toJson();
            window.acquire();
            CompletableFuture<?> sent;
            try {
              sent = send.apply(i, payload);
            } catch (RuntimeException e) {
              sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((ok, error) -> {
              (error == null ? publishing.acked : publishing.failed).incrementAndGet();
              publishing.lastAckAt.set(System.nanoTime());
              window.release();
            });
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-publisher");
    thread.setDaemon(true);
    thread.start();
    return publishing;
  }

  private List<Mqtt5AsyncClient> connectAll(Endpoints endpoints, Function<String, String> clientId,
      Function<String, String> user, Function<String, String> password)
      throws Exception {
    long started = System.nanoTime();
    List<Mqtt5AsyncClient> clients = deviceIds.stream()
        .map(id -> client(endpoints, clientId.apply(id), user.apply(id), password.apply(id))).toList();
    Semaphore connecting = new Semaphore(256);
    List<CompletableFuture<?>> connected = new ArrayList<>();
    for (Mqtt5AsyncClient client : clients) {
      connecting.acquire();
      connected.add(client.connectWith().cleanStart(true).send().whenComplete((ack, e) -> connecting.release()));
    }
    CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    say("  connected %d MQTT clients in %d ms", clients.size(), elapsedMs(started));
    return clients;
  }

  private static Mqtt5AsyncClient client(Endpoints endpoints, String clientId, String user, String password) {
    URI url = URI.create(endpoints.mqttUrl());
    Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5().identifier(clientId)
        .serverHost(url.getHost()).serverPort(url.getPort() < 0 ? 1883 : url.getPort());
    if (user != null && !user.isEmpty()) {
      builder = builder.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    return builder.buildAsync();
  }

  private static void disconnectAll(List<Mqtt5AsyncClient> clients) {
    try {
      CompletableFuture.allOf(clients.stream().map(c -> c.disconnect().exceptionally(e -> null))
          .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("  (some clients did not disconnect cleanly: " + e + ")");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Kafka offsets and Fleet's counters

  private static Admin admin(String bootstrap) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(props);
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    var description = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    Map<TopicPartition, OffsetSpec> latest = description.partitions().stream()
        .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
    return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  private static Map<TopicPartition, Long> committedOffsets(Admin admin, String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    return committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@code fleet_messages_in_total{topic=...}}. */
  private static long count(FleetMetrics metrics, String topic) {
    Counter counter = metrics.registry().find("fleet_messages_in").tag("topic", topic).counter();
    return counter == null ? 0 : (long) counter.count();
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  /** One round of one phase; times are System.nanoTime() values, 0 when never reached. */
  private record Result(String phase, boolean warmup, long messages, long start, long publishedAt, long doneAt,
      Map<String, ?> details) {
    double seconds() {
      return (doneAt - start) / 1e9;
    }

    double rate() {
      return messages / seconds();
    }
  }

  private boolean record(String phase, Result result, boolean done) {
    if (!done) {
      say("  %s%s: NOT COMPLETE after %s: %s", result.phase(), result.warmup() ? " (warm-up)" : "", options.roundTimeout,
          result.details());
      notes.add(result.phase() + " did not complete within " + options.roundTimeout + ": " + result.details());
      return false;
    }
    say("  %-48s %8d msgs %8.2f s %9.0f msg/s  %s", result.phase() + (result.warmup() ? " (warm-up)" : ""),
        result.messages(), result.seconds(), result.rate(), result.details());
    results.computeIfAbsent(phase + (result.warmup() ? "-warmup" : ""), k -> new ArrayList<>()).add(result);
    return true;
  }

  private void report(long heapBefore, long heapAfter, long entitiesBefore, long entities) {
    System.out.println();
    System.out.println("| phase | messages | seconds | msg/s | Fleet ÷ this |");
    System.out.println("| --- | ---: | ---: | ---: | ---: |");
    Result fleet = median("fleet");
    for (String phase : List.of("mqtt", "kafka", "fleet", "fleet-warmup")) {
      Result r = median(phase);
      if (r == null) continue;
      String ratio = fleet == null || phase.startsWith("fleet") ? "" : String.format(Locale.ROOT, "%.2f", fleet.rate() / r.rate());
      String name = phase.equals("fleet-warmup") ? "Fleet end to end, first contact (registers every device; warm-up)" : r.phase();
      System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.0f | %s |%n", name, r.messages(), r.seconds(), r.rate(), ratio);
    }
    if (options.rounds > 1) {
      for (String phase : List.of("mqtt", "kafka", "fleet")) {
        List<Result> all = results.get(phase);
        if (all == null) continue;
        System.out.printf(Locale.ROOT, "rounds of %s: %s msg/s%n", phase,
            all.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.rate())).collect(Collectors.joining(", ")));
      }
    }
    if (fleet != null) System.out.println("Fleet end-to-end timeline (median round): " + fleet.details());
    System.out.printf(Locale.ROOT, "heap used after GC: %d MiB before, %d MiB after (%+d MiB); entities alive: %d before, %d after%n",
        heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) >> 20, entitiesBefore, entities);
    if (entities > 0) {
      System.out.printf(Locale.ROOT, "  ≈ %.1f KiB of heap per live device entity (all of the growth counted)%n",
          (heapAfter - heapBefore) / 1024.0 / entities);
    }
    notes.forEach(n -> System.out.println("note: " + n));
  }

  private Result median(String phase) {
    List<Result> all = results.get(phase);
    if (all == null || all.isEmpty()) return null;
    List<Result> sorted = all.stream().sorted(Comparator.comparingDouble(Result::rate)).toList();
    return sorted.get(sorted.size() / 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private boolean waitFor(BooleanSupplier condition, long t0) throws InterruptedException {
    long deadline = t0 + options.roundTimeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) return false;
      Thread.sleep(2);
    }
    return true;
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static Object seconds(long t0, long at) {
    return at == 0 ? "never" : Math.round((at - t0) / 1e7) / 100.0;
  }

  private static long elapsedMs(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  private static void dropSchema(String url, String schema) {
    try (var connection = DriverManager.getConnection(url); var statement = connection.createStatement()) {
      statement.execute("drop schema if exists " + schema + " cascade");
    } catch (SQLException e) {
      System.out.println("could not drop schema " + schema + ": " + e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.out.println("could not delete " + dir + ": " + e);
    }
  }

  /** The command line. */
  private record Options(int devices, int messages, int warmupMessages, int rounds, int inFlight, Duration roundTimeout,
      String mqttUrl, String dbUrl, List<String> phases) {

    long total() {
      return (long) devices * messages;
    }

    static Options parse(String[] args) {
      Map<String, String> given = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        String key = args[i];
        if (!key.startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("bad argument: " + key);
        given.put(key.substring(2), args[++i]);
      }
      List<String> known = List.of("devices", "messages", "warmup-messages", "rounds", "in-flight", "round-timeout",
          "mqtt-url", "db-url", "phases");
      for (String key : given.keySet()) {
        if (!known.contains(key)) throw new IllegalArgumentException("unknown option --" + key);
      }
      int devices = positive(given.getOrDefault("devices", "2000"), "devices");
      int messages = positive(given.getOrDefault("messages", "10"), "messages");
      List<String> phases = List.of(given.getOrDefault("phases", "mqtt,kafka,fleet").split(","));
      if (!List.of("mqtt", "kafka", "fleet").containsAll(phases)) throw new IllegalArgumentException("phases: mqtt,kafka,fleet");
      return new Options(devices, messages,
          positive(given.getOrDefault("warmup-messages", String.valueOf(messages)), "warmup-messages"),
          positive(given.getOrDefault("rounds", "1"), "rounds"),
          positive(given.getOrDefault("in-flight", "1000"), "in-flight"),
          Duration.ofSeconds(positive(given.getOrDefault("round-timeout", "300s").replaceAll("s$", ""), "round-timeout")),
          given.get("mqtt-url"), given.get("db-url"), phases);
    }

    private static int positive(String value, String name) {
      try {
        int n = Integer.parseInt(value);
        if (n < 1) throw new NumberFormatException();
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " must be a positive integer: " + value);
      }
    }
  }
}
