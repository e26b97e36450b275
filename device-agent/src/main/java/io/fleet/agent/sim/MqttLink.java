package io.fleet.agent.sim;

import static io.fleet.agent.sim.DeviceLink.utf8;

import com.hivemq.client.internal.mqtt.MqttClientConnectionConfig;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.fleet.protocol.Topics;
import io.netty.channel.ChannelFutureListener;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link DeviceLink} over MQTT 5 or MQTT 3.1.1. The two versions' client APIs make the same calls on types that
 * share nothing beyond {@link MqttClient}, so each operation makes its call in the link's version, the two side by
 * side; what surrounds the calls (the device's will and credentials, QoS 1, completing on the broker's
 * acknowledgement) is written once.
 */
final class MqttLink implements DeviceLink {

  private static final MqttQos QOS = MqttQos.AT_LEAST_ONCE;

  /** The client if the link speaks MQTT 5, else null. */
  private final Mqtt5AsyncClient mqtt5;
  /** The client if the link speaks MQTT 3.1.1, else null. */
  private final Mqtt3AsyncClient mqtt3;
  /** Whichever of the two it is. */
  private final MqttClient client;

  /** {@code builder} has the device's client id, broker and listeners; this adds its will and credentials. */
  MqttLink(MqttVersion version, MqttClientBuilder builder, String deviceId, String password) {
    String willTopic = Topics.status(deviceId);
    byte[] will = utf8(Topics.OFFLINE);
    byte[] secret = password == null ? null : utf8(password);
    if (version == MqttVersion.V5) {
      Mqtt5ClientBuilder withWill = builder.useMqttVersion5()
          .willPublish().topic(willTopic).payload(will).qos(QOS).retain(true).applyWillPublish();
      this.mqtt5 = (secret == null ? withWill
          : withWill.simpleAuth().username(deviceId).password(secret).applySimpleAuth()).buildAsync();
      this.mqtt3 = null;
    } else {
      Mqtt3ClientBuilder withWill = builder.useMqttVersion3()
          .willPublish().topic(willTopic).payload(will).qos(QOS).retain(true).applyWillPublish();
      this.mqtt3 = (secret == null ? withWill
          : withWill.simpleAuth().username(deviceId).password(secret).applySimpleAuth()).buildAsync();
      this.mqtt5 = null;
    }
    this.client = mqtt5 != null ? mqtt5 : mqtt3;
  }

  @Override
  public CompletableFuture<Void> connect() {
    CompletableFuture<?> connAck = mqtt5 != null ? mqtt5.connect() : mqtt3.connect();
    return connAck.thenAccept(ack -> {});
  }

  @Override
  public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
    CompletableFuture<?> pubAck = mqtt5 != null
        ? mqtt5.publishWith().topic(topic).qos(QOS).retain(retain).payload(payload).send()
        : mqtt3.publishWith().topic(topic).qos(QOS).retain(retain).payload(payload).send();
    return pubAck.thenAccept(ack -> {});
  }

  @Override
  public CompletableFuture<Void> disconnect() {
    return mqtt5 != null ? mqtt5.disconnect() : mqtt3.disconnect();
  }

  @Override
  public CompletableFuture<Void> disconnectWithWill() {
    return mqtt5 != null
        ? mqtt5.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send()
        : dropConnection();
  }

  /**
   * MQTT 3.1.1 has no DISCONNECT that keeps the will: the broker publishes it only when the connection drops.
   * The client's public API cannot drop it, so this closes the TCP connection through the client's internal
   * connection state (hivemq-mqtt-client 1.3.x); the client then reports a lost connection.
   */
  private CompletableFuture<Void> dropConnection() {
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
    if (cause instanceof Mqtt5ConnAckException refused) {
      return switch (refused.getMqttMessage().getReasonCode()) {
        case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED, CLIENT_IDENTIFIER_NOT_VALID, BANNED,
            BAD_AUTHENTICATION_METHOD, UNSUPPORTED_PROTOCOL_VERSION -> true;
        default -> false;
      };
    }
    if (cause instanceof Mqtt3ConnAckException refused) {
      return switch (refused.getMqttMessage().getReturnCode()) {
        case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED, IDENTIFIER_REJECTED, UNSUPPORTED_PROTOCOL_VERSION -> true;
        default -> false;
      };
    }
    return false;
  }
}
