package io.fleet.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an MQTT message came from: the device and what kind of message its topic says it is.
 * {@code fleet/{deviceId}/{heartbeat|telemetry|motion|status}} and OwnTracks'
 * {@code owntracks/{user}/{device}} (locations, the last will), {@code …/event} (region transitions),
 * {@code …/waypoint} and {@code …/waypoints} (the app's regions) and {@code …/cmd} (commands to the app),
 * where the MQTT login {@code user} is the Fleet device id.
 */
public record DeviceTopic(String deviceId, Kind kind) {

  /** The kinds of message; the label travels with each message through Kafka, so labels never change. */
  public enum Kind {
    HEARTBEAT(Topics.FLEET),
    TELEMETRY(Topics.FLEET),
    MOTION(Topics.FLEET),
    STATUS(Topics.FLEET),
    LOCATION(Topics.OWNTRACKS),
    TRANSITION(Topics.OWNTRACKS),
    WAYPOINTS(Topics.OWNTRACKS),
    /** What the OwnTracks app reads (commands to it): nothing a device tells Fleet. */
    COMMAND(Topics.OWNTRACKS);

    private final String namespace;

    Kind(String namespace) {
      this.namespace = namespace;
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether messages of this kind are sent to the device rather than by it. */
    public boolean toDevice() {
      return this == COMMAND;
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
    if (parts.length < 3 || !DeviceId.isValid(parts[1])) return Optional.empty();
    if (parts[0].equals(Topics.OWNTRACKS)) return ownTracks(parts);
    if (parts.length != 3 || !parts[0].equals(Topics.FLEET)) return Optional.empty();
    return Kind.fromLabel(parts[2]).filter(k -> k.namespace.equals(Topics.FLEET))
        .map(kind -> new DeviceTopic(parts[1], kind));
  }

  /** {@code owntracks/{user}/{device}} and the app's sub-topics under it. */
  private static Optional<DeviceTopic> ownTracks(String[] parts) {
    if (parts[2].isEmpty() || parts.length > 4) return Optional.empty();
    if (parts.length == 3) return Optional.of(new DeviceTopic(parts[1], Kind.LOCATION));
    Optional<Kind> kind = switch (parts[3]) {
      case Topics.OWNTRACKS_EVENT -> Optional.of(Kind.TRANSITION);
      case Topics.OWNTRACKS_WAYPOINT, Topics.OWNTRACKS_WAYPOINTS -> Optional.of(Kind.WAYPOINTS);
      case Topics.OWNTRACKS_COMMAND -> Optional.of(Kind.COMMAND);
      default -> Optional.empty();
    };
    return kind.map(k -> new DeviceTopic(parts[1], k));
  }
}
