package io.fleet.agent.sim;

/**
 * What a group of simulated devices (one kind, or the misbehaving ones) sent at one moment: messages handed to the
 * MQTT client ({@code sent}), acknowledged by the broker ({@code acked}, PUBACK) and not acknowledged
 * ({@code failed}); the rest of {@code sent} is still in flight.
 */
public record Traffic(int devices, int connected, long sent, long acked, long failed) {

  public static final Traffic NONE = new Traffic(0, 0, 0, 0, 0);

  public Traffic plus(Traffic other) {
    return new Traffic(devices + other.devices, connected + other.connected, sent + other.sent,
        acked + other.acked, failed + other.failed);
  }
}
