package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleet.protocol.Topics;
import java.util.concurrent.TimeUnit;

/** Motion events as JSON with {@code clip_id} on {@code fleet/{id}/motion}, QoS 1, over the agent's {@link Uplink}. */
final class MqttMotionPublisher implements MotionPublisher {
  private final Uplink uplink;
  private final String topic;

  MqttMotionPublisher(Uplink uplink, String deviceId) {
    this.uplink = uplink;
    this.topic = Topics.motion(deviceId);
  }

  @Override
  public void publish(ObjectNode event, ClipUpload.Stored clip) throws Exception {
    if (clip != null) event.put("clip_id", clip.clipId());
    uplink.publish(topic, event.toString(), false).get(Uplink.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    // The uplink belongs to the agent, which closes it after its heartbeats.
  }
}
