package io.fleet.ingest;

import io.fleet.device.Device;
import io.fleet.device.DeviceShards;
import io.fleet.infra.IngestHeaders;
import io.fleet.infra.IngestProgress;
import io.fleet.media.ClipCheckRequeue;
import io.fleet.media.ClipGateway;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.AutoSubscription;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.Subscriptions;

/**
 * Delivers each record of {@code fleet.device-events} to its device's sharded {@link Device} entity
 * and commits the offset only after the entity answered (having persisted what mattered) or the
 * record was dead-lettered. A slow or failing entity layer is retried with backoff and never skipped,
 * so the pressure reaches Kafka (consumer lag), not memory; an entity that fails on one record while
 * answering others is given up on after {@code fleet.kafka.entity-attempts} ({@code DeviceAsks}). No
 * record stops the stream: what fails in Fleet is dead-lettered, and a stream failure restarts it
 * ({@link SupervisedConsumer}). Delivery is at least once; entities ignore
 * redelivered heartbeats by their timestamp and redelivered motion events by their event id. A newly assigned
 * partition's recent heartbeats are handed back to their entities ({@link VitalsCatchUp}), in case the node that
 * handled them died before journaling them. Owns no state: progress is the committed offset.
 */
public final class DeviceEventConsumer {
  /** The stream's name in health and metrics. */
  public static final String STREAM = "device-events";
  private final SupervisedConsumer consumer;
  private final ClipCheckRequeue requeue;
  private final VitalsCatchUp catchUp;

  private DeviceEventConsumer(SupervisedConsumer consumer, ClipCheckRequeue requeue, VitalsCatchUp catchUp) {
    this.consumer = consumer;
    this.requeue = requeue;
    this.catchUp = catchUp;
  }

  public static DeviceEventConsumer start(
      ActorSystem<?> system,
      IngestSettings settings,
      ConsumerSettings<String, byte[]> consumerSettings,
      ProducerSettings<String, byte[]> producerSettings,
      DeadLetters deadLetters,
      ClipGateway clips,
      DeviceShards shards) {
    ClipCheckRequeue requeue = new ClipCheckRequeue(system, producerSettings);
    RecordDelivery delivery = new RecordDelivery(system, settings, deadLetters, clips, Optional.of(requeue));
    ConsumerSettings<String, byte[]> group = consumerSettings.withGroupId(settings.consumerGroup());
    IngestProgress progress = IngestProgress.get(system);
    VitalsCatchUp catchUp = new VitalsCatchUp(settings.vitalsCatchUp(), group, delivery, progress, Clock.systemUTC());
    AutoSubscription subscription = Subscriptions.topics(settings.deviceEventsTopic())
        .withPartitionAssignmentHandler(new ShardsFollowPartitions(system, Device.TYPE_KEY.name(), shards, catchUp));
    return new DeviceEventConsumer(SupervisedConsumer.start(system, STREAM, group, subscription, source -> source
            .map(msg -> new Read(msg, Tick.of(msg.record())))
            .mapAsync(settings.deliveryParallelism(), read -> read.tick().isPresent()
                ? CompletableFuture.completedFuture(read)
                : delivery.deliver(read.msg().record()).thenApply(done -> read))
            // In order: a tick counts as heard once every record before it on its partition was delivered.
            .map(read -> {
              read.tick().filter(tick -> tick.broker() >= 0)
                  .ifPresent(tick -> progress.heard(read.msg().record().partition(), tick.broker(), tick.at()));
              return (ConsumerMessage.Committable) read.msg().committableOffset();
            })), requeue, catchUp);
  }

  /** A record as read, and the tick it is, if it is one (recognised once). */
  private record Read(ConsumerMessage.CommittableMessage<String, byte[]> msg, Optional<Tick> tick) {}

  /** A tick of a broker's ingress bridge on the topic ({@link IngressBridge#TICKS}): which broker's, and when. */
  record Tick(int broker, Instant at) {
    static Optional<Tick> of(ConsumerRecord<String, byte[]> record) {
      if (!IngressBridge.TICK_KEY.equals(record.key())
          || !IngestHeaders.get(record.headers(), IngestHeaders.KIND).orElse("").equals(IngressBridge.TICK_KIND)) {
        return Optional.empty();
      }
      try {
        int broker = Integer.parseInt(IngestHeaders.get(record.headers(), IngestHeaders.BROKER).orElse("0"));
        long millis = Long.parseLong(new String(record.value(), StandardCharsets.US_ASCII).trim());
        return Optional.of(new Tick(broker, Instant.ofEpochMilli(millis)));
      } catch (NumberFormatException e) {
        // Not one of ours after all: skipped all the same (it is no device's record), and says nothing of progress.
        return Optional.of(new Tick(-1, Instant.EPOCH));
      }
    }
  }

  /** Finishes the records on their way, commits their offsets, then stops. */
  public CompletionStage<Done> stop() {
    catchUp.close();
    return consumer.stop().thenCompose(done -> requeue.close().thenApply(closed -> done));
  }
}
