package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.IngestHeaders;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing the embedded broker acknowledged is lost when the Fleet process dies: a node whose bridge has
 * stopped taking messages (as while it is busy or draining) leaves 5,000 heartbeats, each acknowledged to its
 * device, queued in the broker for the bridge's persistent session; the process is killed (SIGKILL); started
 * again on the same data directory, the broker finds the queue on disk and the bridge takes every heartbeat to
 * Kafka and the devices, each once.
 */
class BrokerCrashIT {
  private static final int DEVICES = 50;
  private static final int PER_DEVICE = 100;
  private static final String BRIDGE = "fleet-it-broker-crash";

  @Test
  void heartbeatsTheBrokerAcknowledgedButFleetHadNotTakenSurviveASigkillAndReachKafkaOnce(@TempDir Path dataDir)
      throws Exception {
    ChildNode child = ChildNode.start(NodeNotTakingMessages.class, dataDir, "768m", "STOPPED");
    child.awaitCount(1, Duration.ofSeconds(120));
    DataDirectory dir = DataDirectory.open(dataDir);
    Mqtt3BlockingClient devices = TestMqtt.serviceClient("tcp://127.0.0.1:" + dir.portFor("mqtt"),
        EmbeddedMqttBroker.SERVICE_USER, dir.secret("mqtt-service"));
    Instant base = Instant.parse("2026-11-23T00:00:00Z");
    for (int n = 0; n < PER_DEVICE; n++) {
      for (int d = 0; d < DEVICES; d++) {
        // QoS 1: returns once the broker acknowledged the heartbeat to its device.
        TestMqtt.publish(devices, "fleet/" + device(d) + "/heartbeat",
            "{\"ts\":\"" + base.plusSeconds(n) + "\",\"battery\":" + n + ",\"interval_s\":3600}");
      }
    }
    devices.disconnect();
    child.kill();

    var config = new TestServers("embedded", null, null).config(dataDir, "child", Map.of("fleet.mqtt.client-id", BRIDGE));
    try (FleetApp app = FleetApp.start(config); KafkaConsumer<String, byte[]> kafka = consumer(app)) {
      Map<String, Integer> heartbeats = new HashMap<>();
      await("every acknowledged heartbeat in Kafka").atMost(Duration.ofSeconds(120)).until(() -> {
        for (var r : kafka.poll(Duration.ofMillis(200))) {
          if (r.key() != null && r.key().startsWith("broker-crash-")
              && IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) {
            heartbeats.merge(r.key(), 1, Integer::sum);
          }
        }
        return heartbeats.values().stream().mapToInt(Integer::intValue).sum() >= DEVICES * PER_DEVICE;
      });
      assertThat(heartbeats).as("each device's heartbeats, each once").hasSize(DEVICES)
          .allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(PER_DEVICE));
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await("each device has its last heartbeat").atMost(Duration.ofSeconds(60)).until(() ->
          api.get("/api/devices/" + device(DEVICES - 1)).body().path("battery").asInt() == PER_DEVICE - 1);
    }
  }

  private static KafkaConsumer<String, byte[]> consumer(FleetApp app) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, app.node().endpoints().kafkaBootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-broker-crash");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
    return consumer;
  }

  static String device(int i) {
    return "broker-crash-" + i;
  }

  /** The node that gets killed: once its bridge subscribed (so its session exists), it stops taking messages. */
  public static final class NodeNotTakingMessages {
    public static void main(String[] args) throws Exception {
      var config = new TestServers("embedded", null, null).config(Path.of(args[0]), "child",
          Map.of("fleet.mqtt.client-id", BRIDGE));
      FleetApp app = FleetApp.start(config);
      await().atMost(Duration.ofSeconds(60)).until(() -> app.node().ingressBridgeSubscribed());
      app.node().stopIngress().toCompletableFuture().get(30, TimeUnit.SECONDS);
      System.out.println("STOPPED 1");
      Thread.currentThread().join();
    }
  }
}
