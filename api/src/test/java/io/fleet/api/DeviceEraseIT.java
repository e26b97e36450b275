package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code DELETE /api/devices/{id}?erase=true}: the device's clips (objects and rows), events, alerts, fixes,
 * telemetry readings and rollups, summary, journal and snapshots are removed and counted in the answer; another device of the same household
 * keeps all of its own.
 */
class DeviceEraseIT {
  /** Every table that holds something of a device by its id, then those that name it by its persistence id. */
  private static final List<String> BY_DEVICE_ID = List.of("clip", "device_event", "alert", "location", "device_summary",
      "telemetry_reading", "telemetry_rollup_1m", "telemetry_rollup_1h", "telemetry_metric");
  private static final List<String> BY_PERSISTENCE_ID = List.of("event_journal", "snapshot");

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void anErasedDeviceLeavesNothingBehindAndOthersKeepEverything(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    String household = "h-" + run;
    // Snapshots every few events, so that the erase has snapshots to remove too; no device goes offline while the
    // test runs, so the other devices' rows only change if the erase touches them.
    Map<String, Object> overrides = Map.of("fleet.device.snapshot-every", 3, "fleet.motion.quiet-period", "1s",
        "fleet.device.heartbeat-interval.tracker", "1h", "fleet.device.heartbeat-interval.camera", "1h",
        "fleet.device.heartbeat-interval.sensor", "1h");
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), overrides))) {
      RecordedHistory history = new RecordedHistory(app);
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String camera = "cam-e-" + run;
      String otherCamera = "cam-o-" + run;
      String phone = "trk-e-" + run;
      String otherPhone = "trk-o-" + run;
      String sensor = "sen-e-" + run;
      String otherSensor = "sen-o-" + run;
      history.register(camera, "camera", household);
      history.register(otherCamera, "camera", household);
      history.register(phone, "tracker", household);
      history.register(otherPhone, "tracker", household);
      history.register(sensor, "sensor", household);
      history.register(otherSensor, "sensor", household);
      List<String> keys = List.of(history.clip(camera, "e-1"), history.clip(camera, "e-2"));
      String otherKey = history.clip(otherCamera, "o-1");
      history.motion(camera, "m-1");
      history.motion(otherCamera, "m-1");
      for (String p : List.of(phone, otherPhone)) {
        history.fix(p, 120, 52.50);
        history.fix(p, 60, 52.5001);
      }
      for (String s : List.of(sensor, otherSensor)) {
        history.reading(s, 120, 21.0);
        history.reading(s, 60, 21.5);
      }
      await("the history is recorded").atMost(Duration.ofSeconds(30)).until(() ->
          history.count("SELECT COUNT(*) FROM alert WHERE device_id IN (?, ?)", camera, otherCamera) == 2
              && history.count("SELECT COUNT(*) FROM location WHERE device_id IN (?, ?)", phone, otherPhone) == 4
              && history.count("SELECT COUNT(*) FROM telemetry_rollup_1m WHERE device_id IN (?, ?)", sensor, otherSensor) == 4
              && history.count("SELECT COUNT(*) FROM device_event WHERE device_id IN (?, ?) AND event_type = 'motion_ended'",
                  camera, otherCamera) == 2
              && history.count("SELECT COUNT(*) FROM snapshot WHERE persistence_id = ?", "Device|" + camera) > 0);
      Map<String, Long> othersBefore = rowsOf(history, otherCamera);
      othersBefore.putAll(rowsOf(history, otherPhone));
      othersBefore.putAll(rowsOf(history, otherSensor));

      ApiClient.Response erased = api.delete("/api/devices/" + camera + "?erase=true");
      assertThat(erased.status()).as(erased.text()).isEqualTo(200);
      JsonNode removed = erased.body().get("removed");
      assertThat(removed.get("clip-objects").asLong()).isEqualTo(2);
      assertThat(removed.get("clips").asLong()).isEqualTo(2);
      assertThat(removed.get("alerts").asLong()).isEqualTo(1);
      assertThat(removed.get("device-events").asLong()).isPositive();
      assertThat(removed.get("journal-events").asLong()).isPositive();
      assertThat(removed.get("snapshots").asLong()).isPositive();
      assertThat(api.delete("/api/devices/" + phone + "?erase=true").body().get("removed").get("location-fixes").asLong())
          .isEqualTo(2);

      JsonNode sensorRemoved = api.delete("/api/devices/" + sensor + "?erase=true").body().get("removed");
      assertThat(sensorRemoved.get("telemetry-raw").asLong()).isEqualTo(2);
      assertThat(sensorRemoved.get("telemetry-1m").asLong()).isEqualTo(2);
      assertThat(sensorRemoved.get("telemetry-1h").asLong()).isPositive();

      for (String device : List.of(camera, phone, sensor)) {
        assertThat(rowsOf(history, device)).as(device).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        assertThat(api.get("/api/devices/" + device).status()).isEqualTo(404);
      }
      for (String key : keys) assertThat(history.inBucket(key)).as(key).isFalse();
      assertThat(api.get("/api/clips/e-1").status()).isEqualTo(404);
      assertThat(api.get("/api/events?deviceId=" + camera).body().get("items")).isEmpty();

      Map<String, Long> othersAfter = rowsOf(history, otherCamera);
      othersAfter.putAll(rowsOf(history, otherPhone));
      othersAfter.putAll(rowsOf(history, otherSensor));
      assertThat(othersAfter).isEqualTo(othersBefore);
      assertThat(history.inBucket(otherKey)).isTrue();
      assertThat(api.get("/api/devices/" + otherCamera).status()).isEqualTo(200);

      assertThat(api.withToken(api.post("/api/tokens", "{\"household\": \"" + household + "\"}").body().get("token").asText())
          .delete("/api/devices/" + otherCamera + "?erase=true").status()).as("a homeowner may not erase").isEqualTo(403);
      history.close();
    }
  }

  /** The device's rows per table, keyed {@code table:device}. */
  private static Map<String, Long> rowsOf(RecordedHistory history, String deviceId) throws Exception {
    Map<String, Long> rows = new TreeMap<>();
    for (String table : BY_DEVICE_ID) {
      rows.put(table + ":" + deviceId, history.count("SELECT COUNT(*) FROM " + table + " WHERE device_id = ?", deviceId));
    }
    for (String table : BY_PERSISTENCE_ID) {
      rows.put(table + ":" + deviceId,
          history.count("SELECT COUNT(*) FROM " + table + " WHERE persistence_id = ?", "Device|" + deviceId));
    }
    return rows;
  }
}
