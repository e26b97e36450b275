package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.access.TokenCheck;
import java.time.Duration;

/**
 * The outcome of authenticating one request: who it is, or why not. {@link HttpApi#unauthenticated}
 * maps each refusal to HTTP, in one place.
 */
sealed interface Authentication {
  record Authenticated(Principal principal) implements Authentication {}

  /** No bearer token came with the request. */
  record Missing() implements Authentication {}

  /** A token came and is not valid: unknown, expired or revoked. */
  record Refused(TokenCheck why) implements Authentication {}

  /** The client's address failed too often lately; its token was not looked at. */
  record Throttled(Duration retryAfter) implements Authentication {}
}
