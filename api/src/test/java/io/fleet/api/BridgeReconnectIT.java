package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingress bridge on a Mosquitto of its own (a second instance on a port of its own; the machine's
 * stays as it is): when the broker goes away and comes back, the bridge's MQTT session is started
 * again, its stream shows restarting in the meantime, and devices are heard again.
 */
class BridgeReconnectIT {
  private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

  @Test
  void theBridgeReconnectsWhenItsBrokerComesBackAndDevicesAreHeardAgain(@TempDir Path dataDir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(MOSQUITTO), "Mosquitto is installed");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path conf = dataDir.resolve("mosquitto.conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
    String url = "tcp://127.0.0.1:" + port;
    Process broker = start(conf);
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir.resolve("node"),
        TestServers.uniqueSchema(), Map.of("fleet.mqtt.url", url, "fleet.mqtt.clean-session", true)))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      heard(api, url, "before-restart");

      broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      await("the bridge's stream restarting").atMost(Duration.ofSeconds(30)).until(() ->
          "restarting".equals(api.get("/api/health").body().path("streams").path("ingress-bridge").path("status").asText()));
      assertThat(api.get("/api/health/ready").status()).isEqualTo(503);
      broker = start(conf);
      await("the bridge subscribed again").atMost(Duration.ofSeconds(60)).until(app.node()::ingressBridgeSubscribed);
      heard(api, url, "after-restart");
      assertThat(api.get("/api/health").body().path("streams").path("ingress-bridge").path("restarts").asLong())
          .isGreaterThanOrEqualTo(1);
    } finally {
      broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process start(Path conf) throws Exception {
    return new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(conf.resolveSibling("mosquitto.log").toFile()).start();
  }

  /** A new device's heartbeat through the broker: it registers and is online. */
  private static void heard(ApiClient api, String url, String device) {
    await("the broker answers").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(url, "", "");
      TestMqtt.publish(mqtt, "fleet/" + device + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\"}");
      mqtt.disconnect();
      return true;
    });
    await(device + " online").atMost(Duration.ofSeconds(30))
        .until(() -> "online".equals(api.get("/api/devices/" + device).body().path("status").asText()));
  }
}
