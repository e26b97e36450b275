package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.metrics.FleetMetrics;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live alert stream over what lands on {@code fleet.alerts}: a subscriber that drops and reconnects
 * with {@code Last-Event-ID} gets every alert it missed, in order, exactly once, then live ones; one that
 * stops reading while thousands pass gets them all on the same connection, and holds back no other;
 * filters and households hold; the WebSocket carries the same feed.
 */
class AlertStreamIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static FleetApp app;
  static KafkaProducer<String, String> producer;
  static String topic;
  static int sequence;
  static final int PER_TOKEN = 10;
  /** Alerts a subscriber may fall behind the shared feed. */
  static final int BUFFER = 50;

  @BeforeAll
  static void start() {
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.http.live-streams.max-per-token", PER_TOKEN, "fleet.http.live-streams.buffer", BUFFER)));
    Properties p = new Properties();
    p.put("bootstrap.servers", app.node().endpoints().kafkaBootstrap());
    producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    topic = app.node().system().settings().config().getString("fleet.kafka.topics.alerts");
  }

  @AfterAll
  static void stop() {
    producer.close();
    app.close();
  }

  /** An alert as the pipeline writes it: keyed by device, the seed's fields plus Fleet's. */
  private static String alert(String device, String kind, String household) throws Exception {
    String id = device + ":" + (++sequence);
    producer.send(new ProducerRecord<>(topic, device, JSON.writeValueAsString(Map.of(
        "alert_id", id, "device_id", device, "kind", kind, "household", household, "severity", "info",
        "message", kind + " " + sequence, "state", "open")))).get();
    return id;
  }

  /** An alert of ~8 KiB (its message), sent without waiting for Kafka's answer. */
  private static void largeAlert(String device, String id) throws Exception {
    producer.send(new ProducerRecord<>(topic, device, JSON.writeValueAsString(Map.of(
        "alert_id", id, "device_id", device, "kind", "motion", "household", "h-1", "severity", "info",
        "message", "x".repeat(8_000), "state", "open"))));
  }

  /** A revision of alert {@code id}, as the fast path and the journal's publisher may both send it. */
  private static void revision(String device, String id, int revision) throws Exception {
    producer.send(new ProducerRecord<>(topic, device, JSON.writeValueAsString(Map.of(
        "alert_id", id, "device_id", device, "kind", "motion", "household", "h-1", "severity", "info",
        "message", "motion", "state", revision == 1 ? "open" : "acknowledged", "revision", revision)))).get();
  }

  @Test
  void aSubscriberGetsEachRevisionOfAnAlertOnceThoughTheTopicHoldsItTwice() throws Exception {
    try (SseClient client = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=cam-twice", app.operatorToken(), null)) {
      assertThat(client.status).isEqualTo(200);
      revision("cam-twice", "cam-twice:r", 1);
      revision("cam-twice", "cam-twice:r", 1);
      revision("cam-twice", "cam-twice:r", 2);
      revision("cam-twice", "cam-twice:r", 1);
      String marker = alert("cam-twice", "offline", "h-1");
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        SseClient.Event event = client.next(Duration.ofSeconds(20));
        assertThat(event).as("event %d, after %s", i + 1, got).isNotNull();
        JsonNode alert = JSON.readTree(event.data());
        got.add(alert.get("alert_id").asText() + "#" + alert.path("revision").asInt());
      }
      assertThat(got).containsExactly("cam-twice:r#1", "cam-twice:r#2", marker + "#0");
    }
  }

  private static List<String> receive(SseClient client, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      SseClient.Event e = client.next(Duration.ofSeconds(20));
      assertThat(e).as("event %d of %d", i + 1, count).isNotNull();
      assertThat(e.type()).isEqualTo("alert");
      ids.add(JSON.readTree(e.data()).get("alert_id").asText());
    }
    return ids;
  }

  @Test
  void aReconnectingSubscriberGetsTheTwentyAlertsItMissedInOrderExactlyOnceThenLiveOnes() throws Exception {
    String url = app.baseUrl() + "/api/alerts/stream?deviceId=cam-sse";
    String lastId;
    List<String> first = new ArrayList<>();
    try (SseClient client = new SseClient(url, app.operatorToken(), null)) {
      assertThat(client.status).isEqualTo(200);
      for (int i = 0; i < 5; i++) first.add(alert("cam-sse", "motion", "h-1"));
      assertThat(receive(client, 5)).containsExactlyElementsOf(first);
    }
    // The id of the last event seen is what a browser's EventSource sends back as Last-Event-ID.
    try (SseClient again = new SseClient(url, app.operatorToken(), null)) {
      String marker = alert("cam-sse", "motion", "h-1");
      SseClient.Event e = again.next(Duration.ofSeconds(20));
      assertThat(JSON.readTree(e.data()).get("alert_id").asText()).isEqualTo(marker);
      lastId = e.id();
    }
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 20; i++) missed.add(alert("cam-sse", "motion", "h-1"));
    alert("other-device", "motion", "h-1");

    try (SseClient resumed = new SseClient(url, app.operatorToken(), lastId)) {
      assertThat(receive(resumed, 20)).containsExactlyElementsOf(missed);
      List<String> live = List.of(alert("cam-sse", "offline", "h-1"), alert("cam-sse", "motion", "h-1"));
      assertThat(receive(resumed, 2)).containsExactlyElementsOf(live);
      assertThat(resumed.next(Duration.ofMillis(500))).as("nothing twice, nothing of other devices").isNull();
    }
  }

  @Test
  void aSubscriberThatStopsReadingWhileThousandsOfAlertsPassGetsEveryOneInOrderOnTheSameConnection() throws Exception {
    // 3,000 alerts of ~8 KiB: far more than the kernel's socket buffers and the node's buffer of BUFFER alerts hold.
    try (SseClient slow = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=cam-slow", app.operatorToken(), null,
        false)) {
      assertThat(slow.status).isEqualTo(200);
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        String id = "cam-slow:" + i;
        largeAlert("cam-slow", id);
        sent.add(id);
      }
      producer.flush();
      slow.startReading();
      assertThat(receive(slow, sent.size())).as("every alert, in order, once, with no reconnect").containsExactlyElementsOf(sent);
      assertThat(slow.next(Duration.ofMillis(500))).as("nothing twice").isNull();
    }
  }

  @Test
  void aSubscriberThatReadsNothingDoesNotHoldBackTheOthers() throws Exception {
    try (SseClient stalled = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=cam-busy", app.operatorToken(), null,
        false);
        SseClient reading = new SseClient(app.baseUrl() + "/api/alerts/stream?deviceId=cam-quiet", app.operatorToken(), null)) {
      assertThat(stalled.status).isEqualTo(200);
      assertThat(reading.status).isEqualTo(200);
      // 10 x 500 alerts of ~8 KiB for the stalled one: far more than the sockets and its buffer hold.
      for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 500; i++) largeAlert("cam-busy", "cam-busy:" + round + ":" + i);
        String quiet = alert("cam-quiet", "motion", "h-1");
        assertThat(receive(reading, 1)).as("round %d", round).containsExactly(quiet);
      }
    }
  }

  @Test
  void filtersByKindAndAHomeownerOnlyEverReceivesItsHouseholdsAlerts() throws Exception {
    String homeownerToken = new ApiClient(app.baseUrl(), app.operatorToken())
        .post("/api/tokens", "{\"household\":\"h-mine\"}").body().get("token").asText();
    try (SseClient offlineOnly = new SseClient(app.baseUrl() + "/api/alerts/stream?kind=offline", app.operatorToken(), null);
        SseClient homeowner = new SseClient(app.baseUrl() + "/api/alerts/stream", homeownerToken, null)) {
      alert("cam-a", "motion", "h-theirs");
      String mineMotion = alert("cam-b", "motion", "h-mine");
      String theirsOffline = alert("cam-a", "offline", "h-theirs");
      String mineOffline = alert("cam-b", "offline", "h-mine");

      assertThat(receive(offlineOnly, 2)).containsExactlyInAnyOrder(theirsOffline, mineOffline);
      assertThat(receive(homeowner, 2)).containsExactlyInAnyOrder(mineMotion, mineOffline);
      assertThat(homeowner.next(Duration.ofMillis(500))).isNull();
    }
  }

  private static String homeownerToken(String household) {
    return new ApiClient(app.baseUrl(), app.operatorToken())
        .post("/api/tokens", "{\"household\":\"" + household + "\"}").body().get("token").asText();
  }

  @Test
  void thirtySubscribersOfThreeHouseholdsShareOneKafkaReaderAndEachGetsItsOwnHouseholdsAlert() throws Exception {
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int h = 0; h < 3; h++) {
        String token = homeownerToken("h-share-" + h);
        for (int i = 0; i < PER_TOKEN; i++) {
          SseClient client = new SseClient(app.baseUrl() + "/api/alerts/stream", token, null);
          assertThat(client.status).isEqualTo(200);
          clients.add(client);
        }
      }
      List<String> alerts = new ArrayList<>();
      for (int h = 0; h < 3; h++) alerts.add(alert("cam-share-" + h, "motion", "h-share-" + h));
      for (int c = 0; c < clients.size(); c++) {
        assertThat(receive(clients.get(c), 1)).as("subscriber %d", c).containsExactly(alerts.get(c / PER_TOKEN));
      }
      // Subscribers that joined while an alert was on its way read it with a reader of their own, then let it go.
      Awaitility.await("one Kafka reader for all streams").atMost(Duration.ofSeconds(20))
          .until(() -> app.node().alertFeed().readers() == 1);
    } finally {
      for (SseClient client : clients) client.close();
    }
  }

  @Test
  void aTokenWithAsManyStreamsAsAllowedGetsA429UntilOneCloses() throws Exception {
    String token = homeownerToken("h-limit");
    List<Socket> streams = new ArrayList<>();
    try {
      for (int i = 0; i < PER_TOKEN; i++) {
        Socket stream = openStream(token);
        assertThat(statusLine(stream)).as("stream %d", i).startsWith("HTTP/1.1 200");
        streams.add(stream);
      }
      assertThat(FleetMetrics.get(app.node().system()).registry().get("fleet_live_streams_open").gauge().value())
          .as("streams open on the node").isGreaterThanOrEqualTo(PER_TOKEN);
      Socket refused = openStream(token);
      assertThat(statusLine(refused)).startsWith("HTTP/1.1 429");
      refused.close();
      // Reset, as a browser tab that is closed: the node notices at once and frees the place.
      Socket closed = streams.remove(0);
      closed.setSoLinger(true, 0);
      closed.close();
      Awaitility.await("a place again once a stream closed").atMost(Duration.ofSeconds(20)).until(() -> {
        Socket again = openStream(token);
        if (statusLine(again).startsWith("HTTP/1.1 200")) {
          streams.add(again);
          return true;
        }
        again.close();
        return false;
      });
    } finally {
      for (Socket stream : streams) stream.close();
    }
  }

  private static Socket openStream(String token) throws Exception {
    Socket socket = new Socket("127.0.0.1", app.httpPort());
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(("GET /api/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private static String statusLine(Socket socket) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int c; (c = socket.getInputStream().read()) != -1 && c != '\n'; ) line.append((char) c);
    return line.toString().trim();
  }

  @Test
  void aLastEventIdThisStreamNeverSentIsA400() throws Exception {
    try (SseClient client = new SseClient(app.baseUrl() + "/api/alerts/stream", app.operatorToken(), "not-an-id")) {
      assertThat(client.status).isEqualTo(400);
    }
  }

  @Test
  void theWebSocketCarriesTheSameFeed() throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Bearer " + app.operatorToken())
        .buildAsync(URI.create(app.baseUrl().replace("http://", "ws://") + "/api/alerts/ws?deviceId=cam-ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            received.add(data.toString());
            ws.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    String id = alert("cam-ws", "motion", "h-1");
    String message = received.poll(20, TimeUnit.SECONDS);
    assertThat(message).isNotNull();
    JsonNode parsed = JSON.readTree(message.getBytes(StandardCharsets.UTF_8));
    assertThat(parsed.at("/alert/alert_id").asText()).isEqualTo(id);
    assertThat(parsed.get("id").asText()).matches("(\\d+-\\d+)(\\.\\d+-\\d+)*");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
  }
}
