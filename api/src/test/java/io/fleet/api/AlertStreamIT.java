package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live alert stream over what lands on {@code fleet.alerts}: a subscriber that drops and reconnects
 * with {@code Last-Event-ID} gets every alert it missed, in order, exactly once, then live ones; filters
 * and households hold; the WebSocket carries the same feed.
 */
class AlertStreamIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static FleetApp app;
  static KafkaProducer<String, String> producer;
  static String topic;
  static int sequence;

  @BeforeAll
  static void start() {
    app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(), Map.of()));
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
