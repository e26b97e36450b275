package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API on the embedded default: bearer tokens, JSON errors with the right status, registration
 * handing out MQTT credentials that the embedded broker accepts (and nobody else's), the fleet list's
 * filters and paging, and the health endpoint telling operators where every server is.
 */
class ApiIT {
  @TempDir static Path dataDir;
  static FleetApp app;
  static ApiClient api;

  @BeforeAll
  static void start() {
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()));
    api = new ApiClient(app.baseUrl(), app.operatorToken());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aMissingOrWrongTokenIs401WithAJsonError() {
    ApiClient.Response none = api.withToken(null).get("/api/devices");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.body().get("error").asText()).isEqualTo("unauthorized");
    ApiClient.Response wrong = api.withToken("not-the-token").get("/api/fleet/summary");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.body().get("detail").asText()).contains("not valid");
  }

  @Test
  void unknownDevicesAndEndpointsAre404AndBadInputIs400() {
    assertThat(api.get("/api/devices/nobody-" + UUID.randomUUID()).status()).isEqualTo(404);
    assertThat(api.get("/api/devices/bad%20id").status()).isEqualTo(404);
    assertThat(api.get("/api/nothing-here").status()).isEqualTo(404);
    ApiClient.Response badType = api.post("/api/devices", "{\"deviceId\":\"x-1\",\"type\":\"toaster\"}");
    assertThat(badType.status()).isEqualTo(400);
    assertThat(badType.body().get("detail").asText()).contains("camera, sensor or tracker");
    assertThat(api.post("/api/devices", "{\"deviceId\":\"a/b\",\"type\":\"camera\"}").status()).isEqualTo(400);
    ApiClient.Response malformed = api.post("/api/devices", "{\"deviceId\":");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.body().has("error")).isTrue();
    assertThat(api.get("/api/devices?limit=0").status()).isEqualTo(400);
    assertThat(api.get("/api/devices?cursor=%25%25").status()).isEqualTo(400);
    assertThat(api.get("/api/events?from=yesterday").body().get("detail").asText()).contains("ISO-8601");
    assertThat(api.get("/api/events?type=exploded").status()).isEqualTo(400);
    assertThat(api.get("/api/events?cursor=abc").status()).isEqualTo(400);
  }

  @Test
  void aRegisteredDeviceConnectsWithItsCredentialsAndItsHeartbeatsMakeItOnline() {
    String id = "cam-" + UUID.randomUUID().toString().substring(0, 8);
    ApiClient.Response created = api.post("/api/devices",
        "{\"deviceId\":\"" + id + "\",\"type\":\"camera\",\"name\":\"Front door\",\"household\":\"h-42\",\"location\":\"porch\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().at("/device/status").asText()).isEqualTo("unknown");
    JsonNode mqtt = created.body().get("mqtt");
    assertThat(mqtt.get("username").asText()).isEqualTo(id);
    assertThat(mqtt.at("/topics/heartbeat").asText()).isEqualTo("fleet/" + id + "/heartbeat");

    assertThat(connect(mqtt.get("url").asText(), id, "wrong-password")).isFalse();
    Mqtt5BlockingClient device = client(mqtt.get("url").asText(), id, mqtt.get("password").asText());
    device.connect();
    device.publishWith().topic("fleet/" + id + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
        .payload(("{\"ts\":\"" + Instant.now() + "\",\"battery\":15,\"firmware\":\"2.0.1\",\"interval_s\":30}")
            .getBytes(StandardCharsets.UTF_8))
        .send();
    device.disconnect();

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(api.get("/api/devices/" + id).body().path("status").asText()));
    JsonNode view = api.get("/api/devices/" + id).body();
    assertThat(view.get("type").asText()).isEqualTo("camera");
    assertThat(view.get("name").asText()).isEqualTo("Front door");
    assertThat(view.get("household").asText()).isEqualTo("h-42");
    assertThat(view.get("battery").asInt()).isEqualTo(15);
    assertThat(view.get("batteryLow").asBoolean()).isTrue();
    assertThat(view.get("firmware").asText()).isEqualTo("2.0.1");

    await().atMost(Duration.ofSeconds(30))
        .until(() -> "online".equals(api.statuses("household=h-42&type=camera&status=online").get(id)));
    assertThat(api.statuses("household=h-42&type=sensor")).doesNotContainKey(id);
    // Four health facts, and the battery-low alert they raised.
    await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/events?deviceId=" + id).body().get("items").size() == 5);
    JsonNode history = api.get("/api/events?deviceId=" + id + ",someone-else&from=2000-01-01%2000:00:00").body().get("items");
    List<JsonNode> facts = new ArrayList<>();
    history.forEach(e -> {
      if (!e.get("type").asText().equals("alert_raised")) facts.add(e);
    });
    assertThat(facts).extracting(e -> e.get("type").asText())
        .containsExactly("registered", "came_online", "battery_low", "firmware_changed");
    assertThat(facts.get(2).at("/detail/level").asInt()).isEqualTo(15);
    assertThat(facts.get(0).get("household").asText()).isEqualTo("h-42");
    assertThat(api.get("/api/events?deviceId=" + id + "&type=alert_raised").body().get("items"))
        .singleElement().satisfies(e -> assertThat(e.at("/detail/kind").asText()).isEqualTo("battery_low"));
    assertThat(api.get("/api/events?deviceId=" + id + "&type=battery_low").body().get("items")).hasSize(1);
    assertThat(api.get("/api/events?deviceId=" + id + "&from=" + Instant.now().plusSeconds(60)).body().get("items")).isEmpty();
    JsonNode summary = api.get("/api/fleet/summary").body();
    assertThat(summary.get("lowBattery").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(summary.at("/byType/camera").asLong()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theFleetListPagesWithACursorWithoutGapsOrRepeats() {
    for (int i = 0; i < 7; i++) {
      assertThat(api.post("/api/devices", "{\"deviceId\":\"page-" + i + "\",\"type\":\"sensor\",\"household\":\"paging\"}").status())
          .isEqualTo(201);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> api.statuses("household=paging").size() == 7);
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = api.get("/api/devices?household=paging&limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).body();
      page.get("items").forEach(d -> seen.add(d.get("deviceId").asText()));
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactly("page-0", "page-1", "page-2", "page-3", "page-4", "page-5", "page-6");
  }

  @Test
  void healthShowsEveryComponentAndOnlyOperatorsSeeWhereTheyAre() {
    ApiClient.Response anonymous = api.withToken(null).get("/api/health");
    assertThat(anonymous.status()).isEqualTo(200);
    assertThat(anonymous.body().get("status").asText()).isEqualTo("up");
    assertThat(anonymous.body().get("components").fieldNames()).toIterable().containsExactlyInAnyOrder("kafka", "mqtt", "s3", "database");
    assertThat(anonymous.text()).doesNotContain("secretKey").doesNotContain("127.0.0.1");

    JsonNode operator = api.get("/api/health").body();
    assertThat(operator.at("/connect/kafkaBootstrap").asText()).isEqualTo(app.node().endpoints().kafkaBootstrap());
    assertThat(operator.at("/connect/mqttUrl").asText()).startsWith("tcp://127.0.0.1:");
    assertThat(operator.at("/connect/s3/secretKey").asText()).isEqualTo(app.node().endpoints().s3SecretKey());
    assertThat(operator.at("/components/database/embedded").asBoolean()).isTrue();
  }

  @Test
  void aDecommissionedDeviceLeavesTheFleetAndWhatItStillSendsIsDeadLettered() {
    String id = "gone-" + UUID.randomUUID().toString().substring(0, 8);
    String household = "h-" + id;
    assertThat(api.post("/api/devices", "{\"deviceId\":\"" + id + "\",\"type\":\"sensor\",\"household\":\"" + household + "\"}").status())
        .isEqualTo(201);
    var service = TestMqtt.serviceClient(app.node().endpoints());
    TestMqtt.publish(service, "fleet/" + id + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\",\"battery\":50}");
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(api.statuses("household=" + household).get(id)));
    ApiClient homeowner = api.withToken(api.post("/api/tokens", "{\"household\":\"" + household + "\"}").body().get("token").asText());
    assertThat(homeowner.delete("/api/devices/" + id).status()).as("homeowners may not decommission").isEqualTo(403);

    assertThat(api.delete("/api/devices/" + id).status()).isEqualTo(204);

    assertThat(api.get("/api/devices/" + id).status()).isEqualTo(404);
    await().atMost(Duration.ofSeconds(30)).until(() -> api.statuses("household=" + household).isEmpty());
    await().atMost(Duration.ofSeconds(30)).until(() ->
        api.get("/api/events?deviceId=" + id + "&type=decommissioned").body().get("items").size() == 1);
    assertThat(api.get("/api/events?deviceId=" + id + "&type=decommissioned").body().at("/items/0/detail/by").asText())
        .isEqualTo("operator");
    long unknownBefore = deadLetters("unknown-device");
    TestMqtt.publish(service, "fleet/" + id + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\",\"battery\":50}");
    await("the heartbeat dead-lettered").atMost(Duration.ofSeconds(30)).until(() -> deadLetters("unknown-device") > unknownBefore);
    assertThat(api.get("/api/devices/" + id).status()).as("it did not register itself again").isEqualTo(404);
    assertThat(api.delete("/api/devices/" + id).status()).isEqualTo(404);

    assertThat(api.post("/api/devices", "{\"deviceId\":\"" + id + "\",\"type\":\"sensor\",\"household\":\"" + household + "\"}").status())
        .as("an operator registers it again").isEqualTo(201);
    assertThat(api.get("/api/devices/" + id).status()).isEqualTo(200);
    service.disconnect();
  }

  private static long deadLetters(String reason) {
    String metrics = api.withToken(null).get("/metrics").text();
    Matcher m = Pattern
        .compile("(?m)^fleet_dead_letters_total\\{reason=\"" + reason + "\"}\\s+(\\S+)$").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void metricsArePrometheusText() {
    ApiClient.Response metrics = api.withToken(null).get("/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.text()).contains("fleet_entities_alive").contains("fleet_consumer_lag").contains("jvm_memory_used_bytes");
  }

  @Test
  void metricsSayEveryServerIsUpWhileAllAnswer() {
    await("every server up in /metrics").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      String metrics = api.withToken(null).get("/metrics").text();
      for (String server : List.of("kafka", "mqtt", "s3", "database")) {
        assertThat(metrics).containsPattern("(?m)^fleet_server_up\\{server=\"" + server + "\"}\\s+1\\.0$");
      }
    });
  }

  private static boolean connect(String url, String user, String password) {
    try {
      client(url, user, password).connect();
      return true;
    } catch (Mqtt5ConnAckException refused) {
      return false;
    }
  }

  private static Mqtt5BlockingClient client(String url, String user, String password) {
    URI uri = URI.create(url);
    return MqttClient.builder().useMqttVersion5().identifier(user).serverHost(uri.getHost()).serverPort(uri.getPort())
        .simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .buildBlocking();
  }
}
