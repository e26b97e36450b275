package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.agent.sim.sensor.SensorSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A sensor's telemetry over real MQTT and Kafka into its device actor: the actor learns the readings,
 * a spike raises one {@code anomaly} alert with the readings, score and expected range (a second spike
 * within the cooldown raises none), the anomaly is in event search; after a restart the model is
 * recovered, so the very next spike is judged at once instead of disappearing into a new warm-up. The
 * same for the learned {@code one-class-svm} alone (its window journaled, its SVM retrained on recovery).
 */
class TelemetryAnomalyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COOLDOWN = Duration.ofSeconds(3);

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void aSpikeRaisesOneAnomalyAlertAndTheModelSurvivesARestart(TestServers servers, @TempDir Path dataDir) throws Exception {
    spikeAlertsOnceAndTheModelSurvivesARestart(servers, dataDir,
        Map.of("fleet.alerts.anomaly-cooldown", COOLDOWN.toMillis() + "ms"), "robust-z", 6);
  }

  /** The same path as above on the embedded servers: what differs is the model and its journaled window. */
  @Test
  void theLearnedDetectorAloneRaisesTheAlertAndItsModelSurvivesARestart(@TempDir Path dataDir) throws Exception {
    spikeAlertsOnceAndTheModelSurvivesARestart(new TestServers("embedded", null, null), dataDir, Map.of(
        "fleet.alerts.anomaly-cooldown", COOLDOWN.toMillis() + "ms",
        "fleet.anomaly.detectors.sensor", List.of("one-class-svm")), "one-class-svm", 0.65);
  }

  private void spikeAlertsOnceAndTheModelSurvivesARestart(TestServers servers, Path dataDir, Map<String, Object> overrides,
      String detector, double minScore) throws Exception {
    String id = "sensor-" + UUID.randomUUID().toString().substring(0, 8);
    String schema = TestServers.uniqueSchema();
    List<Map<String, Double>> normal = new SensorSignal(7, 1440).generate(500, List.of()).readings();
    Instant t0 = Instant.parse("2026-11-20T00:00:00Z");
    Instant firstAlert;
    try (FleetApp app = FleetApp.start(servers.config(dataDir, schema, overrides));
         AlertsTopic alerts = alertsOf(app)) {
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      for (int i = 0; i < 400; i++) publish(mqtt, id, t0.plusSeconds(60L * i), normal.get(i));
      publish(mqtt, id, t0.plusSeconds(60L * 400), spike(normal.get(400)));
      for (int i = 401; i < 410; i++) publish(mqtt, id, t0.plusSeconds(60L * i), normal.get(i));
      publish(mqtt, id, t0.plusSeconds(60L * 410), spike(normal.get(410)));
      publish(mqtt, id, t0.plusSeconds(60L * 411), normal.get(411));

      JsonNode alert = await("the anomaly alert").atMost(Duration.ofSeconds(60))
          .until(() -> anomalies(alerts, id), found -> !found.isEmpty()).get(0);
      assertThat(alert.path("anomaly").path("readings").path("temperature").asDouble())
          .isEqualTo(spike(normal.get(400)).get("temperature"));
      assertThat(alert.path("anomaly").path("score").asDouble()).isGreaterThan(minScore);
      assertThat(alert.path("anomaly").path("detector").asText()).contains(detector);
      assertThat(alert.path("anomaly").path("expected").path("temperature").size()).isEqualTo(2);
      assertThat(alert.path("severity").asText()).isEqualTo("warning");
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      await("the anomaly in event search, and the last reading handled").atMost(Duration.ofSeconds(30)).until(() ->
          api.get("/api/events?type=anomaly_detected&deviceId=" + id).body().path("items").size() == 1);
      assertThat(api.get("/api/devices/" + id).body().path("type").asText()).isEqualTo("sensor");
      assertThat(anomalies(alerts, id)).as("the second spike came within the cooldown").hasSize(1);
      firstAlert = Instant.now();
      mqtt.disconnect();
    }
    await("the cooldown over").atMost(COOLDOWN.plusSeconds(5)).until(() -> Instant.now().isAfter(firstAlert.plus(COOLDOWN)));

    try (FleetApp app = FleetApp.start(servers.config(dataDir, schema, overrides));
         AlertsTopic alerts = alertsOf(app)) {
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(app.node().endpoints());
      for (int i = 412; i < 415; i++) publish(mqtt, id, t0.plusSeconds(60L * i), normal.get(i));
      publish(mqtt, id, t0.plusSeconds(60L * 415), spike(normal.get(415)));
      await("a spike right after the restart judged by the recovered model").atMost(Duration.ofSeconds(60))
          .until(() -> anomalies(alerts, id).size() >= 2);
      assertThat(anomalies(alerts, id)).as("no alert for the spike within the cooldown, one for the spike after it")
          .extracting(a -> a.path("anomaly").path("reading_ts").asText())
          .containsExactly(t0.plusSeconds(60L * 400).toString(), t0.plusSeconds(60L * 415).toString());
      mqtt.disconnect();
    }
  }

  private static AlertsTopic alertsOf(FleetApp app) {
    return new AlertsTopic(app.node().endpoints().kafkaBootstrap(),
        app.node().system().settings().config().getString("fleet.kafka.topics.alerts"));
  }

  private static List<JsonNode> anomalies(AlertsTopic alerts, String id) {
    return alerts.of(id).stream().map(AlertsTopic.Seen::alert).filter(a -> "anomaly".equals(a.path("kind").asText())).toList();
  }

  static Map<String, Double> spike(Map<String, Double> reading) {
    Map<String, Double> r = new LinkedHashMap<>(reading);
    r.put("temperature", reading.get("temperature") + 8);
    return r;
  }

  static void publish(Mqtt3BlockingClient mqtt, String id, Instant ts, Map<String, Double> readings) throws Exception {
    TestMqtt.publish(mqtt, "fleet/" + id + "/telemetry",
        JSON.writeValueAsString(Map.of("ts", ts.toString(), "readings", readings)));
  }
}
