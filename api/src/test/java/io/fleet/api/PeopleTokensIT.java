package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * People's tokens (issue 15 §5), against one running Fleet: a token in the URL opens only what a browser
 * requests without headers (the live streams, the WebSocket, a clip) and nothing else — no POST, no DELETE,
 * no {@code /api/tokens}; a homeowner token minted with an expiry stops working then, with a 401 that says
 * so, and a live stream opened with it ends; an address that keeps failing to authenticate is answered 429
 * with {@code Retry-After}, whatever it sends, while other addresses go on and it may try again after the window; every answer — API, dashboard,
 * errors — carries the security headers; a race's participants must be registered trackers.
 */
class PeopleTokensIT {
  private static final int MAX_FAILURES = 5;
  private static final Duration WINDOW = Duration.ofSeconds(3);
  @TempDir static Path dataDir;
  static FleetApp app;
  static ApiClient operator;
  static String homeownerToken;
  static String cameraPassword;
  static String raceId;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void fleetWithACameraATrackerAndAClip() throws Exception {
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.http.failed-auth.max-failures", MAX_FAILURES, "fleet.http.failed-auth.window", WINDOW.toSeconds() + "s")));
    operator = new ApiClient(app.baseUrl(), app.operatorToken());
    ApiClient.Response camera = operator.post("/api/devices", "{\"deviceId\":\"porch-cam\",\"type\":\"camera\",\"household\":\"h-a\"}");
    assertThat(camera.status()).isEqualTo(201);
    cameraPassword = camera.body().get("mqtt").get("password").asText();
    assertThat(operator.post("/api/devices", "{\"deviceId\":\"runner\",\"type\":\"tracker\",\"household\":\"h-a\"}").status())
        .isEqualTo(201);
    HttpResponse<String> stored = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/devices/porch-cam/clips/c-1"))
        .header("Authorization", ApiClient.basic("porch-cam", cameraPassword)).header("Content-Type", "video/mp4")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
    homeownerToken = operator.post("/api/tokens", "{\"household\":\"h-a\",\"label\":\"Ann\"}").body().get("token").asText();
    ApiClient.Response race = operator.post("/api/races", race(List.of("runner")));
    assertThat(race.status()).as(race.text()).isEqualTo(201);
    raceId = race.body().get("race_id").asText();
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  @Test
  void aTokenInTheUrlIsRefusedForPostDeleteTheTokensAndEveryOtherRead() {
    String inUrl = "?access_token=" + app.operatorToken();
    ApiClient noHeader = operator.withToken(null);
    int tokensBefore = operator.get("/api/tokens").body().size();

    ApiClient.Response mint = noHeader.post("/api/tokens" + inUrl, "{\"household\":\"h-b\"}");
    assertThat(mint.status()).isEqualTo(401);
    assertThat(mint.body().get("error").asText()).isEqualTo("access_token not accepted here");
    assertThat(mint.body().get("detail").asText()).contains("Authorization: Bearer");
    assertThat(operator.post("/api/tokens" + inUrl, "{\"household\":\"h-b\"}").status())
        .as("a token in the URL is refused even beside a good header").isEqualTo(401);
    assertThat(noHeader.get("/api/tokens" + inUrl).status()).isEqualTo(401);
    String homeownerId = operator.get("/api/tokens").body().get(0).get("id").asText();
    assertThat(noHeader.delete("/api/tokens/" + homeownerId + inUrl).status()).isEqualTo(401);
    assertThat(operator.get("/api/tokens").body()).hasSize(tokensBefore)
        .allSatisfy(t -> assertThat(t.get("state").asText()).as("nothing minted or revoked").isEqualTo("active"));

    assertThat(noHeader.post("/api/devices" + inUrl, "{\"deviceId\":\"sneaky\",\"type\":\"camera\"}").status()).isEqualTo(401);
    assertThat(operator.get("/api/devices/sneaky").status()).isEqualTo(404);
    assertThat(noHeader.delete("/api/devices/porch-cam" + inUrl).status()).isEqualTo(401);
    assertThat(operator.get("/api/devices/porch-cam").status()).isEqualTo(200);
    assertThat(noHeader.post("/api/races" + inUrl, race(List.of("runner"))).status()).isEqualTo(401);
    assertThat(noHeader.post("/api/alerts/porch-cam:offline:1/ack" + inUrl, "{}").status()).isEqualTo(401);
    for (String read : List.of("/api/fleet/summary", "/api/devices", "/api/events", "/api/alerts", "/api/races/" + raceId)) {
      assertThat(noHeader.get(read + inUrl).status()).as(read).isEqualTo(401);
    }
  }

  @Test
  void aTokenInTheUrlOpensTheLiveStreamsTheWebSocketAndAClip() throws Exception {
    try (InputStream alerts = openStream("/api/alerts/stream?access_token=" + homeownerToken)) {
      assertThat(firstEvent(alerts)).as("the stream's opening position").anyMatch(line -> line.startsWith("id:"));
    }
    try (InputStream race = openStream("/api/races/" + raceId + "/stream?access_token=" + app.operatorToken())) {
      assertThat(firstEvent(race)).anyMatch(line -> line.matches("event: ?leaderboard"));
    }
    WebSocket socket = http.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + app.httpPort() + "/api/alerts/ws?access_token=" + homeownerToken),
            new WebSocket.Listener() {})
        .get(15, TimeUnit.SECONDS);
    socket.abort();

    await("the clip in the clip table").atMost(Duration.ofSeconds(30))
        .until(() -> send(get("/api/clips/c-1", app.operatorToken())).statusCode() == 302);
    HttpResponse<String> clip = send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/clips/c-1?access_token=" + homeownerToken)));
    assertThat(clip.statusCode()).isEqualTo(302);
    assertThat(clip.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).contains("c-1"));

    LoopbackClient elsewhere = new LoopbackClient("127.0.0.5", app.httpPort());
    assertThat(elsewhere.get("/api/alerts/stream?access_token=not-a-token", null).status()).isEqualTo(401);
    assertThat(elsewhere.get("/api/clips/c-1?access_token=not-a-token", null).status()).isEqualTo(401);
  }

  @Test
  void aHomeownerTokenMintedWithAnExpiryIs401SayingSoOnceItHasExpiredAndItsLiveStreamEnds() throws Exception {
    assertThat(operator.post("/api/tokens", "{\"household\":\"h-a\",\"ttlSeconds\":0}").status()).isEqualTo(400);
    assertThat(operator.post("/api/tokens", "{\"household\":\"h-a\",\"expiresAt\":\"2020-01-01T00:00:00Z\"}").status()).isEqualTo(400);
    assertThat(operator.post("/api/tokens", "{\"household\":\"h-a\",\"ttlSeconds\":60,\"expiresAt\":\"2099-01-01T00:00:00Z\"}").status())
        .isEqualTo(400);
    ApiClient.Response lasting = operator.post("/api/tokens", "{\"household\":\"h-a\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}");
    assertThat(lasting.body().get("expiresAt").asText()).isEqualTo("2099-01-01T00:00:00Z");

    Instant minted = Instant.now();
    ApiClient.Response brief = operator.post("/api/tokens", "{\"household\":\"h-a\",\"label\":\"guest\",\"ttlSeconds\":5}");
    assertThat(brief.status()).isEqualTo(201);
    Instant expiresAt = Instant.parse(brief.body().get("expiresAt").asText());
    assertThat(expiresAt).isBetween(minted.plusSeconds(4), minted.plusSeconds(6));
    ApiClient guest = operator.withToken(brief.body().get("token").asText());
    assertThat(guest.get("/api/fleet/summary").status()).isEqualTo(200);
    InputStream stream = openStream("/api/alerts/stream?access_token=" + brief.body().get("token").asText());
    CompletableFuture<Instant> streamEnded = CompletableFuture.supplyAsync(() -> readToTheEnd(stream));

    await("the token expires").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> guest.get("/api/fleet/summary").status() != 200);
    ApiClient.Response expired = guest.get("/api/fleet/summary");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().get("error").asText()).isEqualTo("token expired");
    assertThat(expired.body().get("detail").asText()).contains(expiresAt.toString());
    assertThat(Instant.now()).isAfterOrEqualTo(expiresAt);
    await("the live stream opened with it ends").atMost(Duration.ofSeconds(30)).until(streamEnded::isDone);
    assertThat(streamEnded.join()).as("not before the token expired").isAfterOrEqualTo(expiresAt.minusMillis(100));
    assertThat(operator.withToken(lasting.body().get("token").asText()).get("/api/fleet/summary").status()).isEqualTo(200);

    Map<String, JsonNode> listed = new HashMap<>();
    operator.get("/api/tokens").body().forEach(t -> listed.put(t.get("id").asText(), t));
    assertThat(listed.get(brief.body().get("id").asText()).get("state").asText()).isEqualTo("expired");
    assertThat(listed.get(lasting.body().get("id").asText()).get("state").asText()).isEqualTo("active");
  }

  @Test
  void anAddressThatKeepsFailingIsAnswered429UntilTheWindowPassesWhileOtherAddressesGoOn() {
    LoopbackClient guesser = new LoopbackClient("127.0.0.2", app.httpPort());
    for (int i = 0; i < MAX_FAILURES; i++) {
      assertThat(guesser.get("/api/fleet/summary", "Bearer guess-" + i).status()).as("guess %d", i).isEqualTo(401);
    }
    LoopbackClient.Answer throttled = guesser.get("/api/fleet/summary", "Bearer " + app.operatorToken());
    assertThat(throttled.status()).as("even the right token, unseen").isEqualTo(429);
    assertThat(Integer.parseInt(throttled.headers().get("retry-after"))).isBetween(1, (int) WINDOW.toSeconds());
    assertThat(throttled.body()).contains("too many failed authentications");
    assertThat(throttled.headers()).containsKey("content-security-policy");
    assertThat(guesser.put("/api/devices/porch-cam/clips/c-9", ApiClient.basic("porch-cam", cameraPassword), "video/mp4", new byte[16])
        .status()).as("a device's password from that address too").isEqualTo(429);

    assertThat(new LoopbackClient("127.0.0.3", app.httpPort()).get("/api/fleet/summary", "Bearer " + app.operatorToken()).status())
        .as("another address").isEqualTo(200);
    assertThat(operator.get("/api/fleet/summary").status()).isEqualTo(200);

    await("the window passes").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
        .until(() -> guesser.get("/api/fleet/summary", "Bearer " + app.operatorToken()).status() == 200);
  }

  @Test
  void wrongDevicePasswordsCountAsFailedAuthenticationsToo() {
    LoopbackClient impostor = new LoopbackClient("127.0.0.4", app.httpPort());
    for (int i = 0; i < MAX_FAILURES; i++) {
      assertThat(impostor.put("/api/devices/porch-cam/clips/c-" + (10 + i), ApiClient.basic("porch-cam", "guess-" + i), "video/mp4",
          new byte[16]).status()).isEqualTo(401);
    }
    assertThat(impostor.put("/api/devices/porch-cam/clips/c-20", ApiClient.basic("porch-cam", cameraPassword), "video/mp4", new byte[16])
        .status()).isEqualTo(429);
  }

  @Test
  void everyAnswerCarriesTheSecurityHeaders() throws Exception {
    Map<String, HttpResponse<String>> answers = Map.of(
        "dashboard", send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/"))),
        "script", send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/app.js"))),
        "api", send(get("/api/fleet/summary", app.operatorToken())),
        "not found", send(get("/api/no-such-thing", app.operatorToken())),
        "no token", send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/fleet/summary"))),
        "method not allowed", send(get("/api/fleet/summary", app.operatorToken()).method("PATCH", HttpRequest.BodyPublishers.noBody())),
        "malformed body", send(get("/api/tokens", app.operatorToken()).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{not json"))));
    assertThat(answers.get("dashboard").statusCode()).isEqualTo(200);
    assertThat(answers.get("not found").statusCode()).isEqualTo(404);
    assertThat(answers.get("no token").statusCode()).isEqualTo(401);
    assertThat(answers.get("method not allowed").statusCode()).isEqualTo(405);
    assertThat(answers.get("malformed body").statusCode()).isEqualTo(400);
    answers.forEach((what, answer) -> {
      var headers = answer.headers();
      assertThat(headers.firstValue("Content-Security-Policy")).as(what)
          .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'", "frame-ancestors 'none'")
              .doesNotContain("unsafe-inline"));
      assertThat(headers.firstValue("X-Content-Type-Options")).as(what).contains("nosniff");
      assertThat(headers.firstValue("Referrer-Policy")).as(what).contains("no-referrer");
      assertThat(headers.firstValue("Strict-Transport-Security")).as("%s: no HSTS over plain HTTP", what).isEmpty();
    });
  }

  @Test
  void aRaceOfDevicesThatAreNoRegisteredTrackersIsRefused() {
    ApiClient.Response ghost = operator.post("/api/races", race(List.of("runner", "ghost-1")));
    assertThat(ghost.status()).isEqualTo(422);
    assertThat(ghost.body().get("detail").asText()).contains("ghost-1").doesNotContain("runner");
    assertThat(operator.post("/api/races", race(List.of("porch-cam"))).status()).as("a camera").isEqualTo(422);
    assertThat(operator.post("/api/races", race(List.of("<img src=x onerror=alert(1)>"))).status()).isEqualTo(422);
    assertThat(operator.get("/api/races").body().get("items")).extracting(r -> r.get("race_id").asText()).containsExactly(raceId);
  }

  private static String race(List<String> participants) {
    try {
      return Json.MAPPER.writeValueAsString(Map.of("name", "Morning run", "start", Instant.now().minusSeconds(600).toString(),
          "finish", Map.of("lat", 52.5, "lon", 13.4), "participants", participants));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder get(String path, String token) {
    return HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A server-sent stream opened with its token in the URL, as an EventSource does; 200 and its body. */
  private InputStream openStream(String path) throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    return response.body();
  }

  /** Reads the stream until it ends; when it ended. */
  private static Instant readToTheEnd(InputStream stream) {
    try (stream) {
      stream.transferTo(OutputStream.nullOutputStream());
      return Instant.now();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of a stream's first event (up to the blank line that ends it). */
  private static List<String> firstEvent(InputStream stream) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) lines.add(line);
    return lines;
  }
}
