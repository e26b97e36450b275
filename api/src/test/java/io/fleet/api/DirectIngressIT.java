package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.IngestHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.LongStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker's direct road: once the ingress bridge has caught up, device messages go from the broker
 * straight to Kafka, each acknowledged to its device only once Kafka has it, nothing queued for the bridge — in the
 * order each device sent them, a retained message too (kept by the broker all the same), and nothing acknowledged lost
 * when the node is killed (SIGKILL) while devices publish.
 */
class DirectIngressIT {
  private static final Instant BASE = Instant.parse("2026-12-07T00:00:00Z");

  @Test
  void deviceMessagesSwitchBetweenTheQueueAndTheDirectRoadUnderLoadReachKafkaInOrderAndRetainedOnesStayOnTheRoad(
      @TempDir Path dataDir) throws Exception {
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of());
    try (FleetApp app = FleetApp.start(config)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.metric("fleet_mqtt_direct_open")).as("direct road open before the bridge caught up").isZero();
      Publishers publishers = new Publishers(app.node().endpoints().mqttUrl(), "direct-order-", 10,
          app.node().infrastructure().derivedPasswords()::passwordFor, null);
      Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
      try {
        // Devices publish from the start, hundreds of heartbeats in flight: the road must open under way.
        publishers.startLoad(acknowledged);
        await("the direct road open while devices publish").atMost(Duration.ofSeconds(30))
            .until(() -> api.metric("fleet_mqtt_direct_open") == 1);
        double takenThen = api.metric("fleet_mqtt_taken_directly_total");
        await("heartbeats taken directly").atMost(Duration.ofSeconds(60))
            .until(() -> api.metric("fleet_mqtt_taken_directly_total") >= takenThen + 1000);
        // A device's retained message (its "online" at connect, say) is taken directly like any other, the road
        // staying open, and the broker still keeps it for subscribers to come.
        double openings = api.metric("fleet_mqtt_direct_openings_total");
        Mqtt3BlockingClient other = TestMqtt.deviceClient(app.node().endpoints().mqttUrl(), "direct-retained",
            app.node().infrastructure().derivedPasswords().passwordFor("direct-retained"));
        String retainedTopic = "fleet/direct-retained/heartbeat";
        byte[] retained = ("{\"ts\":\"" + Instant.now() + "\",\"battery\":50,\"interval_s\":3600}")
            .getBytes(StandardCharsets.UTF_8);
        other.publishWith().topic(retainedTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(retained).send();
        assertThat(api.metric("fleet_mqtt_direct_open")).as("direct road open after a retained publish").isEqualTo(1);
        Mqtt3BlockingClient watcher = TestMqtt.serviceClient(app.node().endpoints());
        try (Mqtt3BlockingClient.Mqtt3Publishes arriving = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
          watcher.subscribeWith().topicFilter(retainedTopic).qos(MqttQos.AT_LEAST_ONCE).send();
          Optional<Mqtt3Publish> kept = arriving.receive(10, TimeUnit.SECONDS);
          assertThat(kept).as("the retained message a new subscriber gets").hasValueSatisfying(p -> {
            assertThat(p.isRetain()).isTrue();
            assertThat(p.getPayloadAsBytes()).isEqualTo(retained);
          });
        } finally {
          watcher.disconnect();
        }
        // Clearing a retained message takes the queue (the broker's own business): the road goes back to
        // queueing, under load, and opens again once the bridge has caught up.
        other.publishWith().topic(retainedTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        other.disconnect();
        await("the direct road open again").atMost(Duration.ofSeconds(30))
            .until(() -> api.metric("fleet_mqtt_direct_openings_total") >= openings + 1);
        assertThat(api.metric("fleet_mqtt_direct_openings_total")).as("openings: one, after the clear alone")
            .isEqualTo(openings + 1);
        double takenAgain = api.metric("fleet_mqtt_taken_directly_total");
        await("heartbeats taken directly again").atMost(Duration.ofSeconds(60))
            .until(() -> api.metric("fleet_mqtt_taken_directly_total") >= takenAgain + 1000);
        publishers.stopLoad();
      } finally {
        publishers.close();
      }

      Map<String, List<Long>> inKafka = new HashMap<>();
      try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(app.node().endpoints().kafkaBootstrap(), "it-direct")) {
        consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
        await("every acknowledged heartbeat in Kafka").atMost(Duration.ofSeconds(60)).until(() -> {
          readHeartbeats(consumer, "direct-order-", inKafka);
          return acknowledged.entrySet().stream()
              .allMatch(e -> inKafka.getOrDefault(e.getKey(), List.of()).size() >= e.getValue().size());
        });
      }
      try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(app.node().endpoints().kafkaBootstrap(), "it-direct-retained")) {
        consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
        Map<String, List<Long>> retainedInKafka = new HashMap<>();
        await("the retained heartbeat in Kafka").atMost(Duration.ofSeconds(30)).until(() -> {
          readHeartbeats(consumer, "direct-retained", retainedInKafka);
          return retainedInKafka.containsKey("direct-retained");
        });
      }
      // Every heartbeat was acknowledged (none failed), so each device's are 0..n-1: in Kafka once each, in order.
      assertThat(inKafka).as("each device's heartbeats in Kafka, across the switch from the queue").hasSize(10)
          .allSatisfy((id, seqs) -> assertThat(seqs).as(id)
              .isEqualTo(LongStream.range(0, acknowledged.get(id).size()).boxed().toList()));
      assertThat(api.metric("fleet_mqtt_direct_fallbacks_total")).as("fallbacks to the queue").isZero();
      assertThat(api.metric("fleet_mqtt_bridge_backlog")).as("messages queued for the bridge").isZero();
      assertThat(api.metric("fleet_mqtt_messages_dropped_total")).as("messages the broker dropped").isZero();
      await("each device's entity at its last heartbeat").atMost(Duration.ofSeconds(30)).until(() ->
          publishers.ids().stream().allMatch(id ->
              api.get("/api/devices/" + id).body().path("uptimeS").asLong() == acknowledged.get(id).size() - 1));
    }
  }

  @Test
  void heartbeatsAcknowledgedOnTheDirectRoadSurviveASigkillOfTheNodeWhileDevicesPublish(@TempDir Path dataDir)
      throws Exception {
    ChildNode child = ChildNode.start(NodeTakingDirectly.class, dataDir, "768m", "TAKEN");
    Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
    Publishers publishers = null;
    try {
      child.awaitLine("TAKEN", Duration.ofSeconds(120));
      DataDirectory dir = DataDirectory.open(dataDir);
      publishers = new Publishers("tcp://127.0.0.1:" + dir.portFor("mqtt"), "direct-crash-", 20,
          id -> dir.secret("mqtt-service"), EmbeddedMqttBroker.SERVICE_USER);
      publishers.startLoad(acknowledged);
      // Killed while heartbeats are on their way: a few thousand taken directly, hundreds in flight.
      child.awaitCount(3000, Duration.ofSeconds(120));
      child.kill();
      publishers.stopLoad();
    } finally {
      child.kill();
      if (publishers != null) publishers.close();
    }
    long total = acknowledged.values().stream().mapToLong(Set::size).sum();
    assertThat(total).as("heartbeats acknowledged before the kill").isGreaterThanOrEqualTo(3000);

    var config = new TestServers("embedded", null, null).config(dataDir, "child", Map.of());
    try (FleetApp app = FleetApp.start(config);
        KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(app.node().endpoints().kafkaBootstrap(), "it-direct-crash")) {
      consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
      Map<String, List<Long>> inKafka = new HashMap<>();
      await("every acknowledged heartbeat in Kafka").atMost(Duration.ofSeconds(120)).until(() -> {
        readHeartbeats(consumer, "direct-crash-", inKafka);
        return acknowledged.entrySet().stream()
            .allMatch(e -> inKafka.getOrDefault(e.getKey(), List.of()).containsAll(e.getValue()));
      });
    }
  }

  /** Adds the heartbeats of devices named {@code prefix…} the consumer reads now: device to sequence numbers. */
  private static void readHeartbeats(KafkaConsumer<String, byte[]> consumer, String prefix, Map<String, List<Long>> seen) {
    for (var r : consumer.poll(Duration.ofMillis(200))) {
      if (r.key() != null && r.key().startsWith(prefix)
          && IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) {
        Matcher m = Pattern.compile("\"uptime_s\":(\\d+)").matcher(new String(r.value(), StandardCharsets.UTF_8));
        seen.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(m.find() ? Long.parseLong(m.group(1)) : -1);
      }
    }
  }

  /** MQTT clients publishing heartbeats for devices {@code prefix0…}, {@code uptime_s} their sequence number. */
  private static final class Publishers implements AutoCloseable {
    private static final int IN_FLIGHT = 400;
    private final List<Mqtt3AsyncClient> clients = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final Semaphore window = new Semaphore(IN_FLIGHT);
    private final AtomicBoolean running = new AtomicBoolean();
    private Thread load;

    /** With {@code user}: every connection as that user (the service account), else each as its device. */
    Publishers(String url, String prefix, int devices, Function<String, String> passwords, String user) {
      URI uri = URI.create(url);
      for (int i = 0; i < devices; i++) {
        String id = prefix + i;
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier(id)
            .serverHost(uri.getHost()).serverPort(uri.getPort())
            .simpleAuth().username(user == null ? id : user).password(passwords.apply(id).getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildAsync();
        client.connectWith().cleanSession(true).keepAlive(30).send().join();
        clients.add(client);
        ids.add(id);
      }
    }

    /**
     * Publishes heartbeats round-robin over the devices, each device's numbered 0, 1, 2…, with up to {@value
     * #IN_FLIGHT} unacknowledged at once; adds each acknowledged one to {@code acknowledged} (a failed one is not
     * sent again: its number is missing there).
     */
    void startLoad(Map<String, Set<Long>> acknowledged) {
      running.set(true);
      load = new Thread(() -> {
        long[] next = new long[ids.size()];
        while (running.get()) {
          for (int d = 0; d < ids.size() && running.get(); d++) {
            try {
              if (!window.tryAcquire(1, TimeUnit.SECONDS)) continue;
            } catch (InterruptedException e) {
              return;
            }
            String id = ids.get(d);
            long seq = next[d]++;
            send(d, seq).whenComplete((ack, failure) -> {
              window.release();
              if (failure == null) acknowledged.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(seq);
            });
          }
        }
      });
      load.start();
    }

    /** Stops publishing and waits until every heartbeat sent was answered (or failed with its connection). */
    void stopLoad() throws InterruptedException {
      running.set(false);
      load.join(10_000);
      window.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS);
    }

    List<String> ids() {
      return ids;
    }

    CompletableFuture<?> send(int device, long seq) {
      String heartbeat = "{\"ts\":\"" + BASE.plusMillis(seq * 10) + "\",\"battery\":90,\"uptime_s\":" + seq
          + ",\"interval_s\":3600}";
      return clients.get(device).publishWith().topic("fleet/" + ids.get(device) + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
          .payload(heartbeat.getBytes(StandardCharsets.UTF_8)).send();
    }

    @Override
    public void close() {
      for (Mqtt3AsyncClient client : clients) {
        try {
          client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          // the broker is gone already (killed): nothing to close
        }
      }
    }
  }

  /** The node that gets killed: prints how many device messages it has taken directly, every 100 ms. */
  public static final class NodeTakingDirectly {
    public static void main(String[] args) throws Exception {
      var config = new TestServers("embedded", null, null).config(Path.of(args[0]), "child", Map.of());
      FleetApp app = FleetApp.start(config);
      EmbeddedMqttBroker broker = app.node().infrastructure().embeddedBroker().orElseThrow();
      await().atMost(Duration.ofSeconds(60)).until(broker::takesDirectly);
      while (true) {
        System.out.println("TAKEN " + broker.takenDirectlyTotal());
        Thread.sleep(100);
      }
    }
  }
}
