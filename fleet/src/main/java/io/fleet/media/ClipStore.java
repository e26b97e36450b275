package io.fleet.media;

import io.fleet.device.StoredClip;
import io.fleet.infra.Endpoints;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.connectors.s3.MultipartUploadResult;
import org.apache.pekko.stream.connectors.s3.ObjectMetadata;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

/**
 * Clips in Fleet's bucket, through pekko-connectors-s3 (configured by {@code Infrastructure.pekkoOverlay}).
 * Keys encode device and time: {@code clips/<deviceId>/<yyyy-MM-dd>/<HHmmss>Z-<clipId>}. Uploads stream
 * as S3 multipart uploads (parts of {@code pekko.connectors.s3.multipart-upload} size), so a clip is
 * never whole in memory. A clip counts as stored only after a HEAD finds it with a plausible size and a
 * video (or octet-stream) content type. Holds no state; S3 failures are retried with backoff by
 * {@link #check}, so a down S3 delays, never loses.
 */
public final class ClipStore {
  /** Clip ids: what device ids allow, so a clip id is safe in a key and a URL path. */
  public static final Pattern CLIP_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final ActorSystem<?> system;
  private final String bucket;
  private final String bucketUrl;

  public ClipStore(ActorSystem<?> system, Endpoints endpoints) {
    this.system = system;
    this.bucket = endpoints.s3Bucket();
    this.bucketUrl = stripSlash(endpoints.s3Endpoint()) + "/" + bucket + "/";
  }

  public static boolean isValidClipId(String clipId) {
    return clipId != null && CLIP_ID.matcher(clipId).matches();
  }

  public static String keyFor(String deviceId, String clipId, Instant at) {
    return "clips/" + deviceId + "/" + DAY.format(at) + "/" + TIME.format(at) + "-" + clipId;
  }

  /** The object's path-style URL in Fleet's bucket. */
  public String urlOf(String key) {
    return bucketUrl + key;
  }

  /** The key of a URL that points into Fleet's bucket (path style), or empty for a foreign URL. */
  public Optional<String> keyOf(String url) {
    if (url == null || !url.startsWith(bucketUrl) || url.length() == bucketUrl.length()) return Optional.empty();
    String key = url.substring(bucketUrl.length());
    int query = key.indexOf('?');
    return Optional.of(query < 0 ? key : key.substring(0, query));
  }

  /** A streaming multipart upload to {@code key}; completes once S3 completed the upload. */
  public Sink<ByteString, CompletionStage<MultipartUploadResult>> upload(String key, ContentType contentType) {
    return S3.multipartUpload(bucket, key, contentType);
  }

  /**
   * HEADs {@code key}: the stored clip when it exists with a plausible size ({@code expectedSize} when
   * not negative) and content type, else empty. S3 errors are retried with backoff for up to
   * {@code patience}, then the stage fails.
   */
  public CompletionStage<Optional<StoredClip>> check(String clipId, String key, long expectedSize, Duration patience) {
    CompletionStage<Optional<ObjectMetadata>> head = Patterns.retry(
        () -> S3.getObjectMetadata(bucket, key).runWith(Sink.head(), system),
        (int) Math.max(1, patience.toMillis() / 500), Duration.ofMillis(200), Duration.ofSeconds(5), 0.2, system);
    return head.thenApply(found -> found
        .filter(m -> m.getContentLength() > 0 && (expectedSize < 0 || m.getContentLength() == expectedSize))
        .filter(m -> isClipContentType(m.getContentType().orElse("")))
        .map(m -> new StoredClip(clipId, key, urlOf(key), m.getContentLength(),
            m.getContentType().orElse(""), Instant.now())));
  }

  public static boolean isClipContentType(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith("video/") || type.startsWith(ContentTypes.APPLICATION_OCTET_STREAM.mediaType().toString());
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
