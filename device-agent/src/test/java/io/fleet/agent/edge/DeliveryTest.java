package io.fleet.agent.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The delivery loop against a real HTTP server standing in for Fleet's upload endpoint and S3's presigned PUT: a
 * clip refused for good is lost and its event still goes out, a clip refused for now is tried again.
 */
class DeliveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIP_BYTES = 4096;

  /** What the publisher was given: the event and the clip it names (null: none). */
  record Published(ObjectNode event, ClipUpload.Stored clip) {}

  @TempDir Path dir;
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final MotionPublisher publisher = new MotionPublisher() {
    @Override
    public void publish(ObjectNode event, ClipUpload.Stored clip) {
      published.add(new Published(event, clip));
    }

    @Override
    public void close() {}
  };
  private final AtomicInteger slotStatus = new AtomicInteger(201);
  private final AtomicInteger putStatus = new AtomicInteger(200);
  private final AtomicInteger clips = new AtomicInteger();
  private HttpServer server;
  private Outbox outbox;

  @BeforeEach
  void fleetAndS3() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/devices/cam/clips", exchange -> {
      // As Fleet does: no upload URL without the clip's length declared.
      JsonNode declared = JSON.readTree(exchange.getRequestBody().readAllBytes());
      if (declared.path("length").asLong() != CLIP_BYTES) {
        answer(exchange, 400, "{\"error\":\"length required\"}");
        return;
      }
      String clipId = "clip-" + clips.incrementAndGet();
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bucket/" + clipId + "?X-Amz-Signature=s";
      answer(exchange, slotStatus.get(), "{\"clipId\":\"" + clipId + "\",\"url\":\"" + url + "\"}");
    });
    server.createContext("/bucket/", exchange -> answer(exchange, putStatus.get(), ""));
    server.start();
    outbox = new Outbox(dir.resolve("outbox"), 1_000_000);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @ParameterizedTest(name = "{0} answers {1}")
  @CsvSource({"slot, 401", "slot, 404", "slot, 413", "put, 401", "put, 404", "put, 413"})
  void aClipRefusedForGoodIsLostCountedAndItsEventGoesOutWithoutItAheadOfTheNext(String refuser, int status)
      throws Exception {
    (refuser.equals("slot") ? slotStatus : putStatus).set(status);
    long first = outbox.add(event("e-1"), true);
    outbox.attachClip(first, clip());
    outbox.add(event("e-2"), false);
    Delivery delivery = new Delivery(outbox, upload(server.getAddress().getPort()), publisher);
    Thread loop = new Thread(delivery, "test-deliver");
    loop.start();
    try {
      await("both events published").atMost(Duration.ofSeconds(10)).until(() -> published.size() == 2);
    } finally {
      delivery.stop();
      loop.interrupt();
      loop.join(5_000);
    }

    assertThat(published).extracting(p -> p.event().get("event_id").asText()).containsExactly("e-1", "e-2");
    Published e1 = published.get(0);
    assertThat(e1.clip()).as("naming no clip").isNull();
    assertThat(e1.event().has("clip_id")).isFalse();
    assertThat(e1.event().has("url")).isFalse();
    assertThat(delivery.lostClips()).isEqualTo(1);
    assertThat(delivery.delivered()).isEqualTo(2);
    assertThat(clips.get()).as("asked once, not again").isEqualTo(1);
    assertThat(outbox.size()).isZero();
    assertThat(dir.resolve("outbox").resolve(first + ".mp4")).doesNotExist();
  }

  @ParameterizedTest(name = "{0} answers {1}")
  @CsvSource({"slot, 503", "slot, 429", "slot, 408", "put, 500", "put, 503"})
  void aClipRefusedForNowKeepsItsEventQueuedAndGoesWithItOnTheNextTry(String refuser, int status) throws Exception {
    (refuser.equals("slot") ? slotStatus : putStatus).set(status);
    outbox.attachClip(outbox.add(event("e-1"), true), clip());
    Delivery delivery = new Delivery(outbox, upload(server.getAddress().getPort()), publisher);

    assertThatThrownBy(() -> delivery.deliverOldest(0)).isInstanceOf(IOException.class)
        .isNotInstanceOf(ClipUpload.Refused.class);
    assertThat(published).isEmpty();
    assertThat(outbox.oldest(0).orElseThrow().clip()).as("the clip kept for the next try").isPresent();

    slotStatus.set(201);
    putStatus.set(200);
    assertThat(delivery.deliverOldest(0)).isTrue();
    assertThat(published).singleElement().extracting(p -> p.clip().clipId()).isEqualTo("clip-2");
    assertThat(delivery.lostClips()).isZero();
  }

  @Test
  void fleetUnreachableKeepsTheEventAndItsClipQueued() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    outbox.attachClip(outbox.add(event("e-1"), true), clip());
    Delivery delivery = new Delivery(outbox, upload(closedPort), publisher);

    assertThatThrownBy(() -> delivery.deliverOldest(0)).isInstanceOf(IOException.class)
        .isNotInstanceOf(ClipUpload.Refused.class);
    assertThat(published).isEmpty();
    assertThat(delivery.lostClips()).isZero();
    assertThat(outbox.oldest(0).orElseThrow().clip()).isPresent();
  }

  private static ClipUpload upload(int port) {
    return new ClipUpload(URI.create("http://127.0.0.1:" + port), "cam", "secret");
  }

  private Path clip() throws IOException {
    return Files.write(Files.createTempFile(dir, "clip", ".mp4"), new byte[CLIP_BYTES]);
  }

  private static ObjectNode event(String id) {
    return JSON.createObjectNode().put("event_id", id).put("ts", "2026-11-23T20:00:00Z");
  }

  /** Reads the whole request first: the client would otherwise see a broken pipe instead of the status. */
  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) exchange.getResponseBody().write(bytes);
    }
  }
}
