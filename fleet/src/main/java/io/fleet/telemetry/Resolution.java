package io.fleet.telemetry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Where a telemetry series comes from: the readings themselves, or one of the two rollups. */
public enum Resolution {
  RAW("telemetry_reading"),
  MINUTE("telemetry_rollup_1m"),
  HOUR("telemetry_rollup_1h");

  private final String table;

  Resolution(String table) {
    this.table = table;
  }

  /** Its table: readings keyed by {@code ts}, rollups by {@code bucket}. */
  public String table() {
    return table;
  }

  /** The start of the bucket {@code t} falls in (in UTC). */
  Instant bucketOf(Instant t) {
    return this == RAW ? t : t.truncatedTo(this == MINUTE ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
  }
}
