package io.fleet.api;

import io.fleet.access.Principal;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A live stream (server-sent events, WebSocket) lasts no longer than the token it was opened with: it ends
 * when the token expires, and the browser's reconnect then meets a 401 that says so.
 */
final class TokenExpiry {
  private static final Duration AT_LEAST = Duration.ofMillis(1);

  private TokenExpiry() {}

  static <T, M> Source<T, M> endingWith(Principal principal, Source<T, M> stream) {
    return principal.expiresAt()
        .map(at -> {
          Duration left = Duration.between(Instant.now(), at);
          return stream.takeWithin(left.compareTo(AT_LEAST) < 0 ? AT_LEAST : left);
        })
        .orElse(stream);
  }
}
