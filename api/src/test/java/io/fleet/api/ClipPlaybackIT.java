package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stored clip plays back through {@code GET /api/clips/{clipId}}: a redirect to the bucket that serves
 * the same bytes and byte ranges (so a video player can seek), for the clip's household only.
 */
class ClipPlaybackIT {
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void aStoredClipRedirectsToItsBytesWithRangesAndOnlyForItsHousehold(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null)
        .config(dataDir, TestServers.uniqueSchema(), Map.of()))) {
      ApiClient operator = new ApiClient(app.baseUrl(), app.operatorToken());
      assertThat(operator.post("/api/devices", "{\"deviceId\":\"porch-cam\",\"type\":\"camera\",\"household\":\"h-a\"}").status())
          .isEqualTo(201);
      byte[] clip = new byte[300_000];
      new Random(3).nextBytes(clip);
      HttpResponse<String> stored = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/porch-cam/clips/c-1"))
              .header("Authorization", "Bearer " + app.operatorToken()).header("Content-Type", "video/mp4")
              .PUT(HttpRequest.BodyPublishers.ofByteArray(clip)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);

      await("the clip is playable").atMost(Duration.ofSeconds(30)).until(() -> get("/api/clips/c-1", app, app.operatorToken()).statusCode() == 302);
      String location = get("/api/clips/c-1", app, app.operatorToken()).headers().firstValue("Location").orElseThrow();
      HttpResponse<byte[]> whole = http.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(clip);
      HttpResponse<byte[]> range = http.send(HttpRequest.newBuilder(URI.create(location)).header("Range", "bytes=1000-1999").build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(clip, 1000, 2000));

      String mine = operator.post("/api/tokens", "{\"household\":\"h-a\"}").body().get("token").asText();
      String theirs = operator.post("/api/tokens", "{\"household\":\"h-b\"}").body().get("token").asText();
      assertThat(get("/api/clips/c-1", app, mine).statusCode()).isEqualTo(302);
      assertThat(get("/api/clips/c-1", app, theirs).statusCode()).isEqualTo(404);
      assertThat(get("/api/clips/c-1", app, "nobody").statusCode()).isEqualTo(401);
      assertThat(get("/api/clips/no-such-clip", app, app.operatorToken()).statusCode()).isEqualTo(404);
    }
  }

  private HttpResponse<String> get(String path, FleetApp app, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
