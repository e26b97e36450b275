package io.fleet.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Live alerts for one subscriber, read straight from Kafka's {@code fleet.alerts} (every node sees every
 * alert, whichever node raised it). Each subscriber gets its own partition assignment, no consumer
 * group: a slow subscriber reads at its own pace from the log — backpressure reaches only its own reader,
 * never the pipeline or other subscribers — and a subscriber that reconnects with the last position it
 * received continues right after it. Alerts of one device stay in order (one partition per device).
 * Uses the node's Kafka admin client (for the end offsets a new subscriber starts at); no state of its own.
 */
public final class AlertFeed {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final String topic;
  private final ConsumerSettings<String, byte[]> settings;
  private final Admin admin;

  /** One alert for a subscriber: its JSON and the position right after it. */
  public record Entry(String json, JsonNode alert, FeedPosition position) {}

  /** {@code admin} is the node's shared Kafka admin client; its owner closes it. */
  public AlertFeed(ActorSystem<?> system, Admin admin, String bootstrap, String topic) {
    this.system = system;
    this.topic = topic;
    this.settings = ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
        .withBootstrapServers(bootstrap)
        .withProperty("enable.auto.commit", "false");
    this.admin = admin;
  }

  /** Where a new subscriber starts: after everything already in the topic. */
  public CompletionStage<FeedPosition> end() {
    return admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage()
        .thenCompose(topics -> {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          topics.get(topic).partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
          return admin.listOffsets(latest).all().toCompletionStage();
        })
        .thenApply(ends -> {
          Map<Integer, Long> next = new HashMap<>();
          ends.forEach((tp, info) -> next.put(tp.partition(), info.offset()));
          return new FeedPosition(next);
        });
  }

  /**
   * The alerts after {@code from} that pass {@code filter}, live, for as long as the subscriber reads.
   * Records that are not JSON objects are skipped (the position still moves past them).
   */
  public Source<Entry, NotUsed> from(FeedPosition from, Predicate<JsonNode> filter) {
    Map<TopicPartition, Long> offsets = from.offsets(topic);
    return Consumer.plainSource(settings, Subscriptions.assignmentWithOffset(offsets))
        .mapMaterializedValue(control -> NotUsed.getInstance())
        .scan(Optional.<Entry>empty(), (previous, record) -> {
          FeedPosition at = previous.map(Entry::position).orElse(from).after(record.partition(), record.offset());
          return Optional.of(new Entry(new String(record.value(), StandardCharsets.UTF_8), parse(record.value()), at));
        })
        .mapConcat(entry -> entry.filter(e -> e.alert() != null && filter.test(e.alert())).map(List::of).orElse(List.of()));
  }

  private static JsonNode parse(byte[] value) {
    try {
      JsonNode node = JSON.readTree(value);
      return node != null && node.isObject() ? node : null;
    } catch (Exception notJson) {
      return null;
    }
  }

}
