package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingress bridge on a Mosquitto of its own (a second instance on a port of its own; the machine's
 * stays as it is): when the broker goes away and comes back, the bridge's MQTT session is started
 * again, its stream shows restarting in the meantime, and devices are heard again.
 */
class BridgeReconnectIT {
  @Test
  void theBridgeReconnectsWhenItsBrokerComesBackAndDevicesAreHeardAgain(@TempDir Path dataDir) throws Exception {
    Assumptions.assumeTrue(TestMosquitto.installed(), "Mosquitto is installed");
    try (TestMosquitto broker = TestMosquitto.anonymous(dataDir.resolve("broker"), "persistence false\n");
         FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir.resolve("node"),
             TestServers.uniqueSchema(), Map.of("fleet.mqtt.url", broker.url(), "fleet.mqtt.clean-session", true)))) {
      String url = broker.url();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      heard(api, url, "before-restart");

      broker.kill();
      await("the bridge's stream restarting").atMost(Duration.ofSeconds(30)).until(() ->
          "restarting".equals(api.get("/api/health").body().path("streams").path("ingress-bridge").path("status").asText()));
      assertThat(api.get("/api/health/ready").status()).isEqualTo(503);
      broker.startAgain();
      await("the bridge subscribed again").atMost(Duration.ofSeconds(60)).until(app.node()::ingressBridgeSubscribed);
      heard(api, url, "after-restart");
      assertThat(api.get("/api/health").body().path("streams").path("ingress-bridge").path("restarts").asLong())
          .isGreaterThanOrEqualTo(1);
    }
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
