package io.fleet.infra;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one) running in this JVM.
 *
 * <p>State: the log directory {@code <data-dir>/kafka} holds the metadata log, topics, records and
 * committed consumer-group offsets; the two ports (client {@code kafka}, controller
 * {@code kafka-controller}) are kept in the data directory's {@code ports.properties}. The storage is
 * formatted once, when {@code meta.properties} is missing; after a clean stop or a crash the same
 * directory and ports bring everything back (Kafka recovers unflushed segments itself). Short broker
 * session timeouts let a restart after a crash register the broker in seconds rather than ~15 s.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  /** Big enough for a dead letter that carries a 2 MB+ payload plus its headers. */
  public static final int MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

  private final KafkaRaftServer server;
  private final String bootstrap;
  private boolean closed;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrap) {
    this.server = server;
    this.bootstrap = bootstrap;
  }

  /** Formats the log directory if needed and starts the broker; returns once it serves clients. */
  public static EmbeddedKafka start(DataDirectory dataDirectory) {
    return start(dataDirectory, Map.of());
  }

  /**
   * The same, with broker properties laid over Fleet's (e.g. a SASL listener, to try Fleet against a secured
   * broker: its client port is {@code dataDirectory.portFor("kafka")}, the controller's
   * {@code portFor("kafka-controller")}).
   */
  public static EmbeddedKafka start(DataDirectory dataDirectory, Map<String, String> overrides) {
    return start(dataDirectory, "127.0.0.1", overrides);
  }

  /**
   * The same, its clients' listener bound to (and advertised as) {@code host} instead of 127.0.0.1, for clients on
   * other hosts (e.g. nodes in network namespaces of their own); the controller stays on 127.0.0.1.
   */
  public static EmbeddedKafka start(DataDirectory dataDirectory, String host) {
    return start(dataDirectory, host, Map.of());
  }

  private static EmbeddedKafka start(DataDirectory dataDirectory, String host, Map<String, String> overrides) {
    long started = System.nanoTime();
    int port = dataDirectory.portFor("kafka");
    int controllerPort = dataDirectory.portFor("kafka-controller");
    Ports.requireFree("Kafka", dataDirectory, port, controllerPort);
    Path logDir = dataDirectory.subdirectory("kafka");
    Properties props = brokerProperties(logDir, host, port, controllerPort);
    props.putAll(overrides);
    KafkaConfig config = KafkaConfig.fromProps(props, false);
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(logDir);
    }
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      try {
        server.shutdown();
        server.awaitShutdown();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("embedded Kafka failed to start on " + logDir, e);
    }
    String bootstrap = host + ":" + port;
    log.info("Embedded Kafka on {} (log {}) started in {} ms", bootstrap, logDir,
        (System.nanoTime() - started) / 1_000_000);
    return new EmbeddedKafka(server, bootstrap);
  }

  /** {@code 127.0.0.1:<port>} (or the host it was started on). */
  public String bootstrap() {
    return bootstrap;
  }

  /** Stops the broker and waits until it has shut down (logs flushed, locks released). Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long started = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    log.info("Embedded Kafka on {} stopped in {} ms", bootstrap, (System.nanoTime() - started) / 1_000_000);
  }

  static Properties brokerProperties(Path logDir, String host, int port, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", "8");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "10");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("broker.session.timeout.ms", "2000");
    p.put("broker.heartbeat.interval.ms", "500");
    p.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
    p.put("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("num.recovery.threads.per.data.dir", "2");
    return p;
  }

  private static void format(Path logDir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(print)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(logDir.toString())
          .addDirectory(logDir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setIgnoreFormatted(true)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka storage in " + logDir, e);
    }
    log.info("Formatted Kafka storage in {}: {}", logDir, out.toString(StandardCharsets.UTF_8).trim());
  }
}
