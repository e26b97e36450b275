package io.fleet.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The raw Kafka baseline: the benchmark's heartbeats keyed by device id, produced ({@code acks=all}, idempotent, as
 * Fleet's producer) to a scratch topic with as many partitions as Fleet's {@code fleet.device-events}, and read back
 * by one consumer. A round is done when the consumer has them all. {@link #close()} deletes the topic.
 */
final class RawKafkaBaseline implements AutoCloseable {
  private final Admin admin;
  private final String topic;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;

  /** One round: how many were expected and received, and when (System.nanoTime(); 0 when never reached). */
  record Round(long expected, long received, long failed, long start, long ackedAt, long lastReceivedAt) {
    boolean done() {
      return received >= expected && ackedAt != 0;
    }
  }

  RawKafkaBaseline(Admin admin, String bootstrap, int partitions) throws Exception {
    this.admin = admin;
    this.topic = "bench.raw-" + UUID.randomUUID().toString().substring(0, 6);
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + topic);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    tps.forEach(consumer::position);
  }

  /** Produces {@code perDevice} heartbeats of every device and reads them back, for at most {@code timeout}. */
  Round round(HeartbeatPublisher publisher, int perDevice, Duration timeout) throws InterruptedException {
    List<String> ids = publisher.deviceIds();
    long expected = (long) perDevice * ids.size();
    long t0 = System.nanoTime();
    HeartbeatPublisher.Publishing publishing = publisher.publish(perDevice, (i, payload) -> {
      CompletableFuture<Void> acked = new CompletableFuture<>();
      producer.send(new ProducerRecord<>(topic, ids.get(i), payload), (md, e) -> {
        if (e == null) acked.complete(null);
        else acked.completeExceptionally(e);
      });
      return acked;
    });
    long received = 0;
    long lastAt = 0;
    long deadline = t0 + timeout.toNanos();
    while (received < expected && System.nanoTime() < deadline) {
      int polled = consumer.poll(Duration.ofMillis(50)).count();
      if (polled > 0) {
        received += polled;
        lastAt = System.nanoTime();
      }
    }
    while (!publishing.finished() && System.nanoTime() < deadline) Thread.sleep(2); // polls the publisher's count
    return new Round(expected, received, publishing.failed.get(), t0, publishing.ackedAt(), lastAt);
  }

  @Override
  public void close() throws Exception {
    producer.close();
    consumer.close();
    admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
  }
}
