package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.IngestHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device that reconnects before the broker noticed its old connection died (a flaky network: the new connection
 * takes the session over) makes the broker publish its last will, "offline", as the old connection goes. What the
 * device publishes on its new connection comes after that will, and must reach Kafka after it too, also while the
 * embedded broker's direct road is open — else the will overtakes the device's newer messages and the device is shown
 * offline (with an offline alert) while it is back. The road closes for the wills and opens again after them.
 */
class LastWillOrderIT {
  private static final int RECONNECTS = 30;
  private static final Instant BASE = Instant.parse("2026-12-07T00:00:00Z");

  @Test
  void aLastWillPublishedAsADeviceReconnectsReachesKafkaBeforeWhatTheDevicePublishesNextAndTheDirectRoadReopens(@TempDir Path dataDir)
      throws Exception {
    var config = new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of());
    try (FleetApp app = FleetApp.start(config)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String device = "will-order-1";
      String password = app.node().infrastructure().derivedPasswords().passwordFor(device);
      String url = app.node().endpoints().mqttUrl();
      List<Mqtt3BlockingClient> connections = new ArrayList<>();
      connections.add(connect(url, device, password));
      heartbeat(connections.get(0), device, 0);
      await("the direct road open").atMost(Duration.ofSeconds(30)).until(() -> api.metric("fleet_mqtt_direct_open") == 1);
      for (int n = 1; n <= RECONNECTS; n++) {
        // The old connection is left as a dead network would leave it; the new one takes the session over.
        connections.add(connect(url, device, password));
        heartbeat(connections.get(n), device, n);
      }

      List<String> expected = new ArrayList<>(List.of("heartbeat 0"));
      for (int n = 1; n <= RECONNECTS; n++) expected.addAll(List.of("status offline", "heartbeat " + n));
      List<String> seen = new ArrayList<>();
      try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(app.node().endpoints().kafkaBootstrap(),
          "it-will-order")) {
        consumer.subscribe(List.of(app.node().ingestSettings().deviceEventsTopic()));
        await("the device's messages and its wills in Kafka").atMost(Duration.ofSeconds(60)).until(() -> {
          for (var r : consumer.poll(Duration.ofMillis(200))) {
            if (!device.equals(r.key())) continue;
            String kind = IngestHeaders.get(r.headers(), IngestHeaders.KIND).orElse("?");
            String body = new String(r.value(), StandardCharsets.UTF_8);
            seen.add(kind.equals("heartbeat")
                ? "heartbeat " + (Instant.parse(body.replaceAll(".*\"ts\":\"([^\"]+)\".*", "$1")).getEpochSecond()
                    - BASE.getEpochSecond())
                : kind + " " + body);
          }
          return seen.size() >= expected.size();
        });
      }
      assertThat(seen).as("in Kafka, each will before the heartbeat the device published after reconnecting")
          .containsExactlyElementsOf(expected);
      await("the direct road open again once the wills are in Kafka").atMost(Duration.ofSeconds(30))
          .until(() -> api.metric("fleet_mqtt_direct_open") == 1);
      await("the device online").atMost(Duration.ofSeconds(30))
          .until(() -> api.get("/api/devices/" + device).body().path("status").asText().equals("online"));
      connections.get(RECONNECTS).disconnect();
    }
  }

  /** A connection of the device with its last will, "offline" on its status topic (retained, as Fleet's agent sets it). */
  private static Mqtt3BlockingClient connect(String url, String device, String password) {
    URI uri = URI.create(url);
    Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier(device)
        .serverHost(uri.getHost()).serverPort(uri.getPort())
        .simpleAuth().username(device).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .willPublish().topic("fleet/" + device + "/status").payload("offline".getBytes(StandardCharsets.UTF_8))
        .qos(MqttQos.AT_LEAST_ONCE).retain(true).applyWillPublish()
        .buildBlocking();
    client.connectWith().cleanSession(true).keepAlive(60).send();
    return client;
  }

  private static void heartbeat(Mqtt3BlockingClient client, String device, int n) {
    TestMqtt.publish(client, "fleet/" + device + "/heartbeat",
        "{\"ts\":\"" + BASE.plusSeconds(n) + "\",\"battery\":80,\"interval_s\":60}");
  }
}
