package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Mosquitto brokers behind a two-node cluster ({@code FLEET_MQTT_URL} names both): each device is pinned to
 * one broker by its id and its registration names that one; each broker's bridge runs once in the cluster; every
 * message a device published reaches Kafka once and in the device's order; when a node running a bridge leaves,
 * its bridge moves to the other node and nothing published meanwhile is lost or reordered.
 */
class MultiBrokerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEVICES = 16;
  private static final int PER_DEVICE = 10;

  @Test
  void eachBrokerHasOneBridgeInTheClusterAndEveryDevicesMessagesArriveOnceAndInOrderAcrossAHandOver(
      @TempDir Path dir) throws Exception {
    assumeTrue(TestMosquitto.installed(), "needs Debian's mosquitto");
    String run = UUID.randomUUID().toString().substring(0, 6);
    String schema = TestServers.uniqueSchema();
    List<TestMosquitto> brokers = new ArrayList<>();
    try {
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        // Nothing kept on disk, no limit on queued messages.
        TestMosquitto broker = TestMosquitto.anonymous(dir.resolve("broker-" + i), "persistence false\nmax_queued_messages 0\n");
        brokers.add(broker);
        urls.add(broker.url());
      }
      Map<String, Object> mqtt = Map.of("fleet.mqtt.url", String.join(",", urls), "fleet.mqtt.user", "",
          "fleet.mqtt.password", "", "fleet.mqtt.clean-session", false);
      TestServers embedded = new TestServers("embedded", null, null);
      try (FleetApp a = FleetApp.start(embedded.config(dir.resolve("a"), schema, mqtt))) {
        Endpoints e = a.node().endpoints();
        Map<String, Object> nodeB = new HashMap<>(ExternalServers.of(e));
        nodeB.putAll(mqtt);
        nodeB.put("fleet.cluster.seeds", Cluster.get(a.node().system()).selfMember().address().toString());
        try (FleetApp b = FleetApp.start(embedded.config(dir.resolve("b"), schema, nodeB));
             Heartbeats heartbeats = new Heartbeats(e, a.node().ingestSettings().deviceEventsTopic(), run)) {
          await("two nodes up").atMost(Duration.ofSeconds(60)).until(() -> up(a) == 2 && up(b) == 2);
          await("each broker's bridge subscribed on one node").atMost(Duration.ofSeconds(60)).until(() ->
              bridges(a, b).equals(List.of(0, 1)) && subscribed(a) && subscribed(b));

          ApiClient api = new ApiClient(a.baseUrl(), a.operatorToken());
          String registered = device(run, 0);
          assertThat(api.post("/api/devices", "{\"deviceId\": \"" + registered + "\", \"type\": \"sensor\"}").body()
              .at("/mqtt/url").asText()).as("a registration names the device's broker")
              .isEqualTo(urls.get(Endpoints.brokerOf(registered, 2)));
          List<Mqtt3BlockingClient> publishers = urls.stream().map(u -> TestMqtt.serviceClient(u, "", "")).toList();
          Set<Integer> used = new HashSet<>();
          for (int d = 0; d < DEVICES; d++) used.add(Endpoints.brokerOf(device(run, d), 2));
          assertThat(used).as("the devices spread over both brokers").containsExactlyInAnyOrder(0, 1);

          publish(publishers, run, 0);
          await("every message in Kafka").atMost(Duration.ofSeconds(60)).until(() -> heartbeats.count() == DEVICES * PER_DEVICE);

          FleetApp runner = a.node().ingressBridgesHere().contains(0) ? a : b;
          FleetApp other = runner == a ? b : a;
          Cluster.get(runner.node().system()).manager()
              .tell(Leave.create(Cluster.get(runner.node().system()).selfMember().address()));
          publish(publishers, run, PER_DEVICE);
          await("both bridges on the remaining node").atMost(Duration.ofSeconds(90))
              .until(() -> other.node().ingressBridgesHere().equals(Set.of(0, 1)) && subscribed(other));
          publish(publishers, run, 2 * PER_DEVICE);
          await("every message published before, during and after the hand-over in Kafka")
              .atMost(Duration.ofSeconds(60)).until(() -> heartbeats.count() >= 3 * DEVICES * PER_DEVICE);
          for (int d = 0; d < DEVICES; d++) {
            assertThat(heartbeats.of(device(run, d))).as("device %d: each heartbeat once, in the order sent", d)
                .containsExactlyElementsOf(IntStream.range(0, 3 * PER_DEVICE).boxed().toList());
          }
          publishers.forEach(Mqtt3BlockingClient::disconnect);
        }
      }
    } finally {
      brokers.forEach(TestMosquitto::close);
    }
  }

  private static String device(String run, int i) {
    return "mb-" + run + "-" + i;
  }

  /** {@code PER_DEVICE} heartbeats of each device from {@code offset}, each to its device's broker; ts = n seconds. */
  private static void publish(List<Mqtt3BlockingClient> publishers, String run, int offset) {
    Instant base = Instant.parse("2026-11-23T00:00:00Z");
    for (int n = offset; n < offset + PER_DEVICE; n++) {
      for (int d = 0; d < DEVICES; d++) {
        String id = device(run, d);
        TestMqtt.publish(publishers.get(Endpoints.brokerOf(id, publishers.size())), "fleet/" + id + "/heartbeat",
            "{\"ts\":\"" + base.plusSeconds(n) + "\",\"battery\":80,\"interval_s\":60}");
      }
    }
  }

  private static List<Integer> bridges(FleetApp a, FleetApp b) {
    List<Integer> all = new ArrayList<>(a.node().ingressBridgesHere());
    all.addAll(b.node().ingressBridgesHere());
    return all.stream().sorted().toList();
  }

  private static boolean subscribed(FleetApp app) {
    return !app.node().runsIngressBridge() || app.node().ingressBridgeSubscribed();
  }

  private static long up(FleetApp app) {
    long up = 0;
    for (var m : Cluster.get(app.node().system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return up;
  }

  /** This run's heartbeats in {@code fleet.device-events}, per device in Kafka's order, as seconds after the base. */
  private static final class Heartbeats implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String prefix;
    private final Map<String, List<Integer>> byDevice = new HashMap<>();
    private long count;

    Heartbeats(Endpoints e, String topic, String run) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, e.kafkaBootstrap());
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-multi-broker-" + run);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(topic));
      prefix = "mb-" + run + "-";
    }

    synchronized long count() throws IOException {
      for (var r : consumer.poll(Duration.ofMillis(200))) {
        if (r.key() == null || !r.key().startsWith(prefix)) continue;
        if (!IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) continue;
        Instant ts = Instant.parse(JSON.readTree(r.value()).path("ts").asText());
        byDevice.computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add((int) (ts.getEpochSecond() - Instant.parse("2026-11-23T00:00:00Z").getEpochSecond()));
        count++;
      }
      return count;
    }

    synchronized List<Integer> of(String device) {
      return byDevice.getOrDefault(device, List.of());
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
