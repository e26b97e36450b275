package io.fleet.telemetry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes telemetry history: the readings ({@code telemetry_reading}) and their minute and hour rollups, in
 * one transaction per batch, so a crash leaves either all of a batch or none of it. A reading already
 * stored (a redelivery) is skipped and not counted again in the rollups, which makes a batch safe to
 * write twice. Also rebuilds a device's rollups from its readings.
 *
 * <p>State: on PostgreSQL, the months whose partition it has made sure of (a cache; the partitions
 * themselves are in the database).
 */
public final class TelemetryStore {
  private static final Logger log = LoggerFactory.getLogger(TelemetryStore.class);
  private static final Comparator<Reading> BY_KEY = Comparator.comparing(Reading::deviceId)
      .thenComparing(Reading::metric).thenComparing(Reading::ts);
  private static final Comparator<Rollup> ROLLUP_BY_KEY = Comparator.comparing(Rollup::deviceId)
      .thenComparing(Rollup::metric).thenComparing(Rollup::bucket);
  private static final int REBUILD_FLUSH = 5_000;
  private final DataSource dataSource;
  private final boolean postgres;
  private final int maxMetrics;
  private final Set<YearMonth> partitioned = ConcurrentHashMap.newKeySet();

  public TelemetryStore(DataSource dataSource, boolean postgres, int maxMetrics) {
    this.dataSource = dataSource;
    this.postgres = postgres;
    this.maxMetrics = maxMetrics;
  }

  /** What storing a batch did: readings new, readings stored before, readings refused for a metric name too many. */
  public record Outcome(int stored, int repeated, int refused) {}

  /**
   * Stores {@code readings} and adds those not stored before to the rollups. A reading whose metric name would
   * give its device more than {@code maxMetrics} names is refused, as the device's entity refuses it.
   */
  public Outcome store(Collection<Reading> readings) throws SQLException {
    if (readings.isEmpty()) return new Outcome(0, 0, 0);
    List<Reading> sorted = new ArrayList<>(readings);
    // One order for every writer: two nodes writing the same rows during a rebalance cannot deadlock.
    sorted.sort(BY_KEY);
    if (postgres) ensurePartitions(sorted);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        List<Reading> named = withinMetricBound(c, sorted);
        List<Reading> fresh = named.isEmpty() ? List.of() : postgres ? insertPostgres(c, named) : insertH2(c, named);
        for (Resolution r : List.of(Resolution.MINUTE, Resolution.HOUR)) addToRollups(c, r, rollups(fresh, r));
        c.commit();
        return new Outcome(fresh.size(), named.size() - fresh.size(), sorted.size() - named.size());
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** The readings whose metric names stay within their device's bound; the names new to a device are recorded. */
  private List<Reading> withinMetricBound(Connection c, List<Reading> readings) throws SQLException {
    Map<String, Set<String>> names = new HashMap<>();
    List<String> devices = readings.stream().map(Reading::deviceId).distinct().toList();
    for (int from = 0; from < devices.size(); from += 500) {
      List<String> some = devices.subList(from, Math.min(devices.size(), from + 500));
      try (PreparedStatement ps = c.prepareStatement("SELECT device_id, metric FROM telemetry_metric WHERE device_id IN ("
          + "?,".repeat(some.size() - 1) + "?)")) {
        for (int i = 0; i < some.size(); i++) ps.setString(i + 1, some.get(i));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) names.computeIfAbsent(rs.getString(1), d -> new HashSet<>()).add(rs.getString(2));
        }
      }
    }
    List<Reading> kept = new ArrayList<>(readings.size());
    List<String[]> added = new ArrayList<>();
    for (Reading r : readings) {
      Set<String> known = names.computeIfAbsent(r.deviceId(), d -> new HashSet<>());
      if (!known.contains(r.metric())) {
        if (known.size() >= maxMetrics) continue;
        known.add(r.metric());
        added.add(new String[] {r.deviceId(), r.metric()});
      }
      kept.add(r);
    }
    if (!added.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(postgres
          ? "INSERT INTO telemetry_metric (device_id, metric) VALUES (?, ?) ON CONFLICT DO NOTHING"
          : "MERGE INTO telemetry_metric KEY (device_id, metric) VALUES (?, ?)")) {
        for (String[] name : added) {
          ps.setString(1, name[0]);
          ps.setString(2, name[1]);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    return kept;
  }

  /**
   * Recomputes {@code deviceId}'s minute and hour rollups for the hours {@code [from, to)} touches from its
   * stored readings; returns how many readings they now count.
   */
  public long rebuild(String deviceId, Instant from, Instant to) throws SQLException {
    Instant start = from.truncatedTo(ChronoUnit.HOURS);
    Instant end = to.truncatedTo(ChronoUnit.HOURS).equals(to) ? to : to.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (Resolution r : List.of(Resolution.MINUTE, Resolution.HOUR)) {
          try (PreparedStatement ps = c.prepareStatement(
              "DELETE FROM " + r.table() + " WHERE device_id = ? AND bucket >= ? AND bucket < ?")) {
            ps.setString(1, deviceId);
            ps.setTimestamp(2, Timestamp.from(start));
            ps.setTimestamp(3, Timestamp.from(end));
            ps.executeUpdate();
          }
        }
        long counted = refold(c, deviceId, start, end);
        c.commit();
        return counted;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Reads the stored readings in order, adding them to the rollups a few thousand buckets at a time. */
  private long refold(Connection c, String deviceId, Instant start, Instant end) throws SQLException {
    long counted = 0;
    Map<Resolution, Map<String, Rollup>> pending = Map.of(Resolution.MINUTE, new LinkedHashMap<>(),
        Resolution.HOUR, new LinkedHashMap<>());
    try (PreparedStatement ps = c.prepareStatement("SELECT metric, ts, reading FROM telemetry_reading"
        + " WHERE device_id = ? AND ts >= ? AND ts < ? ORDER BY metric, ts")) {
      ps.setFetchSize(REBUILD_FLUSH);
      ps.setString(1, deviceId);
      ps.setTimestamp(2, Timestamp.from(start));
      ps.setTimestamp(3, Timestamp.from(end));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Reading reading = new Reading(deviceId, rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getDouble(3));
          counted++;
          for (var entry : pending.entrySet()) {
            Instant bucket = entry.getKey().bucketOf(reading.ts());
            entry.getValue().merge(reading.metric() + "@" + bucket, Rollup.of(reading, bucket), Rollup::plus);
            if (entry.getValue().size() >= REBUILD_FLUSH) flush(c, entry.getKey(), entry.getValue());
          }
        }
      }
    }
    for (var entry : pending.entrySet()) flush(c, entry.getKey(), entry.getValue());
    return counted;
  }

  private void flush(Connection c, Resolution resolution, Map<String, Rollup> pending) throws SQLException {
    addToRollups(c, resolution, List.copyOf(pending.values()));
    pending.clear();
  }

  /** The readings' rollups at {@code resolution}, in key order. */
  static List<Rollup> rollups(List<Reading> readings, Resolution resolution) {
    Map<String, Rollup> buckets = new LinkedHashMap<>();
    for (Reading r : readings) {
      Instant bucket = resolution.bucketOf(r.ts());
      buckets.merge(r.deviceId() + "\n" + r.metric() + "\n" + bucket, Rollup.of(r, bucket), Rollup::plus);
    }
    List<Rollup> out = new ArrayList<>(buckets.values());
    out.sort(ROLLUP_BY_KEY);
    return out;
  }

  private static List<Reading> insertPostgres(Connection c, List<Reading> readings) throws SQLException {
    int n = readings.size();
    String[] devices = new String[n];
    String[] metrics = new String[n];
    Timestamp[] times = new Timestamp[n];
    Double[] values = new Double[n];
    for (int i = 0; i < n; i++) {
      Reading r = readings.get(i);
      devices[i] = r.deviceId();
      metrics[i] = r.metric();
      times[i] = Timestamp.from(r.ts());
      values[i] = r.value();
    }
    List<Reading> fresh = new ArrayList<>(n);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO telemetry_reading (device_id, metric, ts, reading)"
        + " SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::timestamp[], ?::float8[])"
        + " ON CONFLICT DO NOTHING RETURNING device_id, metric, ts, reading")) {
      ps.setArray(1, c.createArrayOf("varchar", devices));
      ps.setArray(2, c.createArrayOf("varchar", metrics));
      ps.setArray(3, c.createArrayOf("timestamp", times));
      ps.setArray(4, c.createArrayOf("float8", values));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fresh.add(new Reading(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getDouble(4)));
        }
      }
    }
    return fresh;
  }

  private static List<Reading> insertH2(Connection c, List<Reading> readings) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO telemetry_reading (device_id, metric, ts, reading)"
        + " SELECT ?, ?, ?, ? WHERE NOT EXISTS"
        + " (SELECT 1 FROM telemetry_reading WHERE device_id = ? AND metric = ? AND ts = ?)")) {
      for (Reading r : readings) {
        Timestamp ts = Timestamp.from(r.ts());
        ps.setString(1, r.deviceId());
        ps.setString(2, r.metric());
        ps.setTimestamp(3, ts);
        ps.setDouble(4, r.value());
        ps.setString(5, r.deviceId());
        ps.setString(6, r.metric());
        ps.setTimestamp(7, ts);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      List<Reading> fresh = new ArrayList<>(readings.size());
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) fresh.add(readings.get(i));
      }
      return fresh;
    }
  }

  private void addToRollups(Connection c, Resolution resolution, List<Rollup> rollups) throws SQLException {
    if (rollups.isEmpty()) return;
    if (postgres) upsertPostgres(c, resolution, rollups);
    else mergeH2(c, resolution, rollups);
  }

  private static void upsertPostgres(Connection c, Resolution resolution, List<Rollup> rollups) throws SQLException {
    int n = rollups.size();
    String[] devices = new String[n];
    String[] metrics = new String[n];
    Timestamp[] buckets = new Timestamp[n];
    Double[] mins = new Double[n];
    Double[] maxs = new Double[n];
    Double[] sums = new Double[n];
    Long[] counts = new Long[n];
    for (int i = 0; i < n; i++) {
      Rollup r = rollups.get(i);
      devices[i] = r.deviceId();
      metrics[i] = r.metric();
      buckets[i] = Timestamp.from(r.bucket());
      mins[i] = r.min();
      maxs[i] = r.max();
      sums[i] = r.sum();
      counts[i] = r.count();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + resolution.table() + " AS t"
        + " (device_id, metric, bucket, min_value, max_value, sum_value, count_value)"
        + " SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::timestamp[], ?::float8[], ?::float8[], ?::float8[], ?::int8[])"
        + " ON CONFLICT (device_id, metric, bucket) DO UPDATE SET min_value = least(t.min_value, excluded.min_value),"
        + " max_value = greatest(t.max_value, excluded.max_value), sum_value = t.sum_value + excluded.sum_value,"
        + " count_value = t.count_value + excluded.count_value")) {
      ps.setArray(1, c.createArrayOf("varchar", devices));
      ps.setArray(2, c.createArrayOf("varchar", metrics));
      ps.setArray(3, c.createArrayOf("timestamp", buckets));
      ps.setArray(4, c.createArrayOf("float8", mins));
      ps.setArray(5, c.createArrayOf("float8", maxs));
      ps.setArray(6, c.createArrayOf("float8", sums));
      ps.setArray(7, c.createArrayOf("int8", counts));
      ps.executeUpdate();
    }
  }

  private static void mergeH2(Connection c, Resolution resolution, List<Rollup> rollups) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("MERGE INTO " + resolution.table() + " t USING (VALUES ("
        + "CAST(? AS VARCHAR(200)), CAST(? AS VARCHAR(64)), CAST(? AS TIMESTAMP), CAST(? AS DOUBLE PRECISION),"
        + " CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT)))"
        + " s(device_id, metric, bucket, mn, mx, sm, ct)"
        + " ON t.device_id = s.device_id AND t.metric = s.metric AND t.bucket = s.bucket"
        + " WHEN MATCHED THEN UPDATE SET min_value = LEAST(t.min_value, s.mn), max_value = GREATEST(t.max_value, s.mx),"
        + " sum_value = t.sum_value + s.sm, count_value = t.count_value + s.ct"
        + " WHEN NOT MATCHED THEN INSERT (device_id, metric, bucket, min_value, max_value, sum_value, count_value)"
        + " VALUES (s.device_id, s.metric, s.bucket, s.mn, s.mx, s.sm, s.ct)")) {
      for (Rollup r : rollups) {
        ps.setString(1, r.deviceId());
        ps.setString(2, r.metric());
        ps.setTimestamp(3, Timestamp.from(r.bucket()));
        ps.setDouble(4, r.min());
        ps.setDouble(5, r.max());
        ps.setDouble(6, r.sum());
        ps.setLong(7, r.count());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Makes sure each month the readings fall in has its partition, outside the batch's transaction (a
   * failed DDL statement would abort it). A month that cannot get one (its rows already sit in the default
   * partition) keeps using the default partition.
   */
  private void ensurePartitions(List<Reading> readings) throws SQLException {
    Set<YearMonth> months = new TreeSet<>();
    for (Reading r : readings) months.add(YearMonth.from(r.ts().atZone(ZoneOffset.UTC)));
    months.removeAll(partitioned);
    if (months.isEmpty()) return;
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      for (YearMonth month : months) {
        try {
          s.execute(String.format("CREATE TABLE IF NOT EXISTS telemetry_reading_%d_%02d PARTITION OF telemetry_reading"
              + " FOR VALUES FROM ('%s') TO ('%s')", month.getYear(), month.getMonthValue(), month.atDay(1),
              month.plusMonths(1).atDay(1)));
        } catch (SQLException e) {
          log.warn("telemetry readings of {} stay in the default partition: {}", month, e.getMessage());
        }
        partitioned.add(month);
      }
    }
  }
}
