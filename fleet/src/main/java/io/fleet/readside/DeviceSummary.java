package io.fleet.readside;

import java.time.Instant;

/**
 * A device as the fleet list shows it, read from {@code device_summary}. {@code lastSeen}, battery and
 * signal may lag the device by up to {@code fleet.device.last-seen-persist-interval}; the device's own
 * entity ({@code GET /api/devices/{id}}) is always current.
 */
public record DeviceSummary(
    String deviceId,
    String type,
    String name,
    String household,
    String location,
    String status,
    Instant statusSince,
    Instant lastSeen,
    Integer battery,
    boolean batteryLow,
    Integer rssi,
    String firmware,
    Instant registeredAt) {}
