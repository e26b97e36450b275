package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command with a bigger demo: the application starts its simulated devices itself
 * ({@code FLEET_SIMULATED_DEVICES}), registering each as an operator would, and they come online over the
 * embedded broker. A thousand registered all at once in a JVM that had just started took longer than an ask may,
 * and the demo did not start at all.
 */
class DemoFleetIT {
  private static final int DEVICES = 1000;

  @Test
  void aThousandSimulatedDevicesStartWithTheApplicationAndComeOnline(@TempDir Path dataDir) {
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.simulator.devices", DEVICES, "fleet.simulator.motion-every", "0s"));
    try (FleetApp app = FleetApp.start(config)) {
      assertThat(app.banner()).as("the banner's line on the simulated devices")
          .contains("Simulated devices  " + DEVICES + " (demo-");
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      // A share of them fall silent after four heartbeat intervals (the demo's churn): most, not all, are online.
      await("the simulated devices registered and most of them online").atMost(Duration.ofSeconds(90)).until(() -> {
        JsonNode summary = api.get("/api/fleet/summary").body();
        return summary.path("devices").asLong() == DEVICES
            && summary.at("/byStatus/online").asLong() >= DEVICES * 9 / 10;
      });
    }
  }
}
