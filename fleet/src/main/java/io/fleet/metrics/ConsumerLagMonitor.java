package io.fleet.metrics;

import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@code fleet_consumer_lag{group,topic}}: how many records of a topic the consumer group has
 * not yet committed, summed over partitions, measured from outside the consumer with Kafka's admin API
 * every few seconds. When the entity layer or S3 slows down, this is where the pressure shows.
 */
public final class ConsumerLagMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsumerLagMonitor.class);

  private final Admin admin;
  private final String group;
  private final String topic;
  private final AtomicLong lag = new AtomicLong();
  private final Cancellable schedule;

  /** {@code admin} is the node's shared Kafka admin client; its owner closes it. */
  public ConsumerLagMonitor(ActorSystem<?> system, Admin admin, String group, String topic, Duration every) {
    this.admin = admin;
    this.group = group;
    this.topic = topic;
    Gauge.builder("fleet_consumer_lag", lag, AtomicLong::get)
        .tag("group", group)
        .tag("topic", topic)
        .description("records not yet committed by the consumer group")
        .register(FleetMetrics.get(system).registry());
    this.schedule = system.scheduler().scheduleWithFixedDelay(every, every, this::measure, system.executionContext());
  }

  private void measure() {
    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().toCompletionStage()
        .thenCompose(committed -> admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage()
            .thenCompose(topics -> {
              Map<TopicPartition, OffsetSpec> latest = topics.get(topic).partitions().stream()
                  .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
              return admin.listOffsets(latest).all().toCompletionStage();
            })
            .thenApply(ends -> total(committed, ends)))
        .whenComplete((total, error) -> {
          if (error != null) log.debug("consumer lag not measured: {}", error.toString());
          else lag.set(total);
        });
  }

  private static long total(
      Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends) {
    long sum = 0;
    for (var end : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(end.getKey());
      sum += Math.max(0, end.getValue().offset() - (c == null ? 0 : c.offset()));
    }
    return sum;
  }

  public long lag() {
    return lag.get();
  }

  @Override
  public void close() {
    schedule.cancel();
  }
}
