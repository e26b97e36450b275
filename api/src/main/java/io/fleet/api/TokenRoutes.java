package io.fleet.api;

import io.fleet.access.ApiTokens;
import io.fleet.access.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /api/tokens}: operators mint, list and revoke homeowner tokens. A token may be minted with an
 * expiry, as an instant ({@code expiresAt}) or a lifetime ({@code ttlSeconds}); without one it lasts until
 * revoked.
 */
final class TokenRoutes extends AllDirectives {
  // Longer lifetimes are cut to this: far enough for any household, near enough that now + ttl is an
  // instant every database stores.
  private static final Duration MAX_TTL = Duration.ofDays(3650);
  private final ApiTokens tokens;
  private final Executor blocking;

  TokenRoutes(ApiTokens tokens, Executor blocking) {
    this.tokens = tokens;
    this.blocking = blocking;
  }

  /** The body of {@code POST /api/tokens}. */
  record MintToken(String household, String label, String expiresAt, Long ttlSeconds) {
    /** When the token is to expire, if it is to; bad input is an {@link IllegalArgumentException} for the caller. */
    Optional<Instant> expiry(Instant now) {
      if (expiresAt != null && ttlSeconds != null) throw new IllegalArgumentException("give expiresAt or ttlSeconds, not both");
      if (ttlSeconds != null) {
        if (ttlSeconds <= 0) throw new IllegalArgumentException("ttlSeconds must be positive");
        return Optional.of(now.plusSeconds(Math.min(ttlSeconds, MAX_TTL.toSeconds())));
      }
      if (expiresAt == null || expiresAt.isBlank()) return Optional.empty();
      Instant at = QueryParams.time("expiresAt", expiresAt);
      if (!at.isAfter(now)) throw new IllegalArgumentException("expiresAt must be in the future");
      return Optional.of(at);
    }
  }

  Route routes(Principal principal) {
    return pathPrefix("tokens", () -> {
      if (!principal.isOperator()) return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators manage tokens");
      return concat(
          pathEndOrSingleSlash(() -> concat(
              get(() -> onSuccess(BlockingQueries.query(blocking, tokens::list), list -> completeOK(list, Json.marshaller()))),
              post(() -> Json.body(MintToken.class, body -> {
                if (body.household() == null || body.household().isBlank()) {
                  return HttpApi.error(StatusCodes.BAD_REQUEST, "household required", "a homeowner token is bound to one household");
                }
                Optional<Instant> expiry = body.expiry(Instant.now());
                return onSuccess(BlockingQueries.query(blocking, () -> tokens.mintHomeowner(body.household(), body.label(), expiry)),
                    minted -> complete(StatusCodes.CREATED, minted, Json.marshaller()));
              })))),
          path(PathMatchers.segment(), id -> delete(() -> onSuccess(BlockingQueries.query(blocking, () -> tokens.revoke(id)),
              revoked -> revoked
                  ? complete(StatusCodes.NO_CONTENT)
                  : HttpApi.error(StatusCodes.NOT_FOUND, "unknown token", "no active token '" + id + "'")))));
    });
  }
}
