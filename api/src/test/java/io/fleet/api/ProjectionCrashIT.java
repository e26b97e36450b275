package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed (SIGKILL, no shutdown) while its projection is writing leaves read-side tables that,
 * after a restart on the same data, are exactly what a fresh rebuild from the journal produces: no row
 * skipped, none doubled.
 */
class ProjectionCrashIT {

  @Test
  void afterAKillDuringProjectionTheTablesEqualAFreshRebuild(@TempDir Path dataDir) throws Exception {
    long projected = ChildNode.start(BusyNode.class, dataDir, "768m", "PROJECTED").killOnceAt(400, Duration.ofSeconds(120));

    // The child's devices are gone; a long restart grace keeps their entities from going offline while
    // the tables are compared, so the journal holds exactly what the child persisted.
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, "restarted",
        Map.of("fleet.mqtt.client-id", "fleet-it-restarted", "fleet.device.restart-grace", "1h")))) {
      DataSource db = app.node().infrastructure().database().dataSource();
      await("the projection caught up with the journal").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ReadSideTables.caughtUp(db));
      List<List<Object>> afterCrash = ReadSideTables.rows(db, "");
      assertThat((long) afterCrash.size()).isGreaterThanOrEqualTo(projected);

      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.post("/api/admin/readside/rebuild", "{}").status()).isEqualTo(202);
      await("the rebuild equals the tables the crash left").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ReadSideTables.rows(db, "").equals(afterCrash));
    }
  }




  /** The node that gets killed: devices keep registering and changing state, it reports rows projected. */
  public static final class BusyNode {
    public static void main(String[] args) throws Exception {
      FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
          .config(Path.of(args[0]), "busy", Map.of("fleet.mqtt.client-id", "fleet-it-busy")));
      SimulatedFleet devices = SimulatedFleet.builder()
          .mqtt(app.node().endpoints().mqttUrl())
          .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
          .devices(100).idPrefix("crash-").kinds(DeviceKind.CAMERA, DeviceKind.SENSOR).households(5)
          .heartbeatInterval(Duration.ofSeconds(1))
          .start();
      DataSource db = app.node().infrastructure().database().dataSource();
      int round = 0;
      while (true) {
        // Keep the projection busy: batteries cross the low mark, firmware changes, devices fall silent.
        for (int i = 0; i < 20; i++) {
          var device = devices.device(String.format("crash-%04d", (round * 20 + i) % 100));
          device.setBattery(round % 2 == 0 ? 10 : 90);
          device.setFirmware("1." + round);
        }
        round++;
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM device_event")) {
          rs.next();
          System.out.println("PROJECTED " + rs.getLong(1));
        }
        Thread.sleep(300); // pacing of the load generator in the child, not test synchronisation
      }
    }
  }
}
