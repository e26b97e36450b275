package io.fleet.agent.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.fleet.agent.edge.MqttEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A test's subscriber: records what arrives on {@code fleet/{deviceId}/{channel}} topics for the device ids that
 * start with one prefix, so that other runs sharing the broker do not disturb the test.
 */
final class TopicRecorder implements AutoCloseable {

  record Message(String deviceId, String channel, String payload, boolean retained) {}

  private final Mqtt5AsyncClient client;
  private final String devicePrefix;
  private final Collection<Message> messages = new ConcurrentLinkedQueue<>();

  private TopicRecorder(Mqtt5AsyncClient client, String devicePrefix) {
    this.client = client;
    this.devicePrefix = devicePrefix;
  }

  /** Connects and returns once the broker granted every subscription. */
  static TopicRecorder subscribe(String url, String devicePrefix, String... topicFilters) throws Exception {
    MqttEndpoint broker = MqttEndpoint.parse(url);
    Mqtt5AsyncClient client = MqttClient.builder()
        .useMqttVersion5()
        .identifier("it-recorder-" + UUID.randomUUID())
        .serverHost(broker.host())
        .serverPort(broker.port())
        .buildAsync();
    TopicRecorder recorder = new TopicRecorder(client, devicePrefix);
    client.publishes(MqttGlobalPublishFilter.ALL, recorder::record);
    client.connect().get(10, TimeUnit.SECONDS);
    for (String filter : topicFilters) {
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
    }
    return recorder;
  }

  private void record(Mqtt5Publish publish) {
    List<String> levels = publish.getTopic().getLevels();
    if (levels.size() == 3 && levels.get(1).startsWith(devicePrefix)) {
      String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
      messages.add(new Message(levels.get(1), levels.get(2), payload, publish.isRetain()));
    }
  }

  /** The messages on one channel, or on all when {@code channel} is null. */
  List<Message> messages(String channel) {
    return messages.stream().filter(m -> channel == null || m.channel().equals(channel)).collect(Collectors.toList());
  }

  List<Message> messages(String deviceId, String channel) {
    return messages.stream()
        .filter(m -> m.deviceId().equals(deviceId) && m.channel().equals(channel))
        .collect(Collectors.toList());
  }

  Map<String, Long> countsByDevice(String channel) {
    return messages(channel).stream().collect(Collectors.groupingBy(Message::deviceId, Collectors.counting()));
  }

  /** The payload of the latest message on each device's channel. */
  Map<String, String> latestByDevice(String channel) {
    return messages(channel).stream()
        .collect(Collectors.toMap(Message::deviceId, Message::payload, (earlier, later) -> later));
  }

  /** Deletes retained messages (an empty retained payload), so a shared broker does not keep them for ever. */
  void clearRetained(Collection<String> topics) throws Exception {
    CompletableFuture.allOf(topics.stream()
            .map(topic -> client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(new byte[0]).send())
            .toArray(CompletableFuture[]::new))
        .get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    client.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
