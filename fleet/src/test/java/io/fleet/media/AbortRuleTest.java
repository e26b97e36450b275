package io.fleet.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fleet.infra.Endpoints;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle rule against a bucket's {@code ?lifecycle} as S3 serves it (a stand-in: neither the embedded
 * S3Proxy nor anything else offline keeps lifecycle rules): put with its Content-MD5 only on a bucket without
 * rules, read back, and never over rules the bucket already has.
 */
class AbortRuleTest {
  private static final String NO_RULES = "<Error><Code>NoSuchLifecycleConfiguration</Code></Error>";
  private final ActorTestKit testKit = ActorTestKit.create("abort-rule");
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private HttpServer s3;
  /** The bucket's lifecycle configuration; null: none. */
  private volatile String rules;
  /** MinIO's way: take the rule, keep it without its AbortIncompleteMultipartUpload. */
  private volatile boolean dropsAbort;

  @BeforeEach
  void bucket() throws IOException {
    s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s3.createContext("/fleet-clips", this::lifecycle);
    s3.start();
  }

  @AfterEach
  void stop() {
    s3.stop(0);
    testKit.shutdownTestKit();
  }

  @Test
  void aBucketWithoutRulesGetsTheAbortRuleOnClipsWithItsChecksum() throws Exception {
    IncompleteUploads.AbortRule rule = uploads().ensureAbortRule(2).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(rule.inPlace()).as(rule.detail()).isTrue();
    assertThat(requests).containsExactly("GET", "PUT", "GET");
    assertThat(rules).contains("<Prefix>clips/</Prefix>", "<DaysAfterInitiation>2</DaysAfterInitiation>");
  }

  @Test
  void aBucketWithRulesOfItsOwnIsLeftAsItIs() throws Exception {
    rules = "<LifecycleConfiguration><Rule><ID>expire-clips</ID><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>";

    IncompleteUploads.AbortRule rule = uploads().ensureAbortRule(1).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(rule.inPlace()).as("nothing aborts them: the sweeper must").isFalse();
    assertThat(requests).containsExactly("GET");
    assertThat(rules).contains("expire-clips");
  }

  @Test
  void aRuleTheBucketTakesButKeepsWithoutTheAbortIsNotInPlace() throws Exception {
    dropsAbort = true;

    IncompleteUploads.AbortRule rule = uploads().ensureAbortRule(1).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(rule.inPlace()).as(rule.detail()).isFalse();
    assertThat(requests).containsExactly("GET", "PUT", "GET");
  }

  private IncompleteUploads uploads() {
    String endpoint = "http://127.0.0.1:" + s3.getAddress().getPort();
    return new IncompleteUploads(testKit.system(), new Endpoints("unused:9092", "tcp://unused:1883", "", "", endpoint,
        "fleet-clips", "us-east-1", "fleet", "secret", "jdbc:h2:mem:unused", "", "", false, false, false, false, null, null));
  }

  private void lifecycle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    requests.add(method);
    byte[] body = exchange.getRequestBody().readAllBytes();
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null || !query.contains("lifecycle=") || !query.contains("X-Amz-Signature=")) {
      answer(exchange, 400, "<Error><Code>InvalidRequest</Code></Error>");
    } else if (method.equals("GET")) {
      if (rules == null) answer(exchange, 404, NO_RULES);
      else answer(exchange, 200, rules);
    } else if (method.equals("PUT")) {
      String md5 = exchange.getRequestHeaders().getFirst("Content-MD5");
      if (md5 == null || !md5.equals(md5Of(body))) {
        answer(exchange, 400, "<Error><Code>InvalidDigest</Code></Error>");
        return;
      }
      String put = new String(body, StandardCharsets.UTF_8);
      rules = dropsAbort ? put.replaceAll("<AbortIncompleteMultipartUpload>.*</AbortIncompleteMultipartUpload>", "") : put;
      answer(exchange, 200, "");
    } else {
      answer(exchange, 405, "");
    }
  }

  private static String md5Of(byte[] body) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) exchange.getResponseBody().write(bytes);
    }
  }
}
