package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.infra.KafkaTopics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed (SIGKILL) after its devices journaled their alerts and before any was published: the
 * child node's alert publisher writes to a topic nobody reads and never saves its offsets, which is
 * exactly the state a crash between "alert persisted" and "alert published" leaves. After a restart on
 * the same data, every alert reaches {@code fleet.alerts} exactly once.
 */
class AlertCrashIT {
  private static final int DEVICES = 20;

  @Test
  void alertsPersistedButNotPublishedBeforeAKillArePublishedOnceAfterTheRestart(@TempDir Path dataDir) throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), "-Xmx512m", NodeThatNeverPublishes.class.getName(), dataDir.toString())
        .redirectErrorStream(true)
        .start();
    AtomicInteger persisted = new AtomicInteger();
    List<String> output = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        r.lines().forEach(line -> {
          synchronized (output) {
            output.add(line);
          }
          if (line.startsWith("PERSISTED ")) persisted.set(Integer.parseInt(line.substring(10).trim()));
        });
      } catch (Exception ignored) {
        // the child was killed
      }
    });
    reader.start();
    try {
      await("the child journals every alert").atMost(Duration.ofSeconds(120)).until(() -> persisted.get() >= DEVICES || !child.isAlive());
      assertThat(child.isAlive()).as("child output: %s", output).isTrue();
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      reader.join(5000);
    }

    var config = new TestServers("embedded", null, null).config(dataDir, "restarted", Map.of("fleet.mqtt.client-id", "fleet-it-restarted"));
    try (FleetApp app = FleetApp.start(config);
        AlertsTopic kafka = new AlertsTopic(app.node().endpoints().kafkaBootstrap(), KafkaTopics.Names.from(config).alerts())) {
      DataSource db = app.node().infrastructure().database().dataSource();
      await("the alert publisher caught up with the journal").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> publisherCaughtUp(db));
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

  /** Every tag's newest journaled event is at or below the alert publisher's stored offset. */
  private static boolean publisherCaughtUp(DataSource db) throws Exception {
    try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT t.tag, MAX(t.event_id), MAX(o.current_offset) FROM event_tag t LEFT JOIN pekko_projection_offset_store o"
            + " ON o.projection_name = 'alert-publisher' AND o.projection_key = t.tag GROUP BY t.tag")) {
      boolean any = false;
      while (rs.next()) {
        any = true;
        String offset = rs.getString(3);
        if (offset == null || Long.parseLong(offset) < rs.getLong(2)) return false;
      }
      return any;
    }
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
          "fleet.kafka.topics.alerts", "fleet.alerts.unread",
          "pekko.projection.at-least-once.save-offset-after-envelopes", 1_000_000,
          "pekko.projection.at-least-once.save-offset-after-duration", "1h"));
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
