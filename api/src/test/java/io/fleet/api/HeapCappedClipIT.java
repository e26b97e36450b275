package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import io.fleet.infra.EmbeddedMqttBroker;
import io.fleet.infra.EmbeddedS3;
import io.fleet.media.S3Presigner;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The motion pipeline's memory bound: a Fleet node whose JVM heap is capped at {@value #HEAP} takes a
 * 200 MB clip (see {@link #CLIP_MB}) streamed with {@code PUT /api/devices/{id}/clips/{clipId}} and stores it in
 * S3 with the same bytes before the motion alert goes out. Were the clip held whole, the node would run
 * out of memory. Kafka, the MQTT broker and S3 run in this JVM; the node, with its H2 database, runs in a
 * child JVM, and its {@code /metrics} heap figure is sampled during the upload.
 */
class HeapCappedClipIT {
  private static final String HEAP = "96m";
  /** 200 MB in {@code mvn verify}; {@code -Dfleet.it.clip-mb=1024} runs the 1 GB figure of BENCHMARKS.md. */
  private static final long CLIP_MB = Long.getLong("fleet.it.clip-mb", 200);
  private static final String DEVICE_SECRET = "it-heap-capped-device-secret";
  private static final Pattern HEAP_USED = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"[^}]*}\\s+(\\S+)$");

  @Test
  void a200MbClipStreamsThroughANodeWithA96MbHeapIntoS3BeforeItsAlert(@TempDir Path serverDir, @TempDir Path nodeDir)
      throws Exception {
    DataDirectory servers = DataDirectory.open(serverDir);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(servers);
        EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(servers, DeviceCredentials.derivedOnly(new DerivedPasswords(DEVICE_SECRET)));
        EmbeddedS3 s3 = EmbeddedS3.start(servers, "fleet-clips");
        AlertsTopic alerts = new AlertsTopic(kafka.bootstrap(), "fleet.alerts")) {
      ChildNode node = ChildNode.start(CappedNode.class, HEAP, "port", nodeDir.toString(), kafka.bootstrap(),
          broker.url(), broker.servicePassword(), s3.endpoint(), s3.secretKey());
      try {
        node.awaitCount(1, Duration.ofSeconds(120));
        String baseUrl = "http://127.0.0.1:" + node.count();
        ApiClient api = new ApiClient(baseUrl, CappedNode.OPERATOR_TOKEN);
        var registered = api.post("/api/devices", "{\"deviceId\": \"capped-cam\", \"type\": \"camera\"}");
        assertThat(registered.status()).as(registered.text()).isEqualTo(201);
        String password = registered.body().get("mqtt").get("password").asText();
        Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(broker.url(), broker.serviceUser(), broker.servicePassword());
        TestMqtt.publish(mqtt, "fleet/capped-cam/motion",
            "{\"event_id\": \"big\", \"ts\": \"" + Instant.now() + "\", \"clip_id\": \"big-clip\"}");
        mqtt.disconnect();

        GeneratedClip clip = new GeneratedClip(CLIP_MB * 1024 * 1024, 7);
        HttpClient http = HttpClient.newHttpClient();
        HeapSampler heap = new HeapSampler(http, baseUrl);
        heap.start();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/devices/capped-cam/clips/big-clip"))
            .header("Authorization", ApiClient.basic("capped-cam", password))
            .header("Content-Type", "video/mp4")
            .timeout(Duration.ofMinutes(3 + CLIP_MB / 100))
            .PUT(clip.body())
            .build(), HttpResponse.BodyHandlers.ofString());
        heap.interrupt();
        heap.join();
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        String key = Json.MAPPER.readTree(put.body()).get("key").asText();
        System.out.printf("HeapCappedClipIT: %d MB clip through a node with -Xmx%s, peak heap used %d MB (%d samples)%n",
            CLIP_MB, HEAP, heap.peak() / (1024 * 1024), heap.samples());
        assertThat(heap.samples()).as("heap samples taken during the upload").isPositive();

        await("the motion alert").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> alerts.of("capped-cam").size() == 1);
        AlertsTopic.Seen seen = alerts.of("capped-cam").get(0);
        assertThat(seen.polledAtNanos()).as("the alert came after the clip's last byte").isGreaterThan(clip.lastByteAtNanos());
        JsonNode alert = seen.alert();
        assertThat(alert.get("clip_verified").asBoolean()).isTrue();
        assertThat(alert.get("url").asText()).endsWith("/" + key);
        assertThat(sha256(http, s3, key)).as("the stored object's bytes").isEqualTo(clip.sha256());
        node.awaitCount(1, Duration.ofSeconds(1));
      } catch (Exception | AssertionError e) {
        System.out.println("HeapCappedClipIT: the node's last output:" + System.lineSeparator() + node.tail(60));
        throw e;
      } finally {
        node.kill();
      }
    }
  }

  /** Reads the object back over the S3 protocol (a presigned GET), hashing it as it streams. */
  private static String sha256(HttpClient http, EmbeddedS3 s3, String key) throws Exception {
    URI get = new S3Presigner(s3.accessKey(), s3.secretKey(), "us-east-1")
        .presign("GET", URI.create(s3.endpoint()), "/fleet-clips/" + key, Duration.ofMinutes(5), Instant.now());
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Reads the node's heap in use from {@code /metrics} until interrupted, keeping the largest figure. */
  private static final class HeapSampler extends Thread {
    private final HttpClient http;
    private final URI metrics;
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();

    HeapSampler(HttpClient http, String baseUrl) {
      super("heap-sampler");
      this.http = http;
      this.metrics = URI.create(baseUrl + "/metrics");
    }

    @Override
    public void run() {
      while (!isInterrupted()) {
        try {
          String text = http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer " + CappedNode.OPERATOR_TOKEN).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          long used = 0;
          Matcher m = HEAP_USED.matcher(text);
          while (m.find()) used += (long) Double.parseDouble(m.group(1));
          peak.accumulateAndGet(used, Math::max);
          samples.incrementAndGet();
          // A sampling period, not synchronisation.
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // a sample lost; the next one counts
        }
      }
    }

    long peak() {
      return peak.get();
    }

    long samples() {
      return samples.get();
    }
  }

  /** The node under test: Fleet on the given servers, H2 in its data directory; prints {@code port <http port>}. */
  public static final class CappedNode {
    static final String OPERATOR_TOKEN = "it-operator-token";

    public static void main(String[] args) throws Exception {
      var config = new TestServers("embedded", null, null).config(Path.of(args[0]), "capped", Map.of(
          "fleet.kafka.bootstrap", args[1],
          "fleet.mqtt.url", args[2],
          "fleet.mqtt.user", EmbeddedMqttBroker.SERVICE_USER,
          "fleet.mqtt.password", args[3],
          "fleet.s3.endpoint", args[4],
          "fleet.s3.access-key", EmbeddedS3.ACCESS_KEY,
          "fleet.s3.secret-key", args[5],
          "fleet.device-secret", DEVICE_SECRET,
          "fleet.motion.clip-wait", "120s"));
      FleetApp app = FleetApp.start(config);
      System.out.println("port " + app.httpPort());
      Thread.currentThread().join();
    }
  }
}
