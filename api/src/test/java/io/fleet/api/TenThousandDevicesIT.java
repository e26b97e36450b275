package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand simulated devices, each with its own MQTT connection and credentials, against one
 * running Fleet: every device whose heartbeat the broker acknowledged is in the fleet summary, online.
 * The devices run in a child JVM (20,000 sockets would not fit one process's file limit here); it
 * prints how many devices have had a heartbeat acknowledged, and how many heartbeats failed. On the
 * embedded servers only: the machine's shared Mosquitto is not ours to load with 10,000 sessions.
 */
class TenThousandDevicesIT {
  private static final int DEVICES = 10_000;
  private static final String SECRET = "ten-thousand-devices-it";

  @Test
  void everyDeviceWhoseHeartbeatsWereAcknowledgedIsOnlineInTheFleetSummary(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.device-secret", SECRET)))) {
      ChildNode devices = ChildNode.start(SimulatedDevicesChild.class, "1g", "HEARD", app.node().endpoints().mqttUrl(), SECRET,
          Integer.toString(DEVICES), "k-");
      try {
        devices.awaitCount(DEVICES, Duration.ofSeconds(240));
        ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
        AtomicLong online = new AtomicLong();
        try {
          await("the fleet summary counts all of them online").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
              .until(() -> {
                online.set(api.get("/api/fleet/summary").body().path("byStatus").path("online").asLong());
                return online.get() == DEVICES;
              });
        } catch (ConditionTimeoutException e) {
          throw new AssertionError("online in the summary: " + online.get() + " of " + DEVICES, e);
        }
        JsonNode summary = api.get("/api/fleet/summary").body();
        assertThat(summary.get("devices").asLong()).isEqualTo(DEVICES);
        assertThat(summary.path("byType").path("camera").asLong()).isEqualTo(3334);
        assertThat(api.get("/api/devices?q=k-&limit=500").body().get("items").size()).isEqualTo(500);
      } finally {
        devices.kill();
      }
    }
  }
}
