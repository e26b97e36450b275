package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.alerts.AlertPublisher;
import io.fleet.infra.KafkaTopics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed (SIGKILL) after its devices journaled their alerts and before any was published: the
 * child node's alert publisher gathers a group that never closes (a million events, an hour), so it
 * neither publishes nor saves an offset, which is exactly the state a crash between "alert persisted"
 * and "alert published" leaves. After a restart on
 * the same data, every alert reaches {@code fleet.alerts} exactly once.
 */
class AlertCrashIT {
  private static final int DEVICES = 20;

  @Test
  void alertsPersistedButNotPublishedBeforeAKillArePublishedOnceAfterTheRestart(@TempDir Path dataDir) throws Exception {
    ChildNode.start(NodeThatNeverPublishes.class, dataDir, "512m", "PERSISTED").killOnceAt(DEVICES, Duration.ofSeconds(120));

    var config = new TestServers("embedded", null, null).config(dataDir, "restarted", Map.of("fleet.mqtt.client-id", "fleet-it-restarted",
        "fleet.kafka.seed-self-registration", true));
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      DataSource db = app.node().infrastructure().database().dataSource();
      await("the alert publisher caught up with the journal").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ReadSideTables.caughtUp(db, AlertPublisher.NAME));
      List<String> expected = IntStream.range(0, DEVICES).mapToObj(i -> crashDevice(i) + ":" + (1700000000 + i)).toList();
      await("every alert on fleet.alerts").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> alertIds(kafka).containsAll(expected));
      assertThat(alertIds(kafka)).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static List<String> alertIds(AlertsTopic kafka) {
    return IntStream.range(0, DEVICES).mapToObj(AlertCrashIT::crashDevice)
        .flatMap(id -> kafka.of(id).stream()).map(AlertsTopic.Seen::alert).map(a -> a.get("alert_id").asText())
        .collect(Collectors.toList());
  }

  static String crashDevice(int i) {
    return "crash-cam-" + i;
  }

  /**
   * The node that gets killed: seed motion events for {@value #DEVICES} cameras, each journaling one
   * alert; its publisher goes to a topic of its own and never saves an offset. Reports the alerts journaled.
   */
  public static final class NodeThatNeverPublishes {
    public static void main(String[] args) throws Exception {
      var config = new TestServers("embedded", null, null).config(Path.of(args[0]), "child", Map.of(
          "fleet.mqtt.client-id", "fleet-it-child",
          // The seed's cameras below register themselves from their records.
          "fleet.kafka.seed-self-registration", true,
          "fleet.kafka.topics.alerts", "fleet.alerts.unread",
          "fleet.alerts.publish-group", 1_000_000,
          "fleet.alerts.publish-group-within", "1h"));
      FleetApp app = FleetApp.start(config);
      try (AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), "fleet.alerts.unread")) {
        for (int i = 0; i < DEVICES; i++) {
          kafka.produce(KafkaTopics.Names.from(config).motionEvents(), null, "{\"event_id\": " + (1700000000 + i)
              + ", \"device_id\": \"" + crashDevice(i) + "\", \"device_type\": \"camera\", \"url\": \"https://elsewhere.example/" + i
              + ".mp4\", \"time\": \"2026-11-23 21:00:00\", \"message\": \"motion was detected\"}");
        }
      }
      DataSource db = app.node().infrastructure().database().dataSource();
      while (true) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM device_event WHERE event_type = 'alert_raised'")) {
          rs.next();
          System.out.println("PERSISTED " + rs.getLong(1));
        }
        Thread.sleep(200);
      }
    }
  }
}
