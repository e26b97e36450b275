package io.fleet.device;

import io.fleet.device.DeviceEvent.AlertRaised;
import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.WentOffline;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which alerts a device raises, and what they say. Pure. Each kind has its own cooldown: within it after
 * the last alert of that kind, a transition raises none. Alert ids are deterministic, so an alert that
 * is published twice (after a crash) is recognisable downstream.
 */
final class AlertRules {
  private final String deviceId;
  private final MotionSettings settings;

  AlertRules(String deviceId, MotionSettings settings) {
    this.deviceId = deviceId;
    this.settings = settings;
  }

  /** The health alerts that {@code transitions} (about to be persisted on {@code state}) raise. */
  List<DeviceEvent> onHealth(DeviceState state, List<DeviceEvent> transitions) {
    List<DeviceEvent> alerts = new ArrayList<>();
    for (DeviceEvent event : transitions) {
      if (event instanceof WentOffline e && cooledDown(state, AlertKind.OFFLINE, e.at())) {
        alerts.add(health(state, AlertKind.OFFLINE, e.at(), "device went offline (" + e.reason().name().toLowerCase() + ")"));
      } else if (event instanceof BatteryLow e && cooledDown(state, AlertKind.BATTERY_LOW, e.at())) {
        alerts.add(health(state, AlertKind.BATTERY_LOW, e.at(), "battery low: " + e.level() + "%"));
      }
    }
    return alerts;
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

  private AlertRaised health(DeviceState state, AlertKind kind, Instant at, String message) {
    DeviceRegistration r = state.registration();
    String id = deviceId + ":" + kind.label() + ":" + at.toEpochMilli();
    return new AlertRaised(deviceId, at, new Alert(id, kind, 0, id, at, r.name(), r.type(), r.household(), null,
        message, null, false, List.of(), "open"));
  }
}
