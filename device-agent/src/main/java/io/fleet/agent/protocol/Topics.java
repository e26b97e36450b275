package io.fleet.agent.protocol;

/**
 * The MQTT topics a device publishes to, with the device id as the second level, and the payloads of its
 * retained status topic.
 */
public final class Topics {

  /** Status payload published, retained, right after every (re)connect. */
  public static final String ONLINE = "online";
  /** Status payload of the last will, and of a device that leaves cleanly. */
  public static final String OFFLINE = "offline";

  private Topics() {}

  public static String heartbeat(String deviceId) {
    return "fleet/" + requireValidDeviceId(deviceId) + "/heartbeat";
  }

  public static String status(String deviceId) {
    return "fleet/" + requireValidDeviceId(deviceId) + "/status";
  }

  /**
   * A device id is one topic level and the MQTT client id, so it may not be empty nor hold {@code /},
   * {@code +}, {@code #} or whitespace.
   */
  public static String requireValidDeviceId(String deviceId) {
    if (deviceId == null || deviceId.isEmpty() || !deviceId.chars().allMatch(Topics::allowedInId)) {
      throw new IllegalArgumentException("not a valid device id: '" + deviceId + "'");
    }
    return deviceId;
  }

  private static boolean allowedInId(int c) {
    return c > ' ' && c != '/' && c != '+' && c != '#' && c < 0x7f;
  }
}
