package io.fleet.api;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reading a Kafka topic from its start in tests, as a consumer group of its own. */
final class TestKafka {
  private TestKafka() {}

  /** A consumer in a fresh group that starts at the earliest offset, for records up to 8 MB. */
  static KafkaConsumer<String, byte[]> fromStart(String bootstrap, String groupPrefix) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + "-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** The topic's records that match, in the order read, once at least {@code count} did (within 30 s). */
  static List<ConsumerRecord<String, byte[]>> awaitRecords(String bootstrap, String topic,
      Predicate<ConsumerRecord<String, byte[]>> matching, int count) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = fromStart(bootstrap, "it-" + topic)) {
      consumer.subscribe(List.of(topic));
      await(count + " records on " + topic).atMost(Duration.ofSeconds(30)).until(() -> {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (matching.test(r)) out.add(r);
        }
        return out.size() >= count;
      });
    }
    return out;
  }
}
