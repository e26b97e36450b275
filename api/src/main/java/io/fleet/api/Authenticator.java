package io.fleet.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Turns a bearer token into a {@link Principal}. Holds the operator token in memory (from
 * {@code FLEET_ADMIN_TOKEN}, or generated and kept in the data directory).
 */
public final class Authenticator {
  private final byte[] operatorToken;

  public Authenticator(String operatorToken) {
    if (operatorToken == null || operatorToken.isBlank()) throw new IllegalArgumentException("operator token is empty");
    this.operatorToken = operatorToken.getBytes(StandardCharsets.UTF_8);
  }

  /** Reads an {@code Authorization: Bearer <token>} header value. */
  public Optional<Principal> authenticate(Optional<String> authorization) {
    return authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).trim())
        .flatMap(this::principalFor);
  }

  private Optional<Principal> principalFor(String token) {
    if (MessageDigest.isEqual(operatorToken, token.getBytes(StandardCharsets.UTF_8))) {
      return Optional.of(Principal.operator());
    }
    return Optional.empty();
  }
}
