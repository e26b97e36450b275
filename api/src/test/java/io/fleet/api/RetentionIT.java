package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The retention sweeper deletes what expired, by the household recorded on each row: a household keeping
 * a week loses its history of ten days ago, one on the defaults (clips 30 days, the rest longer) keeps it,
 * and loses only what is older than those; nothing newer is touched. An expired clip is gone from S3 and
 * from the read side. Rows are aged by moving their times back, as if they had been recorded then.
 */
class RetentionIT {
  private static final Pattern DELETED_OBJECTS =
      Pattern.compile("fleet_retention_deleted_objects_total\\{kind=\"clips\",?\\} (\\S+)");

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void expiredHistoryIsDeletedByTheHouseholdsPeriodAndNothingNewerIsTouched(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String week = "h-week-" + run;
    String defaults = "h-defaults-" + run;
    Map<String, Object> overrides = Map.of(
        "fleet.retention.sweep-interval", "300ms",
        "fleet.retention.batch-size", 2,
        "fleet.motion.quiet-period", "1s",
        "fleet.retention.households." + week + ".clips", "7d",
        "fleet.retention.households." + week + ".device-events", "7d",
        "fleet.retention.households." + week + ".location-fixes", "7d",
        "fleet.retention.households." + week + ".alerts", "7d",
        "fleet.retention.households." + week + ".telemetry-raw", "7d");
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), overrides))) {
      RecordedHistory history = new RecordedHistory(app);
      String weekCam = "cam-w-" + run;
      String defaultsCam = "cam-d-" + run;
      String weekPhone = "trk-w-" + run;
      String defaultsPhone = "trk-d-" + run;
      String weekSensor = "sen-w-" + run;
      history.register(weekCam, "camera", week);
      history.register(defaultsCam, "camera", defaults);
      history.register(weekPhone, "tracker", week);
      history.register(defaultsPhone, "tracker", defaults);
      history.register(weekSensor, "sensor", week);
      history.reading(weekSensor, 120, 21.0);
      history.reading(weekSensor, 60, 21.5);
      String weekOld = history.clip(weekCam, "w-old");
      String weekNew = history.clip(weekCam, "w-new");
      String defaultsOld = history.clip(defaultsCam, "d-old");
      String defaultsAncient = history.clip(defaultsCam, "d-ancient");
      String defaultsNew = history.clip(defaultsCam, "d-new");
      history.motion(weekCam, "m-1");
      history.motion(defaultsCam, "m-1");
      for (String phone : new String[] {weekPhone, defaultsPhone}) {
        history.fix(phone, 120, 52.50);
        history.fix(phone, 60, 52.5001);
      }
      await("the history is in the read side").atMost(Duration.ofSeconds(30)).until(() ->
          history.count("SELECT COUNT(*) FROM clip WHERE device_id IN (?, ?)", weekCam, defaultsCam) == 5
              && history.count("SELECT COUNT(*) FROM alert WHERE device_id IN (?, ?)", weekCam, defaultsCam) == 2
              // Once the episodes ended, nothing changes the alerts any more.
              && history.count("SELECT COUNT(*) FROM device_event WHERE device_id IN (?, ?) AND event_type = 'motion_ended'",
                  weekCam, defaultsCam) == 2
              && history.count("SELECT COUNT(*) FROM location WHERE device_id IN (?, ?)", weekPhone, defaultsPhone) == 4
              && history.count("SELECT COUNT(*) FROM telemetry_reading WHERE device_id = ?", weekSensor) == 2);

      Timestamp tenDaysAgo = Timestamp.from(Instant.now().minus(Duration.ofDays(10)));
      Timestamp aYearAndMoreAgo = Timestamp.from(Instant.now().minus(Duration.ofDays(400)));
      for (String clipId : new String[] {"w-old", "d-old"}) {
        history.update("UPDATE clip SET stored_at = ? WHERE clip_id = ?", tenDaysAgo, clipId);
      }
      history.update("UPDATE clip SET stored_at = ? WHERE clip_id = ?", aYearAndMoreAgo, "d-ancient");
      // Telemetry rows record no household: they go by their device's (a week here).
      history.update("UPDATE telemetry_reading SET ts = ? WHERE device_id = ? AND ts = (SELECT MIN(ts) FROM telemetry_reading"
          + " WHERE device_id = ?)", tenDaysAgo, weekSensor, weekSensor);
      for (String device : new String[] {weekCam, defaultsCam, weekPhone, defaultsPhone}) {
        history.update("UPDATE device_event SET occurred_at = ? WHERE device_id = ? AND event_type = 'registered'",
            tenDaysAgo, device);
        history.update("UPDATE alert SET raised_at = ?, updated_at = ? WHERE device_id = ?", tenDaysAgo, tenDaysAgo, device);
        history.update("UPDATE location SET tst = ? WHERE device_id = ? AND tst = (SELECT MIN(tst) FROM location WHERE device_id = ?)",
            tenDaysAgo, device, device);
      }

      await("the week's household lost what is older than a week; the ancient clip is gone")
          .atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(history.count("SELECT COUNT(*) FROM clip WHERE clip_id IN ('w-old', 'd-ancient')")).isZero();
            assertThat(history.count("SELECT COUNT(*) FROM device_event WHERE device_id = ? AND event_type = 'registered'",
                weekCam)).isZero();
            assertThat(history.count("SELECT COUNT(*) FROM alert WHERE device_id = ?", weekCam)).isZero();
            assertThat(history.count("SELECT COUNT(*) FROM location WHERE device_id = ?", weekPhone)).isEqualTo(1);
            assertThat(history.count("SELECT COUNT(*) FROM telemetry_reading WHERE device_id = ?", weekSensor)).isEqualTo(1);
          });
      assertThat(history.inBucket(weekOld)).as("the expired clip's object").isFalse();
      assertThat(history.inBucket(defaultsAncient)).as("the ancient clip's object").isFalse();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.get("/api/clips/w-old").status()).isEqualTo(404);
      assertThat(api.get("/api/clips/d-ancient").status()).isEqualTo(404);

      // Nothing newer, and nothing of the household on the defaults younger than those, was touched.
      for (String key : new String[] {weekNew, defaultsOld, defaultsNew}) {
        assertThat(history.inBucket(key)).as(key).isTrue();
      }
      assertThat(history.count("SELECT COUNT(*) FROM clip WHERE clip_id IN ('w-new', 'd-old', 'd-new')")).isEqualTo(3);
      assertThat(history.count("SELECT COUNT(*) FROM device_event WHERE device_id = ? AND event_type = 'registered'",
          defaultsCam)).isEqualTo(1);
      assertThat(history.count("SELECT COUNT(*) FROM device_event WHERE device_id = ? AND event_type = 'clip_stored'",
          weekCam)).isEqualTo(2);
      assertThat(history.count("SELECT COUNT(*) FROM alert WHERE device_id = ?", defaultsCam)).isEqualTo(1);
      assertThat(history.count("SELECT COUNT(*) FROM location WHERE device_id = ?", defaultsPhone)).isEqualTo(2);
      assertThat(api.get("/api/clips/w-new").status()).isEqualTo(302);

      Matcher deleted = DELETED_OBJECTS.matcher(api.get("/metrics").text());
      assertThat(deleted.find()).as("the deleted clips are counted in /metrics").isTrue();
      assertThat(Double.parseDouble(deleted.group(1))).isEqualTo(2.0);
      history.close();
    }
  }

  /**
   * The journal does not grow forever: with a snapshot every 3 events and 2 kept, a device's old events are
   * deleted from the journal, and after a restart of the node its entity recovers its registration and status
   * from the snapshot.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aDeviceRecoversAfterItsOldEventsWereDeletedFromTheJournal(TestServers servers, @TempDir Path dataDir) throws Exception {
    String camera = "cam-j-" + UUID.randomUUID().toString().substring(0, 6);
    var config = servers.config(dataDir, TestServers.uniqueSchema(), Map.of("fleet.device.snapshot-every", 3,
        "fleet.retention.journal.keep-snapshots", 2, "fleet.device.heartbeat-interval.camera", "1h"));
    JsonNode before;
    try (FleetApp app = FleetApp.start(config)) {
      RecordedHistory history = new RecordedHistory(app);
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      history.register(camera, "camera", "h-journal");
      // Each status change is taken in by the read side before the next, so no projection falls behind.
      for (int i = 0; i < 10; i++) {
        String status = i % 2 == 0 ? "online" : "offline";
        history.status(camera, status);
        await().atMost(Duration.ofSeconds(15)).until(() -> status.equals(api.statuses("q=" + camera).get(camera)));
      }
      // The journal keeps the last deleted event's row, marked deleted (pekko-persistence-jdbc keeps the highest
      // sequence number); the registration and the events after it are gone.
      await("the first events are deleted from the journal").atMost(Duration.ofSeconds(15)).until(() ->
          history.count("SELECT COUNT(*) FROM event_journal WHERE persistence_id = ? AND sequence_number <= 2",
              "Device|" + camera) == 0);
      assertThat(history.count("SELECT COUNT(*) FROM snapshot WHERE persistence_id = ?", "Device|" + camera)).isPositive();
      assertThat(history.count("SELECT COUNT(*) FROM device_event WHERE device_id = ? AND event_type = 'registered'",
          camera)).as("the read side keeps its history").isEqualTo(1);
      before = api.get("/api/devices/" + camera).body();
      history.close();
    }
    try (FleetApp app = FleetApp.start(config)) {
      JsonNode after = new ApiClient(app.baseUrl(), app.operatorToken()).get("/api/devices/" + camera).body();
      assertThat(after.get("household").asText()).isEqualTo("h-journal");
      for (String field : new String[] {"type", "name", "status", "statusSince", "registeredAt"}) {
        assertThat(after.get(field)).as(field).isEqualTo(before.get(field));
      }
    }
  }
}
