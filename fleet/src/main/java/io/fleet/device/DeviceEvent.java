package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.anomaly.Verdict;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link Device} journals: registration, health transitions, now and then its last-seen values,
 * motion episodes, stored clips, alerts, telemetry anomalies and the anomaly model, a tracker's fixes,
 * regions and region transitions.
 * Every event names its device and the time it happened (server time).
 */
public sealed interface DeviceEvent extends CborSerializable {
  String deviceId();

  Instant at();

  /** The alert {@code event} raised or updated, if it is one of those (or an episode's start that raised one). */
  static Optional<Alert> alertOf(DeviceEvent event) {
    return event instanceof AlertRaised r ? Optional.of(r.alert())
        : event instanceof AlertUpdated u ? Optional.of(u.alert())
        : event instanceof MotionStarted m ? Optional.ofNullable(m.alert()) : Optional.empty();
  }

  /**
   * The facts one journaled event records, each as the event that would record it alone: an episode's start
   * that raised its alert in the same row is the start and the alert ({@link MotionStarted#alert}); a
   * self-registration that carries its first heartbeat is the registration, coming online, the first firmware
   * (if it said one) and the last seen ({@link Registered#first}); any other event is itself. Readers that keep one
   * row per fact (the event log, the alert table) and the entity's state go through this.
   */
  static List<DeviceEvent> facts(DeviceEvent event) {
    if (event instanceof MotionStarted m && m.alert() != null) {
      return List.of(new MotionStarted(m.deviceId(), m.at(), m.report(), m.alerting(), null),
          new AlertRaised(m.deviceId(), m.at(), m.alert()));
    }
    if (event instanceof Registered r && r.first() != null) {
      FirstHeartbeat first = r.first();
      List<DeviceEvent> facts = new ArrayList<>(4);
      facts.add(new Registered(r.deviceId(), r.at(), r.type(), r.name(), r.household(), r.location(), r.selfRegistered(), null));
      facts.add(new CameOnline(r.deviceId(), r.at(), first.heartbeatIntervalS(), first.heartbeatTs()));
      if (first.firmware() != null) {
        facts.add(new FirmwareChanged(r.deviceId(), r.at(), null, first.firmware(), first.heartbeatTs()));
      }
      facts.add(new LastSeenUpdated(r.deviceId(), r.at(), first.battery(), first.rssi(), first.uptimeS(),
          first.heartbeatIntervalS(), first.errors(), first.heartbeatTs()));
      return facts;
    }
    return List.of(event);
  }

  /**
   * {@code events} as they are journaled: a self-registration followed by nothing but what its first heartbeat
   * brought — coming online, the first firmware, the last seen — is one {@link Registered} carrying that heartbeat
   * (one journal row and one tag row instead of four of each), kept only if its facts are exactly those events; any
   * other list as it is. So the facts of the result, in order, are always the facts of {@code events}.
   */
  static List<DeviceEvent> journaled(List<DeviceEvent> events) {
    if (events.size() < 3 || events.size() > 4 || !(events.get(0) instanceof Registered r) || r.first() != null
        || !(events.get(1) instanceof CameOnline) || !(events.get(events.size() - 1) instanceof LastSeenUpdated seen)) {
      return events;
    }
    String firmware = events.get(2) instanceof FirmwareChanged f ? f.to() : null;
    Registered one = new Registered(r.deviceId(), r.at(), r.type(), r.name(), r.household(), r.location(),
        r.selfRegistered(), new FirstHeartbeat(seen.heartbeatIntervalS(), seen.heartbeatTs(), firmware, seen.battery(),
        seen.rssi(), seen.uptimeS(), seen.errors()));
    return facts(one).equals(events) ? List.of(one) : events;
  }

  /**
   * {@code selfRegistered}: the device registered itself with its first heartbeat or status. {@code first}: that
   * heartbeat, when it did nothing but bring the device online (see {@link #journaled}); null for a registration by
   * an operator, one whose first message caused more, and in events journaled before it was kept.
   */
  record Registered(
      String deviceId, Instant at, DeviceType type, String name, String household, String location,
      boolean selfRegistered, FirstHeartbeat first) implements DeviceEvent {}

  /**
   * What a self-registering device's first heartbeat said: its interval, its timestamp, its firmware (null if it
   * named none) and its vitals; received at the registration's {@code at}.
   */
  record FirstHeartbeat(int heartbeatIntervalS, Instant heartbeatTs, String firmware, Integer battery, Integer rssi,
      Long uptimeS, Integer errors) implements CborSerializable {}

  record RegistrationChanged(
      String deviceId, Instant at, DeviceType type, String name, String household, String location)
      implements DeviceEvent {}

  /** Also means the device was seen at {@code at}. */
  /**
   * {@code deviceTime}: the time of the heartbeat that brought it back, by the device's clock (null when a
   * status message did, or for events journaled before it was kept); the same in the events below.
   */
  record CameOnline(String deviceId, Instant at, int heartbeatIntervalS, Instant deviceTime) implements DeviceEvent {}

  /** {@code at} is when it was noticed; {@code lastSeen} when the device was last heard from. */
  record WentOffline(String deviceId, Instant at, OfflineReason reason, Instant lastSeen) implements DeviceEvent {}

  record BatteryLow(String deviceId, Instant at, int level, Instant deviceTime) implements DeviceEvent {}

  record BatteryRecovered(String deviceId, Instant at, int level, Instant deviceTime) implements DeviceEvent {}

  /** {@code from} is null on the first firmware a device reports. */
  record FirmwareChanged(String deviceId, Instant at, String from, String to, Instant deviceTime) implements DeviceEvent {}

  /**
   * The latest heartbeat's values; {@code at} is when it was received (the device's last seen).
   * {@code heartbeatTs} is the heartbeat's own timestamp, so that a recovered entity still recognises
   * redelivered older heartbeats.
   */
  record LastSeenUpdated(
      String deviceId, Instant at, Integer battery, Integer rssi, Long uptimeS, int heartbeatIntervalS,
      Integer errors, Instant heartbeatTs) implements DeviceEvent {}

  /**
   * The first event of a motion episode. {@code alerting} is false when the episode began within the
   * motion cooldown (it raises no alert). {@code alert}: the alert it raised at once, in the same journal row
   * (one row per episode less than an {@link AlertRaised} of its own); null when the alert waits for its clip
   * (it is raised later, by an {@link AlertRaised}), when the episode raises none, and in events journaled
   * before.
   */
  record MotionStarted(String deviceId, Instant at, MotionReport report, boolean alerting, Alert alert)
      implements DeviceEvent {}

  /**
   * A later event of the active episode: journaled for deduplication and to extend the quiet period, and
   * found by search at {@code eventTime}, when it happened on the device (null in events journaled before).
   */
  record MotionContinued(String deviceId, Instant at, String eventId, String clipId, Instant eventTime) implements DeviceEvent {}

  /** The episode that began with {@code episodeEventId} was quiet for the quiet period. */
  record MotionEnded(String deviceId, Instant at, String episodeEventId) implements DeviceEvent {}

  /** A clip is in Fleet's bucket and was checked (size, content type). */
  record ClipStored(String deviceId, Instant at, StoredClip clip) implements DeviceEvent {}

  /** An alert to publish; journaled before it is published, so a crash in between publishes it later. */
  record AlertRaised(String deviceId, Instant at, Alert alert) implements DeviceEvent {}

  /** A newer revision of a raised alert (its clip arrived or another clip was attached, or its state changed). */
  record AlertUpdated(String deviceId, Instant at, Alert alert) implements DeviceEvent {}

  /**
   * Telemetry the device's model judged anomalous, journaled when it raises an alert (the anomaly
   * cooldown over): the readings at the device's time {@code readingTs} and the verdict.
   */
  record AnomalyDetected(String deviceId, Instant at, Instant readingTs, Map<String, Double> readings,
      Verdict verdict) implements DeviceEvent {}

  /** A tracker's fix, taken (not a duplicate, not too late, not a GPS jump); {@code at} is when it was received. */
  record LocationRecorded(String deviceId, Instant at, Fix fix) implements DeviceEvent {}

  /** A tracker entered one of its regions: {@code at} when that was received, the transition's {@code tst} when. */
  record EnteredRegion(String deviceId, Instant at, RegionTransition transition) implements DeviceEvent {}

  /** A tracker left one of its regions: {@code at} when that was received, the transition's {@code tst} when. */
  record LeftRegion(String deviceId, Instant at, RegionTransition transition) implements DeviceEvent {}

  /** A tracker's regions as they are now, after its app sent one of them or all (bounded: {@code RegionBook}). */
  record RegionsChanged(String deviceId, Instant at, List<Region> regions) implements DeviceEvent {}

  /**
   * An operator ({@code by}) took the device out of the fleet: it is forgotten (registration, health,
   * motion, model) until registered again, and what it still sends is refused, not self-registered.
   */
  record Decommissioned(String deviceId, Instant at, String by) implements DeviceEvent {}

  /**
   * An operator ({@code by}) erased the device: its state is empty again, as if it never existed. The
   * eraser then deletes the journal up to and including this event, so nothing of before survives; what
   * the device sends afterwards starts a new history (see {@code retention.DeviceEraser}).
   */
  record Erased(String deviceId, Instant at, String by) implements DeviceEvent {}

  /** The device's anomaly model, saved every so many readings so that a restart resumes it. */
  record SensorBaselineSaved(String deviceId, Instant at, SensorMemory memory) implements DeviceEvent {}
}
