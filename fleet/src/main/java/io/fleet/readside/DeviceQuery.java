package io.fleet.readside;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * A filter over the fleet list: status, type, household, free text (device id or name, case-insensitive),
 * a page size and a keyset cursor (the opaque position after the last device of the previous page).
 */
public record DeviceQuery(
    Optional<String> status,
    Optional<String> type,
    Optional<String> household,
    Optional<String> text,
    int limit,
    Optional<String> after) {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public static DeviceQuery all() {
    return new DeviceQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_LIMIT, Optional.empty());
  }

  public DeviceQuery withLimit(int limit) {
    return new DeviceQuery(status, type, household, text, limit, after);
  }

  public DeviceQuery withCursor(String cursor) {
    return new DeviceQuery(status, type, household, text, limit, Optional.of(decodeCursor(cursor)));
  }

  public static String encodeCursor(String lastDeviceId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastDeviceId.getBytes(StandardCharsets.UTF_8));
  }

  /** @throws IllegalArgumentException when the cursor was not made by {@link #encodeCursor}. */
  public static String decodeCursor(String cursor) {
    return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
  }
}
