package io.fleet.agent.sim;

import io.fleet.protocol.DeviceKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The health a virtual device reports: a battery that drains slowly (faster for trackers), a signal that wobbles
 * around the device's own level, its firmware and the time since it booted. The drain and the signal are noisy, as
 * real ones are; the battery reads as its level rounded, so a level set by a test is the level reported.
 *
 * <p>Read by the heartbeat scheduler and changed by tests, hence synchronized; nothing here survives a restart.
 */
final class DeviceHealth {

  static final int WEAKEST_RSSI = -100;
  static final int STRONGEST_RSSI = -30;

  private final DeviceKind kind;
  private final SplittableRandom random;
  private final Instant bootedAt;
  private final int baseRssi;
  private double battery;
  private String firmware;
  private Instant drainedUntil;

  DeviceHealth(DeviceKind kind, String firmware, long seed, Instant bootedAt) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.firmware = requireFirmware(firmware);
    this.random = new SplittableRandom(seed);
    this.bootedAt = bootedAt;
    this.drainedUntil = bootedAt;
    this.battery = 40 + random.nextDouble() * 60;
    this.baseRssi = -85 + random.nextInt(41);
  }

  /** Percent per hour: cameras mostly run on mains with a backup cell, trackers are always on the move. */
  private static double drainPerHour(DeviceKind kind) {
    return switch (kind) {
      case CAMERA -> 0.5;
      case SENSOR -> 1.0;
      case TRACKER -> 4.0;
    };
  }

  /** Drains the battery for the time since the last reading, then reads battery, signal, firmware and uptime. */
  synchronized Reading read(Instant now) {
    double hours = Math.max(0, Duration.between(drainedUntil, now).toMillis()) / 3_600_000.0;
    drainedUntil = now;
    double noisyDrain = drainPerHour(kind) * hours * Math.max(0, 1 + 0.3 * random.nextGaussian());
    battery = Math.max(0, battery - noisyDrain);
    int reportedBattery = (int) Math.round(battery);
    int reportedRssi = clamp((int) Math.round(baseRssi + 3 * random.nextGaussian()), WEAKEST_RSSI, STRONGEST_RSSI);
    long uptime = Math.max(0, Duration.between(bootedAt, now).toSeconds());
    return new Reading(reportedBattery, reportedRssi, firmware, uptime);
  }

  synchronized void setBattery(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("battery must be 0-100 percent: " + percent);
    }
    battery = percent;
  }

  synchronized void setFirmware(String firmware) {
    this.firmware = requireFirmware(firmware);
  }

  private static String requireFirmware(String firmware) {
    if (firmware == null || firmware.isBlank()) {
      throw new IllegalArgumentException("firmware version must not be blank");
    }
    return firmware;
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }

  /** One reading, taken for one heartbeat. */
  record Reading(int battery, int rssi, String firmware, long uptimeS) {}
}
