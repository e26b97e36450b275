package io.fleet.alerts;

import com.typesafe.config.Config;
import io.fleet.device.Alert;
import io.fleet.device.Device;
import io.fleet.device.DeviceEvent;
import io.fleet.metrics.FleetMetrics;
import io.fleet.readside.JdbcConnectionSession;
import io.fleet.readside.ProjectionHealth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.SendProducer;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Publishes the alerts the devices journaled ({@code AlertRaised}, {@code AlertUpdated}) to Kafka
 * {@code fleet.alerts}, keyed by device id. Why a projection over the journal rather than a send from
 * the entity: the entity only persists the alert, which is one atomic write; this projection (one
 * instance per event tag, spread over the cluster) reads the journal in order and saves its offset
 * (in {@code projection_offset_store}) only after Kafka acknowledged the records up to it. A crash
 * after the persist and before the publish therefore publishes on restart, and nothing is dropped.
 * Delivery is at least once: after a crash a few alerts may be published again, with the same
 * {@code alert_id} and {@code revision}, so consumers deduplicate. Bounded: a group of at most
 * {@code fleet.alerts.publish-group} envelopes in flight per instance, through one idempotent producer (which keeps
 * each partition's order); when Kafka is down the projection waits and retries.
 */
public final class AlertPublisher {
  public static final String NAME = "alert-publisher";

  private AlertPublisher() {}

  public static SendProducer<String, byte[]> init(ActorSystem<?> system, DataSource dataSource, int tagCount,
      ProducerSettings<String, byte[]> producerSettings, String topic, ZoneId zone) {
    SendProducer<String, byte[]> producer = new SendProducer<>(producerSettings, system);
    AlertFastPath fastPath = new AlertFastPath(system, producer, new AlertJson(zone), topic);
    FleetMetrics metrics = FleetMetrics.get(system);
    List<String> tags = Device.tags(tagCount);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        NAME,
        tags.size(),
        i -> ProjectionBehavior.create(projection(system, dataSource, tags.get(i),
            new Publish(producer, fastPath, metrics, system.executionContext()))),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
    return producer;
  }

  /**
   * Up to {@code fleet.alerts.publish-group} envelopes, or what came within {@code publish-group-within},
   * are published together (and their offset saved after Kafka acknowledged them all).
   */
  static GroupedProjection<Offset, EventEnvelope<DeviceEvent>> projection(ActorSystem<?> system,
      DataSource dataSource, String tag, Publish publish) {
    Config alerts = system.settings().config().getConfig("fleet.alerts");
    return JdbcProjection.groupedWithinAsync(
        ProjectionId.of(NAME, tag),
        EventSourcedProvider.<DeviceEvent>eventsByTag(system, JdbcReadJournal.Identifier(), tag),
        () -> new JdbcConnectionSession(dataSource),
        () -> publish,
        system)
        .withGroup(alerts.getInt("publish-group"), alerts.getDuration("publish-group-within"))
        .withStatusObserver(new ProjectionHealth<>(system));
  }

  /**
   * Sends a group of envelopes' alerts, all at once and in journal order (so a device's alerts keep their
   * order in its partition), and completes when Kafka acknowledged every one; only then is the group's
   * offset saved. Stateless, so one instance serves a projection's restarts.
   */
  static final class Publish extends Handler<List<EventEnvelope<DeviceEvent>>> {
    private final SendProducer<String, byte[]> producer;
    private final AlertFastPath fastPath;
    private final FleetMetrics metrics;
    private final Executor callbacks;

    /** {@code callbacks}: where acknowledgements are counted (not a new thread per alert, as the producer's stage would). */
    Publish(SendProducer<String, byte[]> producer, AlertFastPath fastPath, FleetMetrics metrics, Executor callbacks) {
      this.producer = producer;
      this.fastPath = fastPath;
      this.metrics = metrics;
      this.callbacks = callbacks;
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<DeviceEvent>> envelopes) {
      List<CompletableFuture<?>> sends = new ArrayList<>();
      for (EventEnvelope<DeviceEvent> envelope : envelopes) {
        DeviceEvent event = envelope.event();
        Optional<Alert> found = DeviceEvent.alertOf(event);
        if (found.isEmpty()) continue;
        Alert alert = found.get();
        // Sent already by the fast path on this node: skip it once Kafka took it, send it if that failed.
        CompletableFuture<Boolean> taken = fastPath.takenHere(alert).orElse(CompletableFuture.completedFuture(false));
        sends.add(taken.thenCompose(yes -> yes ? CompletableFuture.completedFuture(null)
            : producer.send(fastPath.record(event, alert)).thenApplyAsync(metadata -> {
              metrics.alertPublished(alert.kind().label());
              return metadata;
            }, callbacks).toCompletableFuture()));
      }
      return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
    }
  }
}
