package io.fleet.ingest;

import io.fleet.agent.clip.Clip;
import io.fleet.device.Device;
import io.fleet.device.DeviceType;
import io.fleet.device.StoredClip;
import io.fleet.device.MotionReport;
import io.fleet.frames.ClipDelivery;
import io.fleet.media.ClipStore;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * is uploaded to Fleet's bucket under {@code clips/<camera>/<day>/<time>Z-frames-<first frame ms>-<camera id hash>} (time
 * of the motion event's start), and only then does the camera's entity hear the motion report naming it
 * (event id {@code frames-<event start ms>}, deterministic, so a clip cut again after a crash is the same
 * event to the entity), after the HEAD check and the news that the clip is stored — one alert per
 * episode, its clip verified. An S3 failure is retried with backoff for as long as it takes: the clip's frames stay
 * uncommitted meanwhile. Holds no state; the encoded file is deleted once delivered.
 */
public final class CameraClips implements ClipDelivery {
  private static final Logger log = LoggerFactory.getLogger(CameraClips.class);
  private static final Duration CHECK_PATIENCE = Duration.ofMinutes(10);

  private final ActorSystem<?> system;
  private final ClipStore clips;
  private final DeviceEventConsumer.Delivery delivery;
  private final String framesTopic;

  public CameraClips(ActorSystem<?> system, IngestSettings settings, DeadLetters deadLetters, ClipStore clips,
      String framesTopic) {
    this.system = system;
    this.clips = clips;
    // Frames' clips are checked here before the device hears of them: no motion report to put back.
    this.delivery = new DeviceEventConsumer.Delivery(system, settings, deadLetters, clips, java.util.Optional.empty());
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
    ConsumerRecord<String, byte[]> about = new ConsumerRecord<>(framesTopic, -1, -1, cameraId, new byte[0]);
    long size;
    try {
      size = Files.size(clip.file());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Patterns.retry(
            () -> FileIO.fromPath(clip.file())
                .runWith(clips.upload(key, ContentTypes.create(MediaTypes.VIDEO_MP4)), system),
            Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, system)
        // On the actor dispatcher: a callback on the converted Scala future would start a thread of its own.
        .thenComposeAsync(uploaded -> clips.check(clipId, key, size, CHECK_PATIENCE), system.executionContext())
        .thenCompose(found -> {
          if (found.isEmpty()) {
            log.warn("clip {} of camera {} not found in the bucket right after its upload", clipId, cameraId);
            return delivery.ask(cameraId, r -> new Device.RecordMotion(report, r), about, source, start);
          }
          return tell(cameraId, found.get(), report, about, source, start);
        });
  }

  /**
   * The stored clip first, then the report that names it: the alert goes out at once, verified, however
   * long ago the event began. A camera the fleet does not know yet is registered by its report (unless
   * auto-registration is off: then the report is dead-lettered), and its clip is attached after it.
   */
  private CompletionStage<Done> tell(String cameraId, StoredClip stored, MotionReport report,
      ConsumerRecord<String, byte[]> about, String source, Instant start) {
    return delivery.reply(cameraId, r -> new Device.StoreClip(stored, r)).thenCompose(reply -> {
      CompletionStage<Done> motion = delivery.ask(cameraId, r -> new Device.RecordMotion(report, r), about, source, start);
      if (reply.isSuccess()) return motion;
      return motion.thenCompose(done -> delivery.ask(cameraId, r -> new Device.StoreClip(stored, r), about, source, start));
    });
  }

  private static void deleteQuietly(Clip clip) {
    try {
      Files.deleteIfExists(clip.file());
    } catch (IOException e) {
      log.warn("could not delete encoded clip {}", clip.file(), e);
    }
  }
}
