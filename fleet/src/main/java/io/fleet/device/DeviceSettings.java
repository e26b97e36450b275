package io.fleet.device;

import com.typesafe.config.Config;
import io.fleet.anomaly.AnomalySettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code fleet.device} settings, {@code fleet.readside.tag-count} (which tags the events) and the
 * {@link MotionAndAlertSettings} of {@code fleet.motion} and {@code fleet.alerts}, the {@link AnomalySettings}
 * of {@code fleet.anomaly}, and how much of the journal is kept ({@link JournalRetention}).
 */
public record DeviceSettings(
    boolean autoRegister,
    DeviceType defaultType,
    Optional<String> defaultHousehold,
    int offlineAfterMissed,
    Map<DeviceType, Duration> heartbeatInterval,
    int batteryLowPercent,
    int batteryRecoveredPercent,
    Duration lastSeenPersistInterval,
    Duration passivateAfter,
    Duration parkAfter,
    Duration restartGrace,
    Duration offlineHoldMax,
    JournalRetention journal,
    int tagCount,
    MotionAndAlertSettings motion,
    AnomalySettings anomaly,
    double maxTrackerSpeedKmh,
    int maxMetrics) {

  public DeviceSettings {
    heartbeatInterval = Map.copyOf(heartbeatInterval);
    for (DeviceType type : DeviceType.values()) {
      Duration interval = heartbeatInterval.get(type);
      if (interval == null || interval.toSeconds() < 1) {
        throw new IllegalArgumentException("heartbeat-interval." + type.label() + " must be at least 1s");
      }
    }
    if (offlineAfterMissed < 1) throw new IllegalArgumentException("offline-after-missed must be at least 1");
    if (batteryRecoveredPercent < batteryLowPercent) {
      throw new IllegalArgumentException("battery-recovered-percent must not be below battery-low-percent");
    }
    if (tagCount < 1) throw new IllegalArgumentException("readside.tag-count must be at least 1");
    if (parkAfter.isNegative()) throw new IllegalArgumentException("park-after must not be negative");
    // An online device's entity hears a steady heartbeat once per last-seen-persist-interval (to journal it): were
    // park-after as long, every such heartbeat would keep it from parking.
    // (0s journals every heartbeat: parking is then for devices whose interval is longer than park-after.)
    if (!parkAfter.isZero() && !lastSeenPersistInterval.isZero() && parkAfter.compareTo(lastSeenPersistInterval) >= 0) {
      throw new IllegalArgumentException("park-after (" + parkAfter + ") must be shorter than last-seen-persist-interval ("
          + lastSeenPersistInterval + "), or 0s");
    }
    if (maxMetrics < 1) throw new IllegalArgumentException("max-metrics must be at least 1");
  }

  /** Reads {@code device.*}, {@code readside.tag-count}, {@code motion.*} and {@code alerts.*} from the {@code fleet} block. */
  public static DeviceSettings fromConfig(Config fleet) {
    Config device = fleet.getConfig("device");
    String typeText = device.getString("default-type");
    DeviceType defaultType = DeviceType.parse(typeText)
        .orElseThrow(() -> new IllegalArgumentException("fleet.device.default-type: unknown type '" + typeText + "'"));
    Map<DeviceType, Duration> intervals = new EnumMap<>(DeviceType.class);
    Arrays.stream(DeviceType.values())
        .forEach(t -> intervals.put(t, device.getDuration("heartbeat-interval." + t.label())));
    return new DeviceSettings(
        device.getBoolean("auto-register"),
        defaultType,
        Optional.of(device.getString("default-household")).filter(h -> !h.isBlank()),
        device.getInt("offline-after-missed"),
        intervals,
        device.getInt("battery-low-percent"),
        device.getInt("battery-recovered-percent"),
        device.getDuration("last-seen-persist-interval"),
        device.getDuration("passivate-after"),
        device.getDuration("park-after"),
        device.getDuration("restart-grace"),
        device.getDuration("offline-hold-max"),
        JournalRetention.fromConfig(fleet),
        fleet.getInt("readside.tag-count"),
        MotionAndAlertSettings.fromConfig(fleet),
        AnomalySettings.fromConfig(fleet),
        fleet.getDouble("tracking.max-speed-kmh"),
        device.getInt("max-metrics"));
  }

  /** The interval a device of this type is expected to keep when its heartbeats do not say. */
  public int heartbeatIntervalS(DeviceType type) {
    return (int) heartbeatInterval.get(type).toSeconds();
  }

  /**
   * The first silence window of an online device after its entity recovered (node restart, rebalance):
   * the node was away, not the device, so it gets at least {@code restart-grace} to be heard again.
   */
  public Duration silenceWindowAfterRecovery(int heartbeatIntervalS) {
    Duration window = silenceWindow(heartbeatIntervalS);
    return window.compareTo(restartGrace) >= 0 ? window : restartGrace;
  }

  /** How long a device with this heartbeat interval may stay silent before it is offline. */
  public Duration silenceWindow(int heartbeatIntervalS) {
    return heartbeatInterval(heartbeatIntervalS).multipliedBy(offlineAfterMissed);
  }

  /** A heartbeat interval in seconds as a duration, one second at least (a device may say 0). */
  static Duration heartbeatInterval(int heartbeatIntervalS) {
    return Duration.ofSeconds(Math.max(1, heartbeatIntervalS));
  }
}
