package io.fleet.bench;

import static io.fleet.bench.Bench.deleteRecursively;
import static io.fleet.bench.Bench.dropSchema;
import static io.fleet.bench.Bench.elapsedMs;
import static io.fleet.bench.Bench.say;
import static io.fleet.bench.Bench.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetCluster;
import io.fleet.api.FleetProcess;
import io.fleet.api.KafkaProcess;
import io.fleet.api.S3Process;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.infra.Endpoints;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * Cluster ingest benchmark: not a test, run by hand (BENCHMARKS.md, "Cluster ingest: 1, 2 and 3 nodes"). The servers
 * are processes of their own, started once and shared by every cluster: one Kafka ({@link KafkaProcess}), S3
 * ({@link S3Process}), PostgreSQL (a private one, or {@code --db-url}) and as many Mosquitto brokers as the largest
 * cluster has nodes. For each node count N of {@code --nodes} it starts N Fleet nodes as child JVMs
 * ({@link FleetCluster}) on a fresh database schema with N brokers (each device pinned to one by its id, one ingress
 * bridge per broker, so the bridges can spread over the nodes) and measures, with the same devices and heartbeat
 * payloads ({@link HeartbeatPublisher}):
 *
 * <ul>
 *   <li>once, before any cluster: <b>raw Kafka</b> produce→consume of the same records ({@link RawKafkaBaseline});
 *   <li>per N: <b>Fleet end to end</b>: D devices, each its own MQTT connection to its broker, publish M heartbeats
 *       each per round (QoS 1). A round is done when the nodes' consumers have taken D×M heartbeat records from
 *       {@code fleet.device-events} ({@code fleet_messages_in_total} on every node's {@code /metrics}) and then the
 *       consumer group's committed offsets reach the topic's end offsets as they were at that moment (the consumer
 *       commits a record only once its entity answered). The bridges' ticks go to the same topic, which is why the
 *       heartbeats are counted by the nodes and not by the offsets.
 * </ul>
 *
 * <p>For each measured round it reports heartbeats/s and their ratio to raw Kafka; each process's CPU seconds per
 * 1,000 heartbeats ({@link ProcessCpu}: every Fleet node, Kafka, the brokers, a private PostgreSQL and this JVM,
 * which runs the devices); remote and local entity asks per 1,000 heartbeats ({@link NodeCounters}); and what was
 * lost: heartbeats acknowledged by the brokers against records handled, and devices whose entity does not show its
 * last heartbeat afterwards. The first round of each cluster is an unmeasured warm-up, also every device's first
 * contact with that cluster's fresh schema (self-registration).
 */
public final class ClusterIngestBenchmark {

  private static final String USAGE = String.join(System.lineSeparator(),
      "usage: ClusterIngestBenchmark [options]",
      "  --nodes LIST           cluster sizes to measure, one after another (default 1,2,3)",
      "  --devices N            devices (= MQTT connections) (default 1000)",
      "  --messages N           heartbeats per device in each measured round (default 20)",
      "  --warmup-messages N    heartbeats per device in each cluster's warm-up round (default = --messages)",
      "  --rounds N             measured rounds per cluster size; the median is reported (default 1)",
      "  --in-flight N          unacknowledged publishes/sends at most (default 1000)",
      "  --round-timeout D      give up a round after this long, e.g. 300s (default 300s)",
      "  --node-heap SIZE       each Fleet node's -Xmx (default 512m)",
      "  --db-url URL           this PostgreSQL (a fresh schema per cluster) instead of a private one");
  private static final String DEVICE_SECRET = "cluster-ingest-bench-secret";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Options options;
  private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
  private final List<String> deviceIds;
  private final HeartbeatPublisher publisher;
  private final Config defaults = ConfigFactory.load();
  private final String topic = defaults.getString("fleet.kafka.topics.device-events");
  private final String group = defaults.getString("fleet.kafka.consumer-group");
  private final List<ClusterRound> measured = new ArrayList<>();
  private final List<ClusterRound> warmups = new ArrayList<>();
  private final List<RawKafkaBaseline.Round> rawRounds = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  private ClusterIngestBenchmark(Options options) {
    this.options = options;
    this.deviceIds = IntStream.range(0, options.devices)
        .mapToObj(i -> String.format(Locale.ROOT, "cb-%s-%05d", run, i)).toList();
    this.publisher = new HeartbeatPublisher(deviceIds, options.inFlight);
  }

  public static void main(String[] args) {
    Bench.main(args, USAGE, given -> new ClusterIngestBenchmark(Options.parse(given))::run);
  }

  private int run() throws Exception {
    long startedAt = System.nanoTime();
    Path dir = Files.createTempDirectory("fleet-cluster-bench-");
    say("machine: %d cores, load average %.2f, %s %s", Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.vm.name"), System.getProperty("java.version"));
    say("parameters: nodes %s, %d devices, %d heartbeats/device/round (%d), warm-up %d/device, %d measured round(s), "
        + "in-flight %d, node heap %s; servers' and nodes' files in %s", options.nodes, options.devices, options.messages,
        (long) options.devices * options.messages, options.warmupMessages, options.rounds, options.inFlight,
        options.nodeHeap, dir);
    boolean ok;
    try (IngestServers servers = IngestServers.start(dir, options.nodes.stream().max(Integer::compare).orElseThrow(), options.dbUrl);
        Admin admin = KafkaOffsets.admin(servers.kafka.bootstrap())) {
      say("servers up in %d s: Kafka %s, brokers %s, PostgreSQL %s", elapsedMs(startedAt) / 1000,
          servers.kafka.bootstrap(), servers.brokerUrls(servers.brokers.size()), servers.postgresUrl);
      ok = rawKafka(admin, servers.kafka.bootstrap());
      for (int nodes : options.nodes) ok &= cluster(nodes, servers, dir, admin);
    }
    report();
    if (ok) deleteRecursively(dir);
    else say("kept the servers' and nodes' files and logs in %s", dir);
    say("done in %d s", elapsedMs(startedAt) / 1000);
    return ok ? 0 : 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Raw Kafka baseline

  private boolean rawKafka(Admin admin, String bootstrap) throws Exception {
    boolean ok = true;
    try (RawKafkaBaseline raw = new RawKafkaBaseline(admin, bootstrap, defaults.getInt("fleet.kafka.partitions"))) {
      for (int r = 0; r <= options.rounds; r++) {
        boolean warmup = r == 0;
        RawKafkaBaseline.Round round = raw.round(publisher, warmup ? options.warmupMessages : options.messages,
            options.roundTimeout);
        double seconds = (round.lastReceivedAt() - round.start()) / 1e9;
        if (!round.done()) {
          say("  raw Kafka produce→consume%s: NOT COMPLETE after %s: %d of %d received, %d send failures",
              warmup ? " (warm-up)" : "", options.roundTimeout, round.received(), round.expected(), round.failed());
          notes.add("a raw Kafka round did not complete within " + options.roundTimeout);
          ok = false;
          continue;
        }
        say("  raw Kafka produce→consume%s: %d records in %.2f s, %.0f/s", warmup ? " (warm-up)" : "", round.expected(),
            seconds, round.expected() / seconds);
        if (!warmup) rawRounds.add(round);
      }
    }
    return ok;
  }

  private double rawKafkaRate() {
    List<Double> rates = rawRounds.stream().map(r -> r.expected() / ((r.lastReceivedAt() - r.start()) / 1e9)).sorted().toList();
    return rates.isEmpty() ? Double.NaN : rates.get(rates.size() / 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Fleet end to end, one cluster size

  private boolean cluster(int nodes, IngestServers servers, Path dir, Admin admin) throws Exception {
    say("");
    say("%d node(s), %d broker(s)", nodes, nodes);
    String schema = "bench_" + run + "_n" + nodes;
    Map<String, Object> settings = servers.settings(nodes, schema);
    settings.put("fleet.simulator.devices", 0);
    // The devices connect unregistered with derived passwords, and register with their first heartbeat.
    settings.put("fleet.device-passwords.mode", "derived");
    settings.put("fleet.device-secret", DEVICE_SECRET);
    // Persistent sessions, as in production: a bridge handed over to another node (as when sharding rebalances after
    // a node joined) resumes its session and loses nothing the broker queued meanwhile. The same client id for every
    // cluster: each cluster's bridges take over the sessions of the one before (nothing is published in between).
    settings.put("fleet.mqtt.client-id", "fleet-bench-" + run);
    settings.put("fleet.mqtt.clean-session", false);
    long started = System.nanoTime();
    boolean ok = true;
    try (FleetCluster cluster = FleetCluster.onLoopback(dir.resolve("nodes-" + nodes), nodes, options.nodeHeap).start(settings, nodes)) {
      say("  cluster up in %d s; bridges: %s", elapsedMs(started) / 1000, bridges(cluster));
      ProcessCpu cpu = new ProcessCpu();
      for (FleetProcess node : cluster.nodes()) cpu.add(node.name(), node.pid());
      servers.addTo(cpu, nodes);
      cpu.add("benchmark (devices)", ProcessHandle.current().pid());
      List<String> urls = servers.brokerUrls(nodes);
      DerivedPasswords passwords = new DerivedPasswords(DEVICE_SECRET);
      try (MqttDevices devices = MqttDevices.connect(deviceIds, id -> urls.get(Endpoints.brokerOf(id, nodes)), id -> id,
          id -> id, passwords::passwordFor)) {
        for (int r = 0; r <= options.rounds; r++) {
          boolean warmup = r == 0;
          ClusterRound round = round(nodes, warmup, cluster, devices, cpu, admin);
          say("  %s", round.summary(rawKafkaRate()));
          if (!round.done()) {
            notes.add(nodes + " node(s): a round did not complete within " + options.roundTimeout + " (" + round.timeline() + ")");
            ok = false;
          }
          (warmup ? warmups : measured).add(round);
        }
      }
    } finally {
      if (servers.privatePostgres == null) dropSchema(servers.postgresUrl, schema);
    }
    return ok;
  }

  /** One round: every device's heartbeats published, awaited handled, measured. */
  private ClusterRound round(int nodes, boolean warmup, FleetCluster cluster, MqttDevices devices, ProcessCpu cpu,
      Admin admin) throws Exception {
    int perDevice = warmup ? options.warmupMessages : options.messages;
    Map<String, String> bridges = bridges(cluster);
    long expected = (long) perDevice * options.devices;
    Map<String, NodeCounters> before = counters(cluster);
    Map<String, Long> cpuBefore = cpu.snapshot();
    long t0 = System.nanoTime();
    HeartbeatPublisher.Publishing publishing = publisher.publish(perDevice,
        (i, payload) -> devices.publish(i, "fleet/" + deviceIds.get(i) + "/heartbeat", payload));
    long deadline = t0 + options.roundTimeout.toNanos();
    Map<String, Object> timeline = new LinkedHashMap<>();
    // Every heartbeat taken by a node's consumer, counted by the nodes (the bridges' ticks share the topic).
    long bridgedAt = 0;
    long consumedAt = 0;
    while (consumedAt == 0 && System.nanoTime() < deadline) {
      NodeCounters progress = total(counters(cluster)).minus(total(before));
      long now = System.nanoTime();
      if (bridgedAt == 0 && progress.bridged() >= expected) bridgedAt = now;
      if (progress.consumed() >= expected) consumedAt = now;
      else Thread.sleep(50); // polling the nodes' counters
    }
    // Then every record up to there handled: the group committed the end offsets of that moment.
    long committedAt = 0;
    if (consumedAt != 0) {
      Map<TopicPartition, Long> end = KafkaOffsets.end(admin, topic);
      while (committedAt == 0 && System.nanoTime() < deadline) {
        if (KafkaOffsets.reached(KafkaOffsets.committed(admin, group, topic), end)) committedAt = System.nanoTime();
        else Thread.sleep(20); // polling the committed offsets
      }
    }
    Map<String, Long> cpuAfter = cpu.snapshot();
    Map<String, NodeCounters> handled = new LinkedHashMap<>();
    counters(cluster).forEach((node, after) -> handled.put(node, after.minus(before.get(node))));
    while (!publishing.finished() && System.nanoTime() < deadline) Thread.sleep(10); // polling the publisher's count
    timeline.put("all PUBACKed after s", seconds(t0, publishing.ackedAt()));
    timeline.put("all bridged after s", seconds(t0, bridgedAt));
    timeline.put("all consumed after s", seconds(t0, consumedAt));
    timeline.put("all committed after s", seconds(t0, committedAt));
    Map<String, Double> cpuSeconds = new LinkedHashMap<>();
    cpuBefore.forEach((name, ticks) -> cpuSeconds.put(name, (cpuAfter.get(name) - ticks) / ProcessCpu.TICKS_PER_SECOND));
    if (!bridges.equals(bridges(cluster))) timeline.put("bridges moved during the round, now", bridges(cluster));
    long behind = committedAt == 0 ? -1 : devicesBehind(cluster.nodes().get(0), publishing.lastUptime);
    return new ClusterRound(nodes, warmup, expected, publishing.acked.get(), publishing.failed.get(),
        committedAt == 0 ? Double.NaN : (committedAt - t0) / 1e9, handled, cpuSeconds, bridges, behind, timeline);
  }

  /** Which brokers' bridges each node runs, as the nodes said last. */
  private static Map<String, String> bridges(FleetCluster cluster) {
    Map<String, String> bridges = new LinkedHashMap<>();
    for (FleetProcess node : cluster.nodes()) {
      bridges.put(node.name(), node.bridgesHere().stream().sorted().map(b -> "broker " + (b + 1)).collect(Collectors.joining(", ")));
    }
    return bridges;
  }

  private Map<String, NodeCounters> counters(FleetCluster cluster) throws Exception {
    Map<String, NodeCounters> counters = new LinkedHashMap<>();
    for (FleetProcess node : cluster.nodes()) counters.put(node.name(), NodeCounters.scrape(node, topic));
    return counters;
  }

  private static NodeCounters total(Map<String, NodeCounters> counters) {
    return counters.values().stream().reduce(NodeCounters.zero(), NodeCounters::plus);
  }

  /** How many devices' entities do not show their last heartbeat ({@code uptimeS}), asked through {@code node}. */
  private long devicesBehind(FleetProcess node, long lastUptime) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long behind = 0;
    for (String id : deviceIds) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/api/devices/" + id))
          .header("Authorization", "Bearer " + FleetProcess.OPERATOR_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
      JsonNode view = response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
      if (view.path("uptimeS").asLong(-1) != lastUptime) behind++;
    }
    return behind;
  }

  /** A cluster's round: what was sent, how long until handled, and per node and server what it cost. */
  private record ClusterRound(int nodes, boolean warmup, long messages, long acked, long failed, double seconds,
      Map<String, NodeCounters> handled, Map<String, Double> cpuSeconds, Map<String, String> bridges, long devicesBehind,
      Map<String, Object> timeline) {

    boolean done() {
      return !Double.isNaN(seconds);
    }

    double rate() {
      return messages / seconds;
    }

    NodeCounters total() {
      return ClusterIngestBenchmark.total(handled);
    }

    /** Acknowledged heartbeats that no node's consumer took (0 when the round completed). */
    long lost() {
      return Math.max(0, acked - total().consumed());
    }

    double perThousand(double value) {
      return value * 1000.0 / messages;
    }

    /** CPU seconds of all Fleet nodes together. */
    double fleetCpu() {
      return handled.keySet().stream().mapToDouble(cpuSeconds::get).sum();
    }

    String summary(double raw) {
      String name = warmup ? "warm-up, first contact" : "measured";
      if (!done()) return String.format(Locale.ROOT, "%s: NOT COMPLETE: %d acked, %s, timeline %s", name, acked, total(), timeline);
      return String.format(Locale.ROOT,
          "%s: %d heartbeats in %.2f s, %.0f/s (÷ raw Kafka %.3f); remote asks %d, local %d; lost %d, devices behind %d, "
              + "publish failures %d; CPU s %s; %s",
          name, messages, seconds, rate(), rate() / raw, total().remoteAsks(), total().localAsks(), lost(), devicesBehind,
          failed, cpuSeconds, timeline);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Report

  private void report() {
    double raw = rawKafkaRate();
    System.out.println();
    System.out.printf(Locale.ROOT, "raw Kafka produce→consume (median of %d): %.0f records/s%n%n", rawRounds.size(), raw);
    System.out.println("| nodes | bridges | heartbeats | seconds | heartbeats/s | ÷ raw Kafka | Fleet CPU s per 1,000 "
        + "(all nodes) | remote asks per 1,000 | lost | devices behind | first contact/s (warm-up) |");
    System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (int nodes : options.nodes) {
      ClusterRound r = median(nodes);
      if (r == null) continue;
      String firstContact = warmups.stream().filter(w -> w.nodes() == nodes && w.done())
          .map(w -> String.format(Locale.ROOT, "%.0f", w.rate())).findFirst().orElse("—");
      System.out.printf(Locale.ROOT, "| %d | %s | %d | %.2f | %.0f | %.3f | %.2f | %.1f | %d | %d | %s |%n", nodes,
          r.bridges().entrySet().stream().filter(e -> !e.getValue().isEmpty())
              .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; ")),
          r.messages(), r.seconds(), r.rate(), r.rate() / raw, r.perThousand(r.fleetCpu()),
          r.perThousand(r.total().remoteAsks()), r.lost(), r.devicesBehind(), firstContact);
    }
    System.out.println();
    System.out.println("| nodes | process | CPU s per 1,000 heartbeats | cores busy | heartbeats consumed | remote asks per 1,000 | local asks per 1,000 |");
    System.out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for (int nodes : options.nodes) {
      ClusterRound r = median(nodes);
      if (r == null) continue;
      r.cpuSeconds().forEach((process, cpu) -> {
        NodeCounters node = r.handled().get(process);
        System.out.printf(Locale.ROOT, "| %d | %s | %.3f | %.2f | %s | %s | %s |%n", nodes, process, r.perThousand(cpu),
            cpu / r.seconds(), node == null ? "" : Long.toString(node.consumed()),
            node == null ? "" : String.format(Locale.ROOT, "%.1f", r.perThousand(node.remoteAsks())),
            node == null ? "" : String.format(Locale.ROOT, "%.1f", r.perThousand(node.localAsks())));
      });
      double all = r.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf(Locale.ROOT, "| %d | all of the above | %.3f | %.2f | | | |%n", nodes, r.perThousand(all), all / r.seconds());
    }
    if (options.rounds > 1) {
      for (int nodes : options.nodes) {
        System.out.printf(Locale.ROOT, "rounds with %d node(s): %s heartbeats/s%n", nodes, measured.stream()
            .filter(r -> r.nodes() == nodes && r.done()).map(r -> String.format(Locale.ROOT, "%.0f", r.rate()))
            .collect(Collectors.joining(", ")));
      }
    }
    for (int nodes : options.nodes) {
      ClusterRound r = median(nodes);
      if (r != null) System.out.printf("timeline with %d node(s) (median round): %s%n", nodes, r.timeline());
    }
    notes.forEach(n -> System.out.println("note: " + n));
  }

  private ClusterRound median(int nodes) {
    List<ClusterRound> rounds = measured.stream().filter(r -> r.nodes() == nodes && r.done())
        .sorted(Comparator.comparingDouble(ClusterRound::rate)).toList();
    return rounds.isEmpty() ? null : rounds.get(rounds.size() / 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** The command line. */
  private record Options(List<Integer> nodes, int devices, int messages, int warmupMessages, int rounds, int inFlight,
      Duration roundTimeout, String nodeHeap, String dbUrl) {

    static Options parse(String[] args) {
      CommandLine given = CommandLine.parse(args, List.of("nodes", "devices", "messages", "warmup-messages", "rounds",
          "in-flight", "round-timeout", "node-heap", "db-url"));
      int messages = given.positive("messages", "20");
      return new Options(given.positives("nodes", "1,2,3"), given.positive("devices", "1000"), messages,
          given.positive("warmup-messages", String.valueOf(messages)), given.positive("rounds", "1"),
          given.positive("in-flight", "1000"), given.seconds("round-timeout", "300s"), given.get("node-heap", "512m"),
          given.get("db-url"));
    }
  }
}
