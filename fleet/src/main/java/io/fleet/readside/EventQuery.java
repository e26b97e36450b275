package io.fleet.readside;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A search over the device event log: a time range [from, to), any number of device ids, an event type,
 * a household scope, a page size and a keyset cursor (the position after the previous page's last row:
 * its time and id, so pages stay stable while new events arrive, also when late events land in the past),
 * by the time events happened on their devices or, with {@link TimeField#RECEIVED}, when Fleet received them.
 */
public record EventQuery(
    Optional<Instant> from,
    Optional<Instant> to,
    List<String> deviceIds,
    Optional<String> type,
    Optional<String> household,
    int limit,
    Optional<Position> after,
    TimeField timeField) {

  /** Which time a search filters and orders by: when events happened on the device, or when Fleet received them. */
  public enum TimeField {
    OCCURRED("occurred_at"),
    RECEIVED("received_at");

    private final String column;

    TimeField(String column) {
      this.column = column;
    }

    String column() {
      return column;
    }

    /** {@code occurred} or {@code received}. */
    public static TimeField parse(String name) {
      for (TimeField field : values()) {
        if (field.name().equalsIgnoreCase(name)) return field;
      }
      throw new IllegalArgumentException("timeField must be occurred or received");
    }
  }

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;

  public EventQuery {
    deviceIds = List.copyOf(deviceIds);
    if (timeField == null) timeField = TimeField.OCCURRED;
  }

  /** A search by the time events happened. */
  public EventQuery(Optional<Instant> from, Optional<Instant> to, List<String> deviceIds, Optional<String> type,
      Optional<String> household, int limit, Optional<Position> after) {
    this(from, to, deviceIds, type, household, limit, after, TimeField.OCCURRED);
  }

  /** Where a page ended. */
  public record Position(Instant at, long id) {
    public String encode() {
      String raw = at.toString() + "|" + id;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException when the cursor was not made by {@link #encode}. */
    public static Position decode(String cursor) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int bar = raw.lastIndexOf('|');
        return new Position(Instant.parse(raw.substring(0, bar)), Long.parseLong(raw.substring(bar + 1)));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("cursor is not one this API handed out");
      }
    }
  }

  public EventQuery after(Position position) {
    return new EventQuery(from, to, deviceIds, type, household, limit, Optional.of(position), timeField);
  }
}
