package io.fleet.agent.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;
import io.fleet.agent.edge.MqttEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.TrustManagerFactory;

/**
 * One device's own MQTT connection, hiding whether it speaks MQTT 5 or 3.1.1. Its identity is the device's:
 * client id and user name are the device id. Its last will is {@code offline}, QoS 1, retained, on the device's
 * status topic. Every publish is QoS 1 and completes when the broker acknowledged it (PUBACK).
 *
 * <p>Reconnecting is left to the disconnected listener given at creation (see {@link VirtualDevice}).
 */
interface DeviceLink {

  /** Completes when the broker accepted the connection; fails only when reconnecting is given up. */
  CompletableFuture<Void> connect();

  /** A QoS 1 publish that completes on PUBACK. */
  CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain);

  /** A normal DISCONNECT: the broker discards the will. */
  CompletableFuture<Void> disconnect();

  /** Leaves so that the broker publishes the will, as when a device loses power. */
  CompletableFuture<Void> disconnectWithWill();

  boolean isConnected();

  /** Whether a failed connect was refused for good (identity, credentials, protocol): retrying cannot help. */
  boolean isRefusal(Throwable cause);

  static DeviceLink create(
      MqttVersion version,
      String deviceId,
      MqttEndpoint endpoint,
      TrustManagerFactory trust,
      String password,
      MqttClientConnectedListener onConnected,
      MqttClientDisconnectedListener onDisconnected) {
    MqttClientBuilder client = endpoint.applyTo(MqttClient.builder().identifier(deviceId), trust)
        .addConnectedListener(onConnected)
        .addDisconnectedListener(onDisconnected);
    return new MqttLink(version, client, deviceId, password);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
