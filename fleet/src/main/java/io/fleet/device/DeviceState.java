package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegistrationChanged;
import io.fleet.device.DeviceEvent.WentOffline;
import java.time.Instant;

/**
 * What the journal knows about a device: its registration (null until registered), connection status,
 * battery-low flag and firmware, and the {@link Vitals} as last journaled. Immutable; changed only by
 * {@link #apply(DeviceEvent)}, so recovery rebuilds exactly this. The entity keeps newer vitals in memory.
 */
public record DeviceState(
    DeviceRegistration registration,
    Instant registeredAt,
    ConnectionState status,
    Instant statusSince,
    boolean batteryLow,
    String firmware,
    Vitals vitals)
    implements CborSerializable {

  /**
   * What the latest heartbeat said. Unknown values stay as last reported; {@code heartbeatIntervalS} is
   * 0 until the device has been heard from.
   */
  public record Vitals(
      Instant lastSeen, Instant heartbeatTs, Integer battery, Integer rssi, Long uptimeS, Integer errors,
      int heartbeatIntervalS) implements CborSerializable {

    static final Vitals NONE = new Vitals(null, null, null, null, null, null, 0);

    Vitals heard(Heartbeat hb, int intervalS) {
      return new Vitals(later(lastSeen, hb.receivedAt()), hb.ts(), or(hb.battery(), battery), or(hb.rssi(), rssi),
          or(hb.uptimeS(), uptimeS), or(hb.errors(), errors), intervalS);
    }

    Vitals seen(Instant at, int intervalS) {
      return new Vitals(later(lastSeen, at), heartbeatTs, battery, rssi, uptimeS, errors, intervalS);
    }

    Vitals withBattery(int level) {
      return new Vitals(lastSeen, heartbeatTs, level, rssi, uptimeS, errors, heartbeatIntervalS);
    }

    private static <T> T or(T value, T fallback) {
      return value != null ? value : fallback;
    }

    private static Instant later(Instant a, Instant b) {
      return a == null || (b != null && b.isAfter(a)) ? b : a;
    }
  }

  static DeviceState empty() {
    return new DeviceState(null, null, ConnectionState.UNKNOWN, null, false, null, Vitals.NONE);
  }

  boolean registered() {
    return registration != null;
  }

  boolean online() {
    return status == ConnectionState.ONLINE;
  }

  DeviceState apply(DeviceEvent event) {
    if (event instanceof Registered e) {
      return new DeviceState(new DeviceRegistration(e.type(), e.name(), e.household(), e.location()), e.at(),
          ConnectionState.UNKNOWN, e.at(), batteryLow, firmware, vitals);
    } else if (event instanceof RegistrationChanged e) {
      return withRegistration(new DeviceRegistration(e.type(), e.name(), e.household(), e.location()));
    } else if (event instanceof CameOnline e) {
      return withStatus(ConnectionState.ONLINE, e.at(), vitals.seen(e.at(), e.heartbeatIntervalS()));
    } else if (event instanceof WentOffline e) {
      return withStatus(ConnectionState.OFFLINE, e.at(), vitals.seen(e.lastSeen(), vitals.heartbeatIntervalS()));
    } else if (event instanceof BatteryLow e) {
      return withBattery(true, vitals.withBattery(e.level()));
    } else if (event instanceof BatteryRecovered e) {
      return withBattery(false, vitals.withBattery(e.level()));
    } else if (event instanceof FirmwareChanged e) {
      return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, e.to(), vitals);
    } else if (event instanceof LastSeenUpdated e) {
      return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, firmware, new Vitals(
          e.at(), e.heartbeatTs(), e.battery(), e.rssi(), e.uptimeS(), e.errors(), e.heartbeatIntervalS()));
    }
    throw new IllegalArgumentException("unexpected event " + event);
  }

  /** The view of a registered device, with {@code live} vitals that may be newer than the journaled ones. */
  DeviceView view(String deviceId, Vitals live, int configuredIntervalS) {
    DeviceRegistration r = registration;
    int intervalS = live.heartbeatIntervalS() > 0 ? live.heartbeatIntervalS() : configuredIntervalS;
    return new DeviceView(deviceId, r.type(), r.name(), r.household(), r.location(), status, statusSince,
        live.lastSeen(), live.battery(), batteryLow, live.rssi(), firmware, live.uptimeS(), intervalS,
        live.errors(), registeredAt);
  }

  private DeviceState withRegistration(DeviceRegistration changed) {
    return new DeviceState(changed, registeredAt, status, statusSince, batteryLow, firmware, vitals);
  }

  private DeviceState withStatus(ConnectionState changed, Instant since, Vitals seen) {
    return new DeviceState(registration, registeredAt, changed, since, batteryLow, firmware, seen);
  }

  private DeviceState withBattery(boolean low, Vitals changed) {
    return new DeviceState(registration, registeredAt, status, statusSince, low, firmware, changed);
  }
}
