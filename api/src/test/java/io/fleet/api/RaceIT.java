package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.agent.sim.tracker.Course;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;

/**
 * A race of five OwnTracks phones over real MQTT (the seed's message format, unchanged) along a 3 km
 * route: known speeds, one stopping halfway, one with a GPS jump, one whose fixes arrive out of order.
 * The leaderboard's 5-minute speeds are within 2 % of the truth, distances to the finish within 10 m,
 * the finishers and ranks right; the jump is refused and counted; the series endpoint gives the speeds.
 */
class RaceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
  private static final int STEP_S = 10;
  private static final int DURATION_S = 600;

  /** A phone: its speed (km/h), when it stops (seconds after the start, or never), and its quirks. */
  record Phone(String id, double kmh, int stopsAt, boolean jump, boolean shuffled) {
    double metresAt(int second) {
      return kmh / 3.6 * Math.min(second, stopsAt);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void theLeaderboardHasTheTrueSpeedsDistancesFinishersAndRanks(TestServers servers, @TempDir Path dataDir) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    Course course = new Course(Course.eastward(new double[] {52.5, 13.4}, 3000, 3));
    List<Phone> phones = List.of(
        new Phone("fast-" + run, 30, Integer.MAX_VALUE, false, false),
        new Phone("steady-" + run, 20, Integer.MAX_VALUE, false, true),
        new Phone("jumpy-" + run, 15, Integer.MAX_VALUE, true, false),
        new Phone("slow-" + run, 12, Integer.MAX_VALUE, false, false),
        new Phone("stops-" + run, 24, 240, false, false));
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      for (Phone phone : phones) {
        ApiClient.Response registered = api.post("/api/devices", "{\"deviceId\":\"" + phone.id() + "\",\"type\":\"tracker\"}");
        assertThat(registered.status()).as(registered.text()).isEqualTo(201);
      }
      List<List<Double>> route = new ArrayList<>();
      for (double[] p : Course.eastward(new double[] {52.5, 13.4}, 3000, 3)) route.add(List.of(p[0], p[1]));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", "Sunday ride");
      body.put("start", START.toString());
      body.put("route", route);
      body.put("participants", phones.stream().map(Phone::id).toList());
      ApiClient.Response created = api.post("/api/races", JSON.writeValueAsString(body));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      String race = created.body().get("race_id").asText();

      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      for (Phone phone : phones) publishCourse(mqtt, course, phone);
      mqtt.disconnect();

      await("every fix taken, the jump refused").atMost(Duration.ofSeconds(60)).until(() -> {
        JsonNode tracks = api.get("/api/races/" + race + "/tracks").body();
        return phones.stream().allMatch(p -> tracks.path(p.id()).size() == DURATION_S / STEP_S + 1);
      });
      JsonNode board = api.get("/api/races/" + race + "/leaderboard").body();
      Map<String, JsonNode> byId = new LinkedHashMap<>();
      board.get("entries").forEach(e -> byId.put(e.get("device_id").asText(), e));

      for (Phone phone : phones) {
        JsonNode e = byId.get(phone.id());
        double travelled = Math.min(phone.metresAt(DURATION_S), course.length());
        double fiveMinutesAgo = Math.min(phone.metresAt(DURATION_S - 300), course.length());
        double trueSpeed = (travelled - fiveMinutesAgo) / 300 * 3.6;
        assertThat(e.get("speed_kmh").asDouble()).as("%s speed", phone.id()).isCloseTo(trueSpeed, within(Math.max(0.02 * trueSpeed, 0.01)));
        double left = Math.max(0, course.length() - travelled);
        Integer finishedAfter = finishSecond(phone, course);
        if (finishedAfter == null) {
          assertThat(e.get("finished_at").isNull()).as("%s not finished", phone.id()).isTrue();
          assertThat(e.get("distance_to_finish_m").asDouble()).as("%s distance left", phone.id()).isCloseTo(left, within(10.0));
        } else {
          assertThat(e.get("finished_at").asText()).as("%s finish", phone.id()).isEqualTo(START.plusSeconds(finishedAfter).toString());
          assertThat(e.get("distance_to_finish_m").asDouble()).isZero();
        }
      }
      // fast (30 km/h) finishes after 360 s, steady (20 km/h) after 540 s; then by distance left.
      assertThat(board.get("entries")).extracting(e -> e.get("device_id").asText()).containsExactly(
          "fast-" + run, "steady-" + run, "jumpy-" + run, "slow-" + run, "stops-" + run);
      assertThat(board.get("entries")).extracting(e -> e.get("rank").asInt()).containsExactly(1, 2, 3, 4, 5);

      assertThat(api.get("/metrics").text()).contains("fleet_tracker_fixes_rejected_total{reason=\"jump\"} 1.0");
      threeSubscribersShareOneLeaderboardComputation(app, race, board);
      JsonNode series = api.get("/api/devices/slow-" + run + "/series?metric=speed").body();
      assertThat(series.get("unit").asText()).isEqualTo("km/h");
      assertThat(series.get("points")).hasSize(DURATION_S / STEP_S);
      series.get("points").forEach(p -> assertThat(p.get("v").asDouble()).isCloseTo(12, within(0.1)));
      assertThat(api.get("/api/devices/slow-" + run).body().get("type").asText()).isEqualTo("tracker");

      if (Browser.available() && !servers.external()) raceOnTheDashboard(app, race, run);
    }
  }

  /** Three live subscribers of the race each get the standings at once, from one computation on the node. */
  private static void threeSubscribersShareOneLeaderboardComputation(FleetApp app, String race, JsonNode board)
      throws Exception {
    List<SseClient> subscribers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        subscribers.add(new SseClient(app.baseUrl() + "/api/races/" + race + "/stream", app.operatorToken(), null));
      }
      for (SseClient subscriber : subscribers) {
        SseClient.Event event = subscriber.next(Duration.ofSeconds(20));
        assertThat(event).isNotNull();
        assertThat(event.type()).isEqualTo("leaderboard");
        assertThat(JSON.readTree(event.data()).get("entries")).extracting(e -> e.get("device_id").asText())
            .containsExactlyElementsOf(deviceIds(board));
      }
      assertThat(new ApiClient(app.baseUrl(), app.operatorToken()).get("/metrics").text())
          .contains("fleet_race_leaderboards_running 1.0");
    } finally {
      for (SseClient subscriber : subscribers) subscriber.close();
    }
  }

  private static List<String> deviceIds(JsonNode board) {
    List<String> ids = new ArrayList<>();
    board.get("entries").forEach(e -> ids.add(e.get("device_id").asText()));
    return ids;
  }

  /** The races view in headless Chromium: the league table in rank order, a track per phone, their plots. */
  private static void raceOnTheDashboard(FleetApp app, String race, String run) throws Exception {
    try (Browser browser = new Browser(1280, 1000)) {
      browser.driver.get(app.baseUrl() + "/#view=races&race=" + race + "&token=" + app.operatorToken());
      try {
        await("the league table").atMost(Duration.ofSeconds(30))
            .until(() -> browser.driver.findElements(By.cssSelector("#r-board tr")).size() == 5);
      } catch (ConditionTimeoutException e) {
        browser.screenshot("races-failed");
        throw new AssertionError("the page says: " + browser.js("return document.body.innerText") + " / log: "
            + browser.driver.manage().logs().get("browser").getAll(), e);
      }
      // Read in one go: the live stream may replace the rows at any moment.
      @SuppressWarnings("unchecked")
      List<String> order = (List<String>) browser.js("return [...document.querySelectorAll('#r-board tr')].map(tr => tr.dataset.tracker)");
      assertThat(order).containsExactly("fast-" + run, "steady-" + run, "jumpy-" + run, "slow-" + run, "stops-" + run);
      await("a track per phone on the map and a speed plot per phone").atMost(Duration.ofSeconds(30)).until(() ->
          browser.driver.findElements(By.cssSelector("#r-map path.track")).size() == 5
              && browser.driver.findElements(By.cssSelector("#r-plots .plot canvas")).size() >= 5);
      assertThat(browser.driver.findElement(By.cssSelector(".leaflet-control-scale")).getText()).isNotBlank();
      browser.screenshot("races");
    }
  }

  /** The first fix time (seconds after the start) within 25 m of the route's end, or null. */
  private static Integer finishSecond(Phone phone, Course course) {
    for (int s = 0; s <= DURATION_S; s += STEP_S) {
      if (course.length() - Math.min(phone.metresAt(s), course.length()) <= 25) return s;
    }
    return null;
  }

  private static void publishCourse(Mqtt3BlockingClient mqtt, Course course, Phone phone) {
    List<String> messages = new ArrayList<>();
    for (int s = 0; s <= DURATION_S; s += STEP_S) {
      double[] at = course.pointAt(phone.metresAt(s));
      long tst = START.plusSeconds(s).getEpochSecond();
      messages.add(Course.ownTracks(at, tst, s < phone.stopsAt() ? phone.kmh() : 0, 34, 80, phone.id().substring(0, 2)));
      if (phone.jump() && s == 300) {
        // A GPS jump: 5 km north for one fix, 5 seconds later.
        messages.add(Course.ownTracks(new double[] {at[0] + 0.045, at[1]}, tst + 5, phone.kmh(), 34, 80, "ju"));
      }
    }
    if (phone.shuffled()) {
      Random random = new Random(11);
      for (int i = 0; i + 5 <= messages.size(); i += 5) Collections.shuffle(messages.subList(i, i + 5), random);
    }
    for (String m : messages) TestMqtt.publish(mqtt, "owntracks/" + phone.id() + "/phone", m);
  }
}
