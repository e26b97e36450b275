package io.fleet.retention;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.fleet.infra.Database;
import io.fleet.infra.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One kind of history expiring on a real database (H2, and PostgreSQL when FLEET_IT_POSTGRES_URL is set), in
 * batches: a table that records no household goes by its device's household, as a kind added later may.
 */
class ExpiredRowsIT {
  @TempDir static Path dir;
  private static final HistoryTable READINGS = HistoryTable.ofDeviceHousehold("telemetry-raw", "reading_probe", "ts", "device_id");
  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void rowsExpireByTheirDevicesHouseholdInBatchesAndNewerOnesStay(String which) throws Exception {
    try (Database db = TestDatabases.open(which, dir, "it_expiry_")) {
      try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
        s.executeUpdate("CREATE TABLE reading_probe (device_id varchar(200) not null, ts timestamp not null)");
        s.executeUpdate("INSERT INTO device_summary (device_id, device_type, household, status, battery_low, registered_at,"
            + " updated_at) VALUES ('s-week', 'sensor', 'h-week', 'unknown', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
            + " ('s-default', 'sensor', 'h-default', 'unknown', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
      }
      // Each sensor: five readings ten days old, one a day old.
      for (String device : List.of("s-week", "s-default", "s-gone")) {
        for (int i = 0; i < 5; i++) insert(db, device, NOW.minus(Duration.ofDays(10)).plusSeconds(i));
        insert(db, device, NOW.minus(Duration.ofDays(1)));
      }
      RetentionSettings settings = RetentionSettings.fromConfig(ConfigFactory.parseString(
              "fleet.retention { telemetry-raw = 9d, households.h-week.telemetry-raw = 2d }")
          .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("fleet"));
      List<Long> batches = new ArrayList<>();
      ExpiredRows expired = new ExpiredRows(db.dataSource(), keys -> { }, 2, new ExpiredRows.Tally() {
        @Override
        public void rows(String kind, long count) {
          batches.add(count);
        }

        @Override
        public void objects(String kind, long count) {}
      });

      long deleted = expired.sweep(READINGS, settings, NOW);

      assertThat(deleted).isEqualTo(15);
      assertThat(batches).as("batches of 2, the last one short").allMatch(n -> n <= 2).hasSizeGreaterThan(7);
      assertThat(count(db, "s-week")).isEqualTo(1);
      assertThat(count(db, "s-default")).isEqualTo(1);
      assertThat(count(db, "s-gone")).as("no household left: the defaults").isEqualTo(1);

      RetentionSettings longer = RetentionSettings.fromConfig(ConfigFactory.parseString(
              "fleet.retention { telemetry-raw = 12h, households.h-week.telemetry-raw = 2d }")
          .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("fleet"));
      assertThat(expired.sweep(READINGS, longer, NOW)).as("a day-old reading of the week's household stays").isEqualTo(2);
      assertThat(count(db, "s-week")).isEqualTo(1);
    }
  }

  private static void insert(Database db, String device, Instant ts) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO reading_probe (device_id, ts) VALUES (?, ?)")) {
      ps.setString(1, device);
      ps.setTimestamp(2, Timestamp.from(ts));
      ps.executeUpdate();
    }
  }

  private static long count(Database db, String device) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM reading_probe WHERE device_id = ?")) {
      ps.setString(1, device);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
