package io.fleet.infra;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.tls.TlsIdentity;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet's backing services, resolved from the {@code fleet} configuration block: each of Kafka, MQTT, S3
 * and the database is the configured server when its setting is non-empty ({@code fleet.kafka.bootstrap},
 * {@code fleet.mqtt.url}, {@code fleet.s3.endpoint}, {@code fleet.db.url}), else an embedded one started
 * here, in this JVM, on a port and with data kept in {@code fleet.data-dir}.
 *
 * <p>State: owns the embedded servers it started and the database pool; everything durable is in the
 * data directory (see {@link DataDirectory}) or in the external servers, so a new {@code start} on the
 * same configuration after a stop or a crash finds the same endpoints, credentials and data.
 * {@link #close()} stops what was started, in reverse order, once.
 */
public final class Infrastructure implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);

  private final String uploadBuffer;
  private final DataDirectory dataDirectory;
  private final Endpoints endpoints;
  private final KafkaClients kafkaClients;
  private final DerivedPasswords derivedPasswords;
  private final DeviceCredentials deviceCredentials;
  private final Optional<EmbeddedMqttBroker> embeddedBroker;
  private final Optional<TlsIdentity> tls;
  private final Database database;
  private final Optional<MosquittoAccounts> mosquittoAccounts;
  /** Started resources, last started first. */
  private final Deque<Named> started;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Infrastructure(String uploadBuffer, DataDirectory dataDirectory, Endpoints endpoints, KafkaClients kafkaClients,
      DerivedPasswords derivedPasswords, DeviceCredentials deviceCredentials, Optional<EmbeddedMqttBroker> embeddedBroker,
      Database database, Optional<MosquittoAccounts> mosquittoAccounts, Optional<TlsIdentity> tls, Deque<Named> started) {
    this.tls = tls;
    this.mosquittoAccounts = mosquittoAccounts;
    this.dataDirectory = dataDirectory;
    this.endpoints = endpoints;
    this.kafkaClients = kafkaClients;
    this.derivedPasswords = derivedPasswords;
    this.deviceCredentials = deviceCredentials;
    this.embeddedBroker = embeddedBroker;
    this.database = database;
    this.started = started;
    this.uploadBuffer = uploadBuffer;
  }

  /** When the embedded broker holds devices back; off with a clean-session bridge (nothing is queued for it). */
  static EmbeddedMqttBroker.Backpressure backpressure(Config fleet) {
    String bridge = fleet.getString("mqtt.client-id");
    if (fleet.getBoolean("mqtt.clean-session")) return EmbeddedMqttBroker.Backpressure.off(bridge);
    return new EmbeddedMqttBroker.Backpressure(bridge, fleet.getLong("mqtt.embedded-backpressure.after"),
        fleet.getDuration("mqtt.embedded-backpressure.hold"));
  }

  /**
   * Starts the embedded servers that are not configured (in parallel), migrates the database and creates
   * the Kafka topics. On failure stops whatever it had started and throws.
   *
   * @param config the application configuration (with the {@code fleet} block)
   */
  public static Infrastructure start(Config config) {
    long begin = System.nanoTime();
    Config fleet = config.getConfig("fleet");
    DataDirectory dataDirectory = DataDirectory.open(Path.of(fleet.getString("data-dir")));
    String deviceSecret = fleet.getString("device-secret");
    DerivedPasswords derivedPasswords =
        new DerivedPasswords(deviceSecret.isEmpty() ? dataDirectory.secret("device") : deviceSecret);
    DeviceCredentials deviceCredentials = new DeviceCredentials(
        DeviceCredentials.Mode.parse(fleet.getString("device-passwords.mode")), derivedPasswords);

    String kafkaBootstrap = fleet.getString("kafka.bootstrap");
    String mqttUrl = fleet.getString("mqtt.url");
    String s3Endpoint = fleet.getString("s3.endpoint");
    String s3Bucket = fleet.getString("s3.bucket");
    String dbUrl = fleet.getString("db.url");
    boolean kafkaEmbedded = kafkaBootstrap.isBlank();
    boolean mqttEmbedded = mqttUrl.isBlank();
    boolean s3Embedded = s3Endpoint.isBlank();
    boolean dbEmbedded = dbUrl.isBlank();
    String bindHost = fleet.getString("embedded-bind-host");
    String publicHost = fleet.getString("public-host").isBlank() ? EmbeddedHosts.connectHost(bindHost)
        : fleet.getString("public-host");
    Optional<TlsIdentity> tls = TlsIdentity.fromConfig(fleet, () -> dataDirectory.subdirectory("tls"), List.of(publicHost, bindHost));

    Deque<Named> started = new ArrayDeque<>();
    ExecutorService executor = Executors.newFixedThreadPool(3, runnable -> {
      Thread thread = new Thread(runnable, "fleet-infra-start");
      thread.setDaemon(true);
      return thread;
    });
    CompletableFuture<EmbeddedKafka> kafka = kafkaEmbedded
          ? CompletableFuture.supplyAsync(() -> EmbeddedKafka.start(dataDirectory), executor)
          : CompletableFuture.completedFuture(null);
    CompletableFuture<EmbeddedMqttBroker> mqtt = mqttEmbedded
          ? CompletableFuture.supplyAsync(() -> EmbeddedMqttBroker.start(dataDirectory, deviceCredentials,
              fleet.getInt("mqtt.max-payload-bytes"), bindHost, tls, fleet.getString("mqtt.embedded-persistence"),
              backpressure(fleet)), executor)
          : CompletableFuture.completedFuture(null);
    CompletableFuture<EmbeddedS3> s3 = s3Embedded
          ? CompletableFuture.supplyAsync(() -> EmbeddedS3.start(dataDirectory, s3Bucket, bindHost), executor)
          : CompletableFuture.completedFuture(null);
    try {
      // The database needs no port: migrate it on this thread while the servers start.
      String jdbcUrl = dbEmbedded ? Database.h2Url(dataDirectory.subdirectory("db")) : dbUrl;
      String dbUser = dbEmbedded ? "" : fleet.getString("db.user");
      String dbPassword = dbEmbedded ? "" : fleet.getString("db.password");
      Database database = Database.open(jdbcUrl, dbUser, dbPassword, fleet.getInt("db.max-connections"));
      started.push(new Named("database pool", database));
      database.migrate();
      deviceCredentials.attach(database.dataSource());

      Endpoints endpoints = new Endpoints(
          kafkaEmbedded ? await(kafka, started, "Kafka").bootstrap() : kafkaBootstrap,
          mqttEmbedded ? await(mqtt, started, "MQTT broker").url() : mqttUrl,
          mqttEmbedded ? EmbeddedMqttBroker.SERVICE_USER : fleet.getString("mqtt.user"),
          mqttEmbedded ? await(mqtt, started, "MQTT broker").servicePassword() : fleet.getString("mqtt.password"),
          s3Embedded ? await(s3, started, "S3").endpoint() : s3Endpoint,
          s3Bucket,
          fleet.getString("s3.region"),
          s3Embedded ? EmbeddedS3.ACCESS_KEY : fleet.getString("s3.access-key"),
          s3Embedded ? await(s3, started, "S3").secretKey() : fleet.getString("s3.secret-key"),
          jdbcUrl, dbUser, dbPassword,
          kafkaEmbedded, mqttEmbedded, s3Embedded, dbEmbedded,
          mqttEmbedded && fleet.getString("mqtt.public-url").isBlank()
              ? EmbeddedHosts.withHost(devicesUrl(await(mqtt, started, "MQTT broker")), publicHost)
              : fleet.getString("mqtt.public-url"),
          s3Embedded && fleet.getString("s3.public-endpoint").isBlank()
              ? EmbeddedHosts.withHost(await(s3, started, "S3").endpoint(), publicHost) : fleet.getString("s3.public-endpoint"));
      Optional<MosquittoAccounts> accounts = Optional.empty();
      String dynsecAdmin = fleet.getString("mqtt.dynamic-security.admin-user");
      if (!mqttEmbedded && !dynsecAdmin.isBlank() && endpoints.mqttUrls().size() > 1) {
        throw new IllegalArgumentException("fleet.mqtt.dynamic-security: Fleet keeps the accounts of one Mosquitto, not of "
            + endpoints.mqttUrls().size() + " brokers; keep them otherwise (e.g. a shared dynamic-security file)");
      }
      if (!mqttEmbedded && !dynsecAdmin.isBlank()) {
        MosquittoAccounts connected = MosquittoAccounts.connect(mqttUrl, dynsecAdmin,
            fleet.getString("mqtt.dynamic-security.admin-password"));
        started.push(new Named("Mosquitto dynamic security", connected));
        awaitAccount(connected.ensureService(endpoints.mqttUser(), endpoints.mqttPassword()));
        accounts = Optional.of(connected);
      }
      KafkaClients kafkaClients = new KafkaClients(endpoints.kafkaBootstrap(), KafkaClients.propertiesFrom(config));
      KafkaTopics.ensure(kafkaClients, config);

      log.info("Infrastructure ready in {} ms:{}{}", (System.nanoTime() - begin) / 1_000_000,
          System.lineSeparator(), endpoints.describe());
      return new Infrastructure(fleet.getString("clips.upload-buffer"), dataDirectory, endpoints, kafkaClients,
          derivedPasswords, deviceCredentials, mqttEmbedded ? Optional.of(await(mqtt, started, "MQTT broker")) : Optional.empty(),
          database, accounts, tls, started);
    } catch (RuntimeException | Error e) {
      // Let the servers still starting finish, so none is left running, then stop all in reverse order.
      Throwable failure = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      for (CompletableFuture<? extends AutoCloseable> future : List.of(kafka, mqtt, s3)) {
        try {
          AutoCloseable server = future.join();
          if (server != null && started.stream().noneMatch(n -> n.resource() == server)) {
            started.push(new Named(server.getClass().getSimpleName(), server));
          }
        } catch (CompletionException other) {
          if (other.getCause() != failure) {
            failure.addSuppressed(other.getCause());
          }
        }
      }
      closeAll(started);
      if (failure instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (failure instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("infrastructure failed to start", failure);
    } finally {
      executor.shutdown();
    }
  }

  /** How the node's Kafka clients reach the cluster: bootstrap servers and the same extra properties for all. */
  public KafkaClients kafkaClients() {
    return kafkaClients;
  }

  public Endpoints endpoints() {
    return endpoints;
  }

  /** The bootstrap passwords derived from the fleet's device secret (see {@link DeviceCredentials.Mode#DERIVED}). */
  public DerivedPasswords derivedPasswords() {
    return derivedPasswords;
  }

  /** Every device's MQTT password: issued, rotated, revoked and checked. */
  public DeviceCredentials deviceCredentials() {
    return deviceCredentials;
  }

  /** The certificate and key the API and the embedded broker present over TLS ({@code fleet.tls}), if any. */
  public Optional<TlsIdentity> tls() {
    return tls;
  }

  /** Devices reach the embedded broker at its TLS listener when it has one, else at its plain one. */
  private static String devicesUrl(EmbeddedMqttBroker broker) {
    return broker.tlsUrl().orElse(broker.url());
  }

  /** The broker running in this JVM, when no external one is configured. */
  public Optional<EmbeddedMqttBroker> embeddedBroker() {
    return embeddedBroker;
  }

  /** The external Mosquitto's accounts Fleet keeps (dynamic security), when configured. */
  public Optional<MosquittoAccounts> mosquittoAccounts() {
    return mosquittoAccounts;
  }

  private static void awaitAccount(CompletionStage<Void> done) {
    try {
      done.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Mosquitto did not take Fleet's service account", e);
    }
  }

  /** The migrated database. */
  public Database database() {
    return database;
  }

  public DataDirectory dataDirectory() {
    return dataDirectory;
  }

  /**
   * The configuration Pekko needs to reach these services; lay it over the application configuration
   * ({@code infra.pekkoOverlay().withFallback(config)}): the Slick database of pekko-persistence-jdbc,
   * the projection dialect, Kafka bootstrap servers of pekko-connectors-kafka, and pekko-connectors-s3's
   * endpoint, path-style access, static credentials, region and part buffer ({@code fleet.clips.upload-buffer}).
   */
  public Config pekkoOverlay() {
    Map<String, Object> map = new HashMap<>();
    map.put("pekko.kafka.consumer.kafka-clients.bootstrap.servers", endpoints.kafkaBootstrap());
    map.put("pekko.kafka.producer.kafka-clients.bootstrap.servers", endpoints.kafkaBootstrap());
    // Every consumer and producer of pekko-connectors-kafka takes the same extra properties (TLS, SASL).
    kafkaClients.properties().forEach((key, value) -> {
      map.put("pekko.kafka.consumer.kafka-clients." + key, value);
      map.put("pekko.kafka.producer.kafka-clients." + key, value);
    });
    String s3 = "pekko.connectors.s3.";
    map.put(s3 + "endpoint-url", endpoints.s3Endpoint());
    map.put(s3 + "access-style", "path");
    map.put(s3 + "aws.credentials.provider", "static");
    map.put(s3 + "aws.credentials.access-key-id", endpoints.s3AccessKey());
    map.put(s3 + "aws.credentials.secret-access-key", endpoints.s3SecretKey());
    map.put(s3 + "aws.region.provider", "static");
    map.put(s3 + "aws.region.default-region", endpoints.s3Region());
    // Multipart parts wait for S3 in files, not on the heap: memory stays flat however many uploads run.
    map.put(s3 + "buffer", uploadBuffer);
    map.put(s3 + "disk-buffer-path", dataDirectory.subdirectory("upload-buffer").toString());
    return database.slickConfig().withFallback(ConfigFactory.parseMap(map, "io.fleet.infra.Infrastructure"));
  }

  /**
   * Starts stopping the embedded MQTT broker, if there is one, in the background; {@link #close} then waits
   * for it. Called once nothing of the node uses the broker any more (the bridge and the health probe
   * stopped): HiveMQ's stop takes ~2 s (Netty's fixed quiet period), which then overlaps the rest of the
   * node's stop instead of adding to it.
   */
  public void stopMqttBrokerEarly() {
    started.stream().map(Named::resource).filter(EmbeddedMqttBroker.class::isInstance).findFirst()
        .ifPresent(broker -> {
          Thread stop = new Thread(() -> {
            try {
              broker.close();
            } catch (Exception e) {
              log.warn("Failed to stop the embedded MQTT broker", e);
            }
          }, "mqtt-broker-stop");
          stop.setDaemon(true);
          stop.start();
        });
  }

  /** Stops what {@link #start} started, in reverse order. Idempotent; logs failures, never throws. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long begin = System.nanoTime();
    closeAll(started);
    log.info("Infrastructure stopped in {} ms", (System.nanoTime() - begin) / 1_000_000);
  }

  private static <T extends AutoCloseable> T await(CompletableFuture<T> future, Deque<Named> started, String name) {
    T resource = future.join();
    if (started.stream().noneMatch(n -> n.resource() == resource)) {
      started.push(new Named(name, resource));
    }
    return resource;
  }

  private static void closeAll(Deque<Named> started) {
    while (!started.isEmpty()) {
      Named next = started.pop();
      try {
        next.resource().close();
      } catch (Exception e) {
        log.warn("Failed to stop {}", next.name(), e);
      }
    }
  }

  private record Named(String name, AutoCloseable resource) {}
}
