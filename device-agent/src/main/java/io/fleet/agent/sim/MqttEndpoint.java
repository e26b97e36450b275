package io.fleet.agent.sim;

import java.net.URI;
import java.util.Objects;

/** Where the broker listens, read from {@code tcp://host:port} (or {@code mqtt://}; the port defaults to 1883). */
record MqttEndpoint(String host, int port) {

  static final int DEFAULT_PORT = 1883;

  MqttEndpoint {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
  }

  static MqttEndpoint parse(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an MQTT URL: '" + url + "'", e);
    }
    String scheme = uri.getScheme();
    if (!("tcp".equals(scheme) || "mqtt".equals(scheme)) || uri.getHost() == null) {
      throw new IllegalArgumentException("expected tcp://host:port or mqtt://host:port, got '" + url + "'");
    }
    return new MqttEndpoint(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
  }

  @Override
  public String toString() {
    return "tcp://" + host + ":" + port;
  }
}
