package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.agent.sim.tracker.Course;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The dashboard's views in a real headless Chromium, against one running Fleet: household A has a camera
 * (online, with a motion event and a stored clip) and a sensor (offline), household B a camera with a low
 * battery, and 55 more devices make the fleet table page. The fleet table shows each state and pages; the
 * event search finds a time range's events of two devices with their clip link; a homeowner sees only their
 * household (devices and alerts); on a phone-sized screen nothing runs off the side. Last, because it adds
 * devices: the live alert list, cut off from Fleet while alerts are raised, shows each of them exactly
 * once when the way is back (the browser resumes the stream with Last-Event-ID). And what devices and
 * people name things is shown as text, never run as HTML (a tracker named like an image tag, in the race's
 * map tooltip, its league table and the fleet table), with the token kept in the tab's sessionStorage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardViewsIT {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
  @TempDir static Path dataDir;
  static FleetApp app;
  static ApiClient api;
  static Instant motionFrom;

  @BeforeAll
  static void fleetWithTwoHouseholds() throws Exception {
    assumeTrue(Browser.available(), "needs Debian's chromium and chromedriver (.ci/run installs them)");
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()));
    api = new ApiClient(app.baseUrl(), app.operatorToken());
    String camPassword = register("a-cam", "camera", "h-a");
    register("a-sensor", "sensor", "h-a");
    register("b-cam", "camera", "h-b");
    for (int i = 0; i < 55; i++) register(String.format("page-%02d", i), "sensor", "h-page");
    Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
    heartbeat(mqtt, "a-cam", 90);
    heartbeat(mqtt, "a-sensor", 70);
    heartbeat(mqtt, "b-cam", 10);
    await("all three online").atMost(Duration.ofSeconds(30)).until(() ->
        api.statuses("status=online").keySet().containsAll(List.of("a-cam", "a-sensor", "b-cam")));
    TestMqtt.publish(mqtt, "fleet/a-sensor/status", "offline");
    await("a-sensor offline").atMost(Duration.ofSeconds(30)).until(() -> "offline".equals(api.statuses("household=h-a").get("a-sensor")));

    motionFrom = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    await("a second boundary").atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(motionFrom));
    TestMqtt.publish(mqtt, "fleet/a-cam/motion", "{\"event_id\": \"m-1\", \"ts\": \"" + Instant.now() + "\", \"clip_id\": \"clip-1\"}");
    TestMqtt.publish(mqtt, "fleet/b-cam/motion", "{\"event_id\": \"m-2\", \"ts\": \"" + Instant.now() + "\"}");
    TestMqtt.publish(mqtt, "fleet/a-sensor/motion", "{\"event_id\": \"m-3\", \"ts\": \"" + Instant.now() + "\"}");
    HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/a-cam/clips/clip-1"))
        .header("Authorization", ApiClient.basic("a-cam", camPassword)).header("Content-Type", "video/mp4")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[8192])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    mqtt.disconnect();
    await("the motion and clip events").atMost(Duration.ofSeconds(30)).until(() ->
        api.get("/api/events?type=clip_stored&deviceId=a-cam").body().get("items").size() == 1
            && api.get("/api/events?type=motion_started&deviceId=b-cam,a-sensor").body().get("items").size() == 2);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  @Test
  @Order(1)
  void theFleetTableShowsEachStateMatchesTheTilesAndPages() throws Exception {
    try (Browser browser = new Browser(1280, 900)) {
      browser.driver.get(app.baseUrl() + "/#token=" + app.operatorToken());
      await("the table").atMost(Duration.ofSeconds(20)).until(() -> rows(browser, "#devices tr").size() == 50);
      assertThat(statusOf(browser, "a-cam")).isEqualTo("online");
      assertThat(statusOf(browser, "a-sensor")).isEqualTo("offline");
      assertThat(rowText(browser, "b-cam")).contains("10 % (low)");
      var summary = api.get("/api/fleet/summary").body();
      assertThat(text(browser, "t-devices")).isEqualTo(summary.get("devices").asText()).isEqualTo("58");
      assertThat(text(browser, "t-online")).isEqualTo("2");
      assertThat(text(browser, "t-offline")).isEqualTo("1");
      assertThat(text(browser, "t-low")).isEqualTo("1");
      browser.screenshot("fleet", "dashboard-fleet.png");

      List<String> firstPage = ids(browser);
      browser.driver.findElement(By.id("next")).click();
      await("the second page").atMost(Duration.ofSeconds(20)).until(() -> rows(browser, "#devices tr").size() == 8);
      List<String> both = new ArrayList<>(firstPage);
      both.addAll(ids(browser));
      assertThat(both).doesNotHaveDuplicates().hasSize(58);

      browser.driver.findElement(By.id("f-q")).sendKeys("a-");
      await("the search").atMost(Duration.ofSeconds(20)).until(() -> ids(browser).equals(List.of("a-cam", "a-sensor")));
    }
  }

  @Test
  @Order(2)
  void eventSearchForATimeRangeAndTwoDevicesListsExactlyTheirEventsInTimeOrderWithClipLinks() throws Exception {
    try (Browser browser = new Browser(1280, 900)) {
      browser.driver.get(app.baseUrl() + "/#view=events&token=" + app.operatorToken());
      await("the events view").atMost(Duration.ofSeconds(20)).until(() -> !rows(browser, "#events tr").isEmpty());
      browser.js("document.getElementById('e-from').value = arguments[0];"
          + "document.getElementById('e-to').value = arguments[1];"
          + "document.getElementById('e-devices').value = 'a-cam, b-cam';",
          LOCAL.format(motionFrom), LOCAL.format(Instant.now().plusSeconds(60)));
      browser.driver.findElement(By.cssSelector("#event-search button[type=submit]")).click();
      await("the search's rows").atMost(Duration.ofSeconds(20)).until(() -> table(browser, "#events tr").stream()
          .allMatch(r -> List.of("a-cam", "b-cam").contains(r.get(1))));

      List<List<String>> found = table(browser, "#events tr");
      var expected = api.get("/api/events?deviceId=a-cam,b-cam&from=" + motionFrom).body().get("items");
      assertThat(found).hasSize(expected.size());
      assertThat(found).extracting(r -> r.get(1)).contains("a-cam", "b-cam");
      assertThat(found).extracting(r -> r.get(3)).contains("motion_started", "clip_stored").doesNotContain("registered");
      assertThat(found).extracting(r -> r.get(0)).isSorted();
      WebElement link = browser.driver.findElement(By.xpath("//tbody[@id='events']/tr[td[4]='clip_stored']/td[5]/a"));
      assertThat(link.getAttribute("href")).contains("/api/clips/clip-1");
      browser.screenshot("search", "dashboard-search.png");
    }
  }

  @Test
  @Order(3)
  void aHomeownerSeesOnlyTheirHouseholdsDevicesAndAlerts() throws Exception {
    String token = api.post("/api/tokens", "{\"household\": \"h-a\", \"label\": \"Ann\"}").body().get("token").asText();
    await("alerts in both households").atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/alerts?deviceId=a-sensor,b-cam").body().get("items").size() >= 3);
    try (Browser browser = new Browser(1280, 900)) {
      browser.driver.get(app.baseUrl() + "/#token=" + token);
      await("their devices").atMost(Duration.ofSeconds(20)).until(() -> ids(browser).equals(List.of("a-cam", "a-sensor")));
      assertThat(text(browser, "t-devices")).isEqualTo("2");
      browser.screenshot("homeowner", "dashboard-homeowner.png");

      browser.driver.findElement(By.id("tab-alerts")).click();
      await("their alerts").atMost(Duration.ofSeconds(20)).until(() -> !rows(browser, "#alerts tr").isEmpty());
      assertThat(table(browser, "#alerts tr")).extracting(r -> r.get(1)).contains("a-sensor").doesNotContain("b-cam")
          .allMatch(id -> id.startsWith("a-"));
    }
  }

  @Test
  @Order(4)
  void onAPhoneSizedScreenNothingRunsOffTheSideAndTheTabsAreReachable() throws Exception {
    try (Browser browser = new Browser(390, 844)) {
      browser.driver.get(app.baseUrl() + "/#token=" + app.operatorToken());
      await("the table").atMost(Duration.ofSeconds(20)).until(() -> rows(browser, "#devices tr").size() == 50);
      for (String tab : List.of("tab-fleet", "tab-alerts", "tab-events", "tab-races")) {
        WebElement button = browser.driver.findElement(By.id(tab));
        assertThat(button.isDisplayed()).as(tab).isTrue();
        button.click();
        Number overflow = (Number) browser.js("return document.scrollingElement.scrollWidth - window.innerWidth;");
        assertThat(overflow.intValue()).as("sideways overflow on %s", tab).isLessThanOrEqualTo(0);
      }
      browser.driver.findElement(By.id("tab-fleet")).click();
      browser.screenshot("phone", "dashboard-phone.png");
    }
  }

  @Test
  @Order(5)
  void theLiveAlertListCutOffFromFleetShowsEveryAlertRaisedMeanwhileExactlyOnce() throws Exception {
    List<String> devices = List.of("live-1", "live-2", "live-3");
    devices.forEach(id -> register(id, "sensor", "h-live"));
    try (TcpProxy proxy = new TcpProxy("127.0.0.1", app.httpPort()); Browser browser = new Browser(1280, 900)) {
      browser.driver.get("http://127.0.0.1:" + proxy.port() + "/#view=alerts&token=" + app.operatorToken());
      await("the live stream").atMost(Duration.ofSeconds(20)).until(() -> "live".equals(text(browser, "a-live")));

      proxy.cut();
      await("the page notices").atMost(Duration.ofSeconds(20)).until(() -> !"live".equals(text(browser, "a-live")));
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      devices.forEach(id -> heartbeat(mqtt, id, 5));
      mqtt.disconnect();
      await("three battery alerts raised").atMost(Duration.ofSeconds(30))
          .until(() -> api.get("/api/alerts?deviceId=live-1,live-2,live-3").body().get("items").size() == 3);
      assertThat(table(browser, "#alerts tr")).extracting(r -> r.get(1)).doesNotContainAnyElementsOf(devices);

      proxy.restore();
      await("the missed alerts on the page").atMost(Duration.ofSeconds(30)).until(() ->
          table(browser, "#alerts tr").stream().map(r -> r.get(1)).filter(devices::contains).count() >= 3);
      assertThat(table(browser, "#alerts tr")).extracting(r -> r.get(1)).filteredOn(devices::contains)
          .containsExactlyInAnyOrderElementsOf(devices);
      assertThat(text(browser, "a-live")).isEqualTo("live");
    }
  }

  @Test
  @Order(6)
  void aNameThatLooksLikeHtmlIsShownAsTextOnTheMapTheLeagueTableAndTheFleetTable() throws Exception {
    String name = "<img src=x onerror=\"window.pwned=1\">";
    var registered = api.post("/api/devices", Json.MAPPER.writeValueAsString(
        Map.of("deviceId", "odd-runner", "type", "tracker", "household", "h-odd", "name", name)));
    assertThat(registered.status()).as(registered.text()).isEqualTo(201);
    long now = Instant.now().getEpochSecond();
    Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
    TestMqtt.publish(mqtt, "owntracks/odd-runner/phone", Course.ownTracks(new double[] {52.500, 13.400}, now - 120, 10, 34, 80, "od"));
    TestMqtt.publish(mqtt, "owntracks/odd-runner/phone", Course.ownTracks(new double[] {52.503, 13.406}, now - 60, 10, 34, 80, "od"));
    mqtt.disconnect();
    var race = api.post("/api/races", Json.MAPPER.writeValueAsString(Map.of("name", "Night run",
        "start", Instant.ofEpochSecond(now - 600).toString(), "finish", Map.of("lat", 52.51, "lon", 13.42),
        "participants", List.of("odd-runner"))));
    assertThat(race.status()).as(race.text()).isEqualTo(201);
    String raceId = race.body().get("race_id").asText();
    await("the track and the name on the league table").atMost(Duration.ofSeconds(30)).until(() ->
        api.get("/api/races/" + raceId + "/tracks").body().path("odd-runner").size() == 2
            && name.equals(api.get("/api/races/" + raceId + "/leaderboard").body().get("entries").get(0).get("name").asText()));

    try (Browser browser = new Browser(1280, 900)) {
      browser.driver.get(app.baseUrl() + "/#view=races&race=" + raceId + "&token=" + app.operatorToken());
      await("the track").atMost(Duration.ofSeconds(20)).until(() -> rows(browser, "#r-map path.track").size() == 1);
      new Actions(browser.driver).moveToElement(browser.driver.findElement(By.cssSelector("#r-map path.track"))).perform();
      await("the track's tooltip").atMost(Duration.ofSeconds(20)).until(() -> !browser.textOf(".leaflet-tooltip").isEmpty());
      assertThat(browser.textOf(".leaflet-tooltip")).isEqualTo(name + " (odd-runner)");
      assertThat(rows(browser, ".leaflet-tooltip img")).isEmpty();
      assertThat(browser.textOf("#r-board tr[data-tracker='odd-runner']")).contains(name);

      browser.driver.findElement(By.id("tab-fleet")).click();
      browser.driver.findElement(By.id("f-q")).sendKeys("odd-");
      await("the fleet table's row").atMost(Duration.ofSeconds(20)).until(() -> rowText(browser, "odd-runner").contains(name));
      assertThat(rows(browser, "#devices img")).isEmpty();
      assertThat(browser.js("return window.pwned === undefined")).as("no markup of a name ran").isEqualTo(true);

      assertThat(browser.js("return sessionStorage.getItem('fleet-token')")).isEqualTo(app.operatorToken());
      assertThat(browser.js("return localStorage.getItem('fleet-token')")).isNull();
      assertThat(browser.driver.manage().logs().get("browser").getAll())
          .as("the security policy blocked nothing the page needs")
          .noneMatch(entry -> entry.getMessage().contains("Content Security Policy"));
    }
  }

  private static String register(String id, String type, String household) {
    var r = api.post("/api/devices", "{\"deviceId\": \"" + id + "\", \"type\": \"" + type + "\", \"household\": \"" + household + "\"}");
    assertThat(r.status()).isEqualTo(201);
    return r.body().get("mqtt").get("password").asText();
  }

  private static void heartbeat(Mqtt3BlockingClient mqtt, String id, int battery) {
    TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": " + battery + ", \"interval_s\": 600}");
  }

  private static List<WebElement> rows(Browser browser, String css) {
    return browser.driver.findElements(By.cssSelector(css));
  }

  // The tables re-render as the fleet changes: each helper below reads the page in one script, so no
  // element it looked at can go stale before it is read.

  /** Each row's cell texts. */
  @SuppressWarnings("unchecked")
  private static List<List<String>> table(Browser browser, String css) {
    return (List<List<String>>) browser.js(
        "return Array.from(document.querySelectorAll(arguments[0])).map(r => Array.from(r.cells).map(c => c.innerText.trim()));", css);
  }

  @SuppressWarnings("unchecked")
  private static List<String> ids(Browser browser) {
    return (List<String>) browser.js(
        "return Array.from(document.querySelectorAll('#devices tr')).map(r => r.getAttribute('data-device'));");
  }

  private static String rowText(Browser browser, String id) {
    return browser.textOf("#devices tr[data-device='" + id + "']");
  }

  private static String statusOf(Browser browser, String id) {
    return browser.textOf("#devices tr[data-device='" + id + "'] td[class^='status-']");
  }

  private static String text(Browser browser, String id) {
    return browser.driver.findElement(By.id(id)).getText();
  }
}
