package io.fleet.bench;

import static io.fleet.bench.Bench.deleteRecursively;
import static io.fleet.bench.Bench.dropSchema;
import static io.fleet.bench.Bench.elapsedMs;
import static io.fleet.bench.Bench.heapAfterGc;
import static io.fleet.bench.Bench.say;
import static io.fleet.bench.Bench.seconds;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.infra.Database;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.Endpoints;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.HeartbeatMessage;
import io.fleet.runtime.FleetNode;
import io.micrometer.core.instrument.Counter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;

/**
 * End-to-end ingest benchmark: not a test, run by hand (see BENCHMARKS.md for the command). It starts one
 * Fleet node (embedded servers on a temporary data directory, no demo devices; optionally the machine's
 * MQTT broker and PostgreSQL) and measures, in the same JVM and run, with the same message count and
 * heartbeat payloads (the simulator's wire form, {@link HeartbeatMessage#toJson()}):
 *
 * <ol>
 *   <li><b>raw MQTT</b>: N publisher connections publish QoS 1 to {@code bench/{id}/heartbeat}, one
 *       subscriber receives them all (topics the ingress bridge does not subscribe to); then again with a
 *       subscriber keeping a persistent session, as the bridge does ({@code mqtt-durable});
 *   <li><b>raw Kafka</b>: the same records keyed by device id produced (acks=all, idempotent, as Fleet's
 *       producer) to a scratch topic with as many partitions as Fleet's, one consumer reads them all;
 *   <li><b>Fleet end to end</b>: N devices, each with its own MQTT connection and credentials, publish to
 *       {@code fleet/{id}/heartbeat}; IngressBridge → Kafka {@code fleet.device-events} →
 *       DeviceEventConsumer → Device entities. Done when the consumer has taken every heartbeat sent (its
 *       counter) and the group has then committed up to the topic's end offsets of that moment (the consumer
 *       commits a record only after its entity answered, so every heartbeat was handled by then; the bridges'
 *       ticks share the topic, so its offsets alone do not count heartbeats).
 * </ol>
 *
 * Publishers send as fast as the broker acknowledges, with at most {@code --in-flight} unacknowledged
 * messages, each device's messages in order. Every phase first runs an unmeasured warm-up round; for the
 * end-to-end phase that round is also each device's first contact (self-registration), reported apart, and a last
 * round, once warm, has as many new devices make first contact.
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
      "  --phases LIST          comma-separated subset of mqtt,mqtt-durable,kafka,fleet (default all)");

  /** How long the durable baseline's subscriber session outlives a connection (it disconnects with 0). */
  private static final long SESSION_EXPIRY_S = 600;
  private final Options options;
  private final List<String> deviceIds;
  private final HeartbeatPublisher publisher;
  private final Map<String, List<Result>> results = new HashMap<>();
  private final List<String> notes = new ArrayList<>();

  private IngestBenchmark(Options options) {
    this.options = options;
    this.deviceIds = IntStream.range(0, options.devices)
        .mapToObj(i -> String.format(Locale.ROOT, "bench-%05d", i)).toList();
    this.publisher = new HeartbeatPublisher(deviceIds, options.inFlight);
  }

  public static void main(String[] args) {
    Bench.main(args, USAGE, given -> new IngestBenchmark(Options.parse(given))::run);
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
      try (Admin admin = KafkaOffsets.admin(endpoints.kafkaBootstrap())) {
        if (options.phases.contains("mqtt")) ok &= rawMqtt(node, false);
        if (options.phases.contains("mqtt-durable")) ok &= rawMqtt(node, true);
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

  /**
   * {@code durable}: the subscriber keeps a persistent session, as the ingress bridge does (the broker then keeps
   * each QoS 1 message it queues for it, on disk with the embedded broker's default file persistence); otherwise
   * a clean one.
   */
  private boolean rawMqtt(FleetNode node, boolean durable) throws Exception {
    Endpoints endpoints = node.endpoints();
    String round = "r" + UUID.randomUUID().toString().substring(0, 6);
    String phase = durable ? "raw MQTT pub→sub, persistent session" : "raw MQTT pub→sub";
    AtomicLong received = new AtomicLong();
    AtomicLong lastReceivedAt = new AtomicLong();
    Mqtt5AsyncClient subscriber =
        MqttDevices.client(endpoints.mqttUrl(), "bench-sub-" + round, endpoints.mqttUser(), endpoints.mqttPassword());
    subscriber.connectWith().cleanStart(true).sessionExpiryInterval(durable ? SESSION_EXPIRY_S : 0)
        .send().get(30, TimeUnit.SECONDS);
    subscriber.subscribeWith().topicFilter("bench/" + round + "/#").qos(MqttQos.AT_LEAST_ONCE)
        .callback(p -> {
          received.incrementAndGet();
          lastReceivedAt.set(System.nanoTime());
        })
        .send().get(30, TimeUnit.SECONDS);
    boolean ok = true;
    try (MqttDevices publishers = MqttDevices.connect(deviceIds, id -> endpoints.mqttUrl(), id -> "bench-pub-" + id,
        id -> endpoints.mqttUser(), id -> endpoints.mqttPassword())) {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        int perDevice = warmup ? options.warmupMessages : options.messages;
        long expected = (long) perDevice * options.devices;
        received.set(0);
        long t0 = System.nanoTime();
        HeartbeatPublisher.Publishing publishing = publisher.publish(perDevice,
            (i, payload) -> publishers.publish(i, "bench/" + round + "/" + deviceIds.get(i) + "/heartbeat", payload));
        boolean done = waitFor(() -> received.get() >= expected && publishing.finished(), t0);
        Result result = new Result(phase, warmup, expected, t0, publishing.ackedAt(), lastReceivedAt.get(),
            Map.of("received", received.get(), "publish failures", publishing.failed.get()));
        ok &= record(durable ? "mqtt-durable" : "mqtt", result, done);
      }
    } finally {
      // Leaves no session behind on the broker.
      subscriber.disconnectWith().sessionExpiryInterval(0).send().get(10, TimeUnit.SECONDS);
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 2: raw Kafka produce → consume

  private boolean rawKafka(FleetNode node, Admin admin) throws Exception {
    int partitions = node.system().settings().config().getInt("fleet.kafka.partitions");
    boolean ok = true;
    try (RawKafkaBaseline raw = new RawKafkaBaseline(admin, node.endpoints().kafkaBootstrap(), partitions)) {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        RawKafkaBaseline.Round round = raw.round(publisher, warmup ? options.warmupMessages : options.messages,
            options.roundTimeout);
        Result result = new Result("raw Kafka produce→consume", warmup, round.expected(), round.start(), round.ackedAt(),
            round.lastReceivedAt(), Map.of("received", round.received(), "send failures", round.failed()));
        ok &= record("kafka", result, round.done());
      }
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Phase 3: Fleet end to end

  private boolean endToEnd(FleetNode node, Admin admin) throws Exception {
    boolean ok = true;
    try (MqttDevices devices = connectDevices(node, deviceIds)) {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        String phase = warmup ? "Fleet end to end (first contact: registration)" : "Fleet end to end";
        ok &= fleetRound(node, admin, devices, publisher, warmup ? options.warmupMessages : options.messages, phase,
            "fleet", warmup);
      }
    }
    // First contact again once warm (the warm-up round's is also the JIT's): as many devices never seen before, each
    // registered by its first heartbeat, the same messages per device as a measured round. The first set disconnects
    // first (one process holds both ends of every connection here).
    List<String> fresh = deviceIds.stream().map(id -> id.replace("bench-", "bench-new-")).toList();
    try (MqttDevices devices = connectDevices(node, fresh)) {
      ok &= fleetRound(node, admin, devices, new HeartbeatPublisher(fresh, options.inFlight), options.messages,
          "Fleet end to end, first contact (warm)", "fleet-first", false);
    }
    return ok;
  }

  private MqttDevices connectDevices(FleetNode node, List<String> ids) throws Exception {
    Endpoints endpoints = node.endpoints();
    boolean authenticated = !endpoints.mqttUser().isEmpty();
    var credentials = node.infrastructure().derivedPasswords();
    return MqttDevices.connect(ids, id -> endpoints.mqttUrl(), id -> id, id -> authenticated ? id : "",
        id -> authenticated ? credentials.passwordFor(id) : "");
  }

  /** One round of {@code perDevice} heartbeats from each device, recorded under {@code key} (and warm-up). */
  private boolean fleetRound(FleetNode node, Admin admin, MqttDevices devices, HeartbeatPublisher publisher,
      int perDevice, String phase, String key, boolean warmup) throws Exception {
    String topic = node.ingestSettings().deviceEventsTopic();
    String group = node.ingestSettings().consumerGroup();
    FleetMetrics metrics = FleetMetrics.get(node.system());
    List<String> ids = publisher.deviceIds();
    long expected = (long) perDevice * ids.size();
    long bridgedBase = count(metrics, "mqtt:heartbeat");
    long consumedBase = count(metrics, topic + ":heartbeat");
    long journalBase = journalRows(node);
    long directBase = takenDirectly(node);
    long t0 = System.nanoTime();
    HeartbeatPublisher.Publishing publishing = publisher.publish(perDevice,
        (i, payload) -> devices.publish(i, "fleet/" + ids.get(i) + "/heartbeat", payload));
    long deadline = t0 + options.roundTimeout.toNanos();
    long bridgedAt = 0;
    long consumedAt = 0;
    long committedAt = 0;
    // The bridges' ticks share the topic, so offsets say nothing of how many heartbeats are in: the consumer's
    // counter says when all were taken; then the round is done once the group committed up to the end offsets of
    // that moment (a record is committed only after its entity answered).
    long endWhenConsumed = -1;
    long committed = 0;
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      if (bridgedAt == 0 && count(metrics, "mqtt:heartbeat") - bridgedBase >= expected) bridgedAt = now;
      if (consumedAt == 0 && count(metrics, topic + ":heartbeat") - consumedBase >= expected) {
        consumedAt = now;
        endWhenConsumed = KafkaOffsets.sum(KafkaOffsets.end(admin, topic));
      }
      if (consumedAt != 0) {
        committed = KafkaOffsets.sum(KafkaOffsets.committed(admin, group, topic));
        if (committed >= endWhenConsumed) {
          committedAt = System.nanoTime();
          break;
        }
      }
      Thread.sleep(10);
    }
    boolean done = committedAt != 0 && waitFor(publishing::finished, t0);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("bridged (counter)", count(metrics, "mqtt:heartbeat") - bridgedBase);
    long consumed = count(metrics, topic + ":heartbeat") - consumedBase;
    details.put("consumed (counter)", consumed);
    details.put("all PUBACKed after s", seconds(t0, publishing.ackedAt()));
    details.put("all taken for Kafka (bridge or broker) after s", seconds(t0, bridgedAt));
    details.put("all consumed after s", seconds(t0, consumedAt));
    details.put("all committed after s", seconds(t0, committedAt));
    details.put("journal rows written", journalRows(node) - journalBase);
    details.put("taken straight to Kafka by the broker", takenDirectly(node) - directBase);
    details.put("publish failures", publishing.failed.get());
    if (!done) details.put("lag at timeout", KafkaOffsets.sum(KafkaOffsets.end(admin, topic)) - committed);
    Result result = new Result(phase, warmup, expected, t0, publishing.ackedAt(), committedAt, details);
    if (consumed > expected) notes.add(phase + ": " + (consumed - expected) + " heartbeats consumed twice");
    return record(key, result, done);
  }

  /** Device messages the embedded broker took straight to Kafka so far (0 with an external broker). */
  private static long takenDirectly(FleetNode node) {
    return node.infrastructure().embeddedBroker().map(EmbeddedMqttBroker::takenDirectlyTotal).orElse(0L);
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
  // Fleet's counters

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
    for (String phase : List.of("mqtt", "mqtt-durable", "kafka", "fleet", "fleet-warmup", "fleet-first")) {
      Result r = median(phase);
      if (r == null) continue;
      String ratio = fleet == null || phase.startsWith("fleet") ? "" : String.format(Locale.ROOT, "%.2f", fleet.rate() / r.rate());
      String name = phase.equals("fleet-warmup") ? "Fleet end to end, first contact (registers every device; warm-up)" : r.phase();
      System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.0f | %s |%n", name, r.messages(), r.seconds(), r.rate(), ratio);
    }
    Result first = median("fleet-first");
    if (fleet != null && first != null) {
      System.out.printf(Locale.ROOT, "first contact (warm) ÷ steady: %.2f; first contact (warm-up round) ÷ steady: %.2f%n",
          first.rate() / fleet.rate(), median("fleet-warmup") == null ? 0 : median("fleet-warmup").rate() / fleet.rate());
    }
    if (options.rounds > 1) {
      for (String phase : List.of("mqtt", "mqtt-durable", "kafka", "fleet")) {
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

  /** The command line. */
  private record Options(int devices, int messages, int warmupMessages, int rounds, int inFlight, Duration roundTimeout,
      String mqttUrl, String dbUrl, List<String> phases) {

    long total() {
      return (long) devices * messages;
    }

    static Options parse(String[] args) {
      CommandLine given = CommandLine.parse(args, List.of("devices", "messages", "warmup-messages", "rounds", "in-flight",
          "round-timeout", "mqtt-url", "db-url", "phases"));
      int messages = given.positive("messages", "10");
      List<String> phases = List.of(given.get("phases", "mqtt,mqtt-durable,kafka,fleet").split(","));
      if (!List.of("mqtt", "mqtt-durable", "kafka", "fleet").containsAll(phases)) {
        throw new IllegalArgumentException("phases: mqtt,mqtt-durable,kafka,fleet");
      }
      return new Options(given.positive("devices", "2000"), messages,
          given.positive("warmup-messages", String.valueOf(messages)),
          given.positive("rounds", "1"),
          given.positive("in-flight", "1000"),
          given.seconds("round-timeout", "300s"),
          given.get("mqtt-url"), given.get("db-url"), phases);
    }
  }
}
