package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where the agent's motion events go once their clip is in S3: {@link MqttMotionPublisher} or, for a
 * Kafka-speaking device, {@link KafkaMotionPublisher}. The delivery loop calls it for the oldest outbox entry and
 * removes the entry only when it returned: a failure leaves the event queued, to be tried again.
 */
interface MotionPublisher extends AutoCloseable {

  /**
   * Publishes the event naming {@code clip} (null: none) and returns once the broker acknowledged it; throws if
   * not.
   */
  void publish(ObjectNode event, ClipUpload.Stored clip) throws Exception;

  @Override
  void close();
}
