package io.fleet.readside;

import io.fleet.device.DeviceEvent;
import io.micrometer.core.instrument.Counter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the read model from the devices' persisted events: one {@code device_summary} row per device,
 * the searchable {@code device_event} log, alerts ({@link AlertTable}), clips ({@link ClipTable}) and
 * location fixes ({@link LocationTable}). Runs inside the projection's transaction, so the rows and the offset move
 * together.
 */
final class ReadModelHandler extends JdbcHandler<List<EventEnvelope<DeviceEvent>>, JdbcConnectionSession> {
  private static final Logger log = LoggerFactory.getLogger(ReadModelHandler.class);

  private final Counter skipped;

  ReadModelHandler(Counter skipped) {
    this.skipped = skipped;
  }

  /**
   * A group of events, in journal order, in one transaction with the projection's offset. An event the
   * database refuses as data (SQL state class 22 or 23: a value out of a column's range, a broken
   * constraint) must not stop the projection at that row for good: the group is written again event by
   * event, each behind a savepoint, and the refused one is left out of the read side, logged and counted
   * ({@code fleet_readside_events_skipped_total}); it stays in the journal, so a rebuild after a fix
   * brings it back. Any other failure (the database away) fails the group, which is retried.
   */
  @Override
  public void process(JdbcConnectionSession session, List<EventEnvelope<DeviceEvent>> envelopes) throws Exception {
    session.withConnection(connection -> {
      try {
        for (EventEnvelope<DeviceEvent> envelope : envelopes) write(connection, envelope.event());
      } catch (SQLException e) {
        if (!refusedAsData(e)) throw e;
        connection.rollback();
        for (EventEnvelope<DeviceEvent> envelope : envelopes) writeOrSkip(connection, envelope);
      }
      return null;
    });
  }

  private void writeOrSkip(Connection connection, EventEnvelope<DeviceEvent> envelope) throws SQLException {
    Savepoint before = connection.setSavepoint();
    try {
      write(connection, envelope.event());
      connection.releaseSavepoint(before);
    } catch (SQLException e) {
      if (!refusedAsData(e)) throw e;
      connection.rollback(before);
      skipped.increment();
      log.error("event {} of {} (sequence {}) refused by the read side, left out of it: {}",
          envelope.event().getClass().getSimpleName(), envelope.persistenceId(), envelope.sequenceNr(), e.toString());
    }
  }

  private static void write(Connection connection, DeviceEvent journaled) throws SQLException {
    for (DeviceEvent event : DeviceEvent.facts(journaled)) {
      apply(connection, event);
      DeviceEventLog.append(connection, event);
      AlertTable.apply(connection, event);
      ClipTable.apply(connection, event);
      LocationTable.apply(connection, event);
      forget(connection, event);
    }
  }

  /** Data exceptions (22xxx) and integrity violations (23xxx): this row's fault, not the database's. */
  static boolean refusedAsData(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  static void apply(Connection c, DeviceEvent event) throws SQLException {
    String id = event.deviceId();
    Instant at = event.at();
    if (event instanceof DeviceEvent.Registered e) {
      int updated = update(c, "device_type = ?, name = ?, household = ?, location = ?, registered_at = ?",
          id, at, e.type().label(), e.name(), e.household(), e.location(), ts(at));
      if (updated == 0) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO device_summary (device_id, device_type, name, household, location, status, status_since,"
                + " battery_low, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, 'unknown', ?, FALSE, ?, ?)")) {
          set(ps, id, e.type().label(), e.name(), e.household(), e.location(), ts(at), ts(at), ts(at));
          ps.executeUpdate();
        }
      }
    } else if (event instanceof DeviceEvent.RegistrationChanged e) {
      update(c, "device_type = ?, name = ?, household = ?, location = ?", id, at,
          e.type().label(), e.name(), e.household(), e.location());
    } else if (event instanceof DeviceEvent.CameOnline) {
      update(c, "status = 'online', status_since = ?, last_seen = ?", id, at, ts(at), ts(at));
    } else if (event instanceof DeviceEvent.WentOffline e) {
      update(c, "status = 'offline', status_since = ?", id, at, ts(at));
    } else if (event instanceof DeviceEvent.BatteryLow e) {
      update(c, "battery_low = TRUE, battery = ?", id, at, e.level());
    } else if (event instanceof DeviceEvent.BatteryRecovered e) {
      update(c, "battery_low = FALSE, battery = ?", id, at, e.level());
    } else if (event instanceof DeviceEvent.FirmwareChanged e) {
      update(c, "firmware = ?", id, at, e.to());
    } else if (event instanceof DeviceEvent.LastSeenUpdated e) {
      // Only forward: a parked device's last seen is written straight to this table (LastSeenWriter), and an
      // older journaled one projected late must not take it back.
      update(c, "last_seen = CASE WHEN last_seen IS NULL OR last_seen < ? THEN ? ELSE last_seen END,"
          + " battery = COALESCE(?, battery), rssi = COALESCE(?, rssi)", id, at,
          ts(at), ts(at), intOrNull(e.battery()), intOrNull(e.rssi()));
    }
  }

  /**
   * A decommissioned device leaves the fleet list and summary, last, so that its history rows (logged
   * above) still carry its household. Its events, alerts and clips stay searchable.
   */
  static void forget(Connection c, DeviceEvent event) throws SQLException {
    if (!(event instanceof DeviceEvent.Decommissioned)) return;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM device_summary WHERE device_id = ?")) {
      ps.setString(1, event.deviceId());
      ps.executeUpdate();
    }
  }

  private static int update(Connection c, String assignments, String id, Instant at, Object... values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE device_summary SET " + assignments + ", updated_at = ? WHERE device_id = ?")) {
      Object[] all = new Object[values.length + 2];
      System.arraycopy(values, 0, all, 0, values.length);
      all[values.length] = ts(at);
      all[values.length + 1] = id;
      set(ps, all);
      return ps.executeUpdate();
    }
  }

  private static void set(PreparedStatement ps, Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) ps.setNull(i + 1, Types.VARCHAR);
      else if (v instanceof SqlNull n) ps.setNull(i + 1, n.sqlType());
      else ps.setObject(i + 1, v);
    }
  }

  /** A typed SQL NULL: PostgreSQL will not guess the type of an untyped one inside COALESCE. */
  private record SqlNull(int sqlType) {}

  private static Object intOrNull(Integer value) {
    return value == null ? new SqlNull(Types.INTEGER) : value;
  }

  private static Timestamp ts(Instant at) {
    return Timestamp.from(at);
  }
}
