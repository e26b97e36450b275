package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An alert's life over real MQTT, Kafka and the read side: raised by a device, acknowledged by the
 * operator, cleared by the household's homeowner (who and when recorded), each revision on the live
 * stream and in {@code GET /api/alerts?state=}; a homeowner of another household cannot touch it, a
 * cleared alert cannot be acknowledged, and an offline alert clears itself when the device is back.
 */
class AlertLifecycleIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void anAlertIsAcknowledgedThenClearedWithWhoAndWhenEverywhereAndOnlyByItsHousehold(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String id = "al-" + UUID.randomUUID().toString().substring(0, 8);
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(), Map.of()));
         SseClient stream = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=" + id, app.operatorToken(), null)) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(operator.post("/api/devices", "{\"deviceId\":\"" + id + "\",\"type\":\"sensor\",\"household\":\"h-a\"}").status())
          .isEqualTo(201);
      ApiClient ann = operator.withToken(token(operator, "h-a", "Ann's phone"));
      ApiClient bob = operator.withToken(token(operator, "h-b", "Bob"));
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      Instant t0 = Instant.now();
      TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat", heartbeat(t0, 5));

      JsonNode raised = nextAlert(stream);
      assertThat(raised.path("kind").asText()).isEqualTo("battery_low");
      assertThat(raised.path("state").asText()).isEqualTo("open");
      String alertId = raised.path("alert_id").asText();
      String path = "/api/alerts/" + URLEncoder.encode(alertId, StandardCharsets.UTF_8);
      await("the alert listed").atMost(Duration.ofSeconds(30))
          .until(() -> operator.get("/api/alerts?state=open&deviceId=" + id).body().path("items").size() == 1);

      assertThat(bob.post(path + "/ack", "{}").status()).as("another household's homeowner").isEqualTo(404);
      assertThat(operator.post("/api/alerts/" + id + ":nothing/ack", "{}").status()).isEqualTo(404);

      ApiClient.Response acked = operator.post(path + "/ack", "{}");
      assertThat(acked.status()).isEqualTo(200);
      assertThat(acked.body().path("state").asText()).isEqualTo("acknowledged");
      assertThat(acked.body().path("acknowledgedBy").asText()).isEqualTo("operator");
      assertThat(acked.body().path("acknowledgedAt").isNull()).isFalse();
      assertThat(operator.post(path + "/ack", "{}").body().path("acknowledgedBy").asText())
          .as("acknowledging again changes nothing").isEqualTo("operator");

      JsonNode ackedLive = nextAlert(stream);
      assertThat(ackedLive.path("alert_id").asText()).isEqualTo(alertId);
      assertThat(ackedLive.path("revision").asInt()).isEqualTo(1);
      assertThat(ackedLive.path("state").asText()).isEqualTo("acknowledged");
      assertThat(ackedLive.path("acknowledged_by").asText()).isEqualTo("operator");
      await("listed as acknowledged").atMost(Duration.ofSeconds(30))
          .until(() -> operator.get("/api/alerts?state=acknowledged&deviceId=" + id).body().path("items").size() == 1);
      assertThat(operator.get("/api/alerts?state=open&deviceId=" + id).body().path("items").size()).isZero();

      ApiClient.Response cleared = ann.post(path + "/clear", "{}");
      assertThat(cleared.status()).isEqualTo(200);
      assertThat(cleared.body().path("state").asText()).isEqualTo("cleared");
      assertThat(cleared.body().path("clearedBy").asText()).isEqualTo("homeowner Ann's phone");
      assertThat(cleared.body().path("acknowledgedBy").asText()).isEqualTo("operator");
      assertThat(nextAlert(stream).path("cleared_by").asText()).isEqualTo("homeowner Ann's phone");
      ApiClient.Response conflict = operator.post(path + "/ack", "{}");
      assertThat(conflict.status()).isEqualTo(409);
      assertThat(conflict.body().path("detail").asText()).contains("cleared by homeowner Ann's phone");
      await("listed as cleared, with who and when").atMost(Duration.ofSeconds(30)).until(() -> {
        JsonNode items = ann.get("/api/alerts?state=cleared&deviceId=" + id).body().path("items");
        return items.size() == 1 && "homeowner Ann's phone".equals(items.get(0).path("clearedBy").asText())
            && !items.get(0).path("clearedAt").isNull();
      });

      // The last will takes the device offline (an offline alert); its next heartbeat clears that alert.
      TestMqtt.publish(mqtt, "fleet/" + id + "/status", "offline");
      JsonNode offline = nextAlert(stream);
      assertThat(offline.path("kind").asText()).isEqualTo("offline");
      TestMqtt.publish(mqtt, "fleet/" + id + "/heartbeat", heartbeat(Instant.now(), 90));
      JsonNode back = nextAlert(stream);
      assertThat(back.path("alert_id").asText()).isEqualTo(offline.path("alert_id").asText());
      assertThat(back.path("state").asText()).isEqualTo("cleared");
      assertThat(back.path("cleared_by").asText()).isEqualTo("system");
      await("no alert left open").atMost(Duration.ofSeconds(30))
          .until(() -> operator.get("/api/fleet/summary?household=h-a").body().path("openAlerts").asLong() == 0
              && operator.get("/api/alerts?state=cleared&deviceId=" + id).body().path("items").size() == 2);
      mqtt.disconnect();
    }
  }

  private static String token(ApiClient operator, String household, String label) {
    return operator.post("/api/tokens", "{\"household\":\"" + household + "\",\"label\":\"" + label + "\"}")
        .body().get("token").asText();
  }

  private static String heartbeat(Instant ts, int battery) {
    return "{\"ts\":\"" + ts + "\",\"battery\":" + battery + ",\"interval_s\":60}";
  }

  private static JsonNode nextAlert(SseClient stream) throws Exception {
    SseClient.Event e = stream.next(Duration.ofSeconds(30));
    assertThat(e).as("an alert on the stream").isNotNull();
    return JSON.readTree(e.data());
  }
}
