package io.fleet.device;

/** What became of a command told to a device's entity through {@link DeviceAsks}. */
public sealed interface DeviceAnswer {
  /** The entity took the command (and persisted what it caused). */
  record Accepted() implements DeviceAnswer {}

  /** The entity refused the command, for a typed reason. */
  record Refused(Rejection rejection) implements DeviceAnswer {}

  /** The entity kept failing on this command while it answered others: asking again will not help. */
  record Failing(String detail) implements DeviceAnswer {}

  DeviceAnswer ACCEPTED = new Accepted();
}
