package io.fleet.api;

import java.net.InetAddress;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.headers.XForwardedFor;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Which address a request comes from, as failed authentications are counted by: the TCP peer, or — behind a
 * reverse proxy ({@code fleet.http.trust-forwarded-for}) — the last {@code X-Forwarded-For} entry, the one
 * the proxy itself added (earlier entries are the client's to invent).
 */
final class ClientAddress extends AllDirectives {
  private final boolean trustForwardedFor;

  ClientAddress(boolean trustForwardedFor) {
    this.trustForwardedFor = trustForwardedFor;
  }

  Route of(Function<String, Route> inner) {
    return extractRequest(request -> inner.apply(addressOf(request)));
  }

  private String addressOf(HttpRequest request) {
    if (trustForwardedFor) {
      var forwarded = request.getHeader(XForwardedFor.class);
      if (forwarded.isPresent()) {
        RemoteAddress last = null;
        for (RemoteAddress address : forwarded.get().getAddresses()) last = address;
        if (last != null && last.getAddress().isPresent()) return last.getAddress().get().getHostAddress();
      }
    }
    return request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .map(InetAddress::getHostAddress)
        .orElse("unknown");
  }
}
