package io.fleet.api;

import java.util.List;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Where a token may come as {@code ?access_token=} rather than in the {@code Authorization} header: only on a
 * {@code GET} a browser makes without headers — an {@code EventSource} (the alert and race streams), a
 * WebSocket, a {@code <video src>} (clip playback). Anywhere else a token in the URL would be one that
 * leaks into logs, histories and referrers for nothing, and a link that acts when followed; there it is
 * refused.
 */
final class AccessTokenParameter {
  static final String NAME = "access_token";
  private static final List<Pattern> HEADERLESS = List.of(
      Pattern.compile("/api/alerts/stream/?"),
      Pattern.compile("/api/alerts/ws/?"),
      Pattern.compile("/api/races/[^/]+/stream/?"),
      Pattern.compile("/api/clips/[^/]+/?"));

  private AccessTokenParameter() {}

  static boolean acceptedFor(HttpRequest request) {
    if (!request.method().equals(HttpMethods.GET)) return false;
    String path = request.getUri().path();
    return HEADERLESS.stream().anyMatch(p -> p.matcher(path).matches());
  }

  static String refusal() {
    return NAME + " is accepted only on GET of the live streams (/api/alerts/stream, /api/alerts/ws,"
        + " /api/races/{id}/stream) and of clips (/api/clips/{id}); send Authorization: Bearer <token>";
  }
}
