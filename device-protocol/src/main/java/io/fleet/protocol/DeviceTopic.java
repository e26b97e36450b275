package io.fleet.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an MQTT message came from: the device and what kind of message its topic says it is.
 * {@code fleet/{deviceId}/{heartbeat|telemetry|motion|status}} and OwnTracks'
 * {@code owntracks/{user}/{device}}, where the MQTT login {@code user} is the Fleet device id.
 */
public record DeviceTopic(String deviceId, Kind kind) {

  public enum Kind {
    HEARTBEAT,
    TELEMETRY,
    MOTION,
    STATUS,
    LOCATION;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Kind> fromLabel(String label) {
      for (Kind k : values()) {
        if (k.label().equals(label)) return Optional.of(k);
      }
      return Optional.empty();
    }
  }

  /** Empty when the topic is not one Fleet understands, or names an invalid device id. */
  public static Optional<DeviceTopic> parse(String topic) {
    String[] parts = topic.split("/", -1);
    if (parts.length != 3 || !DeviceId.isValid(parts[1])) return Optional.empty();
    if (parts[0].equals(Topics.OWNTRACKS)) {
      return parts[2].isEmpty() ? Optional.empty() : Optional.of(new DeviceTopic(parts[1], Kind.LOCATION));
    }
    if (!parts[0].equals(Topics.FLEET) || parts[2].equals("location")) return Optional.empty();
    return Kind.fromLabel(parts[2]).map(kind -> new DeviceTopic(parts[1], kind));
  }
}
