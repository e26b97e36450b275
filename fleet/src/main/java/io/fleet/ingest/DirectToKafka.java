package io.fleet.ingest;

import io.fleet.infra.DirectIngress;
import io.fleet.metrics.FleetMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.kafka.ProducerMessage;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The ingress bridge's own road, taken from inside the embedded broker: a device message is classified as the bridge
 * classifies it ({@link IngressBridge.Classifier}: the device events in its shard's partition, or a dead letter with
 * the reason) and written through the bridge's producer, so that the bridge's ticks written after it land behind it
 * on every partition. Holds no state: the broker acknowledges the device only once the returned stage completes.
 */
final class DirectToKafka implements DirectIngress {
  private final IngressBridge.Classifier classifier;
  private final Producer<String, byte[]> producer;
  private final FleetMetrics metrics;

  DirectToKafka(IngressBridge.Classifier classifier, Producer<String, byte[]> producer, FleetMetrics metrics) {
    this.classifier = classifier;
    this.producer = producer;
    this.metrics = metrics;
  }

  @Override
  public CompletionStage<?> take(String topic, byte[] payload) {
    ProducerMessage.Envelope<String, byte[], Void> envelope = classifier.toEnvelope(topic, payload, false, null, metrics);
    if (envelope instanceof ProducerMessage.Message<String, byte[], Void> single) return send(single.record());
    if (envelope instanceof ProducerMessage.MultiMessage<String, byte[], Void> multi) {
      List<ProducerRecord<String, byte[]>> records = CollectionConverters.asJava(multi.records());
      return CompletableFuture.allOf(records.stream().map(this::send).toArray(CompletableFuture[]::new));
    }
    // Nothing to write (a command to the OwnTracks app): acknowledged as the bridge would.
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The producer's own callback, not pekko's {@code SendProducer}: callbacks on its converted Scala futures run on
   * {@code CompletableFuture}'s default executor, a new thread per task on two cores (BENCHMARKS.md), per message here.
   */
  private CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    producer.send(record, (metadata, failure) -> {
      if (failure == null) {
        written.complete(null);
      } else {
        written.completeExceptionally(failure);
      }
    });
    return written;
  }
}
