package io.fleet.device;

import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.device.DeviceState.Vitals;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which transitions a heartbeat or a status message causes. Pure: given the journaled state and the
 * live vitals, returns the events to persist. Only transitions are journaled; last-seen values are
 * journaled with every transition and otherwise at most once per {@code last-seen-persist-interval}.
 */
final class HealthRules {
  private final String deviceId;
  private final DeviceSettings settings;

  HealthRules(String deviceId, DeviceSettings settings) {
    this.deviceId = deviceId;
    this.settings = settings;
  }

  /** The interval the device keeps: what its heartbeat says, else the one configured for its type. */
  int intervalS(DeviceState state, Heartbeat hb) {
    return hb.intervalS() != null ? hb.intervalS() : settings.heartbeatIntervalS(state.registration().type());
  }

  /** A heartbeat is new only if its own timestamp is after the last accepted one (redeliveries are not). */
  static boolean isNew(Heartbeat hb, Vitals live) {
    return live.heartbeatTs() == null || hb.ts().isAfter(live.heartbeatTs());
  }

  /**
   * The events an accepted heartbeat causes, {@code live} being the vitals including it. Battery-low has
   * hysteresis: set below {@code battery-low-percent}, cleared only at {@code battery-recovered-percent}.
   * The first firmware a device reports is journaled as a change from null, so the read side learns it.
   */
  List<DeviceEvent> onHeartbeat(DeviceState state, Heartbeat hb, Vitals live) {
    return onHeartbeat(state, hb, live, true);
  }

  /**
   * The same, with {@code lastSeenToJournal} false for a parked device ({@link SteadyHeartbeats#park}): its last seen
   * goes to the read side, so only a transition or a changed interval makes it due for the journal.
   */
  List<DeviceEvent> onHeartbeat(DeviceState state, Heartbeat hb, Vitals live, boolean lastSeenToJournal) {
    Instant at = hb.receivedAt();
    List<DeviceEvent> events = new ArrayList<>();
    if (!state.online()) events.add(new CameOnline(deviceId, at, live.heartbeatIntervalS(), hb.ts()));
    Integer battery = hb.battery();
    if (battery != null && !state.batteryLow() && battery < settings.batteryLowPercent()) {
      events.add(new BatteryLow(deviceId, at, battery, hb.ts()));
    } else if (battery != null && state.batteryLow() && battery >= settings.batteryRecoveredPercent()) {
      events.add(new BatteryRecovered(deviceId, at, battery, hb.ts()));
    }
    if (hb.firmware() != null && !hb.firmware().equals(state.firmware())) {
      events.add(new FirmwareChanged(deviceId, at, state.firmware(), hb.firmware(), hb.ts()));
    }
    // A changed interval changes the silence window a recovered entity must use, so it is journaled too.
    boolean intervalChanged = live.heartbeatIntervalS() != state.vitals().heartbeatIntervalS();
    if (!events.isEmpty() || intervalChanged || (lastSeenToJournal && lastSeenDue(state.vitals().lastSeen(), at))) {
      events.add(new LastSeenUpdated(deviceId, at, live.battery(), live.rssi(), live.uptimeS(),
          live.heartbeatIntervalS(), live.errors(), live.heartbeatTs()));
    }
    return events;
  }

  /**
   * The transition a status message causes, if any. A status received before the device was last seen
   * is stale (a redelivered last will must not take a device that has since come back offline).
   */
  Optional<DeviceEvent> onStatus(DeviceState state, boolean online, Instant receivedAt, Vitals live) {
    if (live.lastSeen() != null && receivedAt.isBefore(live.lastSeen())) return Optional.empty();
    if (online && !state.online()) {
      int intervalS = live.heartbeatIntervalS() > 0
          ? live.heartbeatIntervalS()
          : settings.heartbeatIntervalS(state.registration().type());
      return Optional.of(new CameOnline(deviceId, receivedAt, intervalS, null));
    }
    if (!online && state.status() != ConnectionState.OFFLINE) {
      return Optional.of(new WentOffline(deviceId, receivedAt, OfflineReason.LAST_WILL, live.lastSeen()));
    }
    return Optional.empty();
  }

  /**
   * What must be journaled before the entity stops (a rebalance hands its shard to another node, or it
   * passivates): the last heartbeat's values, when they are newer than the journal's. Its Kafka record was
   * acknowledged once handled here, so it is not read again; without this, the entity recovered elsewhere would
   * show the device up to {@code last-seen-persist-interval} back in time, and keep it so if the device said no
   * more (ThreeNodeFailoverIT: shards following their partitions after a node died).
   */
  Optional<DeviceEvent> onHandOff(DeviceState state, Vitals live) {
    Vitals journaled = state.vitals();
    if (live.heartbeatTs() == null || live.heartbeatTs().equals(journaled.heartbeatTs())) return Optional.empty();
    return Optional.of(new LastSeenUpdated(deviceId, live.lastSeen(), live.battery(), live.rssi(), live.uptimeS(),
        live.heartbeatIntervalS(), live.errors(), live.heartbeatTs()));
  }

  /** How much longer an online device may stay silent; zero or negative means it is offline now. */
  Duration silenceLeft(Vitals live, Instant now) {
    return settings.silenceWindow(live.heartbeatIntervalS()).minus(Duration.between(live.lastSeen(), now));
  }

  /** When an online device last seen as {@code live} says is offline if heard no more. */
  Instant deadline(Vitals live) {
    return live.lastSeen().plus(settings.silenceWindow(live.heartbeatIntervalS()));
  }

  private boolean lastSeenDue(Instant journaled, Instant at) {
    return journaled == null || Duration.between(journaled, at).compareTo(settings.lastSeenPersistInterval()) >= 0;
  }
}
