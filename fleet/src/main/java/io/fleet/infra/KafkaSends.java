package io.fleet.infra;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.javadsl.SendProducer;
import org.apache.pekko.pattern.Patterns;

/** Sends that must reach Kafka: what a consumer commits past only once Kafka has it. Stateless. */
public final class KafkaSends {
  private KafkaSends() {}

  /** Sends {@code record}, again with backoff (200 ms to 10 s) after each failure, until Kafka acknowledged it. */
  public static <K, V> CompletionStage<RecordMetadata> untilSent(SendProducer<K, V> producer, ProducerRecord<K, V> record,
      ActorSystem<?> system) {
    return Patterns.retry(() -> producer.send(record), Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(10),
        0.2, system);
  }
}
