package io.fleet.access;

import java.time.Instant;

/**
 * What a presented homeowner token turned out to be: valid (and whose), expired, revoked, or unknown.
 * The API answers the last three with 401, each saying why, so a person with an old token knows to ask
 * for a new one rather than to retype it.
 */
public sealed interface TokenCheck {
  record Valid(Principal principal) implements TokenCheck {}

  record Expired(Instant at) implements TokenCheck {}

  record Revoked(Instant at) implements TokenCheck {}

  record Unknown() implements TokenCheck {}
}
