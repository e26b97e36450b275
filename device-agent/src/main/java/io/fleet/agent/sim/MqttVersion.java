package io.fleet.agent.sim;

/** The MQTT protocol version a virtual device speaks. */
public enum MqttVersion {
  /** MQTT 3.1.1: a will is published only when the connection drops without a DISCONNECT. */
  V3_1_1,
  /** MQTT 5: a device can also ask for its will on DISCONNECT (reason code 0x04). */
  V5
}
