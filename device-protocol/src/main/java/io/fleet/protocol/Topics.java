package io.fleet.protocol;

/**
 * The MQTT topics a device publishes to, with the device id as the second level — {@code fleet/{id}/heartbeat},
 * {@code status}, {@code telemetry}, {@code motion}, and OwnTracks' {@code owntracks/{id}/{device}} with its
 * sub-topics — and the payloads of its retained status topic. Read back by {@link DeviceTopic#parse}.
 */
public final class Topics {

  /** Status payload published, retained, right after every (re)connect. */
  public static final String ONLINE = "online";
  /** Status payload of the last will, and of a device that leaves cleanly. */
  public static final String OFFLINE = "offline";
  /** The first level of Fleet's own topics. */
  public static final String FLEET = "fleet";
  /** The first level of the OwnTracks app's topics. */
  public static final String OWNTRACKS = "owntracks";
  /** The OwnTracks app's sub-topic for region transitions ({@code _type: transition}). */
  public static final String OWNTRACKS_EVENT = "event";
  /** The OwnTracks app's sub-topic for one region it watches ({@code _type: waypoint}). */
  public static final String OWNTRACKS_WAYPOINT = "waypoint";
  /** The OwnTracks app's sub-topic for all the regions it watches ({@code _type: waypoints}). */
  public static final String OWNTRACKS_WAYPOINTS = "waypoints";
  /** The OwnTracks app's sub-topic for commands to it, which it reads. */
  public static final String OWNTRACKS_COMMAND = "cmd";

  private Topics() {}

  public static String heartbeat(String deviceId) {
    return of(deviceId, DeviceTopic.Kind.HEARTBEAT);
  }

  public static String status(String deviceId) {
    return of(deviceId, DeviceTopic.Kind.STATUS);
  }

  public static String telemetry(String deviceId) {
    return of(deviceId, DeviceTopic.Kind.TELEMETRY);
  }

  public static String motion(String deviceId) {
    return of(deviceId, DeviceTopic.Kind.MOTION);
  }

  /** Where the OwnTracks app of user {@code deviceId} publishes its locations, as device {@code device}. */
  public static String ownTracks(String deviceId, String device) {
    return OWNTRACKS + "/" + DeviceId.require(deviceId) + "/" + device;
  }

  /** A sub-topic ({@link #OWNTRACKS_EVENT}, …) of the OwnTracks app of user {@code deviceId} as {@code device}. */
  public static String ownTracks(String deviceId, String device, String subTopic) {
    return ownTracks(deviceId, device) + "/" + subTopic;
  }

  /** Every topic a device may publish to (broker permissions): {@code fleet/{id}/#} and {@code owntracks/{id}/#}. */
  public static String allOf(String deviceId) {
    return FLEET + "/" + deviceId + "/#";
  }

  /** The OwnTracks topics of a device, for broker permissions. */
  public static String allOwnTracksOf(String deviceId) {
    return OWNTRACKS + "/" + deviceId + "/#";
  }

  private static String of(String deviceId, DeviceTopic.Kind kind) {
    return FLEET + "/" + DeviceId.require(deviceId) + "/" + kind.label();
  }
}
