package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import io.fleet.infra.IngestHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka stops for a minute while {@value #DEVICES} devices keep sending heartbeats, each device one at a time as
 * a constrained device does (the next once the broker acknowledged the last). Fleet's ingress bridge cannot hand
 * anything to Kafka, so the embedded broker queues device messages for it; once {@value #BACKPRESSURE_AFTER} wait,
 * it stops acknowledging devices' publishes (backpressure) instead of dropping any. During the outage
 * {@code /api/health/ready} and {@code /metrics} say Kafka is down and devices are held back. When Kafka returns,
 * with no one stepping in: every heartbeat a device got a PUBACK for is in {@code fleet.device-events}, the held
 * ones are acknowledged and delivered too, each device's entity holds its last heartbeat in Kafka, the broker dropped
 * nothing, and readiness is back. The devices heartbeat every {@value #INTERVAL_S} s, so a minute without news
 * would make them offline: none is, since the silence was Fleet's; a device that really went quiet before the
 * outage is judged offline once Fleet has caught up.
 */
class KafkaOutageIT {
  private static final int DEVICES = 20;
  private static final int BACKPRESSURE_AFTER = 300;
  private static final Duration OUTAGE = Duration.ofSeconds(60);
  private static final Instant BASE = Instant.parse("2026-12-06T00:00:00Z");
  /** Heartbeat interval: a device silent for 3 of them (6 s) is offline, unless Fleet is the one behind. */
  private static final int INTERVAL_S = 2;

  @Test
  void heartbeatsAcknowledgedDuringAMinuteWithoutKafkaAllArriveAndDevicesAreHeldBackInsteadOfDropped(
      @TempDir Path kafkaDir, @TempDir Path dataDir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    DataDirectory kafkaHome = DataDirectory.open(kafkaDir);
    EmbeddedKafka kafka = EmbeddedKafka.start(kafkaHome);
    try {
      var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of(
          "fleet.kafka.bootstrap", kafka.bootstrap(),
          "fleet.mqtt.embedded-backpressure.after", BACKPRESSURE_AFTER,
          "fleet.health.check-interval", "1s"));
      try (FleetApp app = FleetApp.start(config)) {
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        String url = app.node().endpoints().mqttUrl();
        Devices devices = new Devices(url, run, app.node().infrastructure().derivedPasswords()::passwordFor);
        try {
          devices.start();
          // One more device goes quiet before the outage: it must still be judged offline, after it.
          String quiet = "outage-" + run + "-quiet";
          Mqtt3BlockingClient quietClient = TestMqtt.deviceClient(url, quiet,
              app.node().infrastructure().derivedPasswords().passwordFor(quiet));
          TestMqtt.publish(quietClient, "fleet/" + quiet + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\",\"battery\":90,\"interval_s\":" + INTERVAL_S + "}");
          quietClient.disconnect();
          await("heartbeats flowing").atMost(Duration.ofSeconds(30)).until(() -> devices.acknowledged() >= DEVICES * 5);
          await("every device online").atMost(Duration.ofSeconds(30)).until(() -> Stream.concat(devices.ids().stream(), Stream.of(quiet))
              .allMatch(id -> "online".equals(api.get("/api/devices/" + id).body().path("status").asText())));
          Map<String, String> onlineSince = new HashMap<>();
          for (String id : devices.ids()) onlineSince.put(id, api.get("/api/devices/" + id).body().path("statusSince").asText());

          kafka.close();
          long outageBegan = System.nanoTime();
          await("readiness names Kafka").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            ApiClient.Response ready = api.withToken(null).get("/api/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.text()).contains("kafka");
          });
          await("/metrics says Kafka is down").atMost(Duration.ofSeconds(20))
              .until(() -> api.metric("fleet_server_up\\{server=\"kafka\"}") == 0);
          await("devices held back once the bridge's backlog is full").atMost(Duration.ofSeconds(45)).until(() ->
              api.metric("fleet_mqtt_publishes_waiting") > 0
                  && api.metric("fleet_mqtt_bridge_backlog") >= BACKPRESSURE_AFTER);
          long ackedWhileHeld = devices.acknowledged();
          // While held, devices get no acknowledgement: their count stands still (a few may be released in between).
          await("devices' acknowledgements stop").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
              .until(() -> devices.acknowledged() <= ackedWhileHeld + DEVICES);
          Duration left = OUTAGE.minusNanos(System.nanoTime() - outageBegan);
          if (!left.isNegative()) Thread.sleep(left.toMillis()); // the outage itself: traffic goes on meanwhile
          assertThat(api.metric("fleet_server_up\\{server=\"kafka\"}")).as("Kafka still down").isZero();

          kafka = EmbeddedKafka.start(kafkaHome);
          String bootstrap = kafka.bootstrap();
          await("ready again").atMost(Duration.ofSeconds(90))
              .until(() -> api.withToken(null).get("/api/health/ready").status() == 200);
          await("the held devices go on").atMost(Duration.ofSeconds(60))
              .until(() -> api.metric("fleet_mqtt_publishes_waiting") == 0 && devices.acknowledged() > ackedWhileHeld + 2L * DEVICES);
          devices.stop();

          Map<String, Set<Long>> sent = devices.acknowledgedByDevice();
          long total = sent.values().stream().mapToLong(Set::size).sum();
          Map<String, Set<Long>> inKafka = new HashMap<>();
          try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(bootstrap, "it-kafka-outage")) {
            consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
            await("every acknowledged heartbeat in Kafka").atMost(Duration.ofSeconds(120)).until(() -> {
              readHeartbeats(consumer, run, inKafka);
              return sent.entrySet().stream().allMatch(e -> inKafka.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue()));
            });
          }
          assertThat(total).as("heartbeats acknowledged, before, during and after the outage")
              .isGreaterThan(ackedWhileHeld + DEVICES);
          assertThat(api.metric("fleet_mqtt_publishes_held_total")).as("publishes held back").isPositive();
          assertThat(api.metric("fleet_mqtt_messages_dropped_total")).as("messages the broker dropped").isZero();
          // Silent for a minute, but through Fleet's outage, not their own: none was ever judged offline.
          for (String id : devices.ids()) {
            var view = api.get("/api/devices/" + id).body();
            assertThat(view.path("status").asText()).as(id).isEqualTo("online");
            assertThat(view.path("statusSince").asText()).as(id + " online since before the outage").isEqualTo(onlineSince.get(id));
          }
          assertThat(api.metric("fleet_offline_judgments_held_total")).as("offline judgments held").isPositive();
          await("the ingest path caught up").atMost(Duration.ofSeconds(30))
              .until(() -> api.metric("fleet_ingest_behind_seconds") < 5);
          await("the device that went quiet before the outage is offline once Fleet caught up")
              .atMost(Duration.ofSeconds(30))
              .until(() -> "offline".equals(api.get("/api/devices/" + quiet).body().path("status").asText()));
          // Each device's entity holds its last heartbeat in Kafka: its last acknowledged one, or one sent just before
          // the device stopped, which the broker took but whose PUBACK the stopping client never saw.
          Map<String, Long> shown = new HashMap<>();
          try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(bootstrap, "it-kafka-outage-last")) {
            consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
            Map<String, Set<Long>> all = new HashMap<>();
            await("each device's entity at its last heartbeat in Kafka").during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(60)).until(() -> {
                  readHeartbeats(consumer, run, all);
                  return sent.entrySet().stream().allMatch(device -> {
                    long last = all.getOrDefault(device.getKey(), Set.of()).stream().mapToLong(Long::longValue).max().orElse(-1);
                    long uptime = api.get("/api/devices/" + device.getKey()).body().path("uptimeS").asLong(-1);
                    shown.put(device.getKey(), uptime);
                    return last >= Collections.max(device.getValue()) && uptime == last;
                  });
                });
          } catch (RuntimeException e) {
            throw new AssertionError("devices' uptime shown (last heartbeat acknowledged: " + sent.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, d -> Collections.max(d.getValue()))) + "): " + shown, e);
          }
        } finally {
          devices.stop();
        }
      }
    } finally {
      kafka.close();
    }
  }

  /** Adds this run's heartbeats the consumer reads now to {@code seen}: device to the sequence numbers (uptime_s). */
  private static void readHeartbeats(KafkaConsumer<String, byte[]> consumer, String run, Map<String, Set<Long>> seen) {
    for (var r : consumer.poll(Duration.ofMillis(200))) {
      if (r.key() != null && r.key().startsWith("outage-" + run)
          && IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("").equals("heartbeat")) {
        seen.computeIfAbsent(r.key(), k -> new HashSet<>()).add(uptime(r.value()));
      }
    }
  }

  private static long uptime(byte[] heartbeat) {
    Matcher m = Pattern.compile("\"uptime_s\":(\\d+)").matcher(new String(heartbeat, StandardCharsets.UTF_8));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * Devices each sending a heartbeat every 50 ms, the next only once the broker acknowledged the last; each
   * heartbeat's {@code uptime_s} is its sequence number. Records what was acknowledged.
   */
  private static final class Devices {
    private final List<Mqtt3AsyncClient> clients = new ArrayList<>();
    private final Map<String, Set<Long>> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    Devices(String url, String run, Function<String, String> passwords) {
      URI uri = URI.create(url);
      for (int i = 0; i < DEVICES; i++) {
        String id = "outage-" + run + "-" + i;
        Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier(id)
            .serverHost(uri.getHost()).serverPort(uri.getPort())
            .simpleAuth().username(id).password(passwords.apply(id).getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
            .buildAsync();
        client.connectWith().cleanSession(false).keepAlive(30).send().join();
        clients.add(client);
        acknowledged.put(id, ConcurrentHashMap.newKeySet());
      }
    }

    void start() {
      for (Mqtt3AsyncClient client : clients) send(client, 0);
    }

    private void send(Mqtt3AsyncClient client, long seq) {
      if (!running.get()) return;
      String id = client.getConfig().getClientIdentifier().orElseThrow().toString();
      String heartbeat = "{\"ts\":\"" + BASE.plusMillis(seq * 50) + "\",\"battery\":90,\"uptime_s\":" + seq
          + ",\"interval_s\":" + INTERVAL_S + "}";
      client.publishWith().topic("fleet/" + id + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
          .payload(heartbeat.getBytes(StandardCharsets.UTF_8)).send()
          .whenComplete((ack, failure) -> {
            if (failure == null) {
              acknowledged.get(id).add(seq);
              count.incrementAndGet();
            }
            long next = failure == null ? seq + 1 : seq;
            if (running.get()) timer.schedule(() -> send(client, next), 50, TimeUnit.MILLISECONDS);
          });
    }

    long acknowledged() {
      return count.get();
    }

    Set<String> ids() {
      return acknowledged.keySet();
    }

    Map<String, Set<Long>> acknowledgedByDevice() {
      return acknowledged;
    }

    void stop() {
      if (running.compareAndSet(true, false)) {
        timer.shutdown();
        clients.forEach(c -> c.disconnect().exceptionally(e -> null));
      }
    }
  }
}
