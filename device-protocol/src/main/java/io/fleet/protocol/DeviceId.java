package io.fleet.protocol;

import java.util.regex.Pattern;

/**
 * The one rule for a device id, the same on a device and in Fleet: 1–128 letters, digits, dots, dashes or
 * underscores, and not dots alone. An id is a topic level, the MQTT client id and user name, a Kafka key,
 * a URL path segment and a folder of clip keys, so it must be safe in all of them ({@code .} and
 * {@code ..} would climb out of the device's folder).
 */
public final class DeviceId {
  public static final Pattern PATTERN = Pattern.compile("(?!\\.+$)[A-Za-z0-9._-]{1,128}");

  private DeviceId() {}

  public static boolean isValid(String id) {
    return id != null && PATTERN.matcher(id).matches();
  }

  /** The id, or an exception saying it is not one. */
  public static String require(String id) {
    if (!isValid(id)) {
      throw new IllegalArgumentException("not a valid device id: '" + id
          + "' (1-128 letters, digits, '.', '-' or '_', not dots alone)");
    }
    return id;
  }
}
