package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard in a real headless Chromium: signed in by its link, it shows the live fleet. */
class DashboardIT {

  @Test
  void theSignInLinkShowsTheFleetSummaryAndEveryDeviceWithItsStatus(@TempDir Path dataDir) throws Exception {
    assumeTrue(Chromium.available(), "needs Debian's chromium (.ci/run installs it)");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
            .config(dataDir, TestServers.uniqueSchema(), Map.of()));
        SimulatedFleet devices = OperatorRegistrations.startRegistered(app, SimulatedFleet.builder()
            .mqtt(app.node().endpoints().mqttUrl())
            .credentials(app.node().infrastructure().derivedPasswords()::passwordFor)
            .devices(6).idPrefix("dash-").kinds(DeviceKind.CAMERA, DeviceKind.TRACKER)
            .heartbeatInterval(Duration.ofSeconds(1)))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await().atMost(Duration.ofSeconds(60)).until(() -> api.statuses("q=dash-&status=online").size() == 6);
      devices.device("dash-0005").silence();
      await().atMost(Duration.ofSeconds(60)).until(() -> Map.of(
              "dash-0000", "online", "dash-0001", "online", "dash-0002", "online",
              "dash-0003", "online", "dash-0004", "online", "dash-0005", "offline")
          .equals(api.statuses("q=dash-")));

      String dom = Chromium.dumpDom(app.baseUrl() + "/#token=" + app.operatorToken());

      assertThat(dom).contains("<span class=\"n\" id=\"t-devices\">6</span>")
          .contains("<span class=\"n\" id=\"t-online\">5</span>")
          .contains("<span class=\"n\" id=\"t-offline\">1</span>");
      for (String id : devices.deviceIds()) {
        String status = id.equals("dash-0005") ? "offline" : "online";
        assertThat(dom).containsPattern("<tr data-device=\"" + id + "\">.*?<td class=\"status-" + status + "\">" + status + "</td>");
      }
      assertThat(dom).contains("<td>camera</td>").contains("<td>tracker</td>");

      await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/events?type=went_offline&deviceId=dash-0005")
          .body().get("items").size() == 1);
      String events = Chromium.dumpDom(app.baseUrl() + "/#view=events&token=" + app.operatorToken());
      assertThat(events).contains("<div id=\"view-events\">").contains("<div id=\"view-fleet\" hidden=\"\">");
      assertThat(events).containsPattern("<tr data-event=\"\\d+\"><td>[^<]+</td><td>dash-0005</td><td>household-1</td><td>went_offline</td>");
      for (String id : devices.deviceIds()) assertThat(events).contains("<td>" + id + "</td><td>household-1</td><td>registered</td>");

      await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/alerts?deviceId=dash-0005").body().get("items").size() == 1);
      // The live stream never lets the page go quiet, which headless dumps wait for: a snapshot of the list.
      String alerts = Chromium.dumpDom(app.baseUrl() + "/#view=alerts&live=off&token=" + app.operatorToken());
      assertThat(alerts).contains("<div id=\"view-alerts\">")
          .containsPattern("<tr data-alert=\"dash-0005:offline:\\d+\"><td>[^<]+</td><td>dash-0005</td><td>household-1</td><td>offline</td><td>open</td>");
    }
  }

  @Test
  void withoutATokenTheDashboardAsksToSignIn(@TempDir Path dataDir) throws Exception {
    assumeTrue(Chromium.available(), "needs Debian's chromium (.ci/run installs it)");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
        .config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      String dom = Chromium.dumpDom(app.baseUrl() + "/");
      assertThat(dom).containsPattern("<section id=\"signin\">").containsPattern("<main id=\"app\" hidden=\"\">");
    }
  }
}
