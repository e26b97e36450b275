package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleet.device.DeviceEvent;
import io.fleet.device.DeviceType;
import io.fleet.device.OfflineReason;
import io.fleet.infra.Database;
import io.fleet.infra.TestDatabases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read side's handler on a real database (H2, and PostgreSQL when FLEET_IT_POSTGRES_URL is set): an
 * event the database refuses as data is left out and counted, the events around it in the same group are
 * written; a database that is away fails the group instead, so nothing is skipped for it.
 */
class ReadModelHandlerIT {
  @TempDir static Path dir;

  private static Database open(String which) {
    return TestDatabases.open(which, dir, "it_handler_");
  }

  private static List<EventEnvelope<DeviceEvent>> group(DeviceEvent... events) {
    List<EventEnvelope<DeviceEvent>> envelopes = new ArrayList<>();
    long sequence = 0;
    for (DeviceEvent e : events) {
      envelopes.add(EventEnvelope.create(Offset.sequence(++sequence), "Device|" + e.deviceId(), sequence, e, 0L));
    }
    return envelopes;
  }

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void anEventTheDatabaseRefusesIsLeftOutAndCountedAndTheRestOfItsGroupIsWritten(String which) throws Exception {
    Instant at = Instant.parse("2026-12-04T10:00:00Z");
    Counter skipped = new SimpleMeterRegistry().counter("skipped");
    try (Database db = open(which)) {
      JdbcConnectionSession session = new JdbcConnectionSession(db.dataSource());
      new ReadModelHandler(skipped).process(session, group(
          new DeviceEvent.Registered("cam-1", at, DeviceType.CAMERA, "Porch", "h-1", null, false, null),
          new DeviceEvent.FirmwareChanged("cam-1", at.plusSeconds(1), null, "x".repeat(500), null),
          new DeviceEvent.CameOnline("cam-1", at.plusSeconds(2), 10, null)));
      session.commit();
      session.close();

      try (Connection c = db.dataSource().getConnection();
          ResultSet rs = c.createStatement().executeQuery(
              "SELECT status, firmware FROM device_summary WHERE device_id = 'cam-1'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("status")).isEqualTo("online");
        assertThat(rs.getString("firmware")).isNull();
      }
      assertThat(skipped.count()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void aDatabaseThatIsAwayFailsTheGroupInsteadOfSkippingIt(String which) throws Exception {
    Counter skipped = new SimpleMeterRegistry().counter("skipped");
    try (Database db = open(which)) {
      JdbcConnectionSession session = new JdbcConnectionSession(db.dataSource());
      session.withConnection(connection -> {
        connection.close();
        return null;
      });
      assertThatThrownBy(() -> new ReadModelHandler(skipped).process(session, group(
          new DeviceEvent.CameOnline("cam-2", Instant.parse("2026-12-04T10:00:00Z"), 10, null))))
          .isInstanceOf(SQLException.class);
      assertThat(skipped.count()).isZero();
    }
  }

  /**
   * Three devices' interleaved events — registering, coming online, firmware, last seen out of order, battery low, a
   * new household, offline and back, one decommissioned — written as one group (summary changes merged per device, the log
   * batched) leave the same rows as written one event per group, and each log row carries the household as of its
   * event.
   */
  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void aGroupLeavesTheSameSummaryAndLogRowsAsItsEventsWrittenOneByOne(String which) throws Exception {
    Instant t = Instant.parse("2026-12-04T10:00:00Z");
    List<EventEnvelope<DeviceEvent>> events = group(
        new DeviceEvent.Registered("cam-1", t, DeviceType.CAMERA, "Porch", "h-1", null, false, null),
        new DeviceEvent.Registered("cam-2", t.plusSeconds(1), DeviceType.CAMERA, "Gate", "h-1", null, true, null),
        new DeviceEvent.CameOnline("cam-1", t.plusSeconds(2), 10, t.plusSeconds(2)),
        new DeviceEvent.FirmwareChanged("cam-1", t.plusSeconds(2), null, "1.0", t.plusSeconds(2)),
        new DeviceEvent.LastSeenUpdated("cam-1", t.plusSeconds(10), 80, -60, 10L, 10, 0, t.plusSeconds(10)),
        new DeviceEvent.CameOnline("cam-2", t.plusSeconds(3), 10, null),
        new DeviceEvent.BatteryLow("cam-1", t.plusSeconds(11), 15, t.plusSeconds(11)),
        new DeviceEvent.LastSeenUpdated("cam-1", t.plusSeconds(5), null, -50, 5L, 10, 0, t.plusSeconds(5)),
        new DeviceEvent.RegistrationChanged("cam-1", t.plusSeconds(12), DeviceType.CAMERA, "Porch", "h-2", null),
        new DeviceEvent.WentOffline("cam-1", t.plusSeconds(13), OfflineReason.SILENT, t.plusSeconds(10)),
        new DeviceEvent.Decommissioned("cam-2", t.plusSeconds(14), "operator"),
        new DeviceEvent.CameOnline("cam-1", t.plusSeconds(16), 10, t.plusSeconds(16)),
        new DeviceEvent.LastSeenUpdated("cam-1", t.plusSeconds(18), 90, null, 18L, 10, 0, t.plusSeconds(18)),
        new DeviceEvent.LastSeenUpdated("cam-1", t.plusSeconds(17), null, -40, 17L, 10, 0, t.plusSeconds(17)),
        new DeviceEvent.Registered("cam-3", t, DeviceType.SENSOR, "Hall", "h-3", null, true, null),
        new DeviceEvent.CameOnline("cam-3", t.plusSeconds(1), 10, null),
        new DeviceEvent.RegistrationChanged("cam-3", t.plusSeconds(2), DeviceType.SENSOR, "Hall", "h-4", null),
        new DeviceEvent.LastSeenUpdated("cam-3", t.plusSeconds(9), 70, -70, 9L, 10, 0, t.plusSeconds(9)),
        new DeviceEvent.LastSeenUpdated("cam-3", t.plusSeconds(4), null, null, 4L, 10, 0, t.plusSeconds(4)));
    Counter skipped = new SimpleMeterRegistry().counter("skipped");
    try (Database grouped = open(which); Database oneByOne = open(which)) {
      JdbcConnectionSession session = new JdbcConnectionSession(grouped.dataSource());
      new ReadModelHandler(skipped).process(session, events);
      session.commit();
      session.close();
      for (EventEnvelope<DeviceEvent> event : events) {
        JdbcConnectionSession single = new JdbcConnectionSession(oneByOne.dataSource());
        new ReadModelHandler(skipped).process(single, List.of(event));
        single.commit();
        single.close();
      }

      List<String> summary = rows(grouped, "SELECT device_id, household, status, status_since, last_seen, battery,"
          + " battery_low, rssi, firmware, updated_at FROM device_summary ORDER BY device_id");
      List<String> log = rows(grouped,
          "SELECT device_id, event_type, household, occurred_at FROM device_event ORDER BY occurred_at, device_id, event_type");
      assertThat(summary).containsExactly(
          String.join("|", "cam-1", "h-2", "online", ts(t.plusSeconds(16)), ts(t.plusSeconds(18)), "90", "true", "-40",
              "1.0", ts(t.plusSeconds(17))),
          String.join("|", "cam-3", "h-4", "online", ts(t.plusSeconds(1)), ts(t.plusSeconds(9)), "70", "false", "-70",
              "null", ts(t.plusSeconds(4))));
      assertThat(log).containsExactly(
          "cam-1|registered|h-1|" + ts(t),
          "cam-3|registered|h-3|" + ts(t),
          "cam-2|registered|h-1|" + ts(t.plusSeconds(1)),
          "cam-3|came_online|h-3|" + ts(t.plusSeconds(1)),
          "cam-1|came_online|h-1|" + ts(t.plusSeconds(2)),
          "cam-1|firmware_changed|h-1|" + ts(t.plusSeconds(2)),
          "cam-3|registration_changed|h-4|" + ts(t.plusSeconds(2)),
          "cam-2|came_online|h-1|" + ts(t.plusSeconds(3)),
          "cam-1|battery_low|h-1|" + ts(t.plusSeconds(11)),
          "cam-1|registration_changed|h-2|" + ts(t.plusSeconds(12)),
          "cam-1|went_offline|h-2|" + ts(t.plusSeconds(13)),
          "cam-2|decommissioned|h-1|" + ts(t.plusSeconds(14)),
          "cam-1|came_online|h-2|" + ts(t.plusSeconds(16)));
      assertThat(rows(oneByOne, "SELECT device_id, household, status, status_since, last_seen, battery,"
          + " battery_low, rssi, firmware, updated_at FROM device_summary ORDER BY device_id")).isEqualTo(summary);
      assertThat(rows(oneByOne,
          "SELECT device_id, event_type, household, occurred_at FROM device_event ORDER BY occurred_at, device_id, event_type"))
          .isEqualTo(log);
      assertThat(skipped.count()).isZero();
    }
  }

  /** A self-registration journaled with its first heartbeat in one row leaves the rows its four facts would. */
  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void aRegistrationCarryingItsFirstHeartbeatLeavesTheRowsOfItsFourFacts(String which) throws Exception {
    Instant t = Instant.parse("2026-12-07T08:00:00Z");
    DeviceEvent.Registered oneRow = new DeviceEvent.Registered("s-1", t, DeviceType.SENSOR, "Attic", "h-1", null, true,
        new DeviceEvent.FirstHeartbeat(30, t.minusMillis(40), "2.1", 80, -60, 7L, 0));
    Counter skipped = new SimpleMeterRegistry().counter("skipped");
    try (Database compact = open(which); Database separate = open(which)) {
      for (var db : List.of(compact, separate)) {
        JdbcConnectionSession session = new JdbcConnectionSession(db.dataSource());
        new ReadModelHandler(skipped).process(session, db == compact ? group(oneRow)
            : group(DeviceEvent.facts(oneRow).toArray(DeviceEvent[]::new)));
        session.commit();
        session.close();
      }

      String summarySql = "SELECT device_id, household, status, status_since, last_seen, battery, battery_low, rssi,"
          + " firmware FROM device_summary";
      String logSql = "SELECT event_type, household, occurred_at, detail FROM device_event ORDER BY id";
      assertThat(rows(compact, summarySql)).containsExactly(
          String.join("|", "s-1", "h-1", "online", ts(t), ts(t), "80", "false", "-60", "2.1"));
      assertThat(rows(compact, logSql)).extracting(row -> row.substring(0, row.indexOf('|')))
          .containsExactly("registered", "came_online", "firmware_changed");
      assertThat(rows(separate, summarySql)).isEqualTo(rows(compact, summarySql));
      assertThat(rows(separate, logSql)).isEqualTo(rows(compact, logSql));
      assertThat(skipped.count()).isZero();
    }
  }

  private static List<String> rows(Database db, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          Object v = rs.getObject(i);
          values.add(v instanceof java.sql.Timestamp ts ? ts(ts.toInstant()) : String.valueOf(v));
        }
        rows.add(String.join("|", values));
      }
    }
    return rows;
  }

  private static String ts(Instant at) {
    return at.toString();
  }
}
