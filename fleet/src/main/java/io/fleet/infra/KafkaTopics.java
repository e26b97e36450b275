package io.fleet.infra;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Fleet's Kafka topics when they are missing. Owns no state: the topics live in Kafka, and
 * running this at every start is idempotent (existing topics are left as they are, except that the
 * dead-letter topic's {@code max.message.bytes} is raised when it is too small for big payloads).
 */
public final class KafkaTopics {

  private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);
  private static final long TIMEOUT_S = 60;

  private KafkaTopics() {}

  /** Fleet's topic names, from {@code fleet.kafka.topics}. */
  public record Names(String deviceEvents, String deadLetters, String alerts, String motionEvents, String frames,
      String seedFrames) {
    public static Names from(Config config) {
      Config topics = config.getConfig("fleet.kafka.topics");
      return new Names(
          topics.getString("device-events"),
          topics.getString("dead-letters"),
          topics.getString("alerts"),
          topics.getString("motion-events"),
          config.getString("fleet.frames.topic"),
          config.getString("fleet.frames.seed.topic"));
    }
  }

  /**
   * Creates the missing ones of {@code fleet.kafka.topics.*} and {@code fleet.frames.topic} through {@code clients}, with
   * {@code fleet.kafka.partitions} partitions, {@code fleet.kafka.replication-factor} replicas,
   * {@code fleet.kafka.min-insync-replicas} and each topic's {@code fleet.kafka.retention} (time) and
   * {@code fleet.kafka.retention-bytes} (size per partition), and seed 003's
   * frames topic ({@code fleet.frames.seed.topic}, when read) with {@code fleet.frames.seed.partitions}: one per
   * camera.
   *
   * @param config the application configuration (with the {@code fleet} block)
   * @return the topics that were created now
   */
  public static Set<String> ensure(KafkaClients clients, Config config) {
    String bootstrap = clients.bootstrap();
    Names names = Names.from(config);
    int partitions = config.getInt("fleet.kafka.partitions");
    short replication = (short) config.getInt("fleet.kafka.replication-factor");
    Retention retention =
        new Retention(config.getConfig("fleet.kafka.retention"), config.getConfig("fleet.kafka.retention-bytes"));
    String minInSync = Integer.toString(config.getInt("fleet.kafka.min-insync-replicas"));
    String maxMessageBytes = Integer.toString(EmbeddedKafka.MAX_MESSAGE_BYTES);

    List<NewTopic> wanted = new ArrayList<>();
    wanted.add(topic(names.deviceEvents(), partitions, replication, minInSync, retention.of("device-events"), null));
    wanted.add(topic(names.deadLetters(), partitions, replication, minInSync, retention.of("dead-letters"),
        maxMessageBytes));
    wanted.add(topic(names.alerts(), partitions, replication, minInSync, retention.of("alerts"), null));
    wanted.add(topic(names.motionEvents(), partitions, replication, minInSync, retention.of("motion-events"), null));
    wanted.add(topic(names.frames(), partitions, replication, minInSync, retention.of("frames"), maxMessageBytes));
    if (config.getBoolean("fleet.frames.enabled") && config.getBoolean("fleet.frames.seed.enabled")) {
      wanted.add(topic(names.seedFrames(), config.getInt("fleet.frames.seed.partitions"), replication, minInSync,
          retention.of("frames"), maxMessageBytes));
    }

    Map<String, Object> props = new HashMap<>(clients.admin());
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "fleet-topics");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      Set<String> created = new TreeSet<>();
      if (!missing.isEmpty()) {
        for (var result : admin.createTopics(missing).values().entrySet()) {
          try {
            result.getValue().get(TIMEOUT_S, TimeUnit.SECONDS);
            created.add(result.getKey());
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw e;
            }
          }
        }
        awaitVisible(admin, missing.stream().map(NewTopic::name).toList());
      }
      awaitLeadersServing(admin, wanted.stream().map(NewTopic::name).toList());
      if (!created.isEmpty()) {
        log.info("Created Kafka topics {} ({} partitions, replication {})", created, partitions, replication);
      }
      if (existing.contains(names.deadLetters())) {
        raiseMaxMessageBytes(admin, names.deadLetters(), maxMessageBytes);
      }
      return created;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create Kafka topics on " + bootstrap, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating Kafka topics", e);
    }
  }

  /** How long and how much of a topic is kept: {@code retention.ms} and, per partition, {@code retention.bytes}. */
  private record Retention(Config time, Config size) {
    Kept of(String topic) {
      return new Kept(time.getDuration(topic), size.getString(topic).trim().equals("-1") ? -1 : size.getBytes(topic));
    }
  }

  private record Kept(Duration time, long bytes) {}

  /** A topic as Fleet creates it: its retention, {@code min.insync.replicas}, and a larger message limit where given. */
  private static NewTopic topic(String name, int partitions, short replication, String minInSync, Kept retention,
      String maxMessageBytes) {
    Map<String, String> configs = new HashMap<>();
    configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInSync);
    configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.time().toMillis()));
    configs.put(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(retention.bytes()));
    if (maxMessageBytes != null) configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, maxMessageBytes);
    return new NewTopic(name, partitions, replication).configs(configs);
  }

  /** How many partitions {@code topic} has (it exists: {@link #ensure} ran). */
  public static int partitionsOf(Admin admin, String topic) {
    try {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).get(topic)
          .partitions().size();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted describing topic " + topic, e);
    }
  }

  /**
   * A created topic reaches the brokers' metadata a little later; wait until it is described, so that
   * whoever runs next (a producer, a consumer group) finds it with all its partitions.
   */
  private static void awaitVisible(Admin admin, List<String> topics)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
    while (true) {
      try {
        admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
        if (admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).containsAll(topics)) {
          return;
        }
      } catch (ExecutionException e) {
        // UnknownTopicOrPartitionException until the metadata has propagated
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("topics " + topics + " not visible after " + TIMEOUT_S + " s");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Every partition of Fleet's topics answers from its leader (a latest-offset request, which only the leader
   * serves): just created, or just after the broker restarted, a partition's leader may not have taken it up yet,
   * and a producer that writes to it then can lose records for good despite idempotence (KAFKA-15591: its first
   * request fails, a later one is appended, and the first is then refused as out of order until it expires).
   * Fleet writes to every partition of the device events as soon as it starts (the bridges' ticks).
   */
  private static void awaitLeadersServing(Admin admin, List<String> topics)
      throws InterruptedException, TimeoutException, ExecutionException {
    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS).values().forEach(description ->
        description.partitions().forEach(p -> partitions.put(new TopicPartition(description.name(), p.partition()),
            OffsetSpec.latest())));
    // The admin client retries a partition whose leader is not serving yet, within its API timeout.
    admin.listOffsets(partitions).all().get(TIMEOUT_S, TimeUnit.SECONDS);
  }

  private static void raiseMaxMessageBytes(Admin admin, String topic, String wanted)
      throws ExecutionException, InterruptedException, TimeoutException {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    ConfigEntry current = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT_S, TimeUnit.SECONDS)
        .get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    if (current != null && current.value() != null && Long.parseLong(current.value()) >= Long.parseLong(wanted)) {
      return;
    }
    Collection<AlterConfigOp> ops = List.of(new AlterConfigOp(
        new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, wanted), AlterConfigOp.OpType.SET));
    admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
    log.info("Raised {} of topic {} to {}", TopicConfig.MAX_MESSAGE_BYTES_CONFIG, topic, wanted);
  }
}
