package io.fleet.telemetry;

import java.time.Instant;

/**
 * The readings of one device and metric within one bucket (a minute or an hour, or a wider step folded
 * from those): their least, greatest, sum and count; the mean is {@code sum / count}.
 */
public record Rollup(String deviceId, String metric, Instant bucket, double min, double max, double sum, long count) {

  static Rollup of(Reading r, Instant bucket) {
    return new Rollup(r.deviceId(), r.metric(), bucket, r.value(), r.value(), r.value(), 1);
  }

  /** This bucket with {@code other}'s readings added (same device and metric). */
  Rollup plus(Rollup other) {
    return new Rollup(deviceId, metric, bucket, Math.min(min, other.min), Math.max(max, other.max), sum + other.sum,
        count + other.count);
  }

  /** The same readings filed under a wider bucket. */
  Rollup at(Instant wider) {
    return new Rollup(deviceId, metric, wider, min, max, sum, count);
  }

  public double mean() {
    return sum / count;
  }
}
