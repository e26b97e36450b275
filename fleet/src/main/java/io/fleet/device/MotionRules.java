package io.fleet.device;

import io.fleet.device.DeviceEvent.AlertUpdated;
import io.fleet.device.DeviceEvent.ClipStored;
import io.fleet.device.DeviceEvent.MotionContinued;
import io.fleet.device.DeviceEvent.MotionEnded;
import io.fleet.device.DeviceEvent.MotionStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A camera's motion episodes, pure: given the journaled state, the events a motion report, a stored
 * clip or a timer causes. Idle → active on a report; back to idle once quiet for {@code quiet-period}.
 * One alert per episode, and none for an episode that begins within the motion cooldown after the last
 * motion alert. <b>S3 first:</b> an alert names a clip as verified only once that clip was stored and
 * checked; an episode whose first report names a clip not yet stored waits up to {@code clip-wait} for
 * it, then alerts without it, and the alert is updated when the clip arrives. Later clips of the
 * episode attach to its alert. Reports whose event id was seen lately are ignored. A report that comes
 * a quiet period or more after the episode's last one (by the reports' times) begins a new episode even
 * when the quiet timer has not fired yet.
 */
final class MotionRules {
  private final String deviceId;
  private final MotionAndAlertSettings settings;
  private final AlertRules alerts;

  MotionRules(String deviceId, MotionAndAlertSettings settings, AlertRules alerts) {
    this.deviceId = deviceId;
    this.settings = settings;
    this.alerts = alerts;
  }

  List<DeviceEvent> onMotion(DeviceState state, MotionReport report) {
    MotionState motion = state.motion();
    if (motion.seen(report.eventId())) return List.of();
    if (!motion.active() || quietLeft(motion, report.receivedAt()).compareTo(Duration.ZERO) > 0) {
      return onMotionAfter(state, report);
    }
    // Quiet long enough by the report's own time, though the quiet timer has not fired yet (reports that
    // waited in Kafka, clips cut from camera frames): the episode ended before this one began.
    MotionEnded ended = new MotionEnded(deviceId, motion.lastEventAt().plus(settings.quietPeriod()), motion.episode().eventId());
    List<DeviceEvent> events = new ArrayList<>(List.of(ended));
    events.addAll(onMotionAfter(state.apply(ended), report));
    return events;
  }

  private List<DeviceEvent> onMotionAfter(DeviceState state, MotionReport report) {
    MotionState motion = state.motion();
    Instant at = report.receivedAt();
    List<DeviceEvent> events = new ArrayList<>();
    Optional<StoredClip> clip = motion.storedClip(report.clipId());
    if (motion.active()) {
      events.add(new MotionContinued(deviceId, at, report.eventId(), report.clipId(), report.eventTime()));
      clip.ifPresent(c -> attach(state, c, at).ifPresent(events::add));
      return events;
    }
    // A new episode while the last one's alert still waits: that alert goes out first, without its clip.
    if (motion.waitingForClip()) events.add(alerts.motion(state, motion.episode(), at, Optional.empty()));
    boolean alerting = alerts.cooledDown(state, AlertKind.MOTION, at);
    // An alert raised at once is journaled in the start's row; one that waits for its clip, later on its own.
    Alert raised = alerting && (report.clipId() == null || clip.isPresent())
        ? alerts.motion(state, report, at, clip).alert() : null;
    events.add(new MotionStarted(deviceId, at, report, alerting, raised));
    return events;
  }

  /** A clip was stored and checked; idempotent for a clip already known. */
  List<DeviceEvent> onClipStored(DeviceState state, StoredClip clip) {
    if (state.motion().storedClip(clip.clipId()).isPresent()) return List.of();
    List<DeviceEvent> events = new ArrayList<>();
    events.add(new ClipStored(deviceId, clip.storedAt(), clip));
    if (state.motion().episodeClips().contains(clip.clipId())) {
      attach(state, clip, clip.storedAt()).ifPresent(events::add);
    }
    return events;
  }

  /** The quiet-period timer: the episode ends when nothing was reported for the quiet period. */
  Optional<DeviceEvent> onQuietCheck(DeviceState state, Instant now) {
    MotionState motion = state.motion();
    if (!motion.active() || quietLeft(motion, now).compareTo(Duration.ZERO) > 0) return Optional.empty();
    return Optional.of(new MotionEnded(deviceId, now, motion.episode().eventId()));
  }

  /** The clip-wait timer: the alert goes out without its clip once it waited {@code clip-wait}. */
  Optional<DeviceEvent> onClipWaitOver(DeviceState state, Instant now) {
    MotionState motion = state.motion();
    if (!motion.waitingForClip() || clipWaitLeft(motion, now).compareTo(Duration.ZERO) > 0) return Optional.empty();
    return Optional.of(alerts.motion(state, motion.episode(), now, Optional.empty()));
  }

  Duration quietLeft(MotionState motion, Instant now) {
    return settings.quietPeriod().minus(Duration.between(motion.lastEventAt(), now));
  }

  Duration clipWaitLeft(MotionState motion, Instant now) {
    return settings.clipWait().minus(Duration.between(motion.clipWaitSince(), now));
  }

  /** A stored clip of the episode: it raises the waiting alert, or is attached to the raised one. */
  private Optional<DeviceEvent> attach(DeviceState state, StoredClip clip, Instant at) {
    MotionState motion = state.motion();
    if (motion.waitingForClip()) return Optional.of(alerts.motion(state, motion.episode(), at, Optional.of(clip)));
    Alert alert = motion.alert();
    boolean ofThisEpisode = alert != null && motion.episode() != null && alert.eventId().equals(motion.episode().eventId());
    if (!ofThisEpisode || alert.lists(clip.clipId()) || alert.clips().size() >= Alert.MAX_CLIPS) return Optional.empty();
    return Optional.of(new AlertUpdated(deviceId, at, alert.withClip(clip)));
  }
}
