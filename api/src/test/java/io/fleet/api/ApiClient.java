package io.fleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A small HTTP client for the API in tests: JSON in, status and JSON out. */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final String baseUrl;
  private final String token;

  ApiClient(String baseUrl, String token) {
    this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), baseUrl, token);
  }

  /** Over {@code http}, e.g. one that trusts a self-signed certificate. */
  ApiClient(HttpClient http, String baseUrl, String token) {
    this.http = http;
    this.baseUrl = baseUrl;
    this.token = token;
  }

  record Response(int status, JsonNode body, String text) {}

  Response get(String path) {
    return send(request(path).GET());
  }

  Response post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Response delete(String path) {
    return send(request(path).DELETE());
  }

  /** A metric's value in {@code /metrics} (the first sample whose name and labels match the regex), -1 when absent. */
  double metric(String sample) {
    Matcher m = Pattern.compile("(?m)^" + sample + "\\s+(\\S+)$").matcher(withToken(null).get("/metrics").text());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  /** The {@code Authorization} header of a device's basic credentials (clip uploads). */
  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  ApiClient withToken(String other) {
    return new ApiClient(http, baseUrl, other);
  }

  /** Every device of the fleet list matching the query, following cursors: id → status. */
  Map<String, String> statuses(String query) {
    Map<String, String> out = new HashMap<>();
    String cursor = null;
    do {
      Response r = get("/api/devices?limit=500&" + query + (cursor == null ? "" : "&cursor=" + cursor));
      if (r.status() != 200) throw new IllegalStateException("GET /api/devices: " + r.status() + " " + r.text());
      r.body().get("items").forEach(d -> out.put(d.get("deviceId").asText(), d.get("status").asText()));
      JsonNode next = r.body().get("nextCursor");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    return out;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(15));
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = null;
      try {
        body = r.body().isEmpty() ? null : JSON.readTree(r.body());
      } catch (IOException notJson) {
        // left null: the test looks at text()
      }
      return new Response(r.statusCode(), body, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
