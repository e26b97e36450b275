package io.fleet.retention;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Deletes the expired rows of one {@link HistoryTable}, batch by batch, each batch its own transaction: first
 * each household with a period of its own, then all other rows by the default period. A batch is the oldest
 * {@code batchSize} expired rows of a scope (rows of the same time as the last of them go with it), and a
 * table with objects has those deleted from S3 before their rows, so a row never points at a missing object
 * for long and an object is never left without its row. Blocking JDBC; owns no state, so a sweep cut short
 * by a crash is simply continued by the next one.
 */
final class ExpiredRows {
  /** Where the deleted rows and objects are counted, per kind, as they go. */
  interface Tally {
    void rows(String kind, long count);

    void objects(String kind, long count);
  }

  /** Deletes S3 objects by key; throws when S3 did not delete one (its row is then kept for the next sweep). */
  interface Objects {
    void delete(List<String> keys) throws Exception;
  }

  private final DataSource dataSource;
  private final Objects objects;
  private final int batchSize;
  private final Tally tally;

  ExpiredRows(DataSource dataSource, Objects objects, int batchSize, Tally tally) {
    this.dataSource = dataSource;
    this.objects = objects;
    this.batchSize = batchSize;
    this.tally = tally;
  }

  /** Deletes what expired by {@code now} in {@code table}; answers the rows deleted. */
  long sweep(HistoryTable table, RetentionSettings settings, Instant now) throws Exception {
    long deleted = 0;
    Map<String, Duration> own = settings.ownPeriods(table.kind());
    for (Map.Entry<String, Duration> household : own.entrySet()) {
      deleted += sweep(table, table.ofHousehold(), List.of(household.getKey()), now.minus(household.getValue()));
    }
    String others = own.isEmpty() ? "1 = 1" : table.ofNoneOf(own.size());
    return deleted + sweep(table, others, List.copyOf(own.keySet()), now.minus(settings.keep(table.kind())));
  }

  private long sweep(HistoryTable table, String scope, List<String> households, Instant cutoff) throws Exception {
    long deleted = 0;
    while (true) {
      try (Connection c = dataSource.getConnection()) {
        Timestamp last = lastOfBatch(c, table, scope, households, cutoff);
        String time = table.timeColumn();
        String expired = scope + " AND " + time + " < ?" + (last == null ? "" : " AND " + time + " <= ?");
        List<Object> values = new ArrayList<>(households);
        values.add(Timestamp.from(cutoff));
        if (last != null) values.add(last);
        if (table.objectKeyColumn().isPresent()) {
          List<String> keys = strings(c, "SELECT " + table.objectKeyColumn().get() + " FROM " + table.table()
              + " WHERE " + expired, values);
          objects.delete(keys);
          tally.objects(table.kind(), keys.size());
        }
        int rows = update(c, "DELETE FROM " + table.table() + " WHERE " + expired, values);
        tally.rows(table.kind(), rows);
        deleted += rows;
        // Fewer than a batch were left: this scope is done until the next sweep.
        if (last == null) return deleted;
      }
    }
  }

  /** The time of the {@code batchSize}-th oldest expired row, or null when fewer are left. */
  private Timestamp lastOfBatch(Connection c, HistoryTable table, String scope, List<String> households, Instant cutoff)
      throws SQLException {
    List<Object> values = new ArrayList<>(households);
    values.add(Timestamp.from(cutoff));
    try (PreparedStatement ps = c.prepareStatement("SELECT " + table.timeColumn() + " FROM " + table.table()
        + " WHERE " + scope + " AND " + table.timeColumn() + " < ? ORDER BY " + table.timeColumn()
        + " LIMIT 1 OFFSET " + (batchSize - 1))) {
      bind(ps, values);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getTimestamp(1) : null;
      }
    }
  }

  static List<String> strings(Connection c, String sql, List<Object> values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, values);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.add(rs.getString(1));
      }
      return out;
    }
  }

  static int update(Connection c, String sql, List<Object> values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, values);
      return ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, List<Object> values) throws SQLException {
    for (int i = 0; i < values.size(); i++) ps.setObject(i + 1, values.get(i));
  }
}
