package io.fleet.ingest;

import io.fleet.device.DeviceShards;
import io.fleet.infra.IngestHeaders;
import io.fleet.metrics.FleetMetrics;
import io.fleet.metrics.Streams;
import io.fleet.protocol.DeviceTopic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves device messages from MQTT into Kafka: {@code fleet.device-events} keyed by device id (in the partition
 * of the device's shard, {@link DeviceShards}), or
 * {@code fleet.dead-letters} with the reason; commands to the OwnTracks app (its {@code …/cmd} topic,
 * which it reads) are acknowledged and counted as ignored, not written. Each MQTT message is acknowledged
 * (PUBACK) only after Kafka acknowledged its record, so a crash loses nothing: the broker redelivers what
 * was not acked.
 * Holds no state of its own; its MQTT session (clean-session off) keeps QoS 1 messages while it is away.
 */
public final class IngressBridge {
  private static final Logger log = LoggerFactory.getLogger(IngressBridge.class);
  /** The bridge's name in health and metrics (with {@code -<i>} per connection when there are several). */
  public static final String STREAM = "ingress-bridge";
  /** All of Fleet's namespace, so that messages on topics of the wrong shape are dead-lettered, not ignored. */
  private static final List<String> SUBSCRIPTIONS = List.of("fleet/#", "owntracks/#");
  /** Where each bridge connection publishes its ticks, under its client id; no device may publish there. */
  public static final String TICKS = "fleet-ingress/tick";
  /** The key of tick records on {@code fleet.device-events} (their kind header is {@value #TICK_KIND}). */
  public static final String TICK_KEY = "_ingest-tick";
  public static final String TICK_KIND = "tick";

  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Done> done;
  private final List<Subscription> subscriptions;
  private final Streams streams;
  private final List<String> streamNames;

  private IngressBridge(UniqueKillSwitch killSwitch, CompletionStage<Done> done, List<Subscription> subscriptions,
      Streams streams, List<String> streamNames) {
    this.killSwitch = killSwitch;
    this.done = done;
    this.subscriptions = subscriptions;
    this.streams = streams;
    this.streamNames = streamNames;
  }

  /** Whether one bridge connection is subscribed right now, and when it first was. */
  static final class Subscription {
    private final CompletableFuture<Done> first = new CompletableFuture<>();
    private volatile boolean active;

    void subscribed() {
      active = true;
      first.complete(Done.getInstance());
    }

    void lost() {
      active = false;
    }
  }

  /** Where the bridge connects, and as whom. */
  public record Connection(String url, String user, String password) {}

  /**
   * Starts {@code fleet.mqtt.connections} bridge connections. With more than one they share the
   * subscription ({@code $share/<group>/...}), so the broker spreads messages over them: each connection
   * has its own window of unacknowledged messages, and a message is acknowledged only after Kafka
   * acknowledged it, so more connections move more messages per round trip — at a price: the broker
   * spreads one device's messages over the connections, so their order in Kafka is no longer the
   * device's. The default is one connection. {@code broker}: which of the configured brokers this is (the first,
   * 0, keeps the plain client id and stream name; another, {@code -broker-<n>} after them).
   */
  public static IngressBridge start(ActorSystem<?> system, Connection connection, int broker, IngestSettings settings,
      DeviceShards shards, ProducerSettings<String, byte[]> producer) {
    FleetMetrics metrics = FleetMetrics.get(system);
    Classifier classifier = new Classifier(settings, shards, broker);
    int count = Math.max(1, settings.mqttConnections());
    List<Subscription> subscriptions = new ArrayList<>();
    List<Source<Done, NotUsed>> sources = new ArrayList<>();
    List<String> names = new ArrayList<>();
    Streams streams = Streams.get(system);
    for (int i = 0; i < count; i++) {
      Subscription subscription = new Subscription();
      subscriptions.add(subscription);
      String baseId = broker == 0 ? settings.mqttClientId() : settings.mqttClientId() + "-broker-" + broker;
      String clientId = count == 1 ? baseId : baseId + "-" + i;
      MqttSubscriber.Ticks ticks = new MqttSubscriber.Ticks(TICKS + "/" + clientId, settings.tickInterval());
      List<String> topics = Stream.concat((count == 1 ? SUBSCRIPTIONS.stream()
          : SUBSCRIPTIONS.stream().map(t -> "$share/" + settings.mqttShareGroup() + "/" + t)), Stream.of(ticks.topic()))
          .toList();
      String baseName = broker == 0 ? STREAM : STREAM + "-broker-" + broker;
      String name = count == 1 ? baseName : baseName + "-" + i;
      names.add(name);
      sources.add(connectionSource(connection, clientId, topics, ticks, settings, subscription, classifier, metrics,
          producer, streams.stream(name)));
    }
    Source<Done, NotUsed> all = Source.from(sources).flatMapMerge(sources.size(), source -> source);
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = all
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    return new IngressBridge(running.first(), running.second(), List.copyOf(subscriptions), streams, List.copyOf(names));
  }

  private static Source<Done, NotUsed> connectionSource(Connection connection, String clientId, List<String> topics,
      MqttSubscriber.Ticks ticks, IngestSettings settings, Subscription subscription, Classifier classifier, FleetMetrics metrics,
      ProducerSettings<String, byte[]> producer, Streams.Stream state) {
    // Restarted whether the session failed or just ended (a broker that closed it): only stop() ends it.
    return RestartSource.withBackoff(
        RestartSettings.create(Duration.ofMillis(500), Duration.ofSeconds(10), 0.2),
        () -> {
          log.info("ingress bridge {} connecting to {}", clientId, connection.url());
          // Running once subscribed: a broker that refuses every connection keeps the bridge restarting.
          return MqttSubscriber.connect(connection, clientId, topics, settings.mqttCleanSession(), ticks, () -> {
                subscription.subscribed();
                state.running();
              })
              .map(m -> classifier.toEnvelope(m, metrics))
              // At most in-flight messages wait for Kafka; their PUBACKs follow in order, once Kafka acknowledged.
              .via(Producer.flexiFlow(producer.withParallelism(settings.mqttInFlight())))
              .map(result -> {
                result.passThrough().acknowledge();
                return Done.getInstance();
              })
              .watchTermination((mat, terminated) -> {
                terminated.whenComplete((d, e) -> {
                  subscription.lost();
                  state.restarting(e != null ? e : new IllegalStateException("MQTT session ended"));
                });
                return mat;
              });
        });
  }

  /**
   * Completes when every bridge connection first subscribed: from then on the broker keeps device
   * messages for the bridge (persistent sessions), so nothing published later is missed.
   */
  public CompletionStage<Done> firstSubscription() {
    return CompletableFuture.allOf(subscriptions.stream().map(s -> s.first).toArray(CompletableFuture[]::new))
        .thenApply(v -> Done.getInstance());
  }

  /** Whether every bridge connection is connected and subscribed now. */
  public boolean isSubscribed() {
    return subscriptions.stream().allMatch(s -> s.active);
  }

  /** Stops taking new MQTT messages; what is on its way to Kafka is finished and acknowledged. */
  public CompletionStage<Done> stop() {
    killSwitch.shutdown();
    // Stopped on purpose (the node leaves, or the singleton moves): not this node's fault any more.
    return done.whenComplete((d, e) -> streamNames.forEach(streams::retire));
  }

  /** Decides where each MQTT message goes in Kafka. */
  static final class Classifier {
    private final IngestSettings settings;
    private final DeviceShards shards;
    private final int broker;

    Classifier(IngestSettings settings, DeviceShards shards, int broker) {
      this.settings = settings;
      this.shards = shards;
      this.broker = broker;
    }

    ProducerMessage.Envelope<String, byte[], MqttSubscriber.Inbound> toEnvelope(MqttSubscriber.Inbound m,
        FleetMetrics metrics) {
      try {
        return classify(m, metrics);
      } catch (RuntimeException e) {
        // A defect met on one message must not end the bridge: the message is kept as a dead letter.
        log.error("MQTT message on {} could not be classified; dead-lettered", m.topic(), e);
        ProducerRecord<String, byte[]> record = deadLetter(m.topic(), DeadLetter.Reason.PROCESSING_FAILED, e.toString(),
            "mqtt:" + m.topic(), m.payload(), Instant.now(), metrics);
        return ProducerMessage.single(record, m);
      }
    }

    private ProducerMessage.Envelope<String, byte[], MqttSubscriber.Inbound> classify(MqttSubscriber.Inbound m,
        FleetMetrics metrics) {
      if (m.topic().startsWith(TICKS + "/")) return tick(m);
      Instant now = Instant.now();
      byte[] payload = m.payload();
      String source = "mqtt:" + m.topic();
      Optional<DeviceTopic> topic = DeviceTopic.parse(m.topic());
      metrics.messageIn(topic.map(t -> "mqtt:" + t.kind().label()).orElse("mqtt:unknown"));
      ProducerRecord<String, byte[]> record;
      if (topic.isPresent() && topic.get().kind().toDevice()) {
        // A command to the OwnTracks app: acknowledged and dropped, nothing for Fleet nor a dead letter.
        metrics.messageIgnored(OwnTracksMessages.IGNORED_COMMAND);
        return ProducerMessage.passThrough(m);
      }
      if (topic.isEmpty()) {
        record = deadLetter(m.topic(), DeadLetter.Reason.UNKNOWN_TOPIC, "topic '" + m.topic() + "' is not "
            + "fleet/{deviceId}/{heartbeat|telemetry|motion|status} or owntracks/{user}/{device}[/event|/waypoint|/waypoints]",
            source, payload, now, metrics);
      } else if (payload.length > settings.maxPayloadBytes()) {
        record = deadLetter(topic.get().deviceId(), DeadLetter.Reason.OVERSIZED,
            payload.length + " bytes exceeds the limit of " + settings.maxPayloadBytes(), source, payload, now, metrics);
      } else {
        // The partition of the device's shard: consumed on the node that hosts its entity.
        String deviceId = topic.get().deviceId();
        record = new ProducerRecord<>(settings.deviceEventsTopic(), shards.partitionOf(deviceId), deviceId, payload);
        IngestHeaders.deviceMessage(record.headers(), topic.get().kind().label(), source, now);
        if (m.retained()) IngestHeaders.put(record.headers(), IngestHeaders.RETAINED, "true");
      }
      return ProducerMessage.single(record, m);
    }

    /** A tick of this bridge: to every partition, so that each one's consumer hears it. */
    private ProducerMessage.Envelope<String, byte[], MqttSubscriber.Inbound> tick(MqttSubscriber.Inbound m) {
      List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
      for (int partition = 0; partition < shards.partitions(); partition++) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(settings.deviceEventsTopic(), partition, TICK_KEY,
            m.payload());
        IngestHeaders.put(record.headers(), IngestHeaders.KIND, TICK_KIND);
        IngestHeaders.put(record.headers(), IngestHeaders.BROKER, Integer.toString(broker));
        records.add(record);
      }
      return ProducerMessage.multi(records, m);
    }

    private ProducerRecord<String, byte[]> deadLetter(
        String key, DeadLetter.Reason reason, String detail, String source, byte[] payload, Instant now, FleetMetrics metrics) {
      return DeadLetters.noted(new DeadLetter(key, reason, detail, source, payload, now), metrics)
          .toRecord(settings.deadLettersTopic());
    }
  }
}
