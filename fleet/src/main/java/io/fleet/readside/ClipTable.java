package io.fleet.readside;

import io.fleet.device.DeviceEvent;
import io.fleet.device.StoredClip;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code clip} table: one row per clip stored and checked in Fleet's bucket, written by the device
 * read-side projection from {@code ClipStored} (in its transaction), read to find a clip's object and
 * owner for playback.
 */
public final class ClipTable {
  private final DataSource dataSource;

  public ClipTable(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A stored clip as playback needs it. */
  public record ClipRow(String deviceId, String clipId, String household, String key, long size, String contentType) {}

  static void apply(Connection c, DeviceEvent event) throws SQLException {
    if (!(event instanceof DeviceEvent.ClipStored e)) return;
    StoredClip clip = e.clip();
    try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM clip WHERE device_id = ? AND clip_id = ?")) {
      exists.setString(1, e.deviceId());
      exists.setString(2, clip.clipId());
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) return;
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO clip (device_id, clip_id, household, object_key, url, size, content_type, stored_at)"
            + " VALUES (?, ?, (SELECT household FROM device_summary WHERE device_id = ?), ?, ?, ?, ?, ?)")) {
      ps.setString(1, e.deviceId());
      ps.setString(2, clip.clipId());
      ps.setString(3, e.deviceId());
      ps.setString(4, clip.key());
      ps.setString(5, clip.url());
      ps.setLong(6, clip.size());
      ps.setString(7, clip.contentType());
      ps.setTimestamp(8, Timestamp.from(clip.storedAt() != null ? clip.storedAt() : e.at()));
      ps.executeUpdate();
    }
  }

  /** The newest clip with this id that the household scope (empty: any) may see. */
  public Optional<ClipRow> find(String clipId, Optional<String> household) throws SQLException {
    SqlFilter sql = new SqlFilter("SELECT device_id, clip_id, household, object_key, size, content_type FROM clip")
        .and("clip_id = ?", clipId);
    household.ifPresent(h -> sql.and("household = ?", h));
    sql.append(" ORDER BY stored_at DESC LIMIT 1");
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.sql())) {
      sql.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(new ClipRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
            rs.getString(6)));
      }
    }
  }
}
