package io.fleet.readside;

import io.fleet.device.Alert;
import io.fleet.device.DeviceEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;

/**
 * Keeps one {@code alert} row per alert from the journal's {@code AlertRaised} and {@code AlertUpdated}:
 * the latest revision wins. Called by the device read-side projection inside its transaction.
 */
final class AlertTable {
  private AlertTable() {}

  static void apply(Connection c, DeviceEvent event) throws SQLException {
    Optional<Alert> alert = DeviceEvent.alertOf(event);
    if (alert.isPresent()) upsert(c, event.deviceId(), event.at(), alert.get());
  }

  private static void upsert(Connection c, String deviceId, Instant at, Alert a) throws SQLException {
    try (PreparedStatement update = c.prepareStatement(
        "UPDATE alert SET household = ?, state = ?, revision = ?, updated_at = ?, message = ?, url = ?, clip_id = ?,"
            + " clip_verified = ?, acknowledged_by = ?, acknowledged_at = ?, cleared_by = ?, cleared_at = ?"
            + " WHERE alert_id = ? AND revision <= ?")) {
      update.setString(1, a.household());
      update.setString(2, a.state());
      update.setInt(3, a.revision());
      update.setTimestamp(4, Timestamp.from(at));
      update.setString(5, cut(a.message(), 500));
      update.setString(6, cut(a.url(), 1000));
      update.setString(7, a.clipId());
      update.setBoolean(8, a.clipVerified());
      setWho(update, 9, a);
      update.setString(13, a.alertId());
      update.setInt(14, a.revision());
      if (update.executeUpdate() > 0 || exists(c, a.alertId())) return;
    }
    try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO alert (alert_id, device_id, household, kind, severity, state, revision, event_id, event_time,"
            + " raised_at, updated_at, message, url, clip_id, clip_verified, acknowledged_by, acknowledged_at, cleared_by,"
            + " cleared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, a.alertId());
      insert.setString(2, deviceId);
      insert.setString(3, a.household());
      insert.setString(4, a.kind().label());
      insert.setString(5, a.severity());
      insert.setString(6, a.state());
      insert.setInt(7, a.revision());
      insert.setString(8, a.eventId());
      if (a.eventTime() == null) insert.setNull(9, Types.TIMESTAMP);
      else insert.setTimestamp(9, Timestamp.from(a.eventTime()));
      insert.setTimestamp(10, Timestamp.from(at));
      insert.setTimestamp(11, Timestamp.from(at));
      insert.setString(12, cut(a.message(), 500));
      insert.setString(13, cut(a.url(), 1000));
      insert.setString(14, a.clipId());
      insert.setBoolean(15, a.clipVerified());
      setWho(insert, 16, a);
      insert.executeUpdate();
    }
  }

  /** Who acknowledged and cleared it, and when: four parameters from {@code first}. */
  private static void setWho(PreparedStatement ps, int first, Alert a) throws SQLException {
    ps.setString(first, cut(a.acknowledgedBy(), 200));
    setTime(ps, first + 1, a.acknowledgedAt());
    ps.setString(first + 2, cut(a.clearedBy(), 200));
    setTime(ps, first + 3, a.clearedAt());
  }

  private static void setTime(PreparedStatement ps, int index, Instant at) throws SQLException {
    if (at == null) ps.setNull(index, Types.TIMESTAMP);
    else ps.setTimestamp(index, Timestamp.from(at));
  }

  private static boolean exists(Connection c, String alertId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM alert WHERE alert_id = ?")) {
      ps.setString(1, alertId);
      return ps.executeQuery().next();
    }
  }

  private static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
