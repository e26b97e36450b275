package io.fleet.api;

import io.fleet.access.ApiTokens;
import io.fleet.access.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Turns a bearer token into a {@link Principal}: the operator token (from {@code FLEET_ADMIN_TOKEN}, or
 * generated and kept in the data directory) held in memory, homeowner tokens looked up by hash in
 * {@link ApiTokens} on every request, so a revocation takes effect at once.
 */
final class Authenticator {
  private final byte[] operatorToken;
  private final ApiTokens tokens;
  private final Executor blocking;

  Authenticator(String operatorToken, ApiTokens tokens, Executor blocking) {
    if (operatorToken == null || operatorToken.isBlank()) throw new IllegalArgumentException("operator token is empty");
    this.operatorToken = operatorToken.getBytes(StandardCharsets.UTF_8);
    this.tokens = tokens;
    this.blocking = blocking;
  }

  /** Reads an {@code Authorization: Bearer <token>} header value. */
  CompletionStage<Optional<Principal>> authenticate(Optional<String> authorization) {
    Optional<String> token = authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).trim())
        .filter(t -> !t.isEmpty());
    if (token.isEmpty()) return CompletableFuture.completedFuture(Optional.empty());
    if (MessageDigest.isEqual(operatorToken, token.get().getBytes(StandardCharsets.UTF_8))) {
      return CompletableFuture.completedFuture(Optional.of(Principal.operator()));
    }
    return BlockingQueries.query(blocking, () -> tokens.principalFor(token.get()));
  }
}
