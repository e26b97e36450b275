package io.fleet.readside;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleet.device.Alert;
import io.fleet.device.DeviceEvent;
import io.fleet.tracking.RegionTransition;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Appends a device's journaled facts to {@code device_event}, the table event search reads. Written by
 * the device read-side projection inside its transaction ({@link ReadModelWrites}), so that
 * each row carries the device's household as of that event, motion, clip and alert rows their clip
 * links, and a tracker's region transitions the region's name. Every motion report is a row (the first of
 * an episode {@code motion_started}, the others {@code motion_continued}), as the seed's pull query found
 * each motion event by its time. Frequent bookkeeping (last seen, a tracker's regions) is not logged: only
 * what a person would search for.
 */
final class DeviceEventLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_TEXT = 300;

  private DeviceEventLog() {}

  /** A row of the log; its household is the device's as {@code device_summary} has it when the row is written. */
  static final String INSERT = "INSERT INTO device_event (device_id, household, event_type, occurred_at, received_at, detail)"
      + " VALUES (?, (SELECT household FROM device_summary WHERE device_id = ?), ?, ?, ?, ?)";

  /** Binds {@link #INSERT}'s parameters to {@code event}'s row; false, binding nothing, for bookkeeping not logged. */
  static boolean bind(PreparedStatement ps, DeviceEvent event) throws SQLException {
    Optional<ObjectNode> detail = detail(event);
    if (detail.isEmpty()) return false;
    ps.setString(1, event.deviceId());
    ps.setString(2, event.deviceId());
    ps.setString(3, typeOf(event));
    ps.setTimestamp(4, Timestamp.from(occurredAt(event)));
    ps.setTimestamp(5, Timestamp.from(event.at()));
    ps.setString(6, detail.get().toString());
    return true;
  }

  /**
   * When the event happened on the device, by the device's own clock: a motion episode's first event time
   * (the seed's {@code time}, a motion event's {@code ts}, a clip's first frame), an anomalous reading's
   * {@code ts}, an OwnTracks transition's {@code tst}, the event time an alert names, the {@code ts} of the
   * heartbeat that brought a device online, its battery low or back, or its new firmware (also when an edge
   * agent's outbox delivers it late). Otherwise — what
   * Fleet decided, or a device that gave no time — when Fleet received it ({@link DeviceEvent#at}).
   */
  static Instant occurredAt(DeviceEvent event) {
    Instant device = null;
    if (event instanceof DeviceEvent.MotionStarted e) device = e.report().eventTime();
    else if (event instanceof DeviceEvent.MotionContinued e) device = e.eventTime();
    else if (event instanceof DeviceEvent.AnomalyDetected e) device = e.readingTs();
    else if (event instanceof DeviceEvent.EnteredRegion e) device = e.transition().tst();
    else if (event instanceof DeviceEvent.LeftRegion e) device = e.transition().tst();
    else if (event instanceof DeviceEvent.AlertRaised e) device = e.alert().eventTime();
    else if (event instanceof DeviceEvent.CameOnline e) device = e.deviceTime();
    else if (event instanceof DeviceEvent.BatteryLow e) device = e.deviceTime();
    else if (event instanceof DeviceEvent.BatteryRecovered e) device = e.deviceTime();
    else if (event instanceof DeviceEvent.FirmwareChanged e) device = e.deviceTime();
    return device != null ? device : event.at();
  }

  /** The event's type as search knows it: its name in snake case, e.g. {@code went_offline}. */
  static String typeOf(DeviceEvent event) {
    return typeOf(event.getClass());
  }

  static String typeOf(Class<?> eventClass) {
    return eventClass.getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
  }

  /** What a row says of its event, or empty for bookkeeping that is not logged. */
  static Optional<ObjectNode> detail(DeviceEvent event) {
    ObjectNode d = JSON.createObjectNode();
    if (event instanceof DeviceEvent.Registered e) {
      d.put("type", e.type().label()).put("name", e.name()).put("household", e.household())
          .put("location", e.location()).put("selfRegistered", e.selfRegistered());
    } else if (event instanceof DeviceEvent.RegistrationChanged e) {
      d.put("type", e.type().label()).put("name", e.name()).put("household", e.household()).put("location", e.location());
    } else if (event instanceof DeviceEvent.CameOnline e) {
      d.put("heartbeatIntervalS", e.heartbeatIntervalS());
    } else if (event instanceof DeviceEvent.WentOffline e) {
      d.put("reason", e.reason().name().toLowerCase()).put("lastSeen", e.lastSeen() == null ? null : e.lastSeen().toString());
    } else if (event instanceof DeviceEvent.BatteryLow e) {
      d.put("level", e.level());
    } else if (event instanceof DeviceEvent.BatteryRecovered e) {
      d.put("level", e.level());
    } else if (event instanceof DeviceEvent.FirmwareChanged e) {
      d.put("from", e.from()).put("to", e.to());
    } else if (event instanceof DeviceEvent.Decommissioned e) {
      d.put("by", e.by());
    } else if (event instanceof DeviceEvent.EnteredRegion e) {
      transition(d, e.transition());
    } else if (event instanceof DeviceEvent.LeftRegion e) {
      transition(d, e.transition());
    } else if (event instanceof DeviceEvent.AnomalyDetected e) {
      d.put("readingTs", String.valueOf(e.readingTs())).put("score", e.verdict().score())
          .put("detector", e.verdict().detector()).put("reason", cut(e.verdict().reason()));
      e.readings().forEach(d.putObject("readings")::put);
      e.verdict().metrics().forEach(d.putArray("metrics")::add);
    } else {
      return motionDetail(event, d);
    }
    return Optional.of(d);
  }

  /** Motion episodes, stored clips and alerts: what the seed's pull query searched. */
  private static Optional<ObjectNode> motionDetail(DeviceEvent event, ObjectNode d) {
    if (event instanceof DeviceEvent.MotionStarted e) {
      d.put("eventId", e.report().eventId()).put("eventTime", String.valueOf(e.report().eventTime()))
          .put("clipId", cut(e.report().clipId())).put("url", cut(e.report().url())).put("message", cut(e.report().message()))
          .put("alerting", e.alerting());
      if (e.report().score() != null) d.put("score", e.report().score());
    } else if (event instanceof DeviceEvent.MotionContinued e) {
      d.put("eventId", cut(e.eventId())).put("eventTime", String.valueOf(e.eventTime())).put("clipId", cut(e.clipId()));
    } else if (event instanceof DeviceEvent.MotionEnded e) {
      d.put("eventId", e.episodeEventId());
    } else if (event instanceof DeviceEvent.ClipStored e) {
      d.put("clipId", cut(e.clip().clipId())).put("key", cut(e.clip().key())).put("url", cut(e.clip().url()))
          .put("size", e.clip().size()).put("contentType", cut(e.clip().contentType()));
    } else if (event instanceof DeviceEvent.AlertRaised e) {
      alert(d, e.alert());
    } else if (event instanceof DeviceEvent.AlertUpdated e) {
      alert(d, e.alert());
    } else {
      return Optional.empty();
    }
    return Optional.of(d);
  }

  private static void alert(ObjectNode d, Alert a) {
    d.put("alertId", cut(a.alertId())).put("kind", a.kind().label()).put("revision", a.revision())
        .put("clipId", cut(a.clipId())).put("clipVerified", a.clipVerified()).put("url", cut(a.url()))
        .put("message", cut(a.message()));
  }

  /** The OwnTracks transition: the region's name, when it happened ({@code tst}) and what the app said of it. */
  private static void transition(ObjectNode d, RegionTransition t) {
    d.put("region", cut(t.region())).put("event", t.event()).put("tst", t.tst().toString())
        .put("lat", t.lat()).put("lon", t.lon()).put("acc", t.acc())
        .put("wtst", t.wtst() == null ? null : t.wtst().toString()).put("rid", cut(t.rid())).put("t", t.trigger());
  }

  /** Devices' free text is cut so that a detail always fits its column (varchar 2000). */
  private static String cut(String s) {
    return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
  }

  /** The types search accepts, in the order a person reads them. */
  static final List<String> TYPES = List.of("registered", "registration_changed", "came_online",
      "went_offline", "battery_low", "battery_recovered", "firmware_changed", "motion_started", "motion_continued", "motion_ended",
      "clip_stored", "alert_raised", "alert_updated", "anomaly_detected", "entered_region", "left_region",
      "decommissioned");
}
