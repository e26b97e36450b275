package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.fleet.infra.IngestHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet on an external Mosquitto (a private one, persistent as the shipped configuration is) that is restarted
 * while 100 devices keep publishing heartbeats at QoS 1 over persistent sessions: while it is away Fleet is not
 * ready and says MQTT is why, and {@code /metrics} has {@code fleet_server_up{server="mqtt"}} 0; the ingress bridge reconnects by itself when it is back; every heartbeat the
 * broker acknowledged to its device — before, during and after the restart — reaches Kafka and each device
 * ends with its last acknowledged heartbeat.
 */
class ExternalBrokerRestartIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEVICES = 100;
  private static final String MQTT_UP = "fleet_server_up\\{server=\"mqtt\"}";
  private static final Duration TICK = Duration.ofMillis(100);
  /** Heartbeats one device may have unacknowledged before it waits (its client queues them while away). */
  private static final int MAX_UNACKNOWLEDGED = 50;
  /** Heartbeats each device sends at once just before the broker stops. */
  private static final int BURST = 150;

  @Test
  void aRestartedBrokerLosesNoAcknowledgedHeartbeatAndTheBridgeReconnectsByItself(@TempDir Path brokerDir,
      @TempDir Path dataDir) throws Exception {
    assumeTrue(TestMosquitto.installed(), "needs Debian's mosquitto");
    String run = UUID.randomUUID().toString().substring(0, 6);
    // As config/mosquitto/mosquitto.conf (queued QoS 1 messages on disk, none dropped for a slow bridge), but with
    // at most 5 messages in flight to each client: the shipped 0 (no limit) hands the bridge all it has at once,
    // so a burst would wait in the bridge's socket, not in the broker's queue, when the broker stops; with 20 a quiet
    // machine's bridge sometimes took the whole burst to Kafka before the stop (~1,000 a second with 5).
    String persistent = "persistence true\npersistence_location " + brokerDir + "/\nautosave_interval 1\n"
        + "max_queued_messages 0\nmax_inflight_messages 5\n";
    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    List<Device> devices = new ArrayList<>();
    try (TestMosquitto broker = TestMosquitto.anonymous(brokerDir, persistent);
         FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
             Map.of("fleet.mqtt.url", broker.url(), "fleet.mqtt.user", "", "fleet.mqtt.password", "",
                 "fleet.mqtt.clean-session", false, "fleet.health.check-interval", "1s")));
         Heartbeats kafka = new Heartbeats(app, run)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await("Fleet ready on the broker").atMost(Duration.ofSeconds(60)).until(() -> api.get("/api/health/ready").status() == 200);
      Instant base = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
      for (int i = 0; i < DEVICES; i++) devices.add(Device.connect("restart-" + run + "-" + i, broker, base));
      ticks.scheduleAtFixedRate(() -> devices.forEach(Device::beat), 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
      await("every device's heartbeats acknowledged").atMost(Duration.ofSeconds(30))
          .until(() -> devices.stream().allMatch(d -> d.lastAcknowledged() >= 10));

      // A burst the bridge cannot have taken to Kafka yet when the broker stops: Mosquitto must keep it.
      Map<Device, Integer> burst = new HashMap<>();
      for (Device d : devices) burst.put(d, d.burst(BURST));
      await("the burst acknowledged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
          .until(() -> burst.entrySet().stream().allMatch(b -> b.getKey().lastAcknowledged() >= b.getValue()));
      assertThat(api.metric(MQTT_UP)).as("the broker up").isEqualTo(1);
      broker.stop();
      await("not ready while the broker is away, because of MQTT").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100)).until(() -> {
            ApiClient.Response ready = api.get("/api/health/ready");
            return ready.status() == 503 && ready.body().path("waitingFor").toString().contains("\"mqtt\"");
          });
      // The periodic check, not only the request above, says so to whoever scrapes /metrics.
      await("/metrics says MQTT is down").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> api.metric(MQTT_UP) == 0);
      kafka.catchUp();
      long held = devices.stream().mapToLong(d -> d.acknowledged.stream().filter(n -> !kafka.of(d.id).contains(n)).count()).sum();
      assertThat(held).as("acknowledged heartbeats not yet in Kafka when the broker stopped").isPositive();
      int acknowledgedBeforeRestart = devices.stream().mapToInt(Device::lastAcknowledged).max().orElseThrow();
      broker.startAgain();

      await("ready again, nobody having touched Fleet").atMost(Duration.ofSeconds(60))
          .until(() -> api.get("/api/health/ready").status() == 200);
      await("/metrics says MQTT is up").atMost(Duration.ofSeconds(10)).until(() -> api.metric(MQTT_UP) == 1);
      assertThat(api.get("/api/health").body().at("/streams/ingress-bridge/restarts").asLong())
          .as("the bridge's session was started again").isGreaterThanOrEqualTo(1);
      await("heartbeats sent after the restart acknowledged").atMost(Duration.ofSeconds(60))
          .until(() -> devices.stream().allMatch(d -> d.lastAcknowledged() >= acknowledgedBeforeRestart + 20));
      ticks.shutdown();
      assertThat(ticks.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      await("every heartbeat sent answered").atMost(Duration.ofSeconds(60))
          .until(() -> devices.stream().allMatch(Device::allAnswered));

      await("every acknowledged heartbeat in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
          .until(() -> kafka.poll() && devices.stream().allMatch(d -> kafka.of(d.id).containsAll(d.acknowledged)));
      for (Device d : devices) {
        await(d.id + " at its last acknowledged heartbeat").atMost(Duration.ofSeconds(30)).until(() ->
            api.get("/api/devices/" + d.id).body().path("uptimeS").asLong() == d.lastAcknowledged());
      }
      long acknowledged = devices.stream().mapToLong(d -> d.acknowledged.size()).sum();
      assertThat(devices.stream().mapToLong(d -> d.failed.get()).sum()).as("publishes that failed").isZero();
      System.out.printf("%d heartbeats acknowledged, %d of them held by the broker across its restart, %d records in Kafka"
          + " (redeliveries: %d)%n", acknowledged, held, kafka.records, kafka.records - acknowledged);
    } finally {
      ticks.shutdownNow();
      devices.forEach(d -> d.client.disconnect());
    }
  }

  /**
   * A device's MQTT client: persistent session, reconnecting by itself, its heartbeats numbered 0, 1, 2, … in
   * {@code uptime_s} (and {@code ts} that many seconds after {@code base}), QoS 1.
   */
  private static final class Device {
    final String id;
    final Mqtt3AsyncClient client;
    final Instant base;
    final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger answered = new AtomicInteger();
    final AtomicInteger last = new AtomicInteger(-1);
    final AtomicLong failed = new AtomicLong();

    private Device(String id, Mqtt3AsyncClient client, Instant base) {
      this.id = id;
      this.client = client;
      this.base = base;
    }

    static Device connect(String id, TestMosquitto broker, Instant base) {
      Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier(id)
          .serverHost("127.0.0.1").serverPort(broker.port())
          .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
          .applyAutomaticReconnect()
          .buildAsync();
      client.connectWith().cleanSession(false).keepAlive(30).send().join();
      return new Device(id, client, base);
    }

    /** Sends the next heartbeat unless too many are unanswered (while the broker is away the client queues them). */
    void beat() {
      if (next.get() - answered.get() < MAX_UNACKNOWLEDGED) send(next.getAndIncrement());
    }

    private void send(int n) {
      String payload = "{\"ts\":\"" + base.plusSeconds(n) + "\",\"uptime_s\":" + n + ",\"battery\":90,\"interval_s\":3600}";
      client.publishWith().topic("fleet/" + id + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
          .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
          .whenComplete((puback, failure) -> {
            if (failure == null) {
              acknowledged.add(n);
              last.accumulateAndGet(n, Math::max);
            } else {
              failed.incrementAndGet();
            }
            answered.incrementAndGet();
          });
    }

    /** Sends {@code count} heartbeats at once; returns the number of the last. */
    int burst(int count) {
      for (int i = 0; i < count; i++) send(next.getAndIncrement());
      return next.get() - 1;
    }

    int lastAcknowledged() {
      return last.get();
    }

    boolean allAnswered() {
      return answered.get() == next.get();
    }
  }

  /** This run's heartbeats in {@code fleet.device-events}: the {@code uptime_s} of each, per device. */
  private static final class Heartbeats implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String prefix;
    private final Map<String, Set<Integer>> byDevice = new HashMap<>();
    long records;

    Heartbeats(FleetApp app, String run) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, app.node().endpoints().kafkaBootstrap());
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-broker-restart-" + run);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
      prefix = "restart-" + run + "-";
    }

    /** Takes in what arrived; true, so that it can lead a condition. */
    boolean poll() throws IOException {
      for (var r : consumer.poll(Duration.ofMillis(200))) {
        if (r.key() == null || !r.key().startsWith(prefix)) continue;
        if (!IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) continue;
        JsonNode heartbeat = JSON.readTree(r.value());
        byDevice.computeIfAbsent(r.key(), k -> new HashSet<>()).add(heartbeat.path("uptime_s").asInt());
        records++;
      }
      return true;
    }

    /** Polls until it has read up to the end offsets of now. */
    void catchUp() throws IOException {
      poll();
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) poll();
    }

    Set<Integer> of(String device) {
      return byDevice.getOrDefault(device, Set.of());
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
