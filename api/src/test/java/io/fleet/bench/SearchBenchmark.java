package io.fleet.bench;

import com.typesafe.config.ConfigFactory;
import io.fleet.api.FleetApp;
import io.fleet.infra.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * Event search (the seed's pull query) at scale: {@code GET /api/events?from=&to=&deviceId=a,b,c&limit=100}
 * over N generated events (10,000 devices, 30 days, 8 event types), p50/p99 of 300 random queries (a time
 * window of 1 hour to 3 days, 1 to 5 devices), next to the same SQL run straight over JDBC in the same run
 * (the raw baseline: what the database alone takes). The rows are generated inside the database
 * ({@code SYSTEM_RANGE} on H2, {@code generate_series} on PostgreSQL), not through the pipeline. Not a
 * test; see BENCHMARKS.md. Arguments: {@code <events> [postgres JDBC URL]}.
 */
public final class SearchBenchmark {
  private static final int DEVICES = 10_000;
  private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");
  private static final long SPAN_S = 30L * 24 * 3600;

  public static void main(String[] args) throws Exception {
    long events = Long.parseLong(args[0]);
    String pg = args.length > 1 ? args[1] : null;
    String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    Path dataDir = Files.createTempDirectory("fleet-search");
    Map<String, Object> settings = new HashMap<>();
    settings.put("fleet.data-dir", dataDir.toString());
    settings.put("fleet.simulator.devices", 0);
    settings.put("fleet.http.port", 0);
    if (pg != null) settings.put("fleet.db.url", Database.freshPostgresSchemaUrl(pg, schema));
    try (FleetApp app = FleetApp.start(ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()).resolve())) {
      DataSource db = app.node().infrastructure().database().dataSource();
      long t0 = System.nanoTime();
      generate(db, events, pg != null);
      System.out.printf(Locale.ROOT, "generated %,d events in %.0f s%n", events, (System.nanoTime() - t0) / 1e9);
      Random random = new Random(7);
      List<double[]> api = new ArrayList<>();
      List<double[]> raw = new ArrayList<>();
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 330; i++) {
        long windowS = 3600L + (long) (random.nextDouble() * 3 * 24 * 3600);
        Instant from = START.plusSeconds((long) (random.nextDouble() * (SPAN_S - windowS)));
        Instant to = from.plusSeconds(windowS);
        List<String> devices = IntStream.range(0, 1 + random.nextInt(5)).mapToObj(n -> "dev-" + random.nextInt(DEVICES)).toList();
        long a = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/events?from=" + from + "&to=" + to
            + "&deviceId=" + String.join(",", devices) + "&limit=100")).header("Authorization", "Bearer " + app.operatorToken()).build(),
            HttpResponse.BodyHandlers.ofString());
        long b = System.nanoTime();
        if (r.statusCode() != 200) throw new IllegalStateException(r.statusCode() + " " + r.body());
        int rows = rawQuery(db, from, to, devices);
        long c = System.nanoTime();
        if (i >= 30) {
          api.add(new double[] {(b - a) / 1e6});
          raw.add(new double[] {(c - b) / 1e6, rows});
        }
      }
      double[] apiP = percentiles(api);
      double[] rawP = percentiles(raw);
      System.out.printf(Locale.ROOT, "%n| database | events | path | p50 ms | p99 ms |%n| --- | ---: | --- | ---: | ---: |%n");
      String name = pg == null ? "H2 (embedded)" : "PostgreSQL 15";
      System.out.printf(Locale.ROOT, "| %s | %,d | GET /api/events (HTTP, JSON) | %.1f | %.1f |%n", name, events, apiP[0], apiP[1]);
      System.out.printf(Locale.ROOT, "| %s | %,d | the same SQL over JDBC | %.1f | %.1f |%n", name, events, rawP[0], rawP[1]);
      System.out.printf(Locale.ROOT, "ratio API ÷ raw: p50 %.1f, p99 %.1f; rows per query (raw) median %.0f%n",
          apiP[0] / rawP[0], apiP[1] / rawP[1], median(raw.stream().map(x -> x[1]).collect(Collectors.toList())));
    }
    if (pg != null) {
      // After the node stopped, so nothing reads the schema while it goes.
      try (Connection cn = DriverManager.getConnection(pg); Statement s = cn.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static void generate(DataSource db, long events, boolean postgres) throws Exception {
    String types = "ARRAY['registered','came_online','went_offline','battery_low','motion_started','motion_ended','clip_stored','alert_raised']";
    String sql = postgres
        ? "INSERT INTO device_event (device_id, household, event_type, occurred_at, detail) SELECT 'dev-' || (g % " + DEVICES + "),"
            + " 'household-' || (g % 1000), (" + types + ")[1 + (g % 8)], TIMESTAMP '2026-10-01 00:00:00' + (g * " + SPAN_S + "::float8 / "
            + events + ") * INTERVAL '1 second', '{}' FROM generate_series(1, " + events + ") g"
        : "INSERT INTO device_event (device_id, household, event_type, occurred_at, detail) SELECT 'dev-' || MOD(X, " + DEVICES + "),"
            + " 'household-' || MOD(X, 1000), 'motion_started', DATEADD('MILLISECOND', CAST(X * " + (SPAN_S * 1000.0 / events)
            + " AS BIGINT), TIMESTAMP '2026-10-01 00:00:00'), '{}' FROM SYSTEM_RANGE(1, " + events + ")";
    try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
      if (postgres) s.execute("ANALYZE device_event");
    }
  }

  private static int rawQuery(DataSource db, Instant from, Instant to, List<String> devices) throws Exception {
    String in = String.join(", ", Collections.nCopies(devices.size(), "?"));
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT id, device_id, household, event_type, occurred_at, detail FROM device_event WHERE occurred_at >= ? AND occurred_at < ?"
            + " AND device_id IN (" + in + ") ORDER BY occurred_at, id LIMIT 101")) {
      ps.setTimestamp(1, Timestamp.from(from));
      ps.setTimestamp(2, Timestamp.from(to));
      for (int i = 0; i < devices.size(); i++) ps.setString(3 + i, devices.get(i));
      int rows = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) rows++;
      }
      return rows;
    }
  }

  private static double[] percentiles(List<double[]> samples) {
    List<Double> ms = samples.stream().map(x -> x[0]).sorted().collect(Collectors.toList());
    return new double[] {ms.get(ms.size() / 2), ms.get(Math.min(ms.size() - 1, (int) (ms.size() * 0.99)))};
  }

  private static double median(List<Double> xs) {
    Collections.sort(xs);
    return xs.get(xs.size() / 2);
  }
}
