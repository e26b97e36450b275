package io.fleet.telemetry;

import io.fleet.device.Telemetry;
import io.fleet.infra.IngestHeaders;
import io.fleet.ingest.DeviceMessages;
import io.fleet.ingest.IngestSettings;
import io.fleet.ingest.Parsed;
import io.fleet.ingest.SupervisedConsumer;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.DeviceTopic;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;

/**
 * Keeps every accepted telemetry reading: a consumer group of its own on {@code fleet.device-events}
 * takes the telemetry records (the device entities never wait for it), stores their readings in batches
 * ({@link TelemetryStore}) and commits the batch's offsets only after its transaction committed. A crash
 * redelivers what was not committed, which the store skips, so every reading is stored once. A reading is
 * accepted as the ingest path accepts it: a well-formed message whose time is not too far ahead of Fleet's
 * clock; what the ingest path dead-letters is not stored. Owns no state: progress is the committed offset.
 */
public final class TelemetryArchive {
  /** The stream's name in health and metrics. */
  public static final String STREAM = "telemetry-history";
  private final SupervisedConsumer consumer;

  private TelemetryArchive(SupervisedConsumer consumer) {
    this.consumer = consumer;
  }

  private record Taken(ConsumerMessage.CommittableOffset offset, List<Reading> readings) {}

  public static TelemetryArchive start(ActorSystem<?> system, TelemetrySettings settings, IngestSettings ingest,
      ConsumerSettings<String, byte[]> consumerSettings, TelemetryStore store) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    FleetMetrics metrics = FleetMetrics.get(system);
    return new TelemetryArchive(SupervisedConsumer.start(system, STREAM,
        consumerSettings.withGroupId(settings.consumerGroup()), ingest.deviceEventsTopic(),
        source -> source
            .map(msg -> new Taken(msg.committableOffset(), readings(msg.record(), ingest)))
            .groupedWeightedWithin(settings.batchSize(), taken -> Math.max(1L, taken.readings().size()),
                settings.flushInterval())
            .mapAsync(1, batch -> write(batch, store, metrics, blocking))));
  }

  private static CompletionStage<ConsumerMessage.Committable> write(List<Taken> batch, TelemetryStore store,
      FleetMetrics metrics, Executor blocking) {
    List<Reading> readings = new ArrayList<>();
    List<ConsumerMessage.CommittableOffset> offsets = new ArrayList<>(batch.size());
    for (Taken t : batch) {
      readings.addAll(t.readings());
      offsets.add(t.offset());
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        TelemetryStore.Outcome outcome = store.store(readings);
        metrics.telemetryStored(outcome.stored(), outcome.repeated(), outcome.refused());
        return ConsumerMessage.createCommittableOffsetBatch(offsets);
      } catch (SQLException e) {
        // Fails the stream: it restarts from the committed offsets after a backoff, the database back or not.
        throw new CompletionException("telemetry history could not be stored: " + e.getMessage(), e);
      }
    }, blocking);
  }

  /** The readings of a telemetry record the ingest path accepts; none for any other record. */
  static List<Reading> readings(ConsumerRecord<String, byte[]> record, IngestSettings ingest) {
    boolean telemetry = IngestHeaders.get(record.headers(), IngestHeaders.KIND).flatMap(DeviceTopic.Kind::fromLabel)
        .filter(kind -> kind == DeviceTopic.Kind.TELEMETRY).isPresent();
    if (!telemetry || !DeviceId.isValid(record.key()) || record.value() == null
        || record.value().length > ingest.maxPayloadBytes()) {
      return List.of();
    }
    Instant receivedAt = IngestHeaders.receivedAt(record);
    if (!(DeviceMessages.telemetry(record.value(), receivedAt) instanceof Parsed.Ok<Telemetry> ok)) return List.of();
    Telemetry t = ok.value();
    if (ingest.tooFarAhead(t.ts(), receivedAt)) return List.of();
    List<Reading> out = new ArrayList<>(t.readings().size());
    t.readings().forEach((metric, value) -> out.add(new Reading(record.key(), metric, t.ts(), value)));
    return out;
  }

  /** Finishes the batches on their way, commits their offsets, then stops. */
  public CompletionStage<Done> stop() {
    return consumer.stop();
  }
}
