package io.fleet.api;

import io.fleet.access.ApiTokens;
import io.fleet.access.Principal;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /api/tokens}: operators mint, list and revoke homeowner tokens. */
final class TokenRoutes extends AllDirectives {
  private final ApiTokens tokens;
  private final Executor blocking;

  TokenRoutes(ApiTokens tokens, Executor blocking) {
    this.tokens = tokens;
    this.blocking = blocking;
  }

  /** The body of {@code POST /api/tokens}. */
  record MintToken(String household, String label) {}

  Route routes(Principal principal) {
    return pathPrefix("tokens", () -> {
      if (!principal.isOperator()) return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators manage tokens");
      return concat(
          pathEndOrSingleSlash(() -> concat(
              get(() -> onSuccess(BlockingQueries.query(blocking, tokens::list), list -> completeOK(list, Json.marshaller()))),
              post(() -> entity(Json.unmarshaller(MintToken.class), body -> {
                if (body.household() == null || body.household().isBlank()) {
                  return HttpApi.error(StatusCodes.BAD_REQUEST, "household required", "a homeowner token is bound to one household");
                }
                return onSuccess(BlockingQueries.query(blocking, () -> tokens.mintHomeowner(body.household(), body.label())),
                    minted -> complete(StatusCodes.CREATED, minted, Json.marshaller()));
              })))),
          path(PathMatchers.segment(), id -> delete(() -> onSuccess(BlockingQueries.query(blocking, () -> tokens.revoke(id)),
              revoked -> revoked
                  ? complete(StatusCodes.NO_CONTENT)
                  : HttpApi.error(StatusCodes.NOT_FOUND, "unknown token", "no active token '" + id + "'")))));
    });
  }
}
