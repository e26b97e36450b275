package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;

/**
 * Uploads a clip straight into Fleet's bucket, as the original cameras did: asks Fleet for a presigned
 * URL ({@code POST /api/devices/{id}/clips}, HTTP Basic with the device's MQTT credentials, declaring the
 * clip's length and type, which the URL is then bound to), then PUTs the clip to S3. Any failure is an
 * {@link IOException}: the caller keeps the clip and tries again — unless it is a {@link Refused}, which trying
 * again cannot mend. Holds one device's identity and an HTTP client, which many
 * devices may share (the simulator's cameras do); keeps nothing on disk, so a crash loses no state of its own.
 */
public final class ClipUpload {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "video/mp4";
  private final HttpClient http;
  private final URI fleetApi;
  private final String deviceId;
  private final String authorization;

  /** A clip in Fleet's bucket: the id Fleet issued for it and its object URL (the presigned URL without its query). */
  public record Stored(String clipId, String url) {}

  /**
   * Fleet or S3 refused this clip for good: a 4xx answer (unauthorized, unknown device, too large, ...) other than
   * 408 and 429, which ask to come back later. The same request would be refused again, so the clip is lost.
   */
  public static final class Refused extends IOException {
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status of the refusal. */
    public int status() {
      return status;
    }
  }

  /** An upload for one device, sharing {@code http} (see {@link #httpClient()}). */
  public ClipUpload(HttpClient http, URI fleetApi, String deviceId, String password) {
    this.http = http;
    this.fleetApi = fleetApi;
    this.deviceId = deviceId;
    this.authorization = "Basic " + Base64.getEncoder().encodeToString((deviceId + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  ClipUpload(URI fleetApi, String deviceId, String password) {
    this(httpClient(), fleetApi, deviceId, password);
  }

  public static HttpClient httpClient() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** A client for an {@code https://} API whose certificate {@code tls} trusts. */
  public static HttpClient httpClient(SSLContext tls) {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
  }

  /** Returns the clip as stored, once S3 has the file, streamed from disk. */
  Stored upload(Path clip) throws IOException, InterruptedException {
    HttpRequest.BodyPublisher body;
    try {
      body = HttpRequest.BodyPublishers.ofFile(clip);
    } catch (FileNotFoundException e) {
      throw new IOException("the clip " + clip + " is gone", e);
    }
    try {
      return uploadAsync(body).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /**
   * The same without blocking: completes once S3 has {@code clip}, or fails with an {@link IOException}
   * (wrapped in a {@link CompletionException}).
   */
  public CompletableFuture<Stored> uploadAsync(HttpRequest.BodyPublisher clip) {
    long length = clip.contentLength();
    if (length < 0) return CompletableFuture.failedFuture(new IllegalArgumentException("a clip of unknown length"));
    // Fleet signs the URL for exactly this length and type: S3 refuses any other.
    String declared = JSON.createObjectNode().put("length", length).put("contentType", CONTENT_TYPE).toString();
    HttpRequest slotRequest = HttpRequest.newBuilder(fleetApi.resolve("/api/devices/" + deviceId + "/clips"))
        .timeout(Duration.ofSeconds(15)).header("Authorization", authorization).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(declared)).build();
    return http.sendAsync(slotRequest, HttpResponse.BodyHandlers.ofString()).thenCompose(slot -> {
      if (slot.statusCode() != 201) throw failure(slot.statusCode(), "Fleet refused an upload slot: " + slot.statusCode() + " " + slot.body());
      JsonNode body = parse(slot.body());
      String clipId = body.get("clipId").asText();
      String presigned = body.get("url").asText();
      int query = presigned.indexOf('?');
      Stored stored = new Stored(clipId, query < 0 ? presigned : presigned.substring(0, query));
      HttpRequest put = HttpRequest.newBuilder(URI.create(presigned))
          .timeout(Duration.ofMinutes(5)).header("Content-Type", CONTENT_TYPE).PUT(clip).build();
      return http.sendAsync(put, HttpResponse.BodyHandlers.ofString()).thenApply(answer -> {
        if (answer.statusCode() / 100 != 2) throw failure(answer.statusCode(), "S3 refused the clip: " + answer.statusCode() + " " + answer.body());
        return stored;
      });
    });
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  private static CompletionException failure(int status, String message) {
    return new CompletionException(refusedForGood(status) ? new Refused(status, message) : new IOException(message));
  }

  /** 5xx (Fleet's 503 while S3 is away), 408 and 429 are for now; any other 4xx is about the request itself. */
  static boolean refusedForGood(int status) {
    return status / 100 == 4 && status != 408 && status != 429;
  }
}
