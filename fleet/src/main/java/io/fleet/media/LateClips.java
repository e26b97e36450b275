package io.fleet.media;

import io.fleet.device.StoredClip;
import io.fleet.metrics.FleetMetrics;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches for clips that a motion event named but that were not in the bucket yet — a device uploading
 * straight to S3 with a presigned URL, slower than its event. Each is HEAD-checked with growing pauses
 * (1 s doubling to 30 s) for as long as the caller says; when it appears, its device hears that it is
 * stored ({@code found}, the {@link ClipGateway}), so the alert that went out without it gets an update with
 * {@code clip_verified: true}.
 *
 * <p>Holds the watches in memory only, at most {@code maxWatched} at once and {@code perDevice} of one
 * device (more are logged, counted in {@code fleet_late_clips_refused_total} and not watched: a device
 * naming made-up clip ids cannot take every other device's watches), each clip once: after a node crash a clip still
 * missing is not looked for again and its alert stays
 * unverified. Nothing is lost from the journal; a later event naming the clip checks it again.
 */
final class LateClips {
  private static final Logger log = LoggerFactory.getLogger(LateClips.class);
  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final ActorSystem<?> system;
  private final ClipStore clips;
  private final BiFunction<String, StoredClip, CompletionStage<?>> found;
  private final int maxWatched;
  private final int perDevice;
  private final AtomicInteger watched = new AtomicInteger();
  private final Map<String, Set<String>> byDevice = new ConcurrentHashMap<>();
  private final Counter refused;

  LateClips(ActorSystem<?> system, ClipStore clips, BiFunction<String, StoredClip, CompletionStage<?>> found,
      int maxWatched, int perDevice) {
    this.system = system;
    this.clips = clips;
    this.found = found;
    this.maxWatched = maxWatched;
    this.perDevice = perDevice;
    this.refused = Counter.builder("fleet_late_clips_refused").register(FleetMetrics.get(system).registry());
  }

  void watch(String deviceId, String clipId, String key, Duration patience) {
    AtomicReference<Watch> outcome = new AtomicReference<>();
    // Atomic per device: its set of watched clips, never empty (a device with none has no entry).
    byDevice.compute(deviceId, (id, watching) -> {
      Set<String> set = watching == null ? new HashSet<>() : watching;
      outcome.set(set.contains(clipId) ? Watch.ALREADY
          : set.size() >= perDevice || watched.get() >= maxWatched ? Watch.REFUSED : Watch.STARTED);
      if (outcome.get() == Watch.STARTED) {
        set.add(clipId);
        watched.incrementAndGet();
      }
      return set.isEmpty() ? null : set;
    });
    if (outcome.get() == Watch.REFUSED) {
      refused.increment();
      log.warn("not watching for late clip {} of {}: {} of its clips or {} in all are watched already", clipId, deviceId,
          perDevice, maxWatched);
    } else if (outcome.get() == Watch.STARTED) {
      look(deviceId, clipId, key, Instant.now(), Instant.now().plus(patience), FIRST_PAUSE);
    }
  }

  private enum Watch { STARTED, ALREADY, REFUSED }

  private void done(String deviceId, String clipId) {
    watched.decrementAndGet();
    byDevice.computeIfPresent(deviceId, (id, set) -> {
      set.remove(clipId);
      return set.isEmpty() ? null : set;
    });
  }

  private void look(String deviceId, String clipId, String key, Instant since, Instant giveUpAt, Duration pause) {
    system.scheduler().scheduleOnce(pause, () -> clips.check(clipId, key, -1, Duration.ZERO).whenComplete((found, error) -> {
      if (error == null && found.isPresent()) {
        done(deviceId, clipId);
        this.found.apply(deviceId, found.get()).whenCompleteAsync((told, failed) -> {
          if (failed != null) log.warn("device {} did not hear of its late clip {}", deviceId, clipId, failed);
          else log.info("late clip {} of {} arrived", clipId, deviceId);
        }, system.executionContext());
      } else if (Instant.now().plus(pause).isBefore(giveUpAt)) {
        Duration next = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        look(deviceId, clipId, key, since, giveUpAt, next);
      } else {
        done(deviceId, clipId);
        log.info("clip {} of {} did not arrive within {}; its alert stays without it", clipId, deviceId,
            Duration.between(since, giveUpAt));
      }
    }), system.executionContext());
  }
}
