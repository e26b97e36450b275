package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import io.fleet.metrics.FleetMetrics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two Fleet nodes in one cluster share one MQTT session: the ingress bridge runs once, on one node, so
 * each device message reaches Kafka once; an alert reaches live-stream subscribers on both nodes; when
 * the bridge's node leaves, the bridge moves to the other node and resumes the same session, losing
 * nothing published meanwhile. Node A holds the embedded
 * servers (they outlive its actor system when it leaves the cluster); node B uses them as real ones.
 */
class ClusterBridgeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEVICES = 10;
  private static final int PER_DEVICE = 10;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void oneBridgePerClusterMovesToTheNextNodeWithoutLosingMessages(
      TestServers servers, @TempDir Path dataA, @TempDir Path dataB) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String schema = TestServers.uniqueSchema();
    // A persistent session: while the bridge moves, the broker keeps the devices' messages for it.
    Map<String, Object> persistent = Map.of("fleet.mqtt.clean-session", false);
    try (FleetApp a = FleetApp.start(servers.config(dataA, schema, persistent))) {
      Endpoints e = a.node().endpoints();
      String seed = Cluster.get(a.node().system()).selfMember().address().toString();
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(e);
      try (FleetApp b = FleetApp.start(servers.config(dataB, schema, nodeUsing(e, seed)));
           DeviceEvents events = new DeviceEvents(e, a.node().ingestSettings().deviceEventsTopic(), run)) {
        await("both nodes up in one cluster").atMost(Duration.ofSeconds(60)).until(() ->
            InProcessNodes.upMembers(a) == 2 && InProcessNodes.upMembers(b) == 2);
        await("the bridge started on one node").atMost(Duration.ofSeconds(30))
            .until(() -> a.node().ingressBridgeSubscribed() || b.node().ingressBridgeSubscribed());
        assertThat(a.node().runsIngressBridge() && b.node().runsIngressBridge()).as("a bridge on both nodes").isFalse();
        FleetApp runner = a.node().runsIngressBridge() ? a : b;
        FleetApp other = runner == a ? b : a;

        Set<String> sent = publish(mqtt, run, 0);
        await("every message in Kafka").atMost(Duration.ofSeconds(60)).until(() -> events.seen().containsAll(sent));
        assertThat(events.records()).as("records in Kafka: each message once, from one bridge").isEqualTo(sent.size());
        assertThat(bridged(a) + bridged(b)).as("messages the nodes' bridges took from MQTT").isEqualTo(sent.size());
        // Each record is handled on the node that reads it: its entity asked locally where its shard is there (or the
        // heartbeat taken there without it, when it changes nothing), else remotely.
        await("every record handled, counted local or remote").atMost(Duration.ofSeconds(60))
            .until(() -> InProcessNodes.handledHere(a) + InProcessNodes.handledHere(b)
                + InProcessNodes.entityAsks(a, "remote") + InProcessNodes.entityAsks(b, "remote") >= sent.size());

        // A live-stream subscriber on either node sees an alert, wherever the device's entity runs.
        String watched = device(run, 3);
        try (SseClient onA = new SseClient(a.baseUrl() + "/api/alerts/stream?deviceId=" + watched, a.operatorToken(), null);
             SseClient onB = new SseClient(b.baseUrl() + "/api/alerts/stream?deviceId=" + watched, b.operatorToken(), null)) {
          TestMqtt.publish(mqtt, "fleet/" + watched + "/status", "offline");
          for (SseClient stream : List.of(onA, onB)) {
            SseClient.Event alert = stream.next(Duration.ofSeconds(30));
            assertThat(alert).as("the offline alert on each node's stream").isNotNull();
            assertThat(JSON.readTree(alert.data()).get("kind").asText()).isEqualTo("offline");
          }
        }

        // The bridge's node leaves the cluster (its actor system stops; node A's embedded servers keep running).
        Cluster.get(runner.node().system()).manager()
            .tell(Leave.create(Cluster.get(runner.node().system()).selfMember().address()));
        Set<String> duringHandOver = publish(mqtt, run, PER_DEVICE);
        await("the bridge moved to the other node").atMost(Duration.ofSeconds(90))
            .until(() -> other.node().ingressBridgeSubscribed());
        Set<String> afterwards = publish(mqtt, run, 2 * PER_DEVICE);
        await("every message published during and after the hand-over in Kafka").atMost(Duration.ofSeconds(60))
            .until(() -> events.seen().containsAll(duringHandOver) && events.seen().containsAll(afterwards));
        assertThat(events.records()).as("records in Kafka after the hand-over: each message once")
            .isEqualTo(events.seen().size());
        assertThat(runner.node().runsIngressBridge()).as("the old node's bridge stopped").isFalse();

        ApiClient apiOther = new ApiClient(other.baseUrl(), other.operatorToken());
        await("the remaining node's entities have the devices' latest heartbeats").atMost(Duration.ofSeconds(60)).until(() ->
            "online".equals(apiOther.get("/api/devices/" + device(run, 0)).body().path("status").asText()));
      } finally {
        mqtt.disconnect();
        if (servers.external()) clearSession(e, "fleet-it-" + schema);
      }
    }
  }

  /** Node B's configuration: A's servers as real ones, A as its seed node. */
  private static Map<String, Object> nodeUsing(Endpoints e, String seed) {
    Map<String, Object> m = new HashMap<>(ExternalServers.of(e));
    m.put("fleet.cluster.seeds", seed);
    m.put("fleet.mqtt.clean-session", false);
    return m;
  }


  private static double bridged(FleetApp app) {
    var counter = FleetMetrics.get(app.node().system()).registry().find("fleet_messages_in").tag("topic", "mqtt:heartbeat").counter();
    return counter == null ? 0 : counter.count();
  }

  private static String device(String run, int i) {
    return "cb-" + run + "-" + i;
  }

  /** {@code PER_DEVICE} heartbeats for each device, from {@code offset}; returns their ids (device/ts). */
  private static Set<String> publish(Mqtt3BlockingClient mqtt, String run, int offset) {
    Set<String> ids = new HashSet<>();
    Instant base = Instant.parse("2026-11-23T00:00:00Z");
    for (int n = offset; n < offset + PER_DEVICE; n++) {
      for (int d = 0; d < DEVICES; d++) {
        String ts = base.plusSeconds(n).toString();
        TestMqtt.publish(mqtt, "fleet/" + device(run, d) + "/heartbeat",
            "{\"ts\":\"" + ts + "\",\"battery\":80,\"interval_s\":60}");
        ids.add(device(run, d) + "/" + ts);
      }
    }
    return ids;
  }

  /** Removes the bridge's persistent session from a shared broker, so it queues nothing after the test. */
  private static void clearSession(Endpoints e, String clientId) {
    URI uri = URI.create(e.mqttUrl());
    var builder = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost(uri.getHost()).serverPort(uri.getPort());
    if (!e.mqttUser().isEmpty()) {
      builder = builder.simpleAuth().username(e.mqttUser()).password(e.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    Mqtt3BlockingClient client = builder.buildBlocking();
    client.connectWith().cleanSession(true).send();
    client.disconnect();
  }

  /** This run's heartbeats in {@code fleet.device-events}: how many records, and which (device/ts) were seen. */
  private static final class DeviceEvents implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String prefix;
    private final Set<String> seen = new HashSet<>();
    private long records;

    DeviceEvents(Endpoints e, String topic, String run) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, e.kafkaBootstrap());
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-cluster-bridge-" + run);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(topic));
      prefix = "cb-" + run + "-";
    }

    synchronized Set<String> seen() throws Exception {
      for (var r : consumer.poll(Duration.ofMillis(200))) {
        if (r.key() == null || !r.key().startsWith(prefix)) continue;
        if (!IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) continue;
        JsonNode hb = JSON.readTree(r.value());
        seen.add(r.key() + "/" + hb.path("ts").asText());
        records++;
      }
      return seen;
    }

    synchronized long records() {
      return records;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
