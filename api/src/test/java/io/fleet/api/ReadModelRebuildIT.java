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
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Rebuilding the read side from the journal reaches the very same tables, row for row. */
class ReadModelRebuildIT {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aRebuildFromTheJournalReachesTheSameSummaryAndEventTables(TestServers servers, @TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String prefix = "rb-" + TestServers.uniqueSchema().substring(3, 9) + "-";
      try (SimulatedFleet devices = SimulatedFleet.builder()
          .mqtt(app.node().endpoints().mqttUrl())
          .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
          .devices(12).idPrefix(prefix).kinds(DeviceKind.SENSOR, DeviceKind.CAMERA).households(3)
          .heartbeatInterval(Duration.ofSeconds(1))
          .start()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> api.statuses("q=" + prefix + "&status=online").size() == 12);
        devices.device(prefix + "0000").silence();
        devices.device(prefix + "0001").setBattery(5);
        await().atMost(Duration.ofSeconds(30)).until(() -> "offline".equals(api.statuses("q=" + prefix).get(prefix + "0000")));
      }
      RetainedStatus.clear(servers, IntStream.range(0, 12)
          .mapToObj(i -> String.format("%s%04d", prefix, i)).toList());
      // Every device said goodbye: once all are offline, nothing changes any more.
      await().atMost(Duration.ofSeconds(30)).until(() -> api.statuses("q=" + prefix + "&status=offline").size() == 12);
      DataSource db = app.node().infrastructure().database().dataSource();
      await().atMost(Duration.ofSeconds(30)).until(() -> ReadSideTables.caughtUp(db));
      List<List<Object>> before = ReadSideTables.rows(db, prefix);
      assertThat(before).hasSizeGreaterThan(12 + 12 * 3);
      long lastIdBefore = eventIds(db, prefix, "MAX");

      ApiClient.Response rebuild = api.post("/api/admin/readside/rebuild", "{}");
      assertThat(rebuild.status()).isEqualTo(202);
      assertThat(rebuild.body().get("projections")).hasSize(app.node().deviceSettings().tagCount());

      await("the rebuilt tables equal the ones before").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ReadSideTables.rows(db, prefix).equals(before));
      assertThat(eventIds(db, prefix, "MIN")).as("every event row was written again").isGreaterThan(lastIdBefore);
      assertThat(api.withToken(null).post("/api/admin/readside/rebuild", "{}").status()).isEqualTo(401);
    }
  }


  private static long eventIds(DataSource db, String prefix, String aggregate) throws Exception {
    try (Connection c = db.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + aggregate + "(id) FROM device_event WHERE device_id LIKE '" + prefix + "%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

}
