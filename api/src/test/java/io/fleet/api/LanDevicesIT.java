package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default opened to the network ({@code fleet.embedded-bind-host = 0.0.0.0}, {@code
 * fleet.public-host} = this machine's LAN address), as a real camera or an OwnTracks phone on the LAN needs
 * it: a registration names the broker at the LAN address, a device connects there with its credentials
 * and comes online, and a presigned upload URL names S3 at the LAN address and takes the clip.
 */
class LanDevicesIT {

  @Test
  void aDeviceOnTheLanConnectsToTheEmbeddedBrokerAndUploadsToTheEmbeddedS3ByTheMachinesAddress(@TempDir Path dataDir)
      throws Exception {
    Optional<String> lan = lanAddress();
    assumeTrue(lan.isPresent(), "needs a non-loopback IPv4 address");
    Map<String, Object> open = Map.of("fleet.embedded-bind-host", "0.0.0.0", "fleet.public-host", lan.get());
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
        .config(dataDir, TestServers.uniqueSchema(), open))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(app.node().endpoints().mqttUrl()).as("Fleet's own clients stay on loopback").contains("127.0.0.1");
      JsonNode registered = api.post("/api/devices", "{\"deviceId\": \"lan-cam\", \"type\": \"camera\"}").body();
      String url = registered.get("mqtt").get("url").asText();
      assertThat(URI.create(url).getHost()).isEqualTo(lan.get());
      String password = registered.get("mqtt").get("password").asText();

      Mqtt3BlockingClient camera = TestMqtt.deviceClient(url, "lan-cam", password);
      TestMqtt.publish(camera, "fleet/lan-cam/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 90}");
      await("online over the LAN address").atMost(Duration.ofSeconds(30))
          .until(() -> "online".equals(api.get("/api/devices/lan-cam").body().path("status").asText()));

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> presigned = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/lan-cam/clips"))
          .header("Authorization", ApiClient.basic("lan-cam", password))
          .POST(HttpRequest.BodyPublishers.ofString("{\"length\": 2048, \"contentType\": \"video/mp4\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(presigned.statusCode()).as(presigned.body()).isEqualTo(201);
      URI uploadUrl = URI.create(Json.MAPPER.readTree(presigned.body()).get("url").asText());
      assertThat(uploadUrl.getHost()).isEqualTo(lan.get());
      HttpResponse<String> toS3 = http.send(HttpRequest.newBuilder(uploadUrl).header("Content-Type", "video/mp4")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[2048])).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(toS3.statusCode()).as(toS3.body()).isEqualTo(200);
      camera.disconnect();
    }
  }

  private static Optional<String> lanAddress() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) continue;
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) return Optional.of(address.getHostAddress());
      }
    }
    return Optional.empty();
  }
}
