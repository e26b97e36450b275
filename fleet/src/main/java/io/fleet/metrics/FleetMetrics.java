package io.fleet.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The node's Prometheus registry, one per actor system. Owns in-memory counters only: they restart at
 * zero with the process, as Prometheus counters are meant to.
 */
public final class FleetMetrics implements Extension {

  private static final Id ID = new Id();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong entitiesAlive = new AtomicLong();
  /** Counted for every record, so looked up once. */
  private final Counter localAsks = Counter.builder("fleet_entity_asks").tag("where", "local").register(registry);
  private final Counter remoteAsks = Counter.builder("fleet_entity_asks").tag("where", "remote").register(registry);
  private final Counter steadyHeartbeats = Counter.builder("fleet_steady_heartbeats").register(registry);
  private final Counter parkedWoken = Counter.builder("fleet_parked_devices_woken").register(registry);
  private final Counter unheardLookedAt = Counter.builder("fleet_unheard_devices_looked_at").register(registry);

  private FleetMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    registry.gauge("fleet_entities_alive", entitiesAlive);
  }

  public static FleetMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** A message arrived on an ingest topic (MQTT topic kind or Kafka topic). */
  public void messageIn(String topic) {
    Counter.builder("fleet_messages_in").tag("topic", topic).register(registry).increment();
  }

  /** A motion report went back on its topic because S3 could not check its clip. */
  public void motionRequeued() {
    Counter.builder("fleet_motion_requeued").register(registry).increment();
  }

  /** A motion report waited longer than the clip-check patience for S3 and was told without its clip. */
  public void motionToldWithoutClipCheck() {
    Counter.builder("fleet_motion_unchecked").register(registry).increment();
  }

  /** A valid message that Fleet has no use for (yet), for this reason; neither an error nor a dead letter. */
  public void messageIgnored(String reason) {
    Counter.builder("fleet_messages_ignored").tag("reason", reason).register(registry).increment();
  }

  /** A message was sent to the dead-letter topic, for this reason. */
  public void deadLetter(String reason) {
    Counter.builder("fleet_dead_letters").tag("reason", reason).register(registry).increment();
  }

  /** A record's entity was asked on this node ({@code local}) or across the network ({@code remote}). */
  public void entityAsked(boolean local) {
    (local ? localAsks : remoteAsks).increment();
  }

  /** A heartbeat that changed nothing was taken without a message to its device's entity ({@code SteadyHeartbeats}). */
  public void steadyHeartbeat() {
    steadyHeartbeats.increment();
  }

  /** {@code count} parked devices' deadlines passed: handed back to their entities to be judged. */
  public void parkedDevicesWoken(int count) {
    parkedWoken.increment(count);
  }

  /** {@code count} devices online in the read side and unheard for long were looked at by their entities. */
  public void unheardDevicesLookedAt(long count) {
    unheardLookedAt.increment(count);
  }

  /** An alert (or a revision of one) was acknowledged by Kafka on {@code fleet.alerts}. */
  public void alertPublished(String kind) {
    Counter.builder("fleet_alerts_published").tag("kind", kind).register(registry).increment();
  }

  /** A tracker's fix was not taken: a duplicate, too late to place, or a GPS jump. */
  public void fixRejected(String reason) {
    Counter.builder("fleet_tracker_fixes_rejected").tag("reason", reason).register(registry).increment();
  }

  /** Retention deleted this many rows of a kind of history (an expired batch, or an erased device's rows). */
  public void retentionRowsDeleted(String kind, long rows) {
    Counter.builder("fleet_retention_deleted_rows").tag("kind", kind).register(registry).increment(rows);
  }

  /** Retention deleted this many S3 objects of a kind of history (expired clips, or an erased device's). */
  public void retentionObjectsDeleted(String kind, long objects) {
    Counter.builder("fleet_retention_deleted_objects").tag("kind", kind).register(registry).increment(objects);
  }

  /** A retention sweep ended: {@code ok}, or {@code failed} (what it deleted so far stays deleted). */
  public void retentionSwept(String outcome) {
    Counter.builder("fleet_retention_sweeps").tag("outcome", outcome).register(registry).increment();
  }

  /** The upload sweeper aborted {@code uploads} incomplete multipart uploads. */
  public void incompleteUploadsAborted(long uploads) {
    Counter.builder("fleet_clip_uploads_aborted").register(registry).increment(uploads);
  }

  /** One sweep of incomplete uploads ended ({@code ok} or {@code failed}). */
  public void uploadSwept(String outcome) {
    Counter.builder("fleet_clip_upload_sweeps").tag("outcome", outcome).register(registry).increment();
  }

  /** An operator erased a device. */
  public void deviceErased() {
    Counter.builder("fleet_devices_erased").register(registry).increment();
  }

  /**
   * A batch of telemetry history written: how many readings were new, how many were stored before (redelivered)
   * and how many refused (a metric name past the device's bound).
   */
  public void telemetryStored(int stored, int repeated, int refused) {
    Counter.builder("fleet_telemetry_readings_stored").register(registry).increment(stored);
    Counter.builder("fleet_telemetry_readings_repeated").register(registry).increment(repeated);
    Counter.builder("fleet_telemetry_readings_refused").register(registry).increment(refused);
  }

  /** A device's offline judgment waits for the ingest path to catch up. */
  public void offlineJudgmentHeld() {
    Counter.builder("fleet_offline_judgments_held").register(registry).increment();
  }

  public void entityStarted() {
    entitiesAlive.incrementAndGet();
  }

  public void entityStopped() {
    entitiesAlive.decrementAndGet();
  }

  public long entitiesAlive() {
    return entitiesAlive.get();
  }

  public String scrape() {
    return registry.scrape();
  }

  private static final class Id extends ExtensionId<FleetMetrics> {
    @Override
    public FleetMetrics createExtension(ActorSystem<?> system) {
      return new FleetMetrics();
    }
  }
}
