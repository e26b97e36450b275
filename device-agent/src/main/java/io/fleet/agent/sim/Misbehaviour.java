package io.fleet.agent.sim;

import io.fleet.protocol.HeartbeatMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a misbehaving simulated device goes wrong, and what Fleet is expected to make of it (the ground truth a test
 * asserts on). A misbehaving device sends, in place of each heartbeat, its kind of bad message.
 */
public enum Misbehaviour {
  /** A heartbeat cut off mid-way: not JSON. Fleet dead-letters it as {@code malformed-json}. */
  MALFORMED_JSON("malformed-json"),
  /** A heartbeat padded past Fleet's payload limit. Dead-lettered as {@code oversized} before it is parsed. */
  OVERSIZED("oversized"),
  /** A heartbeat whose numbers are strings ({@code "battery": "full"}). Dead-lettered as {@code invalid-message}. */
  WRONG_TYPES("invalid-message"),
  /**
   * Valid messages from a device Fleet does not know: it holds credentials (the broker lets it in) but was never
   * registered. Each of its messages, its status included, is dead-lettered as {@code unknown-device} when Fleet's
   * auto-registration is off; with it on, Fleet would register the device instead.
   */
  UNKNOWN_DEVICE("unknown-device"),
  /** Connects with a wrong password: the broker refuses it at CONNECT, so Fleet never sees a message. */
  WRONG_CREDENTIALS(null);

  private final String expectedReason;

  Misbehaviour(String expectedReason) {
    this.expectedReason = expectedReason;
  }

  /** The reason code Fleet gives the dead letters of this misbehaviour; null when nothing reaches Fleet. */
  public String expectedReason() {
    return expectedReason;
  }

  /** Whether the device's messages are bad in themselves (as opposed to coming from the wrong sender). */
  boolean corruptsHeartbeats() {
    return this == MALFORMED_JSON || this == OVERSIZED || this == WRONG_TYPES;
  }

  /** The bad message sent in place of {@code heartbeat}; {@code oversizedBytes} is the size of an oversized one. */
  byte[] corrupt(HeartbeatMessage heartbeat, int oversizedBytes) {
    byte[] json = heartbeat.toJson();
    return switch (this) {
      case MALFORMED_JSON -> Arrays.copyOf(json, json.length / 2);
      case OVERSIZED -> padded(heartbeat, oversizedBytes);
      case WRONG_TYPES -> ("{\"ts\":\"" + heartbeat.ts() + "\",\"battery\":\"full\",\"rssi\":\"strong\",\"interval_s\":"
          + heartbeat.intervalS() + ",\"type\":\"" + heartbeat.type().wireName() + "\"}").getBytes(StandardCharsets.UTF_8);
      default -> json;
    };
  }

  private static byte[] padded(HeartbeatMessage heartbeat, int size) {
    String head = "{\"ts\":\"" + heartbeat.ts() + "\",\"battery\":" + heartbeat.battery() + ",\"note\":\"";
    String tail = "\"}";
    int padding = Math.max(0, size - head.length() - tail.length());
    return (head + "x".repeat(padding) + tail).getBytes(StandardCharsets.UTF_8);
  }
}
