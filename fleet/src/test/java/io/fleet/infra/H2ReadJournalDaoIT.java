package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The H2 read journal's events-by-tag query: the right events, read by range rather than by table scan. */
class H2ReadJournalDaoIT {
  private static final int EVENTS = 4000;

  @TempDir Path dir;

  @Test
  void eventsByTagReturnsTheTagsEventsInTheRangeInOrderAndReadsOnlyThatRange() throws Exception {
    try (Database db = Database.open(Database.h2Url(dir.resolve("db")), "", "", 2)) {
      db.migrate();
      try (Connection c = db.dataSource().getConnection()) {
        JournalRows.fill(c, 0, EVENTS, 1);
        List<Long> found = new ArrayList<>();
        try (PreparedStatement query = c.prepareStatement(H2ReadJournalDao.EVENTS_BY_TAG)) {
          bind(query, 3000, 3400, "device-2", 50);
          try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) found.add(rs.getLong("ordering"));
          }
        }
        // Event n carries tag n % 4; event 3002 is the first of device-2 after 3000, every fourth after it.
        List<Long> expected = new ArrayList<>();
        for (long n = 3002; n <= 3400 && expected.size() < 50; n += 4) expected.add(n);
        assertThat(found).isEqualTo(expected);

        String plan;
        try (PreparedStatement explain = c.prepareStatement("EXPLAIN ANALYZE " + H2ReadJournalDao.EVENTS_BY_TAG)) {
          bind(explain, 3000, 3400, "device-2", 50);
          try (ResultSet rs = explain.executeQuery()) {
            rs.next();
            plan = rs.getString(1);
          }
        }
        assertThat(plan).as(plan).doesNotContain("tableScan");
        int journalScanned = Integer.parseInt(plan.replaceAll("(?s).*?scanCount: (\\d+).*", "$1"));
        assertThat(journalScanned).as("journal rows read for 50 events of one tag in 4: %s", plan).isLessThan(300);
      }
    }
  }

  private static void bind(PreparedStatement statement, long after, long upTo, String tag, long max) throws Exception {
    statement.setLong(1, after);
    statement.setLong(2, upTo);
    statement.setString(3, tag);
    statement.setLong(4, max);
  }
}
