package io.fleet.infra;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The cost of one projection poll (events by tag, one tag in four, 500 returned) as the journal grows:
 * pekko-persistence-jdbc's query (the journal joined with {@code event_tag}, the range on the journal's side, as Slick
 * generates it) next to {@link EventsByTagDao}'s, for a projection keeping up (the newest 2,000 events) and for one
 * 40,000 events behind. On H2 by default; on PostgreSQL with {@code --db-url URL} (a fresh schema, dropped after),
 * first on the young journal without statistics (autovacuum off, or not yet run), then analyzed. Each node runs ~24
 * polls a second (six projections' four tags at 100 ms) whether or not anything happens, back to back while one
 * catches up. Not a test: run it by hand, see BENCHMARKS.md. Arguments: {@code [--db-url URL]} journal sizes
 * (default 100000 1000000).
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
  private static final long[] BEHIND = {2_000, 40_000};

  public static void main(String[] args) throws Exception {
    List<String> given = new ArrayList<>(Arrays.asList(args));
    String pgUrl = null;
    int at = given.indexOf("--db-url");
    if (at >= 0) {
      pgUrl = given.get(at + 1);
      given.subList(at, at + 2).clear();
    }
    long[] sizes = given.isEmpty() ? new long[] {100_000, 1_000_000} : given.stream().mapToLong(Long::parseLong).toArray();
    boolean h2 = pgUrl == null;
    String schema = "bench_tags_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String url = h2 ? Database.h2Url(Files.createTempDirectory("fleet-events-by-tag").resolve("db"))
        : Database.freshPostgresSchemaUrl(pgUrl, schema);
    List<String> rows = new ArrayList<>();
    try (Database db = Database.open(url, "", "", 2)) {
      db.migrate();
      try (Connection c = db.dataSource().getConnection()) {
        long filled = 0;
        for (long size : sizes) {
          JournalRows.fill(c, filled, size, 200);
          filled = size;
          for (boolean analyzed : h2 ? new boolean[] {true} : new boolean[] {false, true}) {
            if (analyzed) JournalRows.analyze(c, h2);
            for (long behind : BEHIND) {
              double library = medianMillis(c, LIBRARY_QUERY, size, behind, true, h2);
              double fleet = medianMillis(c, h2 ? EventsByTagDao.H2_EVENTS_BY_TAG : EventsByTagDao.EVENTS_BY_TAG, size,
                  behind, false, h2);
              rows.add(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f | %.2f | %.1f |",
                  h2 ? "H2" : analyzed ? "PostgreSQL, analyzed" : "PostgreSQL, no statistics", size, behind, library,
                  fleet, library / fleet));
            }
          }
        }
      }
      if (!h2) {
        try (Connection c = java.sql.DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
          s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
      }
    }
    System.out.println("| database | journal events | poll's range (events behind) | library query, ms per poll"
        + " | Fleet's query, ms per poll | library ÷ Fleet |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
    rows.forEach(System.out::println);
  }

  private static double medianMillis(Connection c, String sql, long head, long behind, boolean library, boolean h2)
      throws Exception {
    double[] millis = new double[POLLS];
    try (PreparedStatement poll = c.prepareStatement(sql)) {
      for (int i = 0; i < POLLS; i++) {
        String tag = "device-" + (i % JournalRows.TAGS);
        if (library) {
          poll.setString(1, tag);
          poll.setLong(2, head - behind);
          poll.setLong(3, head);
          poll.setLong(4, 500);
        } else {
          EventsByTagDao.bind(poll, h2, tag, head - behind, head, 500);
        }
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
