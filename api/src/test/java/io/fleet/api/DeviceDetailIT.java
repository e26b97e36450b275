package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.agent.sim.sensor.SensorSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The dashboard's device detail in a real headless Chromium: a sensor that went offline and came back and
 * whose telemetry had a spike shows the offline period on its timeline, a chart per metric with the
 * anomaly marked (a day in 10-minute buckets, the last hour reading by reading), and the anomaly listed
 * with its detector's reason; the anomaly's alert opens the readings around it. Its readings are another
 * household's business: a homeowner elsewhere gets 404.
 */
class DeviceDetailIT {

  @Test
  void aSensorsDetailShowsItsOfflinePeriodItsTelemetryAndTheAnomalyMarked(@TempDir Path dataDir) throws Exception {
    assumeTrue(Browser.available(), "needs Debian's chromium and chromedriver (.ci/run installs them)");
    String id = "detail-sensor";
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
            .config(dataDir, TestServers.uniqueSchema(), Map.of("fleet.telemetry.max-points", 200)));
        Browser browser = new Browser(1280, 1000)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(api.post("/api/devices", "{\"deviceId\": \"" + id + "\", \"type\": \"sensor\", \"household\": \"h-detail\"}").status())
          .isEqualTo(201);
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 80}");
      await("online").atMost(Duration.ofSeconds(30)).until(() -> "online".equals(api.statuses("household=h-detail").get(id)));
      TestMqtt.publish(mqtt, "fleet/" + id + "/status", "offline");
      await("offline").atMost(Duration.ofSeconds(30)).until(() -> "offline".equals(api.statuses("household=h-detail").get(id)));
      TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 79}");

      List<Map<String, Double>> normal = new SensorSignal(7, 1440).generate(430, List.of()).readings();
      Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60L * 430);
      for (int i = 0; i < 400; i++) TelemetryAnomalyIT.publish(mqtt, id, t0.plusSeconds(60L * i), normal.get(i));
      TelemetryAnomalyIT.publish(mqtt, id, t0.plusSeconds(60L * 400), TelemetryAnomalyIT.spike(normal.get(400)));
      for (int i = 401; i < 420; i++) TelemetryAnomalyIT.publish(mqtt, id, t0.plusSeconds(60L * i), normal.get(i));
      await("the anomaly in the event log").atMost(Duration.ofSeconds(60))
          .until(() -> api.get("/api/events?deviceId=" + id + "&type=anomaly_detected").body().get("items").size() == 1);
      String window = "from=" + t0 + "&to=" + t0.plusSeconds(60L * 420);
      // Stored in the order they were sent: with the last, all.
      String last = "from=" + t0.plusSeconds(60L * 419) + "&to=" + t0.plusSeconds(60L * 420);
      await("every reading stored").atMost(Duration.ofSeconds(30))
          .until(() -> api.get("/api/devices/" + id + "/telemetry?" + last).body().get("points").size() == 1);
      mqtt.disconnect();

      browser.driver.get(app.baseUrl() + "/#token=" + app.operatorToken());
      By row = By.cssSelector("tr[data-device='" + id + "']");
      await("the fleet table").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(row).isEmpty());
      browser.driver.findElement(row).click();
      By charts = By.cssSelector("#d-more figure.plot canvas");
      await("the telemetry charts").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(charts).isEmpty());

      int metrics = api.get("/api/devices/" + id + "/telemetry?" + window).body().get("metrics").size();
      assertThat(browser.driver.findElements(By.cssSelector("#d-more figure.plot"))).hasSize(metrics);
      By telemetry = By.cssSelector("#d-more .telemetry");
      assertThat(browser.driver.findElement(telemetry).getAttribute("data-step"))
          .as("a day holds 420 readings, more than the 200 points allowed").isEqualTo("10m");
      By temperature = By.cssSelector("#d-more figure.plot[data-metric='temperature']");
      assertThat(browser.driver.findElement(temperature).getAttribute("data-anomalies")).isEqualTo("1");

      browser.driver.findElement(By.xpath("//div[@id='d-more']//nav[@class='ranges']/button[text()='1 h']")).click();
      await("the last hour, every reading").atMost(Duration.ofSeconds(20))
          .until(() -> "raw".equals(browser.driver.findElement(telemetry).getAttribute("data-step")));
      await("its charts").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(temperature).isEmpty());
      assertThat(browser.driver.findElement(temperature).getAttribute("data-anomalies")).isEqualTo("1");
      assertThat(Integer.parseInt(browser.driver.findElement(telemetry).getAttribute("data-points"))).isBetween(45, 60);
      assertThat(browser.driver.findElements(By.cssSelector("#d-more ul.anomalies li")))
          .singleElement().satisfies(li -> assertThat(li.getText()).contains("temperature"));
      assertThat(browser.driver.findElements(By.cssSelector("#d-more .timeline .band.offline"))).hasSize(1);
      assertThat(browser.driver.findElements(By.cssSelector("#d-more .timeline .band.online"))).hasSize(2);
      browser.screenshot("device-detail", "dashboard-device.png");

      // The anomaly's alert links to the readings around it.
      browser.driver.findElement(By.id("tab-alerts")).click();
      By readings = By.cssSelector("#alerts button[data-action='readings']");
      await("the anomaly alert").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(readings).isEmpty());
      browser.driver.findElement(readings).click();
      Instant spikeAt = t0.plusSeconds(60L * 400);
      await("the readings around the anomaly").atMost(Duration.ofSeconds(20)).until(() ->
          !browser.driver.findElements(telemetry).isEmpty()
              && spikeAt.minusSeconds(1800).toString().replace("Z", ".000Z")
                  .equals(browser.driver.findElement(telemetry).getAttribute("data-from"))
              && "raw".equals(browser.driver.findElement(telemetry).getAttribute("data-step")));
      await("its charts").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(temperature).isEmpty());
      assertThat(browser.driver.findElement(temperature).getAttribute("data-anomalies")).isEqualTo("1");

      String stranger = api.post("/api/tokens", "{\"household\": \"h-elsewhere\"}").body().get("token").asText();
      assertThat(api.withToken(stranger).get("/api/devices/" + id + "/telemetry?" + window).status()).isEqualTo(404);
      assertThat(api.withToken(stranger).get("/api/devices/" + id).status()).isEqualTo(404);
    }
  }
}
