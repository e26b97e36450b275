package io.fleet.ingest;

import io.fleet.device.MotionReport;
import io.fleet.infra.IngestHeaders;
import io.fleet.media.ClipGateway;
import io.fleet.media.ClipStore;
import io.fleet.metrics.FleetMetrics;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ConsumerSettings;

/**
 * Reads the seed devices' motion events from {@code ksql_motion_events} (the topic name is configurable)
 * and tells each device's entity, committing an offset only after the entity answered; malformed
 * records go to the dead letters. A {@code url} into Fleet's bucket is HEAD-checked first (S3 first,
 * through the {@link ClipGateway}): the entity hears the motion, naming the clip by its key, with the
 * clip when the check found it, so the alert says {@code clip_verified: true}; a clip not found is
 * watched for a while, and the alert goes out unverified after the clip wait. A URL outside the bucket, or
 * to a key outside the device's own prefix ({@code clips/<device>/}), is recorded as given, unverified. The
 * topic carries the device id inside the payload, so it is trusted no further than it must be: it raises
 * alerts only for registered devices (others are dead-lettered, {@code unknown-device}) unless
 * {@code fleet.kafka.seed-self-registration} lets unknown devices register themselves from their records. S3
 * errors are retried with backoff, holding the partition: the pressure shows as consumer lag. Owns no state: progress is the committed offset.
 */
public final class SeedMotionConsumer {
  /** The stream's name in health and metrics. */
  public static final String STREAM = "seed-motion-events";
  private final SupervisedConsumer consumer;

  private SeedMotionConsumer(SupervisedConsumer consumer) {
    this.consumer = consumer;
  }

  public static SeedMotionConsumer start(ActorSystem<?> system, IngestSettings settings,
      ConsumerSettings<String, byte[]> consumerSettings, DeadLetters deadLetters, ClipGateway clips, ZoneId zone) {
    RecordDelivery delivery = new RecordDelivery(system, settings, deadLetters, clips,
        // The seed topic belongs to the devices (and ksqlDB): Fleet writes nothing back to it.
        Optional.empty());
    FleetMetrics metrics = FleetMetrics.get(system);
    return new SeedMotionConsumer(SupervisedConsumer.delivering(system, STREAM,
        consumerSettings.withGroupId(settings.motionConsumerGroup()), settings.motionEventsTopic(),
        settings.deliveryParallelism(),
        record -> delivery.guarded(record, r -> deliver(r, settings, delivery, clips.store(), zone, metrics))));
  }

  private static CompletionStage<Done> deliver(ConsumerRecord<String, byte[]> record, IngestSettings settings,
      RecordDelivery delivery, ClipStore clips, ZoneId zone, FleetMetrics metrics) {
    String source = RecordDelivery.sourceOf(record);
    Instant receivedAt = IngestHeaders.receivedAt(record);
    metrics.messageIn(record.topic() + ":motion");
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    if (payload.length > settings.maxPayloadBytes()) {
      return delivery.reject(record, DeadLetter.Reason.OVERSIZED,
          payload.length + " bytes exceeds the limit of " + settings.maxPayloadBytes(), source, receivedAt);
    }
    Parsed<MotionMessages.SeedMotion> parsed = MotionMessages.seed(payload, receivedAt, zone);
    if (parsed instanceof Parsed.Rejected<MotionMessages.SeedMotion> r) {
      return delivery.reject(record, r.reason(), r.detail(), source, receivedAt);
    }
    MotionMessages.SeedMotion seed = ((Parsed.Ok<MotionMessages.SeedMotion>) parsed).value();
    Optional<String> skew = delivery.clockSkew(seed.report().eventTime(), receivedAt);
    if (skew.isPresent()) {
      return delivery.reject(record, DeadLetter.Reason.CLOCK_SKEW,
          skew.get() + " (the seed's time is read in fleet.motion.time-zone)", source, receivedAt);
    }
    // A clip in Fleet's bucket is named by its key; only one under the device's own prefix can be its clip.
    Optional<String> key = clips.keyOf(seed.report().url()).filter(k -> ClipStore.isKeyOf(seed.deviceId(), k));
    MotionReport report = key.map(k -> withClip(seed.report(), k)).orElse(seed.report());
    if (settings.seedSelfRegistration()) return delivery.motion(seed.deviceId(), report, key, record, source, receivedAt);
    return delivery.registered(seed.deviceId()).thenCompose(known -> known
        ? delivery.motion(seed.deviceId(), report, key, record, source, receivedAt)
        : delivery.reject(record, DeadLetter.Reason.UNKNOWN_DEVICE, "unknown device " + seed.deviceId()
            + ": the seed topic speaks only for registered devices (fleet.kafka.seed-self-registration is off)",
            source, receivedAt));
  }

  private static MotionReport withClip(MotionReport r, String clipId) {
    return new MotionReport(r.eventId(), r.eventTime(), r.receivedAt(), r.score(), clipId, r.url(), r.message(),
        r.type(), r.name());
  }

  /** Finishes the records on their way, commits their offsets, then stops. */
  public CompletionStage<Done> stop() {
    return consumer.stop();
  }
}
