package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.infra.Endpoints;
import io.fleet.media.ClipStore;
import io.fleet.media.IncompleteUploads;
import io.fleet.media.S3Presigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multipart clip uploads that never complete, on the embedded S3 (S3Proxy on a directory, which lists
 * multipart uploads but has no lifecycle rules): the node finds the bucket cannot abort them itself, and its
 * sweeper aborts those begun longer ago than {@code fleet.clips.incomplete-uploads.abort-after}, leaving
 * younger ones to finish.
 */
class IncompleteUploadsIT {
  private static final Pattern UPLOAD_ID = Pattern.compile("<UploadId>([^<]+)</UploadId>");
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void uploadsBegunLongerAgoThanTheAgeAreAbortedAndYoungerOnesStay(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.clips.incomplete-uploads.abort-after", "1h", "fleet.clips.incomplete-uploads.sweep-interval", "1s")))) {
      Endpoints s3 = app.node().endpoints();
      IncompleteUploads uploads = new IncompleteUploads(app.node().system(), s3);
      IncompleteUploads.AbortRule rule = uploads.ensureAbortRule(1).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(rule.inPlace()).as(rule.detail()).isFalse();
      assertThat(rule.detail()).contains("501");

      Instant now = Instant.now();
      // The young one first: any listing that shows the old one shows it too.
      String young = ClipStore.keyFor("garage-cam", "young", now);
      String old = ClipStore.keyFor("garage-cam", "old", now.minus(Duration.ofHours(2)));
      String youngId = begin(s3, young);
      String oldId = begin(s3, old);

      await("the old upload aborted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> !keys(uploads).contains(old));
      assertThat(keys(uploads)).as("begun %s, younger than the hour", now).contains(young);
      assertThat(parts(s3, old, oldId)).as("the old upload's part freed").isZero();
      assertThat(parts(s3, young, youngId)).as("the young one's part kept").isEqualTo(1);
    }
  }

  /** The parts S3 keeps of the upload (ListParts; pekko-connectors-s3 cannot read S3Proxy's answer): none once aborted. */
  private int parts(Endpoints s3, String key, String uploadId) throws Exception {
    HttpResponse<String> listed = http.send(HttpRequest.newBuilder(signed(s3, "GET", key, Map.of("uploadId", uploadId))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (listed.statusCode() == 404) return 0;
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    return listed.body().split("<PartNumber>", -1).length - 1;
  }

  private static List<String> keys(IncompleteUploads uploads) throws Exception {
    return uploads.list().toCompletableFuture().get(10, TimeUnit.SECONDS).stream().map(IncompleteUploads.Upload::key).toList();
  }

  /** Begins a multipart upload of {@code key} and sends its first part, as a clip upload cut short would. */
  private String begin(Endpoints s3, String key) throws Exception {
    HttpResponse<String> begun = http.send(HttpRequest.newBuilder(signed(s3, "POST", key, Map.of("uploads", "")))
        .header("Content-Type", "video/mp4").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(begun.statusCode()).as(begun.body()).isEqualTo(200);
    Matcher id = UPLOAD_ID.matcher(begun.body());
    assertThat(id.find()).as(begun.body()).isTrue();
    assertThat(putPart(s3, key, id.group(1)).statusCode()).isEqualTo(200);
    return id.group(1);
  }

  private HttpResponse<String> putPart(Endpoints s3, String key, String uploadId) throws Exception {
    return http.send(HttpRequest.newBuilder(signed(s3, "PUT", key, Map.of("partNumber", "1", "uploadId", uploadId)))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI signed(Endpoints s3, String method, String key, Map<String, String> query) {
    return S3Presigner.of(s3).presign(method, URI.create(s3.s3Endpoint()),
        "/" + s3.s3Bucket() + "/" + key, query, Map.of(), Duration.ofMinutes(1), Instant.now());
  }
}
