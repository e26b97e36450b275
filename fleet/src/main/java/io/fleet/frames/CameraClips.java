package io.fleet.frames;

import io.fleet.device.DeviceAnswer;
import io.fleet.device.DeviceType;
import io.fleet.device.MotionReport;
import io.fleet.ingest.DeadLetter;
import io.fleet.ingest.DeadLetters;
import io.fleet.media.ClipGateway;
import io.fleet.media.ClipStore;
import io.fleet.vision.clip.Clip;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.javadsl.FileIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clips Fleet cuts from camera frames, taken down the same S3-first path as a device's own: the MP4
 * is uploaded to Fleet's bucket under {@code clips/<camera>/<day>/<time>Z-frames-<first frame ms>-<camera id hash>}
 * (time of the motion event's start), and only then, after the HEAD check, does the camera's entity hear the
 * motion report with it through the {@link ClipGateway} (event id {@code frames-<event start ms>},
 * deterministic, so a clip cut again after a crash is the same event to the entity) — one alert per
 * episode, its clip verified. A camera the fleet does not know registers itself by its report (unless
 * auto-registration is off: then the report is dead-lettered, {@code unknown-device}). An S3 failure is retried with
 * backoff for as long as it takes: the clip's frames stay
 * uncommitted meanwhile. Holds no state; the encoded file is deleted once delivered.
 */
public final class CameraClips implements ClipDelivery {
  private static final Logger log = LoggerFactory.getLogger(CameraClips.class);
  private static final Duration CHECK_PATIENCE = Duration.ofMinutes(10);

  private final ActorSystem<?> system;
  private final ClipGateway clips;
  private final DeadLetters deadLetters;
  private final String framesTopic;

  public CameraClips(ActorSystem<?> system, DeadLetters deadLetters, ClipGateway clips, String framesTopic) {
    this.system = system;
    this.clips = clips;
    this.deadLetters = deadLetters;
    this.framesTopic = framesTopic;
  }

  @Override
  public CompletionStage<?> deliver(String cameraId, CompletableFuture<Clip> encoding) {
    return encoding.thenCompose(clip -> store(cameraId, clip)
            .whenComplete((done, failed) -> deleteQuietly(clip)))
        .whenComplete((done, failed) -> {
          if (failed != null) log.warn("clip of camera {} lost: {}", cameraId, failed.toString());
        });
  }

  private CompletionStage<Done> store(String cameraId, Clip clip) {
    // Unique across cameras (clips are fetched by id alone) and the same when the clip is cut again after a crash.
    String clipId = "frames-" + clip.firstFrameMillis() + "-" + Integer.toHexString(cameraId.hashCode());
    Instant start = Instant.ofEpochMilli(clip.eventStartMillis());
    String key = ClipStore.keyFor(cameraId, clipId, start);
    // A long event is cut into several clips: the first names the event, later ones continue it.
    String eventId = clip.firstFrameMillis() <= clip.eventStartMillis()
        ? "frames-" + clip.eventStartMillis()
        : "frames-" + clip.eventStartMillis() + "-" + clip.firstFrameMillis();
    MotionReport report = new MotionReport(eventId, start, start, null, clipId, null,
        "motion detected in camera frames", DeviceType.CAMERA, null);
    String source = "frames:" + framesTopic + "/" + cameraId + "/" + clipId;
    long size;
    try {
      size = Files.size(clip.file());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Patterns.retry(
            () -> FileIO.fromPath(clip.file())
                .runWith(clips.store().upload(key, ContentTypes.create(MediaTypes.VIDEO_MP4)), system),
            Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, system)
        // On the actor dispatcher: a callback on the converted Scala future would start a thread of its own.
        .thenComposeAsync(uploaded -> clips.check(clipId, key, size, CHECK_PATIENCE), system.executionContext())
        .thenCompose(found -> {
          if (found.isEmpty()) log.warn("clip {} of camera {} not found in the bucket right after its upload", clipId, cameraId);
          return clips.report(cameraId, report, found, Optional.empty(), Duration.ZERO);
        })
        .thenCompose(outcome -> refused(cameraId, outcome, source, start));
  }

  /** A report the camera refused is dead-lettered with the reason (nothing of it but its source to keep). */
  private CompletionStage<Done> refused(String cameraId, DeviceAnswer outcome, String source, Instant start) {
    DeadLetter letter;
    if (outcome instanceof DeviceAnswer.Refused refused) {
      letter = new DeadLetter(cameraId, DeadLetter.Reason.of(refused.rejection()), refused.rejection().detail(), source,
          new byte[0], start);
    } else if (outcome instanceof DeviceAnswer.Failing failing) {
      letter = new DeadLetter(cameraId, DeadLetter.Reason.ENTITY_FAILED, failing.detail(), source, new byte[0], start);
    } else {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return deadLetters.send(letter).thenApply(sent -> Done.getInstance());
  }

  private static void deleteQuietly(Clip clip) {
    try {
      Files.deleteIfExists(clip.file());
    } catch (IOException e) {
      log.warn("could not delete encoded clip {}", clip.file(), e);
    }
  }
}
