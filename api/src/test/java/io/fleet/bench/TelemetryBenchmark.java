package io.fleet.bench;

import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetApp;
import io.fleet.infra.Database;
import io.fleet.infra.IngestHeaders;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceTopic;
import io.fleet.telemetry.Reading;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Telemetry history: (1) how fast a running node stores readings — telemetry records of 1,000 sensors
 * (5 readings each) put on {@code fleet.device-events}, which the device entities judge and the archive
 * stores — offered at 10,000 readings/s for 30 s, then as a backlog drained as fast as the node can, next
 * to a raw JDBC batch insert of as many readings into a bare table of the same shape in the same run; (2)
 * p50/p99 of {@code GET /api/devices/{id}/telemetry} for 30 days at {@code step=1h} and for 1 hour raw over
 * N readings generated in the database (one a minute per device, 30 days), next to the same SQL over JDBC.
 * Not a test; see BENCHMARKS.md. Arguments: {@code <readings to generate> [postgres JDBC URL]}.
 */
public final class TelemetryBenchmark {
  private static final int SENSORS = 1_000;
  private static final int METRICS = 5;
  private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");
  private static final int MINUTES = 30 * 24 * 60;

  public static void main(String[] args) throws Exception {
    long generated = Long.parseLong(args[0]);
    String pg = args.length > 1 ? args[1] : null;
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    Path dataDir = Files.createTempDirectory("fleet-telemetry");
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    if (pg != null) settings.put("fleet.db.url", Database.freshPostgresSchemaUrl(pg, schema));
    String name = pg == null ? "H2 (embedded)" : "PostgreSQL 15";
    try (FleetApp app = FleetApp.start(ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve())) {
      DataSource db = app.node().infrastructure().database().dataSource();
      FleetMetrics metrics = FleetMetrics.get(app.node().system());
      String topic = app.node().system().settings().config().getString("fleet.kafka.topics.device-events");
      try (KafkaProducer<String, byte[]> producer = producer(app.node().endpoints().kafkaBootstrap())) {
        Instant t = START;
        // First contact registers the sensors; not measured.
        for (int d = 0; d < SENSORS; d++) send(producer, topic, d, t);
        awaitStored(metrics, (long) SENSORS * METRICS, Duration.ofMinutes(5));

        long before = stored(metrics);
        long offered = 0;
        long begin = System.nanoTime();
        int perSecond = 10_000 / METRICS;
        for (int second = 0; second < 30; second++) {
          t = t.plusSeconds(60);
          for (int i = 0; i < perSecond; i++) send(producer, topic, i % SENSORS, t.plusMillis(i / SENSORS));
          offered += (long) perSecond * METRICS;
          long due = begin + (second + 1) * 1_000_000_000L;
          while (System.nanoTime() < due) Thread.sleep(1);
        }
        producer.flush();
        double sentS = (System.nanoTime() - begin) / 1e9;
        long storedWhileSending = stored(metrics) - before;
        awaitStored(metrics, before + offered, Duration.ofMinutes(10));
        double allS = (System.nanoTime() - begin) / 1e9;
        System.out.printf(Locale.ROOT, "offered %,d readings/s for %.0f s: %,.0f readings/s stored meanwhile, all stored %.1f s"
            + " after the last was sent%n", offered / 30, sentS, storedWhileSending / sentS, allS - sentS);

        long backlog = 200_000;
        before = stored(metrics);
        begin = System.nanoTime();
        for (long i = 0; i < backlog / METRICS; i++) {
          if (i % SENSORS == 0) t = t.plusSeconds(60);
          send(producer, topic, (int) (i % SENSORS), t);
        }
        producer.flush();
        awaitStored(metrics, before + backlog, Duration.ofMinutes(10));
        double archiveRate = backlog / ((System.nanoTime() - begin) / 1e9);
        double rawRate = rawInsert(db, pg != null, (int) backlog);
        System.out.printf(Locale.ROOT, "%n| database | path | readings/s |%n| --- | --- | ---: |%n");
        System.out.printf(Locale.ROOT, "| %s | Kafka → entities + archive → telemetry_reading + rollups | %,.0f |%n", name,
            archiveRate);
        System.out.printf(Locale.ROOT, "| %s | raw JDBC batch insert, bare table | %,.0f |%n", name, rawRate);
        System.out.printf(Locale.ROOT, "ratio archive ÷ raw: %.2f%n", archiveRate / rawRate);
      }

      long t0 = System.nanoTime();
      int devices = (int) Math.max(1, generated / MINUTES);
      generate(app, db, devices, pg != null);
      System.out.printf(Locale.ROOT, "%ngenerated %,d readings (%,d devices, one a minute for 30 days) with rollups in %.0f s%n",
          (long) devices * MINUTES, devices, (System.nanoTime() - t0) / 1e9);
      queries(app, db, devices, name, (long) devices * MINUTES);
    }
    if (pg != null) {
      try (Connection cn = DriverManager.getConnection(pg); Statement s = cn.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static void queries(FleetApp app, DataSource db, int devices, String name, long readings) throws Exception {
    Random random = new Random(7);
    HttpClient http = HttpClient.newHttpClient();
    Instant end = START.plus(Duration.ofMinutes(MINUTES));
    for (String kind : List.of("30 days, step=1h", "1 hour, raw")) {
      List<Double> api = new ArrayList<>();
      List<Double> raw = new ArrayList<>();
      for (int i = 0; i < 330; i++) {
        String device = "gen-" + random.nextInt(devices);
        boolean month = kind.startsWith("30");
        Instant from = month ? START : START.plusSeconds(60L * random.nextInt(MINUTES - 60));
        Instant to = month ? end : from.plusSeconds(3600);
        long a = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + device
                + "/telemetry?metric=temperature&from=" + from + "&to=" + to + (month ? "&step=1h" : "&step=raw")))
            .header("Authorization", "Bearer " + app.operatorToken()).build(), HttpResponse.BodyHandlers.ofString());
        long b = System.nanoTime();
        if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
        rawQuery(db, device, from, to, month);
        long c = System.nanoTime();
        if (i >= 30) {
          api.add((b - a) / 1e6);
          raw.add((c - b) / 1e6);
        }
      }
      double[] apiP = percentiles(api);
      double[] rawP = percentiles(raw);
      System.out.printf(Locale.ROOT, "| %s | %,d | %s | API p50 %.1f ms, p99 %.1f ms | JDBC p50 %.1f ms, p99 %.1f ms |"
          + " ratio p50 %.1f, p99 %.1f |%n", name, readings, kind, apiP[0], apiP[1], rawP[0], rawP[1],
          apiP[0] / rawP[0], apiP[1] / rawP[1]);
    }
  }

  private static void rawQuery(DataSource db, String device, Instant from, Instant to, boolean rollup) throws Exception {
    String sql = rollup
        ? "SELECT bucket, min_value, max_value, sum_value, count_value FROM telemetry_rollup_1h"
            + " WHERE device_id = ? AND metric = ? AND bucket >= ? AND bucket < ? ORDER BY bucket"
        : "SELECT ts, reading FROM telemetry_reading WHERE device_id = ? AND metric = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT 2001";
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, device);
      ps.setString(2, "temperature");
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) rs.getDouble(2);
      }
    }
  }

  /** One reading a minute for 30 days per device, then the rollups and metric names the archive would have written. */
  private static void generate(FleetApp app, DataSource db, int devices, boolean postgres) throws Exception {
    // The month partitions, as the archive makes them before a month's first reading.
    for (YearMonth m = YearMonth.from(START.atZone(ZoneOffset.UTC)); !m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)
        .isAfter(START.plus(Duration.ofDays(31))); m = m.plusMonths(1)) {
      app.node().telemetryStore().store(List.of(new Reading("partition-maker", "temperature",
          m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC), 0)));
    }
    String readings = postgres
        ? "INSERT INTO telemetry_reading (device_id, metric, ts, reading) SELECT 'gen-' || d, 'temperature',"
            + " TIMESTAMP '2026-10-01 00:00:00' + m * INTERVAL '1 minute', 20 + random() * 5"
            + " FROM generate_series(0, " + (devices - 1) + ") d, generate_series(0, " + (MINUTES - 1) + ") m"
        : "INSERT INTO telemetry_reading (device_id, metric, ts, reading) SELECT 'gen-' || MOD(X, " + devices + "),"
            + " 'temperature', DATEADD('MINUTE', X / " + devices + ", TIMESTAMP '2026-10-01 00:00:00'), 20 + RAND() * 5"
            + " FROM SYSTEM_RANGE(0, " + ((long) devices * MINUTES - 1) + ")";
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute(readings);
      if (postgres) s.execute("SET work_mem = '512MB'");
      // One reading a minute, on the minute: each is its own minute bucket, so that rollup needs no grouping.
      s.execute("INSERT INTO telemetry_rollup_1m (device_id, metric, bucket, min_value, max_value, sum_value, count_value)"
          + " SELECT device_id, metric, ts, reading, reading, reading, 1 FROM telemetry_reading WHERE device_id LIKE 'gen-%'");
      s.execute("INSERT INTO telemetry_rollup_1h (device_id, metric, bucket, min_value, max_value, sum_value, count_value)"
          + " SELECT device_id, metric, DATE_TRUNC('hour', ts), MIN(reading), MAX(reading), SUM(reading), COUNT(*)"
          + " FROM telemetry_reading WHERE device_id LIKE 'gen-%' GROUP BY device_id, metric, DATE_TRUNC('hour', ts)");
      s.execute("INSERT INTO telemetry_metric (device_id, metric) SELECT DISTINCT device_id, metric FROM telemetry_rollup_1h"
          + " WHERE device_id LIKE 'gen-%'");
      s.execute("INSERT INTO device_summary (device_id, device_type, status, registered_at, updated_at)"
          + " SELECT DISTINCT device_id, 'sensor', 'online', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM telemetry_metric"
          + " WHERE device_id LIKE 'gen-%'");
      if (postgres) s.execute("ANALYZE");
    }
  }

  /** Readings per second of a plain JDBC batch insert into a bare table shaped like {@code telemetry_reading}. */
  private static double rawInsert(DataSource db, boolean postgres, int count) throws Exception {
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE bench_reading (device_id varchar(200) not null, metric varchar(64) not null,"
          + " ts timestamp not null, reading double precision not null, primary key (device_id, metric, ts))");
      c.setAutoCommit(false);
      long begin = System.nanoTime();
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO bench_reading (device_id, metric, ts, reading) VALUES (?, ?, ?, ?)")) {
        for (int i = 0; i < count; i++) {
          ps.setString(1, "sensor-" + (i / METRICS % SENSORS));
          ps.setString(2, "m" + (i % METRICS));
          ps.setTimestamp(3, Timestamp.from(START.plusSeconds(60L * (i / (METRICS * SENSORS)))));
          ps.setDouble(4, i);
          ps.addBatch();
          if (i % 2_000 == 1_999) {
            ps.executeBatch();
            c.commit();
          }
        }
        ps.executeBatch();
        c.commit();
      }
      double rate = count / ((System.nanoTime() - begin) / 1e9);
      c.setAutoCommit(true);
      s.execute("DROP TABLE bench_reading");
      return rate;
    }
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, int sensor, Instant ts) {
    String id = "sensor-" + sensor;
    StringBuilder json = new StringBuilder("{\"ts\":\"").append(ts).append("\",\"readings\":{");
    for (int m = 0; m < METRICS; m++) json.append(m == 0 ? "" : ",").append("\"m").append(m).append("\":").append(20 + m + sensor % 7);
    json.append("}}");
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, id, json.toString().getBytes(StandardCharsets.UTF_8));
    IngestHeaders.deviceMessage(record.headers(), DeviceTopic.Kind.TELEMETRY.label(), "bench:" + id, Instant.now());
    producer.send(record);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static long stored(FleetMetrics metrics) {
    var counter = metrics.registry().find("fleet_telemetry_readings_stored").counter();
    return counter == null ? 0 : (long) counter.count();
  }

  private static void awaitStored(FleetMetrics metrics, long count, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (stored(metrics) < count) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("only " + stored(metrics) + " of " + count + " stored");
      Thread.sleep(50);
    }
  }

  private static double[] percentiles(List<Double> samples) {
    List<Double> ms = samples.stream().sorted().toList();
    return new double[] {ms.get(ms.size() / 2), ms.get(Math.min(ms.size() - 1, (int) (ms.size() * 0.99)))};
  }
}
