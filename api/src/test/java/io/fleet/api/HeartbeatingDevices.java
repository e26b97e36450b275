package io.fleet.api;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Devices of a test, each its own MQTT connection (QoS 1), heartbeating every {@code interval} with its
 * {@code uptime_s} the heartbeat's sequence number (0, 1, 2, ...), the next one only after the broker acknowledged
 * the last, as a constrained device does; their first heartbeats spread over one interval. Records, per device,
 * every sequence number the broker acknowledged, so a test can check that each reached Fleet. Cameras among them
 * may report motion ({@link #motion}).
 */
final class HeartbeatingDevices implements AutoCloseable {
  private final Map<String, Mqtt3AsyncClient> clients = new LinkedHashMap<>();
  private final Map<String, Acked> acked = new ConcurrentHashMap<>();
  private final AtomicLong count = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
  private final Duration interval;

  /** Each device's acknowledged sequence numbers, in order, and the last one. */
  static final class Acked {
    private final List<Long> seqs = new ArrayList<>();

    synchronized void add(long seq) {
      seqs.add(seq);
    }

    synchronized List<Long> all() {
      return List.copyOf(seqs);
    }

    synchronized long last() {
      return seqs.isEmpty() ? -1 : seqs.get(seqs.size() - 1);
    }
  }

  /** Connects every device (user name = client id = its id, the password {@code passwords} gives). */
  HeartbeatingDevices(String url, List<String> ids, Function<String, String> passwords, Duration interval) {
    this.interval = interval;
    URI uri = URI.create(url);
    List<CompletableFuture<?>> connected = new ArrayList<>();
    for (String id : ids) {
      Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier(id)
          .serverHost(uri.getHost()).serverPort(uri.getPort())
          .simpleAuth().username(id).password(passwords.apply(id).getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
          .buildAsync();
      connected.add(client.connectWith().cleanSession(true).keepAlive(60).send());
      clients.put(id, client);
      acked.put(id, new Acked());
    }
    CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).orTimeout(120, TimeUnit.SECONDS).join();
  }

  void start() {
    for (String id : clients.keySet()) {
      timer.schedule(() -> heartbeat(id, 0), ThreadLocalRandom.current().nextLong(interval.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  private void heartbeat(String id, long seq) {
    if (!running.get()) return;
    inFlight.incrementAndGet();
    String heartbeat = "{\"ts\":\"" + Instant.now() + "\",\"battery\":90,\"uptime_s\":" + seq
        + ",\"interval_s\":" + interval.toSeconds() + "}";
    clients.get(id).publishWith().topic("fleet/" + id + "/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
        .payload(heartbeat.getBytes(StandardCharsets.UTF_8)).send()
        .whenComplete((ack, failure) -> {
          if (failure == null) {
            acked.get(id).add(seq);
            count.incrementAndGet();
          }
          inFlight.decrementAndGet();
          long next = failure == null ? seq + 1 : seq;
          if (running.get()) timer.schedule(() -> heartbeat(id, next), interval.toMillis(), TimeUnit.MILLISECONDS);
        });
  }

  /** A motion report from camera {@code id}; completes true once the broker acknowledged it. */
  CompletableFuture<Boolean> motion(String id, String eventId) {
    return motion(id, eventId, null);
  }

  /** A motion report from camera {@code id} naming its clip (none when null); completes true once acknowledged. */
  CompletableFuture<Boolean> motion(String id, String eventId, String clipId) {
    String clip = clipId == null ? "" : ",\"clip_id\":\"" + clipId + "\"";
    String report = "{\"event_id\":\"" + eventId + "\",\"ts\":\"" + Instant.now() + "\",\"score\":0.9" + clip + "}";
    return clients.get(id).publishWith().topic("fleet/" + id + "/motion").qos(MqttQos.AT_LEAST_ONCE)
        .payload(report.getBytes(StandardCharsets.UTF_8)).send()
        .handle((ack, failure) -> failure == null);
  }

  /** Heartbeats the broker acknowledged so far, all devices together. */
  long acknowledged() {
    return count.get();
  }

  /** The last sequence number the broker acknowledged for {@code id}, -1 before the first. */
  long lastAcked(String id) {
    return acked.get(id).last();
  }

  /** Every acknowledged sequence number of {@code id}. */
  List<Long> ackedOf(String id) {
    return acked.get(id).all();
  }

  List<String> ids() {
    return List.copyOf(clients.keySet());
  }

  /** Stops sending; returns once every heartbeat on its way was acknowledged (or failed) and recorded. */
  void stop() {
    running.set(false);
    await("heartbeats on their way answered").atMost(Duration.ofSeconds(30)).until(() -> inFlight.get() == 0);
  }

  @Override
  public void close() {
    running.set(false);
    timer.shutdownNow();
    clients.values().forEach(c -> c.disconnect().exceptionally(e -> null));
  }
}
