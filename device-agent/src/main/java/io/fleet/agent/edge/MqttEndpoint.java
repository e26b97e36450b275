package io.fleet.agent.edge;

import com.hivemq.client.mqtt.MqttClientBuilderBase;
import java.net.URI;
import java.util.Objects;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where the broker listens, read from {@code tcp://host:port} (or {@code mqtt://}; the port defaults to 1883), or
 * over TLS from {@code ssl://host:port} (or {@code mqtts://}; default 8883).
 */
public record MqttEndpoint(String host, int port, boolean tls) {

  static final int DEFAULT_PORT = 1883;
  static final int DEFAULT_TLS_PORT = 8883;

  public MqttEndpoint {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
  }

  public MqttEndpoint(String host, int port) {
    this(host, port, false);
  }

  public static MqttEndpoint parse(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an MQTT URL: '" + url + "'", e);
    }
    String scheme = uri.getScheme();
    boolean tls = "ssl".equals(scheme) || "mqtts".equals(scheme);
    if (!(tls || "tcp".equals(scheme) || "mqtt".equals(scheme)) || uri.getHost() == null) {
      throw new IllegalArgumentException("expected tcp://, mqtt://, ssl:// or mqtts://host:port, got '" + url + "'");
    }
    return new MqttEndpoint(uri.getHost(), uri.getPort() >= 0 ? uri.getPort() : tls ? DEFAULT_TLS_PORT : DEFAULT_PORT, tls);
  }

  /**
   * {@code client} pointed here, over TLS for an {@code ssl://} endpoint trusting {@code trust} (null: the Java
   * runtime's trusted CAs).
   */
  public <B extends MqttClientBuilderBase<B>> B applyTo(B client, TrustManagerFactory trust) {
    B here = client.serverHost(host).serverPort(port);
    if (!tls) return here;
    return trust == null ? here.sslWithDefaultConfig() : here.sslConfig().trustManagerFactory(trust).applySslConfig();
  }

  @Override
  public String toString() {
    return (tls ? "ssl://" : "tcp://") + host + ":" + port;
  }
}
