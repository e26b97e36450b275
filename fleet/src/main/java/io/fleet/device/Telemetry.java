package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;
import java.util.Map;

/**
 * Named numeric readings from {@code fleet/{id}/telemetry}, at the device's time {@code ts} (used to
 * drop redeliveries and out-of-order readings); {@code receivedAt} is the server's. Type and name only
 * matter when the telemetry registers an unknown device.
 */
public record Telemetry(Instant ts, Instant receivedAt, Map<String, Double> readings, DeviceType type, String name)
    implements CborSerializable {

  public Telemetry {
    readings = Map.copyOf(readings);
  }
}
