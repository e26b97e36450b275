package io.fleet.retention;

import java.util.Collections;
import java.util.Optional;

/**
 * One kind of history Fleet keeps for a while, as a table: its rows expire by {@code timeColumn} after the
 * period configured for {@code kind} ({@code fleet.retention.<kind>}, or the household's own), and an erased
 * device's rows are found by {@code deviceColumn}. Whose a row is: the household recorded on it
 * ({@code householdColumn}), or, for a table that records none, its device's household of today (looked up in
 * {@code device_summary}). {@code objectKeyColumn} names the S3 object a row stands for, deleted before the row.
 * A declaration, no state; {@link Histories} lists the tables Fleet has.
 */
public record HistoryTable(String kind, String table, String timeColumn, String deviceColumn,
    Optional<String> householdColumn, Optional<String> objectKeyColumn) {

  /** Rows that record their household in {@code householdColumn}. */
  public static HistoryTable of(String kind, String table, String timeColumn, String deviceColumn, String householdColumn) {
    return new HistoryTable(kind, table, timeColumn, deviceColumn, Optional.of(householdColumn), Optional.empty());
  }

  /** Rows that record no household: each goes by its device's household of today. */
  public static HistoryTable ofDeviceHousehold(String kind, String table, String timeColumn, String deviceColumn) {
    return new HistoryTable(kind, table, timeColumn, deviceColumn, Optional.empty(), Optional.empty());
  }

  /** The same rows, each standing for the S3 object whose key is in {@code keyColumn}. */
  public HistoryTable withObjects(String keyColumn) {
    return new HistoryTable(kind, table, timeColumn, deviceColumn, householdColumn, Optional.of(keyColumn));
  }

  /** SQL that is true for rows of this household. */
  String ofHousehold() {
    return householdColumn.map(c -> c + " = ?")
        .orElse(deviceColumn + " IN (SELECT device_id FROM device_summary WHERE household = ?)");
  }

  /** SQL that is true for rows of none of {@code count} households (those without one included). */
  String ofNoneOf(int count) {
    String marks = String.join(", ", Collections.nCopies(count, "?"));
    return householdColumn.map(c -> "(" + c + " IS NULL OR " + c + " NOT IN (" + marks + "))")
        .orElse(deviceColumn + " NOT IN (SELECT device_id FROM device_summary WHERE household IN (" + marks + "))");
  }
}
