package io.fleet.bench;

import static io.fleet.bench.Bench.deleteRecursively;
import static io.fleet.bench.Bench.dropSchema;
import static io.fleet.bench.Bench.elapsedMs;
import static io.fleet.bench.Bench.heapAfterGc;
import static io.fleet.bench.Bench.say;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.device.Device;
import io.fleet.device.DeviceShards;
import io.fleet.device.DeviceView;
import io.fleet.device.SteadyHeartbeats;
import io.fleet.infra.Database;
import io.fleet.infra.IngestHeaders;
import io.fleet.infra.KafkaTopics;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import io.fleet.runtime.FleetNode;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * Heap per online device: not a test, run by hand (see BENCHMARKS.md for the command). One Fleet node (embedded
 * servers on a temporary data directory, or PostgreSQL), no MQTT devices: their records are written straight to
 * {@code fleet.device-events} as the ingress bridge writes them (partition of the device's shard, the bridge's
 * headers), since 100,000 MQTT sockets would not fit one process's 20,000 open files here.
 *
 * <ol>
 *   <li>The idle node: heap after a full GC.
 *   <li>{@code --registered} minus {@code --online} devices each send one telemetry reading, which registers them
 *       (never online); their entities passivate once idle ({@code passivate-after}, 30 s here).
 *   <li>The node holding them, none online: heap after a full GC and a class histogram.
 *   <li>{@code --online} devices heartbeat every {@code --interval} (spread evenly over it), the first heartbeat
 *       registering each; first contact is spread over {@code --first-contact}, the devices contacted so far
 *       heartbeating meanwhile, then for {@code --minutes} once all are online (long enough for their entities to park,
 *       {@code park-after}); then,
 *       still heartbeating, the heap after a full GC and the largest classes of a class histogram
 *       ({@code GC.class_histogram}). Per online device: the growth over the registered-only node, divided by the
 *       online devices (and, for comparison, over the idle node). Raw baseline, in the same run: a map of the same device ids to their last seen
 *       and deadline ({@code ConcurrentHashMap<String, long[]>}), the least a node must hold per online device.
 *   <li>Views: {@code --views} parked devices' views asked through sharding ({@code Device.Get}, 64 at a time), then
 *       as many registered-only devices' (their entities stopped: each view recovers one from the journal, what a
 *       parked device's view cost before its row answered it); views per second of each, their ratio, and how many
 *       entities each started.
 *   <li>Offline detection: {@code --silent} of the online devices stop; for each, the time from its last heartbeat
 *       to its offline judgment ({@code device_summary.status_since}), against 3 × interval + 1 s.
 * </ol>
 */
public final class OnlineMemoryBenchmark {

  private static final String USAGE = String.join(System.lineSeparator(),
      "usage: OnlineMemoryBenchmark [options]",
      "  --online N       devices heartbeating (default 20000)",
      "  --registered N   devices registered, the online ones included (default = --online)",
      "  --interval S     heartbeat interval in seconds (default 30)",
      "  --minutes N      minutes of heartbeats before the heap is measured (default 2)",
      "  --silent N       online devices that stop, for the offline detection figure (default 1000)",
      "  --first-contact S  seconds over which the online devices' first heartbeats are spread (default --interval)",
      "  --views N        parked and registered-only devices viewed each (default 2000)",
      "  --db-url URL     use this PostgreSQL (fresh schema) instead of the embedded H2");
  /** Idle entities of registered-only devices stop after this long (the shipped default is 2 min). */
  private static final Duration PASSIVATE_AFTER = Duration.ofSeconds(30);
  private static final int TOP_CLASSES = 40;

  private final int online;
  private final int registered;
  private final int intervalS;
  private final int minutes;
  private final int silent;
  private final int firstContactS;
  private final int views;
  private final String dbUrl;

  private OnlineMemoryBenchmark(CommandLine given) {
    this.online = given.positive("online", "20000");
    this.registered = Math.max(online, given.positive("registered", Integer.toString(online)));
    this.intervalS = given.positive("interval", "30");
    this.minutes = given.positive("minutes", "2");
    this.silent = Math.min(online, given.positive("silent", "1000"));
    this.firstContactS = given.positive("first-contact", Integer.toString(intervalS));
    this.views = Math.min(online - silent, given.positive("views", "2000"));
    this.dbUrl = given.get("db-url");
  }

  public static void main(String[] args) {
    Bench.main(args, USAGE, given -> new OnlineMemoryBenchmark(CommandLine.parse(given,
        List.of("online", "registered", "interval", "minutes", "silent", "first-contact", "views", "db-url")))::run);
  }

  private int run() throws Exception {
    Path dataDir = Files.createTempDirectory("fleet-bench-");
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    say("machine: %d cores, max heap %d MiB; %d online of %d registered devices, heartbeat every %d s, %d min",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, online, registered,
        intervalS, minutes);
    // The raw baseline first, on a quiet JVM: the node's own churn would drown a few MiB in the noise of a GC.
    long raw = rawBaseline();
    long startedAt = System.nanoTime();
    FleetNode node = FleetNode.start(config(dataDir, schema));
    try {
      say("node started in %d ms, db %s", elapsedMs(startedAt), node.endpoints().dbIsPostgres() ? "PostgreSQL" : "H2");
      long idle = heapAfterGc();
      say("idle node: heap after GC %d MiB", idle >> 20);
      Map<String, long[]> idleClasses = histogram();
      try (KafkaProducer<String, byte[]> producer = producer(node.endpoints().kafkaBootstrap());
           Admin admin = KafkaOffsets.admin(node.endpoints().kafkaBootstrap())) {
        DeviceShards shards = new DeviceShards(node.system().settings().config().getInt("pekko.cluster.sharding.number-of-shards"),
            KafkaTopics.partitionsOf(admin, node.ingestSettings().deviceEventsTopic()));
        Records records = new Records(producer, node.ingestSettings().deviceEventsTopic(), shards);
        registerOnly(node, records);
        // The node holding the registered devices' journal, read side and database cache, none online: what the
        // online devices add is measured from here (the first figure, from the idle node, includes it).
        long registeredOnly = heapAfterGc();
        Map<String, long[]> registeredClasses = histogram();
        say("registered, none online: heap after GC %d MiB (+%d MiB over idle)", registeredOnly >> 20,
            (registeredOnly - idle) >> 20);
        Heartbeats beats = new Heartbeats(records, online);
        long t0 = System.nanoTime();
        long firstContact = beats.rampUp(Duration.ofSeconds(firstContactS), online);
        say("first contact: %d devices in %.1f s (%.0f/s offered)", online, firstContact / 1e9, online / (firstContact / 1e9));
        // Still heartbeating (a device unheard for 3 intervals is rightly judged offline), until all are online.
        long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
        while (count(node, "status = 'online'") < online) {
          if (System.nanoTime() > giveUp) throw new IllegalStateException("not all " + online + " online within 20 minutes");
          beats.round(Duration.ofSeconds(intervalS), online);
        }
        long allOnline = System.nanoTime();
        say("all %d online after %.1f s", online, (allOnline - t0) / 1e9);
        // Minutes of steady heartbeats once all are online: their entities have had time to park.
        long until = allOnline + TimeUnit.MINUTES.toNanos(minutes);
        while (System.nanoTime() < until) beats.round(Duration.ofSeconds(intervalS), online);
        long entities = FleetMetrics.get(node.system()).entitiesAlive();
        long parked = SteadyHeartbeats.get(node.system()).parkedCount();
        long heap = heapAfterGc();
        Map<String, long[]> classes = histogram();
        double perDevice = (heap - registeredOnly) / (double) online;
        say("heap after GC while %d devices heartbeat: %d MiB (+%d MiB over idle, +%d MiB over registered-only);"
            + " entities alive: %d, devices parked: %d", online, heap >> 20, (heap - idle) >> 20,
            (heap - registeredOnly) >> 20, entities, parked);
        say("over the idle node: %.2f KiB per online device", (heap - idle) / (double) online / 1024);
        say("PER ONLINE DEVICE (over registered-only): %.2f KiB; raw baseline (device id → last seen, deadline): %.2f KiB;"
            + " ratio %.1f×", perDevice / 1024, raw / (double) online / 1024, perDevice / (raw / (double) online));
        System.out.println(growth(registeredClasses, classes, online));
        views(node);
        offlineDetection(node, beats);
      }
    } finally {
      node.close();
      deleteRecursively(dataDir);
      if (dbUrl != null) dropSchema(dbUrl, schema);
    }
    say("done in %d s", elapsedMs(startedAt) / 1000);
    return 0;
  }

  private Config config(Path dataDir, String schema) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    settings.put("fleet.device.passivate-after", PASSIVATE_AFTER.toSeconds() + "s");
    if (dbUrl != null) settings.put("fleet.db.url", Database.freshPostgresSchemaUrl(dbUrl, schema));
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve();
  }

  /** The id of the {@code i}th registered-only device. */
  private static String registeredOnly(int i) {
    return String.format(Locale.ROOT, "reg-%07d", i);
  }

  /** Devices that register with one telemetry reading and are never online; waits until their entities stopped. */
  private void registerOnly(FleetNode node, Records records) throws Exception {
    int extra = registered - online;
    if (extra == 0) return;
    long t0 = System.nanoTime();
    for (int i = 0; i < extra; i++) {
      String json = "{\"ts\":\"" + Instant.now() + "\",\"readings\":{\"temperature\":21.5}}";
      records.send(registeredOnly(i), "telemetry", json.getBytes(StandardCharsets.UTF_8));
    }
    await("every registered-only device registered", Duration.ofMinutes(60), () -> count(node, "status = 'unknown'") >= extra);
    say("%d registered-only devices in %.1f s", extra, (System.nanoTime() - t0) / 1e9);
    await("their entities passivated", Duration.ofMinutes(10),
        () -> FleetMetrics.get(node.system()).entitiesAlive() < extra / 100 + 10);
    say("their entities stopped after %.1f s", (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Views of parked devices (beyond the {@code silent} ones), answered from their rows, against views of as many
   * registered-only devices, whose entities recover from the journal to answer.
   */
  private void views(FleetNode node) throws Exception {
    int n = Math.min(views, registered - online);
    if (n == 0) {
      say("VIEWS: none measured (no registered-only devices to compare with)");
      return;
    }
    FleetMetrics metrics = FleetMetrics.get(node.system());
    long parkedBefore = SteadyHeartbeats.get(node.system()).parkedCount();
    long alive = metrics.entitiesAlive();
    double parkedRate = viewRate(node, i -> Heartbeats.id(silent + i), n);
    long startedByParked = metrics.entitiesAlive() - alive;
    long stillParked = SteadyHeartbeats.get(node.system()).parkedCount();
    alive = metrics.entitiesAlive();
    double recoveredRate = viewRate(node, OnlineMemoryBenchmark::registeredOnly, n);
    long startedByRecovered = metrics.entitiesAlive() - alive;
    say("VIEWS of %d parked devices: %.0f/s, entities started %d, parked before/after %d/%d; of %d registered-only"
        + " devices (each recovers its entity): %.0f/s, entities started %d; ratio %.1f×", n, parkedRate, startedByParked,
        parkedBefore, stillParked, n, recoveredRate, startedByRecovered, parkedRate / recoveredRate);
  }

  /** Views of {@code n} devices named by {@code id}, 64 asked at a time: views per second. */
  private static double viewRate(FleetNode node, IntFunction<String> id, int n) throws Exception {
    ClusterSharding sharding = ClusterSharding.get(node.system());
    Semaphore inFlight = new Semaphore(64);
    AtomicInteger failed = new AtomicInteger();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      sharding.entityRefFor(Device.TYPE_KEY, id.apply(i))
          .<StatusReply<DeviceView>>ask(Device.Get::new, Duration.ofSeconds(30))
          .whenComplete((view, failure) -> {
            if (failure != null || !view.isSuccess()) failed.incrementAndGet();
            inFlight.release();
          });
    }
    inFlight.acquire(64);
    double rate = n / ((System.nanoTime() - t0) / 1e9);
    if (failed.get() > 0) throw new IllegalStateException(failed.get() + " of " + n + " views failed");
    return rate;
  }

  /** Stops {@code silent} devices and reports each one's time from its last heartbeat to its offline judgment. */
  private void offlineDetection(FleetNode node, Heartbeats beats) throws Exception {
    beats.silence(silent);
    long t0 = System.nanoTime();
    // Keeps the others heartbeating while the silent ones are judged.
    long window = TimeUnit.SECONDS.toNanos(3L * intervalS + 30);
    while (System.nanoTime() - t0 < window && count(node, "status = 'offline'") < silent) {
      beats.round(Duration.ofSeconds(intervalS), online);
    }
    List<Double> delays = new ArrayList<>();
    try (Connection c = node.infrastructure().database().dataSource().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT device_id, status_since FROM device_summary WHERE status = 'offline'");
         ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Instant last = beats.lastBeat(rs.getString(1));
        if (last != null) delays.add(Duration.between(last, rs.getTimestamp(2).toInstant()).toMillis() / 1000.0);
      }
    }
    delays.sort(Double::compare);
    double allowed = 3.0 * intervalS + 1;
    long late = delays.stream().filter(d -> d > allowed).count();
    say("offline detection: %d of %d silent devices judged offline; last heartbeat → offline p50 %.1f s, p99 %.1f s, max %.1f s "
        + "(allowed %.0f s; later: %d)", delays.size(), silent, pct(delays, 0.5), pct(delays, 0.99),
        delays.isEmpty() ? Double.NaN : delays.get(delays.size() - 1), allowed, late);
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) (p * sorted.size())));
  }

  /** The same online device ids mapped to their last seen and deadline, measured the same way (heap after GC). */
  private long rawBaseline() throws InterruptedException {
    long before = heapAfterGc();
    Map<String, long[]> table = new ConcurrentHashMap<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < online; i++) table.put(Heartbeats.id(i), new long[] {now, now + 3_000L * intervalS});
    long after = heapAfterGc();
    if (table.size() != online) throw new IllegalStateException("baseline table lost entries");
    return after - before;
  }

  private static long count(FleetNode node, String where) {
    try (Connection c = node.infrastructure().database().dataSource().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM device_summary WHERE " + where);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  private static void await(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("not within " + atMost + ": " + what);
      Thread.sleep(200);
    }
  }

  /** This JVM's live heap by class, as {@code jcmd <pid> GC.class_histogram} prints it: class → {instances, bytes}. */
  private static Map<String, long[]> histogram() throws Exception {
    String all = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Map<String, long[]> byClass = new HashMap<>();
    for (String line : all.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        // Lambdas by their defining class: their generated names differ from one JVM to the next.
        byClass.merge(f[3].replaceAll("\\$\\$Lambda\\$\\d+/0x[0-9a-f]+", "\\$\\$Lambda"),
            new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      }
    }
    return byClass;
  }

  /** The classes that grew most from {@code before} to {@code after}, per online device. */
  private static String growth(Map<String, long[]> before, Map<String, long[]> after, int online) {
    StringBuilder top = new StringBuilder("heap growth by class over the idle node (class histograms), per online device:\n");
    long total = 0;
    List<Map.Entry<String, long[]>> grown = new ArrayList<>();
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      long[] diff = {e.getValue()[0] - was[0], e.getValue()[1] - was[1]};
      total += diff[1];
      grown.add(Map.entry(e.getKey(), diff));
    }
    grown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    for (Map.Entry<String, long[]> e : grown.subList(0, Math.min(TOP_CLASSES, grown.size()))) {
      top.append(String.format(Locale.ROOT, "  %8.0f B %6.2f instances  %s%n", e.getValue()[1] / (double) online,
          e.getValue()[0] / (double) online, e.getKey()));
    }
    top.append(String.format(Locale.ROOT, "  %8.0f B in all", total / (double) online));
    return top.toString();
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Writes device records as the ingress bridge does: the partition of the device's shard, its headers. */
  private record Records(KafkaProducer<String, byte[]> producer, String topic, DeviceShards shards) {
    void send(String deviceId, String kind, byte[] payload) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, shards.partitionOf(deviceId), deviceId, payload);
      IngestHeaders.deviceMessage(record.headers(), kind, "bench:" + deviceId, Instant.now());
      producer.send(record);
    }
  }

  /** The online devices' heartbeats, a round at a time, each device's last one remembered. */
  private final class Heartbeats {
    private final Records records;
    private final Instant[] last;
    private int silenced;

    Heartbeats(Records records, int devices) {
      this.records = records;
      this.last = new Instant[devices];
    }

    static String id(int i) {
      return String.format(Locale.ROOT, "live-%07d", i);
    }

    /** One heartbeat of each device still heard, spread evenly over {@code over}; returns the nanoseconds it took. */
    long round(Duration over, int devices) throws InterruptedException {
      long t0 = System.nanoTime();
      long spacing = over.toNanos() / devices;
      for (int i = silenced; i < devices; i++) {
        long due = t0 + (i - silenced) * spacing;
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) Thread.sleep(wait / 1_000_000);
        Instant now = Instant.now();
        HeartbeatMessage hb = new HeartbeatMessage(now, 80, -60, "1.0.0", 1000, intervalS, DeviceKind.SENSOR, "bench");
        records.send(id(i), "heartbeat", hb.toJson());
        last[i] = now;
      }
      records.producer().flush();
      return System.nanoTime() - t0;
    }

    /**
     * First contact of {@code devices} spread over {@code over}, in rounds of one heartbeat interval: each round the
     * devices already contacted heartbeat again (they would go offline otherwise) and the next share is contacted.
     */
    long rampUp(Duration over, int devices) throws InterruptedException {
      long t0 = System.nanoTime();
      long rounds = Math.max(1, (over.toSeconds() + intervalS - 1) / intervalS);
      for (long r = 1; r <= rounds; r++) round(Duration.ofSeconds(intervalS), (int) Math.min(devices, devices * r / rounds));
      return System.nanoTime() - t0;
    }

    /** The first {@code n} devices send no more. */
    void silence(int n) {
      silenced = n;
    }

    Instant lastBeat(String deviceId) {
      if (!deviceId.startsWith("live-")) return null;
      int i = Integer.parseInt(deviceId.substring(5));
      return i < silenced ? last[i] : null;
    }
  }
}
