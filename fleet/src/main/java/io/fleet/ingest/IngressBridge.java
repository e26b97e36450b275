package io.fleet.ingest;

import io.fleet.metrics.FleetMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
import org.apache.pekko.stream.connectors.mqtt.MqttConnectionSettings;
import org.apache.pekko.stream.connectors.mqtt.MqttMessage;
import org.apache.pekko.stream.connectors.mqtt.MqttQoS;
import org.apache.pekko.stream.connectors.mqtt.MqttSubscriptions;
import org.apache.pekko.stream.connectors.mqtt.javadsl.MqttMessageWithAck;
import org.apache.pekko.stream.connectors.mqtt.javadsl.MqttSource;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves device messages from MQTT into Kafka: {@code fleet.device-events} keyed by device id, or
 * {@code fleet.dead-letters} with the reason. Each MQTT message is acknowledged (PUBACK) only after
 * Kafka acknowledged its record, so a crash loses nothing: the broker redelivers what was not acked.
 * Holds no state of its own; its MQTT session (clean-session off) keeps QoS 1 messages while it is away.
 */
public final class IngressBridge {
  private static final Logger log = LoggerFactory.getLogger(IngressBridge.class);
  /** All of Fleet's namespace, so that messages on topics of the wrong shape are dead-lettered, not ignored. */
  private static final List<String> SUBSCRIPTIONS = List.of("fleet/#", "owntracks/#");

  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Done> done;
  private final List<Subscription> subscriptions;

  private IngressBridge(UniqueKillSwitch killSwitch, CompletionStage<Done> done, List<Subscription> subscriptions) {
    this.killSwitch = killSwitch;
    this.done = done;
    this.subscriptions = subscriptions;
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
   * device's. The default is one connection.
   */
  public static IngressBridge start(
      ActorSystem<?> system, Connection connection, IngestSettings settings, ProducerSettings<String, byte[]> producer) {
    FleetMetrics metrics = FleetMetrics.get(system);
    Classifier classifier = new Classifier(settings);
    int count = Math.max(1, settings.mqttConnections());
    List<Subscription> subscriptions = new ArrayList<>();
    List<Source<Done, NotUsed>> sources = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Subscription subscription = new Subscription();
      subscriptions.add(subscription);
      String clientId = count == 1 ? settings.mqttClientId() : settings.mqttClientId() + "-" + i;
      List<String> topics = count == 1 ? SUBSCRIPTIONS
          : SUBSCRIPTIONS.stream().map(t -> "$share/" + settings.mqttShareGroup() + "/" + t).toList();
      sources.add(connectionSource(connection, clientId, topics, settings, subscription, classifier, metrics, producer));
    }
    Source<Done, NotUsed> all = Source.from(sources).flatMapMerge(sources.size(), source -> source);
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = all
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    return new IngressBridge(running.first(), running.second(), List.copyOf(subscriptions));
  }

  private static Source<Done, NotUsed> connectionSource(Connection connection, String clientId, List<String> topics,
      IngestSettings settings, Subscription subscription, Classifier classifier, FleetMetrics metrics,
      ProducerSettings<String, byte[]> producer) {
    MqttConnectionSettings mqtt =
        MqttConnectionSettings.create(connection.url(), clientId, new MemoryPersistence())
            .withCleanSession(settings.mqttCleanSession())
            .withAutomaticReconnect(false)
            .withMaxInFlight(settings.mqttInFlight())
            .withKeepAliveInterval(Duration.ofSeconds(30));
    MqttConnectionSettings connectionSettings =
        connection.user().isEmpty() ? mqtt : mqtt.withAuth(connection.user(), connection.password());
    MqttSubscriptions subscriptions =
        MqttSubscriptions.create(topics.stream().map(t -> Pair.create(t, MqttQoS.atLeastOnce())).toList());
    return RestartSource.onFailuresWithBackoff(
        RestartSettings.create(Duration.ofMillis(500), Duration.ofSeconds(10), 0.2),
        () -> {
          log.info("ingress bridge {} connecting to {}", clientId, connection.url());
          return MqttSource.atLeastOnce(connectionSettings, subscriptions, settings.mqttInFlight())
              .mapMaterializedValue(subscribed -> subscribed.thenRun(subscription::subscribed))
              .watchTermination((mat, terminated) -> terminated.whenComplete((d, e) -> subscription.lost()))
              .map(m -> classifier.toEnvelope(m, metrics))
              .via(Producer.flexiFlow(producer))
              .mapAsync(settings.mqttInFlight(), result -> result.passThrough().ack());
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
    return done;
  }

  /** Decides where each MQTT message goes in Kafka. */
  static final class Classifier {
    private final IngestSettings settings;

    Classifier(IngestSettings settings) {
      this.settings = settings;
    }

    ProducerMessage.Envelope<String, byte[], MqttMessageWithAck> toEnvelope(MqttMessageWithAck withAck, FleetMetrics metrics) {
      MqttMessage m = withAck.message();
      Instant now = Instant.now();
      byte[] payload = m.payload().toArray();
      String source = "mqtt:" + m.topic();
      Optional<DeviceTopic> topic = DeviceTopic.parse(m.topic());
      metrics.messageIn(topic.map(t -> "mqtt:" + t.kind().label()).orElse("mqtt:unknown"));
      ProducerRecord<String, byte[]> record;
      if (topic.isEmpty()) {
        record = deadLetter(m.topic(), DeadLetter.Reason.UNKNOWN_TOPIC,
            "topic '" + m.topic() + "' is not fleet/{deviceId}/{heartbeat|telemetry|motion|status} or owntracks/{user}/{device}",
            source, payload, now, metrics);
      } else if (payload.length > settings.maxPayloadBytes()) {
        record = deadLetter(topic.get().deviceId(), DeadLetter.Reason.OVERSIZED,
            payload.length + " bytes exceeds the limit of " + settings.maxPayloadBytes(), source, payload, now, metrics);
      } else {
        record = new ProducerRecord<>(settings.deviceEventsTopic(), topic.get().deviceId(), payload);
        IngestHeaders.put(record.headers(), IngestHeaders.KIND, topic.get().kind().label());
        IngestHeaders.put(record.headers(), IngestHeaders.SOURCE, source);
        IngestHeaders.put(record.headers(), IngestHeaders.RECEIVED_AT, Long.toString(now.toEpochMilli()));
        if (m.retained()) IngestHeaders.put(record.headers(), IngestHeaders.RETAINED, "true");
      }
      return ProducerMessage.single(record, withAck);
    }

    private ProducerRecord<String, byte[]> deadLetter(
        String key, DeadLetter.Reason reason, String detail, String source, byte[] payload, Instant now, FleetMetrics metrics) {
      return DeadLetters.noted(new DeadLetter(key, reason, detail, source, payload, now), metrics)
          .toRecord(settings.deadLettersTopic());
    }
  }
}
