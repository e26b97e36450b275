package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fleet process that dies without any shutdown ({@code Runtime.halt}) right after writing loses
 * nothing it had been told was written: the Kafka record, the committed offset and the committed
 * database row are all there when the embedded infrastructure starts again on the same directory.
 */
class CrashRestartIT {

  private static final String GROUP = "crash-group";

  @TempDir Path dataDir;

  @Test
  void recordsOffsetsAndRowsWrittenRightBeforeAHaltSurviveTheRestart() throws Exception {
    String value = "before-crash-" + UUID.randomUUID();
    Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            "-Xmx512m",
            CrashingNode.class.getName(), dataDir.toString(), value)
        .redirectErrorStream(true)
        .start();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      reader.lines().forEach(output::add);
    }
    assertThat(child.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as("child output:%n%s", String.join("\n", output)).isEqualTo(CrashingNode.HALT_STATUS);
    String ready = output.stream().filter(l -> l.startsWith("WRITTEN ")).findFirst()
        .orElseThrow(() -> new AssertionError("child never wrote: " + String.join("\n", output)));
    String[] parts = ready.split(" ");
    TopicPartition partition = new TopicPartition(parts[1], Integer.parseInt(parts[2]));
    long committed = Long.parseLong(parts[3]);

    long begin = System.nanoTime();
    try (Infrastructure infra = Infrastructure.start(config(dataDir))) {
      long restartMs = (System.nanoTime() - begin) / 1_000_000;
      String bootstrap = infra.endpoints().kafkaBootstrap();
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        assertThat(offsets.get(partition)).isNotNull();
        assertThat(offsets.get(partition).offset()).isEqualTo(committed);
      }
      try (KafkaConsumer<String, String> consumer = consumer(bootstrap, "crash-verify-" + UUID.randomUUID())) {
        consumer.assign(Set.of(partition));
        consumer.seekToBeginning(Set.of(partition));
        List<String> values = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
          return values.contains(value);
        });
      }
      try (Connection c = infra.database().dataSource().getConnection();
          PreparedStatement s = c.prepareStatement("select name from device_summary where device_id = ?")) {
        s.setString(1, "crash-device");
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).as("row committed right before the halt").isTrue();
          assertThat(rs.getString(1)).isEqualTo(value);
        }
      }
      assertThat(restartMs).as("restart after a crash, ms").isLessThan(60_000);
    }
  }

  static Config config(Path dataDir) {
    return ConfigFactory.parseMap(Map.of(
            "fleet.data-dir", dataDir.toString(),
            "fleet.kafka.bootstrap", "",
            "fleet.mqtt.url", "",
            "fleet.s3.endpoint", "",
            "fleet.db.url", "",
            "fleet.device-secret", ""))
        .withFallback(ConfigFactory.load());
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer());
  }

  /** The child process: starts the infrastructure, writes, reports, and halts without any cleanup. */
  public static final class CrashingNode {
    static final int HALT_STATUS = 137;

    public static void main(String[] args) throws Exception {
      Path dataDir = Path.of(args[0]);
      String value = args[1];
      Infrastructure infra = Infrastructure.start(config(dataDir));
      String bootstrap = infra.endpoints().kafkaBootstrap();
      RecordMetadata sent;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
          new StringSerializer(), new StringSerializer())) {
        sent = producer.send(new ProducerRecord<>("fleet.device-events", "crash-device", value)).get(30, TimeUnit.SECONDS);
      }
      TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
      long committed;
      try (KafkaConsumer<String, String> consumer = consumer(bootstrap, GROUP)) {
        consumer.subscribe(List.of(sent.topic()));
        Optional<ConsumerRecord<String, String>> found = Optional.empty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (found.isEmpty() && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.value().equals(value)) {
              found = Optional.of(r);
            }
          }
        }
        committed = found.orElseThrow().offset() + 1;
        consumer.commitSync(Map.of(partition, new OffsetAndMetadata(committed)));
      }
      try (Connection c = infra.database().dataSource().getConnection();
          PreparedStatement insert = c.prepareStatement(
              "insert into device_summary (device_id, device_type, name, status, registered_at, updated_at)"
                  + " values (?, 'sensor', ?, 'online', ?, ?)")) {
        Timestamp now = Timestamp.from(Instant.now());
        insert.setString(1, "crash-device");
        insert.setString(2, value);
        insert.setTimestamp(3, now);
        insert.setTimestamp(4, now);
        insert.executeUpdate();
      }
      System.out.println("WRITTEN " + partition.topic() + " " + partition.partition() + " " + committed);
      System.out.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }

}
