package io.fleet.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The benchmark's MQTT clients, one connection each (MQTT 5, the HiveMQ client the simulator uses), connected with
 * a clean start, at most 256 connecting at once. {@link #close()} disconnects them all.
 */
final class MqttDevices implements AutoCloseable {
  private final List<Mqtt5AsyncClient> clients;

  private MqttDevices(List<Mqtt5AsyncClient> clients) {
    this.clients = clients;
  }

  /** One client for each id, to the broker {@code url} names for it, with its client id, user and password. */
  static MqttDevices connect(List<String> ids, Function<String, String> url, Function<String, String> clientId,
      Function<String, String> user, Function<String, String> password) throws Exception {
    long started = System.nanoTime();
    List<Mqtt5AsyncClient> clients = ids.stream()
        .map(id -> client(url.apply(id), clientId.apply(id), user.apply(id), password.apply(id))).toList();
    Semaphore connecting = new Semaphore(256);
    List<CompletableFuture<?>> connected = new ArrayList<>();
    for (Mqtt5AsyncClient client : clients) {
      connecting.acquire();
      connected.add(client.connectWith().cleanStart(true).send().whenComplete((ack, e) -> connecting.release()));
    }
    CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    System.out.printf("  connected %d MQTT clients in %d ms%n", clients.size(), (System.nanoTime() - started) / 1_000_000);
    return new MqttDevices(clients);
  }

  /** An unconnected client. */
  static Mqtt5AsyncClient client(String url, String clientId, String user, String password) {
    URI uri = URI.create(url);
    Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5().identifier(clientId)
        .serverHost(uri.getHost()).serverPort(uri.getPort() < 0 ? 1883 : uri.getPort());
    if (user != null && !user.isEmpty()) {
      builder = builder.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    return builder.buildAsync();
  }

  /** Publishes QoS 1 from the {@code device}-th client; completes once the broker acknowledged it, failed if it refused. */
  CompletableFuture<Void> publish(int device, String topic, byte[] payload) {
    return clients.get(device).publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
        .thenAccept(result -> {
          if (result.getError().isPresent()) throw new IllegalStateException(result.getError().get());
        });
  }

  @Override
  public void close() {
    try {
      CompletableFuture.allOf(clients.stream().map(c -> c.disconnect().exceptionally(e -> null))
          .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("  (some clients did not disconnect cleanly: " + e + ")");
    }
  }
}
