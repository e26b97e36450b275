package io.fleet.api;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.net.URI;
import java.util.Collection;
import java.util.UUID;

/**
 * Clears the retained {@code fleet/{id}/status} messages simulated devices leave on a shared broker
 * (the machine's Mosquitto outlives every test run; thousands of stale retained messages would flood
 * every later subscriber past the broker's queue limit).
 */
final class RetainedStatus {
  private RetainedStatus() {}

  static void clear(TestServers servers, Collection<String> deviceIds) {
    if (!servers.external()) return;
    URI uri = URI.create(servers.mqttUrl());
    Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("it-cleanup-" + UUID.randomUUID())
        .serverHost(uri.getHost()).serverPort(uri.getPort()).buildBlocking();
    client.connect();
    try {
      for (String id : deviceIds) {
        client.publishWith().topic("fleet/" + id + "/status").retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send();
      }
    } finally {
      client.disconnect();
    }
  }
}
