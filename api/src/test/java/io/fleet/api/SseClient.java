package io.fleet.api;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A server-sent-events client for tests: connects, collects events in a queue, disconnects on close. */
final class SseClient implements AutoCloseable {
  record Event(String id, String type, String data) {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final InputStream body;
  private final Thread reader;
  final int status;

  SseClient(String url, String token, String lastEventId) throws Exception {
    this(url, token, lastEventId, true);
  }

  /**
   * {@code reading} false: connected, but nothing is read from the socket until {@link #startReading()}
   * (a subscriber that stops reading: TCP holds the server back).
   */
  SseClient(String url, String token, String lastEventId, boolean reading) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
        .header("Authorization", "Bearer " + token);
    if (lastEventId != null) request.header("Last-Event-ID", lastEventId);
    HttpResponse<InputStream> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        .send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    this.status = response.statusCode();
    this.body = response.body();
    this.reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    if (reading) reader.start();
  }

  void startReading() {
    reader.start();
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String type = null;
      StringBuilder data = new StringBuilder();
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data.length() > 0) events.add(new Event(id, type, data.toString()));
          id = null;
          type = null;
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
    } catch (Exception closed) {
      // the test closed the connection
    }
  }

  /** The next event, or null when none arrives in time. */
  Event next(Duration within) throws InterruptedException {
    return events.poll(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    body.close();
    if (reader.isAlive()) reader.join(2000);
  }
}
