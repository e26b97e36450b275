package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.frames.FrameHeaders;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hundreds of generated hostile inputs ({@link HostileInputs}) on every road into one running node —
 * MQTT on every topic shape, raw records on {@code fleet.device-events}, {@code ksql_motion_events} and
 * {@code fleet.frames}, odd HTTP requests — among them the two that once stopped or froze Fleet: a
 * motion report naming clip {@code 20259999T999999Z-…} and a heartbeat from the year 2999. Afterwards
 * every stream still runs and has never restarted, every input is accounted for (dead-lettered with a
 * reason, or taken), well-behaved devices come online and new ones register, and no HTTP request got a
 * 5xx. The seed is printed; {@code -Dfleet.it.seed=N} repeats a run.
 */
class HostileInputIT {
  private static final int MQTT_CASES = 130;
  private static final int DEVICE_EVENT_CASES = 50;
  private static final int SEED_CASES = 25;
  private static final int FRAME_CASES = 25;

  /**
   * One input and how to tell it was not lost: its dead letter's source names {@code marker}, or the device
   * {@code taken} exists. Fleet takes two kinds of valid input without keeping anything, by design: the
   * status word of a device it does not know (a retained "offline" must not bring a device back), and
   * OwnTracks messages other than locations (counted as ignored); those are {@code ignorable}.
   */
  private record Case(String what, String marker, String taken, boolean ignorable) {
    Case(String what, String marker, String taken) {
      this(what, marker, taken, false);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.fleet.api.TestServers#all")
  void noHostileInputStopsAStreamFreezesADeviceOrIsLost(TestServers servers, @TempDir Path dataDir) throws Exception {
    long seed = Long.getLong("fleet.it.seed", System.nanoTime());
    System.out.println("HostileInputIT seed " + seed + " (repeat with -Dfleet.it.seed=" + seed + ")");
    HostileInputs inputs = new HostileInputs(seed);
    String run = UUID.randomUUID().toString().substring(0, 6);
    try (FleetApp app = FleetApp.start(servers.config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.clips.upload-idle-timeout", "2s")))) {
      Endpoints e = app.node().endpoints();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(e);
      String camera = "cam-" + run;
      assertThat(api.post("/api/devices", "{\"deviceId\":\"" + camera + "\",\"type\":\"camera\"}").status()).isEqualTo(201);

      List<Case> cases = new ArrayList<>();
      // The message that stopped the device-event consumer for good.
      TestMqtt.publish(mqtt, "fleet/" + camera + "/motion",
          "{\"event_id\":\"x\",\"ts\":1700000000,\"clip_id\":\"20259999T999999Z-000000000000\"}");
      cases.addAll(mqttCases(mqtt, inputs, run, app.node().ingestSettings().maxPayloadBytes()));
      try (KafkaProducer<String, byte[]> producer = producer(e)) {
        cases.addAll(deviceEventCases(producer, inputs, run, app.node().ingestSettings().deviceEventsTopic()));
        cases.addAll(seedCases(producer, inputs, run, app.node().ingestSettings().motionEventsTopic()));
        cases.addAll(frameCases(producer, inputs, run, "fleet.frames"));
      }
      assertThat(cases.size()).as("generated cases").isGreaterThanOrEqualTo(200);

      vitalsAreNotFrozenByAClockFromTheFuture(api, mqtt, "vit-" + run);
      String late = "late-" + run;
      TestMqtt.publish(mqtt, "fleet/" + late + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\",\"battery\":50}");
      await("a device new after the hostile input registers").atMost(Duration.ofSeconds(60))
          .until(() -> "online".equals(api.get("/api/devices/" + late).body().path("status").asText()));

      wellBehavedDevicesGoOfflineOnTimeAndTheirAlertsArrive(api, mqtt, run);
      everyCaseIsAccountedFor(cases, e, app.node().ingestSettings().deadLettersTopic(), api);
      oddHttpRequestsGetA4xxJsonErrorAndNever5xx(app.baseUrl(), app.operatorToken());
      aTenMegabyteJsonBodyIsRefusedBeforeItIsSent(app.baseUrl(), app.operatorToken());
      aStalledClipUploadIsCutOffAndFreesItsSlot(app, camera);

      JsonNode health = api.get("/api/health").body();
      health.get("streams").fields().forEachRemaining(stream -> {
        assertThat(stream.getValue().path("status").asText()).as(stream.getKey()).isEqualTo("running");
        assertThat(stream.getValue().path("restarts").asLong()).as(stream.getKey() + " restarts").isZero();
      });
      assertThat(health.get("streams").has("device-events")).isTrue();
      assertThat(health.get("streams").has("seed-motion-events")).isTrue();
      assertThat(health.get("streams").has("frames")).isTrue();
      assertThat(api.get("/api/health/live").status()).isEqualTo(200);
      await("ready").atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/health/ready").status() == 200);
      assertThat(api.get("/metrics").text()).contains("fleet_stream_running{stream=\"device-events\"} 1.0");
      mqtt.disconnect();
    }
  }

  private static List<Case> mqttCases(Mqtt3BlockingClient mqtt, HostileInputs inputs, String run, int maxPayload) {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < MQTT_CASES; i++) {
      String id = "h" + run + "-" + i + "-" + inputs.idSuffix();
      String kind = inputs.kind();
      String topic = i % 10 == 9 ? "owntracks/" + id + "/phone" : kind.isEmpty() ? "fleet/" + id : "fleet/" + id + "/" + kind;
      byte[] payload = inputs.payload();
      // Past the limit, but not past the broker's packet limit (the limit plus headers): Fleet's to refuse.
      if (payload.length > maxPayload + 1024) payload = Arrays.copyOf(payload, maxPayload + 1024);
      TestMqtt.publish(mqtt, topic, payload);
      cases.add(new Case("mqtt " + topic, "mqtt:" + topic, id, topic.startsWith("owntracks/") || kind.equals("status")));
    }
    return cases;
  }

  private static List<Case> deviceEventCases(KafkaProducer<String, byte[]> producer, HostileInputs inputs, String run,
      String topic) throws Exception {
    List<String> kinds = List.of("heartbeat", "telemetry", "motion", "status", "location", "reboot");
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < DEVICE_EVENT_CASES; i++) {
      String valid = "k" + run + "-" + i;
      String key = switch (inputs.nextInt(6)) {
        case 0 -> null;
        case 1 -> "";
        case 2 -> "../" + valid;
        case 3 -> valid + " \u00e9";
        default -> valid;
      };
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, inputs.nextInt(8) == 0 ? null : inputs.payload());
      String kind = inputs.nextInt(4) == 0 ? "" : kinds.get(inputs.nextInt(kinds.size()));
      if (!kind.isEmpty()) record.headers().add(IngestHeaders.KIND, kind.getBytes(StandardCharsets.UTF_8));
      List<byte[]> garbled = inputs.garbledHeaderValues();
      for (String header : List.of(IngestHeaders.RECEIVED_AT, IngestHeaders.SOURCE, IngestHeaders.REQUEUED, IngestHeaders.RETAINED)) {
        if (inputs.nextInt(2) == 0) record.headers().add(header, garbled.get(inputs.nextInt(garbled.size())));
      }
      RecordMetadata sent = producer.send(record).get();
      cases.add(new Case("device event key=" + key + " kind=" + kind, kafkaSource(sent), valid.equals(key) ? valid : null,
          kind.equals("status") || kind.equals("location")));
    }
    return cases;
  }

  private static List<Case> seedCases(KafkaProducer<String, byte[]> producer, HostileInputs inputs, String run,
      String topic) throws Exception {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < SEED_CASES; i++) {
      String device = "s" + run + "-" + i;
      byte[] value = i % 2 == 0 ? inputs.payload()
          : ("{\"event_id\":" + i + ",\"device_id\":\"" + device + "\",\"time\":"
              + List.of("\"2999-01-01 00:00:00\"", "\"2026-13-45 99:99:99\"", "1700000000", "\"2026-11-20 01:00:00\"")
                  .get(inputs.nextInt(4))
              + ",\"device_type\":" + List.of("\"camera\"", "\"toaster\"", "7", "null").get(inputs.nextInt(4))
              + ",\"url\":\"" + "u".repeat(inputs.nextInt(3000)) + "\"}").getBytes(StandardCharsets.UTF_8);
      RecordMetadata sent = producer.send(new ProducerRecord<>(topic, inputs.nextInt(2) == 0 ? null : device, value)).get();
      cases.add(new Case("seed motion " + abbreviate(new String(value, StandardCharsets.UTF_8)), kafkaSource(sent), device));
    }
    return cases;
  }

  private static List<Case> frameCases(KafkaProducer<String, byte[]> producer, HostileInputs inputs, String run,
      String topic) throws Exception {
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < FRAME_CASES; i++) {
      String camera = "f" + run + "-" + i;
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, inputs.nextInt(3) == 0 ? null : camera,
          inputs.nextInt(5) == 0 ? new byte[0] : inputs.payload());
      if (inputs.nextInt(3) != 0) FrameHeaders.put(record.headers(), camera, i, System.currentTimeMillis());
      else if (inputs.nextInt(2) == 0) record.headers().add(FrameHeaders.SEQUENCE, "first".getBytes(StandardCharsets.UTF_8));
      RecordMetadata sent = producer.send(record).get();
      // Never a JPEG: every one of them must be dead-lettered.
      cases.add(new Case("frame of " + camera, kafkaSource(sent), null));
    }
    return cases;
  }

  /** After the hostile input: a camera's motion raises its alert, a silent sensor goes offline within 3 intervals. */
  private static void wellBehavedDevicesGoOfflineOnTimeAndTheirAlertsArrive(ApiClient api, Mqtt3BlockingClient mqtt,
      String run) {
    String camera = "calm-cam-" + run;
    String sensor = "calm-sensor-" + run;
    assertThat(api.post("/api/devices", "{\"deviceId\":\"" + camera + "\",\"type\":\"camera\"}").status()).isEqualTo(201);
    TestMqtt.publish(mqtt, "fleet/" + sensor + "/heartbeat", "{\"ts\":\"" + Instant.now() + "\",\"interval_s\":2}");
    TestMqtt.publish(mqtt, "fleet/" + camera + "/motion", "{\"event_id\":\"m-1\",\"ts\":\"" + Instant.now() + "\"}");
    await("the camera's motion alert").atMost(Duration.ofSeconds(60))
        .until(() -> api.get("/api/alerts?deviceId=" + camera).body().path("items").size() == 1);
    await("the sensor online").atMost(Duration.ofSeconds(30))
        .until(() -> "online".equals(api.get("/api/devices/" + sensor).body().path("status").asText()));
    await("the silent sensor offline after 3 intervals of 2 s").atMost(Duration.ofSeconds(20))
        .until(() -> "offline".equals(api.get("/api/devices/" + sensor).body().path("status").asText()));
  }

  /** A clock in the year 2999 (as ISO text, then as epoch ms) is refused; the device's later heartbeats still count. */
  private static void vitalsAreNotFrozenByAClockFromTheFuture(ApiClient api, Mqtt3BlockingClient mqtt, String device) {
    String topic = "fleet/" + device + "/heartbeat";
    TestMqtt.publish(mqtt, topic, "{\"ts\":\"" + Instant.now() + "\",\"battery\":90}");
    await("first contact").atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/devices/" + device).body().path("battery").asInt() == 90);
    TestMqtt.publish(mqtt, topic, "{\"ts\":\"2999-01-01T00:00:00Z\",\"battery\":10}");
    TestMqtt.publish(mqtt, topic, "{\"ts\":32503680000000,\"battery\":11}");
    TestMqtt.publish(mqtt, topic, "{\"ts\":\"" + Instant.now().plusSeconds(1) + "\",\"battery\":70,\"firmware\":\"2.0.1\"}");
    await("the real heartbeat after the future ones counts").atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/api/devices/" + device).body().path("battery").asInt() == 70);
    assertThat(api.get("/api/devices/" + device).body().path("firmware").asText()).isEqualTo("2.0.1");
  }

  private static void everyCaseIsAccountedFor(List<Case> cases, Endpoints e, String deadLetters, ApiClient api) {
    Map<String, String> reasons = new ConcurrentHashMap<>();
    List<String> sources = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = TestKafka.fromStart(e.kafkaBootstrap(), "it-hostile")) {
      consumer.subscribe(List.of(deadLetters));
      await("every hostile input dead-lettered or taken").atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
              String source = IngestHeaders.get(r.headers(), IngestHeaders.SOURCE).orElse("");
              sources.add(source);
              reasons.put(source, IngestHeaders.get(r.headers(), IngestHeaders.REASON).orElse(""));
            }
            List<String> missing = cases.stream()
                .filter(c -> !c.ignorable())
                .filter(c -> sources.stream().noneMatch(s -> s.contains(c.marker())))
                .filter(c -> c.taken() == null || api.get("/api/devices/" + pathSegment(c.taken())).status() != 200)
                .map(Case::what)
                .toList();
            assertThat(missing).as("inputs neither dead-lettered nor taken").isEmpty();
          });
    }
    assertThat(reasons.values()).as("every dead letter has its reason").doesNotContain("").contains("clock-skew");
    assertThat(reasons.values()).as("no input found a defect in Fleet").doesNotContain("processing-failed");
  }

  /** Path traversal, odd characters, bad cursors and dates, limits out of range, a wrong content type. */
  private static void oddHttpRequestsGetA4xxJsonErrorAndNever5xx(String baseUrl, String token) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    List<String> odd = List.of("..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "a%00b", "%ff%fe", "x".repeat(300), "%20",
        "%E2%80%AE", "cam-1%2Fmotion", "'%20OR%201=1");
    List<HttpRequest> requests = new ArrayList<>();
    for (String id : odd) {
      requests.add(get(baseUrl, token, "/api/devices/" + id));
      requests.add(get(baseUrl, token, "/api/clips/" + id));
      requests.add(get(baseUrl, token, "/api/devices/" + id + "/telemetry"));
    }
    List<String> mustBe400 = List.of("/api/events?from=yesterday", "/api/events?to=2026-13-45T99:00:00Z",
        "/api/events?from=%2B999999999-12-31T23:59:59Z", "/api/events?cursor=%25%25garbage", "/api/events?limit=-1",
        "/api/events?limit=100000000", "/api/events?limit=abc", "/api/devices?cursor=not-a-cursor",
        "/api/devices?limit=0", "/api/alerts?limit=99999999999999999999", "/api/devices/s-1/telemetry?step=7q",
        "/api/devices/s-1/telemetry?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        "/api/devices/s-1/telemetry?format=xml", "/api/devices/s-1/telemetry?step=1m&from=2000-01-01T00:00:00Z");
    for (String path : mustBe400) requests.add(get(baseUrl, token, path));
    requests.add(get(baseUrl, token, "/api/events?unknown=1&deviceId=" + "a,".repeat(500)));
    requests.add(HttpRequest.newBuilder(URI.create(baseUrl + "/api/devices")).header("Authorization", "Bearer " + token)
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("deviceId=x")).build());
    requests.add(HttpRequest.newBuilder(URI.create(baseUrl + "/api/devices")).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"deviceId\":")).build());
    for (HttpRequest request : requests) {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      String what = request.method() + " " + request.uri() + " → " + response.statusCode() + " " + abbreviate(response.body());
      assertThat(response.statusCode()).as(what).isLessThan(500);
      if (response.statusCode() >= 400) assertThat(response.body()).as(what).contains("\"error\"");
      String query = request.uri().getRawQuery();
      if (query != null && mustBe400.stream().anyMatch(p -> p.endsWith("?" + query))) {
        assertThat(response.statusCode()).as(what).isEqualTo(400);
      }
      if (request.method().equals("POST")) assertThat(response.statusCode()).as(what).isBetween(400, 499);
    }
  }

  /**
   * A 10 MB JSON body, announced as a client sends a body it expects may be refused ({@code Expect:
   * 100-continue}): the 413 comes before a byte of it is sent (Java's HttpClient waits forever for a 100
   * when the answer is final, so this speaks HTTP itself).
   */
  private static void aTenMegabyteJsonBodyIsRefusedBeforeItIsSent(String baseUrl, String token) throws Exception {
    URI base = URI.create(baseUrl);
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000);
      String head = "POST /api/devices HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + 10 * 1024 * 1024
          + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      BufferedReader response = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(response.readLine()).startsWith("HTTP/1.1 413");
      StringBuilder rest = new StringBuilder();
      for (String line = response.readLine(); line != null && rest.indexOf("}") < 0; line = response.readLine()) {
        rest.append(line).append('\n');
      }
      assertThat(rest.toString()).contains("\"error\"");
    }
  }

  /** An upload that promises a megabyte, sends ten bytes and stalls: 408 after the idle timeout, its slot free again. */
  private static void aStalledClipUploadIsCutOffAndFreesItsSlot(FleetApp app, String camera) throws Exception {
    for (int i = 0; i < 3; i++) {
      try (Socket socket = new Socket("127.0.0.1", app.httpPort())) {
        socket.setSoTimeout(30_000);
        String head = "PUT /api/devices/" + camera + "/clips/stalled-" + i + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer " + app.operatorToken() + "\r\nContent-Type: video/mp4\r\n"
            + "Content-Length: 1000000\r\n\r\n0123456789";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.US_ASCII)).readLine();
        // Three in a row from one camera (two slots per device): each freed its slot.
        assertThat(status).as("upload %d", i).startsWith("HTTP/1.1 408");
      }
    }
  }

  private static HttpRequest get(String baseUrl, String token, String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token).GET().build();
  }

  private static String kafkaSource(RecordMetadata sent) {
    return "kafka:" + sent.topic() + "/" + sent.partition() + "/" + sent.offset();
  }

  private static String pathSegment(String id) {
    StringBuilder b = new StringBuilder();
    for (byte c : id.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return b.toString();
  }

  private static String abbreviate(String s) {
    return s == null || s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }

  private static KafkaProducer<String, byte[]> producer(Endpoints e) {
    Properties p = new Properties();
    p.put("bootstrap.servers", e.kafkaBootstrap());
    p.put("max.request.size", 8 * 1024 * 1024);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }
}
