package io.fleet.ingest;

import io.fleet.device.DeviceShards;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.IngestHeaders;
import io.fleet.metrics.FleetMetrics;
import io.fleet.metrics.Streams;
import io.fleet.protocol.DeviceTopic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
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
 *
 * <p>On the node that runs the embedded broker, the bridge also opens the broker's direct road
 * ({@link EmbeddedMqttBroker#takeDirectly}): device messages are then classified the same way and written through
 * the bridge's own producer from inside the broker, each acknowledged to its device once Kafka has it, and the
 * bridge carries only its ticks and what still takes the queue (while it catches up, or Kafka is away). Each tick
 * it has written tells the broker how far the queue has come, which is when the direct road may open.
 *
 * <p>Holds no state of its own; its MQTT session (clean-session off) keeps QoS 1 messages while it is away.
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
  /** How long a stopping bridge waits for what its sessions took to reach Kafka before it disconnects them. */
  static final Duration DRAIN_LIMIT = Duration.ofSeconds(20);

  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Done> done;
  private final List<Subscription> subscriptions;
  private final Streams streams;
  private final List<String> streamNames;
  private final Optional<Direct> direct;
  private final Stopping stopping;

  private IngressBridge(UniqueKillSwitch killSwitch, CompletionStage<Done> done, List<Subscription> subscriptions,
      Streams streams, List<String> streamNames, Optional<Direct> direct, Stopping stopping) {
    this.stopping = stopping;
    this.killSwitch = killSwitch;
    this.done = done;
    this.subscriptions = subscriptions;
    this.streams = streams;
    this.streamNames = streamNames;
    this.direct = direct;
  }

  /** The embedded broker's direct road, opened by this bridge, and the producer it shares with the bridge. */
  private record Direct(EmbeddedMqttBroker broker, org.apache.kafka.clients.producer.Producer<String, byte[]> producer) {
    /** Closes the producer once the bridge has stopped ({@link #stop} took the road from the broker first). */
    void close() {
      // What the broker handed over last is still waited for by its devices: close lets it finish first.
      CompletableFuture.runAsync(() -> producer.close(Duration.ofSeconds(10)));
    }
  }

  /** Whether the bridge was asked to stop, and the switch that makes its sessions take no more messages. */
  private static final class Stopping {
    private final AtomicBoolean requested = new AtomicBoolean();
    private final SharedKillSwitch taking = KillSwitches.shared("ingress-bridge-stop");

    /** True for the first request only. */
    boolean request() {
      if (!requested.compareAndSet(false, true)) return false;
      taking.shutdown();
      return true;
    }

    boolean requested() {
      return requested.get();
    }
  }

  /** Whether one bridge connection is subscribed right now, when it first was, and when its current session ended. */
  static final class Subscription {
    private final CompletableFuture<Done> first = new CompletableFuture<>();
    private final AtomicReference<CompletableFuture<Done>> session =
        new AtomicReference<>(CompletableFuture.completedFuture(Done.getInstance()));
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
   * 0, keeps the plain client id and stream name; another, {@code -broker-<n>} after them). {@code embeddedHere}: the
   * embedded broker, when it is the one this bridge connects to and runs on this node: with one connection, its
   * direct road is opened.
   */
  public static IngressBridge start(ActorSystem<?> system, Connection connection, int broker, IngestSettings settings,
      DeviceShards shards, ProducerSettings<String, byte[]> producerSettings, Optional<EmbeddedMqttBroker> embeddedHere) {
    FleetMetrics metrics = FleetMetrics.get(system);
    Classifier classifier = new Classifier(settings, shards, broker);
    int count = Math.max(1, settings.mqttConnections());
    Optional<Direct> direct = embeddedHere.filter(here -> count == 1)
        .map(here -> new Direct(here, producerSettings.createKafkaProducer()));
    ProducerSettings<String, byte[]> producer = direct
        .map(d -> producerSettings.withProducer(d.producer()).withCloseProducerOnStop(false))
        .orElse(producerSettings);
    direct.ifPresent(d -> d.broker().takeDirectly(new DirectToKafka(classifier, d.producer(), metrics)));
    List<Subscription> subscriptions = new ArrayList<>();
    List<Source<Done, NotUsed>> sources = new ArrayList<>();
    List<String> names = new ArrayList<>();
    Streams streams = Streams.get(system);
    Stopping stopping = new Stopping();
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
          producer, streams.stream(name), direct.map(Direct::broker), stopping));
    }
    Source<Done, NotUsed> all = Source.from(sources).flatMapMerge(sources.size(), source -> source);
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = all
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    return new IngressBridge(running.first(), running.second(), List.copyOf(subscriptions), streams, List.copyOf(names),
        direct, stopping);
  }

  private static Source<Done, NotUsed> connectionSource(Connection connection, String clientId, List<String> topics,
      MqttSubscriber.Ticks ticks, IngestSettings settings, Subscription subscription, Classifier classifier, FleetMetrics metrics,
      ProducerSettings<String, byte[]> producer, Streams.Stream state, Optional<EmbeddedMqttBroker> direct,
      Stopping stopping) {
    // Restarted whether the session failed or just ended (a broker that closed it): only stop() ends it.
    return RestartSource.withBackoff(
        RestartSettings.create(Duration.ofMillis(500), Duration.ofSeconds(10), 0.2),
        () -> {
          // Set before asking whether the bridge stops: a stop asked after that waits for this session to drain.
          CompletableFuture<Done> ended = new CompletableFuture<>();
          subscription.session.set(ended);
          if (stopping.requested()) {
            // No new session once stopped: the bridge's stop ends this source.
            ended.complete(Done.getInstance());
            return Source.never();
          }
          log.info("ingress bridge {} connecting to {}", clientId, connection.url());
          Flow<MqttSubscriber.Inbound, Done, NotUsed> handling = Flow.<MqttSubscriber.Inbound>create()
              .map(m -> classifier.toEnvelope(m.topic(), m.topic().equals(ticks.topic()) && direct.isPresent()
                  ? heardUpTo(m.payload(), direct.get()) : m.payload(), m.retained(), m, metrics))
              // At most in-flight messages wait for Kafka; their PUBACKs follow in order, once Kafka acknowledged.
              .via(Producer.flexiFlow(producer.withParallelism(settings.mqttInFlight())))
              .map(result -> {
                MqttSubscriber.Inbound handled = result.passThrough();
                handled.acknowledge();
                if (handled.topic().equals(ticks.topic())) {
                  direct.ifPresent(broker -> broker.bridgeHandledTick(tickTime(handled.payload())));
                }
                return Done.getInstance();
              });
          // Running once subscribed: a broker that refuses every connection keeps the bridge restarting.
          return MqttSubscriber.connect(connection, clientId, topics, settings.mqttCleanSession(), ticks, () -> {
                subscription.subscribed();
                state.running();
              }, handling, stopping.taking)
              .watchTermination((mat, terminated) -> {
                terminated.whenComplete((d, e) -> {
                  subscription.lost();
                  if (!stopping.requested()) {
                    state.restarting(e != null ? e : new IllegalStateException("MQTT session ended"));
                  }
                  ended.complete(Done.getInstance());
                });
                return mat;
              })
              // Ended by the bridge's stop: it waits there for the stop to end it, instead of being restarted.
              .concatLazy(Source.lazySource(() -> stopping.requested() ? Source.<Done>never() : Source.<Done>empty()));
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

  /**
   * A tick's payload as written to Kafka: no later than the direct road says device messages are in Kafka (while it
   * holds publishes back, from when it began to), so that a tick never runs ahead of a held message.
   */
  private static byte[] heardUpTo(byte[] tick, EmbeddedMqttBroker broker) {
    long at = tickTime(tick);
    long cap = broker.directHeardUpTo();
    return at <= cap ? tick : Long.toString(cap).getBytes(StandardCharsets.US_ASCII);
  }

  /** When a tick was published (epoch millis, its payload), or 0 for one that is not a number. */
  private static long tickTime(byte[] payload) {
    try {
      return Long.parseLong(new String(payload, StandardCharsets.US_ASCII).trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Stops taking new MQTT messages (the broker's direct road closes first: device messages queue again); what is on
   * its way to Kafka is finished and acknowledged, and only then does each session disconnect, so the node the
   * bridge moves to is not sent again what this one wrote. A session still waiting for Kafka after
   * {@link #DRAIN_LIMIT} is cut: the broker sends its unacknowledged messages to the next session.
   */
  public CompletionStage<Done> stop() {
    if (stopping.request()) direct.ifPresent(d -> d.broker().stopTakingDirectly());
    CompletableFuture<?>[] sessions = subscriptions.stream().map(s -> s.session.get()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(sessions)
        .orTimeout(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
        .handle((drained, e) -> {
          if (e != null) log.warn("ingress bridge: sessions still waiting for Kafka after {}; disconnecting", DRAIN_LIMIT);
          killSwitch.shutdown();
          return done;
        })
        .thenCompose(stopped -> stopped)
        // Stopped on purpose (the node leaves, or the singleton moves): not this node's fault any more.
        .whenComplete((d, e) -> {
          streamNames.forEach(streams::retire);
          direct.ifPresent(Direct::close);
        });
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
      return toEnvelope(m.topic(), m.payload(), m.retained(), m, metrics);
    }

    /** The records for a message published on {@code mqttTopic}, carrying {@code passThrough}. */
    <P> ProducerMessage.Envelope<String, byte[], P> toEnvelope(String mqttTopic, byte[] payload, boolean retained,
        P passThrough, FleetMetrics metrics) {
      try {
        return classify(mqttTopic, payload, retained, passThrough, metrics);
      } catch (RuntimeException e) {
        // A defect met on one message must not end the bridge: the message is kept as a dead letter.
        log.error("MQTT message on {} could not be classified; dead-lettered", mqttTopic, e);
        ProducerRecord<String, byte[]> record = deadLetter(mqttTopic, DeadLetter.Reason.PROCESSING_FAILED, e.toString(),
            "mqtt:" + mqttTopic, payload, Instant.now(), metrics);
        return ProducerMessage.single(record, passThrough);
      }
    }

    private <P> ProducerMessage.Envelope<String, byte[], P> classify(String mqttTopic, byte[] payload, boolean retained,
        P passThrough, FleetMetrics metrics) {
      if (mqttTopic.startsWith(TICKS + "/")) return tick(payload, passThrough);
      Instant now = Instant.now();
      String source = "mqtt:" + mqttTopic;
      Optional<DeviceTopic> topic = DeviceTopic.parse(mqttTopic);
      metrics.messageIn(topic.map(t -> "mqtt:" + t.kind().label()).orElse("mqtt:unknown"));
      ProducerRecord<String, byte[]> record;
      if (topic.isPresent() && topic.get().kind().toDevice()) {
        // A command to the OwnTracks app: acknowledged and dropped, nothing for Fleet nor a dead letter.
        metrics.messageIgnored(OwnTracksMessages.IGNORED_COMMAND);
        return ProducerMessage.passThrough(passThrough);
      }
      if (topic.isEmpty()) {
        record = deadLetter(mqttTopic, DeadLetter.Reason.UNKNOWN_TOPIC, "topic '" + mqttTopic + "' is not "
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
        if (retained) IngestHeaders.put(record.headers(), IngestHeaders.RETAINED, "true");
      }
      return ProducerMessage.single(record, passThrough);
    }

    /** A tick of this bridge: to every partition, so that each one's consumer hears it. */
    private <P> ProducerMessage.Envelope<String, byte[], P> tick(byte[] payload, P passThrough) {
      List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
      for (int partition = 0; partition < shards.partitions(); partition++) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(settings.deviceEventsTopic(), partition, TICK_KEY,
            payload);
        IngestHeaders.put(record.headers(), IngestHeaders.KIND, TICK_KIND);
        IngestHeaders.put(record.headers(), IngestHeaders.BROKER, Integer.toString(broker));
        records.add(record);
      }
      return ProducerMessage.multi(records, passThrough);
    }

    private ProducerRecord<String, byte[]> deadLetter(
        String key, DeadLetter.Reason reason, String detail, String source, byte[] payload, Instant now, FleetMetrics metrics) {
      return DeadLetters.noted(new DeadLetter(key, reason, detail, source, payload, now), metrics)
          .toRecord(settings.deadLettersTopic());
    }
  }
}
