package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.device.DeviceEvent.MotionContinued;
import io.fleet.device.DeviceEvent.MotionStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A device's motion, as journaled: whether an episode is active and since when it was quiet, the
 * episode's first report, whether it alerts (it does not within the cooldown) and whether its alert
 * still waits for a clip; the latest motion alert; and, bounded, the event ids seen (deduplication),
 * the clips the episode referenced and the clips stored lately. Immutable.
 */
public record MotionState(
    boolean active,
    Instant lastEventAt,
    MotionReport episode,
    boolean alerting,
    Instant clipWaitSince,
    Alert alert,
    List<String> recentEventIds,
    List<String> episodeClips,
    List<StoredClip> recentClips)
    implements CborSerializable {

  /** Event ids a device remembers: redeliveries come within minutes, long before 256 newer events. */
  static final int DEDUPE_EVENT_IDS = 256;

  /** Stored clips a device remembers (to attach them to a later event that names them). */
  static final int RECENT_CLIPS = 32;

  static final MotionState IDLE = new MotionState(false, null, null, false, null, null, List.of(), List.of(), List.of());

  public MotionState {
    recentEventIds = recentEventIds == null ? List.of() : List.copyOf(recentEventIds);
    episodeClips = episodeClips == null ? List.of() : List.copyOf(episodeClips);
    recentClips = recentClips == null ? List.of() : List.copyOf(recentClips);
  }

  boolean seen(String eventId) {
    return recentEventIds.contains(eventId);
  }

  /** The episode alerts, its alert is not raised yet, and it waits for the clip. */
  boolean waitingForClip() {
    return clipWaitSince != null;
  }

  /** An active episode or a waiting alert needs its timers: the entity must not passivate. */
  boolean busy() {
    return active || waitingForClip();
  }

  Optional<StoredClip> storedClip(String clipId) {
    if (clipId == null) return Optional.empty();
    return recentClips.stream().filter(c -> c.clipId().equals(clipId)).findFirst();
  }

  MotionState started(MotionStarted e) {
    boolean waits = e.alerting() && e.report().clipId() != null && storedClip(e.report().clipId()).isEmpty();
    return new MotionState(true, e.at(), e.report(), e.alerting(), waits ? e.at() : null, alert,
        bounded(recentEventIds, e.report().eventId()), clipsOf(List.of(), e.report().clipId()), recentClips);
  }

  MotionState continued(MotionContinued e) {
    return new MotionState(true, e.at(), episode, alerting, clipWaitSince, alert,
        bounded(recentEventIds, e.eventId()), clipsOf(episodeClips, e.clipId()), recentClips);
  }

  MotionState ended() {
    return new MotionState(false, lastEventAt, episode, alerting, clipWaitSince, alert, recentEventIds, episodeClips,
        recentClips);
  }

  MotionState stored(StoredClip clip) {
    List<StoredClip> clips = new ArrayList<>(recentClips);
    clips.add(clip);
    if (clips.size() > RECENT_CLIPS) clips.remove(0);
    return new MotionState(active, lastEventAt, episode, alerting, clipWaitSince, alert, recentEventIds, episodeClips,
        clips);
  }

  /** The motion alert was raised or updated: nothing waits any more. */
  MotionState alerted(Alert raised) {
    return new MotionState(active, lastEventAt, episode, alerting, null, raised, recentEventIds, episodeClips,
        recentClips);
  }

  /**
   * A newer revision of an alert: it replaces the motion alert if it is that alert (an update of an
   * older episode's alert, or of another kind, leaves it as it is). Nothing else changes: acknowledging
   * an alert does not end a wait for its clip.
   */
  MotionState revised(Alert update) {
    if (alert == null || !alert.alertId().equals(update.alertId()) || alert.revision() >= update.revision()) return this;
    return new MotionState(active, lastEventAt, episode, alerting, clipWaitSince, update, recentEventIds, episodeClips,
        recentClips);
  }

  private static List<String> clipsOf(List<String> clips, String clipId) {
    if (clipId == null || clips.contains(clipId) || clips.size() >= Alert.MAX_CLIPS) return clips;
    List<String> more = new ArrayList<>(clips);
    more.add(clipId);
    return more;
  }

  private static List<String> bounded(List<String> ids, String id) {
    int max = DEDUPE_EVENT_IDS;
    List<String> more = new ArrayList<>(ids);
    more.add(id);
    return more.size() > max ? more.subList(more.size() - max, more.size()) : more;
  }
}
