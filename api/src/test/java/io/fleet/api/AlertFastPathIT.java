package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.alerts.AlertPublisher;
import io.fleet.infra.KafkaTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An alert goes out as soon as its entity persisted it, not when the journal is next read: with the journal's
 * publisher holding its groups for an hour, low-battery alerts still reach {@code fleet.alerts} within seconds.
 * With the publisher reading as usual, once it has caught up with the journal every alert is on the topic
 * exactly once (it skips what the fast path sent).
 */
class AlertFastPathIT {
  private static final int DEVICES = 20;

  @Test
  void alertsReachKafkaAtOnceWhileTheJournalsPublisherHoldsItsGroups(@TempDir Path dataDir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.alerts.publish-group", 1_000_000, "fleet.alerts.publish-group-within", "1h"));
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      lowBatteries(app, run);
      await("every device's battery alert, without the journal's publisher").atMost(Duration.ofSeconds(30))
          .until(() -> batteryAlerts(kafka, run).size() == DEVICES);
    }
  }

  @Test
  void onceTheJournalsPublisherCaughtUpEveryAlertIsOnTheTopicExactlyOnce(@TempDir Path dataDir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of());
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      lowBatteries(app, run);
      var db = app.node().infrastructure().database().dataSource();
      await("the journal's publisher caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> batteryAlerts(kafka, run).size() >= DEVICES && ReadSideTables.caughtUp(db, AlertPublisher.NAME));
      List<String> expected = IntStream.range(0, DEVICES).mapToObj(i -> device(run, i)).toList();
      assertThat(batteryAlerts(kafka, run)).as("one record per device's alert").containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static void lowBatteries(FleetApp app, String run) {
    Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
    for (int i = 0; i < DEVICES; i++) {
      TestMqtt.publish(mqtt, "fleet/" + device(run, i) + "/heartbeat",
          "{\"ts\": \"" + Instant.now() + "\", \"battery\": 5, \"type\": \"sensor\"}");
    }
    mqtt.disconnect();
  }

  /** The devices of this run's battery alerts as seen on the topic, one entry per record. */
  private static List<String> batteryAlerts(AlertsTopic kafka, String run) {
    return kafka.all().stream().filter(s -> s.key() != null && s.key().startsWith("fast-" + run + "-"))
        .filter(s -> s.alert().path("kind").asText().equals("battery_low")).map(AlertsTopic.Seen::key).toList();
  }

  private static String device(String run, int i) {
    return "fast-" + run + "-" + i;
  }
}
