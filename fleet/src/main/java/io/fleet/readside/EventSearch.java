package io.fleet.readside;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Answers event search from {@code device_event}, sorted by the time events happened (or were received)
 * then id, with keyset pagination over the indexes on (time, id), (device, time, id), (household, time, id)
 * and (type, time, id) of the event time, and (time, id), (device, time, id) of the receipt time. Blocking
 * JDBC; owns no state.
 */
public final class EventSearch {
  private final DataSource dataSource;

  public EventSearch(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The event types that can be searched for. */
  public static List<String> types() {
    return DeviceEventLog.TYPES;
  }

  public EventPage search(EventQuery q) throws SQLException {
    String time = q.timeField().column();
    SqlFilter sql = new SqlFilter("SELECT id, device_id, household, event_type, occurred_at, received_at, detail FROM device_event");
    q.from().ifPresent(f -> sql.and(time + " >= ?", Timestamp.from(f)));
    q.to().ifPresent(t -> sql.and(time + " < ?", Timestamp.from(t)));
    if (!q.deviceIds().isEmpty()) {
      sql.and("device_id IN (" + String.join(", ", Collections.nCopies(q.deviceIds().size(), "?")) + ")",
          q.deviceIds().toArray());
    }
    q.type().ifPresent(t -> sql.and("event_type = ?", t));
    q.household().ifPresent(h -> sql.and("household = ?", h));
    q.after().ifPresent(p -> {
      Timestamp at = Timestamp.from(p.at());
      sql.and("(" + time + " > ? OR (" + time + " = ? AND id > ?))", at, at, p.id());
    });
    int limit = Math.max(1, Math.min(q.limit(), EventQuery.MAX_LIMIT));
    sql.append(" ORDER BY " + time + ", id LIMIT " + (limit + 1));
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.sql())) {
      sql.bind(ps);
      List<DeviceEventRow> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new DeviceEventRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getString(7)));
        }
      }
      if (rows.size() <= limit) return new EventPage(rows, Optional.empty());
      DeviceEventRow last = rows.get(limit - 1);
      return new EventPage(List.copyOf(rows.subList(0, limit)),
          Optional.of(new EventQuery.Position(q.timeField() == EventQuery.TimeField.RECEIVED ? last.receivedAt() : last.at(),
              last.id()).encode()));
    }
  }
}
