package io.fleet.ingest;

import io.fleet.device.Device;
import io.fleet.media.ClipStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches for clips that a motion event named but that were not in the bucket yet — a device uploading
 * straight to S3 with a presigned URL, slower than its event. Each is HEAD-checked with growing pauses
 * (1 s doubling to 30 s) for as long as the caller says; when it appears, its device hears that it is
 * stored, so the alert that went out without it gets an update with {@code clip_verified: true}.
 *
 * <p>Holds the watches in memory only, at most {@code maxWatched} at once (more are logged and not
 * watched): after a node crash a clip still missing is not looked for again and its alert stays
 * unverified. Nothing is lost from the journal; a later event naming the clip checks it again.
 */
final class LateClips {
  private static final Logger log = LoggerFactory.getLogger(LateClips.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final ActorSystem<?> system;
  private final ClipStore clips;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final int maxWatched;
  private final AtomicInteger watched = new AtomicInteger();

  LateClips(ActorSystem<?> system, ClipStore clips, Duration askTimeout, int maxWatched) {
    this.system = system;
    this.clips = clips;
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = askTimeout;
    this.maxWatched = maxWatched;
  }

  void watch(String deviceId, String clipId, String key, Duration patience) {
    if (watched.incrementAndGet() > maxWatched) {
      watched.decrementAndGet();
      log.warn("not watching for late clip {} of {}: {} clips are watched already", clipId, deviceId, maxWatched);
      return;
    }
    look(deviceId, clipId, key, Instant.now(), Instant.now().plus(patience), FIRST_PAUSE);
  }

  private void look(String deviceId, String clipId, String key, Instant since, Instant giveUpAt, Duration pause) {
    system.scheduler().scheduleOnce(pause, () -> clips.check(clipId, key, -1, Duration.ZERO).whenComplete((found, error) -> {
      if (error == null && found.isPresent()) {
        watched.decrementAndGet();
        Patterns.retry(() -> sharding.entityRefFor(Device.TYPE_KEY, deviceId)
                .<org.apache.pekko.pattern.StatusReply<org.apache.pekko.Done>>ask(r -> new Device.StoreClip(found.get(), r), askTimeout),
            10, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, system)
            .whenCompleteAsync((reply, failed) -> {
              if (failed != null) log.warn("device {} did not hear of its late clip {}", deviceId, clipId, failed);
              else log.info("late clip {} of {} arrived", clipId, deviceId);
            }, system.executionContext());
      } else if (Instant.now().plus(pause).isBefore(giveUpAt)) {
        Duration next = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        look(deviceId, clipId, key, since, giveUpAt, next);
      } else {
        watched.decrementAndGet();
        log.info("clip {} of {} did not arrive within {}; its alert stays without it", clipId, deviceId,
            Duration.between(since, giveUpAt));
      }
    }), system.executionContext());
  }
}
