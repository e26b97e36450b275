package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import io.fleet.agent.edge.AgentSettings;
import io.fleet.agent.edge.EdgeAgent;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.TrustedCertificates;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS end to end: Fleet asked for a self-signed pair makes one on first start and keeps it; the API is HTTPS
 * only (with HSTS) and a client trusting that certificate gets in while one that does not is refused; a
 * registration hands devices an {@code ssl://} broker URL, where a device trusting the certificate connects with
 * its password and comes online, and one that does not, or that speaks plain MQTT to that port, is refused; the
 * simulator and the edge agent (MQTT/TLS, and HTTPS for its clip upload) connect with the certificate as their CA
 * file. Then a second Fleet given that pair as PEM
 * files serves HTTPS with it.
 */
class TlsIT {

  @Test
  void aSelfSignedFleetServesOnlyHttpsAndMqttOverTlsToClientsThatTrustItsCertificate(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("first");
    Path certificate = dataDir.resolve("tls").resolve("self-signed-cert.pem");
    Path key = dataDir.resolve("tls").resolve("self-signed-key.pem");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.tls.self-signed", true, "fleet.device-passwords.mode", "issued")))) {
      assertThat(app.baseUrl()).startsWith("https://");
      assertThat(certificate).exists();
      HttpClient trusting = HttpClient.newBuilder().sslContext(TrustedCertificates.clientContext(certificate)).build();

      HttpResponse<String> health = trusting.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().firstValue("Strict-Transport-Security")).as("HSTS over TLS").isPresent();
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/health/live"))
          .build(), HttpResponse.BodyHandlers.ofString())).as("a client that does not trust the certificate")
          .isInstanceOf(SSLHandshakeException.class);
      assertThat(plainHttpStatus(app)).as("plain HTTP on the HTTPS port").isNotEqualTo(200);

      ApiClient api = new ApiClient(trusting, app.baseUrl(), app.operatorToken());
      JsonNode registered = api.post("/api/devices", "{\"deviceId\": \"tls-cam\", \"type\": \"camera\"}").body();
      String url = registered.at("/mqtt/url").asText();
      assertThat(url).startsWith("ssl://");
      String password = registered.at("/mqtt/password").asText();
      TrustManagerFactory trust = TrustedCertificates.trustManagers(certificate);

      Mqtt3BlockingClient camera = device(url, "tls-cam", password, trust).buildBlocking();
      camera.connect();
      TestMqtt.publish(camera, "fleet/tls-cam/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 70}");
      await("online over MQTT/TLS").atMost(Duration.ofSeconds(30))
          .until(() -> "online".equals(api.get("/api/devices/tls-cam").body().path("status").asText()));
      camera.disconnect();
      assertThatThrownBy(() -> device(url, "tls-cam", password, null).buildBlocking().connect())
          .as("a device that does not trust the certificate").isNotNull();
      URI tlsPort = URI.create(url);
      assertThatThrownBy(() -> TestMqtt.deviceClient("tcp://" + tlsPort.getHost() + ":" + tlsPort.getPort(), "tls-cam", password))
          .as("plain MQTT on the TLS port").isNotNull();

      SimulatedFleet.Builder simulated = SimulatedFleet.builder().mqtt(url).trust(certificate)
          .devices(2).idPrefix("tls-sim-").kinds(DeviceKind.SENSOR).heartbeatInterval(Duration.ofSeconds(1));
      Map<String, String> passwords = new HashMap<>();
      simulated.plan().forEach(d -> passwords.put(d.id(), api.post("/api/devices",
          "{\"deviceId\": \"" + d.id() + "\", \"type\": \"sensor\"}").body().at("/mqtt/password").asText()));
      try (SimulatedFleet sim = simulated.credentials(passwords::get).start()) {
        await("the simulator's devices online over TLS").atMost(Duration.ofSeconds(30))
            .until(() -> api.statuses("q=tls-sim-&status=online").size() == 2);
      }

      String edgePassword = api.post("/api/devices", "{\"deviceId\": \"tls-edge\", \"type\": \"camera\"}").body()
          .at("/mqtt/password").asText();
      AgentSettings edge = new AgentSettings("tls-edge", edgePassword, URI.create(url), URI.create(app.baseUrl()), "h-tls",
          "agent-tls", Duration.ofSeconds(5), new AgentSettings.Source("synthetic", "", 10, 640, 480, 2, 3, 2.0),
          DetectorSettings.defaults().withIgnore(List.of(SceneScripts.swayRegion(640, 480))),
          new ClipSettings(10, 10, 250, 10, 4, dir.resolve("agent").resolve("encoding")),
          dir.resolve("agent").resolve("outbox"), 64L * 1024 * 1024).withCaFile(certificate);
      try (EdgeAgent agent = EdgeAgent.start(edge)) {
        await("the edge agent's motion event and clip delivered over MQTT/TLS and HTTPS").atMost(Duration.ofSeconds(120))
            .until(() -> agent.delivered() >= 1);
        assertThat(api.get("/api/devices/tls-edge").body().path("status").asText()).isEqualTo("online");
      }
    }

    Path second = dir.resolve("second");
    Path given = Files.createDirectories(dir.resolve("given"));
    Files.copy(certificate, given.resolve("cert.pem"));
    Files.copy(key, given.resolve("key.pem"));
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(second, TestServers.uniqueSchema(),
        Map.of("fleet.tls.certificate", given.resolve("cert.pem").toString(),
            "fleet.tls.private-key", given.resolve("key.pem").toString())))) {
      HttpClient trusting = HttpClient.newBuilder().sslContext(TrustedCertificates.clientContext(given.resolve("cert.pem"))).build();
      assertThat(trusting.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/health/live")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).as("HTTPS with the configured pair").isEqualTo(200);
      assertThat(second.resolve("tls")).as("no self-signed pair made when one is given").doesNotExist();
    }
  }

  private static Mqtt3ClientBuilder device(String url, String id, String password, TrustManagerFactory trust) {
    URI uri = URI.create(url);
    Mqtt3ClientBuilder builder = MqttClient.builder().useMqttVersion3().identifier(id).serverHost(uri.getHost())
        .serverPort(uri.getPort()).simpleAuth().username(id).password(password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth();
    return trust == null ? builder.sslWithDefaultConfig() : builder.sslConfig().trustManagerFactory(trust).applySslConfig();
  }

  private static int plainHttpStatus(FleetApp app) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl().replace("https://", "http://")
          + "/api/health/live")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (IOException | InterruptedException refused) {
      return -1;
    }
  }
}
