package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.projection.jdbc.internal.Dialect;
import org.apache.pekko.projection.jdbc.internal.H2Dialect;
import org.apache.pekko.projection.jdbc.internal.PostgresDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

/** Flyway migrations on H2 and (when FLEET_IT_POSTGRES_URL is set) PostgreSQL. */
class DatabaseIT {

  private static final List<String> TABLES = List.of(
      "event_journal", "event_tag", "snapshot", "durable_state",
      "pekko_projection_offset_store", "pekko_projection_management", "device_summary");

  @TempDir Path dir;

  @Test
  void migratesH2OnceAndASecondMigrateIsANoOp() throws Exception {
    String url = Database.h2Url(dir.resolve("db"));
    assertThat(url).contains("DATABASE_TO_UPPER=false");
    try (Database db = Database.open(url, "", "", 2)) {
      assertThat(db.isPostgres()).isFalse();
      long shipped = db.pendingMigrations();
      assertThat(shipped).as("a fresh database has every shipped migration to apply").isPositive();
      assertThat(db.migrate()).isEqualTo(shipped);
      assertSchemaUsable(db, new H2Dialect(Option.empty(), "pekko_projection_offset_store",
          "pekko_projection_management", true));
      assertThat(db.migrate()).isZero();
      assertThat(rowCount(db, "device_summary")).isEqualTo(1);

      Config slick = db.slickConfig();
      assertThat(slick.getString("pekko-persistence-jdbc.shared-databases.slick.profile"))
          .isEqualTo("slick.jdbc.H2Profile$");
      assertThat(slick.getString("pekko-persistence-jdbc.shared-databases.slick.db.url")).isEqualTo(url);
      assertThat(slick.getString("pekko-persistence-jdbc.shared-databases.slick.db.driver")).isEqualTo("org.h2.Driver");
      assertThat(slick.getString("pekko.projection.jdbc.dialect")).isEqualTo("h2-dialect");
    }
    // The file database keeps schema and rows after the pool is closed and reopened.
    try (Database reopened = Database.open(url, "", "", 2)) {
      assertThat(reopened.migrate()).isZero();
      assertThat(rowCount(reopened, "device_summary")).isEqualTo(1);
    }
  }

  /** Each H2 commit writes every index it touched, and an identity's used-up cache is a commit of its own. */
  @Test
  void onH2TheJournalAndEventLogNumbersComeAThousandAtATimeAndTheOrderingHasOneIndex() throws Exception {
    try (Database db = Database.open(Database.h2Url(dir.resolve("db")), "", "", 2)) {
      db.migrate();
      try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
        List<String> caches = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT TABLE_NAME, COLUMN_NAME, IDENTITY_CACHE FROM INFORMATION_SCHEMA.COLUMNS"
            + " WHERE IS_IDENTITY = 'YES' AND TABLE_SCHEMA = 'PUBLIC' ORDER BY TABLE_NAME")) {
          while (rs.next()) caches.add(rs.getString(1) + "." + rs.getString(2) + " " + rs.getLong(3));
        }
        assertThat(caches).containsExactly("device_event.id 1000", "event_journal.ordering 1000");
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.INDEX_COLUMNS"
            + " WHERE TABLE_NAME = 'event_journal' AND COLUMN_NAME = 'ordering'")) {
          rs.next();
          assertThat(rs.getInt(1)).as("indexes on the journal's ordering").isEqualTo(1);
        }
      }
    }
  }

  @Test
  void migratesPostgresInAFreshSchemaOnceAndASecondMigrateIsANoOp() throws Exception {
    String baseUrl = System.getenv("FLEET_IT_POSTGRES_URL");
    assumeTrue(baseUrl != null && !baseUrl.isBlank(), "FLEET_IT_POSTGRES_URL not set");
    String schema = "fleet_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    String url = Database.freshPostgresSchemaUrl(baseUrl, schema);
    assertThat(url).contains("currentSchema=" + schema);
    try (Database db = Database.open(url, "", "", 2)) {
      assertThat(db.isPostgres()).isTrue();
      long shipped = db.pendingMigrations();
      assertThat(shipped).as("a fresh database has every shipped migration to apply").isPositive();
      assertThat(db.migrate()).isEqualTo(shipped);
      assertThat(tablesIn(db, schema)).containsAll(TABLES).contains("flyway_schema_history");
      assertSchemaUsable(db, new PostgresDialect(Option.empty(), "pekko_projection_offset_store",
          "pekko_projection_management", true));
      assertThat(db.migrate()).isZero();

      Config slick = db.slickConfig();
      assertThat(slick.getString("pekko-persistence-jdbc.shared-databases.slick.profile"))
          .isEqualTo("slick.jdbc.PostgresProfile$");
      assertThat(slick.getString("pekko.projection.jdbc.dialect")).isEqualTo("postgres-dialect");
      // Both pools' sessions plan each statement with its parameters (no generic plan from empty tables).
      assertThat(slick.getString("pekko-persistence-jdbc.shared-databases.slick.db.url")).isEqualTo(db.url());
      try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("show plan_cache_mode")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("force_custom_plan");
      }
    } finally {
      try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
        s.execute("drop schema if exists " + schema + " cascade");
      }
    }
  }

  /**
   * Writes through every table the way its user does: the read side's columns, pekko-projection-jdbc's
   * own insert/read statements for its default table names, and a journal row with a tag.
   */
  private static void assertSchemaUsable(Database db, Dialect projectionDialect) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      try (PreparedStatement insert = c.prepareStatement(
          "insert into device_summary (device_id, device_type, name, household, location, status, status_since,"
              + " last_seen, battery, battery_low, rssi, firmware, registered_at, updated_at)"
              + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        Timestamp now = Timestamp.from(Instant.now());
        insert.setString(1, "cam-1");
        insert.setString(2, "camera");
        insert.setString(3, "Front door");
        insert.setString(4, "home-1");
        insert.setString(5, "hall");
        insert.setString(6, "online");
        insert.setTimestamp(7, now);
        insert.setTimestamp(8, now);
        insert.setInt(9, 80);
        insert.setBoolean(10, false);
        insert.setInt(11, -60);
        insert.setString(12, "1.2.3");
        insert.setTimestamp(13, now);
        insert.setTimestamp(14, now);
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement insert = c.prepareStatement(projectionDialect.insertStatement())) {
        insert.setString(1, "device-summary");
        insert.setString(2, "tag-0");
        insert.setString(3, "42");
        insert.setString(4, "SEQ");
        insert.setBoolean(5, false);
        insert.setLong(6, System.currentTimeMillis());
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement read = c.prepareStatement(projectionDialect.readOffsetQuery())) {
        read.setString(1, "device-summary");
        try (ResultSet rs = read.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("current_offset")).isEqualTo("42");
        }
      }
      try (PreparedStatement insert = c.prepareStatement(projectionDialect.insertManagementStatement())) {
        insert.setString(1, "device-summary");
        insert.setString(2, "tag-0");
        insert.setBoolean(3, true);
        insert.setLong(4, System.currentTimeMillis());
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      // pekko-persistence-jdbc quotes its lower-case identifiers on H2 (DATABASE_TO_UPPER=false makes
      // unquoted ones match too), so plain lower-case SQL must work on both.
      try (PreparedStatement insert = c.prepareStatement(
          "insert into event_journal (persistence_id, sequence_number, writer, write_timestamp,"
              + " adapter_manifest, event_ser_id, event_ser_manifest, event_payload) values (?, ?, ?, ?, ?, ?, ?, ?)",
          new String[] {"ordering"})) {
        insert.setString(1, "Device|cam-1");
        insert.setLong(2, 1);
        insert.setString(3, "writer");
        insert.setLong(4, System.currentTimeMillis());
        insert.setString(5, "");
        insert.setInt(6, 1);
        insert.setString(7, "M");
        insert.setBytes(8, new byte[] {1});
        assertThat(insert.executeUpdate()).isEqualTo(1);
        try (ResultSet keys = insert.getGeneratedKeys()) {
          assertThat(keys.next()).isTrue();
          try (PreparedStatement tag = c.prepareStatement("insert into event_tag (event_id, tag) values (?, ?)")) {
            tag.setLong(1, keys.getLong(1));
            tag.setString(2, "device-0");
            assertThat(tag.executeUpdate()).isEqualTo(1);
          }
        }
      }
    }
  }

  private static int rowCount(Database db, String table) throws SQLException {
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select count(*) from " + table)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<String> tablesIn(Database db, String schema) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s = c.prepareStatement(
            "select table_name from information_schema.tables where table_schema = ?")) {
      s.setString(1, schema);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
    }
    return tables;
  }

}
