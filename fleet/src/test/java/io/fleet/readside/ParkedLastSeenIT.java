package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent;
import io.fleet.device.DeviceType;
import io.fleet.device.OfflineReason;
import io.fleet.device.SteadyHeartbeats.Seen;
import io.fleet.infra.Database;
import io.fleet.infra.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the read side does for parked devices, on a real database (H2, and PostgreSQL when FLEET_IT_POSTGRES_URL is
 * set): their last seen written straight to {@code device_summary}, only forward (an older one projected late from the
 * journal does not take it back), and the sweep's query for online devices unheard for long.
 */
class ParkedLastSeenIT {
  @TempDir static Path dir;

  private static void project(Database db, DeviceEvent... events) throws Exception {
    JdbcConnectionSession session = new JdbcConnectionSession(db.dataSource());
    long sequence = 0;
    for (DeviceEvent e : events) {
      new ReadModelHandler(new SimpleMeterRegistry().counter("skipped")).process(session, List.of(
          EventEnvelope.create(Offset.sequence(++sequence), "Device|" + e.deviceId(), sequence, e, 0L)));
    }
    session.commit();
    session.close();
  }

  private static void online(Database db, String id, Instant at) throws Exception {
    project(db, new DeviceEvent.Registered(id, at, DeviceType.SENSOR, null, null, null, false, null),
        new DeviceEvent.CameOnline(id, at, 30, at));
  }

  private static Object[] row(Database db, String id) throws Exception {
    try (Connection c = db.dataSource().getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT last_seen, battery FROM device_summary WHERE device_id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Object[] {rs.getTimestamp(1).toInstant(), rs.getObject(2)};
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void aParkedDevicesLastSeenIsWrittenOnlyForwardAndAnOlderOneFromTheJournalDoesNotTakeItBack(String which)
      throws Exception {
    Instant at = Instant.parse("2026-12-06T10:00:00Z");
    try (Database db = TestDatabases.open(which, dir, "it_parked_")) {
      online(db, "s-1", at);
      online(db, "s-2", at);

      LastSeenWriter.write(db.dataSource(), List.of(new Seen("s-1", at.plusSeconds(60), 55, -70),
          new Seen("s-2", at.minusSeconds(10), 10, -70)));
      project(db, new DeviceEvent.LastSeenUpdated("s-1", at.plusSeconds(30), 60, -70, 100L, 30, 0, at.plusSeconds(30)));

      assertThat(row(db, "s-1")[0]).as("written, and not taken back").isEqualTo(at.plusSeconds(60));
      assertThat(row(db, "s-2")).as("older than the row: left").containsExactly(at, null);
    }
  }

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void onlineDevicesUnheardForLongerThanTheSweepsAfterAreFoundOldestFirst(String which) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (Database db = TestDatabases.open(which, dir, "it_unheard_")) {
      online(db, "quiet-6m", now.minus(Duration.ofMinutes(6)));
      online(db, "quiet-10m", now.minus(Duration.ofMinutes(10)));
      online(db, "heard-1m", now.minus(Duration.ofMinutes(1)));
      online(db, "offline-10m", now.minus(Duration.ofMinutes(10)));
      project(db, new DeviceEvent.WentOffline("offline-10m", now.minus(Duration.ofMinutes(9)),
          OfflineReason.SILENT, now.minus(Duration.ofMinutes(10))));

      assertThat(new UnheardDevices(db.dataSource(), Duration.ofMinutes(5)).find())
          .containsExactly("quiet-10m", "quiet-6m");
    }
  }
}
