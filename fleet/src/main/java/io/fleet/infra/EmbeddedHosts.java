package io.fleet.infra;

import java.net.URI;

/**
 * Addresses of the embedded servers: the host they bind ({@code fleet.embedded-bind-host}), the host Fleet's
 * own clients use to reach them, and the same URL under the host devices use ({@code fleet.public-host}).
 */
final class EmbeddedHosts {
  private EmbeddedHosts() {}

  /** Where a client on this machine reaches a server bound to {@code bindHost}: loopback for a wildcard bind. */
  static String connectHost(String bindHost) {
    return bindHost.equals("0.0.0.0") || bindHost.equals("::") || bindHost.isBlank() ? "127.0.0.1" : bindHost;
  }

  /** {@code url} with its host replaced by {@code host}. */
  static String withHost(String url, String host) {
    URI uri = URI.create(url);
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return uri.getScheme() + "://" + h + ":" + uri.getPort();
  }
}
