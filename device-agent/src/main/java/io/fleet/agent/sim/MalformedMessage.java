package io.fleet.agent.sim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Ground truth of one message a misbehaving device got acknowledged by the broker, so Fleet must have seen it: who
 * sent it where, how it misbehaved, the reason Fleet should give its dead letter, and the payload's size and
 * SHA-256 (a test matches a dead letter's original bytes against it without the simulator keeping them).
 */
public record MalformedMessage(
    String deviceId, Misbehaviour misbehaviour, String topic, int size, String sha256, String expectedReason) {

  static MalformedMessage of(String deviceId, Misbehaviour misbehaviour, String topic, byte[] payload) {
    return new MalformedMessage(deviceId, misbehaviour, topic, payload.length, sha256(payload), misbehaviour.expectedReason());
  }

  /** Hex SHA-256 of {@code bytes}, as {@link #sha256()} holds it. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
