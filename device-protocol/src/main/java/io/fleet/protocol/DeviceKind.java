package io.fleet.protocol;

import java.util.Locale;

/** What a device is; its wire name is the {@code type} a heartbeat carries so the device can register itself. */
public enum DeviceKind {
  CAMERA,
  SENSOR,
  TRACKER;

  /** The lower-case name used on the wire: {@code camera}, {@code sensor}, {@code tracker}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeviceKind fromWireName(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
