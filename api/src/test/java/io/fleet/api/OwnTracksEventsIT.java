package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import io.fleet.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;

/**
 * The OwnTracks app's messages besides its locations, over real MQTT and unchanged: its regions
 * ({@code …/waypoints}, {@code …/waypoint}) show on the device, its transitions ({@code …/event}) are
 * found by event search, and a command to it ({@code …/cmd}) is counted as ignored without a dead letter;
 * with a browser at hand, the dashboard shows the transitions in its event search and the regions with the device.
 */
class OwnTracksEventsIT {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void transitionsAreSearchableRegionsShowOnTheDeviceAndCommandsAreIgnored(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String phone = "ann-" + UUID.randomUUID().toString().substring(0, 6);
    long now = Instant.now().getEpochSecond();
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      Endpoints e = app.node().endpoints();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      ApiClient.Response registered = api.post("/api/devices",
          "{\"deviceId\":\"" + phone + "\",\"type\":\"tracker\",\"name\":\"Ann's phone\"}");
      assertThat(registered.status()).as(registered.text()).isEqualTo(201);
      String password = registered.body().at("/mqtt/password").asText();

      // The app logs in as the phone (an external broker may not know its password: then as Fleet's service user).
      Mqtt3BlockingClient phoneApp = servers.external() ? TestMqtt.serviceClient(e)
          : TestMqtt.deviceClient(e.mqttUrl(), phone, password);
      TestMqtt.publish(phoneApp, Topics.ownTracks(phone, "phone", Topics.OWNTRACKS_WAYPOINTS), """
          {"_type":"waypoints","waypoints":[
            {"_type":"waypoint","desc":"Home","lat":52.5163,"lon":13.3777,"rad":60,"tst":1763000000,"rid":"h0me"},
            {"_type":"waypoint","desc":"Work","lat":52.5200,"lon":13.4050,"rad":120,"tst":1763000100}]}""");
      TestMqtt.publish(phoneApp, Topics.ownTracks(phone, "phone", Topics.OWNTRACKS_WAYPOINT),
          "{\"_type\":\"waypoint\",\"desc\":\"Gym\",\"lat\":52.51,\"lon\":13.39,\"rad\":40,\"tst\":1763000200}");
      TestMqtt.publish(phoneApp, Topics.ownTracks(phone, "phone", Topics.OWNTRACKS_EVENT), transition("enter", now - 120));
      TestMqtt.publish(phoneApp, Topics.ownTracks(phone, "phone", Topics.OWNTRACKS_EVENT), transition("leave", now - 60));
      phoneApp.disconnect();

      // A command to the app, as Fleet or a friend's app would send it; then a topic of no known shape, whose
      // dead letter marks that the bridge has been through everything before it.
      Mqtt3BlockingClient other = TestMqtt.serviceClient(e);
      TestMqtt.publish(other, Topics.ownTracks(phone, "phone", Topics.OWNTRACKS_COMMAND),
          "{\"_type\":\"cmd\",\"action\":\"reportLocation\"}");
      String unknownShape = Topics.ownTracks(phone, "phone", "event/extra");
      TestMqtt.publish(other, unknownShape, "{}");
      other.disconnect();

      await("the transitions searchable").atMost(Duration.ofSeconds(60)).until(() ->
          rowsOf(api, "entered_region", phone).size() == 1 && rowsOf(api, "left_region", phone).size() == 1);
      JsonNode entered = rowsOf(api, "entered_region", phone).get(0);
      assertThat(entered.at("/detail/region").asText()).isEqualTo("Home");
      assertThat(entered.at("/detail/event").asText()).isEqualTo("enter");
      assertThat(entered.at("/detail/tst").asText()).isEqualTo(Instant.ofEpochSecond(now - 120).toString());
      assertThat(entered.at("/detail/rid").asText()).isEqualTo("h0me");
      assertThat(entered.at("/detail/acc").asDouble()).isEqualTo(14.0);
      assertThat(rowsOf(api, "left_region", phone).get(0).at("/detail/event").asText()).isEqualTo("leave");

      JsonNode device = api.get("/api/devices/" + phone).body();
      assertThat(device.get("status").asText()).as("a transition is a sign of life").isEqualTo("online");
      List<String> regions = new ArrayList<>();
      device.get("regions").forEach(r -> regions.add(r.get("name").asText() + "/" + r.get("radiusM").asInt()));
      assertThat(regions).containsExactly("Home/60", "Work/120", "Gym/40");
      assertThat(device.at("/regions/0/rid").asText()).isEqualTo("h0me");
      assertThat(device.at("/regions/0/createdAt").asText()).isEqualTo("2025-11-13T02:13:20Z");

      List<ConsumerRecord<String, byte[]>> letters = TestKafka.awaitRecords(e.kafkaBootstrap(),
          app.node().ingestSettings().deadLettersTopic(),
          r -> IngestHeaders.get(r.headers(), IngestHeaders.SOURCE).orElse("").contains(phone), 1);
      assertThat(letters).extracting(r -> IngestHeaders.get(r.headers(), IngestHeaders.SOURCE).orElse(""))
          .as("only the unknown shape is a dead letter: nothing the app sends, nor the command to it")
          .containsExactly("mqtt:" + unknownShape);
      assertThat(IngestHeaders.get(letters.get(0).headers(), IngestHeaders.REASON)).contains("unknown-topic");
      // Counted as each message passed the bridge, so complete once the last one's dead letter is on Kafka.
      String metrics = api.get("/metrics").text();
      assertThat(metrics).contains("fleet_messages_ignored_total{reason=\"owntracks-cmd\"} 1.0");
      assertThat(metrics.lines().filter(line -> line.startsWith("fleet_dead_letters_total{")))
          .containsExactly("fleet_dead_letters_total{reason=\"unknown-topic\"} 1.0");

      if (Browser.available() && !servers.external()) transitionsAndRegionsOnTheDashboard(app, phone);
    }
  }

  /** The event search by the new types, and the tracker's regions and visits in its details. */
  @SuppressWarnings("unchecked")
  private static void transitionsAndRegionsOnTheDashboard(FleetApp app, String phone) throws Exception {
    try (Browser browser = new Browser(1280, 900)) {
      browser.driver.get(app.baseUrl() + "/#view=events&token=" + app.operatorToken());
      String rows = "return Array.from(document.querySelectorAll('#events tr'))"
          + ".map(r => Array.from(r.cells).map(c => c.innerText.trim()));";
      // The view opens with a search of its own: its rows first, then ours.
      await("the events view").atMost(Duration.ofSeconds(20)).until(() -> !((List<?>) browser.js(rows)).isEmpty());
      browser.js("document.getElementById('e-type').value = 'entered_region';");
      browser.driver.findElement(By.cssSelector("#event-search button[type=submit]")).click();
      await("the search by type").atMost(Duration.ofSeconds(20)).until(() -> {
        List<List<String>> found = (List<List<String>>) browser.js(rows);
        return !found.isEmpty() && found.stream().allMatch(r -> r.get(3).equals("entered_region"));
      });
      List<List<String>> found = (List<List<String>>) browser.js(rows);
      assertThat(found).filteredOn(r -> r.get(1).equals(phone)).singleElement()
          .satisfies(r -> assertThat(r.get(5)).contains("\"region\":\"Home\""));

      browser.driver.findElement(By.id("tab-fleet")).click();
      By row = By.cssSelector("tr[data-device='" + phone + "']");
      await("the fleet table").atMost(Duration.ofSeconds(20)).until(() -> !browser.driver.findElements(row).isEmpty());
      browser.driver.findElement(row).click();
      String lists = "return Array.from(document.querySelectorAll('#d-more ul.regions'))"
          + ".map(u => Array.from(u.children).map(li => li.innerText.trim()));";
      await("its regions and visits").atMost(Duration.ofSeconds(20))
          .until(() -> ((List<?>) browser.js(lists)).size() == 2);
      List<List<String>> shown = (List<List<String>>) browser.js(lists);
      assertThat(shown.get(0)).hasSize(3).first().asString().startsWith("Home — 60 m around 52.51630");
      assertThat(shown.get(1)).hasSize(2);
      assertThat(shown.get(1).get(0)).contains("left Home");
      assertThat(shown.get(1).get(1)).contains("entered Home");
    }
  }

  /** A transition as the app publishes it on {@code …/event}. */
  private static String transition(String event, long tst) {
    return "{\"_type\":\"transition\",\"wtst\":1763000000,\"lat\":52.5164,\"lon\":13.3778,\"tst\":" + tst
        + ",\"acc\":14,\"tid\":\"an\",\"event\":\"" + event + "\",\"desc\":\"Home\",\"t\":\"c\",\"rid\":\"h0me\"}";
  }

  /** The event log's rows of one type for the phone, found by searching for that type alone. */
  private static List<JsonNode> rowsOf(ApiClient api, String type, String phone) {
    ApiClient.Response page = api.get("/api/events?type=" + type + "&limit=1000");
    assertThat(page.status()).as(page.text()).isEqualTo(200);
    List<JsonNode> rows = new ArrayList<>();
    page.body().get("items").forEach(row -> {
      if (phone.equals(row.get("deviceId").asText())) rows.add(row);
    });
    return rows;
  }
}
