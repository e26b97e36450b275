package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import io.fleet.metrics.Streams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.kafka.ConsumerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer stream on a real Kafka broker that fails for a reason of its own (not one record's) is
 * restarted with backoff from its committed offsets: the record it failed on comes again (at least
 * once), the records after it follow, and its state goes running → restarting → running, counted.
 */
class SupervisedConsumerIT {
  @TempDir Path dir;

  @Test
  void aFailedStreamIsRestartedFromItsCommittedOffsetsAndHealthCountsTheRestart() throws Exception {
    // Fleet's Kafka settings (config/kafka.conf): no stop-timeout on top of the drain.
    ActorTestKit testKit = ActorTestKit.create("supervised", ConfigFactory.parseResources("kafka.conf")
        .withFallback(ConfigFactory.defaultReference()));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(DataDirectory.open(dir))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
        admin.createTopics(List.of(new NewTopic("supervised", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrap()),
          new StringSerializer(), new ByteArraySerializer())) {
        for (String key : List.of("a", "b", "c")) producer.send(new ProducerRecord<>("supervised", key, new byte[0])).get();
      }
      List<String> delivered = new CopyOnWriteArrayList<>();
      AtomicBoolean failedOnce = new AtomicBoolean();
      ConsumerSettings<String, byte[]> settings = ConsumerSettings.create(testKit.system(), new StringDeserializer(),
              new ByteArrayDeserializer())
          .withBootstrapServers(kafka.bootstrap())
          .withGroupId("supervised-it")
          .withProperty("auto.offset.reset", "earliest");
      SupervisedConsumer consumer = SupervisedConsumer.delivering(testKit.system(), "supervised-it", settings, "supervised", 1,
          record -> {
            delivered.add(record.key());
            // The stream's own failure, once, at "b": not a record to dead-letter, the stage itself breaking.
            if (record.key().equals("b") && failedOnce.compareAndSet(false, true)) {
              return CompletableFuture.failedFuture(new IllegalStateException("the stage broke"));
            }
            return CompletableFuture.completedFuture(Done.getInstance());
          });
      Streams.Stream state = Streams.get(testKit.system()).stream("supervised-it");
      await("c delivered after the restart").atMost(Duration.ofSeconds(60)).until(() -> delivered.contains("c"));
      assertThat(delivered).containsSubsequence("a", "b", "b", "c");
      assertThat(state.restarts()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> state.state() == Streams.State.RUNNING);
      consumer.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(state.state()).isEqualTo(Streams.State.STOPPED);
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
