package io.fleet.api;

import io.fleet.agent.sim.FleetStats;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.protocol.DeviceKind;
import java.time.Duration;

/**
 * A simulated fleet in a child JVM ({@link ChildNode}: 20,000 MQTT sockets would not fit one process's
 * file limit here) — cameras, sensors and trackers over 1,000 households, heartbeating every 30 s, each
 * with its own connection and credentials. Arguments: broker URL, device secret, device count, id prefix,
 * and the share of misbehaving devices (0 by default). Prints {@code FAILED <n>} and, while no heartbeat
 * failed, {@code HEARD <n>} with the devices whose heartbeats the broker acknowledged, every second.
 */
public final class SimulatedDevicesChild {
  private SimulatedDevicesChild() {}

  public static void main(String[] args) throws Exception {
    DerivedPasswords credentials = new DerivedPasswords(args[1]);
    try (SimulatedFleet fleet = SimulatedFleet.builder()
        .mqtt(args[0])
        .credentials(credentials::passwordFor)
        .devices(Integer.parseInt(args[2])).idPrefix(args[3])
        .kinds(DeviceKind.CAMERA, DeviceKind.SENSOR, DeviceKind.TRACKER)
        .households(1000)
        .misbehaving(args.length > 4 ? Double.parseDouble(args[4]) : 0)
        .heartbeatInterval(Duration.ofSeconds(30))
        .connectTimeout(Duration.ofSeconds(180))
        .start()) {
      while (true) {
        long heard = fleet.devices().stream().filter(d -> d.heartbeatsAcked() > 0).count();
        FleetStats stats = fleet.stats();
        System.out.println("FAILED " + stats.heartbeatsFailed());
        if (stats.heartbeatsFailed() == 0) System.out.println("HEARD " + heard);
        Thread.sleep(1000); // pacing a progress line; the parent kills this process
      }
    }
  }
}
