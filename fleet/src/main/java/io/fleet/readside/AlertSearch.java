package io.fleet.readside;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Lists alerts from the {@code alert} table, newest first. Blocking JDBC; owns no state. */
public final class AlertSearch {
  private final DataSource dataSource;

  public AlertSearch(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  private static final String COLUMNS = "SELECT alert_id, device_id, household, kind, severity, state, revision,"
      + " event_id, event_time, raised_at, updated_at, message, url, clip_id, clip_verified, acknowledged_by,"
      + " acknowledged_at, cleared_by, cleared_at FROM alert";

  /** One alert by id, at its latest projected revision. */
  public Optional<AlertRow> find(String alertId) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(COLUMNS + " WHERE alert_id = ?")) {
      ps.setString(1, alertId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  public List<AlertRow> list(AlertQuery q) throws SQLException {
    SqlFilter sql = new SqlFilter(COLUMNS);
    q.state().ifPresent(s -> sql.and("state = ?", s));
    q.kind().ifPresent(k -> sql.and("kind = ?", k));
    q.household().ifPresent(h -> sql.and("household = ?", h));
    q.from().ifPresent(f -> sql.and("raised_at >= ?", Timestamp.from(f)));
    q.to().ifPresent(t -> sql.and("raised_at < ?", Timestamp.from(t)));
    if (!q.deviceIds().isEmpty()) {
      sql.and("device_id IN (" + String.join(", ", Collections.nCopies(q.deviceIds().size(), "?")) + ")",
          q.deviceIds().toArray());
    }
    sql.append(" ORDER BY raised_at DESC, alert_id LIMIT " + Math.max(1, Math.min(q.limit(), AlertQuery.MAX_LIMIT)));
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.sql())) {
      sql.bind(ps);
      List<AlertRow> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) rows.add(row(rs));
      }
      return rows;
    }
  }

  private static AlertRow row(ResultSet rs) throws SQLException {
    return new AlertRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getInt(7), rs.getString(8), instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)),
        instant(rs.getTimestamp(11)), rs.getString(12), rs.getString(13), rs.getString(14), rs.getBoolean(15),
        rs.getString(16), instant(rs.getTimestamp(17)), rs.getString(18), instant(rs.getTimestamp(19)));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
