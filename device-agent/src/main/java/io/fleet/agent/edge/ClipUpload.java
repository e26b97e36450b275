package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * Uploads a clip straight into Fleet's bucket, as the original cameras did: asks Fleet for a presigned
 * URL ({@code POST /api/devices/{id}/clips}, HTTP Basic with the device's MQTT credentials), then PUTs the
 * file to S3, streamed from disk. Any failure is an {@link IOException}: the caller keeps the clip and tries
 * again. Owns an HTTP client; nothing else.
 */
final class ClipUpload {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI fleetApi;
  private final String deviceId;
  private final String authorization;

  ClipUpload(URI fleetApi, String deviceId, String password) {
    this.fleetApi = fleetApi;
    this.deviceId = deviceId;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((deviceId + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the clip id Fleet issued, once S3 has the file. */
  String upload(Path clip) throws IOException, InterruptedException {
    HttpResponse<String> slot = http.send(HttpRequest.newBuilder(fleetApi.resolve("/api/devices/" + deviceId + "/clips"))
        .timeout(Duration.ofSeconds(15)).header("Authorization", authorization).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    if (slot.statusCode() != 201) throw new IOException("Fleet refused an upload slot: " + slot.statusCode() + " " + slot.body());
    JsonNode body = JSON.readTree(slot.body());
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(body.get("url").asText()))
        .timeout(Duration.ofMinutes(5)).header("Content-Type", "video/mp4")
        .PUT(HttpRequest.BodyPublishers.ofFile(clip)).build(), HttpResponse.BodyHandlers.ofString());
    if (put.statusCode() / 100 != 2) throw new IOException("S3 refused the clip: " + put.statusCode() + " " + put.body());
    return body.get("clipId").asText();
  }
}
