package io.fleet.ingest;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an MQTT message came from: the device and what kind of message its topic says it is.
 * {@code fleet/{deviceId}/{heartbeat|telemetry|motion|status}} and OwnTracks'
 * {@code owntracks/{user}/{device}}, where the MQTT login {@code user} is the Fleet device id.
 */
public record DeviceTopic(String deviceId, Kind kind) {

  /**
   * Device ids are URL- and topic-safe: letters, digits, dot, dash, underscore; 1–128 characters, and not
   * dots alone ({@code .} and {@code ..} would climb out of the device's folder in clip keys and paths).
   */
  public static final Pattern DEVICE_ID = Pattern.compile("(?!\\.+$)[A-Za-z0-9._-]{1,128}");

  public enum Kind {
    HEARTBEAT,
    TELEMETRY,
    MOTION,
    STATUS,
    LOCATION;

    public String label() {
      return name().toLowerCase();
    }

    public static Optional<Kind> fromLabel(String label) {
      for (Kind k : values()) {
        if (k.label().equals(label)) return Optional.of(k);
      }
      return Optional.empty();
    }
  }

  public static boolean isValidDeviceId(String id) {
    return id != null && DEVICE_ID.matcher(id).matches();
  }

  /** Empty when the topic is not one Fleet understands, or names an invalid device id. */
  public static Optional<DeviceTopic> parse(String topic) {
    String[] parts = topic.split("/", -1);
    if (parts.length != 3 || !isValidDeviceId(parts[1])) return Optional.empty();
    if (parts[0].equals("owntracks")) {
      return parts[2].isEmpty() ? Optional.empty() : Optional.of(new DeviceTopic(parts[1], Kind.LOCATION));
    }
    if (!parts[0].equals("fleet") || parts[2].equals("location")) return Optional.empty();
    return Kind.fromLabel(parts[2]).map(kind -> new DeviceTopic(parts[1], kind));
  }
}
