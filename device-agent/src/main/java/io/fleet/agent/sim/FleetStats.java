package io.fleet.agent.sim;

import io.fleet.protocol.DeviceKind;
import java.util.Map;

/**
 * Totals over a simulated fleet at one moment; see {@link VirtualDevice} for what each counter means.
 * {@code byKind} counts every message (heartbeats, telemetry, locations, motion) of the well-behaved devices of each
 * kind; {@code misbehaving} the malformed messages of the misbehaving devices (see {@link Misbehaviour}), whose
 * ground truth {@link SimulatedFleet#malformedMessages()} lists; {@code refused} how many devices the broker
 * refused at CONNECT; {@code motion} the cameras' motion episodes (see {@link SimulatedFleet.Builder#motion}).
 */
public record FleetStats(
    int devices, int connected, long heartbeatsSent, long heartbeatsAcked, long heartbeatsFailed,
    Map<DeviceKind, Traffic> byKind, Traffic misbehaving, int refused, MotionCounts motion) {

  public FleetStats {
    byKind = Map.copyOf(byKind);
  }

  /** Every message of the well-behaved devices, all kinds together. */
  public Traffic wellBehaved() {
    return byKind.values().stream().reduce(Traffic.NONE, Traffic::plus);
  }

  public Traffic of(DeviceKind kind) {
    return byKind.getOrDefault(kind, Traffic.NONE);
  }
}
