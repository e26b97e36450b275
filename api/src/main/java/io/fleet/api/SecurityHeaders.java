package io.fleet.api;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The headers every answer carries, API, dashboard and errors alike: a Content-Security-Policy that lets the
 * dashboard load scripts, styles and data from its own origin only (clips also from the bucket the playback
 * redirect points to, map tiles from {@code fleet.http.security.map-tiles} when set) and be framed by no
 * one, {@code nosniff}, no referrer, and — when Fleet is reached over HTTPS ({@code fleet.http.security.https},
 * or a TLS request) — Strict-Transport-Security. Built once from configuration; owns no other state.
 */
final class SecurityHeaders extends AllDirectives {
  private final List<HttpHeader> always;
  private final HttpHeader hsts;
  private final boolean https;

  /** {@code clipOrigin}: the scheme, host and port of the clip store's presigned URLs. */
  SecurityHeaders(Config security, String clipOrigin) {
    String tiles = security.getString("map-tiles").trim();
    String csp = String.join("; ",
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:" + (tiles.isEmpty() ? "" : " " + tiles),
        "media-src 'self' " + clipOrigin,
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'");
    this.always = List.of(
        RawHeader.create("Content-Security-Policy", csp),
        RawHeader.create("X-Content-Type-Options", "nosniff"),
        RawHeader.create("X-Frame-Options", "DENY"),
        RawHeader.create("Referrer-Policy", "no-referrer"));
    Duration maxAge = security.getDuration("hsts-max-age");
    this.hsts = RawHeader.create("Strict-Transport-Security", "max-age=" + maxAge.toSeconds() + "; includeSubDomains");
    this.https = security.getBoolean("https");
  }

  /** The origin ({@code scheme://host[:port]}) of {@code url}. */
  static String originOf(URI url) {
    return url.getScheme() + "://" + url.getRawAuthority();
  }

  /** {@code inner}, every answer of it with the security headers. */
  Route on(Supplier<Route> inner) {
    return extractRequest(request -> respondWithHeaders(headers("https".equalsIgnoreCase(request.getUri().getScheme())), inner));
  }

  /** The headers of an answer to a request that came over TLS ({@code overTls}) or not. */
  List<HttpHeader> headers(boolean overTls) {
    if (!https && !overTls) return always;
    List<HttpHeader> headers = new ArrayList<>(always);
    headers.add(hsts);
    return headers;
  }
}
