package io.fleet.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fleet.infra.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Telemetry history against a real database — H2 and, when FLEET_IT_POSTGRES_URL is set, PostgreSQL (its
 * readings partitioned by month): readings spread over three months and written in overlapping batches,
 * as a redelivery would, are stored once each; the minute and hour rollups equal a brute-force fold of the
 * distinct readings; series come raw when they fit and folded when they do not; rollups rebuilt from the
 * readings equal the ones kept up to date; a device's metric names past the bound are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TelemetryStoreIT {
  private static final Instant START = Instant.parse("2026-10-30T00:00:00Z");
  private static final int MAX_METRICS = 4;
  @TempDir static Path dir;

  record Db(String name, Database db) {
    @Override
    public String toString() {
      return name;
    }
  }

  private final List<Db> dbs = new ArrayList<>();

  @BeforeAll
  void open() {
    dbs.add(migrated("h2", Database.open(Database.h2Url(dir.resolve("db")), "", "", 4)));
    String pg = System.getenv("FLEET_IT_POSTGRES_URL");
    if (pg != null && !pg.isBlank()) {
      String schema = "it_telemetry_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
      dbs.add(migrated("postgres", Database.open(Database.freshPostgresSchemaUrl(pg, schema), "", "", 4)));
    }
  }

  private static Db migrated(String name, Database db) {
    db.migrate();
    return new Db(name, db);
  }

  @AfterAll
  void close() {
    dbs.forEach(d -> d.db().close());
  }

  Stream<Db> dbs() {
    return dbs.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dbs")
  void overlappingBatchesStoreEachReadingOnceAndTheRollupsEqualABruteForceFold(Db db) throws Exception {
    String device = "sensor-" + db.name();
    TelemetryStore store = new TelemetryStore(db.db().dataSource(), db.db().isPostgres(), MAX_METRICS);
    TelemetryHistory history = new TelemetryHistory(db.db().dataSource());
    Random random = new Random(7);
    List<Reading> readings = new ArrayList<>();
    // Every 10 minutes for ~70 days, across three months (and PostgreSQL's partitions), two metrics.
    for (int i = 0; i < 10_000; i++) {
      Instant ts = START.plusSeconds(600L * i + random.nextInt(60));
      readings.add(new Reading(device, "temperature", ts, 20 + random.nextGaussian()));
      readings.add(new Reading(device, "humidity", ts, 40 + 5 * random.nextGaussian()));
    }
    List<Reading> delivered = new ArrayList<>(readings);
    delivered.addAll(readings.subList(5_000, 6_000));
    Collections.shuffle(delivered, random);
    int stored = 0;
    int repeated = 0;
    for (int from = 0; from < delivered.size(); from += 1_500) {
      TelemetryStore.Outcome outcome = store.store(delivered.subList(from, Math.min(delivered.size(), from + 1_500)));
      stored += outcome.stored();
      repeated += outcome.repeated();
    }
    assertThat(stored).isEqualTo(readings.size());
    assertThat(repeated).isEqualTo(1_000);
    assertThat(store.store(readings.subList(0, 100)).stored()).as("a whole batch again").isZero();

    Instant end = START.plus(Duration.ofDays(80));
    TelemetryHistory.Series daily = history.series(device, List.of(), START, end, Step.parse("1d").orElseThrow(), 2_000);
    assertThat(daily.metrics()).containsExactly("humidity", "temperature");
    assertThat(daily.points()).hasSize(70);
    assertMatches(daily, fold(readings, Duration.ofDays(1)));
    TelemetryHistory.Series minutes = history.series(device, List.of("temperature"), START, START.plus(Duration.ofDays(1)),
        Step.parse("10m").orElseThrow(), 2_000);
    assertMatches(minutes, fold(readings.stream().filter(r -> r.metric().equals("temperature")).toList(),
        Duration.ofMinutes(10)));

    TelemetryHistory.Series auto = history.series(device, List.of(), START, end, null, 2_000);
    assertThat(auto.step()).as("80 days in at most 2,000 points").isEqualTo("1h");
    assertThat(auto.points().stream().mapToLong(p -> p.count().get("temperature")).sum()).isEqualTo(10_000);
    TelemetryHistory.Series day = history.series(device, List.of(), START, START.plus(Duration.ofDays(1)), null, 2_000);
    assertThat(day.step()).as("144 readings per metric in a day fit").isEqualTo("raw");
    assertThat(day.points()).hasSize(144);
    assertThat(day.points().get(0).values()).containsEntry("temperature", readings.get(0).value());
    TelemetryHistory.Series capped = history.series(device, List.of(), START, end, Step.RAW, 500);
    assertThat(capped.points()).hasSize(500);
    assertThat(capped.truncated()).isTrue();

    List<List<Object>> before = rollupRows(db, device);
    try (Connection c = db.db().dataSource().getConnection(); Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM telemetry_rollup_1m WHERE device_id = '" + device + "'");
      s.executeUpdate("UPDATE telemetry_rollup_1h SET count_value = 1 WHERE device_id = '" + device + "'");
    }
    assertThat(store.rebuild(device, START, end)).isEqualTo(readings.size());
    List<List<Object>> after = rollupRows(db, device);
    assertThat(after).hasSameSizeAs(before);
    for (int i = 0; i < before.size(); i++) {
      // Sums added up in another order may differ in their last bits.
      assertThat(after.get(i).subList(0, 6)).as("rollup row %d", i).isEqualTo(before.get(i).subList(0, 6));
      assertThat((double) after.get(i).get(6)).as("rollup sum %d", i).isCloseTo((double) before.get(i).get(6), within(1e-9));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dbs")
  void aDeviceBringingMoreMetricNamesThanTheBoundHasTheExtraOnesRefused(Db db) throws Exception {
    String device = "chatty-" + db.name();
    TelemetryStore store = new TelemetryStore(db.db().dataSource(), db.db().isPostgres(), MAX_METRICS);
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < 6; i++) readings.add(new Reading(device, "m" + i, START, i));
    TelemetryStore.Outcome outcome = store.store(readings);
    assertThat(outcome.stored()).isEqualTo(MAX_METRICS);
    assertThat(outcome.refused()).isEqualTo(2);
    assertThat(store.store(List.of(new Reading(device, "m9", START.plusSeconds(1), 1))).refused()).isEqualTo(1);
    assertThat(store.store(List.of(new Reading(device, "m0", START.plusSeconds(1), 1))).stored()).isEqualTo(1);
    assertThat(new TelemetryHistory(db.db().dataSource()).metrics(device)).containsExactly("m0", "m1", "m2", "m3");
  }

  /** Per bucket start and metric: count, min, max, mean of the readings. */
  private static Map<Instant, Map<String, double[]>> fold(List<Reading> readings, Duration width) {
    Map<Instant, Map<String, double[]>> out = new TreeMap<>();
    for (Reading r : readings) {
      long w = width.toMillis();
      Instant bucket = Instant.ofEpochMilli(Math.floorDiv(r.ts().toEpochMilli(), w) * w);
      double[] acc = out.computeIfAbsent(bucket, b -> new LinkedHashMap<>())
          .computeIfAbsent(r.metric(), m -> new double[] {0, Double.MAX_VALUE, -Double.MAX_VALUE, 0});
      acc[0]++;
      acc[1] = Math.min(acc[1], r.value());
      acc[2] = Math.max(acc[2], r.value());
      acc[3] += r.value();
    }
    return out;
  }

  private static void assertMatches(TelemetryHistory.Series series, Map<Instant, Map<String, double[]>> expected) {
    Map<Instant, Map<String, double[]>> inRange = new TreeMap<>();
    expected.forEach((t, v) -> {
      if (!t.isBefore(series.from()) && t.isBefore(series.to())) inRange.put(t, v);
    });
    assertThat(series.points()).extracting(TelemetryHistory.Point::t).containsExactlyElementsOf(inRange.keySet());
    for (TelemetryHistory.Point p : series.points()) {
      inRange.get(p.t()).forEach((metric, acc) -> {
        assertThat(p.count().get(metric)).isEqualTo((long) acc[0]);
        assertThat(p.min().get(metric)).isEqualTo(acc[1]);
        assertThat(p.max().get(metric)).isEqualTo(acc[2]);
        assertThat(p.values().get(metric)).isCloseTo(acc[3] / acc[0], within(1e-9));
      });
    }
  }

  private static List<List<Object>> rollupRows(Db db, String device) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = db.db().dataSource().getConnection(); Statement s = c.createStatement()) {
      for (String table : List.of("telemetry_rollup_1m", "telemetry_rollup_1h")) {
        try (var rs = s.executeQuery("SELECT metric, bucket, min_value, max_value, sum_value, count_value FROM " + table
            + " WHERE device_id = '" + device + "' ORDER BY metric, bucket")) {
          while (rs.next()) {
            rows.add(List.of(table, rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getDouble(3), rs.getDouble(4),
                rs.getLong(6), rs.getDouble(5)));
          }
        }
      }
    }
    return rows;
  }
}
