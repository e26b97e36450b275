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
    String state)
    implements CborSerializable {

  /** Most clips an alert lists; a longer episode's later clips are still journaled as stored. */
  static final int MAX_CLIPS = 20;

  public Alert {
    clips = clips == null ? List.of() : List.copyOf(clips);
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
        primary ? clip.url() : url, message, primary ? clip.clipId() : clipId, true, more, state);
  }

  boolean lists(String clip) {
    return clips.contains(clip);
  }
}
