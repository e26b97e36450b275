package io.fleet.api;

import io.fleet.access.ApiTokens;
import io.fleet.access.Principal;
import io.fleet.access.TokenCheck;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Turns a bearer token into a {@link Principal}: the operator token (from {@code FLEET_ADMIN_TOKEN}, or
 * generated and kept in the data directory) held in memory, homeowner tokens looked up by hash in
 * {@link ApiTokens} on every request, so a revocation or an expiry takes effect at once. Every refused
 * token counts against its client's address in {@link FailedAuthentications}; an address over the limit
 * is {@link Authentication.Throttled} before its token is looked at.
 */
final class Authenticator {
  private final byte[] operatorToken;
  private final ApiTokens tokens;
  private final Executor blocking;
  private final FailedAuthentications failures;

  Authenticator(String operatorToken, ApiTokens tokens, Executor blocking, FailedAuthentications failures) {
    if (operatorToken == null || operatorToken.isBlank()) throw new IllegalArgumentException("operator token is empty");
    this.operatorToken = operatorToken.getBytes(StandardCharsets.UTF_8);
    this.tokens = tokens;
    this.blocking = blocking;
    this.failures = failures;
  }

  /** The token of an {@code Authorization: Bearer <token>} header value. */
  static Optional<String> bearer(Optional<String> authorization) {
    return authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).trim())
        .filter(t -> !t.isEmpty());
  }

  /** Who {@code token}, presented from {@code client}'s address, stands for. */
  CompletionStage<Authentication> authenticate(String client, Optional<String> token) {
    if (token.isEmpty()) return CompletableFuture.completedFuture(new Authentication.Missing());
    Optional<Authentication> throttled = throttled(client);
    if (throttled.isPresent()) return CompletableFuture.completedFuture(throttled.get());
    if (MessageDigest.isEqual(operatorToken, token.get().getBytes(StandardCharsets.UTF_8))) {
      return CompletableFuture.completedFuture(new Authentication.Authenticated(Principal.operator()));
    }
    return BlockingQueries.query(blocking, () -> tokens.check(token.get())).thenApply(check -> {
      if (check instanceof TokenCheck.Valid valid) return new Authentication.Authenticated(valid.principal());
      failures.failed(client);
      return new Authentication.Refused(check);
    });
  }

  /** {@link Authentication.Throttled} while {@code client} may not try to authenticate. */
  Optional<Authentication> throttled(String client) {
    return failures.retryAfter(client).map(Authentication.Throttled::new);
  }

  /** Counts a failed authentication that was not a token's (a device's wrong password). */
  void failed(String client) {
    failures.failed(client);
  }
}
