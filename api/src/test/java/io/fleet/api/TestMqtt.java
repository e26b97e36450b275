package io.fleet.api;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** MQTT clients for tests: Fleet's service user (allowed on every device's topics), or a device itself. */
final class TestMqtt {
  private TestMqtt() {}

  static Mqtt3BlockingClient serviceClient(Endpoints e) {
    return serviceClient(e.mqttUrl(), e.mqttUser(), e.mqttPassword());
  }

  static Mqtt3BlockingClient serviceClient(String url, String user, String password) {
    URI uri = URI.create(url);
    var builder = MqttClient.builder().useMqttVersion3().identifier("it-publisher-" + UUID.randomUUID())
        .serverHost(uri.getHost()).serverPort(uri.getPort());
    if (!user.isEmpty()) {
      builder = builder.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    Mqtt3BlockingClient client = builder.buildBlocking();
    client.connect();
    return client;
  }

  /** A device's own MQTT 3.1.1 client, as a phone app logs in: client id = user = its device id. */
  static Mqtt3BlockingClient deviceClient(String url, String deviceId, String password) {
    URI uri = URI.create(url);
    Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier(deviceId)
        .serverHost(uri.getHost()).serverPort(uri.getPort())
        .simpleAuth().username(deviceId).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
        .buildBlocking();
    client.connect();
    return client;
  }

  /** Publishes with QoS 1 and returns once the broker acknowledged. */
  static void publish(Mqtt3BlockingClient mqtt, String topic, byte[] payload) {
    mqtt.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
  }

  static void publish(Mqtt3BlockingClient mqtt, String topic, String payload) {
    publish(mqtt, topic, payload.getBytes(StandardCharsets.UTF_8));
  }
}
