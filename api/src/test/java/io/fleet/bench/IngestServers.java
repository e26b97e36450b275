package io.fleet.bench;

import io.fleet.api.KafkaProcess;
import io.fleet.api.PrivatePostgres;
import io.fleet.api.S3Process;
import io.fleet.api.TestMosquitto;
import io.fleet.infra.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The servers every cluster of {@link ClusterIngestBenchmark} shares, processes of their own: Kafka, S3, PostgreSQL
 * (a private one unless given a URL) and MQTT brokers (Mosquitto, anonymous, nothing on disk, no limit on what is
 * queued for or in flight to a bridge). {@link #close()} stops them.
 */
final class IngestServers implements AutoCloseable {
  final PrivatePostgres privatePostgres;
  final String postgresUrl;
  final KafkaProcess kafka;
  final S3Process s3;
  final List<TestMosquitto> brokers = new ArrayList<>();

  private IngestServers(PrivatePostgres privatePostgres, String postgresUrl, KafkaProcess kafka, S3Process s3) {
    this.privatePostgres = privatePostgres;
    this.postgresUrl = postgresUrl;
    this.kafka = kafka;
    this.s3 = s3;
  }

  static IngestServers start(Path dir, int brokers, String dbUrl) throws Exception {
    if (!TestMosquitto.installed()) throw new IllegalStateException("needs Debian's mosquitto");
    PrivatePostgres pg = null;
    if (dbUrl == null) {
      pg = PrivatePostgres.start(PrivatePostgres.binaries()
          .orElseThrow(() -> new IllegalStateException("no PostgreSQL installed: give --db-url")));
    }
    IngestServers servers = new IngestServers(pg, pg != null ? pg.jdbcUrl() : dbUrl, KafkaProcess.start(dir.resolve("kafka")),
        S3Process.start(dir.resolve("s3"), "fleet-clips"));
    try {
      for (int i = 0; i < brokers; i++) {
        // Nothing kept on disk; no limit on the messages queued for, or in flight to, a bridge.
        servers.brokers.add(TestMosquitto.anonymous(dir.resolve("broker-" + i),
            "persistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n"));
      }
      servers.kafka.bootstrap();
      return servers;
    } catch (Exception | Error e) {
      servers.close();
      throw e;
    }
  }

  List<String> brokerUrls(int count) {
    return brokers.subList(0, count).stream().map(TestMosquitto::url).toList();
  }

  /** What every node of a cluster of {@code nodes} shares: these servers, with {@code nodes} brokers. */
  Map<String, Object> settings(int nodes, String schema) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("fleet.kafka.bootstrap", kafka.bootstrap());
    m.put("fleet.mqtt.url", String.join(",", brokerUrls(nodes)));
    m.put("fleet.s3.endpoint", s3.endpoint());
    m.put("fleet.s3.access-key", s3.accessKey());
    m.put("fleet.s3.secret-key", s3.secretKey());
    m.put("fleet.db.url", Database.freshPostgresSchemaUrl(postgresUrl, schema));
    return m;
  }

  /** The servers' processes whose CPU is measured: Kafka, the {@code nodes} brokers in use, a private PostgreSQL. */
  void addTo(ProcessCpu cpu, int nodes) throws IOException {
    cpu.add("Kafka", kafka.pid());
    for (int i = 0; i < nodes; i++) cpu.add("Mosquitto " + (i + 1), brokers.get(i).pid());
    if (privatePostgres != null) cpu.addWithChildren("PostgreSQL", privatePostgres.pid());
  }

  @Override
  public void close() throws Exception {
    brokers.forEach(TestMosquitto::close);
    s3.close();
    kafka.close();
    if (privatePostgres != null) privatePostgres.close();
  }
}
