package io.fleet.device;

/**
 * Why a device's entity refused a command: the one vocabulary of refusals, mapped once to an HTTP status
 * (the API's {@code HttpApi}) and once to a dead-letter reason (ingest's {@code DeadLetter.Reason.of}).
 * A value; carried across nodes inside a {@link DeviceRefused}.
 */
public record Rejection(Kind kind, String detail) {
  public enum Kind {
    /** Never registered, decommissioned, or not allowed to register itself. */
    UNKNOWN_DEVICE,
    /** Telemetry naming more metrics than a device may keep. */
    TOO_MANY_METRICS,
    /** A command the device cannot take as it is (no type, no time). */
    INVALID_COMMAND
  }

  static Rejection unknownDevice(String deviceId, DeviceState state) {
    return new Rejection(Kind.UNKNOWN_DEVICE, state.decommissioned()
        ? "unknown device " + deviceId + " (decommissioned " + state.decommissionedAt() + ")"
        : "unknown device " + deviceId);
  }

  static Rejection invalid(String detail) {
    return new Rejection(Kind.INVALID_COMMAND, detail);
  }

  static Rejection tooManyMetrics(int metrics, int max) {
    return new Rejection(Kind.TOO_MANY_METRICS,
        "too many metrics: the reading would make " + metrics + " metric names, at most " + max + " are kept per device");
  }
}
