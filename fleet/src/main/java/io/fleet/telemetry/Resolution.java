package io.fleet.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Where a telemetry series comes from: the readings themselves, or one of the two rollups. */
public enum Resolution {
  RAW("telemetry_reading", Duration.ZERO),
  MINUTE("telemetry_rollup_1m", Duration.ofMinutes(1)),
  HOUR("telemetry_rollup_1h", Duration.ofHours(1));

  private final String table;
  private final Duration bucket;

  Resolution(String table, Duration bucket) {
    this.table = table;
    this.bucket = bucket;
  }

  /** Its table: readings keyed by {@code ts}, rollups by {@code bucket}. */
  public String table() {
    return table;
  }

  /** The width of one of its buckets (zero for the readings). */
  public Duration bucket() {
    return bucket;
  }

  /** The start of the bucket {@code t} falls in (in UTC). */
  Instant bucketOf(Instant t) {
    return this == RAW ? t : t.truncatedTo(this == MINUTE ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
  }
}
