package io.fleet.ingest;

import io.fleet.infra.KafkaSends;
import io.fleet.metrics.FleetMetrics;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.SendProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link DeadLetter}s to Kafka and counts them. Owns one Kafka producer; a dead letter is only
 * reported done once Kafka acknowledged it, so callers may then acknowledge or commit the original.
 */
public final class DeadLetters {
  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

  private final SendProducer<String, byte[]> producer;
  private final String topic;
  private final FleetMetrics metrics;
  private final Executor callbacks;
  private final ActorSystem<?> system;

  public DeadLetters(ActorSystem<?> system, ProducerSettings<String, byte[]> settings, String topic) {
    this.system = system;
    this.producer = new SendProducer<>(settings, system);
    this.topic = topic;
    this.metrics = FleetMetrics.get(system);
    this.callbacks = system.executionContext();
  }

  /**
   * Completes once Kafka has the letter; while Kafka is away it is sent again with backoff, for as long
   * as it takes (the original stays unacknowledged meanwhile, so nothing is lost). Callbacks on the
   * returned stage run on the actor dispatcher: on the producer's own stage (a converted Scala future)
   * each would start a thread of its own on two cores.
   */
  public CompletionStage<RecordMetadata> send(DeadLetter letter) {
    return KafkaSends.untilSent(producer, noted(letter, metrics).toRecord(topic), system).thenApplyAsync(sent -> sent, callbacks);
  }

  /** Logs and counts a dead letter on its way to Kafka, whichever producer takes it there. */
  static DeadLetter noted(DeadLetter letter, FleetMetrics metrics) {
    log.warn("dead letter {} from {}: {}", letter.reason().code(), letter.source(), letter.detail());
    metrics.deadLetter(letter.reason().code());
    return letter;
  }

  public String topic() {
    return topic;
  }

  public CompletionStage<?> close() {
    return producer.close();
  }
}
