package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read journal's events-by-tag query ({@link EventsByTagDao}) on H2, and on PostgreSQL when FLEET_IT_POSTGRES_URL
 * is set: the right events, read through the indexes rather than by a scan of a table or of the journal from its
 * start — on a young journal without statistics and once the tables are analyzed.
 */
class EventsByTagDaoIT {
  private static final int EVENTS = 4000;

  @TempDir static Path dir;

  @ParameterizedTest
  @MethodSource("io.fleet.infra.TestDatabases#databases")
  void eventsByTagReturnsTheTagsEventsInTheRangeInOrderAndReadsOnlyThatRange(String which) throws Exception {
    try (Database db = TestDatabases.open(which, dir, "it_events_by_tag_");
        Connection c = db.dataSource().getConnection()) {
      JournalRows.fill(c, 0, EVENTS, 1);
      // Event n carries tag n % 4; event 3002 is the first of device-2 after 3000, every fourth after it.
      List<Long> expected = new ArrayList<>();
      for (long n = 3002; n <= 3400 && expected.size() < 50; n += 4) expected.add(n);
      for (boolean analyzed : new boolean[] {false, true}) {
        if (analyzed) JournalRows.analyze(c, which.equals("h2"));
        assertThat(poll(c, which, 3000, 3400, "device-2", 50)).as("analyzed: %s", analyzed).isEqualTo(expected);
        // A projection near the journal's end with nothing bounding it above (its offset far from the first event).
        assertThat(poll(c, which, 3990, Long.MAX_VALUE / 2, "device-3", 50)).containsExactly(3991L, 3995L, 3999L);
        // A projection far behind: its range is the whole journal, the poll wants the tag's first 50 in it.
        List<Long> first = new ArrayList<>();
        for (long n = 1; first.size() < 50; n += 4) first.add(n);
        assertThat(poll(c, which, 0, EVENTS, "device-1", 50)).isEqualTo(first);
        String near = plan(c, which, 3990, Long.MAX_VALUE / 2, "device-3", 50);
        String range = plan(c, which, 3000, 3400, "device-2", 50);
        String behind = plan(c, which, 0, EVENTS, "device-1", 50);
        for (String plan : List.of(near, range, behind)) {
          if (which.equals("h2")) {
            assertThat(plan).as(plan).doesNotContain("tableScan");
            assertThat(scanCounts(plan)).as("rows read for at most 50 events of one tag in 4: %s", plan)
                .allMatch(n -> n < 1000);
          } else {
            assertThat(plan).as(plan).doesNotContain("Seq Scan");
            assertThat(rowsRead(plan)).as("rows read for at most 50 events of one tag in 4: %s", plan)
                .allMatch(n -> n < 1000);
          }
        }
      }
    }
  }

  private static List<Long> poll(Connection c, String which, long after, long upTo, String tag, long max) throws Exception {
    List<Long> found = new ArrayList<>();
    try (PreparedStatement query = c.prepareStatement(query(which))) {
      EventsByTagDao.bind(query, which.equals("h2"), tag, after, upTo, max);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) found.add(rs.getLong(1));
      }
    }
    return found;
  }

  private static String plan(Connection c, String which, long after, long upTo, String tag, long max) throws Exception {
    StringBuilder plan = new StringBuilder();
    try (PreparedStatement explain = c.prepareStatement("EXPLAIN ANALYZE " + query(which))) {
      EventsByTagDao.bind(explain, which.equals("h2"), tag, after, upTo, max);
      try (ResultSet rs = explain.executeQuery()) {
        while (rs.next()) plan.append(rs.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }

  private static String query(String which) {
    return which.equals("h2") ? EventsByTagDao.H2_EVENTS_BY_TAG : EventsByTagDao.EVENTS_BY_TAG;
  }

  /** H2: the rows each table access read ({@code scanCount}). */
  private static List<Integer> scanCounts(String plan) {
    return numbers(Pattern.compile("scanCount: (\\d+)").matcher(plan));
  }

  /** PostgreSQL: the rows each plan node produced ({@code actual ... rows=n}). */
  private static List<Integer> rowsRead(String plan) {
    return numbers(Pattern.compile("actual time=[\\d.]+\\.\\.[\\d.]+ rows=(\\d+)").matcher(plan));
  }

  private static List<Integer> numbers(Matcher m) {
    List<Integer> found = new ArrayList<>();
    while (m.find()) found.add(Integer.parseInt(m.group(1)));
    assertThat(found).as("counts in the plan").isNotEmpty();
    return found;
  }
}
