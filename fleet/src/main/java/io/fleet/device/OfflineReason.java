package io.fleet.device;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why a device was marked offline. Lowercase in JSON. */
public enum OfflineReason {
  /** It missed {@code offline-after-missed} heartbeats in a row. */
  SILENT,
  /** It said so: status "offline", usually the broker publishing its last will. */
  LAST_WILL;

  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
