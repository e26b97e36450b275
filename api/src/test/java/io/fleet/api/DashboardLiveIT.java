package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Mp4ClipEncoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;

/**
 * The alerts page, open in a real headless Chromium while a camera reports motion: the alert appears
 * within 2 s of its publication on {@code fleet.alerts}, its H.264 clip plays in the page's
 * {@code <video>}, and acknowledging it from the page updates the row and the fleet's open-alert count.
 */
class DashboardLiveIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aMotionAlertAppearsLiveItsClipPlaysAndAcknowledgingItUpdatesTheList(@TempDir Path dataDir) throws Exception {
    assumeTrue(Browser.available(), "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()));
         Browser browser = new Browser(1280, 900);
         AlertsTopic alerts = new AlertsTopic(app.node().endpoints().kafkaBootstrap(),
             app.node().system().settings().config().getString("fleet.kafka.topics.alerts"))) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(operator.post("/api/devices", "{\"deviceId\":\"porch-cam\",\"type\":\"camera\",\"household\":\"h-a\"}").status())
          .isEqualTo(201);
      browser.driver.get(app.baseUrl() + "/#view=alerts&token=" + app.operatorToken());
      await("the page's live stream open").atMost(Duration.ofSeconds(30))
          .until(() -> "live".equals(browser.driver.findElement(By.id("a-live")).getText()));

      Path clip = dataDir.resolve("clip.mp4");
      new Mp4ClipEncoder().encode(frames(320, 240, 30), 10, clip);
      HttpResponse<String> stored = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/porch-cam/clips/clip-1"))
          .header("Authorization", "Bearer " + app.operatorToken()).header("Content-Type", "video/mp4")
          .PUT(HttpRequest.BodyPublishers.ofFile(clip)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      TestMqtt.publish(mqtt, "fleet/porch-cam/motion",
          "{\"event_id\": \"m-1\", \"ts\": \"" + Instant.now() + "\", \"score\": 0.8, \"clip_id\": \"clip-1\"}");
      mqtt.disconnect();

      AlertsTopic.Seen published = await("the alert on fleet.alerts").atMost(Duration.ofSeconds(30))
          .until(() -> alerts.of("porch-cam"), seen -> !seen.isEmpty()).get(0);
      String alertId = published.alert().get("alert_id").asText();
      By row = By.cssSelector("tr[data-alert='" + alertId + "']");
      await("the alert on the open page within 2 s of its publication").atMost(Duration.ofSeconds(2))
          .until(() -> !browser.driver.findElements(row).isEmpty());
      // The list re-renders a row when its alert changes: each look at the row reads it afresh, in one go.
      String rowSelector = "tr[data-alert='" + alertId + "']";
      assertThat(browser.textOf(rowSelector)).contains("porch-cam").contains("motion").contains("open");
      browser.screenshot("alerts-live");

      click(browser, row, By.xpath(".//button[text()='play']"));
      await("the clip plays in the page's video player").atMost(Duration.ofSeconds(30)).until(() -> {
        Object state = browser.js("const v = document.getElementById('clip'); return [v.readyState, v.duration];");
        List<?> values = (List<?>) state;
        return ((Number) values.get(0)).intValue() >= 2 && values.get(1) instanceof Number d && d.doubleValue() > 0;
      });
      browser.screenshot("alerts-clip");

      click(browser, row, By.cssSelector("button[data-action='ack']"));
      await("the row says who acknowledged it, with no acknowledge button left").atMost(Duration.ofSeconds(10))
          .until(() -> browser.textOf(rowSelector).contains("acknowledged by operator")
              && Boolean.TRUE.equals(browser.js("return document.querySelector(arguments[0] + \" button[data-action='ack']\") === null;", rowSelector)));
      await("the fleet's open alerts count it no more").atMost(Duration.ofSeconds(30))
          .until(() -> operator.get("/api/fleet/summary").body().path("openAlerts").asLong() == 0);
      browser.screenshot("alerts-acknowledged");
    }
  }

  /** Clicks a button in the row, finding both again if the row was re-rendered in between. */
  private static void click(Browser browser, By row, By button) {
    await("a click on " + button).atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
        .until(() -> {
          browser.driver.findElement(row).findElement(button).click();
          return true;
        });
  }

  private static List<Frame> frames(int width, int height, int count) {
    SyntheticScene scene = new SyntheticScene(new Script(width, height, 10, count, 1, 3,
        List.of(new MovingObject(0, count, width / 5, height / 3, 0, height / 2.0, 6, 0, 0xE0E040)), List.of(), null));
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) frames.add(scene.next().orElseThrow());
    return frames;
  }
}
