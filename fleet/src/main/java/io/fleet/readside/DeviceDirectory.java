package io.fleet.readside;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Answers fleet-list questions from the {@code device_summary} table (kept by
 * {@link ReadModelProjection}). Blocking JDBC: call it from a blocking-friendly dispatcher.
 * Owns no state.
 */
public final class DeviceDirectory {
  private final DataSource dataSource;

  public DeviceDirectory(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public DevicePage list(DeviceQuery query) throws SQLException {
    SqlFilter sql = new SqlFilter("SELECT * FROM device_summary");
    query.status().ifPresent(s -> sql.and("status = ?", s.toLowerCase(Locale.ROOT)));
    query.type().ifPresent(t -> sql.and("device_type = ?", t.toLowerCase(Locale.ROOT)));
    query.household().ifPresent(h -> sql.and("household = ?", h));
    query.text().ifPresent(q -> {
      String like = "%" + q.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
      sql.and("(LOWER(device_id) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(name, '')) LIKE ? ESCAPE '\\')", like, like);
    });
    query.after().ifPresent(a -> sql.and("device_id > ?", a));
    int limit = Math.max(1, Math.min(query.limit(), DeviceQuery.MAX_LIMIT));
    sql.append(" ORDER BY device_id LIMIT " + (limit + 1));
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.sql())) {
      sql.bind(ps);
      List<DeviceSummary> items = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) items.add(row(rs));
      }
      if (items.size() <= limit) return new DevicePage(items, Optional.empty());
      List<DeviceSummary> page = items.subList(0, limit);
      return new DevicePage(List.copyOf(page), Optional.of(DeviceQuery.encodeCursor(page.get(limit - 1).deviceId())));
    }
  }

  /** Counts over the whole fleet, or over one household when given. */
  public FleetSummary summary(Optional<String> household) throws SQLException {
    String where = household.isPresent() ? " WHERE household = ?" : "";
    try (Connection c = dataSource.getConnection()) {
      Map<String, Long> byStatus = counts(c, "SELECT status, COUNT(*) FROM device_summary" + where + " GROUP BY status", household);
      Map<String, Long> byType = counts(c, "SELECT device_type, COUNT(*) FROM device_summary" + where + " GROUP BY device_type", household);
      Map<String, Long> low = counts(c,
          "SELECT 'low', COUNT(*) FROM device_summary WHERE battery_low = TRUE" + where.replace(" WHERE", " AND"), household);
      Map<String, Long> alerts = counts(c, "SELECT state, COUNT(*) FROM alert" + where + " GROUP BY state", household);
      long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
      return new FleetSummary(total, byStatus, byType, low.getOrDefault("low", 0L), alerts.getOrDefault("open", 0L), alerts);
    }
  }

  private static Map<String, Long> counts(Connection c, String sql, Optional<String> household) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (household.isPresent()) ps.setString(1, household.get());
      Map<String, Long> out = new TreeMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
      }
      return out;
    }
  }

  private static DeviceSummary row(ResultSet rs) throws SQLException {
    return new DeviceSummary(
        rs.getString("device_id"),
        rs.getString("device_type"),
        rs.getString("name"),
        rs.getString("household"),
        rs.getString("location"),
        rs.getString("status"),
        instant(rs.getTimestamp("status_since")),
        instant(rs.getTimestamp("last_seen")),
        (Integer) rs.getObject("battery", Integer.class),
        rs.getBoolean("battery_low"),
        (Integer) rs.getObject("rssi", Integer.class),
        rs.getString("firmware"),
        instant(rs.getTimestamp("registered_at")));
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }
}
