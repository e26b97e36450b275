package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.ingest.IngestSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device's last heartbeat survives the death of the node that handled it. Each device sends two heartbeats; the
 * second changes only values an entity keeps in memory until its next journaled heartbeat (battery 50 → 49, within
 * {@code last-seen-persist-interval}), and its record is committed once handled. The node is killed (SIGKILL) and
 * started again on the same data: its entities recover from the journal with the first heartbeat's values, and
 * the consumer, assigned the partitions again, reads their recent past once more ({@code VitalsCatchUp}) so that
 * every device shows its last heartbeat again — with no new heartbeat sent, and with no event journaled for it.
 */
class VitalsAfterCrashIT {
  private static final int DEVICES = 20;
  private static final String BRIDGE = "fleet-it-vitals-crash";

  @Test
  void afterASigkillEveryDeviceShowsItsLastHeartbeatAgainWithoutSendingAnother(@TempDir Path dataDir) throws Exception {
    ChildNode child = ChildNode.start(NodeToKill.class, dataDir, "768m", "READY");
    child.awaitCount(1, Duration.ofSeconds(120));
    DataDirectory dir = DataDirectory.open(dataDir);
    Mqtt3BlockingClient devices = TestMqtt.serviceClient("tcp://127.0.0.1:" + dir.portFor("mqtt"),
        EmbeddedMqttBroker.SERVICE_USER, dir.secret("mqtt-service"));
    Instant base = Instant.now().minusSeconds(30);
    for (int beat = 0; beat < 2; beat++) {
      for (int d = 0; d < DEVICES; d++) {
        TestMqtt.publish(devices, "fleet/" + device(d) + "/heartbeat",
            "{\"ts\":\"" + base.plusSeconds(10L * beat) + "\",\"battery\":" + (50 - beat) + ",\"interval_s\":3600}");
      }
    }
    devices.disconnect();
    var config = new TestServers("embedded", null, null).config(dataDir, "child", Map.of("fleet.mqtt.client-id", BRIDGE));
    IngestSettings ingest = IngestSettings.fromConfig(config.getConfig("fleet"));
    String bootstrap = "127.0.0.1:" + dir.portFor("kafka");
    // Where the heartbeats' records are; committed past them means handled (a record is committed once its entity answered).
    Map<TopicPartition, Long> last = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : TestKafka.awaitRecords(bootstrap, ingest.deviceEventsTopic(),
        r -> r.key() != null && r.key().startsWith("vitals-crash-"), 2 * DEVICES)) {
      last.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::max);
    }
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      await("every heartbeat handled and committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            var committed = kafka.listConsumerGroupOffsets(ingest.consumerGroup()).partitionsToOffsetAndMetadata().get();
            return last.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                && committed.get(e.getKey()).offset() > e.getValue());
          });
    }
    child.kill();

    try (FleetApp app = FleetApp.start(config)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      List<String> ids = IntStream.range(0, DEVICES).mapToObj(VitalsAfterCrashIT::device).toList();
      await("every device back at its last heartbeat's battery").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ids.stream().allMatch(id -> battery(api, id) == 49));
      assertThat(ids).allSatisfy(id -> assertThat(battery(api, id)).as(id).isEqualTo(49));
    }
  }

  private static int battery(ApiClient api, String id) {
    ApiClient.Response r = api.get("/api/devices/" + id);
    return r.status() == 200 ? r.body().path("battery").asInt(-1) : -1;
  }

  static String device(int i) {
    return "vitals-crash-" + i;
  }

  /** The node that gets killed: Fleet on the embedded servers, saying READY once its bridge subscribed. */
  public static final class NodeToKill {
    public static void main(String[] args) throws Exception {
      var config = new TestServers("embedded", null, null).config(Path.of(args[0]), "child",
          Map.of("fleet.mqtt.client-id", BRIDGE));
      FleetApp app = FleetApp.start(config);
      await().atMost(Duration.ofSeconds(60)).until(() -> app.node().ingressBridgeSubscribed());
      System.out.println("READY 1");
      Thread.currentThread().join();
    }
  }
}
