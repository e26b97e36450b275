package io.fleet.device;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Whether a device is heard from. Lowercase in JSON (Jackson reads it back through the same value). */
public enum ConnectionState {
  /** Registered, never heard from. */
  UNKNOWN,
  ONLINE,
  OFFLINE;

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
