package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An alert as journaled and published: self-contained, so the publisher needs nothing but the event.
 * {@code alertId} is deterministic ({@code <deviceId>:<episode event id>} for motion,
 * {@code <deviceId>:<kind>:<epoch ms>} otherwise) and {@code revision} counts updates (0 when raised),
 * so a consumer recognises a republished record by the pair. {@code clipVerified} is true only once
 * {@code clipId} was stored and checked; {@code clips} are all verified clips of the episode.
 * {@code state} is {@code open}, {@code acknowledged} or {@code cleared}; who acknowledged or cleared it
 * and when are kept with it (null until then, and in alerts journaled before they existed). An anomaly
 * alert carries its {@link AnomalyFinding} (readings, score, expected ranges); other kinds have none.
 */
public record Alert(
    String alertId,
    AlertKind kind,
    int revision,
    String eventId,
    Instant eventTime,
    String deviceName,
    DeviceType deviceType,
    String household,
    String url,
    String message,
    String clipId,
    boolean clipVerified,
    List<String> clips,
    String state,
    String acknowledgedBy,
    Instant acknowledgedAt,
    String clearedBy,
    Instant clearedAt,
    AnomalyFinding anomaly)
    implements CborSerializable {

  public static final String OPEN = "open";
  public static final String ACKNOWLEDGED = "acknowledged";
  public static final String CLEARED = "cleared";

  /** Most clips an alert lists; a longer episode's later clips are still journaled as stored. */
  static final int MAX_CLIPS = 20;

  public Alert {
    clips = clips == null ? List.of() : List.copyOf(clips);
    state = state == null ? OPEN : state;
  }

  /** A new alert: open, neither acknowledged nor cleared. */
  public Alert(String alertId, AlertKind kind, int revision, String eventId, Instant eventTime, String deviceName,
      DeviceType deviceType, String household, String url, String message, String clipId, boolean clipVerified,
      List<String> clips, String state) {
    this(alertId, kind, revision, eventId, eventTime, deviceName, deviceType, household, url, message, clipId,
        clipVerified, clips, state, null, null, null, null, null);
  }

  public String severity() {
    return kind.severity();
  }

  /** The next revision, with {@code clip} verified: it becomes the alert's clip if it had none verified. */
  Alert withClip(StoredClip clip) {
    List<String> more = new ArrayList<>(clips);
    if (!more.contains(clip.clipId()) && more.size() < MAX_CLIPS) more.add(clip.clipId());
    boolean primary = !clipVerified;
    return new Alert(alertId, kind, revision + 1, eventId, eventTime, deviceName, deviceType, household,
        primary ? clip.url() : url, message, primary ? clip.clipId() : clipId, true, more, state,
        acknowledgedBy, acknowledgedAt, clearedBy, clearedAt, anomaly);
  }

  /** The next revision, acknowledged by {@code who} at {@code at}. */
  Alert acknowledged(String who, Instant at) {
    return new Alert(alertId, kind, revision + 1, eventId, eventTime, deviceName, deviceType, household, url, message,
        clipId, clipVerified, clips, ACKNOWLEDGED, who, at, clearedBy, clearedAt, anomaly);
  }

  /** The next revision, cleared by {@code who} at {@code at}. */
  Alert cleared(String who, Instant at) {
    return new Alert(alertId, kind, revision + 1, eventId, eventTime, deviceName, deviceType, household, url, message,
        clipId, clipVerified, clips, CLEARED, acknowledgedBy, acknowledgedAt, who, at, anomaly);
  }

  boolean isCleared() {
    return CLEARED.equals(state);
  }

  boolean lists(String clip) {
    return clips.contains(clip);
  }
}
