package io.fleet.frames;

import io.fleet.ingest.DeadLetter;
import io.fleet.vision.clip.ClipEncoder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.kafka.ConsumerMessage.CommittableMessage;
import org.apache.pekko.kafka.ConsumerMessage.CommittableOffset;

/**
 * The node's {@link CameraLane}s, one per camera seen, and the three steps every frame record takes
 * through them: {@link #admit} (headers and size checked; a camera with {@code buffer} frames already
 * on their way holds this one, and the consumer with it, until one is done), {@link #look} (on the detector threads,
 * one frame of a camera at a
 * time — the stream runs them partitioned by camera) and {@link #committable} (the offsets that may be
 * committed now: those below the oldest frame any camera of the partition still holds for a clip).
 *
 * <p>Owns the lanes (a camera silent for {@code idle-after} loses its lane, see {@link #forgetIdle}), how
 * many frames wait per camera and, per Kafka partition, the offsets looked at but not yet committed. All in memory:
 * after a crash Kafka redelivers from the last commit.
 */
final class CameraLanes {
  /** A record on its way: its stamp, or why it is refused. */
  record Admitted(CommittableMessage<String, byte[]> message, FrameHeaders.Stamp stamp, DeadLetter.Reason refused,
      String detail) {
    ConsumerRecord<String, byte[]> record() {
      return message.record();
    }

    /** Frames of one camera go through the detector one at a time, in order; refused ones need no order. */
    String camera() {
      return stamp == null ? "" : stamp.cameraId();
    }
  }

  /** A record after its look, with what became of it. */
  record Done(Admitted admitted, CameraLane.Outcome outcome) {}

  private record Pending(long offset, CommittableOffset committable) {}

  private static final Duration SWEEP_EVERY = Duration.ofSeconds(10);

  private final FrameSettings settings;
  private final MeterRegistry registry;
  private final ClipEncoder encoder;
  private final ExecutorService detecting;
  private final ExecutorService encoding;
  private final ClipDelivery delivery;
  private final FrameStamps stamps;
  private final Map<String, CameraLane> lanes = new ConcurrentHashMap<>();
  private final Map<String, FrameSlots> waiting = new ConcurrentHashMap<>();
  private final Map<Integer, Set<CameraLane>> lanesByPartition = new ConcurrentHashMap<>();
  private final Map<Integer, ArrayDeque<Pending>> uncommitted = new ConcurrentHashMap<>();
  private long lastSweepNanos = System.nanoTime();
  private final Function<String, CompletionStage<Boolean>> registered;
  private static final Duration RECHECK_EVERY = Duration.ofMinutes(1);

  CameraLanes(FrameSettings settings, MeterRegistry registry, ClipEncoder encoder, ExecutorService detecting,
      ExecutorService encoding, ClipDelivery delivery, Function<String, CompletionStage<Boolean>> registered,
      FrameStamps stamps) {
    this.registered = registered;
    this.stamps = stamps;
    this.settings = settings;
    this.registry = registry;
    this.encoder = encoder;
    this.detecting = detecting;
    this.encoding = encoding;
    this.delivery = delivery;
  }

  /** Completes once the frame may go on: at once when refused, else when its camera has a free slot. */
  CompletionStage<Admitted> admit(CommittableMessage<String, byte[]> message) {
    long now = System.nanoTime();
    if (now - lastSweepNanos >= SWEEP_EVERY.toNanos()) {
      lastSweepNanos = now;
      forgetIdle(now);
    }
    ConsumerRecord<String, byte[]> record = message.record();
    FrameHeaders.Stamp stamp;
    try {
      stamp = stamps.read(record);
    } catch (FrameHeaders.Invalid e) {
      return CompletableFuture.completedFuture(
          new Admitted(message, null, DeadLetter.Reason.INVALID_MESSAGE, "camera frame: " + e.getMessage()));
    }
    int size = record.value() == null ? 0 : record.value().length;
    if (size > settings.maxFrameBytes()) {
      return CompletableFuture.completedFuture(new Admitted(message, null, DeadLetter.Reason.OVERSIZED,
          "camera frame of " + size + " bytes exceeds the limit of " + settings.maxFrameBytes()));
    }
    Admitted admitted = new Admitted(message, stamp, null, null);
    return waiting.computeIfAbsent(stamp.cameraId(), c -> new FrameSlots(settings.buffer())).take()
        .thenApply(slot -> admitted);
  }

  /** Runs on the detector threads; never fails (a bad frame is an outcome). */
  CompletionStage<Done> look(Admitted admitted) {
    if (admitted.refused() != null) {
      return CompletableFuture.completedFuture(new Done(admitted, new CameraLane.Malformed(admitted.detail())));
    }
    CameraLane lane = lane(admitted.stamp().cameraId(), admitted.record().partition());
    return CompletableFuture.supplyAsync(() -> {
      try {
        byte[] jpeg = admitted.record().value() == null ? new byte[0] : admitted.record().value();
        return new Done(admitted, lane.look(admitted.stamp(), admitted.record().offset(), jpeg));
      } catch (RuntimeException e) {
        // Never the stream's end: whatever a frame does to the detector, it is dead-lettered with the reason.
        return new Done(admitted, new CameraLane.Malformed("camera frame could not be looked at: " + e));
      } finally {
        waiting.get(admitted.stamp().cameraId()).give();
      }
    }, detecting);
  }

  /**
   * The offset to commit after {@code done}, if any: the last one of its partition below the oldest frame
   * a camera there still holds. Called by one stream stage, in offset order per partition.
   */
  List<CommittableOffset> committable(Done done) {
    ConsumerRecord<String, byte[]> record = done.admitted().record();
    ArrayDeque<Pending> pending = uncommitted.computeIfAbsent(record.partition(), p -> new ArrayDeque<>());
    pending.addLast(new Pending(record.offset(), done.admitted().message().committableOffset()));
    long safe = Long.MAX_VALUE;
    for (CameraLane lane : lanesByPartition.getOrDefault(record.partition(), Set.of())) {
      safe = Math.min(safe, lane.oldestHeld());
    }
    Pending last = null;
    while (!pending.isEmpty() && pending.peekFirst().offset() < safe) last = pending.removeFirst();
    return last == null ? List.of() : List.of(last.committable());
  }

  /**
   * Cameras silent for {@code idle-after} with no frame on its way (only {@link #admit}, on this thread, takes
   * slots): their clip under way is finished and delivered, and once it is, the lane is dropped
   * with its detector and pre-capture frames. A camera that comes back gets a new lane.
   */
  private void forgetIdle(long now) {
    for (Map.Entry<String, CameraLane> entry : lanes.entrySet()) {
      CameraLane lane = entry.getValue();
      FrameSlots slots = waiting.get(entry.getKey());
      if ((slots == null || slots.idle()) && lane.idle(now, settings.idleAfter()) && lane.release()) {
        lanes.remove(entry.getKey());
        waiting.remove(entry.getKey());
        FrameMetrics.forget(registry, entry.getKey());
        lanesByPartition.values().forEach(set -> set.remove(lane));
      }
    }
  }

  private CameraLane lane(String cameraId, int partition) {
    CameraLane known = lanes.get(cameraId);
    if (known != null) {
      // A camera that registered itself by its first clip gets its meters on a later look.
      if (!known.metrics().published() && System.nanoTime() - known.lastRegistrationCheck() > RECHECK_EVERY.toNanos()) {
        checkRegistration(cameraId, known);
      }
      return known;
    }
    CameraLane created = new CameraLane(cameraId, settings, encoder, encoding, delivery, FrameMetrics.pending(cameraId));
    CameraLane lane = lanes.putIfAbsent(cameraId, created);
    if (lane != null) return lane;
    lanesByPartition.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet()).add(created);
    // Only once the lane is in the map: an answer faster than that would find no lane to give meters to.
    checkRegistration(cameraId, created);
    return created;
  }

  /** Per-camera meters only for registered cameras: made-up camera ids must not grow {@code /metrics}. */
  private void checkRegistration(String cameraId, CameraLane lane) {
    lane.registrationChecked(System.nanoTime());
    registered.apply(cameraId).whenComplete((yes, failure) -> {
      if (Boolean.TRUE.equals(yes) && lanes.get(cameraId) == lane) lane.metrics().publish(registry);
    });
  }
}
