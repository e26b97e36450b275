package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sensor's telemetry kept over real MQTT, Kafka and the database: three hours of readings sent with their
 * own times are all stored, once each also when sent again; {@code GET /api/devices/{id}/telemetry} tells an
 * hour raw, a minute step as buckets with mean, min, max and count, a year in at most the points allowed; CSV
 * exports every reading; the rollups are rebuilt from the readings after they were damaged; the history is
 * there after a restart; another household gets 404.
 */
class TelemetryHistoryIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-11-20T00:00:00Z");
  /** One every 20 s for three hours: under the 1,000 messages a stock Mosquitto queues for the bridge. */
  private static final int READINGS = 3 * 180;
  private static final int EVERY_S = 20;
  /** Fewer than the readings sent: a year's range must be told in buckets. */
  private static final int MAX_POINTS = 400;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void everyReadingIsStoredOnceAndToldRawOrFoldedOverAnyRange(TestServers servers, @TempDir Path dataDir) throws Exception {
    String id = "sensor-" + UUID.randomUUID().toString().substring(0, 8);
    String schema = TestServers.uniqueSchema();
    List<Double> temperatures = new ArrayList<>();
    for (int i = 0; i < READINGS; i++) temperatures.add(20 + (i * 37 % 101) / 10.0);
    String range = "from=" + T0 + "&to=" + T0.plus(Duration.ofHours(3));
    try (FleetApp app = FleetApp.start(servers.config(dataDir, schema, Map.of("fleet.telemetry.max-points", MAX_POINTS)))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      for (int i = 0; i < READINGS; i++) publish(mqtt, id, i, temperatures.get(i));
      await("every reading stored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> stored(api, id, range), n -> n == 2 * READINGS);
      // The first hundred again, as a redelivery would bring them; then one new reading after them.
      for (int i = 0; i < 100; i++) publish(mqtt, id, i, temperatures.get(i));
      publish(mqtt, id, READINGS, 99.0);
      String longer = "from=" + T0 + "&to=" + T0.plus(Duration.ofHours(4));
      await("the reading after the repeats stored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> stored(api, id, longer), n -> n >= 2 * READINGS + 2);
      assertThat(stored(api, id, longer)).as("the repeats were not stored again").isEqualTo(2 * READINGS + 2);

      JsonNode hour = api.get("/api/devices/" + id + "/telemetry?from=" + T0 + "&to=" + T0.plus(Duration.ofHours(1))).body();
      assertThat(hour.get("step").asText()).isEqualTo("raw");
      assertThat(hour.get("metrics")).extracting(JsonNode::asText).containsExactly("humidity", "temperature");
      assertThat(hour.get("points")).hasSize(180);
      for (int i = 0; i < 180; i += 37) {
        JsonNode p = hour.get("points").get(i);
        assertThat(Instant.parse(p.get("t").asText())).isEqualTo(T0.plusSeconds((long) EVERY_S * i));
        assertThat(p.get("values").get("temperature").asDouble()).isEqualTo(temperatures.get(i));
      }

      JsonNode minutes = api.get("/api/devices/" + id + "/telemetry?metric=temperature&step=1m&" + range).body();
      assertThat(minutes.get("points")).hasSize(180);
      JsonNode third = minutes.get("points").get(2);
      List<Double> inThird = temperatures.subList(6, 9);
      assertThat(third.get("count").get("temperature").asLong()).isEqualTo(3);
      assertThat(third.get("min").get("temperature").asDouble()).isEqualTo(inThird.stream().mapToDouble(d -> d).min().orElseThrow());
      assertThat(third.get("max").get("temperature").asDouble()).isEqualTo(inThird.stream().mapToDouble(d -> d).max().orElseThrow());
      assertThat(third.get("values").get("temperature").asDouble())
          .isCloseTo(inThird.stream().mapToDouble(d -> d).average().orElseThrow(), within(1e-9));

      JsonNode year = api.get("/api/devices/" + id + "/telemetry?from=" + T0.minus(Duration.ofDays(365))
          + "&to=" + T0.plus(Duration.ofDays(1))).body();
      assertThat(year.get("step").asText()).as("541 readings are more points than allowed").isEqualTo("1d");
      assertThat(year.get("points").size()).isEqualTo(1);
      assertThat(year.get("points").get(0).get("count").get("temperature").asLong()).isEqualTo(READINGS + 1);
      assertThat(api.get("/api/devices/" + id + "/telemetry?step=1m&from=" + T0.minus(Duration.ofDays(365)) + "&to=" + T0)
          .status()).as("a step too fine for the range").isEqualTo(400);

      ApiClient.Response csv = api.get("/api/devices/" + id + "/telemetry?format=csv&metric=temperature&" + range);
      assertThat(csv.status()).isEqualTo(200);
      List<String> lines = csv.text().lines().toList();
      assertThat(lines.get(0)).isEqualTo("time,metric,value");
      assertThat(lines).hasSize(1 + READINGS);
      assertThat(lines.get(1 + 5)).isEqualTo(T0.plusSeconds(5L * EVERY_S) + ",temperature," + temperatures.get(5));

      damageRollups(app.node().infrastructure().database().dataSource(), id);
      assertThat(stored(api, id, range)).isNotEqualTo(2 * READINGS);
      ApiClient.Response rebuilt = api.post("/api/devices/" + id + "/telemetry/rollups?" + longer, "");
      assertThat(rebuilt.status()).isEqualTo(200);
      assertThat(rebuilt.body().get("readings").asLong()).isEqualTo(2 * READINGS + 2);
      assertThat(stored(api, id, range)).isEqualTo(2 * READINGS);

      String stranger = api.post("/api/tokens", "{\"household\":\"h-elsewhere\"}").body().get("token").asText();
      assertThat(api.withToken(stranger).get("/api/devices/" + id + "/telemetry?" + range).status()).isEqualTo(404);
      assertThat(api.withToken(stranger).post("/api/devices/" + id + "/telemetry/rollups?" + range, "").status())
          .isEqualTo(403);
      mqtt.disconnect();
    }
    try (FleetApp app = FleetApp.start(servers.config(dataDir, schema, Map.of("fleet.telemetry.max-points", MAX_POINTS)))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(stored(api, id, range)).as("kept over a restart").isEqualTo(2 * READINGS);
    }
  }

  /** How many readings (of both metrics) the hour rollups of the range count. */
  private static long stored(ApiClient api, String id, String range) {
    ApiClient.Response r = api.get("/api/devices/" + id + "/telemetry?step=1h&" + range);
    if (r.status() != 200) return -1;
    long n = 0;
    for (JsonNode p : r.body().get("points")) {
      for (JsonNode c : p.get("count")) n += c.asLong();
    }
    return n;
  }

  private static void damageRollups(DataSource db, String id) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement minute = c.prepareStatement("DELETE FROM telemetry_rollup_1m WHERE device_id = ?");
        PreparedStatement hour = c.prepareStatement("UPDATE telemetry_rollup_1h SET count_value = 1 WHERE device_id = ?")) {
      minute.setString(1, id);
      minute.executeUpdate();
      hour.setString(1, id);
      hour.executeUpdate();
    }
  }

  private static void publish(Mqtt3BlockingClient mqtt, String id, int i, double temperature) throws Exception {
    TestMqtt.publish(mqtt, "fleet/" + id + "/telemetry", JSON.writeValueAsString(Map.of(
        "ts", T0.plusSeconds((long) EVERY_S * i).toString(), "household", "h-home",
        "readings", Map.of("temperature", temperature, "humidity", 40.0 + i % 7))));
  }
}
