package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.credentials.DerivedPasswords;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet on an external Mosquitto 2 started with the set-up it ships ({@code config/mosquitto/mosquitto.conf}:
 * dynamic security, no anonymous access): Fleet creates its service account at start, so its bridge gets in;
 * a device registered through the API connects with its credentials under its own id and comes online; it
 * may not use another client id, and what it publishes to another device's topic never arrives; a device
 * Fleet never registered is refused at CONNECT, even with the right derived password; decommissioning a
 * device disconnects it and its account is gone; no device can be registered under the bridge's client id.
 * Devices get issued passwords here: a rotation closes the session opened with the old one, which no longer
 * gets in.
 */
class DynamicSecurityIT {
  private static final Path MOSQUITTO_CTRL = Path.of("/usr/bin/mosquitto_ctrl");
  private static final Path PLUGIN = Path.of("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so");

  @Test
  void fleetKeepsTheBrokersAccountsSoOnlyRegisteredDevicesGetInAndOnlyToTheirOwnTopics(@TempDir Path dir,
      @TempDir Path brokerDir) throws Exception {
    assumeTrue(TestMosquitto.installed() && Files.isExecutable(MOSQUITTO_CTRL) && Files.exists(PLUGIN),
        "needs Debian's mosquitto with its dynamic-security plugin");
    try (TestMosquitto broker = startBroker(brokerDir);
         FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dir.resolve("fleet"),
             TestServers.uniqueSchema(), Map.of("fleet.mqtt.url", broker.url(), "fleet.mqtt.user", "fleet-service",
                 "fleet.mqtt.password", "service-secret", "fleet.mqtt.clean-session", true,
                 "fleet.mqtt.dynamic-security.admin-user", "fleet-admin",
                 "fleet.mqtt.dynamic-security.admin-password", "admin-secret", "fleet.device-passwords.mode", "issued")))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String url = broker.url();
      JsonNode registered = api.post("/api/devices", "{\"deviceId\": \"dyn-cam\", \"type\": \"camera\"}").body();
      String password = registered.get("mqtt").get("password").asText();

      Mqtt3BlockingClient first = TestMqtt.deviceClient(url, "dyn-cam", password);
      TestMqtt.publish(first, "fleet/dyn-cam/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 88}");
      await("the camera online through Mosquitto").atMost(Duration.ofSeconds(30))
          .until(() -> "online".equals(api.get("/api/devices/dyn-cam").body().path("status").asText()));
      first.disconnect();
      // On another device's topic: Mosquitto drops it (and may close the connection for it).
      Mqtt3BlockingClient intruder = TestMqtt.deviceClient(url, "dyn-cam", password);
      try {
        TestMqtt.publish(intruder, "fleet/dyn-neighbour/heartbeat", "{\"ts\": \"" + Instant.now() + "\"}");
        intruder.disconnect();
      } catch (RuntimeException closedForIt) {
        // what Mosquitto 2 does with a QoS 1 publish its ACL denies
      }
      Mqtt3BlockingClient camera = TestMqtt.deviceClient(url, "dyn-cam", password);
      TestMqtt.publish(camera, "fleet/dyn-cam/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 77}");
      await("the heartbeat after it handled").atMost(Duration.ofSeconds(30))
          .until(() -> api.get("/api/devices/dyn-cam").body().path("battery").asInt() == 77);
      assertThat(api.get("/api/devices/dyn-neighbour").status()).as("the publish on another device's topic went nowhere")
          .isEqualTo(404);

      assertThatThrownBy(() -> connect(url, "someone-else", "dyn-cam", password)).as("another client id").isNotNull();
      DerivedPasswords derived = app.node().infrastructure().derivedPasswords();
      assertThatThrownBy(() -> connect(url, "dyn-ghost", "dyn-ghost", derived.passwordFor("dyn-ghost")))
          .as("never registered").isNotNull();
      String bridge = app.node().system().settings().config().getString("fleet.mqtt.client-id");
      assertThat(api.post("/api/devices", "{\"deviceId\": \"" + bridge + "\", \"type\": \"camera\"}").status())
          .as("the bridge's client id").isEqualTo(422);

      ApiClient.Response rotated = api.post("/api/devices/dyn-cam/credentials", "");
      assertThat(rotated.status()).as(rotated.text()).isEqualTo(201);
      String newPassword = rotated.body().at("/mqtt/password").asText();
      await("rotated, the old session closed").atMost(Duration.ofSeconds(10)).until(() -> !camera.getState().isConnected());
      assertThatThrownBy(() -> connect(url, "dyn-cam", "dyn-cam", password)).as("the password before the rotation").isNotNull();
      Mqtt3BlockingClient rotatedCamera = TestMqtt.deviceClient(url, "dyn-cam", newPassword);

      assertThat(api.delete("/api/devices/dyn-cam").status()).isEqualTo(204);
      await("decommissioned, disconnected").atMost(Duration.ofSeconds(10)).until(() -> !rotatedCamera.getState().isConnected());
      assertThatThrownBy(() -> connect(url, "dyn-cam", "dyn-cam", newPassword)).as("its account is gone").isNotNull();
    }
  }

  private static void connect(String url, String clientId, String user, String password) {
    URI uri = URI.create(url);
    Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost(uri.getHost())
        .serverPort(uri.getPort()).simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth().buildBlocking();
    client.connect();
    client.disconnect();
  }

  /** Mosquitto with the shipped configuration, its paths and port made this test's. */
  private static TestMosquitto startBroker(Path dir) throws Exception {
    Path dynsec = dir.resolve("dynamic-security.json");
    Process init = new ProcessBuilder(MOSQUITTO_CTRL.toString(), "dynsec", "init", dynsec.toString(), "fleet-admin",
        "admin-secret").redirectErrorStream(true).start();
    assertThat(init.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(dynsec).exists();
    Path data = Files.createDirectories(dir.resolve("data"));
    int port = LocalPorts.free();
    String shipped = Files.readString(Path.of("..", "config", "mosquitto", "mosquitto.conf"));
    String conf = shipped
        .replace("listener 1883", "listener " + port + " 127.0.0.1")
        .replace("/usr/lib/mosquitto_dynamic_security.so", PLUGIN.toString())
        .replace("/mosquitto/data/dynamic-security.json", dynsec.toString())
        .replace("/mosquitto/data/", data + "/");
    assertThat(conf).as("the shipped file keeps what this test rewrites").doesNotContain("/mosquitto/");
    return TestMosquitto.start(dir, port, conf);
  }
}
