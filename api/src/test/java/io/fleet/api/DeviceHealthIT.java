package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Device health end to end, over real MQTT, Kafka and SQL: 200 devices come online, 20 fall silent and
 * go offline within 3× their interval + 1 s, one loses power and its last will marks it offline at once,
 * and after the application restarts on the same data the same states come back.
 */
class DeviceHealthIT {
  private static final int DEVICES = 200;
  private static final int SILENT = 20;
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void devicesGoOnlineSilentOnesGoOfflineTheWillActsAtOnceAndStatesSurviveARestart(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String schema = TestServers.uniqueSchema();
    String prefix = "hb-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    var config = servers.config(dataDir, schema, Map.of());
    Map<String, String> before;
    Map<String, JsonNode> detailsBefore = new HashMap<>();
    String willDevice = prefix + "0199";
    List<String> silent;

    FleetApp app = FleetApp.start(config);
    try (SimulatedFleet devices = SimulatedFleet.builder()
        .mqtt(app.node().endpoints().mqttUrl())
        .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
        .devices(DEVICES).idPrefix(prefix)
        .kinds(DeviceKind.CAMERA, DeviceKind.SENSOR, DeviceKind.TRACKER)
        .households(10)
        .heartbeatInterval(INTERVAL)
        .start()) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());

      await("all " + DEVICES + " devices online").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> api.statuses("q=" + prefix).values().stream().filter("online"::equals).count() == DEVICES);

      silent = devices.deviceIds().subList(0, SILENT);
      silent.forEach(id -> devices.device(id).silence());
      await("the silent devices offline").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> silent.stream().allMatch(id -> "offline".equals(api.statuses("q=" + id).get(id))));
      for (String id : silent) {
        JsonNode d = api.get("/api/devices/" + id).body();
        assertThat(d.get("status").asText()).isEqualTo("offline");
        Duration silence = Duration.between(Instant.parse(d.get("lastSeen").asText()), Instant.parse(d.get("statusSince").asText()));
        assertThat(silence).as("%s went offline after %s of silence", id, silence)
            .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(3))
            .isLessThanOrEqualTo(INTERVAL.multipliedBy(3).plusSeconds(1));
      }

      await("an offline alert for each silent device").atMost(Duration.ofSeconds(30)).until(() ->
          api.get("/api/alerts?kind=offline&limit=1000&deviceId=" + String.join(",", silent)).body().get("items").size() == SILENT);
      JsonNode alert = api.get("/api/alerts?kind=offline&deviceId=" + silent.get(0)).body().get("items").get(0);
      assertThat(alert.get("state").asText()).isEqualTo("open");
      assertThat(alert.get("message").asText()).contains("silent");

      // The hung devices then lose power too: a hung device that is still connected would reconnect
      // after the embedded broker's restart below and say "online" again, as a real one would.
      for (String id : silent) devices.device(id).disconnectWithWill().get();

      devices.device(willDevice).disconnectWithWill().get();
      await("the unplugged device offline").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> "offline".equals(api.get("/api/devices/" + willDevice).body().get("status").asText()));
      JsonNode unplugged = api.get("/api/devices/" + willDevice).body();
      Duration beforeWill = Duration.between(Instant.parse(unplugged.get("lastSeen").asText()),
          Instant.parse(unplugged.get("statusSince").asText()));
      assertThat(beforeWill).as("the will acts before the silence timer would").isLessThan(INTERVAL.multipliedBy(3));

      Map<String, String> expected = new HashMap<>();
      devices.deviceIds().forEach(id -> expected.put(id, "online"));
      silent.forEach(id -> expected.put(id, "offline"));
      expected.put(willDevice, "offline");
      await("the list shows every state").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> api.statuses("q=" + prefix).equals(expected));
      before = api.statuses("q=" + prefix);
      for (String id : List.of(silent.get(0), prefix + "0100", willDevice)) detailsBefore.put(id, api.get("/api/devices/" + id).body());

      app.close();
      app = FleetApp.start(servers.config(dataDir, schema, Map.of()));
      ApiClient restarted = new ApiClient(app.baseUrl(), app.operatorToken());
      await("the same states after the restart").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> restarted.statuses("q=" + prefix).equals(before));
      for (var entry : detailsBefore.entrySet()) {
        JsonNode now = restarted.get("/api/devices/" + entry.getKey()).body();
        JsonNode then = entry.getValue();
        for (String field : List.of("type", "household", "status", "firmware", "registeredAt")) {
          assertThat(now.get(field)).as("%s %s", entry.getKey(), field).isEqualTo(then.get(field));
        }
      }
      // The broker's stop was not the live devices' going away: no last will of theirs was kept for after it.
      assertThat(restarted.get("/api/events?type=went_offline&deviceId=" + prefix + "0100").body().get("items"))
          .as("a live device's offline events across the restart").isEmpty();
      JsonNode offlineAfter = restarted.get("/api/devices/" + silent.get(0)).body();
      assertThat(offlineAfter.get("statusSince")).isEqualTo(detailsBefore.get(silent.get(0)).get("statusSince"));
    } finally {
      app.close();
      RetainedStatus.clear(servers, IntStream.range(0, DEVICES)
          .mapToObj(i -> String.format("%s%04d", prefix, i)).toList());
    }
    assertThat(before.values().stream().collect(Collectors.groupingBy(s -> s, Collectors.counting())))
        .containsEntry("online", (long) (DEVICES - SILENT - 1))
        .containsEntry("offline", (long) (SILENT + 1));
  }
}
