package io.fleet.api;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

/** Query parameters the search endpoints share; a bad value is an IllegalArgumentException (400). */
final class QueryParams {
  private static final DateTimeFormatter SEED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private QueryParams() {}

  /** The range a time in a query may take: what every database column Fleet searches can hold. */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  /**
   * ISO-8601 ({@code 2026-11-23T20:00:00Z}) or the seed's {@code YYYY-MM-DD HH:MM:SS} (UTC), between
   * the years 1 and 9999.
   */
  static Instant time(String name, String text) {
    Instant time = parsedTime(name, text);
    if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
      throw new IllegalArgumentException(name + " must lie between the years 1 and 9999, was '" + text + "'");
    }
    return time;
  }

  private static Instant parsedTime(String name, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notIso) {
      try {
        return LocalDateTime.parse(text, SEED_TIME).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(name + " must be ISO-8601 or YYYY-MM-DD HH:MM:SS, was '" + text + "'");
      }
    }
  }

  /** {@code a,b,c}: trimmed, blanks and repeats dropped. */
  static List<String> deviceIds(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
  }

  static int limit(String limit, int max) {
    try {
      int n = Integer.parseInt(limit);
      if (n >= 1 && n <= max) return n;
    } catch (NumberFormatException ignored) {
      // falls through to the explanation
    }
    throw new IllegalArgumentException("limit must be a number from 1 to " + max);
  }
}
