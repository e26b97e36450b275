package io.fleet.api;

import java.util.Optional;

/**
 * Who is calling: an operator sees the whole fleet; a homeowner only its household's devices.
 */
public record Principal(Role role, Optional<String> household) {
  public enum Role {
    OPERATOR,
    HOMEOWNER
  }

  public static Principal operator() {
    return new Principal(Role.OPERATOR, Optional.empty());
  }

  public static Principal homeowner(String household) {
    return new Principal(Role.HOMEOWNER, Optional.of(household));
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
