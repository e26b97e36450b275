package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parked devices end to end, over real MQTT, Kafka and SQL: online devices whose entities have nothing to do are
 * parked (their entities stop, their node keeps a row each), their last seen still reaches the fleet list, one that
 * falls silent goes offline within 3× its interval + 1 s all the same, and one that falls silent with its node's
 * stop — its row lost with the node's memory, its records not read again — is judged offline after the restart too
 * (by the sweep of online devices unheard for long, or its entity started by a record redelivered from before the
 * stop; {@code ParkedLastSeenIT} checks the sweep's query).
 */
class ParkedDevicesIT {
  private static final int DEVICES = 30;
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Map<String, Object> PARKING = Map.of(
      "fleet.device.park-after", "2s",
      "fleet.device.last-seen-persist-interval", "3s",
      "fleet.device.unheard-sweep.interval", "2s",
      "fleet.device.unheard-sweep.after", "8s",
      // Not read again after the restart: only the sweep can find a device silent since the stop.
      "fleet.kafka.vitals-catch-up", "0s");

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void idleOnlineDevicesParkTheirLastSeenStillShowsAndSilentOnesGoOfflineOnTimeAndAfterARestart(TestServers servers,
      @TempDir Path dataDir) throws Exception {
    String schema = TestServers.uniqueSchema();
    String prefix = "park-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    List<String> silentWhileParked;
    List<String> silentWithTheNode;
    Set<String> offlineAtTheEnd;

    FleetApp app = FleetApp.start(servers.config(dataDir, schema, PARKING));
    try (SimulatedFleet devices = SimulatedFleet.builder()
        .mqtt(app.node().endpoints().mqttUrl())
        .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
        .devices(DEVICES).idPrefix(prefix)
        .kinds(DeviceKind.SENSOR)
        .heartbeatInterval(INTERVAL)
        .start()) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await("all " + DEVICES + " devices online").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> api.statuses("q=" + prefix).values().stream().filter("online"::equals).count() == DEVICES);

      await("every device parked").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> api.metric("fleet_parked_devices") >= DEVICES);
      assertThat(api.metric("fleet_entities_alive")).as("parked devices' entities stopped").isLessThan(DEVICES);

      String watched = devices.deviceIds().get(DEVICES - 1);
      Instant listedBefore = listedLastSeen(api, watched);
      await("its last seen moves on in the list while it is parked").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> listedLastSeen(api, watched).isAfter(listedBefore.plusSeconds(3)));
      assertThat(api.metric("fleet_parked_devices")).as("still parked: no entity journaled it").isGreaterThanOrEqualTo(DEVICES);

      silentWhileParked = devices.deviceIds().subList(0, 5);
      silentWhileParked.forEach(id -> devices.device(id).silence());
      await("the silent parked devices offline").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
          .until(() -> silentWhileParked.stream().allMatch(id -> "offline".equals(api.statuses("q=" + id).get(id))));
      for (String id : silentWhileParked) {
        JsonNode d = api.get("/api/devices/" + id).body();
        Duration silence = Duration.between(Instant.parse(d.get("lastSeen").asText()), Instant.parse(d.get("statusSince").asText()));
        assertThat(silence).as("%s went offline after %s of silence", id, silence)
            .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(3))
            .isLessThanOrEqualTo(INTERVAL.multipliedBy(3).plusSeconds(1));
      }
      assertThat(api.metric("fleet_parked_devices_woken_total")).as("handed back by their node's row")
          .isGreaterThanOrEqualTo(silentWhileParked.size());
      // Then they lose power too: their retained "online" would bring them back when the bridge subscribes again.
      for (String id : silentWhileParked) devices.device(id).disconnectWithWill().get();

      silentWithTheNode = devices.deviceIds().subList(5, 10);
      silentWithTheNode.forEach(id -> devices.device(id).silence());
      app.close();
      if (!servers.external()) {
        // The embedded broker went with the node: a hung device would reconnect to the new one and say online, so
        // these lose power now, while no broker holds their will.
        for (String id : silentWithTheNode) devices.device(id).disconnectWithWill().exceptionally(e -> null).get();
      }
      app = FleetApp.start(servers.config(dataDir, schema, PARKING));
      ApiClient restarted = new ApiClient(app.baseUrl(), app.operatorToken());
      await("the devices silent since the stop offline after the restart").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> silentWithTheNode.stream().allMatch(id -> "offline".equals(restarted.statuses("q=" + id).get(id))));
      for (String id : silentWithTheNode) {
        JsonNode offline = restarted.get("/api/events?type=went_offline&deviceId=" + id).body().get("items");
        assertThat(offline).as("%s offline for its silence", id).hasSize(1);
        assertThat(offline.get(0).toString()).contains("silent");
      }
      offlineAtTheEnd = restarted.statuses("q=" + prefix).entrySet().stream()
          .filter(e -> "offline".equals(e.getValue())).map(Map.Entry::getKey).collect(Collectors.toSet());
    } finally {
      app.close();
      RetainedStatus.clear(servers, IntStream.range(0, DEVICES).mapToObj(i -> String.format("%s%04d", prefix, i)).toList());
    }
    assertThat(offlineAtTheEnd).as("only the silent devices offline: the others were heard through it all")
        .containsExactlyInAnyOrderElementsOf(
            Stream.concat(silentWhileParked.stream(), silentWithTheNode.stream()).toList());
  }

  private static Instant listedLastSeen(ApiClient api, String id) {
    JsonNode items = api.get("/api/devices?q=" + id).body().get("items");
    return Instant.parse(items.get(0).get("lastSeen").asText());
  }
}
