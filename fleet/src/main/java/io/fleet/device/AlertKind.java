package io.fleet.device;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** What an alert is about; snake case in JSON ({@code battery_low}). */
public enum AlertKind {
  MOTION("warning"),
  OFFLINE("warning"),
  BATTERY_LOW("info"),
  ANOMALY("warning");

  private final String severity;

  AlertKind(String severity) {
    this.severity = severity;
  }

  public String severity() {
    return severity;
  }

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static AlertKind fromJson(String text) {
    return Arrays.stream(values()).filter(k -> k.label().equals(text)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown alert kind '" + text + "'"));
  }
}
