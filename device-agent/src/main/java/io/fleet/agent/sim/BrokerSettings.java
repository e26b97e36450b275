package io.fleet.agent.sim;

import io.fleet.agent.edge.MqttEndpoint;
import java.util.Objects;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;

/**
 * How every device of a fleet reaches the broker; {@code passwordFor} is null for anonymous devices, {@code trust}
 * (for a TLS endpoint) null for the Java runtime's default trusted CAs.
 */
record BrokerSettings(MqttEndpoint endpoint, MqttVersion version, Function<String, String> passwordFor, Backoff reconnect,
    TrustManagerFactory trust) {

  BrokerSettings {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(reconnect, "reconnect");
  }

  /** The device's password, or null to connect without credentials. */
  String passwordOf(String deviceId) {
    return passwordFor == null ? null : passwordFor.apply(deviceId);
  }
}
