package io.fleet.infra;

import java.util.concurrent.CompletionStage;

/**
 * Takes a device's MQTT message to Kafka from inside the embedded broker, where the ingress bridge would have written
 * it (the device events, or a dead letter with the reason). Registered by the ingress bridge of the node that runs the
 * embedded broker ({@link EmbeddedMqttBroker#takeDirectly}); the broker then acknowledges the device once Kafka has
 * the message and queues nothing for the bridge ({@link DirectRoute}).
 */
public interface DirectIngress {
  /**
   * Starts writing the message published on {@code topic}; completes once Kafka has it, exceptionally if it could not
   * (the broker then queues the message for the bridge instead).
   */
  CompletionStage<?> take(String topic, byte[] payload);
}
