package io.fleet.media;

import io.fleet.infra.IngestHeaders;
import io.fleet.infra.KafkaSends;
import io.fleet.metrics.FleetMetrics;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.SendProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a motion report whose clip could not be checked (S3 failing) back at the end of its partition of
 * {@code fleet.device-events}, same key and headers, instead of holding it: held, it would stall every
 * record behind it, heartbeats included, and a fleet would go offline because S3 did. The device hears
 * the report once its clip can be checked, so no alert goes out without its clip because S3 was down.
 *
 * <p>Owns one Kafka producer. The original's offset is committed only after Kafka acknowledged the copy,
 * so a crash in between delivers the report twice, which the device ignores (same event id).
 */
public final class ClipCheckRequeue {
  private static final Logger log = LoggerFactory.getLogger(ClipCheckRequeue.class);
  private final SendProducer<String, byte[]> producer;
  private final FleetMetrics metrics;
  private final Executor callbacks;
  private final ActorSystem<?> system;

  public ClipCheckRequeue(ActorSystem<?> system, ProducerSettings<String, byte[]> settings) {
    this.system = system;
    this.producer = new SendProducer<>(settings, system);
    this.metrics = FleetMetrics.get(system);
    this.callbacks = system.executionContext();
  }

  public CompletionStage<Done> requeue(ConsumerRecord<String, byte[]> record, Throwable why) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    int times = IngestHeaders.get(headers, IngestHeaders.REQUEUED).flatMap(ClipCheckRequeue::count).orElse(0) + 1;
    IngestHeaders.put(headers, IngestHeaders.REQUEUED, Integer.toString(times));
    // The copy keeps its original's arrival: how long a report has waited for S3 counts from there.
    if (IngestHeaders.get(headers, IngestHeaders.RECEIVED_AT).isEmpty()) {
      IngestHeaders.put(headers, IngestHeaders.RECEIVED_AT, Long.toString(record.timestamp()));
    }
    if (times == 1 || times % 10 == 0) {
      log.warn("motion report of {} put back on {} (time {}): its clip could not be checked: {}",
          record.key(), record.topic(), times, why.toString());
    }
    metrics.motionRequeued();
    ProducerRecord<String, byte[]> copy = new ProducerRecord<>(record.topic(), null, record.key(), record.value(), headers);
    return KafkaSends.untilSent(producer, copy, system).thenApplyAsync(sent -> Done.getInstance(), callbacks);
  }

  private static Optional<Integer> count(String text) {
    try {
      return Optional.of(Math.max(0, Integer.parseInt(text.trim())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  public CompletionStage<Done> close() {
    return producer.close();
  }
}
