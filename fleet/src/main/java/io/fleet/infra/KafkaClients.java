package io.fleet.infra;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * How every Kafka client of a node reaches the cluster — producers, consumers and admin clients alike: the
 * bootstrap servers and the same extra properties ({@code fleet.kafka.client-properties}: TLS, SASL
 * PLAIN/SCRAM, as Confluent Cloud or a secured cluster needs). A value; the clients themselves are owned by
 * whoever creates them.
 */
public record KafkaClients(String bootstrap, Map<String, String> properties) {
  /** How long an admin call may take before it fails (health checks, topic creation, lag). */
  private static final int ADMIN_TIMEOUT_MS = 5000;

  public KafkaClients {
    properties = Map.copyOf(properties);
  }

  /** The extra properties of {@code fleet.kafka.client-properties}, each key a Kafka client property. */
  public static Map<String, String> propertiesFrom(Config config) {
    Map<String, String> properties = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : config.getConfig("fleet.kafka.client-properties").entrySet()) {
      // Keys with dots are quoted paths in HOCON ("security.protocol"): their unquoted form is the property.
      properties.put(entry.getKey().replace("\"", ""), String.valueOf(entry.getValue().unwrapped()));
    }
    return properties;
  }

  /** An admin client's properties, with short timeouts: an admin call that hangs holds up health and start. */
  public Map<String, Object> admin() {
    Map<String, Object> admin = new HashMap<>(properties);
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ADMIN_TIMEOUT_MS);
    admin.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ADMIN_TIMEOUT_MS);
    return admin;
  }

  /** A plain client's properties (a consumer's or producer's, outside pekko-connectors-kafka). */
  public Map<String, Object> client() {
    Map<String, Object> client = new HashMap<>(properties);
    client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return client;
  }
}
