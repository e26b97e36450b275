package io.fleet.agent.edge;

import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;

/**
 * How the agent reports motion (the {@code agent.events} block of its HOCON): {@code mqtt}, its event JSON with the
 * clip id on {@code fleet/{id}/motion}; or {@code kafka}, as the original Raspberry Pis did with librdkafka, the
 * seed's JSON ({@code event_id, device_id, device_name, device_type, url, time, message}) on {@code topic} of the
 * Kafka cluster at {@code bootstrapServers}, {@code time} in {@code zone}. {@code producerProperties} are passed to
 * the Kafka producer as they are (security, SASL, ...).
 */
public record MotionEvents(
    String transport, String bootstrapServers, String topic, String deviceName, String message, ZoneId zone,
    Map<String, String> producerProperties) {

  public MotionEvents {
    if (!transport.equals("mqtt") && !transport.equals("kafka")) {
      throw new IllegalArgumentException("agent.events.transport must be mqtt or kafka: " + transport);
    }
    Objects.requireNonNull(zone, "zone");
    producerProperties = Map.copyOf(producerProperties);
    if (transport.equals("kafka") && (bootstrapServers == null || bootstrapServers.isBlank())) {
      throw new IllegalArgumentException("agent.events.kafka.bootstrap-servers is needed for transport = kafka");
    }
  }

  /** Events over MQTT, the default. */
  public static MotionEvents mqtt() {
    return new MotionEvents("mqtt", "", "ksql_motion_events", "", "motion was detected", ZoneId.of("UTC"), Map.of());
  }

  /** Events as the seed's JSON on {@code topic} of the Kafka cluster at {@code bootstrapServers}, times in UTC. */
  public static MotionEvents kafka(String bootstrapServers, String topic) {
    return new MotionEvents("kafka", bootstrapServers, topic, "", "motion was detected", ZoneId.of("UTC"), Map.of());
  }

  public boolean overKafka() {
    return transport.equals("kafka");
  }
}
