package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.access.TokenCheck;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The API's door: who a request is, from its bearer token and its client's address ({@link Authenticator}),
 * or the answer that turns it away — 401 saying why, 429 while its address waits. Owns no state.
 */
final class BearerAuthentication extends AllDirectives {
  private final Authenticator authenticator;
  private final ClientAddress clientAddress;

  BearerAuthentication(Authenticator authenticator, ClientAddress clientAddress) {
    this.authenticator = authenticator;
    this.clientAddress = clientAddress;
  }

  /**
   * The bearer token from the {@code Authorization} header, or from {@code ?access_token=} where a browser
   * cannot send a header ({@link AccessTokenParameter}); a token in the URL anywhere else is refused.
   */
  Route authenticated(Function<Principal, Route> inner) {
    return clientAddress.of(client -> extractRequest(request -> optionalHeaderValueByName("Authorization", header ->
        parameterOptional(AccessTokenParameter.NAME, queryToken -> {
          if (queryToken.isPresent() && !AccessTokenParameter.acceptedFor(request)) {
            return challenge(() -> HttpApi.error(StatusCodes.UNAUTHORIZED, "access_token not accepted here",
                AccessTokenParameter.refusal()));
          }
          Optional<String> token = Authenticator.bearer(header).or(() -> queryToken.filter(t -> !t.isBlank()));
          return onSuccess(authenticator.authenticate(client, token), outcome ->
              outcome instanceof Authentication.Authenticated authenticated
                  ? inner.apply(authenticated.principal())
                  : unauthenticated(outcome));
        }))));
  }

  /** Health answers everyone, and says more to an operator; a refused or throttled token gets the public answer. */
  Route optionalPrincipal(Function<Optional<Principal>, Route> inner) {
    return clientAddress.of(client -> optionalHeaderValueByName("Authorization", header ->
        onSuccess(authenticator.authenticate(client, Authenticator.bearer(header)), outcome -> inner.apply(
            outcome instanceof Authentication.Authenticated authenticated ? Optional.of(authenticated.principal()) : Optional.empty()))));
  }

  /** A request that did not authenticate, as the API answers it: 401 saying why, or 429 while its address waits. */
  static Route unauthenticated(Authentication outcome) {
    if (outcome instanceof Authentication.Throttled throttled) {
      long seconds = Math.max(1, (throttled.retryAfter().toMillis() + 999) / 1000);
      return new AllDirectives() {}.respondWithHeader(RetryAfter.create(seconds), () -> HttpApi.error(StatusCodes.TOO_MANY_REQUESTS,
          "too many failed authentications", "this address failed to authenticate too often; try again in " + seconds + " s"));
    }
    if (outcome instanceof Authentication.Refused refused) {
      TokenCheck why = refused.why();
      if (why instanceof TokenCheck.Expired expired) {
        return challenge(() -> HttpApi.error(StatusCodes.UNAUTHORIZED, "token expired",
            "this token expired at " + expired.at() + "; ask an operator for a new one"));
      }
      if (why instanceof TokenCheck.Revoked revoked) {
        return challenge(() -> HttpApi.error(StatusCodes.UNAUTHORIZED, "token revoked",
            "this token was revoked at " + revoked.at() + "; ask an operator for a new one"));
      }
      return challenge(() -> HttpApi.error(StatusCodes.UNAUTHORIZED, "unauthorized", "the bearer token is not valid"));
    }
    return challenge(() -> HttpApi.error(StatusCodes.UNAUTHORIZED, "unauthorized", "send Authorization: Bearer <token>"));
  }

  private static Route challenge(Supplier<Route> inner) {
    return new AllDirectives() {}.respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("fleet")), inner);
  }
}
