package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * What the retention and erase tests record and look at: a device's clips (uploaded to the bucket), motion
 * and fixes (over MQTT), and the rows and objects they left, straight from the database and S3.
 */
final class RecordedHistory {
  private final FleetApp app;
  private final ApiClient api;
  private final Mqtt3BlockingClient mqtt;
  private final HttpClient http = HttpClient.newHttpClient();

  RecordedHistory(FleetApp app) {
    this.app = app;
    this.api = new ApiClient(app.baseUrl(), app.operatorToken());
    this.mqtt = TestMqtt.serviceClient(app.node().endpoints());
  }

  DataSource db() {
    return app.node().infrastructure().database().dataSource();
  }

  void register(String deviceId, String type, String household) {
    assertThat(api.post("/api/devices", "{\"deviceId\": \"" + deviceId + "\", \"type\": \"" + type + "\", \"household\": \""
        + household + "\"}").status()).isEqualTo(201);
  }

  /** Streams a small clip to the bucket as the operator; answers its object key. */
  String clip(String deviceId, String clipId) throws Exception {
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + deviceId + "/clips/" + clipId))
        .header("Authorization", "Bearer " + app.operatorToken()).header("Content-Type", "video/mp4")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    return Json.MAPPER.readTree(put.body()).get("key").asText();
  }

  /** A camera's motion event: a motion episode and its alert. */
  void motion(String deviceId, String eventId) {
    TestMqtt.publish(mqtt, "fleet/" + deviceId + "/motion", "{\"event_id\": \"" + eventId + "\", \"ts\": \"" + Instant.now() + "\"}");
  }

  /** A sensor's temperature reading, {@code secondsAgo} before now. */
  void reading(String deviceId, long secondsAgo, double temperature) {
    TestMqtt.publish(mqtt, "fleet/" + deviceId + "/telemetry", "{\"ts\": " + (Instant.now().getEpochSecond() - secondsAgo)
        + ", \"temperature\": " + temperature + "}");
  }

  /** A device's status word ({@code online}, {@code offline}), as on connecting and as its last will. */
  void status(String deviceId, String status) {
    TestMqtt.publish(mqtt, "fleet/" + deviceId + "/status", status);
  }

  /** A tracker's OwnTracks fix, {@code secondsAgo} before now. */
  void fix(String deviceId, long secondsAgo, double lat) {
    TestMqtt.publish(mqtt, "owntracks/" + deviceId + "/phone", "{\"_type\": \"location\", \"lat\": " + lat
        + ", \"lon\": 13.4, \"tst\": " + (Instant.now().getEpochSecond() - secondsAgo) + ", \"tid\": \"ph\"}");
  }

  /** Whether the bucket still has the object (fetched through a presigned URL). */
  boolean inBucket(String key) throws Exception {
    URI url = app.node().clips().presignedGet(key, Duration.ofMinutes(1));
    return http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
  }

  /** How many rows {@code sql} counts, with {@code args} bound in order. */
  long count(String sql, Object... args) throws Exception {
    try (Connection c = db().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Runs {@code sql} (an UPDATE that ages rows), answering the rows it changed. */
  int update(String sql, Object... args) throws Exception {
    try (Connection c = db().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      return ps.executeUpdate();
    }
  }

  void close() {
    mqtt.disconnect();
  }
}
