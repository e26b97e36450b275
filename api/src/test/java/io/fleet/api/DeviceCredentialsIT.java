package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.credentials.DerivedPasswords;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every device's own MQTT password on the embedded broker, on H2 and (when {@code FLEET_IT_POSTGRES_URL} is
 * set) on PostgreSQL: issued once at registration, refused for a device never registered, rotated by an
 * operator (the old one stops working and its connection is closed), revoked by a decommission (connection
 * closed, CONNECT refused), and new again after registering anew; in the derived bootstrap mode, a
 * decommissioned device's derived password stops working too.
 */
class DeviceCredentialsIT {

  static Stream<TestServers> databases() {
    String pg = System.getenv("FLEET_IT_POSTGRES_URL");
    TestServers embedded = new TestServers("embedded", null, null);
    if (pg == null || pg.isBlank()) return Stream.of(embedded);
    return Stream.of(embedded, new TestServers("postgres", pg, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aDevicesOwnPasswordIsIssuedRotatedAndRevokedAndTheBrokerHoldsToIt(TestServers servers, @TempDir Path dataDir)
      throws Exception {
    String camera = "cred-" + UUID.randomUUID().toString().substring(0, 6);
    var config = servers.config(dataDir, TestServers.uniqueSchema(), Map.of("fleet.device-passwords.mode", "issued"));
    try (FleetApp app = FleetApp.start(config)) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String url = app.node().endpoints().mqttUrl();
      DerivedPasswords derived = app.node().infrastructure().derivedPasswords();

      assertThatThrownBy(() -> TestMqtt.deviceClient(url, "ghost-1", derived.passwordFor("ghost-1")))
          .as("a device never registered, with the derived password").isNotNull();

      ApiClient.Response registered = api.post("/api/devices",
          "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\", \"household\": \"h-cred\"}");
      assertThat(registered.status()).isEqualTo(201);
      String first = registered.body().at("/mqtt/password").asText();
      assertThat(first).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(derived.passwordFor(camera));
      assertThatThrownBy(() -> TestMqtt.deviceClient(url, camera, derived.passwordFor(camera)))
          .as("a registered device's derived password").isNotNull();

      Mqtt3BlockingClient device = TestMqtt.deviceClient(url, camera, first);
      TestMqtt.publish(device, "fleet/" + camera + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"battery\": 90}");
      await("online with its issued password").atMost(Duration.ofSeconds(30))
          .until(() -> "online".equals(api.get("/api/devices/" + camera).body().path("status").asText()));
      assertThat(clipUpload(app, camera, first)).as("a clip upload with its password").isEqualTo(201);

      JsonNode again = api.post("/api/devices",
          "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\", \"household\": \"h-cred\"}").body();
      assertThat(again.at("/mqtt/password").isNull()).as("registering again shows no password: it is kept hashed").isTrue();
      assertThat(device.getState().isConnected()).as("registering again leaves the password as it was").isTrue();

      assertThat(api.withToken(null).post("/api/devices/" + camera + "/credentials", "").status()).isEqualTo(401);
      assertThat(api.post("/api/devices/never-seen/credentials", "").status()).isEqualTo(404);
      ApiClient.Response rotated = api.post("/api/devices/" + camera + "/credentials", "");
      assertThat(rotated.status()).as(rotated.text()).isEqualTo(201);
      assertThat(rotated.body().get("version").asInt()).isEqualTo(2);
      String second = rotated.body().at("/mqtt/password").asText();
      assertThat(second).isNotEqualTo(first);
      await("the connection with the old password closed").atMost(Duration.ofSeconds(10))
          .until(() -> !device.getState().isConnected());
      assertThatThrownBy(() -> TestMqtt.deviceClient(url, camera, first)).as("the password before the rotation").isNotNull();
      assertThat(clipUpload(app, camera, first)).as("a clip upload with the old password").isEqualTo(401);
      Mqtt3BlockingClient rotatedDevice = TestMqtt.deviceClient(url, camera, second);
      assertThat(rotatedDevice.getState().isConnected()).isTrue();

      assertThat(api.delete("/api/devices/" + camera).status()).isEqualTo(204);
      await("the decommissioned device's connection closed").atMost(Duration.ofSeconds(10))
          .until(() -> !rotatedDevice.getState().isConnected());
      assertThatThrownBy(() -> TestMqtt.deviceClient(url, camera, second)).as("decommissioned").isNotNull();
      assertThat(api.post("/api/devices/" + camera + "/credentials", "").status()).as("no rotation once decommissioned")
          .isEqualTo(404);

      String third = api.post("/api/devices", "{\"deviceId\": \"" + camera + "\", \"type\": \"camera\"}")
          .body().at("/mqtt/password").asText();
      assertThat(third).as("registered anew: a new password, never the old one back").isNotIn(first, second, "null", "");
      assertThatThrownBy(() -> TestMqtt.deviceClient(url, camera, second)).isNotNull();
      TestMqtt.deviceClient(url, camera, third).disconnect();
    }
  }

  @Test
  void inTheDerivedModeADecommissionedDeviceIsRefusedEvenWithItsDerivedPassword(@TempDir Path dataDir) throws Exception {
    String sensor = "derived-" + UUID.randomUUID().toString().substring(0, 6);
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String url = app.node().endpoints().mqttUrl();
      String derived = app.node().infrastructure().derivedPasswords().passwordFor(sensor);
      Mqtt3BlockingClient device = TestMqtt.deviceClient(url, sensor, derived);
      TestMqtt.publish(device, "fleet/" + sensor + "/heartbeat", "{\"ts\": \"" + Instant.now() + "\", \"type\": \"sensor\"}");
      await("registered itself").atMost(Duration.ofSeconds(30))
          .until(() -> api.get("/api/devices/" + sensor).status() == 200);

      assertThat(api.delete("/api/devices/" + sensor).status()).isEqualTo(204);
      await("disconnected").atMost(Duration.ofSeconds(10)).until(() -> !device.getState().isConnected());
      assertThatThrownBy(() -> TestMqtt.deviceClient(url, sensor, derived)).as("its derived password, revoked").isNotNull();
    }
  }

  private static int clipUpload(FleetApp app, String camera, String password) throws Exception {
    HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(app.baseUrl() + "/api/devices/" + camera + "/clips/c-" + UUID.randomUUID().toString().substring(0, 8)))
        .header("Authorization", ApiClient.basic(camera, password)).header("Content-Type", "video/mp4")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build(), HttpResponse.BodyHandlers.ofString());
    return put.statusCode();
  }
}
