package io.fleet.readside;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A filter over alerts: state, devices, kind, a time range on when they were raised, a household scope. */
public record AlertQuery(
    Optional<String> state,
    List<String> deviceIds,
    Optional<String> kind,
    Optional<Instant> from,
    Optional<Instant> to,
    Optional<String> household,
    int limit) {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1000;

  public AlertQuery {
    deviceIds = List.copyOf(deviceIds);
  }
}
