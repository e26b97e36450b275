package io.fleet.media;

import io.fleet.infra.Endpoints;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The multipart uploads in Fleet's bucket that were started under {@code clips/} and never completed: a device
 * that went away mid-clip, a node that crashed while streaming one. Their parts take space (and cost) until
 * they are aborted. Lists and aborts them through pekko-connectors-s3, and asks the bucket to abort them itself
 * with a lifecycle rule (a signed request of its own: the connector has no lifecycle call). Holds no state.
 *
 * <p>When an upload began is the earlier of what S3 says ({@code Initiated}) and the time in its key
 * ({@link ClipStore#keyTime}): S3Proxy, the embedded S3, answers every upload's {@code Initiated} with the time
 * of the listing (its blob stores keep none), so there only the key tells an upload's age.
 */
public final class IncompleteUploads {
  static final String PREFIX = "clips/";
  static final String RULE_ID = "fleet-abort-incomplete-clip-uploads";
  private static final Duration SIGNED_FOR = Duration.ofMinutes(1);

  /** One incomplete upload: its key, S3's id for it, and when it began. */
  public record Upload(String key, String uploadId, Instant startedAt) {}

  /** Whether the bucket aborts incomplete uploads itself, and what S3 answered. */
  public record AbortRule(boolean inPlace, String detail) {}

  private final ActorSystem<?> system;
  private final String bucket;
  private final URI endpoint;
  private final S3Presigner presigner;

  public IncompleteUploads(ActorSystem<?> system, Endpoints endpoints) {
    this.system = system;
    this.bucket = endpoints.s3Bucket();
    this.endpoint = URI.create(endpoints.s3Endpoint());
    this.presigner = S3Presigner.of(endpoints);
  }

  /** Every upload under {@code clips/} that S3 has not completed or aborted. */
  public CompletionStage<List<Upload>> list() {
    return S3.listMultipartUpload(bucket, Optional.of(PREFIX))
        .map(u -> new Upload(u.getKey(), u.getUploadId(), ClipStore.keyTime(u.getKey())
            .filter(t -> t.isBefore(u.getInitiated())).orElse(u.getInitiated())))
        .runWith(Sink.seq(), system);
  }

  /** Aborts one upload: S3 drops its parts, and a part still being sent fails. */
  public CompletionStage<Done> abort(Upload upload) {
    return S3.deleteUpload(bucket, upload.key(), upload.uploadId(), system, Attributes.none());
  }

  /**
   * Makes the bucket abort uploads under {@code clips/} {@code days} after they began: puts a lifecycle rule
   * when the bucket has no lifecycle configuration, then reads it back (MinIO takes the rule and drops its
   * {@code AbortIncompleteMultipartUpload}). A bucket with rules of its own is left as it is (a put would
   * replace them all) and counts as in place only if one of them aborts incomplete uploads. An S3 without
   * lifecycle rules (S3Proxy answers 501) answers not in place; so does a failed call.
   */
  public CompletionStage<AbortRule> ensureAbortRule(int days) {
    return readRules().thenCompose(current -> {
      if (current.status() == 200) {
        return done(new AbortRule(aborts(current), aborts(current)
            ? "the bucket's lifecycle rules abort incomplete uploads"
            : "the bucket has lifecycle rules, none aborting incomplete uploads; left as they are"));
      }
      if (current.status() != 404 || !current.body().contains("NoSuchLifecycleConfiguration")) {
        return done(new AbortRule(false, "S3 answered " + current.status() + " to reading the lifecycle rules: "
            + current.errorCode()));
      }
      byte[] rule = ruleXml(days).getBytes(StandardCharsets.UTF_8);
      String md5 = Base64.getEncoder().encodeToString(md5(rule));
      HttpRequest put = HttpRequest.PUT(signed("PUT", Map.of("Content-MD5", md5)).toString())
          .addHeader(RawHeader.create("Content-MD5", md5))
          .withEntity(HttpEntities.create(ContentTypes.TEXT_XML_UTF8, rule));
      return send(put).thenCompose(answer -> answer.status() / 100 != 2
          ? done(new AbortRule(false, "S3 answered " + answer.status() + " to the lifecycle rule: " + answer.errorCode()))
          : readRules().thenApply(kept -> new AbortRule(aborts(kept), aborts(kept)
              ? "lifecycle rule " + RULE_ID + " set: S3 aborts them after " + days + " day(s)"
              : "S3 took lifecycle rule " + RULE_ID + " but keeps no AbortIncompleteMultipartUpload in it")));
    });
  }

  private CompletionStage<Answer> readRules() {
    return send(HttpRequest.GET(signed("GET", Map.of()).toString()));
  }

  private static boolean aborts(Answer rules) {
    return rules.status() == 200 && rules.body().contains("<AbortIncompleteMultipartUpload>");
  }

  /** The lifecycle configuration Fleet puts on a bucket that has none. */
  static String ruleXml(int days) {
    return "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ID>" + RULE_ID + "</ID>"
        + "<Filter><Prefix>" + PREFIX + "</Prefix></Filter><Status>Enabled</Status>"
        + "<AbortIncompleteMultipartUpload><DaysAfterInitiation>" + days + "</DaysAfterInitiation>"
        + "</AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>";
  }

  private URI signed(String method, Map<String, String> headers) {
    return presigner.presign(method, endpoint, "/" + bucket, Map.of("lifecycle", ""), headers, SIGNED_FOR, Instant.now());
  }

  private record Answer(int status, String body) {
    String errorCode() {
      int start = body.indexOf("<Code>");
      int end = body.indexOf("</Code>");
      return start >= 0 && end > start ? body.substring(start + 6, end) : "no S3 error code";
    }
  }

  private CompletionStage<Answer> send(HttpRequest request) {
    return Http.get(system).singleRequest(request).thenCompose((HttpResponse response) ->
        response.entity().toStrict(SIGNED_FOR.toMillis(), system)
            .thenApply(strict -> new Answer(response.status().intValue(), strict.getData().utf8String())));
  }

  private static CompletionStage<AbortRule> done(AbortRule rule) {
    return CompletableFuture.completedFuture(rule);
  }

  private static byte[] md5(byte[] bytes) {
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MD5 is part of every Java runtime", e);
    }
  }
}
