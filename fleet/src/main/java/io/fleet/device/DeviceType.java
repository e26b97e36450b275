package io.fleet.device;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What kind of device it is; decides its default heartbeat interval. Lowercase in JSON. */
public enum DeviceType {
  CAMERA,
  SENSOR,
  TRACKER;

  /** Case-insensitive; empty for null or an unknown name. */
  public static Optional<DeviceType> parse(String text) {
    if (text == null) return Optional.empty();
    String wanted = text.trim();
    return Arrays.stream(values()).filter(t -> t.name().equalsIgnoreCase(wanted)).findFirst();
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static DeviceType fromJson(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("unknown device type '" + text + "'"));
  }

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
