package io.fleet.device;

import io.fleet.device.DeviceEvent.AlertRaised;
import io.fleet.device.DeviceEvent.AlertUpdated;
import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.WentOffline;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which alerts a device raises, what they say, and how they are acknowledged and cleared. Pure. Each
 * kind has its own cooldown: within it after the last alert of that kind, a transition raises none. Alert ids are
 * deterministic, so an alert that is published twice (after a crash) is recognisable downstream.
 */
final class AlertRules {
  private final String deviceId;
  private final MotionAndAlertSettings settings;

  AlertRules(String deviceId, MotionAndAlertSettings settings) {
    this.deviceId = deviceId;
    this.settings = settings;
  }

  /** Who clears a health alert when its condition is over. */
  static final String SYSTEM = "system";

  /**
   * The health alerts that {@code transitions} (about to be persisted on {@code state}) raise, and the
   * ones they clear: coming back online clears the offline alerts, a recovered battery the battery ones.
   */
  List<DeviceEvent> onHealth(DeviceState state, List<DeviceEvent> transitions) {
    List<DeviceEvent> alerts = new ArrayList<>();
    for (DeviceEvent event : transitions) {
      if (event instanceof WentOffline e && cooledDown(state, AlertKind.OFFLINE, e.at())) {
        alerts.add(health(state, AlertKind.OFFLINE, e.at(), e.at(),
            "device went offline (" + e.reason().name().toLowerCase() + ")"));
      } else if (event instanceof BatteryLow e && cooledDown(state, AlertKind.BATTERY_LOW, e.at())) {
        // Its event time is the heartbeat's, by the device's clock (late heartbeats from an outbox included).
        alerts.add(health(state, AlertKind.BATTERY_LOW, e.at(), e.deviceTime() != null ? e.deviceTime() : e.at(),
            "battery low: " + e.level() + "%"));
      } else if (event instanceof CameOnline e) {
        clearAll(state, AlertKind.OFFLINE, e.at(), alerts);
      } else if (event instanceof BatteryRecovered e) {
        clearAll(state, AlertKind.BATTERY_LOW, e.at(), alerts);
      }
    }
    return alerts;
  }

  private void clearAll(DeviceState state, AlertKind kind, Instant at, List<DeviceEvent> into) {
    state.alerts().uncleared(kind).forEach(a -> into.add(new AlertUpdated(deviceId, at, a.cleared(SYSTEM, at))));
  }

  /** Acknowledging: an open alert becomes acknowledged; acknowledged stays; a cleared one cannot be. */
  Decision acknowledge(DeviceState state, String alertId, String who, Instant at) {
    Optional<Alert> found = state.alerts().find(alertId);
    if (found.isEmpty()) return new Decision(Optional.empty(), AlertAnswer.notFound(alertId));
    Alert alert = found.get();
    if (alert.isCleared()) {
      return new Decision(Optional.empty(), new AlertAnswer(AlertAnswer.Outcome.CONFLICT, alert,
          "alert " + alertId + " was cleared by " + alert.clearedBy() + " at " + alert.clearedAt()));
    }
    if (Alert.ACKNOWLEDGED.equals(alert.state())) return new Decision(Optional.empty(), unchanged(alert));
    return changed(alert.acknowledged(who, at), at);
  }

  /** Clearing: an open or acknowledged alert becomes cleared; a cleared one stays as it is. */
  Decision clear(DeviceState state, String alertId, String who, Instant at) {
    Optional<Alert> found = state.alerts().find(alertId);
    if (found.isEmpty()) return new Decision(Optional.empty(), AlertAnswer.notFound(alertId));
    if (found.get().isCleared()) return new Decision(Optional.empty(), unchanged(found.get()));
    return changed(found.get().cleared(who, at), at);
  }

  /** What to journal (if anything) and what to answer. */
  record Decision(Optional<AlertUpdated> update, AlertAnswer answer) {}

  private Decision changed(Alert next, Instant at) {
    return new Decision(Optional.of(new AlertUpdated(deviceId, at, next)), new AlertAnswer(AlertAnswer.Outcome.CHANGED, next, null));
  }

  private static AlertAnswer unchanged(Alert alert) {
    return new AlertAnswer(AlertAnswer.Outcome.UNCHANGED, alert, null);
  }

  /** A health transition and the alert it raises, if any. */
  List<DeviceEvent> withHealthAlerts(DeviceState state, DeviceEvent transition) {
    List<DeviceEvent> events = new ArrayList<>(List.of(transition));
    events.addAll(onHealth(state, events));
    return events;
  }

  boolean cooledDown(DeviceState state, AlertKind kind, Instant at) {
    Instant last = state.lastAlert(kind);
    return last == null || Duration.between(last, at).compareTo(settings.cooldown(kind)) >= 0;
  }

  /** The alert of a motion episode that began with {@code first}; its clip verified when one is stored. */
  AlertRaised motion(DeviceState state, MotionReport first, Instant at, Optional<StoredClip> clip) {
    DeviceRegistration r = state.registration();
    List<String> clips = clip.map(c -> List.of(c.clipId())).orElse(List.of());
    String url = clip.map(StoredClip::url).orElse(first.url());
    String clipId = clip.map(StoredClip::clipId).orElse(first.clipId());
    Alert alert = new Alert(deviceId + ":" + first.eventId(), AlertKind.MOTION, 0, first.eventId(), first.eventTime(),
        r.name(), r.type(), r.household(), url, first.message() != null ? first.message() : "motion was detected",
        clipId, clip.isPresent(), clips, "open");
    return new AlertRaised(deviceId, at, alert);
  }

  /** The alert an anomalous reading raises (the caller checked the cooldown). */
  AlertRaised anomaly(DeviceState state, Instant at, AnomalyFinding finding) {
    DeviceRegistration r = state.registration();
    String id = deviceId + ":" + AlertKind.ANOMALY.label() + ":" + at.toEpochMilli();
    String reason = finding.verdict().reason();
    String message = "anomaly: " + (reason.length() > 400 ? reason.substring(0, 399) + "…" : reason);
    return new AlertRaised(deviceId, at, new Alert(id, AlertKind.ANOMALY, 0, id, finding.readingTs(), r.name(), r.type(),
        r.household(), null, message, null, false, List.of(), Alert.OPEN, null, null, null, null, finding));
  }

  private AlertRaised health(DeviceState state, AlertKind kind, Instant at, Instant eventTime, String message) {
    DeviceRegistration r = state.registration();
    String id = deviceId + ":" + kind.label() + ":" + at.toEpochMilli();
    return new AlertRaised(deviceId, at, new Alert(id, kind, 0, id, eventTime, r.name(), r.type(), r.household(), null,
        message, null, false, List.of(), "open"));
  }
}
