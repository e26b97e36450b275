package io.fleet.retention;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.Patterns;

/**
 * Waits for a consumer group that writes a device's history straight from its Kafka topic (the telemetry
 * archive on {@code fleet.device-events}) to have taken in everything the device sent until now: its committed
 * offset on the device's partition (records are keyed by device id) reaches that partition's end as it is now.
 * An erase waits for it so that no record on its way is written after the device's rows were removed. Holds
 * references only.
 */
public final class ArchiveCaughtUp {
  private static final Duration POLL = Duration.ofMillis(200);

  private final ActorSystem<?> system;
  private final Admin admin;
  private final String topic;
  private final String group;

  public ArchiveCaughtUp(ActorSystem<?> system, Admin admin, String topic, String group) {
    this.system = system;
    this.admin = admin;
    this.topic = topic;
    this.group = group;
  }

  /** Completes once the group has passed what {@code deviceId} had sent when called; fails after {@code within}. */
  public CompletionStage<Done> caughtUpWith(String deviceId, Duration within) {
    return admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage()
        .thenApply(topics -> new TopicPartition(topic, partitionOf(deviceId, topics.get(topic).partitions().size())))
        .thenCompose(partition -> admin.listOffsets(Map.of(partition, OffsetSpec.latest())).all().toCompletionStage()
            .thenCompose(ends -> {
              long end = ends.get(partition).offset();
              int attempts = (int) Math.max(1, within.toMillis() / POLL.toMillis());
              return Patterns.retry(() -> committed(partition).thenApply(committed -> {
                if (committed < end) throw new IllegalStateException(group + " has not taken in what " + deviceId + " sent");
                return Done.getInstance();
              }), attempts, POLL, system.classicSystem().scheduler(), system.executionContext());
            }));
  }

  private CompletionStage<Long> committed(TopicPartition partition) {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().toCompletionStage()
        .thenApply(offsets -> {
          OffsetAndMetadata offset = offsets.get(partition);
          return offset == null ? 0L : offset.offset();
        });
  }

  /** Kafka's default partitioner for a keyed record. */
  static int partitionOf(String deviceId, int partitions) {
    return Utils.toPositive(Utils.murmur2(deviceId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
