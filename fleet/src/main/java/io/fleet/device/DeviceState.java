package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.device.DeviceEvent.AlertRaised;
import io.fleet.device.DeviceEvent.AlertUpdated;
import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.ClipStored;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.MotionContinued;
import io.fleet.device.DeviceEvent.MotionEnded;
import io.fleet.device.DeviceEvent.MotionStarted;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegistrationChanged;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.tracking.RegionBook;
import io.fleet.tracking.Track;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the journal knows about a device: its registration (null until registered), connection status,
 * battery-low flag and firmware, the {@link Vitals} as last journaled, its {@link MotionState} and when
 * it last raised an alert of each kind (for the cooldowns), a tracker's recent track and its regions, and
 * when it was decommissioned if it was (then it is otherwise empty until registered again). Immutable;
 * changed only by {@link #apply(DeviceEvent)}, so recovery rebuilds exactly this. The entity keeps newer
 * vitals in memory.
 */
public record DeviceState(
    DeviceRegistration registration,
    Instant registeredAt,
    ConnectionState status,
    Instant statusSince,
    boolean batteryLow,
    String firmware,
    Vitals vitals,
    MotionState motion,
    Map<String, Instant> lastAlerts,
    AlertBook alerts,
    SensorMemory sensor,
    Track track,
    RegionBook regions,
    Instant decommissionedAt)
    implements CborSerializable {

  /** Older snapshots have no motion, alerts or regions: they start idle, with no alert raised and no region. */
  public DeviceState {
    motion = motion == null ? MotionState.IDLE : motion;
    lastAlerts = lastAlerts == null ? Map.of() : Map.copyOf(lastAlerts);
    alerts = alerts == null ? AlertBook.EMPTY : alerts;
    sensor = sensor == null ? SensorMemory.NONE : sensor;
    track = track == null ? Track.EMPTY : track;
    regions = regions == null ? RegionBook.EMPTY : regions;
  }

  /** A device that was not decommissioned. */
  public DeviceState(DeviceRegistration registration, Instant registeredAt, ConnectionState status,
      Instant statusSince, boolean batteryLow, String firmware, Vitals vitals, MotionState motion,
      Map<String, Instant> lastAlerts, AlertBook alerts, SensorMemory sensor, Track track, RegionBook regions) {
    this(registration, registeredAt, status, statusSince, batteryLow, firmware, vitals, motion, lastAlerts, alerts,
        sensor, track, regions, null);
  }

  /** A device's state before motion and alerts (as snapshots of the first version were). */
  public DeviceState(DeviceRegistration registration, Instant registeredAt, ConnectionState status,
      Instant statusSince, boolean batteryLow, String firmware, Vitals vitals) {
    this(registration, registeredAt, status, statusSince, batteryLow, firmware, vitals, MotionState.IDLE, Map.of(),
        AlertBook.EMPTY, SensorMemory.NONE, Track.EMPTY, RegionBook.EMPTY);
  }

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

    /** Whether these are of a later heartbeat than {@code other}'s, by the device's own timestamp. */
    boolean laterHeartbeatThan(Vitals other) {
      return heartbeatTs != null && (other.heartbeatTs == null || heartbeatTs.isAfter(other.heartbeatTs));
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

  /** Every entity starts from this one (immutable, so shared). */
  private static final DeviceState EMPTY = new DeviceState(null, null, ConnectionState.UNKNOWN, null, false, null, Vitals.NONE);

  static DeviceState empty() {
    return EMPTY;
  }

  boolean registered() {
    return registration != null;
  }

  /** Taken out of the fleet and not registered again: it may not register itself. */
  boolean decommissioned() {
    return decommissionedAt != null;
  }

  boolean online() {
    return status == ConnectionState.ONLINE;
  }

  DeviceState apply(DeviceEvent event) {
    List<DeviceEvent> facts = DeviceEvent.facts(event);
    if (facts.size() > 1) {
      // One journaled row, several facts (an episode's start with its alert, a registration with its first heartbeat).
      DeviceState state = this;
      for (DeviceEvent fact : facts) state = state.apply(fact);
      return state;
    }
    if (event instanceof Registered e) {
      return new DeviceState(new DeviceRegistration(e.type(), e.name(), e.household(), e.location()), e.at(),
          ConnectionState.UNKNOWN, e.at(), batteryLow, firmware, vitals, motion, lastAlerts, alerts, sensor, track,
          regions);
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
      return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, e.to(), vitals, motion,
          lastAlerts, alerts, sensor, track, regions);
    } else if (event instanceof DeviceEvent.Erased) {
      return empty();
    } else if (event instanceof DeviceEvent.Decommissioned e) {
      return new DeviceState(null, null, ConnectionState.UNKNOWN, null, false, null, Vitals.NONE, MotionState.IDLE, Map.of(),
          AlertBook.EMPTY, SensorMemory.NONE, Track.EMPTY, RegionBook.EMPTY, e.at());
    } else if (event instanceof LastSeenUpdated e) {
      return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, firmware, new Vitals(
          e.at(), e.heartbeatTs(), e.battery(), e.rssi(), e.uptimeS(), e.errors(), e.heartbeatIntervalS()),
          motion, lastAlerts, alerts, sensor, track, regions);
    }
    return applyMotion(event);
  }

  private DeviceState applyMotion(DeviceEvent event) {
    if (event instanceof MotionStarted e) {
      return withMotion(motion.started(e), lastAlerts);
    } else if (event instanceof MotionContinued e) {
      return withMotion(motion.continued(e), lastAlerts);
    } else if (event instanceof MotionEnded) {
      return withMotion(motion.ended(), lastAlerts);
    } else if (event instanceof ClipStored e) {
      return withMotion(motion.stored(e.clip()), lastAlerts);
    } else if (event instanceof AlertRaised e) {
      Map<String, Instant> raised = new HashMap<>(lastAlerts);
      raised.put(e.alert().kind().label(), e.at());
      return withMotion(e.alert().kind() == AlertKind.MOTION ? motion.alerted(e.alert()) : motion, raised,
          alerts.with(e.alert()));
    } else if (event instanceof AlertUpdated e) {
      return withMotion(motion.revised(e.alert()), lastAlerts, alerts.with(e.alert()));
    } else if (event instanceof DeviceEvent.AnomalyDetected) {
      return this;
    } else if (event instanceof DeviceEvent.SensorBaselineSaved e) {
      return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, firmware, vitals, motion,
          lastAlerts, alerts, e.memory(), track, regions);
    }
    return applyTracker(event);
  }

  private DeviceState applyTracker(DeviceEvent event) {
    if (event instanceof DeviceEvent.LocationRecorded e) {
      return withTracker(track.with(e.fix()), regions);
    } else if (event instanceof DeviceEvent.EnteredRegion e) {
      return withTracker(track, regions.with(e.transition()));
    } else if (event instanceof DeviceEvent.LeftRegion e) {
      return withTracker(track, regions.with(e.transition()));
    } else if (event instanceof DeviceEvent.RegionsChanged e) {
      return withTracker(track, regions.withRegions(e.regions()));
    }
    throw new IllegalArgumentException("unexpected event " + event);
  }

  /** The view of a registered device, with {@code live} vitals that may be newer than the journaled ones. */
  DeviceView view(String deviceId, Vitals live, int configuredIntervalS) {
    DeviceRegistration r = registration;
    int intervalS = live.heartbeatIntervalS() > 0 ? live.heartbeatIntervalS() : configuredIntervalS;
    return new DeviceView(deviceId, r.type(), r.name(), r.household(), r.location(), status, statusSince,
        live.lastSeen(), live.battery(), batteryLow, live.rssi(), firmware, live.uptimeS(), intervalS,
        live.errors(), registeredAt, motion.active() ? "active" : "idle",
        motion.alert() == null ? null : motion.alert().alertId(), regions.regions());
  }

  /** When the device last raised an alert of this kind, or null. */
  Instant lastAlert(AlertKind kind) {
    return lastAlerts.get(kind.label());
  }

  private DeviceState withMotion(MotionState changed, Map<String, Instant> raised) {
    return withMotion(changed, raised, alerts);
  }

  private DeviceState withMotion(MotionState changed, Map<String, Instant> raised, AlertBook book) {
    return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, firmware, vitals, changed, raised,
        book, sensor, track, regions);
  }

  private DeviceState withRegistration(DeviceRegistration changed) {
    return new DeviceState(changed, registeredAt, status, statusSince, batteryLow, firmware, vitals, motion, lastAlerts,
        alerts, sensor, track, regions);
  }

  private DeviceState withStatus(ConnectionState changed, Instant since, Vitals seen) {
    return new DeviceState(registration, registeredAt, changed, since, batteryLow, firmware, seen, motion, lastAlerts,
        alerts, sensor, track, regions);
  }

  private DeviceState withBattery(boolean low, Vitals changed) {
    return new DeviceState(registration, registeredAt, status, statusSince, low, firmware, changed, motion, lastAlerts,
        alerts, sensor, track, regions);
  }

  private DeviceState withTracker(Track changedTrack, RegionBook changedRegions) {
    return new DeviceState(registration, registeredAt, status, statusSince, batteryLow, firmware, vitals, motion,
        lastAlerts, alerts, sensor, changedTrack, changedRegions);
  }
}
