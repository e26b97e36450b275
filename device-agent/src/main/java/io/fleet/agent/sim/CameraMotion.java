package io.fleet.agent.sim;

import io.fleet.agent.edge.ClipUpload;
import io.fleet.protocol.Topics;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated camera's motion episodes, S3 first as a real camera: at random times (exponential gaps around the
 * fleet's mean) it uploads its clip through a presigned URL ({@link ClipUpload}) and only once S3 has it publishes
 * the motion event naming the clip on {@code fleet/{id}/motion}. An episode whose upload fails publishes nothing
 * (counted) and the camera tries again at its next episode. One episode at a time. Keeps its counters and the
 * events the broker acknowledged (the ground truth) in memory; nothing survives the JVM.
 */
final class CameraMotion {
  private static final Logger log = LoggerFactory.getLogger(CameraMotion.class);

  private final String deviceId;
  private final CameraMotionPlan plan;
  private final ClipUpload upload;
  private final SplittableRandom random;
  private final String topic;
  private final AtomicLong episodes = new AtomicLong();
  private final AtomicLong uploaded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final ConcurrentLinkedQueue<MotionEventSent> sent = new ConcurrentLinkedQueue<>();
  private volatile boolean busy;
  private final Duration firstAfter;
  /** Null until the camera was first heard. */
  private Instant nextAt;
  private volatile String lastFailure;

  /**
   * {@code firstAfter}: how long after the camera was first heard ({@link #maybeStart}'s first call) its first
   * episode may come, so that Fleet has registered it from its heartbeat.
   */
  CameraMotion(String deviceId, String password, CameraMotionPlan plan, long seed, Duration firstAfter) {
    this.deviceId = deviceId;
    this.plan = plan;
    this.upload = plan.uploadFor(deviceId, password);
    this.random = new SplittableRandom(seed);
    this.topic = Topics.motion(deviceId);
    this.firstAfter = firstAfter;
  }

  /**
   * Starts an episode if one is due and none is under way: uploads the clip, then publishes the event with
   * {@code publish} (topic, payload → completes on PUBACK). Called from the device's beat once a heartbeat of
   * the camera was acknowledged.
   */
  synchronized void maybeStart(Instant now, BiFunction<String, byte[], CompletableFuture<Void>> publish) {
    if (nextAt == null) {
      nextAt = now.plus(firstAfter).plus(gap());
    }
    if (busy || now.isBefore(nextAt) || !plan.tryStartUpload()) {
      return;
    }
    busy = true;
    nextAt = now.plus(gap());
    long n = episodes.incrementAndGet();
    String eventId = deviceId + "-m" + n + "-" + now.toEpochMilli();
    double score = Math.round(random.nextDouble(0.05, 0.9) * 1000) / 1000.0;
    upload.uploadAsync(HttpRequest.BodyPublishers.ofByteArray(plan.clip()))
        .whenComplete((stored, error) -> plan.uploadDone())
        .thenApply(ClipUpload.Stored::clipId)
        .thenCompose(clipId -> {
          uploaded.incrementAndGet();
          String json = String.format(Locale.ROOT, "{\"event_id\":\"%s\",\"ts\":\"%s\",\"score\":%s,\"clip_id\":\"%s\"}",
              eventId, now, score, clipId);
          return publish.apply(topic, json.getBytes(StandardCharsets.UTF_8))
              .thenRun(() -> {
                sent.add(new MotionEventSent(deviceId, eventId, clipId, now));
                acked.incrementAndGet();
              });
        })
        .whenComplete((done, error) -> {
          if (error != null) {
            failed.incrementAndGet();
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
            lastFailure = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            log.debug("{}: motion episode {} failed: {}", deviceId, eventId, error.toString());
          }
          busy = false;
        });
  }

  /** Exponential around the mean, at least a second. */
  private Duration gap() {
    double millis = -Math.log(1 - random.nextDouble()) * plan.meanGap().toMillis();
    return Duration.ofMillis(Math.max(1000, (long) millis));
  }

  long episodes() {
    return episodes.get();
  }

  long clipsUploaded() {
    return uploaded.get();
  }

  long failed() {
    return failed.get();
  }

  /** Why the latest failed episode failed; null if none did. */
  String lastFailure() {
    return lastFailure;
  }

  long acked() {
    return acked.get();
  }

  List<MotionEventSent> sent() {
    return List.copyOf(sent);
  }
}
