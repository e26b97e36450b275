package io.fleet.infra;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * With nothing configured, {@link Infrastructure} starts Kafka, MQTT, S3 and H2 in this JVM, they work
 * through their real protocols, and a restart on the same data directory keeps ports, records, offsets
 * and objects. The methods run in order on one data directory: the last ones restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedInfrastructureIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String GROUP = "it-group";
  private static final String OBJECT_KEY = "clips/cam-1/first.txt";

  /** Static: one directory for the whole ordered scenario (an instance field would be per method). */
  @TempDir static Path dataDir;

  private Infrastructure infra;
  private final String recordValue = "heartbeat-" + UUID.randomUUID();
  private final String objectContent = "clip-" + UUID.randomUUID();
  private TopicPartition recordPartition;
  private long committedOffset;
  private Endpoints firstEndpoints;
  private final List<AutoCloseable> clients = new ArrayList<>();

  private Config config() {
    return ConfigFactory.parseMap(Map.of(
            "fleet.data-dir", dataDir.toString(),
            "fleet.kafka.bootstrap", "",
            "fleet.mqtt.url", "",
            "fleet.s3.endpoint", "",
            "fleet.db.url", "",
            "fleet.device-secret", "",
            // Devices connect unregistered with their derived passwords (no entities run here).
            "fleet.device-passwords.mode", "derived"))
        .withFallback(ConfigFactory.load());
  }

  @AfterAll
  void stopEverything() throws Exception {
    for (AutoCloseable client : clients) {
      try {
        client.close();
      } catch (Exception ignored) {
        // already gone
      }
    }
    if (infra != null) {
      infra.close();
    }
  }

  @Test
  @Order(1)
  void withNothingConfiguredAllFourServersStartEmbeddedOnKeptLocalPorts() throws Exception {
    long begin = System.nanoTime();
    infra = Infrastructure.start(config());
    long tookMs = (System.nanoTime() - begin) / 1_000_000;
    firstEndpoints = infra.endpoints();

    Endpoints e = infra.endpoints();
    assertThat(e.kafkaEmbedded() && e.mqttEmbedded() && e.s3Embedded() && e.dbEmbedded()).isTrue();
    assertThat(e.kafkaBootstrap()).startsWith("127.0.0.1:");
    assertThat(e.mqttUrl()).startsWith("tcp://127.0.0.1:");
    assertThat(e.s3Endpoint()).startsWith("http://127.0.0.1:");
    assertThat(e.dbUrl()).startsWith("jdbc:h2:file:" + dataDir.toAbsolutePath()).contains("DATABASE_TO_UPPER=false");
    assertThat(e.dbIsPostgres()).isFalse();
    assertThat(e.mqttUser()).isEqualTo("fleet-service");
    assertThat(e.mqttPassword()).isNotBlank();
    assertThat(e.s3AccessKey()).isEqualTo("fleet");
    assertThat(e.describe()).contains("(embedded)", e.kafkaBootstrap(), e.mqttUrl(), e.s3Endpoint(), e.s3Bucket());

    Properties ports = new Properties();
    try (var in = Files.newInputStream(dataDir.resolve("ports.properties"))) {
      ports.load(in);
    }
    assertThat(ports.stringPropertyNames()).containsExactlyInAnyOrder("kafka", "kafka-controller", "mqtt", "s3");
    assertThat(e.kafkaBootstrap()).endsWith(":" + ports.getProperty("kafka"));
    assertThat(e.mqttUrl()).endsWith(":" + ports.getProperty("mqtt"));
    assertThat(e.s3Endpoint()).endsWith(":" + ports.getProperty("s3"));
    assertThat(dataDir.resolve("kafka/meta.properties")).exists();
    assertThat(tookMs).as("start-up time in ms").isLessThan(60_000);
  }

  @Test
  @Order(2)
  void kafkaTopicsExistAndARecordIsProducedConsumedAndItsOffsetCommitted() throws Exception {
    String bootstrap = infra.endpoints().kafkaBootstrap();
    Config config = config();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<String, TopicDescription> topics = admin.describeTopics(
          List.of("fleet.device-events", "fleet.dead-letters", "fleet.alerts", "ksql_motion_events"))
          .allTopicNames().get(30, TimeUnit.SECONDS);
      assertThat(topics.get("fleet.device-events").partitions()).hasSize(config.getInt("fleet.kafka.partitions"));
      ConfigResource deadLetters = new ConfigResource(ConfigResource.Type.TOPIC, "fleet.dead-letters");
      assertThat(admin.describeConfigs(List.of(deadLetters)).all().get(30, TimeUnit.SECONDS)
          .get(deadLetters).get("max.message.bytes").value()).isEqualTo("5242880");
    }

    RecordMetadata sent;
    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
      sent = producer.send(new ProducerRecord<>("fleet.device-events", "cam-1", recordValue)).get(30, TimeUnit.SECONDS);
    }
    recordPartition = new TopicPartition(sent.topic(), sent.partition());

    try (KafkaConsumer<String, String> consumer = consumer(bootstrap, GROUP)) {
      consumer.subscribe(List.of("fleet.device-events"));
      List<ConsumerRecord<String, String>> seen = new ArrayList<>();
      await().atMost(TIMEOUT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        return seen.stream().anyMatch(r -> r.value().equals(recordValue));
      });
      ConsumerRecord<String, String> record =
          seen.stream().filter(r -> r.value().equals(recordValue)).findFirst().orElseThrow();
      committedOffset = record.offset() + 1;
      consumer.commitSync(Map.of(recordPartition, new OffsetAndMetadata(committedOffset)));
    }
    assertThat(committedOffsets(bootstrap)).containsEntry(recordPartition, committedOffset);
  }

  @Test
  @Order(3)
  void aDeviceWithItsPasswordPublishesQos1ToItsOwnTopicsAndTheServiceUserReceivesThem() {
    Queue<Mqtt5Publish> received = serviceSubscriber();
    Mqtt3BlockingClient device = mqtt3Device("cam-1", infra.derivedPasswords().passwordFor("cam-1"));

    device.publishWith().topic("fleet/cam-1/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"battery\":80}".getBytes(UTF_8)).send();

    await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(p ->
        p.getTopic().toString().equals("fleet/cam-1/heartbeat")
            && new String(p.getPayloadAsBytes(), UTF_8).equals("{\"battery\":80}")));

    device.publishWith().topic("owntracks/cam-1/phone").qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"_type\":\"location\"}".getBytes(UTF_8)).send();
    await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(p ->
        p.getTopic().toString().equals("owntracks/cam-1/phone")));
  }

  @Test
  @Order(4)
  void aWrongPasswordIsRefusedWithBadUserNameOrPassword() {
    var v5 = MqttClient.builder().useMqttVersion5().identifier("cam-1").serverHost("127.0.0.1")
        .serverPort(mqttPort()).buildBlocking();
    assertThatThrownBy(() -> v5.connectWith().simpleAuth().username("cam-1")
            .password(infra.derivedPasswords().passwordFor("cam-2").getBytes(UTF_8)).applySimpleAuth().send())
        .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));

    var v3 = MqttClient.builder().useMqttVersion3().identifier("cam-1").serverHost("127.0.0.1")
        .serverPort(mqttPort()).buildBlocking();
    assertThatThrownBy(() -> v3.connectWith().simpleAuth().username("cam-1")
            .password("guess".getBytes(UTF_8)).applySimpleAuth().send())
        .isInstanceOfSatisfying(Mqtt3ConnAckException.class, e -> assertThat(e.getMqttMessage().getReturnCode())
            .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));

    var service = MqttClient.builder().useMqttVersion5().identifier("anything").serverHost("127.0.0.1")
        .serverPort(mqttPort()).buildBlocking();
    assertThatThrownBy(() -> service.connectWith().simpleAuth().username("fleet-service")
            .password("guess".getBytes(UTF_8)).applySimpleAuth().send())
        .isInstanceOf(Mqtt5ConnAckException.class);

    var wrongClientId = MqttClient.builder().useMqttVersion5().identifier("not-cam-1").serverHost("127.0.0.1")
        .serverPort(mqttPort()).buildBlocking();
    assertThatThrownBy(() -> wrongClientId.connectWith().simpleAuth().username("cam-1")
            .password(infra.derivedPasswords().passwordFor("cam-1").getBytes(UTF_8)).applySimpleAuth().send())
        .isInstanceOf(Mqtt5ConnAckException.class);
  }

  @Test
  @Order(5)
  void aDevicePublishingToAnotherDevicesTopicIsRefusedAndNothingIsDelivered() {
    Queue<Mqtt5Publish> received = serviceSubscriber();

    Mqtt5BlockingClient v5 = mqtt5Device("cam-5", infra.derivedPasswords().passwordFor("cam-5"));
    assertThatThrownBy(() -> v5.publishWith().topic("fleet/cam-2/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
            .payload("forged".getBytes(UTF_8)).send())
        .as("MQTT 5 publish to another device's topic")
        .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
    // HiveMQ answers PUBACK "not authorized" and then also closes the connection.
    await().atMost(TIMEOUT).until(() -> !v5.getState().isConnected());
    Mqtt5BlockingClient tracker = mqtt5Device("cam-7", infra.derivedPasswords().passwordFor("cam-7"));
    assertThatThrownBy(() -> tracker.publishWith().topic("owntracks/cam-2/phone").qos(MqttQos.AT_LEAST_ONCE)
            .payload("forged".getBytes(UTF_8)).send())
        .as("MQTT 5 publish to another device's OwnTracks topic")
        .isInstanceOf(Mqtt5PubAckException.class);

    Mqtt3BlockingClient v3 = mqtt3Device("cam-3", infra.derivedPasswords().passwordFor("cam-3"));
    assertThatThrownBy(() -> v3.publishWith().topic("fleet/cam-2/heartbeat").qos(MqttQos.AT_LEAST_ONCE)
            .payload("forged".getBytes(UTF_8)).send())
        .as("MQTT 3.1.1 publish to another device's topic: the broker closes the connection")
        .isInstanceOf(MqttSessionExpiredException.class);
    await().atMost(TIMEOUT).until(() -> !v3.getState().isConnected());

    // Subscribing to another device's topics is not allowed either.
    Mqtt5BlockingClient snoop = mqtt5Device("cam-6", infra.derivedPasswords().passwordFor("cam-6"));
    assertThatThrownBy(() -> snoop.subscribeWith().topicFilter("fleet/cam-2/#").qos(MqttQos.AT_LEAST_ONCE).send())
        .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
            .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));

    // A legitimate message sent afterwards arrives; the forged ones never did.
    Mqtt3BlockingClient honest = mqtt3Device("cam-4", infra.derivedPasswords().passwordFor("cam-4"));
    honest.publishWith().topic("fleet/cam-4/heartbeat").qos(MqttQos.AT_LEAST_ONCE).payload("ok".getBytes(UTF_8)).send();
    await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(p -> p.getTopic().toString().equals("fleet/cam-4/heartbeat")));
    assertThat(received).noneMatch(p -> p.getTopic().toString().contains("/cam-2/"));
  }

  @Test
  @Order(6)
  void anObjectIsPutAndReadBackThroughTheS3Protocol() throws Exception {
    putObject(infra, OBJECT_KEY, objectContent);
    assertThat(getObject(infra, OBJECT_KEY)).isEqualTo(objectContent);
    assertThat(dataDir.resolve("s3").resolve(infra.endpoints().s3Bucket())).isDirectory();
  }

  @Test
  @Order(7)
  void theH2DatabaseIsMigrated() throws Exception {
    try (Connection c = infra.database().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("select count(*) from device_summary")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isZero();
    }
    assertThat(infra.pekkoOverlay().getString("pekko-persistence-jdbc.shared-databases.slick.db.url"))
        .isEqualTo(infra.endpoints().dbUrl());
  }

  @Test
  @Order(8)
  void afterARestartOnTheSameDirectoryPortsCredentialsRecordsOffsetsAndObjectsAreKept() throws Exception {
    String devicePassword = infra.derivedPasswords().passwordFor("cam-1");
    closeClients();
    infra.close();
    infra.close(); // idempotent
    assertThat(DataDirectory.isFree(URI.create(firstEndpoints.mqttUrl()).getPort())).isTrue();

    infra = Infrastructure.start(config());
    Endpoints e = infra.endpoints();
    assertThat(e).isEqualTo(firstEndpoints);
    assertThat(infra.derivedPasswords().passwordFor("cam-1")).isEqualTo(devicePassword);

    assertThat(committedOffsets(e.kafkaBootstrap())).containsEntry(recordPartition, committedOffset);
    try (KafkaConsumer<String, String> consumer = consumer(e.kafkaBootstrap(), "it-verify-" + UUID.randomUUID())) {
      consumer.assign(Set.of(recordPartition));
      consumer.seekToBeginning(Set.of(recordPartition));
      List<String> values = new ArrayList<>();
      await().atMost(TIMEOUT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return values.contains(recordValue);
      });
    }

    assertThat(getObject(infra, OBJECT_KEY)).isEqualTo(objectContent);

    Queue<Mqtt5Publish> received = serviceSubscriber();
    mqtt3Device("cam-1", devicePassword).publishWith().topic("fleet/cam-1/heartbeat")
        .qos(MqttQos.AT_LEAST_ONCE).payload("again".getBytes(UTF_8)).send();
    await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(p -> new String(p.getPayloadAsBytes(), UTF_8).equals("again")));
  }

  // --- helpers -------------------------------------------------------------------------------------

  private int mqttPort() {
    return URI.create(infra.endpoints().mqttUrl()).getPort();
  }

  private Queue<Mqtt5Publish> serviceSubscriber() {
    Queue<Mqtt5Publish> received = new ConcurrentLinkedQueue<>();
    Mqtt5AsyncClient service = MqttClient.builder().useMqttVersion5().identifier("svc-" + UUID.randomUUID())
        .serverHost("127.0.0.1").serverPort(mqttPort()).buildAsync();
    service.connectWith().simpleAuth().username(infra.endpoints().mqttUser())
        .password(infra.endpoints().mqttPassword().getBytes(UTF_8)).applySimpleAuth().send().join();
    clients.add(() -> service.disconnect().join());
    service.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).callback(received::add).send().join();
    return received;
  }

  private Mqtt3BlockingClient mqtt3Device(String id, String password) {
    Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier(id)
        .serverHost("127.0.0.1").serverPort(mqttPort()).buildBlocking();
    client.connectWith().simpleAuth().username(id).password(password.getBytes(UTF_8)).applySimpleAuth().send();
    clients.add(client::disconnect);
    return client;
  }

  private Mqtt5BlockingClient mqtt5Device(String id, String password) {
    Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
        .serverHost("127.0.0.1").serverPort(mqttPort()).buildBlocking();
    client.connectWith().simpleAuth().username(id).password(password.getBytes(UTF_8)).applySimpleAuth().send();
    clients.add(client::disconnect);
    return client;
  }

  private void closeClients() {
    for (AutoCloseable client : clients) {
      try {
        client.close();
      } catch (Exception ignored) {
        // a refused client is already disconnected
      }
    }
    clients.clear();
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer());
  }

  private static Map<TopicPartition, Long> committedOffsets(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, Long> result = new HashMap<>();
      offsets.forEach((tp, om) -> result.put(tp, om.offset()));
      return result;
    }
  }

  private static ActorSystem s3System(Infrastructure infra) {
    Config config = infra.pekkoOverlay()
        .withFallback(ConfigFactory.parseString("pekko.loglevel = WARNING"))
        .withFallback(ConfigFactory.defaultReference());
    return ActorSystem.create("s3-it", config);
  }

  private static void putObject(Infrastructure infra, String key, String content) throws Exception {
    ActorSystem system = s3System(infra);
    try {
      ByteString bytes = ByteString.fromString(content);
      S3.putObject(infra.endpoints().s3Bucket(), key, Source.single(bytes), bytes.size())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static String getObject(Infrastructure infra, String key) throws Exception {
    ActorSystem system = s3System(infra);
    try {
      return S3.getObject(infra.endpoints().s3Bucket(), key)
          .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system)
          .toCompletableFuture().get(30, TimeUnit.SECONDS).utf8String();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
