package io.fleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test access to Kafka for the motion pipeline: reads {@code fleet.alerts} from the beginning (each
 * record with the time the test saw it) and produces records to any topic, e.g. the seed's.
 */
final class AlertsTopic implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final List<Seen> seen = new ArrayList<>();

  /** An alert record and when this test polled it (System.nanoTime). */
  record Seen(String key, JsonNode alert, long polledAtNanos) {}

  AlertsTopic(String bootstrap, String alertsTopic) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "it-alerts-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(alertsTopic));
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  void produce(String topic, String key, String value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8))).get();
  }

  /** Polls once and returns every alert seen so far for {@code deviceId}. */
  synchronized List<Seen> of(String deviceId) {
    return all().stream().filter(s -> deviceId.equals(s.key())).toList();
  }

  /** Polls once and returns every alert seen so far. */
  synchronized List<Seen> all() {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      try {
        seen.add(new Seen(r.key(), JSON.readTree(r.value()), System.nanoTime()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    consumer.close();
    producer.close();
  }
}
