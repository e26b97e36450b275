package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Heartbeats delivered late — as an edge agent's outbox delivers them after an outage — file what they
 * caused at the time they happened on the device: the device came online three hours ago, its battery ran
 * low (the alert too) and its firmware changed two hours ago, and event search finds each in a window around
 * that time;
 * by receipt time ({@code timeField=received}) they are all found in the last minutes.
 */
class DeviceTimeIT {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void whatLateHeartbeatsCausedIsFoundAtTheTimeTheyWereSent(TestServers servers, @TempDir Path dataDir) throws Exception {
    String id = "outbox-" + UUID.randomUUID().toString().substring(0, 8);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant threeHoursAgo = now.minus(Duration.ofHours(3));
    Instant twoHoursAgo = now.minus(Duration.ofHours(2));
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      heartbeat(mqtt, id, threeHoursAgo, 60, "1.0");
      heartbeat(mqtt, id, twoHoursAgo, 10, "1.1");
      String received = "/api/events?timeField=received&deviceId=" + id + "&from=" + now.minus(Duration.ofMinutes(5));
      await("the events, by receipt").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> types(api.get(received).body()), t -> t.contains("battery_low") && t.size() >= 5);

      assertThat(types(api.get(around(id, threeHoursAgo)).body()))
          .as("registered is Fleet's doing, at receipt").containsExactlyInAnyOrder("came_online", "firmware_changed");
      JsonNode twoHours = api.get(around(id, twoHoursAgo)).body();
      assertThat(types(twoHours)).containsExactlyInAnyOrder("battery_low", "firmware_changed", "alert_raised");
      for (JsonNode e : twoHours.get("items")) assertThat(Instant.parse(e.get("at").asText())).isEqualTo(twoHoursAgo);
      assertThat(types(api.get("/api/events?deviceId=" + id + "&from=" + now.minus(Duration.ofMinutes(5))).body()))
          .as("by event time only the registration happened in the last minutes").containsExactly("registered");
      mqtt.disconnect();
    }
  }

  private static String around(String id, Instant t) {
    return "/api/events?deviceId=" + id + "&from=" + t.minusSeconds(60) + "&to=" + t.plusSeconds(60);
  }

  private static List<String> types(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.get("items").forEach(e -> out.add(e.get("type").asText()));
    return out;
  }

  private static void heartbeat(Mqtt3BlockingClient mqtt, String id, Instant ts, int battery, String firmware) {
    TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat",
        "{\"ts\": \"" + ts + "\", \"battery\": " + battery + ", \"firmware\": \"" + firmware + "\"}");
  }
}
