package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database crashes ({@code pg_ctl -m immediate}) under load and is away for {@value #OUTAGE_S} s:
 * {@value #DEVICES} devices send a heartbeat a second over MQTT QoS 1 throughout, {@value #REPORTING_SENSORS}
 * sensors among them a temperature reading a second too, and {@value #CAMERAS} cameras report motion — a third
 * before the outage, a third during it, a third after. While the database is away, readiness answers 503 naming
 * it and {@code /metrics} has the database's {@code fleet_server_up} at 0. When it is back, nobody does
 * anything: readiness returns to 200, every device shows the last heartbeat the broker acknowledged to it and is
 * online — none went offline, though its heartbeats waited in Kafka a whole silence window — every acknowledged reading is stored, each motion report has raised exactly one alert, and nothing was
 * dead-lettered. The database is a PostgreSQL of the test's own ({@link PrivatePostgres}): the machine's is
 * shared with other tests.
 */
class DatabaseOutageIT {
  private static final int DEVICES = 150;
  private static final int CAMERAS = 30;
  private static final int REPORTING_SENSORS = 30;
  private static final int OUTAGE_S = 30;
  /** The devices' heartbeat interval: their silence window (3 intervals) ends after the outage, before the backlog is read. */
  private static final int INTERVAL_S = 12;
  private static final String DATABASE_UP = "fleet_server_up\\{server=\"database\"}";

  @Test
  void devicesSendingThroughADatabaseOutageLoseNothingAcknowledgedAndFleetRecoversByItself(@TempDir Path dataDir)
      throws Exception {
    Optional<Path> bin = PrivatePostgres.binaries();
    assumeTrue(bin.isPresent(), "no PostgreSQL under /usr/lib/postgresql");
    String run = UUID.randomUUID().toString().substring(0, 6);
    String household = "h-db-" + run;
    List<String> devices = IntStream.range(0, DEVICES).mapToObj(i -> String.format("db-%s-%03d", run, i)).toList();
    List<String> cameras = devices.subList(0, CAMERAS);
    List<String> sensors = devices.subList(CAMERAS, CAMERAS + REPORTING_SENSORS);
    Instant began = Instant.now();
    try (PrivatePostgres db = PrivatePostgres.start(bin.get())) {
      var config = new TestServers("private-postgres", db.jdbcUrl(), null).config(dataDir, "fleet",
          Map.of("fleet.health.check-interval", "1s"));
      try (FleetApp app = FleetApp.start(config);
          AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        for (int i = 0; i < DEVICES; i++) {
          var registered = api.post("/api/devices", "{\"deviceId\": \"" + devices.get(i) + "\", \"type\": \""
              + (i < CAMERAS ? "camera" : "sensor") + "\", \"household\": \"" + household + "\"}");
          assertThat(registered.status()).as(registered.text()).isEqualTo(201);
        }
        Mqtt3BlockingClient motion = TestMqtt.serviceClient(app.node().endpoints());
        try (Traffic traffic = Traffic.start(TestMqtt.serviceClient(app.node().endpoints()).toAsync(), devices, sensors)) {
          await("every device online").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
              .until(() -> api.statuses("household=" + household).values().stream().filter("online"::equals).count() == DEVICES);
          await("ready before the outage").atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/health/ready").status() == 200);
          for (int i = 0; i < CAMERAS / 3; i++) reportMotion(motion, cameras.get(i), i);

          db.crash();
          long crashed = System.nanoTime();
          System.out.println("DatabaseOutageIT: the database crashed at " + Instant.now());
          await("readiness naming the database").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
              .untilAsserted(() -> {
                ApiClient.Response ready = api.withToken(null).get("/api/health/ready");
                assertThat(ready.status()).as(ready.text()).isEqualTo(503);
                assertThat(ready.body().get("waitingFor")).extracting(JsonNode::asText).contains("database");
              });
          await("/metrics saying the database is down").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
              .until(() -> api.metric(DATABASE_UP) == 0);
          for (int i = CAMERAS / 3; i < 2 * CAMERAS / 3; i++) reportMotion(motion, cameras.get(i), i);
          // The scenario: the traffic flows on while the database stays away.
          Thread.sleep(Math.max(0, TimeUnit.SECONDS.toMillis(OUTAGE_S) - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed)));
          assertThat(api.metric(DATABASE_UP)).as("the database still down").isZero();

          db.start();
          long restarted = System.nanoTime();
          System.out.println("DatabaseOutageIT: the database is back at " + Instant.now());
          await("ready again, by itself").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
              .until(() -> api.withToken(null).get("/api/health/ready").status() == 200);
          long readyAfter = System.nanoTime() - restarted;
          await("/metrics saying the database is up").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
              .until(() -> api.metric(DATABASE_UP) == 1);
          for (int i = 2 * CAMERAS / 3; i < CAMERAS; i++) reportMotion(motion, cameras.get(i), i);
          long rounds = traffic.rounds();
          await("a few more rounds of heartbeats").atMost(Duration.ofSeconds(30)).until(() -> traffic.rounds() >= rounds + 3);
          traffic.close();

          await("every device showing the last heartbeat the broker acknowledged").atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofSeconds(1))
              .untilAsserted(() -> assertThat(lagging(api, traffic)).as("devices behind their last acknowledged heartbeat").isEmpty());
          // Right after their last heartbeats, well within their silence window.
          assertThat(api.statuses("household=" + household)).as("every device online").hasSize(DEVICES)
              .allSatisfy((id, status) -> assertThat(status).as(id).isEqualTo("online"));
          await("every reading the broker acknowledged stored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
              .untilAsserted(() -> assertThat(unstored(api, traffic, began)).as("sensors missing readings").isEmpty());
          long caughtUpAfter = System.nanoTime() - restarted;
          List<String> expected = IntStream.range(0, CAMERAS).mapToObj(i -> cameras.get(i) + ":m-" + i).toList();
          await("an alert for each motion report").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
              .until(() -> motionAlerts(kafka, run).size() >= CAMERAS);
          await("no alert twice").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
              .untilAsserted(() -> assertThat(motionAlerts(kafka, run)).extracting(a -> a.get("alert_id").asText())
                  .containsExactlyInAnyOrderElementsOf(expected));
          await("the read side's alerts, each once").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
              .untilAsserted(() -> assertThat(api.get("/api/alerts?kind=motion&limit=1000&deviceId=" + String.join(",", cameras))
                  .body().get("items")).extracting(a -> a.get("alertId").asText()).containsExactlyInAnyOrderElementsOf(expected));
          assertThat(alertsOf(kafka, run, "offline")).as("devices that kept sending: none went offline").isEmpty();
          System.out.printf("DatabaseOutageIT: %d messages in %d rounds; outage %d s; ready %d ms and every device caught up"
              + " %d ms after the database returned%n", traffic.sent(), traffic.rounds(), OUTAGE_S,
              TimeUnit.NANOSECONDS.toMillis(readyAfter), TimeUnit.NANOSECONDS.toMillis(caughtUpAfter));
        }
        assertThat(api.get("/metrics").text()).as("nothing dead-lettered").doesNotContain("fleet_dead_letters_total");
        motion.disconnect();
      }
    }
  }

  private static void reportMotion(Mqtt3BlockingClient mqtt, String camera, int i) {
    TestMqtt.publish(mqtt, "fleet/" + camera + "/motion", "{\"event_id\": \"m-" + i + "\", \"ts\": \"" + Instant.now() + "\"}");
  }

  private static List<JsonNode> motionAlerts(AlertsTopic kafka, String run) {
    return alertsOf(kafka, run, "motion");
  }

  private static List<JsonNode> alertsOf(AlertsTopic kafka, String run, String kind) {
    return kafka.all().stream().filter(seen -> seen.key() != null && seen.key().startsWith("db-" + run + "-"))
        .map(AlertsTopic.Seen::alert).filter(a -> a.get("kind").asText().equals(kind)).toList();
  }

  /** Devices whose entity does not show the last heartbeat acknowledged to them, each with what it shows. */
  private static List<String> lagging(ApiClient api, Traffic traffic) {
    List<String> behind = new ArrayList<>();
    traffic.heartbeats().forEach((id, last) -> {
      ApiClient.Response device = api.get("/api/devices/" + id);
      long shown = device.status() == 200 ? device.body().path("uptimeS").asLong(-1) : -1;
      if (shown != last) behind.add(id + " shows " + shown + " of " + last + " (" + device.status() + ")");
    });
    return behind;
  }

  /** Sensors whose stored readings since {@code from} are not as many as the broker acknowledged, each with both counts. */
  private static List<String> unstored(ApiClient api, Traffic traffic, Instant from) {
    List<String> missing = new ArrayList<>();
    traffic.readings().forEach((id, acknowledged) -> {
      ApiClient.Response series = api.get("/api/devices/" + id + "/telemetry?step=raw&from=" + from + "&to=" + Instant.now().plusSeconds(60));
      int stored = series.status() == 200 ? series.body().get("points").size() : -1;
      if (stored != acknowledged) missing.add(id + " has " + stored + " of " + acknowledged + " (" + series.status() + ")");
    });
    return missing;
  }

  /**
   * What the devices send once a second, QoS 1: every device a heartbeat with {@code uptime_s} counting the
   * rounds, and the reporting sensors a temperature reading too. Remembers, per device, the last heartbeat and
   * the number of readings the broker acknowledged.
   */
  private static final class Traffic implements AutoCloseable {
    private final Mqtt3AsyncClient mqtt;
    private final List<String> devices;
    private final Set<String> reporting;
    private final Map<String, Long> heartbeats = new ConcurrentHashMap<>();
    private final Map<String, Long> readings = new ConcurrentHashMap<>();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    private Traffic(Mqtt3AsyncClient mqtt, List<String> devices, Set<String> reporting) {
      this.mqtt = mqtt;
      this.devices = devices;
      this.reporting = reporting;
    }

    static Traffic start(Mqtt3AsyncClient mqtt, List<String> devices, List<String> reporting) {
      Traffic t = new Traffic(mqtt, devices, Set.copyOf(reporting));
      t.timer.scheduleWithFixedDelay(t::round, 0, 1, TimeUnit.SECONDS);
      return t;
    }

    private void round() {
      long n = rounds.get() + 1;
      String ts = Instant.now().toString();
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (String id : devices) {
        acks.add(publish(id, "heartbeat", "{\"ts\": \"" + ts + "\", \"battery\": 80, \"uptime_s\": " + n + ", \"interval_s\": " + INTERVAL_S + "}")
            .thenRun(() -> heartbeats.merge(id, n, Math::max)));
        if (reporting.contains(id)) {
          acks.add(publish(id, "telemetry", "{\"ts\": \"" + ts + "\", \"temperature\": 21.5}")
              .thenRun(() -> readings.merge(id, 1L, Long::sum)));
        }
      }
      try {
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        sent.addAndGet(acks.size());
        rounds.set(n);
      } catch (Exception e) {
        failure.compareAndSet(null, e);
      }
    }

    private CompletableFuture<?> publish(String id, String kind, String json) {
      return mqtt.publishWith().topic("fleet/" + id + "/" + kind).qos(MqttQos.AT_LEAST_ONCE)
          .payload(json.getBytes(StandardCharsets.UTF_8)).send();
    }

    long rounds() {
      assertThat(failure.get()).as("a message the broker did not acknowledge").isNull();
      return rounds.get();
    }

    long sent() {
      return sent.get();
    }

    /** Each device's last acknowledged heartbeat: its {@code uptime_s}. */
    Map<String, Long> heartbeats() {
      return Map.copyOf(heartbeats);
    }

    /** How many readings the broker acknowledged to each reporting sensor. */
    Map<String, Long> readings() {
      return Map.copyOf(readings);
    }

    @Override
    public void close() throws InterruptedException {
      if (timer.isShutdown()) return;
      timer.shutdown();
      timer.awaitTermination(60, TimeUnit.SECONDS);
      mqtt.disconnect();
    }
  }
}
