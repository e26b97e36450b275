package io.fleet.media;

import io.fleet.device.StoredClip;
import io.fleet.infra.Endpoints;
import io.fleet.metrics.FleetMetrics;
import java.net.URI;
import java.security.SecureRandom;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.connectors.s3.ListBucketResultContents;
import org.apache.pekko.stream.connectors.s3.MultipartUploadResult;
import org.apache.pekko.stream.connectors.s3.ObjectMetadata;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clips in Fleet's bucket, through pekko-connectors-s3 (configured by {@code Infrastructure.pekkoOverlay}).
 * Keys encode device and time: {@code clips/<deviceId>/<yyyy-MM-dd>/<HHmmss>Z-<clipId>}. Uploads stream
 * as S3 multipart uploads (parts of {@code pekko.connectors.s3.multipart-upload} size), so a clip is
 * never whole in memory. A clip counts as stored only after a HEAD finds it with a plausible size and a
 * video (or octet-stream) content type. Devices may also upload straight to S3 with a presigned URL
 * for a clip id Fleet issued, whose key is derived from the id; the URL is bound to that key and to the
 * length and type the device declared. S3 failures are retried with backoff by
 * {@link #check}, so a down S3 delays, never loses.
 *
 * <p>State: a circuit breaker over S3, in memory. After {@value #BREAKER_FAILURES} failed or timed-out
 * calls in a row it opens: checks fail at once (and keep retrying with their own backoff) and uploads are
 * refused at once with 503, instead of queueing in the HTTP connection pool behind a dead S3. It lets one
 * call through after a second, then after longer pauses (up to 15 s) until one succeeds. A restarted node
 * starts with it closed. Gauge {@code fleet_s3_available} is 0 while it is open.
 */
public final class ClipStore {
  /** Clip ids: what device ids allow, so a clip id is safe in a key and a URL path. */
  public static final Pattern CLIP_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ISSUED = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  /** Clip ids Fleet hands out with presigned URLs: their time, so their key can be derived from them. */
  private static final Pattern ISSUED_ID = Pattern.compile("(\\d{8}T\\d{6}Z)-[0-9a-f]{12}");
  /** A key's day and time, as {@link #keyFor} writes them. */
  private static final Pattern KEY_TIME = Pattern.compile("clips/[^/]+/(\\d{4}-\\d{2}-\\d{2})/(\\d{6})Z-");
  private static final DateTimeFormatter KEY_INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger log = LoggerFactory.getLogger(ClipStore.class);
  static final int BREAKER_FAILURES = 5;
  /** A HEAD that has not answered in this long counts as failed (a stopped S3 may leave calls hanging). */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final String bucket;
  private final String bucketUrl;
  private final URI endpoint;
  private final URI publicEndpoint;
  private final String publicBucketUrl;
  private final S3Presigner presigner;
  private final CircuitBreaker breaker;

  public ClipStore(ActorSystem<?> system, Endpoints endpoints) {
    this.system = system;
    this.bucket = endpoints.s3Bucket();
    this.bucketUrl = stripSlash(endpoints.s3Endpoint()) + "/" + bucket + "/";
    this.endpoint = URI.create(endpoints.s3Endpoint());
    this.publicEndpoint = URI.create(endpoints.s3PublicEndpoint());
    this.publicBucketUrl = stripSlash(endpoints.s3PublicEndpoint()) + "/" + bucket + "/";
    this.presigner = S3Presigner.of(endpoints);
    this.breaker = CircuitBreaker.create(system.classicSystem().scheduler(), BREAKER_FAILURES, CALL_TIMEOUT,
            Duration.ofSeconds(1))
        .withExponentialBackoff(Duration.ofSeconds(15))
        .addOnOpenListener(() -> log.warn("S3 at {} is failing; checks and uploads fail fast until it answers again", endpoint))
        .addOnCloseListener(() -> log.info("S3 at {} answers again", endpoint));
    FleetMetrics.get(system).registry().gauge("fleet_s3_available", breaker, b -> b.isOpen() ? 0 : 1);
  }

  /** False while S3 has been failing (the circuit breaker is open): an upload now would only fail. */
  public boolean available() {
    return !breaker.isOpen();
  }

  /** An upload to S3 failed on S3's side: counts towards opening the breaker. */
  public void uploadFailed() {
    breaker.fail();
  }

  /** An upload to S3 completed: S3 answers. */
  public void uploadSucceeded() {
    breaker.succeed();
  }

  /** A new clip id for a presigned upload: its time and 48 random bits. */
  public static String issueClipId(Instant now) {
    byte[] random = new byte[6];
    RANDOM.nextBytes(random);
    return ISSUED.format(now) + "-" + HexFormat.of().formatHex(random);
  }

  /** The key of a clip id Fleet issued (see {@link #issueClipId}); empty for any other clip id. */
  public static Optional<String> issuedKey(String deviceId, String clipId) {
    if (clipId == null) return Optional.empty();
    Matcher m = ISSUED_ID.matcher(clipId);
    if (!m.matches()) return Optional.empty();
    try {
      return Optional.of(keyFor(deviceId, clipId, ISSUED.parse(m.group(1), Instant::from)));
    } catch (DateTimeException e) {
      // Shaped like an issued id but no real time (month 99): not one Fleet issued.
      return Optional.empty();
    }
  }

  /**
   * A URL the device can {@code PUT} the clip to, straight into the bucket, for {@code ttl} from
   * {@code issuedAt}: only to {@code key}, and only with exactly the headers {@link #uploadHeaders} names
   * (S3 refuses a body of another length or type with 403).
   */
  public URI presignedPut(String key, long length, String contentType, Duration ttl, Instant issuedAt) {
    return presigner.presign("PUT", publicEndpoint, "/" + bucket + "/" + key, Map.of(),
        uploadHeaders(length, contentType), ttl, issuedAt);
  }

  /** The headers a presigned upload is bound to, as the device must send them. */
  public static Map<String, String> uploadHeaders(long length, String contentType) {
    return Map.of("Content-Length", Long.toString(length), "Content-Type", contentType);
  }

  /** A URL that reads the clip straight from the bucket for {@code ttl}; S3 serves ranges, so players can seek. */
  public URI presignedGet(String key, Duration ttl) {
    return presigner.presign("GET", publicEndpoint, "/" + bucket + "/" + key, ttl, Instant.now());
  }

  public static boolean isValidClipId(String clipId) {
    return clipId != null && CLIP_ID.matcher(clipId).matches();
  }

  /** Whether {@code key} lies under the device's own prefix, {@code clips/<deviceId>/}. */
  public static boolean isKeyOf(String deviceId, String key) {
    return key.startsWith("clips/" + deviceId + "/") && !key.contains("/../");
  }

  /** Deletes one object (S3 answers the same for a key that is not there). */
  public CompletionStage<Done> delete(String key) {
    return S3.deleteObject(bucket, key).runWith(Sink.head(), system);
  }

  /** Deletes these objects, a few at a time. */
  public CompletionStage<Done> deleteAll(List<String> keys) {
    return Source.from(keys).mapAsync(4, this::delete).runWith(Sink.ignore(), system);
  }

  /**
   * Deletes every object under the device's folder ({@code clips/<deviceId>/}); answers how many clips there
   * were. The embedded S3 (S3Proxy on a directory) also lists the folders themselves (keys ending in '/'):
   * they are not counted and go last, deepest first, once they are empty.
   */
  public CompletionStage<Long> deleteAllOf(String deviceId) {
    return S3.listBucket(bucket, Optional.of("clips/" + deviceId + "/")).map(ListBucketResultContents::key)
        .runWith(Sink.seq(), system)
        .thenCompose(keys -> {
          List<String> clips = keys.stream().filter(k -> !k.endsWith("/")).toList();
          List<String> folders = keys.stream().filter(k -> k.endsWith("/")).sorted(Comparator.reverseOrder()).toList();
          return deleteAll(clips)
              .thenCompose(deleted -> Source.from(folders).mapAsync(1, this::delete).runWith(Sink.ignore(), system))
              .thenApply(deleted -> (long) clips.size());
        });
  }

  public static String keyFor(String deviceId, String clipId, Instant at) {
    return "clips/" + deviceId + "/" + DAY.format(at) + "/" + TIME.format(at) + "-" + clipId;
  }

  /** The time a key of {@link #keyFor} names (to the second), or empty for a key of another shape. */
  public static Optional<Instant> keyTime(String key) {
    Matcher m = KEY_TIME.matcher(key);
    if (!m.lookingAt()) return Optional.empty();
    try {
      return Optional.of(KEY_INSTANT.parse(m.group(1) + "T" + m.group(2), Instant::from));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  /** The object's path-style URL in Fleet's bucket, as devices and people reach S3 (alerts name it). */
  public String urlOf(String key) {
    return publicBucketUrl + key;
  }

  /**
   * The key of a URL that points into Fleet's bucket (path style, by Fleet's address of S3 or the public
   * one devices use), or empty for a foreign URL.
   */
  public Optional<String> keyOf(String url) {
    if (url == null) return Optional.empty();
    String prefix = url.startsWith(bucketUrl) ? bucketUrl : url.startsWith(publicBucketUrl) ? publicBucketUrl : null;
    if (prefix == null || url.length() == prefix.length()) return Optional.empty();
    String key = url.substring(prefix.length());
    int query = key.indexOf('?');
    return Optional.of(query < 0 ? key : key.substring(0, query));
  }

  /** A streaming multipart upload to {@code key}; completes once S3 completed the upload. */
  public Sink<ByteString, CompletionStage<MultipartUploadResult>> upload(String key, ContentType contentType) {
    return S3.multipartUpload(bucket, key, contentType);
  }

  /**
   * HEADs {@code key}: the stored clip when it exists with a plausible size ({@code expectedSize} when
   * not negative) and content type, else empty. S3 errors are retried with backoff (200 ms doubling to
   * 5 s) as long as the pauses add up to no more than {@code patience}, then the stage fails; it fails at
   * the latest {@code patience} plus one call's timeout after the call, however slowly S3 fails.
   */
  public CompletionStage<Optional<StoredClip>> check(String clipId, String key, long expectedSize, Duration patience) {
    Duration first = Duration.ofMillis(200);
    Duration most = Duration.ofSeconds(5);
    CompletionStage<Optional<ObjectMetadata>> head = Patterns.retry(
        () -> breaker.callWithCircuitBreakerCS(() -> S3.getObjectMetadata(bucket, key).runWith(Sink.head(), system)),
        retriesWithin(patience, first, most), first, most, 0.2, system);
    // On the actor dispatcher: a callback on the converted Scala future would start a thread of its own.
    return head.toCompletableFuture().orTimeout(patience.plus(CALL_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)
        .thenApplyAsync(found -> found
        .filter(m -> m.getContentLength() > 0 && (expectedSize < 0 || m.getContentLength() == expectedSize))
        .filter(m -> isClipContentType(m.getContentType().orElse("")))
        .map(m -> new StoredClip(clipId, key, urlOf(key), m.getContentLength(),
            m.getContentType().orElse(""), Instant.now())), system.executionContext());
  }

  /** How many retries, pausing {@code first} doubling up to {@code most}, fit in {@code patience}. */
  static int retriesWithin(Duration patience, Duration first, Duration most) {
    int retries = 0;
    long waited = 0;
    long pause = first.toMillis();
    while (waited + pause <= patience.toMillis()) {
      waited += pause;
      retries++;
      pause = Math.min(pause * 2, most.toMillis());
    }
    return retries;
  }

  public static boolean isClipContentType(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith("video/") || type.startsWith(ContentTypes.APPLICATION_OCTET_STREAM.mediaType().toString());
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
