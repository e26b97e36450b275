package io.fleet.device;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code fleet.motion} and {@code fleet.alerts} settings: how a motion episode ends, how long an
 * alert waits for its clip, the zone of the seed's local times, and each alert kind's cooldown.
 */
public record MotionAndAlertSettings(
    Duration quietPeriod,
    Duration clipWait,
    ZoneId timeZone,
    Map<AlertKind, Duration> cooldowns) {

  public MotionAndAlertSettings {
    cooldowns = Map.copyOf(cooldowns);
    for (AlertKind kind : AlertKind.values()) {
      if (cooldowns.get(kind) == null || cooldowns.get(kind).isNegative()) {
        throw new IllegalArgumentException("cooldown of " + kind.label() + " alerts must be set and not negative");
      }
    }
    if (quietPeriod.isNegative() || quietPeriod.isZero()) throw new IllegalArgumentException("motion.quiet-period must be positive");
  }

  /** Reads {@code motion.*} and {@code alerts.*} from the {@code fleet} block. */
  public static MotionAndAlertSettings fromConfig(Config fleet) {
    Config motion = fleet.getConfig("motion");
    Config alerts = fleet.getConfig("alerts");
    Map<AlertKind, Duration> cooldowns = new EnumMap<>(AlertKind.class);
    cooldowns.put(AlertKind.MOTION, motion.getDuration("cooldown"));
    cooldowns.put(AlertKind.OFFLINE, alerts.getDuration("offline-cooldown"));
    cooldowns.put(AlertKind.BATTERY_LOW, alerts.getDuration("battery-low-cooldown"));
    cooldowns.put(AlertKind.ANOMALY, alerts.getDuration("anomaly-cooldown"));
    return new MotionAndAlertSettings(motion.getDuration("quiet-period"), motion.getDuration("clip-wait"),
ZoneId.of(motion.getString("time-zone")), cooldowns);
  }

  public Duration cooldown(AlertKind kind) {
    return cooldowns.get(kind);
  }
}
