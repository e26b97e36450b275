package io.fleet.telemetry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Reads telemetry history: a device's series over a range, from its readings or folded from a rollup, at
 * most {@code maxPoints} points unless asked otherwise; and its readings page by page for export. Owns no
 * state.
 */
public final class TelemetryHistory {
  private final DataSource dataSource;

  public TelemetryHistory(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One point of a series: its time and each metric's value (for a bucket: the mean, with min, max, count). */
  public record Point(Instant t, Map<String, Double> values, Map<String, Double> min, Map<String, Double> max,
      Map<String, Long> count) {}

  /**
   * A device's telemetry over {@code [from, to)} at {@code step}; {@code truncated} when the readings went
   * on beyond the points told (raw only: a rollup step is chosen or checked to fit).
   */
  public record Series(String deviceId, Instant from, Instant to, String step, List<String> metrics,
      List<Point> points, boolean truncated) {}

  /** One reading as exported: ordered by metric, then time. */
  public record Row(String metric, Instant ts, double value) {}

  /** The metrics {@code deviceId} has readings of, by name. */
  public List<String> metrics(String deviceId) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT metric FROM telemetry_metric WHERE device_id = ? ORDER BY metric")) {
      ps.setString(1, deviceId);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
      return out;
    }
  }

  /**
   * The series of {@code metrics} (all of the device's when empty) over {@code [from, to)}: at {@code step},
   * or without one the readings themselves when at most {@code maxPoints} fall in the range, else the
   * finest rollup step that fits.
   */
  public Series series(String deviceId, List<String> metrics, Instant from, Instant to, Step step, int maxPoints)
      throws SQLException {
    List<String> names = metrics.isEmpty() ? metrics(deviceId) : metrics;
    if (step == null || step.source() == Resolution.RAW) {
      TreeMap<Instant, Point> raw = new TreeMap<>();
      Instant cut = null;
      for (String metric : names) {
        Instant last = readRaw(deviceId, metric, from, to, maxPoints, raw);
        if (last != null && (cut == null || last.isBefore(cut))) cut = last;
      }
      // Past the first metric that went on beyond its points, the others would stand alone: cut there.
      List<Point> points = new ArrayList<>((cut == null ? raw : raw.headMap(cut, true)).values());
      boolean truncated = cut != null || points.size() > maxPoints;
      if (step != null || !truncated) {
        return new Series(deviceId, from, to, Step.RAW.toString(), names,
            List.copyOf(points.subList(0, Math.min(points.size(), maxPoints))), truncated);
      }
      step = Step.rollupFor(from, to, maxPoints);
    }
    TreeMap<Instant, Map<String, Rollup>> buckets = new TreeMap<>();
    for (String metric : names) {
      for (Rollup r : readRollups(deviceId, metric, step.source(), from, to)) {
        Instant bucket = step.bucketOf(r.bucket());
        buckets.computeIfAbsent(bucket, b -> new TreeMap<>()).merge(metric, r.at(bucket), Rollup::plus);
      }
    }
    List<Point> points = new ArrayList<>(buckets.size());
    buckets.forEach((t, byMetric) -> points.add(point(t, byMetric)));
    return new Series(deviceId, from, to, step.toString(), names, points, false);
  }

  /** Up to {@code limit} readings after ({@code afterMetric}, {@code afterTs}) (both null: from the start). */
  public List<Row> rows(String deviceId, List<String> metrics, Instant from, Instant to, String afterMetric,
      Instant afterTs, int limit) throws SQLException {
    StringBuilder sql = new StringBuilder(
        "SELECT metric, ts, reading FROM telemetry_reading WHERE device_id = ? AND ts >= ? AND ts < ?");
    if (!metrics.isEmpty()) sql.append(" AND metric IN (").append("?,".repeat(metrics.size() - 1)).append("?)");
    if (afterMetric != null) sql.append(" AND (metric > ? OR (metric = ? AND ts > ?))");
    sql.append(" ORDER BY metric, ts LIMIT ").append(Math.max(1, limit));
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int i = 1;
      ps.setString(i++, deviceId);
      ps.setTimestamp(i++, Timestamp.from(from));
      ps.setTimestamp(i++, Timestamp.from(to));
      for (String metric : metrics) ps.setString(i++, metric);
      if (afterMetric != null) {
        ps.setString(i++, afterMetric);
        ps.setString(i++, afterMetric);
        ps.setTimestamp(i, Timestamp.from(afterTs));
      }
      List<Row> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(new Row(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getDouble(3)));
      }
      return out;
    }
  }

  /** Adds up to {@code limit} readings of one metric to {@code points}; when there were more, the last one's time. */
  private Instant readRaw(String deviceId, String metric, Instant from, Instant to, int limit,
      TreeMap<Instant, Point> points) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT ts, reading FROM telemetry_reading WHERE device_id = ? AND metric = ? AND ts >= ? AND ts < ?"
            + " ORDER BY ts LIMIT " + (limit + 1))) {
      ps.setString(1, deviceId);
      ps.setString(2, metric);
      ps.setTimestamp(3, Timestamp.from(from));
      ps.setTimestamp(4, Timestamp.from(to));
      int n = 0;
      Instant last = null;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (++n > limit) return last;
          Instant t = rs.getTimestamp(1).toInstant();
          last = t;
          points.computeIfAbsent(t, at -> new Point(at, new TreeMap<>(), null, null, null)).values()
              .put(metric, rs.getDouble(2));
        }
      }
      return null;
    }
  }

  private List<Rollup> readRollups(String deviceId, String metric, Resolution source, Instant from, Instant to)
      throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT bucket, min_value, max_value, sum_value, count_value FROM " + source.table()
            + " WHERE device_id = ? AND metric = ? AND bucket >= ? AND bucket < ? ORDER BY bucket")) {
      ps.setString(1, deviceId);
      ps.setString(2, metric);
      ps.setTimestamp(3, Timestamp.from(source.bucketOf(from)));
      ps.setTimestamp(4, Timestamp.from(to));
      List<Rollup> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Rollup(deviceId, metric, rs.getTimestamp(1).toInstant(), rs.getDouble(2), rs.getDouble(3),
              rs.getDouble(4), rs.getLong(5)));
        }
      }
      return out;
    }
  }

  private static Point point(Instant t, Map<String, Rollup> byMetric) {
    Map<String, Double> mean = new LinkedHashMap<>();
    Map<String, Double> min = new LinkedHashMap<>();
    Map<String, Double> max = new LinkedHashMap<>();
    Map<String, Long> count = new LinkedHashMap<>();
    byMetric.forEach((metric, r) -> {
      mean.put(metric, r.mean());
      min.put(metric, r.min());
      max.put(metric, r.max());
      count.put(metric, r.count());
    });
    return new Point(t, mean, min, max, count);
  }
}
