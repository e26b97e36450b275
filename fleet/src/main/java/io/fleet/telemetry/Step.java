package io.fleet.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How finely a telemetry series is told: {@code raw} (every reading), or buckets of a width ({@code 1m},
 * {@code 5m}, {@code 1h}, {@code 1d} …) folded from the minute rollups (widths under an hour, whole
 * minutes) or the hour rollups (whole hours).
 */
public record Step(Resolution source, Duration width) {
  public static final Step RAW = new Step(Resolution.RAW, Duration.ZERO);
  private static final Pattern TEXT = Pattern.compile("(\\d{1,4})([mhd])");
  /** The widths a series picks from when none is asked for: few enough rows of the source per point. */
  private static final List<Duration> LADDER = List.of(Duration.ofMinutes(1), Duration.ofMinutes(2),
      Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(3),
      Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(7),
      Duration.ofDays(30));

  /** {@code raw}, or a number with {@code m}, {@code h} or {@code d}; empty for anything else. */
  public static Optional<Step> parse(String text) {
    if ("raw".equals(text)) return Optional.of(RAW);
    Matcher m = TEXT.matcher(text);
    if (!m.matches() || Integer.parseInt(m.group(1)) == 0) return Optional.empty();
    long n = Long.parseLong(m.group(1));
    return Optional.of(of(switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    }));
  }

  /** Buckets of {@code width}, from the coarsest rollup that divides it. */
  static Step of(Duration width) {
    boolean hours = width.compareTo(Duration.ofHours(1)) >= 0 && width.toMinutes() % 60 == 0;
    return new Step(hours ? Resolution.HOUR : Resolution.MINUTE, width);
  }

  /** The finest rollup step that tells {@code [from, to)} in at most {@code maxPoints} points. */
  static Step rollupFor(Instant from, Instant to, int maxPoints) {
    Duration range = Duration.between(from, to);
    for (Duration width : LADDER) {
      if (points(range, width) <= maxPoints) return of(width);
    }
    return of(Duration.ofDays(Math.max(30, range.toDays() / maxPoints + 1)));
  }

  /** How many buckets of this step {@code [from, to)} spans (for raw: unknown, 0). */
  public long points(Instant from, Instant to) {
    return width.isZero() ? 0 : points(Duration.between(from, to), width);
  }

  private static long points(Duration range, Duration width) {
    return (range.toMillis() + width.toMillis() - 1) / width.toMillis();
  }

  /** The start of the bucket of this step that {@code t} falls in (buckets counted from the epoch, UTC). */
  Instant bucketOf(Instant t) {
    long w = width.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), w) * w);
  }

  /** As a query names it: {@code raw}, {@code 5m}, {@code 1h}, {@code 1d}. */
  @Override
  public String toString() {
    if (width.isZero()) return "raw";
    if (width.toMinutes() % (24 * 60) == 0) return width.toDays() + "d";
    if (width.toMinutes() % 60 == 0) return width.toHours() + "h";
    return width.toMinutes() + "m";
  }
}
