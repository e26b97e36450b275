package io.fleet.agent.sim;

import static io.fleet.agent.sim.DeviceLink.utf8;

import com.hivemq.client.internal.mqtt.MqttClientConnectionConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.fleet.agent.protocol.Topics;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.CompletableFuture;

/** A {@link DeviceLink} over MQTT 3.1.1. */
final class Mqtt3Link implements DeviceLink {

  private final Mqtt3AsyncClient client;

  Mqtt3Link(Mqtt3ClientBuilder builder, String deviceId, String password) {
    Mqtt3ClientBuilder withWill = builder.willPublish()
        .topic(Topics.status(deviceId))
        .payload(utf8(Topics.OFFLINE))
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .applyWillPublish();
    Mqtt3ClientBuilder complete = password == null
        ? withWill
        : withWill.simpleAuth().username(deviceId).password(utf8(password)).applySimpleAuth();
    this.client = complete.buildAsync();
  }

  @Override
  public CompletableFuture<Void> connect() {
    return client.connect().thenAccept(connAck -> {});
  }

  @Override
  public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
    return client.publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(retain)
        .payload(payload)
        .send()
        .thenAccept(publish -> {});
  }

  @Override
  public CompletableFuture<Void> disconnect() {
    return client.disconnect();
  }

  /**
   * MQTT 3.1.1 has no DISCONNECT that keeps the will: the broker publishes it only when the connection drops.
   * The client's public API cannot drop it, so this closes the TCP connection through the client's internal
   * connection state (hivemq-mqtt-client 1.3.x); the client then reports a lost connection.
   */
  @Override
  public CompletableFuture<Void> disconnectWithWill() {
    if (!(client.getConfig().getConnectionConfig().orElse(null) instanceof MqttClientConnectionConfig connection)) {
      return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
    }
    CompletableFuture<Void> closed = new CompletableFuture<>();
    connection.getChannel().close().addListener((ChannelFutureListener) future -> closed.complete(null));
    return closed;
  }

  @Override
  public boolean isConnected() {
    return client.getState().isConnected();
  }

  @Override
  public boolean isRefusal(Throwable cause) {
    if (!(cause instanceof Mqtt3ConnAckException refused)) {
      return false;
    }
    return switch (refused.getMqttMessage().getReturnCode()) {
      case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED, IDENTIFIER_REJECTED, UNSUPPORTED_PROTOCOL_VERSION -> true;
      default -> false;
    };
  }
}
