package io.fleet.infra;

import java.sql.Connection;
import java.sql.PreparedStatement;

/** Journal events written straight into the journal tables, for tests and benchmarks of its queries. */
final class JournalRows {
  static final int TAGS = 4;

  private JournalRows() {}

  /**
   * Journal events {@code from + 1 .. to}, event n tagged {@code device-(n % 4)}, with a payload of
   * {@code payloadBytes}; committed every 10,000 events. Not analyzed: a young journal has no statistics
   * ({@link #analyze}).
   */
  static void fill(Connection c, long from, long to, int payloadBytes) throws Exception {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    byte[] payload = new byte[payloadBytes];
    try (PreparedStatement event = c.prepareStatement("""
            INSERT INTO "event_journal" ("ordering", "persistence_id", "sequence_number", "writer", "write_timestamp",
              "adapter_manifest", "event_payload", "event_ser_id", "event_ser_manifest") VALUES (?, ?, ?, 'w', 0, '', ?, 1, '')""");
        PreparedStatement tag = c.prepareStatement("INSERT INTO \"event_tag\" (\"event_id\", \"tag\") VALUES (?, ?)")) {
      for (long n = from + 1; n <= to; n++) {
        event.setLong(1, n);
        event.setString(2, "Device|d-" + (n % 5000));
        event.setLong(3, n);
        event.setBytes(4, payload);
        event.addBatch();
        tag.setLong(1, n);
        tag.setString(2, "device-" + (n % TAGS));
        tag.addBatch();
        if (n % 10_000 == 0 || n == to) {
          event.executeBatch();
          tag.executeBatch();
          c.commit();
        }
      }
    }
    c.setAutoCommit(autoCommit);
  }

  /** Gathers the journal tables' statistics, as autovacuum (PostgreSQL) or a long-running database would have them. */
  static void analyze(Connection c, boolean h2) throws Exception {
    String analyze = h2 ? "ANALYZE TABLE " : "ANALYZE ";
    try (var statement = c.createStatement()) {
      statement.execute(analyze + "event_journal");
      statement.execute(analyze + "event_tag");
    }
  }
}
