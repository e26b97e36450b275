package io.fleet.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of one projection poll (events by tag, the newest 2,000 journal events, one tag in four) on
 * H2 as the journal grows: pekko-persistence-jdbc's query (the journal joined with {@code event_tag},
 * the range on the journal's side, as Slick generates it) next to {@link H2ReadJournalDao}'s. Each node
 * runs ~24 such polls a second (six projections' four tags at 100 ms) whether or not anything happens.
 * Not a test: run it by hand, see BENCHMARKS.md. Arguments: journal sizes (default 100000 1000000).
 */
public final class EventsByTagBenchmark {
  private static final String LIBRARY_QUERY = """
      SELECT j."ordering", j."deleted", j."persistence_id", j."sequence_number", j."writer", j."write_timestamp",
             j."adapter_manifest", j."event_payload", j."event_ser_id", j."event_ser_manifest",
             j."meta_payload", j."meta_ser_id", j."meta_ser_manifest"
        FROM "event_journal" j INNER JOIN "event_tag" t ON j."ordering" = t."event_id"
       WHERE (t."tag" = ?) AND ((j."deleted" = FALSE) AND (j."ordering" > ?) AND (j."ordering" <= ?))
       ORDER BY j."ordering"
       LIMIT ?""";
  private static final int POLLS = 30;

  public static void main(String[] args) throws Exception {
    long[] sizes = args.length > 0 ? Arrays.stream(args).mapToLong(Long::parseLong).toArray() : new long[] {100_000, 1_000_000};
    Path dir = Files.createTempDirectory("fleet-events-by-tag");
    List<String> rows = new ArrayList<>();
    try (Database db = Database.open(Database.h2Url(dir.resolve("db")), "", "", 2)) {
      db.migrate();
      try (Connection c = db.dataSource().getConnection()) {
        long filled = 0;
        for (long size : sizes) {
          JournalRows.fill(c, filled, size, 200);
          filled = size;
          double library = medianMillis(c, LIBRARY_QUERY, size, true);
          double fleet = medianMillis(c, H2ReadJournalDao.EVENTS_BY_TAG, size, false);
          rows.add(String.format(Locale.ROOT, "| %,d | %.2f | %.2f | %.1f |", size, library, fleet, library / fleet));
        }
      }
    }
    System.out.println("| journal events | library query, ms per poll | Fleet's query, ms per poll | library ÷ Fleet |");
    System.out.println("| ---: | ---: | ---: | ---: |");
    rows.forEach(System.out::println);
  }

  private static double medianMillis(Connection c, String sql, long head, boolean tagFirst) throws Exception {
    double[] millis = new double[POLLS];
    try (PreparedStatement poll = c.prepareStatement(sql)) {
      for (int i = 0; i < POLLS; i++) {
        String tag = "device-" + (i % JournalRows.TAGS);
        if (tagFirst) {
          poll.setString(1, tag);
          poll.setLong(2, head - 2000);
          poll.setLong(3, head);
        } else {
          poll.setLong(1, head - 2000);
          poll.setLong(2, head);
          poll.setString(3, tag);
        }
        poll.setLong(4, 500);
        long start = System.nanoTime();
        int n = 0;
        try (ResultSet rs = poll.executeQuery()) {
          while (rs.next()) n++;
        }
        millis[i] = (System.nanoTime() - start) / 1e6;
        if (n != 500) throw new IllegalStateException("expected 500 events of " + tag + ", got " + n);
      }
    }
    Arrays.sort(millis);
    return millis[POLLS / 2];
  }
}
