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
 * location fixes ({@link LocationTable}), a group's writes gathered by {@link ReadModelWrites}. Runs inside the
 * projection's transaction, so the rows and the offset move together.
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
      try (ReadModelWrites writes = new ReadModelWrites(connection)) {
        for (EventEnvelope<DeviceEvent> envelope : envelopes) writes.write(envelope.event());
        writes.flush();
      } catch (SQLException e) {
        if (!refusedAsData(e)) throw e;
        connection.rollback();
        for (EventEnvelope<DeviceEvent> envelope : envelopes) writeOrSkip(connection, envelope);
      }
      return null;
    });
  }

  /** One event alone, behind a savepoint: written, or left out if the database refuses it as data. */
  private void writeOrSkip(Connection connection, EventEnvelope<DeviceEvent> envelope) throws SQLException {
    Savepoint before = connection.setSavepoint();
    try (ReadModelWrites writes = new ReadModelWrites(connection)) {
      writes.write(envelope.event());
      writes.flush();
      connection.releaseSavepoint(before);
    } catch (SQLException e) {
      if (!refusedAsData(e)) throw e;
      connection.rollback(before);
      skipped.increment();
      log.error("event {} of {} (sequence {}) refused by the read side, left out of it: {}",
          envelope.event().getClass().getSimpleName(), envelope.persistenceId(), envelope.sequenceNr(), e.toString());
    }
  }

  /** Data exceptions (22xxx) and integrity violations (23xxx): this row's fault, not the database's. */
  static boolean refusedAsData(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        // A batch's failure names its statement's in the next exception (pgjdbc) or as its cause.
        for (SQLException s = sql; s != null; s = s.getNextException()) {
          if (s.getSQLState() != null && (s.getSQLState().startsWith("22") || s.getSQLState().startsWith("23"))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * A registration or a change of it, written at once; the other changes to a device's summary row are merged per
   * group ({@link SummaryChange}). Other events leave the row alone.
   */
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

  /** Binds {@code values} in order; a null as an SQL NULL. */
  static void set(PreparedStatement ps, Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v == null) ps.setNull(i + 1, Types.VARCHAR);
      else ps.setObject(i + 1, v);
    }
  }

  private static Timestamp ts(Instant at) {
    return Timestamp.from(at);
  }
}
