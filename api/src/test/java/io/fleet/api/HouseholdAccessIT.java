package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Households and roles: a homeowner of household A sees A's devices and events and nothing of B's
 * through any endpoint — not in lists, counts, search or single lookups — cannot register devices or
 * manage tokens, and loses access the moment an operator revokes the token.
 */
class HouseholdAccessIT {

  @Test
  void aHomeownerSeesOnlyItsHouseholdThroughEveryEndpointUntilItsTokenIsRevoked(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
            .config(dataDir, TestServers.uniqueSchema(), Map.of()));
        SimulatedFleet devices = OperatorRegistrations.startRegistered(app, SimulatedFleet.builder()
            .mqtt(app.node().endpoints().mqttUrl())
            .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
            .devices(6).idPrefix("home-").kinds(DeviceKind.CAMERA).households(2)
            .heartbeatInterval(Duration.ofSeconds(1)))) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      await().atMost(Duration.ofSeconds(60)).until(() -> operator.statuses("q=home-&status=online").size() == 6);
      Map<String, List<String>> byHousehold = Map.of(
          "household-1", devices.deviceIds().stream().filter(id -> devices.device(id).household().equals("household-1")).toList(),
          "household-2", devices.deviceIds().stream().filter(id -> devices.device(id).household().equals("household-2")).toList());
      List<String> mine = byHousehold.get("household-1");
      List<String> theirs = byHousehold.get("household-2");
      assertThat(mine).hasSize(3);
      assertThat(theirs).hasSize(3);
      await().atMost(Duration.ofSeconds(30)).until(() -> operator.get("/api/events?type=came_online&deviceId=" + String.join(",", theirs))
          .body().get("items").size() == 3);

      devices.device(theirs.get(0)).silence();
      // Its silence window is 4 s, but the alert came after 29 s in one clean-clone CI and after 30 s in the next
      // (not understood yet; suspected: the 30 s restart grace of an entity recovered while the fresh node settles).
      await("their device's offline alert").atMost(Duration.ofSeconds(60))
          .until(() -> operator.get("/api/alerts?deviceId=" + theirs.get(0)).body().get("items").size() == 1);

      ApiClient.Response minted = operator.post("/api/tokens", "{\"household\":\"household-1\",\"label\":\"Ann's phone\"}");
      assertThat(minted.status()).isEqualTo(201);
      String token = minted.body().get("token").asText();
      ApiClient homeowner = operator.withToken(token);

      assertThat(homeowner.statuses("")).containsOnlyKeys(mine);
      assertThat(homeowner.statuses("household=household-2")).as("a household filter cannot widen the scope").containsOnlyKeys(mine);
      assertThat(homeowner.get("/api/fleet/summary").body().get("devices").asLong()).isEqualTo(3);
      JsonNode events = homeowner.get("/api/events?limit=1000").body().get("items");
      assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(mine).contains(e.get("deviceId").asText()));
      assertThat(homeowner.get("/api/events?deviceId=" + String.join(",", theirs)).body().get("items")).isEmpty();
      assertThat(homeowner.get("/api/devices/" + mine.get(0)).status()).isEqualTo(200);
      for (String other : theirs) {
        ApiClient.Response lookup = homeowner.get("/api/devices/" + other);
        assertThat(lookup.status()).isEqualTo(404);
        assertThat(lookup.text()).doesNotContain("household-2");
      }
      for (String path : List.of("/api/devices", "/api/devices?limit=500", "/api/fleet/summary", "/api/events?limit=1000",
          "/api/health", "/api/devices?q=home-", "/api/events?type=came_online", "/api/alerts",
          "/api/alerts?deviceId=" + theirs.get(0), "/api/alerts?kind=offline")) {
        String body = homeowner.get(path).text();
        assertThat(body).as(path).doesNotContain("household-2");
        theirs.forEach(id -> assertThat(body).as(path).doesNotContain(id));
      }
      assertThat(homeowner.get("/api/health").body().has("connect")).as("no endpoints or keys for homeowners").isFalse();
      assertThat(homeowner.post("/api/devices", "{\"deviceId\":\"sneaky\",\"type\":\"camera\"}").status()).isEqualTo(403);
      assertThat(homeowner.get("/api/tokens").status()).isEqualTo(403);
      assertThat(homeowner.post("/api/tokens", "{\"household\":\"household-2\"}").status()).isEqualTo(403);

      JsonNode listed = operator.get("/api/tokens").body();
      assertThat(listed.toString()).doesNotContain(token);
      String id = minted.body().get("id").asText();
      assertThat(operator.delete("/api/tokens/" + id).status()).isEqualTo(204);
      assertThat(homeowner.get("/api/devices").status()).isEqualTo(401);
      assertThat(operator.delete("/api/tokens/" + id).status()).isEqualTo(404);
    }
  }
}
