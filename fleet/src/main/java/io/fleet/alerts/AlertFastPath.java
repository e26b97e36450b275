package io.fleet.alerts;

import io.fleet.device.Alert;
import io.fleet.device.DeviceEvent;
import io.fleet.device.PersistedAlerts;
import io.fleet.metrics.FleetMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.javadsl.SendProducer;

/**
 * Sends each alert to {@code fleet.alerts} as soon as its entity has persisted it, from the entity's node,
 * through the node's one batching, idempotent alert producer (which keeps each partition's order): the alert is
 * out within one Kafka write of the persist, not after the next journal poll. The {@link AlertPublisher}'s
 * journal projection stays the record of what must go out: for each alert it asks here first and sends it only
 * if this node did not (its send is still awaited, then it is skipped if Kafka took it), so nothing is sent twice
 * on one node, and after a crash the projection sends what the fast path never confirmed. The entity announces
 * each alert here before it writes it, so a projection that reads the row before the entity got round to sending
 * it waits for that send rather than finding nothing and sending too.
 *
 * <p>State, in memory only: the outcome of each alert sent here, for {@link #FORGET_AFTER} ({@link SentAlerts}:
 * kept after the projection asked, for a projection that restarts from an older offset asks again; a projection
 * on another node never asks, and sends it again; consumers deduplicate by {@code alert_id} and
 * {@code revision}). Nothing is lost in a crash: the journal has every alert.
 */
public final class AlertFastPath {
  /** How long an outcome is kept: for its projection, asking again after a restart, or on another node never asking. */
  static final Duration FORGET_AFTER = Duration.ofMinutes(10);
  /**
   * How long an alert announced before its write waits for its send before it reads as not sent here: three times the
   * journal's write timeout (its circuit breaker's {@code call-timeout}, 10 s), past which the write has failed.
   */
  static final Duration ANNOUNCED_AT_MOST = Duration.ofSeconds(30);

  private final SendProducer<String, byte[]> producer;
  private final AlertJson json;
  private final String topic;
  private final FleetMetrics metrics;
  private final Executor callbacks;
  private final SentAlerts sent = new SentAlerts(FORGET_AFTER, ANNOUNCED_AT_MOST);

  AlertFastPath(ActorSystem<?> system, SendProducer<String, byte[]> producer, AlertJson json, String topic) {
    this.producer = producer;
    this.json = json;
    this.topic = topic;
    this.metrics = FleetMetrics.get(system);
    this.callbacks = system.executionContext();
    metrics.registry().gauge("fleet_alert_fast_path_awaiting", sent, SentAlerts::awaiting);
    system.scheduler().scheduleAtFixedRate(Duration.ofMinutes(1), Duration.ofMinutes(1), this::forgetOld, system.executionContext());
    PersistedAlerts.get(system).listen(new PersistedAlerts.Listener() {
      @Override
      public void journaling(List<DeviceEvent> alerts) {
        announce(alerts);
      }

      @Override
      public void persisted(List<DeviceEvent> alerts) {
        send(alerts);
      }
    });
  }

  /** The alert's record on {@code fleet.alerts}: keyed by device, its id in a header. */
  ProducerRecord<String, byte[]> record(DeviceEvent event, Alert alert) {
    ProducerRecord<String, byte[]> record =
        new ProducerRecord<>(topic, event.deviceId(), json.toBytes(event.deviceId(), alert, event.at()));
    record.headers().add("fleet.alert-id", alert.alertId().getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /**
   * Before the entity writes them: the projection may read them from the journal before {@link #send} ran, and then
   * waits for that send instead of sending them too.
   */
  private void announce(List<DeviceEvent> events) {
    long now = System.nanoTime();
    for (DeviceEvent event : events) DeviceEvent.alertOf(event).ifPresent(alert -> sent.announce(key(alert), now));
  }

  private void send(List<DeviceEvent> events) {
    for (DeviceEvent event : events) {
      Optional<Alert> alert = DeviceEvent.alertOf(event);
      if (alert.isEmpty()) continue;
      CompletableFuture<Boolean> taken = producer.send(record(event, alert.get())).toCompletableFuture()
          .handleAsync((metadata, failure) -> {
            if (failure != null) return false;
            metrics.alertPublished(alert.get().kind().label());
            return true;
          }, callbacks);
      sent.sent(key(alert.get()), taken, System.nanoTime());
    }
  }

  /**
   * Whether this node already sent {@code alert}: completes true once Kafka took it, false if its send failed (or
   * never began after its announcement); empty if it was neither announced nor sent here. The same answer every
   * time it is asked, for {@link #FORGET_AFTER}.
   */
  Optional<CompletableFuture<Boolean>> takenHere(Alert alert) {
    return sent.ask(key(alert));
  }

  private void forgetOld() {
    sent.forgetOld(System.nanoTime());
  }

  private static String key(Alert alert) {
    return alert.alertId() + "#" + alert.revision();
  }
}
