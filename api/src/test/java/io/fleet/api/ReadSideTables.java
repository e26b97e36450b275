package io.fleet.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The read side's tables as plain rows, for comparing them before and after a crash or a rebuild:
 * {@code device_summary} and {@code device_event} (without its generated ids) of the devices whose id
 * starts with a prefix, in a stable order.
 */
final class ReadSideTables {
  private ReadSideTables() {}

  static List<List<Object>> rows(DataSource db, String devicePrefix) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = db.getConnection()) {
      read(c, "SELECT * FROM device_summary WHERE device_id LIKE ? ORDER BY device_id", devicePrefix, rows);
      read(c, "SELECT device_id, household, event_type, occurred_at, detail FROM device_event WHERE device_id LIKE ?"
          + " ORDER BY device_id, occurred_at, event_type, detail", devicePrefix, rows);
    }
    return rows;
  }

  private static void read(Connection c, String sql, String prefix, List<List<Object>> into) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, prefix + "%");
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
          List<Object> row = new ArrayList<>();
          for (int i = 1; i <= md.getColumnCount(); i++) row.add(rs.getObject(i));
          into.add(row);
        }
      }
    }
  }

  /** Every tag's newest journaled event is at or below the device-summary projection's stored offset. */
  static boolean caughtUp(DataSource db) throws Exception {
    return caughtUp(db, "device-summary");
  }

  /** Every tag's newest journaled event is at or below the stored offset of the projection {@code name}. */
  static boolean caughtUp(DataSource db, String name) throws Exception {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT t.tag, MAX(t.event_id), MAX(o.current_offset) FROM event_tag t LEFT JOIN pekko_projection_offset_store o"
            + " ON o.projection_name = ? AND o.projection_key = t.tag GROUP BY t.tag")) {
      ps.setString(1, name);
      ResultSet rs = ps.executeQuery();
      boolean any = false;
      while (rs.next()) {
        any = true;
        String offset = rs.getString(3);
        if (offset == null || Long.parseLong(offset) < rs.getLong(2)) return false;
      }
      return any;
    }
  }
}
