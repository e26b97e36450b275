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

  /** ISO-8601 ({@code 2026-11-23T20:00:00Z}) or the seed's {@code YYYY-MM-DD HH:MM:SS} (UTC). */
  static Instant time(String name, String text) {
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
