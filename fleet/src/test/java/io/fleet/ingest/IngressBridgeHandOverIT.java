package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.device.DeviceShards;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.metrics.FleetMetrics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.kafka.ProducerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridge asked to stop while its session is busy (thousands of messages queued for it, a full window on its way to
 * Kafka) finishes and acknowledges what it took before it disconnects, so the next bridge on the same persistent
 * session (the one a cluster starts on another node) is sent only the rest: every message lands in Kafka once.
 * Real embedded Kafka and MQTT broker; the broker's direct road stays closed, so every message takes the bridge.
 */
class IngressBridgeHandOverIT {
  private static final int BACKLOG = 20_000;
  private static final int DEVICES = 50;
  private static final String PREFIX = "handover-";

  @TempDir Path dir;

  @Test
  void aBridgeStoppedMidBacklogFinishesWhatItTookSoTheNextSessionWritesEachMessageOnce() throws Exception {
    Config config = ConfigFactory.parseMap(Map.of("fleet.mqtt.clean-session", false, "fleet.mqtt.client-id",
        "handover-it")).withFallback(ConfigFactory.load());
    IngestSettings settings = IngestSettings.fromConfig(config.getConfig("fleet"));
    DeviceShards shards = new DeviceShards(8, 4);
    DataDirectory data = DataDirectory.open(dir);
    ActorTestKit testKit = ActorTestKit.create("handover", config);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(data);
         EmbeddedMqttBroker mqtt = EmbeddedMqttBroker.start(data, DeviceCredentials.derivedOnly(new DerivedPasswords("it")))) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrap()))) {
        admin.createTopics(List.of(new NewTopic(settings.deviceEventsTopic(), shards.partitions(), (short) 1),
            new NewTopic(settings.deadLettersTopic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      ProducerSettings<String, byte[]> producer = ProducerSettings.create(testKit.system(), new StringSerializer(),
          new ByteArraySerializer()).withBootstrapServers(kafka.bootstrap());
      IngressBridge.Connection connection = new IngressBridge.Connection(mqtt.url(), mqtt.serviceUser(),
          mqtt.servicePassword());

      // The session exists (the broker keeps messages for it), then its bridge is away while the backlog is published.
      IngressBridge first = IngressBridge.start(testKit.system(), connection, 0, settings, shards, producer, Optional.empty());
      first.firstSubscription().toCompletableFuture().get(60, TimeUnit.SECONDS);
      first.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      publishBacklog(mqtt);

      IngressBridge busy = IngressBridge.start(testKit.system(), connection, 0, settings, shards, producer, Optional.empty());
      await("the bridge working through the backlog").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
          .until(() -> taken(testKit) >= BACKLOG / 10);
      busy.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(taken(testKit)).as("the stop landed in the backlog: the bridge had not taken it all").isLessThan(BACKLOG);

      IngressBridge next = IngressBridge.start(testKit.system(), connection, 0, settings, shards, producer, Optional.empty());
      try (KafkaConsumer<String, byte[]> consumer = consumer(kafka, settings.deviceEventsTopic())) {
        Set<String> distinct = new HashSet<>();
        long[] records = {0};
        await("every message of the backlog in Kafka").atMost(Duration.ofSeconds(120)).until(() -> {
          for (var r : consumer.poll(Duration.ofMillis(200))) {
            if (r.key() == null || !r.key().startsWith(PREFIX)) continue;
            records[0]++;
            distinct.add(new String(r.value(), StandardCharsets.UTF_8));
          }
          return distinct.size() == BACKLOG;
        });
        // A message written again would be resent at the start of the next session, ahead of the rest of its partition.
        assertThat(records[0]).as("records in Kafka: each message once, none written again by the next session")
            .isEqualTo(BACKLOG);
      } finally {
        next.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /** Heartbeat-topic messages the bridge has classified so far (each one it took from MQTT). */
  private static double taken(ActorTestKit testKit) {
    var counter = FleetMetrics.get(testKit.system()).registry().find("fleet_messages_in").tag("topic", "mqtt:heartbeat")
        .counter();
    return counter == null ? 0 : counter.count();
  }

  /** {@code BACKLOG} QoS 1 heartbeats over {@code DEVICES} devices, each with a payload of its own, all acknowledged. */
  private static void publishBacklog(EmbeddedMqttBroker mqtt) throws Exception {
    URI uri = URI.create(mqtt.url());
    Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier("handover-publisher")
        .serverHost(uri.getHost()).serverPort(uri.getPort())
        .simpleAuth().username(mqtt.serviceUser()).password(mqtt.servicePassword().getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().buildAsync();
    client.connect().get(30, TimeUnit.SECONDS);
    CompletableFuture<?>[] sent = new CompletableFuture<?>[BACKLOG];
    for (int i = 0; i < BACKLOG; i++) {
      sent[i] = client.publishWith().topic("fleet/" + PREFIX + (i % DEVICES) + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
          .payload(("{\"seq\":" + i + "}").getBytes(StandardCharsets.UTF_8)).send();
    }
    CompletableFuture.allOf(sent).get(120, TimeUnit.SECONDS);
    client.disconnect().get(30, TimeUnit.SECONDS);
  }

  private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafka kafka, String topic) {
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
        ConsumerConfig.GROUP_ID_CONFIG, "handover-it",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic));
    return consumer;
  }
}
