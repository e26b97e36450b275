package io.fleet.runtime;

import com.typesafe.config.Config;
import io.fleet.alerts.AlertFeed;
import io.fleet.alerts.AlertPublisher;
import io.fleet.device.Device;
import io.fleet.device.DeviceAsks;
import io.fleet.device.DeviceSettings;
import io.fleet.device.DeviceShards;
import io.fleet.device.SteadyHeartbeats;
import io.fleet.frames.CameraClips;
import io.fleet.frames.FrameConsumer;
import io.fleet.frames.FrameSettings;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.Endpoints;
import io.fleet.infra.Infrastructure;
import io.fleet.infra.IngestProgress;
import io.fleet.infra.KafkaTopics;
import io.fleet.infra.RxErrors;
import io.fleet.ingest.Bridges;
import io.fleet.ingest.DeadLetters;
import io.fleet.ingest.DeviceEventConsumer;
import io.fleet.ingest.IngestSettings;
import io.fleet.ingest.IngressBridge;
import io.fleet.ingest.SeedMotionConsumer;
import io.fleet.media.ClipGateway;
import io.fleet.media.ClipStore;
import io.fleet.media.IncompleteUploadSettings;
import io.fleet.media.IncompleteUploads;
import io.fleet.media.UploadSweeper;
import io.fleet.metrics.ConsumerLagMonitor;
import io.fleet.metrics.FleetMetrics;
import io.fleet.readside.DeviceDirectory;
import io.fleet.readside.LastSeenWriter;
import io.fleet.readside.ReadModelProjection;
import io.fleet.readside.UnheardDevices;
import io.fleet.retention.ArchiveCaughtUp;
import io.fleet.retention.DeviceEraser;
import io.fleet.retention.Histories;
import io.fleet.retention.RetentionSettings;
import io.fleet.retention.RetentionSweeper;
import io.fleet.telemetry.TelemetryArchive;
import io.fleet.telemetry.TelemetrySettings;
import io.fleet.telemetry.TelemetryStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.SendProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Fleet node: its infrastructure (embedded or real), the actor system with the sharded
 * {@link Device} entities, the read-side projection, the ingest streams (MQTT→Kafka bridge,
 * Kafka→entities consumer, the seed devices' motion consumer, the camera frames' detector, the telemetry
 * archive), the clip store, the alert publisher, the retention sweeper and the sweeper of incomplete clip
 * uploads (cluster singletons) with the device eraser. Holds no state of its own: everything durable is in
 * Kafka, the journal, the read-side tables and the bucket, so a node that is killed resumes from them.
 */
public final class FleetNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetNode.class);

  private final Infrastructure infrastructure;
  private final ActorSystem<Void> system;
  private final DeviceSettings deviceSettings;
  private final IngestSettings ingestSettings;
  private final DeviceDirectory directory;
  private final DeadLetters deadLetters;
  private final DeviceEventConsumer consumer;
  private final SeedMotionConsumer seedMotion;
  private final TelemetrySettings telemetrySettings;
  private final TelemetryStore telemetryStore;
  private final TelemetryArchive telemetryArchive;
  /** Motion detection on the frames of cameras without their own; null when {@code fleet.frames.enabled} is off. */
  private final FrameConsumer frames;
  /** Seed 003's frames topic; null unless frames and {@code fleet.frames.seed.enabled} are on. */
  private final FrameConsumer seedFrames;
  private final ConsumerLagMonitor framesLag;
  private final ClipStore clips;
  private final ClipGateway clipGateway;
  private final DeviceEraser eraser;
  private final SendProducer<String, byte[]> alertProducer;
  private final AlertFeed alertFeed;
  /** One Kafka admin client per node, for the alert feed, the lag metric and the health check. */
  private final Admin admin;
  private final Bridges bridge;
  private final ConsumerLagMonitor lag;
  private final Health health;
  private final Fleet api;
  private volatile boolean closed;

  private FleetNode(Config config) {
    this.infrastructure = Infrastructure.start(config);
    ActorSystem<Void> started = null;
    try {
      Config full = infrastructure.pekkoOverlay().withFallback(ClusterFormation.overlay(config)).resolve();
      Config fleet = full.getConfig("fleet");
      started = ActorSystem.create(Behaviors.empty(), "fleet", full);
      this.system = started;
      ClusterFormation.start(system);
      this.deviceSettings = DeviceSettings.fromConfig(fleet);
      this.ingestSettings = IngestSettings.fromConfig(fleet);
      Endpoints endpoints = infrastructure.endpoints();

      this.admin = Admin.create(infrastructure.kafkaClients().admin());
      DeviceShards shards = new DeviceShards(full.getInt("pekko.cluster.sharding.number-of-shards"),
          KafkaTopics.partitionsOf(admin, ingestSettings.deviceEventsTopic()));
      IngestProgress.get(system).route(shards::partitionOf, id -> Endpoints.brokerOf(id, endpoints.mqttUrls().size()));
      Gauge.builder("fleet_ingest_behind_seconds", IngestProgress.get(system), p -> p.behind().toMillis() / 1000.0)
          .register(FleetMetrics.get(system).registry());
      Device.init(system, deviceSettings);
      ReadModelProjection.init(system, infrastructure.database().dataSource(), deviceSettings.tagCount());
      LastSeenWriter.start(system, infrastructure.database().dataSource(), deviceSettings.lastSeenPersistInterval());
      UnheardDevices.start(system, infrastructure.database().dataSource(), fleet);
      Gauge.builder("fleet_parked_devices", SteadyHeartbeats.get(system), SteadyHeartbeats::parkedCount)
          .register(FleetMetrics.get(system).registry());
      this.directory = new DeviceDirectory(infrastructure.database().dataSource());

      ProducerSettings<String, byte[]> producer =
          ProducerSettings.create(system, new StringSerializer(), new ByteArraySerializer())
              .withBootstrapServers(endpoints.kafkaBootstrap());
      ConsumerSettings<String, byte[]> consumerSettings =
          ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
              .withBootstrapServers(endpoints.kafkaBootstrap());
      this.deadLetters = new DeadLetters(system, producer, ingestSettings.deadLettersTopic());
      this.clips = new ClipStore(system, endpoints);
      RetentionSettings retention = RetentionSettings.fromConfig(fleet);
      RetentionSweeper.start(system, infrastructure.database().dataSource(), clips, retention, Histories.ALL);
      UploadSweeper.start(system, new IncompleteUploads(system, endpoints), IncompleteUploadSettings.fromConfig(fleet),
          endpoints.s3Embedded());
      this.clipGateway = new ClipGateway(system, clips,
          DeviceAsks.patient(system, ingestSettings.askTimeout(), ingestSettings.entityAttempts()));
      this.consumer = DeviceEventConsumer.start(system, ingestSettings, consumerSettings, producer, deadLetters, clipGateway,
          shards);
      ZoneId zone = deviceSettings.motion().timeZone();
      this.seedMotion = SeedMotionConsumer.start(system, ingestSettings, consumerSettings, deadLetters, clipGateway, zone);
      this.telemetrySettings = TelemetrySettings.fromConfig(fleet);
      this.telemetryStore = new TelemetryStore(infrastructure.database().dataSource(),
          infrastructure.database().isPostgres(), deviceSettings.maxMetrics());
      this.telemetryArchive = telemetrySettings.enabled()
          ? TelemetryArchive.start(system, telemetrySettings, ingestSettings, consumerSettings, telemetryStore)
          : null;
      FrameSettings frameSettings = FrameSettings.fromConfig(fleet);
      this.frames = frameSettings.enabled()
          ? FrameConsumer.start(system, frameSettings, consumerSettings, deadLetters,
              new CameraClips(system, deadLetters, clipGateway, frameSettings.topic()))
          : null;
      this.seedFrames = frameSettings.enabled() && frameSettings.seed().enabled()
          ? FrameConsumer.startSeed(system, frameSettings, consumerSettings, deadLetters,
              new CameraClips(system, deadLetters, clipGateway, frameSettings.seed().topic()))
          : null;
      // Alerts are few and waited for: each goes out at once, as every producer's does (linger.ms 0, kafka.conf).
      this.alertProducer = AlertPublisher.init(system, infrastructure.database().dataSource(), deviceSettings.tagCount(),
          producer, KafkaTopics.Names.from(full).alerts(), zone);
      this.eraser = new DeviceEraser(system, infrastructure.database().dataSource(), clips, Histories.ALL,
          Histories.DEVICE_TABLES, telemetryArchive == null ? Optional.empty() : Optional.of(new ArchiveCaughtUp(system,
              admin, ingestSettings.deviceEventsTopic(), telemetrySettings.consumerGroup())),
          deviceSettings.tagCount(), retention.eraseTimeout());
      this.alertFeed = new AlertFeed(system, admin, endpoints.kafkaBootstrap(), KafkaTopics.Names.from(full).alerts(),
          fleet.getInt("http.live-streams.buffer"));
      List<String> brokers = endpoints.mqttUrls();
      this.bridge = Bridges.start(system, brokers.size(), broker -> IngressBridge.start(system,
          new IngressBridge.Connection(brokers.get(broker), endpoints.mqttUser(), endpoints.mqttPassword()), broker,
          ingestSettings, shards, producer, infrastructure.embeddedBroker()
              .filter(embedded -> ingestSettings.embeddedDirect() && embedded.url().equals(brokers.get(broker)))));
      if (ClusterFormation.alone(system)) awaitFirstSubscription(bridge, endpoints.mqttUrl());
      this.lag = new ConsumerLagMonitor(system, admin, ingestSettings.consumerGroup(),
          ingestSettings.deviceEventsTopic(), Duration.ofSeconds(5));
      this.framesLag = frames == null ? null : new ConsumerLagMonitor(system, admin, frameSettings.consumerGroup(),
          frameSettings.topic(), Duration.ofSeconds(5));
      infrastructure.embeddedBroker().ifPresent(broker -> brokerGauges(system, broker));
      this.health = new Health(system, infrastructure, bridge, admin, fleet.getDuration("health.check-interval"));
      this.api = new Fleet(this, infrastructure.database().dataSource());
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "fleet-stop-ingress",
          this::stopIngressUnlessClosing);
    } catch (RuntimeException e) {
      // A step after the actor system failed: stop what started (streams, cluster, ports), then the servers.
      if (started != null) terminate(started);
      infrastructure.close();
      throw e;
    }
  }

  private static void terminate(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not terminate within 30 s after a failed start", e);
    }
  }

  /** Starts a node: embedded servers for whatever the configuration does not point elsewhere. */
  public static FleetNode start(Config config) {
    RxErrors.install();
    return new FleetNode(config);
  }

  /**
   * A node on its own is ready once its bridges (one per broker) have subscribed; a broker that cannot be reached
   * does not stop the node from starting (the bridge keeps trying, and health says so). In a cluster each bridge
   * runs on one node ({@link Bridges}).
   */
  private static void awaitFirstSubscription(Bridges bridge, String url) {
    try {
      bridge.allSubscribedHere().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("ingress bridge not yet subscribed at {}; it keeps trying", url);
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public Infrastructure infrastructure() {
    return infrastructure;
  }

  public Endpoints endpoints() {
    return infrastructure.endpoints();
  }

  public DeviceSettings deviceSettings() {
    return deviceSettings;
  }

  public IngestSettings ingestSettings() {
    return ingestSettings;
  }

  public DeviceDirectory directory() {
    return directory;
  }

  /** Clips in Fleet's bucket: streamed uploads and checks. */
  public ClipStore clips() {
    return clips;
  }

  /** The one road by which devices hear of motion reports and their clips (S3 first). */
  public ClipGateway clipGateway() {
    return clipGateway;
  }

  /** Erases one device's history, clips and journal at an operator's request. */
  public DeviceEraser eraser() {
    return eraser;
  }

  /** The fleet as the HTTP API reaches it. */
  public Fleet api() {
    return api;
  }

  /** The embedded broker's backlog for the bridge, its held-back publishes and its drops, in {@code /metrics}. */
  private static void brokerGauges(ActorSystem<?> system, EmbeddedMqttBroker broker) {
    MeterRegistry registry = FleetMetrics.get(system).registry();
    Gauge.builder("fleet_mqtt_bridge_backlog", broker, EmbeddedMqttBroker::bridgeBacklog).register(registry);
    Gauge.builder("fleet_mqtt_publishes_waiting", broker, EmbeddedMqttBroker::heldPublishes).register(registry);
    FunctionCounter.builder("fleet_mqtt_publishes_held", broker, EmbeddedMqttBroker::heldPublishesTotal)
        .register(registry);
    FunctionCounter.builder("fleet_mqtt_messages_dropped", broker, EmbeddedMqttBroker::droppedMessages)
        .register(registry);
    Gauge.builder("fleet_mqtt_direct_open", broker, b -> b.takesDirectly() ? 1 : 0).register(registry);
    FunctionCounter.builder("fleet_mqtt_taken_directly", broker, EmbeddedMqttBroker::takenDirectlyTotal)
        .register(registry);
    FunctionCounter.builder("fleet_mqtt_direct_fallbacks", broker, EmbeddedMqttBroker::directFallbacksTotal)
        .register(registry);
    FunctionCounter.builder("fleet_mqtt_direct_openings", broker, EmbeddedMqttBroker::directOpeningsTotal)
        .register(registry);
  }

  public Health health() {
    return health;
  }

  /** Live alerts from Kafka for stream subscribers, resumable by position. */
  public AlertFeed alertFeed() {
    return alertFeed;
  }

  /**
   * Stops taking MQTT messages on this node: its bridges finish what is on its way to Kafka and disconnect, and
   * devices' messages wait in their broker's queue for the bridges' persistent sessions (the first step of a
   * graceful stop, also for draining a node).
   */
  public CompletionStage<Done> stopIngress() {
    return bridge.stopLocal();
  }

  /** Whether the cluster runs an ingress bridge (of one of the brokers) on this node. */
  public boolean runsIngressBridge() {
    return !bridge.local().isEmpty();
  }

  /** The brokers (by index in {@code fleet.mqtt.url}) whose bridge runs on this node. */
  public Set<Integer> ingressBridgesHere() {
    return bridge.local().keySet();
  }

  /** Whether this node runs an ingress bridge and each of its bridges is connected and subscribed. */
  public boolean ingressBridgeSubscribed() {
    return bridge.subscribedHere();
  }

  public TelemetryStore telemetryStore() {
    return telemetryStore;
  }

  public TelemetrySettings telemetrySettings() {
    return telemetrySettings;
  }

  public ConsumerLagMonitor consumerLag() {
    return lag;
  }

  /**
   * Graceful stop: the bridge stops taking MQTT messages and finishes those on their way to Kafka; the
   * consumer finishes its in-flight records and commits; Pekko stops the entities; then the embedded
   * servers stop. Anything not acknowledged by then is redelivered on the next start.
   */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (system.getWhenTerminated().toCompletableFuture().isDone()) {
      log.info("stopping what is left of a Fleet node whose actor system has ended");
      health.close();
      closeClientsAndServers();
      return;
    }
    log.info("stopping Fleet node");
    await(bridge.stopLocal(), "ingress bridge");
    health.close();
    // Nothing of this node uses its embedded broker any more: its ~2 s stop runs alongside the rest.
    infrastructure.stopMqttBrokerEarly();
    stopConsumers().forEach((what, stopped) -> await(stopped, what));
    await(CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason()), "actor system");
    await(system.getWhenTerminated(), "actor system termination");
    closeClientsAndServers();
  }

  /**
   * Completes when this node's actor system has ended: after {@link #close()}, or without it when the cluster
   * downed the node (the split brain resolver, on the minority side of a partition) — its shards and singletons
   * then live on the other nodes, and this node serves nothing any more.
   */
  public CompletionStage<Done> terminated() {
    return system.getWhenTerminated();
  }

  /**
   * The actor system shutting down without {@link #close()} — the cluster downed this node — stops taking traffic
   * first, as close() does: its bridges give up their MQTT sessions and its consumers their partitions at once, for
   * the majority to take them, rather than after the cluster phases of the shutdown have timed out.
   */
  private CompletionStage<Done> stopIngressUnlessClosing() {
    if (closed) return CompletableFuture.completedFuture(Done.getInstance());
    log.warn("the actor system is shutting down ({}) without close(): stopping the bridges and consumers first",
        CoordinatedShutdown.get(system).getShutdownReason().map(Object::toString).orElse("no reason given"));
    return CompletableFuture.allOf(Stream.concat(Stream.of(bridge.stopLocal()), stopConsumers().values().stream())
            .map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new))
        .thenApply(all -> Done.getInstance());
  }

  /**
   * Starts draining every consumer of this node at once (each finishes its in-flight records and commits, waiting
   * its Kafka consumer's stop-timeout); their completions, by name.
   */
  private Map<String, CompletionStage<Done>> stopConsumers() {
    Map<String, CompletionStage<Done>> stopping = new LinkedHashMap<>();
    stopping.put("device-event consumer", consumer.stop());
    stopping.put("seed motion consumer", seedMotion.stop());
    if (telemetryArchive != null) stopping.put("telemetry archive", telemetryArchive.stop());
    if (frames != null) stopping.put("frame consumer", frames.stop());
    if (seedFrames != null) stopping.put("seed frame consumer", seedFrames.stop());
    return stopping;
  }

  /** After the actor system: no record, alert or projection is on its way any more. */
  private void closeClientsAndServers() {
    lag.close();
    if (framesLag != null) framesLag.close();
    alertFeed.close();
    admin.close(Duration.ofSeconds(2));
    await(deadLetters.close(), "dead-letter producer");
    await(alertProducer.close(), "alert producer");
    infrastructure.close();
  }

  private static void await(CompletionStage<?> stage, String what) {
    try {
      stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("{} did not stop cleanly: {}", what, e.toString());
    }
  }
}
