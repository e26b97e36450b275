package io.fleet.access;

import java.util.Optional;

/**
 * Who is calling: an operator sees the whole fleet; a homeowner only its household's devices. {@code name}
 * is what acknowledging or clearing an alert records as who did it.
 */
public record Principal(Role role, Optional<String> household, String name) {
  public enum Role {
    OPERATOR,
    HOMEOWNER
  }

  public static Principal operator() {
    return new Principal(Role.OPERATOR, Optional.empty(), "operator");
  }

  public static Principal homeowner(String household) {
    return homeowner(household, null);
  }

  /** A homeowner's token, named by its label (or its household when it has none). */
  public static Principal homeowner(String household, String label) {
    String name = "homeowner " + (label == null || label.isBlank() ? "of " + household : label);
    return new Principal(Role.HOMEOWNER, Optional.ofNullable(household), name);
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
