package io.fleet.infra;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.utils.Utils;

/**
 * Where Fleet's four backing services are reached, and which of them run embedded in this JVM.
 * An immutable value: it owns no state; {@link Infrastructure} builds it at start from the configuration
 * and the kept ports of the data directory, so it comes out the same after a restart.
 *
 * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param mqttUrl MQTT broker, {@code tcp://host:port}, or several, comma-separated (each device is pinned to one
 *     by its id, see {@link #brokerOf}; one bridge per broker)
 * @param mqttUser user of Fleet's own ingress bridge and health probe (may be empty for an open broker)
 * @param mqttPassword its password (may be empty)
 * @param s3Endpoint S3 endpoint, an http(s) URL
 * @param s3Bucket bucket for clips and snapshots
 * @param s3Region signing region
 * @param s3AccessKey access key id
 * @param s3SecretKey secret access key
 * @param dbUrl JDBC URL (H2 file or PostgreSQL)
 * @param dbUser database user (may be empty when the URL carries it)
 * @param dbPassword database password (may be empty)
 * @param mqttPublicUrl the broker as devices reach it (what a registration names); with several, as many in the
 *     same order
 * @param s3PublicEndpoint S3 as browsers and devices reach it (what presigned URLs name)
 */
public record Endpoints(
    String kafkaBootstrap,
    String mqttUrl,
    String mqttUser,
    String mqttPassword,
    String s3Endpoint,
    String s3Bucket,
    String s3Region,
    String s3AccessKey,
    String s3SecretKey,
    String dbUrl,
    String dbUser,
    String dbPassword,
    boolean kafkaEmbedded,
    boolean mqttEmbedded,
    boolean s3Embedded,
    boolean dbEmbedded,
    String mqttPublicUrl,
    String s3PublicEndpoint) {

  public Endpoints {
    Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
    Objects.requireNonNull(mqttUrl, "mqttUrl");
    mqttUser = Objects.requireNonNullElse(mqttUser, "");
    mqttPassword = Objects.requireNonNullElse(mqttPassword, "");
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(s3Bucket, "s3Bucket");
    Objects.requireNonNull(s3Region, "s3Region");
    s3AccessKey = Objects.requireNonNullElse(s3AccessKey, "");
    s3SecretKey = Objects.requireNonNullElse(s3SecretKey, "");
    Objects.requireNonNull(dbUrl, "dbUrl");
    dbUser = Objects.requireNonNullElse(dbUser, "");
    dbPassword = Objects.requireNonNullElse(dbPassword, "");
    mqttPublicUrl = mqttPublicUrl == null || mqttPublicUrl.isBlank() ? mqttUrl : mqttPublicUrl;
    if (split(mqttUrl).isEmpty()) throw new IllegalArgumentException("no MQTT broker");
    if (split(mqttPublicUrl).size() != split(mqttUrl).size()) {
      throw new IllegalArgumentException("fleet.mqtt.public-url names " + split(mqttPublicUrl).size()
          + " brokers, fleet.mqtt.url " + split(mqttUrl).size() + ": give one public URL per broker, in the same order");
    }
    s3PublicEndpoint = s3PublicEndpoint == null || s3PublicEndpoint.isBlank() ? s3Endpoint : s3PublicEndpoint;
  }

  /** The brokers, in the order configured: bridge {@code i} takes broker {@code i}'s messages. */
  public List<String> mqttUrls() {
    return split(mqttUrl);
  }

  /** The broker the device is pinned to, as the device reaches it: what its registration names. */
  public String mqttPublicUrlFor(String deviceId) {
    List<String> brokers = split(mqttPublicUrl);
    return brokers.get(brokerOf(deviceId, brokers.size()));
  }

  /**
   * Which of {@code brokers} brokers a device is pinned to: Kafka's murmur2 of its id, as the default partitioner
   * hashes keys, so the pinning is stable across nodes, restarts and versions.
   */
  public static int brokerOf(String deviceId, int brokers) {
    return Utils.toPositive(Utils.murmur2(deviceId.getBytes(StandardCharsets.UTF_8))) % brokers;
  }

  private static List<String> split(String urls) {
    return Arrays.stream(urls.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
  }

  /** True when the database is PostgreSQL (otherwise it is H2). */
  public boolean dbIsPostgres() {
    return dbUrl.startsWith("jdbc:postgresql:");
  }

  /** A few human-readable lines, one per service, each tagged "(embedded)" where it runs in this JVM. */
  public String describe() {
    return String.join(
        System.lineSeparator(),
        "Kafka bootstrap: " + kafkaBootstrap + tag(kafkaEmbedded),
        "MQTT broker:     " + mqttUrl + tag(mqttEmbedded) + (mqttPublicUrl.equals(mqttUrl) ? "" : ", devices use " + mqttPublicUrl),
        "S3 endpoint:     " + s3Endpoint + " bucket " + s3Bucket + tag(s3Embedded)
            + (s3PublicEndpoint.equals(s3Endpoint) ? "" : ", presigned URLs name " + s3PublicEndpoint),
        "Database:        " + redact(dbUrl) + tag(dbEmbedded));
  }

  /** Passwords never go into logs, also not the PostgreSQL URL's {@code password=} parameter. */
  @Override
  public String toString() {
    return "Endpoints[kafka=" + kafkaBootstrap + ", mqtt=" + mqttUrl + ", mqttUser=" + mqttUser
        + ", s3=" + s3Endpoint + ", bucket=" + s3Bucket + ", region=" + s3Region
        + ", s3AccessKey=" + s3AccessKey + ", db=" + redact(dbUrl) + ", dbUser=" + dbUser
        + ", embedded(kafka=" + kafkaEmbedded + ", mqtt=" + mqttEmbedded + ", s3=" + s3Embedded
        + ", db=" + dbEmbedded + ")]";
  }

  private static String tag(boolean embedded) {
    return embedded ? " (embedded)" : "";
  }

  private static String redact(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
