package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * A device as its entity knows it right now: the journaled state merged with the latest heartbeat's
 * values, which may be newer than the journal.
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
    Instant registeredAt)
    implements CborSerializable {}
