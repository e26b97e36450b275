package io.fleet.runtime;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import io.fleet.infra.Endpoints;
import io.fleet.infra.Infrastructure;
import io.fleet.ingest.Bridges;
import io.fleet.ingest.IngressBridge;
import io.fleet.metrics.FleetMetrics;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.connectors.s3.BucketAccess;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;

/**
 * Answers "is each server reachable?" for {@code GET /api/health}: Kafka (cluster metadata), MQTT (a
 * long-lived probe connection with Fleet's service credentials, and the ingress bridge subscribed), S3 (the bucket
 * answers), database (a valid connection). It also asks on its own every {@code fleet.health.check-interval}, so
 * that {@code /metrics} shows an outage while no one is looking: the gauge {@code fleet_server_up{server=...}} is
 * 1 or 0 as of the latest check (each {@code GET /api/health} updates it too).
 *
 * <p>Owns the probe's MQTT connection (Kafka is asked through the node's admin client) and the gauges'
 * latest values, in memory; nothing durable: a restarted node starts with every server at 0 until its first
 * check.
 */
public final class Health implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  /** The servers checked, by the names health and the gauge give them. */
  private static final List<String> SERVERS = List.of("kafka", "mqtt", "s3", "database");

  private final ActorSystem<?> system;
  private final Infrastructure infrastructure;
  private final Admin admin;
  private final Mqtt3AsyncClient mqtt;
  private final Bridges bridge;
  private final Map<String, AtomicInteger> up = new ConcurrentHashMap<>();
  private final AtomicBoolean checking = new AtomicBoolean();
  private final Cancellable watch;

  Health(ActorSystem<?> system, Infrastructure infrastructure, Bridges bridge, Admin admin, Duration interval) {
    this.system = system;
    this.infrastructure = infrastructure;
    this.bridge = bridge;
    Endpoints e = infrastructure.endpoints();
    this.admin = admin;
    // The probe checks the first broker; each bridge reports its own broker's subscription.
    URI uri = URI.create(e.mqttUrls().get(0));
    Mqtt3ClientBuilder builder = MqttClient.builder().useMqttVersion3()
        .identifier("fleet-health-" + UUID.randomUUID().toString().substring(0, 8))
        .serverHost(uri.getHost())
        .serverPort(uri.getPort() > 0 ? uri.getPort() : 1883)
        .automaticReconnectWithDefaultConfig();
    if (!e.mqttUser().isEmpty()) {
      builder = builder.simpleAuth().username(e.mqttUser()).password(e.mqttPassword().getBytes()).applySimpleAuth();
    }
    this.mqtt = builder.buildAsync();
    mqtt.connectWith().cleanSession(true).keepAlive(30).send();
    for (String server : SERVERS) {
      AtomicInteger value = new AtomicInteger();
      up.put(server, value);
      FleetMetrics.get(system).registry().gauge("fleet_server_up", Tags.of("server", server), value);
    }
    this.watch = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, this::watchOnce,
        system.executionContext());
  }

  /** One check unless one is still running (a server that does not answer takes up to the timeout). */
  private void watchOnce() {
    if (checking.compareAndSet(false, true)) {
      check().whenComplete((components, failure) -> checking.set(false));
    }
  }

  /** Asks every server now; the answers also become the gauges' values. */
  public CompletionStage<List<ComponentHealth>> check() {
    return checkAll().thenApply(components -> {
      components.forEach(c -> up.get(c.name()).set(c.up() ? 1 : 0));
      return components;
    });
  }

  private CompletionStage<List<ComponentHealth>> checkAll() {
    Endpoints e = infrastructure.endpoints();
    CompletableFuture<ComponentHealth> kafka = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
        .nodes().toCompletionStage().toCompletableFuture()
        .handle((nodes, err) -> new ComponentHealth("kafka", err == null && !nodes.isEmpty(), e.kafkaBootstrap(),
            e.kafkaEmbedded(), err == null ? nodes.size() + " broker(s)" : rootMessage(err)));
    boolean probe = mqtt.getState().isConnected();
    // The bridge runs on one node of the cluster; a node that is not alone trusts the one that has it.
    Map<Integer, IngressBridge> local = bridge.local();
    boolean here = !local.isEmpty();
    boolean elsewhere = local.size() < bridge.brokers() && Cluster.get(system).state().members().size() > 1;
    boolean subscribed = bridge.subscribedHere();
    CompletableFuture<ComponentHealth> mqttHealth = CompletableFuture.completedFuture(new ComponentHealth("mqtt",
        probe && (subscribed || !here && elsewhere), e.mqttUrl(), e.mqttEmbedded(),
        (probe ? "connected" : "not connected (" + mqtt.getState() + ")")
            + (here ? (subscribed ? ", ingress bridge subscribed" : ", ingress bridge not subscribed")
                + (bridge.brokers() > 1 ? " (brokers " + local.keySet() + " here)" : "") : "")
            + (elsewhere ? (here ? ", the others" : ", ingress bridge") + " on another node" : "")));
    CompletableFuture<ComponentHealth> s3 = S3.checkIfBucketExists(e.s3Bucket(), system).toCompletableFuture()
        .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle((access, err) -> new ComponentHealth("s3", err == null && access == BucketAccess.accessGranted(),
            e.s3Endpoint() + " bucket " + e.s3Bucket(), e.s3Embedded(),
            err != null ? rootMessage(err) : access == BucketAccess.accessGranted() ? "bucket reachable" : "bucket " + access));
    CompletableFuture<ComponentHealth> db = CompletableFuture.supplyAsync(() -> {
      try (Connection c = infrastructure.database().dataSource().getConnection()) {
        boolean valid = c.isValid((int) TIMEOUT.toSeconds());
        return new ComponentHealth("database", valid, e.dbUrl(), e.dbEmbedded(), valid ? "connection valid" : "connection invalid");
      } catch (Exception ex) {
        return new ComponentHealth("database", false, e.dbUrl(), e.dbEmbedded(), rootMessage(ex));
      }
    }, system.dispatchers().lookup(DispatcherSelector.blocking()))
        // A database that is away may keep the pool waiting for a connection longer than a probe may wait.
        .completeOnTimeout(new ComponentHealth("database", false, e.dbUrl(), e.dbEmbedded(),
            "no connection within " + TIMEOUT.toSeconds() + " s"), TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    return CompletableFuture.allOf(kafka, mqttHealth, s3, db)
        .thenApply(v -> List.of(kafka.join(), mqttHealth.join(), s3.join(), db.join()));
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null) root = root.getCause();
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  @Override
  public void close() {
    watch.cancel();
    mqtt.disconnect();
  }
}
