package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleet.device.DeviceEvent;
import io.fleet.device.DeviceType;
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
          new DeviceEvent.Registered("cam-1", at, DeviceType.CAMERA, "Porch", "h-1", null, false),
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
}
