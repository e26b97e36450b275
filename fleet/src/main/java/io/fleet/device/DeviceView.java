package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.tracking.Region;
import java.time.Instant;
import java.util.List;

/**
 * A device as its entity knows it right now: the journaled state merged with the latest heartbeat's
 * values, which may be newer than the journal; {@code motion} is {@code active} during a motion episode,
 * else {@code idle}, and {@code lastMotionAlertId} names the latest motion alert (null before the first);
 * {@code regions} are a tracker's regions as its OwnTracks app last sent them (empty for other devices).
 */
public record DeviceView(
    String deviceId,
    DeviceType type,
    String name,
    String household,
    String location,
    ConnectionState status,
    Instant statusSince,
    Instant lastSeen,
    Integer battery,
    boolean batteryLow,
    Integer rssi,
    String firmware,
    Long uptimeS,
    int heartbeatIntervalS,
    Integer errors,
    Instant registeredAt,
    String motion,
    String lastMotionAlertId,
    List<Region> regions)
    implements CborSerializable {

  public DeviceView {
    regions = regions == null ? List.of() : List.copyOf(regions);
  }
}
