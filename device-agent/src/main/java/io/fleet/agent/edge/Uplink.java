package io.fleet.agent.edge;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import io.fleet.protocol.Topics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's MQTT connection (HiveMQ client, MQTT 3.1.1): logs in as the device, leaves the retained
 * last will {@code offline} on {@code fleet/{id}/status}, says {@code online} (retained) after every
 * (re)connect, and reconnects by itself with backoff. Publishes are QoS 1 and complete on PUBACK; while
 * disconnected a publish fails at once, so the caller keeps the message (the outbox) instead of the
 * client's memory. Owns the connection.
 */
final class Uplink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Uplink.class);
  private final Mqtt3AsyncClient client;
  private final String statusTopic;

  /** {@code broker}: {@code tcp://} or, over TLS, {@code ssl://} trusting {@code trust} (null: Java's trusted CAs). */
  Uplink(URI broker, String deviceId, String password, TrustManagerFactory trust) {
    this.statusTopic = Topics.status(deviceId);
    Mqtt3ClientBuilder builder = MqttEndpoint.parse(broker.toString())
        .applyTo(MqttClient.builder().useMqttVersion3().identifier(deviceId), trust)
        .automaticReconnect().initialDelay(500, TimeUnit.MILLISECONDS).maxDelay(10, TimeUnit.SECONDS).applyAutomaticReconnect()
        .addConnectedListener(c -> {
          log.info("{} connected to {}", deviceId, broker);
          publish(statusTopic, "online", true);
        })
        .addDisconnectedListener(c -> log.info("{} disconnected: {}", deviceId, c.getCause().toString()))
        .willPublish().topic(statusTopic).payload("offline".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .applyWillPublish();
    if (password != null && !password.isEmpty()) {
      builder = builder.simpleAuth().username(deviceId).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    this.client = builder.buildAsync();
    client.connectWith().cleanSession(true).keepAlive(30).send().whenComplete((ack, error) -> {
      if (error != null) log.info("{} could not connect yet ({}); retrying", deviceId, error.toString());
    });
  }

  boolean connected() {
    return client.getState().isConnected();
  }

  /** QoS 1; completes on PUBACK, fails at once when not connected. */
  CompletableFuture<Void> publish(String topic, String payload, boolean retain) {
    if (!connected()) return CompletableFuture.failedFuture(new IllegalStateException("not connected to the broker"));
    return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
        .payload(payload.getBytes(StandardCharsets.UTF_8)).send().thenApply(result -> null);
  }

  /** Leaves politely: {@code offline} first, so no will is needed. */
  @Override
  public void close() {
    try {
      if (connected()) publish(statusTopic, "offline", true).get(5, TimeUnit.SECONDS);
      client.disconnect().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("uplink did not close cleanly", e);
    }
  }

  static Duration timeout() {
    return Duration.ofSeconds(10);
  }
}
