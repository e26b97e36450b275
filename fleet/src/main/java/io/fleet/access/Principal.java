package io.fleet.access;

import java.time.Instant;
import java.util.Optional;

/**
 * Who is calling: an operator sees the whole fleet; a homeowner only its household's devices. {@code name}
 * is what acknowledging or clearing an alert records as who did it; {@code expiresAt} when the token it
 * came with stops working (a live stream opened with it ends then), empty for a token that never expires.
 */
public record Principal(Role role, Optional<String> household, String name, Optional<Instant> expiresAt) {
  public enum Role {
    OPERATOR,
    HOMEOWNER
  }

  public static Principal operator() {
    return new Principal(Role.OPERATOR, Optional.empty(), "operator", Optional.empty());
  }

  public static Principal homeowner(String household) {
    return homeowner(household, null);
  }

  /** A homeowner's token, named by its label (or its household when it has none). */
  public static Principal homeowner(String household, String label) {
    return homeowner(household, label, Optional.empty());
  }

  /** A homeowner's token that stops working at {@code expiresAt}, if it has one. */
  public static Principal homeowner(String household, String label, Optional<Instant> expiresAt) {
    String name = "homeowner " + (label == null || label.isBlank() ? "of " + household : label);
    return new Principal(Role.HOMEOWNER, Optional.ofNullable(household), name, expiresAt);
  }

  public boolean isOperator() {
    return role == Role.OPERATOR;
  }

  /**
   * The household this principal is limited to, or empty for the whole fleet. A homeowner without a
   * household sees nothing: its scope is a household no device has.
   */
  public Optional<String> scope() {
    return isOperator() ? Optional.empty() : Optional.of(household.orElse("\u0000none"));
  }

  public boolean maySee(String deviceHousehold) {
    return isOperator() || household.isPresent() && household.get().equals(deviceHousehold);
  }
}
