package io.fleet.frames;

import io.fleet.device.DeviceAsks;
import io.fleet.ingest.DeadLetter;
import io.fleet.ingest.DeadLetters;
import io.fleet.ingest.SupervisedConsumer;
import io.fleet.metrics.FleetMetrics;
import io.fleet.vision.clip.Mp4ClipEncoder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;

/**
 * Reads the JPEG frames cameras without local detection stream to {@code fleet.frames} (keyed by camera,
 * headers in {@link FrameHeaders}) and runs the edge agent's detector and clip recorder on them, one
 * {@link CameraLane} per camera; finished clips go to the {@link ClipDelivery} (S3 first, then the
 * device's motion report). Frames of one camera are looked at one at a time and in order, cameras in
 * parallel on {@code detector-threads}; at most {@code buffer} frames of a camera and {@code parallelism}
 * in all are on their way, so a slow node or a camera with a backlog backpressures Kafka (consumer lag)
 * instead of filling memory. Frames without the headers, too large or
 * not a JPEG go to the dead letters. An offset is committed only once every frame up to it is done with:
 * looked at, and — for frames a clip is cut from — that clip stored and reported. Owns the lanes and the
 * detector and encoder threads; everything else restarts from the committed offsets.
 */
public final class FrameConsumer {
  /** The stream's name in health and metrics. */
  public static final String STREAM = "frames";
  /** The seed topic's stream. */
  public static final String SEED_STREAM = "seed-frames";
  private final SupervisedConsumer consumer;
  private final ExecutorService detecting;
  private final ExecutorService encoding;

  private FrameConsumer(SupervisedConsumer consumer, ExecutorService detecting, ExecutorService encoding) {
    this.consumer = consumer;
    this.detecting = detecting;
    this.encoding = encoding;
  }

  /** Fleet's own frames topic ({@code fleet.frames.topic}): key and headers say the camera ({@link FrameHeaders}). */
  public static FrameConsumer start(ActorSystem<?> system, FrameSettings settings,
      ConsumerSettings<String, byte[]> consumerSettings, DeadLetters deadLetters, ClipDelivery delivery) {
    return start(system, settings, STREAM, settings.topic(), settings.consumerGroup(), FrameStamps.HEADERS,
        consumerSettings, deadLetters, delivery);
  }

  /** Seed 003's topic ({@code fleet.frames.seed}): bare JPEGs, one partition per camera ({@link SeedFrames}). */
  public static FrameConsumer startSeed(ActorSystem<?> system, FrameSettings settings,
      ConsumerSettings<String, byte[]> consumerSettings, DeadLetters deadLetters, ClipDelivery delivery) {
    FrameSettings.Seed seed = settings.seed();
    return start(system, settings, SEED_STREAM, seed.topic(), seed.consumerGroup(),
        new SeedFrames(seed.partitionCameras()), consumerSettings, deadLetters, delivery);
  }

  private static FrameConsumer start(ActorSystem<?> system, FrameSettings settings, String stream, String topic,
      String group, FrameStamps stamps, ConsumerSettings<String, byte[]> consumerSettings, DeadLetters deadLetters,
      ClipDelivery delivery) {
    ExecutorService detecting = Executors.newFixedThreadPool(settings.detectorThreads(), threads("fleet-frame-detector"));
    ExecutorService encoding = Executors.newFixedThreadPool(settings.encoderThreads(), threads("fleet-frame-encoder"));
    FleetMetrics metrics = FleetMetrics.get(system);
    DeviceAsks cameras = DeviceAsks.once(system, Duration.ofSeconds(5));
    SupervisedConsumer consumer = SupervisedConsumer.start(system, stream, consumerSettings.withGroupId(group), topic,
        source -> {
          // Lanes of their own at each (re)start: the frames they held are read again from the committed offsets.
          CameraLanes lanes = new CameraLanes(settings, metrics.registry(), new Mp4ClipEncoder(), detecting, encoding, delivery,
              camera -> registered(cameras, camera), stamps);
          return source
              .mapAsync(1, message -> {
                metrics.messageIn(topic + ":frame");
                return lanes.admit(message);
              })
              .mapAsyncPartitioned(settings.parallelism(), CameraLanes.Admitted::camera, (admitted, camera) -> lanes.look(admitted))
              .mapAsync(settings.parallelism(), done -> deadLetterIfMalformed(done, deadLetters))
              .mapConcat(done -> List.<ConsumerMessage.Committable>copyOf(lanes.committable(done)));
        });
    return new FrameConsumer(consumer, detecting, encoding);
  }

  private static CompletionStage<CameraLanes.Done> deadLetterIfMalformed(CameraLanes.Done done, DeadLetters deadLetters) {
    if (!(done.outcome() instanceof CameraLane.Malformed malformed)) return CompletableFuture.completedFuture(done);
    ConsumerRecord<String, byte[]> record = done.admitted().record();
    DeadLetter.Reason reason = done.admitted().refused() != null ? done.admitted().refused() : DeadLetter.Reason.MALFORMED_FRAME;
    String source = "kafka:" + record.topic() + "/" + record.partition() + "/" + record.offset();
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    return deadLetters.send(new DeadLetter(record.key(), reason, malformed.detail(), source, payload,
            Instant.ofEpochMilli(record.timestamp())))
        .thenApply(sent -> done);
  }

  /** Whether the camera is a registered device; false when unknown or not answering. */
  private static CompletionStage<Boolean> registered(DeviceAsks cameras, String camera) {
    return cameras.registered(camera).exceptionally(failure -> false);
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Finishes the frames on their way, commits what may be committed, then stops the threads. */
  public CompletionStage<Done> stop() {
    return consumer.stop().whenComplete((done, failed) -> {
      detecting.shutdown();
      encoding.shutdown();
    });
  }
}
