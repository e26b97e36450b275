package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * A heartbeat as parsed from {@code fleet/{id}/heartbeat} JSON; only {@code ts} (the device's clock,
 * used to drop redeliveries) is required. {@code receivedAt} is the server's time, used for last seen.
 * Type and name only matter when the heartbeat registers an unknown device; a household a device names
 * for itself is not read (a device's household is what an operator registered, see {@code Registrations}).
 */
public record Heartbeat(
    Instant ts,
    Instant receivedAt,
    Integer battery,
    Integer rssi,
    String firmware,
    Long uptimeS,
    Integer intervalS,
    Integer errors,
    DeviceType type,
    String name)
    implements CborSerializable {

  /** What a tracker's message says of it as a sign of life: its time, maybe its battery, its OwnTracks {@code tid}. */
  static Heartbeat ofTracker(Instant ts, Instant receivedAt, Integer battery, String tid) {
    return new Heartbeat(ts, receivedAt, battery, null, null, null, null, null, DeviceType.TRACKER, tid);
  }
}
