package io.fleet.agent.sim;

import static io.fleet.agent.sim.DeviceLink.utf8;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.fleet.agent.protocol.Topics;
import java.util.concurrent.CompletableFuture;

/** A {@link DeviceLink} over MQTT 5. */
final class Mqtt5Link implements DeviceLink {

  private final Mqtt5AsyncClient client;

  Mqtt5Link(Mqtt5ClientBuilder builder, String deviceId, String password) {
    Mqtt5ClientBuilder withWill = builder.willPublish()
        .topic(Topics.status(deviceId))
        .payload(utf8(Topics.OFFLINE))
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .applyWillPublish();
    Mqtt5ClientBuilder complete = password == null
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
        .thenAccept(result -> {});
  }

  @Override
  public CompletableFuture<Void> disconnect() {
    return client.disconnect();
  }

  @Override
  public CompletableFuture<Void> disconnectWithWill() {
    return client.disconnectWith()
        .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
        .send();
  }

  @Override
  public boolean isConnected() {
    return client.getState().isConnected();
  }

  @Override
  public boolean isRefusal(Throwable cause) {
    if (!(cause instanceof Mqtt5ConnAckException refused)) {
      return false;
    }
    return switch (refused.getMqttMessage().getReasonCode()) {
      case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED, CLIENT_IDENTIFIER_NOT_VALID, BANNED,
          BAD_AUTHENTICATION_METHOD, UNSUPPORTED_PROTOCOL_VERSION -> true;
      default -> false;
    };
  }
}
