package io.fleet.media;

import io.fleet.device.Device;
import io.fleet.device.DeviceAnswer;
import io.fleet.device.DeviceAsks;
import io.fleet.device.MotionReport;
import io.fleet.device.StoredClip;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * S3 first, in one place: the one road by which a device hears of a motion report and of the clips it
 * names, whoever saw them — a device's MQTT or Kafka message ({@code ingest}), a clip cut from camera
 * frames ({@code frames}), a clip uploaded over HTTP ({@code api}), a clip that appeared in the bucket
 * later ({@link LateClips}). A clip reaches a device only as a {@link StoredClip}, which only
 * {@link #check} makes (a HEAD that found it with a plausible size and type); a report whose clip was
 * found is told together with it ({@link Device.RecordMotion}), so its alert goes out verified at once;
 * one whose clip is not there yet is told without it and the clip is watched for. Holds no state of its
 * own beyond the late clips it watches (in memory, see {@link LateClips}).
 */
public final class ClipGateway {
  /** Late clips looked for at once by one node, and of one device. */
  static final int LATE_CLIPS_PER_NODE = 10_000;
  static final int LATE_CLIPS_PER_DEVICE = 20;

  private final ClipStore store;
  private final DeviceAsks devices;
  private final LateClips lateClips;

  public ClipGateway(ActorSystem<?> system, ClipStore store, DeviceAsks devices) {
    this.store = store;
    this.devices = devices;
    this.lateClips = new LateClips(system, store, this::stored, LATE_CLIPS_PER_NODE, LATE_CLIPS_PER_DEVICE);
  }

  /** The bucket itself: uploads, presigned URLs, keys. */
  public ClipStore store() {
    return store;
  }

  /**
   * The clip when it is in the bucket (HEAD, {@code expectedSize} or -1 for any); S3 errors retried with
   * backoff for {@code patience}, after which the stage fails.
   */
  public CompletionStage<Optional<StoredClip>> check(String clipId, String key, long expectedSize, Duration patience) {
    return store.check(clipId, key, expectedSize, patience);
  }

  /**
   * Tells the device a motion report with its clip when {@code found} (checked by {@link #check}). When
   * the clip was not found and {@code awaitedKey} names where it will be (an upload still under way),
   * the report is told without it and the clip watched for during {@code lookFor}: when it appears, the
   * device hears it is stored and its alert is updated.
   */
  public CompletionStage<DeviceAnswer> report(String deviceId, MotionReport report, Optional<StoredClip> found,
      Optional<String> awaitedKey, Duration lookFor) {
    return devices.tell(deviceId, r -> new Device.RecordMotion(report, found.orElse(null), r)).thenApply(outcome -> {
      if (outcome instanceof DeviceAnswer.Accepted && found.isEmpty() && awaitedKey.isPresent()) {
        lateClips.watch(deviceId, report.clipId(), awaitedKey.get(), lookFor);
      }
      return outcome;
    });
  }

  /** Tells the device that a clip (checked by {@link #check}) is stored: it attaches to the alert that names it. */
  public CompletionStage<DeviceAnswer> stored(String deviceId, StoredClip clip) {
    return devices.tell(deviceId, r -> new Device.StoreClip(clip, r));
  }

  /** A report told as it is: it names no clip in Fleet's bucket. */
  public CompletionStage<DeviceAnswer> reportWithoutClip(String deviceId, MotionReport report) {
    return report(deviceId, report, Optional.empty(), Optional.empty(), Duration.ZERO);
  }
}
