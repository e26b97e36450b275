package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * What a {@link Device} journals: registration, transitions, and now and then its last-seen values.
 * Every event names its device and the time it happened (server time).
 */
public sealed interface DeviceEvent extends CborSerializable {
  String deviceId();

  Instant at();

  /** {@code selfRegistered}: the device registered itself with its first heartbeat or status. */
  record Registered(
      String deviceId, Instant at, DeviceType type, String name, String household, String location,
      boolean selfRegistered) implements DeviceEvent {}

  record RegistrationChanged(
      String deviceId, Instant at, DeviceType type, String name, String household, String location)
      implements DeviceEvent {}

  /** Also means the device was seen at {@code at}. */
  record CameOnline(String deviceId, Instant at, int heartbeatIntervalS) implements DeviceEvent {}

  /** {@code at} is when it was noticed; {@code lastSeen} when the device was last heard from. */
  record WentOffline(String deviceId, Instant at, OfflineReason reason, Instant lastSeen) implements DeviceEvent {}

  record BatteryLow(String deviceId, Instant at, int level) implements DeviceEvent {}

  record BatteryRecovered(String deviceId, Instant at, int level) implements DeviceEvent {}

  /** {@code from} is null on the first firmware a device reports. */
  record FirmwareChanged(String deviceId, Instant at, String from, String to) implements DeviceEvent {}

  /**
   * The latest heartbeat's values; {@code at} is when it was received (the device's last seen).
   * {@code heartbeatTs} is the heartbeat's own timestamp, so that a recovered entity still recognises
   * redelivered older heartbeats.
   */
  record LastSeenUpdated(
      String deviceId, Instant at, Integer battery, Integer rssi, Long uptimeS, int heartbeatIntervalS,
      Integer errors, Instant heartbeatTs) implements DeviceEvent {}
}
