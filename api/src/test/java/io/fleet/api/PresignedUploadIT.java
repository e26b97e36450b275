package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.media.ClipStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/devices/{id}/clips} against the embedded S3 (S3Proxy, which checks SigV4 signed headers and
 * expiry as S3 does): the device declares its clip's length, and the presigned URL takes exactly that clip —
 * that length, that type, that key — for a few minutes.
 */
class PresignedUploadIT {
  private static final String CAMERA = "porch-cam";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path dataDir;
  private static FleetApp app;
  private static ApiClient operator;

  @BeforeAll
  static void start() {
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.clips.max-bytes", "1m")));
    operator = new ApiClient(app.baseUrl(), app.operatorToken());
    assertThat(operator.post("/api/devices", "{\"deviceId\":\"" + CAMERA + "\",\"type\":\"camera\"}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  @Test
  void anUploadUrlIsRefusedWithoutALengthWithinTheClipMaximumOrForAnotherThanAVideoType() throws Exception {
    HttpResponse<String> noBody = HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/" + CAMERA + "/clips"))
        .header("Authorization", "Bearer " + app.operatorToken()).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(noBody.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(noBody.body()).get("error").asText()).isEqualTo("length required");

    assertRefused("{}", 400, "length required");
    assertRefused("{\"contentType\": \"video/mp4\"}", 400, "length required");
    assertRefused("{\"length\": 0}", 400, "invalid length");
    assertRefused("{\"length\": \"many\"}", 400, "malformed request");
    assertRefused("{\"length\": 1048577}", 413, "clip too large");
    assertRefused("{\"length\": 10, \"contentType\": \"text/html\"}", 415, "unsupported media type");
    assertRefused("{\"length\": 10, \"contentType\": \"video/mp4\\r\\nX-Evil: 1\"}", 415, "unsupported media type");
  }

  @Test
  void theUrlTakesExactlyTheDeclaredLengthAndTypeAtItsOwnKeyForFiveMinutes() throws Exception {
    Instant asked = Instant.now();
    ApiClient.Response slot = operator.post("/api/devices/" + CAMERA + "/clips", "{\"length\": 4096, \"contentType\": \"video/mp4\"}");
    assertThat(slot.status()).as(slot.text()).isEqualTo(201);
    JsonNode upload = slot.body();
    URI url = URI.create(upload.get("url").asText());
    assertThat(upload.get("headers").get("Content-Length").asText()).isEqualTo("4096");
    assertThat(upload.get("headers").get("Content-Type").asText()).isEqualTo("video/mp4");
    assertThat(url.getRawQuery()).contains("X-Amz-Expires=300", "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost");
    assertThat(Instant.parse(upload.get("expiresAt").asText()))
        .isBetween(asked.plus(Duration.ofMinutes(5)).minusSeconds(1), Instant.now().plus(Duration.ofMinutes(5)));
    String key = upload.get("key").asText();
    assertThat(key).startsWith("clips/" + CAMERA + "/").endsWith("-" + upload.get("clipId").asText());

    assertThat(put(url, "video/mp4", 4095).statusCode()).as("one byte short").isEqualTo(403);
    assertThat(put(url, "video/mp4", 4097).statusCode()).as("one byte over").isEqualTo(403);
    assertThat(put(url, "video/webm", 4096).statusCode()).as("another type").isEqualTo(403);
    URI otherKey = URI.create(url.toString().replace(upload.get("clipId").asText(), ClipStore.issueClipId(Instant.now())));
    assertThat(put(otherKey, "video/mp4", 4096).statusCode()).as("another clip's key").isEqualTo(403);
    assertThat(app.node().clips().check("c", key, -1, Duration.ZERO).toCompletableFuture().get())
        .as("nothing refused was stored").isEmpty();

    HttpResponse<String> stored = put(url, "video/mp4", 4096);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(app.node().clips().check("c", key, 4096, Duration.ofSeconds(5)).toCompletableFuture().get()).isPresent();
  }

  @Test
  void anUploadUrlPastItsExpiryIsRefused() throws Exception {
    ClipStore store = app.node().clips();
    String key = ClipStore.issuedKey(CAMERA, ClipStore.issueClipId(Instant.now())).orElseThrow();
    URI expired = store.presignedPut(key, 100, "video/mp4", Duration.ofMinutes(5), Instant.now().minus(Duration.ofMinutes(6)));
    URI current = store.presignedPut(key, 100, "video/mp4", Duration.ofMinutes(5), Instant.now().minus(Duration.ofMinutes(4)));

    HttpResponse<String> refused = put(expired, "video/mp4", 100);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("expired");
    assertThat(put(current, "video/mp4", 100).statusCode()).as("a minute left").isEqualTo(200);
  }

  private static void assertRefused(String body, int status, String error) {
    ApiClient.Response answer = operator.post("/api/devices/" + CAMERA + "/clips", body);
    assertThat(answer.status()).as(body + " → " + answer.text()).isEqualTo(status);
    assertThat(answer.body().get("error").asText()).isEqualTo(error);
    assertThat(answer.body().get("detail").asText()).isNotBlank();
  }

  private static HttpResponse<String> put(URI url, String contentType, int bytes) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(url).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(), HttpResponse.BodyHandlers.ofString());
  }
}
