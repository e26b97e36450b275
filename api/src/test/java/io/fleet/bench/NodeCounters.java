package io.fleet.bench;

import io.fleet.api.FleetProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The counters of one Fleet node this benchmark follows, as its {@code /metrics} endpoint (Prometheus text) shows
 * them: heartbeats its ingress bridges took from MQTT ({@code fleet_messages_in_total{topic="mqtt:heartbeat"}}),
 * heartbeat records its consumer took from {@code fleet.device-events}, and the entity asks for records made on
 * this node ({@code fleet_entity_asks_total{where="local"}}) and across the network ({@code where="remote"}).
 */
record NodeCounters(long bridged, long consumed, long localAsks, long remoteAsks) {
  private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\w+)\\{([^}]*)\\}\\s+(\\S+)$");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static NodeCounters scrape(FleetProcess node, String deviceEventsTopic) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/metrics"))
        .header("Authorization", "Bearer " + FleetProcess.OPERATOR_TOKEN).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IllegalStateException(node.name() + " /metrics: " + response.statusCode());
    String text = response.body();
    return new NodeCounters(
        sum(text, "fleet_messages_in_total", "topic=\"mqtt:heartbeat\""),
        sum(text, "fleet_messages_in_total", "topic=\"" + deviceEventsTopic + ":heartbeat\""),
        sum(text, "fleet_entity_asks_total", "where=\"local\""),
        sum(text, "fleet_entity_asks_total", "where=\"remote\""));
  }

  NodeCounters minus(NodeCounters before) {
    return new NodeCounters(bridged - before.bridged, consumed - before.consumed, localAsks - before.localAsks,
        remoteAsks - before.remoteAsks);
  }

  NodeCounters plus(NodeCounters other) {
    return new NodeCounters(bridged + other.bridged, consumed + other.consumed, localAsks + other.localAsks,
        remoteAsks + other.remoteAsks);
  }

  static NodeCounters zero() {
    return new NodeCounters(0, 0, 0, 0);
  }

  /** The sum of the samples of {@code name} whose labels include {@code label}. */
  private static long sum(String metrics, String name, String label) {
    double sum = 0;
    Matcher m = SAMPLE.matcher(metrics);
    while (m.find()) {
      if (m.group(1).equals(name) && m.group(2).contains(label)) sum += Double.parseDouble(m.group(3));
    }
    return Math.round(sum);
  }
}
