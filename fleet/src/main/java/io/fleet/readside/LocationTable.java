package io.fleet.readside;

import io.fleet.device.DeviceEvent;
import io.fleet.tracking.Fix;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code location} table: every fix a tracker's entity took ({@code LocationRecorded}) with the
 * household the tracker belonged to then, written by the device read-side projection inside its transaction,
 * read for races and device series. Owns no state; a rebuild refills it from what the journal holds.
 */
public final class LocationTable {
  private final DataSource dataSource;

  public LocationTable(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  static void apply(Connection c, DeviceEvent event) throws SQLException {
    if (!(event instanceof DeviceEvent.LocationRecorded e)) return;
    Fix f = e.fix();
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO location (device_id, tst, lat, lon, alt, vel, acc, batt, received_at, household)"
            + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT household FROM device_summary WHERE device_id = ?)"
            + " WHERE NOT EXISTS (SELECT 1 FROM location WHERE device_id = ? AND tst = ?)")) {
      ps.setString(1, e.deviceId());
      ps.setTimestamp(2, Timestamp.from(f.tst()));
      ps.setDouble(3, f.lat());
      ps.setDouble(4, f.lon());
      setDouble(ps, 5, f.alt());
      setDouble(ps, 6, f.vel());
      setDouble(ps, 7, f.acc());
      if (f.batt() == null) ps.setNull(8, Types.INTEGER);
      else ps.setInt(8, f.batt());
      ps.setTimestamp(9, Timestamp.from(e.at()));
      ps.setString(10, e.deviceId());
      ps.setString(11, e.deviceId());
      ps.setTimestamp(12, Timestamp.from(f.tst()));
      ps.executeUpdate();
    }
  }

  /** A device's fixes with {@code from <= tst < to} (either open), in time order, at most {@code limit}. */
  public List<Fix> fixes(String deviceId, Instant from, Instant to, int limit) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT tst, lat, lon, alt, vel, acc, batt FROM location WHERE device_id = ? AND tst >= ? AND tst < ?"
            + " ORDER BY tst LIMIT " + Math.max(1, limit))) {
      ps.setString(1, deviceId);
      ps.setTimestamp(2, Timestamp.from(from == null ? Instant.EPOCH : from));
      ps.setTimestamp(3, Timestamp.from(to == null ? Instant.parse("9999-01-01T00:00:00Z") : to));
      List<Fix> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Fix(rs.getTimestamp(1).toInstant(), rs.getDouble(2), rs.getDouble(3), nullable(rs, 4), nullable(rs, 5),
              nullable(rs, 6), rs.getObject(7) == null ? null : rs.getInt(7)));
        }
      }
      return out;
    }
  }

  private static Double nullable(ResultSet rs, int column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  private static void setDouble(PreparedStatement ps, int index, Double v) throws SQLException {
    if (v == null) ps.setNull(index, Types.DOUBLE);
    else ps.setDouble(index, v);
  }
}
