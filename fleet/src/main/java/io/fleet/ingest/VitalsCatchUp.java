package io.fleet.ingest;

import io.fleet.infra.IngestHeaders;
import io.fleet.infra.IngestProgress;
import io.fleet.protocol.DeviceTopic;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.RestrictedConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a device's last heartbeat across the death of the node that handled it. An entity takes a steady heartbeat
 * into memory and journals its values only once per {@code last-seen-persist-interval}, while the heartbeat's
 * record is committed as soon as the entity answered; if that node dies, the entity recovers elsewhere from its
 * journal and would show the device back in time until its next heartbeat. So when this node's consumer is assigned
 * partitions of {@code fleet.device-events}, a reader of its own reads their last {@code window} again, up to the
 * committed offsets (records handled before), and hands each device's latest heartbeat among them to its entity as
 * {@code Device.RecoverVitals}, which takes it only if newer than what it knows. It runs beside the consumer (which
 * goes on with the records after the committed offsets), one catch-up at a time; until it is over, the partitions
 * are marked catching up in {@link IngestProgress}, and an entity of theirs holds what it shows (a view asked of an
 * entity just recovered would show the device back in time). State: none kept; a catch-up that fails is logged
 * and given up (the device's next heartbeat sets it right).
 */
final class VitalsCatchUp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VitalsCatchUp.class);
  /** A catch-up that has not read its partitions by then gives up (Kafka unreachable, say). */
  private static final Duration READ_AT_MOST = Duration.ofSeconds(30);

  private final Duration window;
  private final ConsumerSettings<String, byte[]> settings;
  private final RecordDelivery delivery;
  private final IngestProgress progress;
  private final Clock clock;
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "fleet-vitals-catch-up");
    thread.setDaemon(true);
    return thread;
  });

  VitalsCatchUp(Duration window, ConsumerSettings<String, byte[]> settings, RecordDelivery delivery, IngestProgress progress,
      Clock clock) {
    this.window = window;
    this.progress = progress;
    // Reads by assignment and commits nothing: the group's offsets stay the consumer's.
    this.settings = settings.withProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.delivery = delivery;
    this.clock = clock;
  }

  /** On assignment (on the consumer's thread): notes the committed offsets and starts the catch-up beside it. */
  void onAssigned(Set<TopicPartition> assigned, RestrictedConsumer consumer) {
    if (window.isZero() || assigned.isEmpty()) return;
    Map<TopicPartition, Long> ends = new HashMap<>();
    consumer.committed(assigned).forEach((partition, committed) -> {
      if (committed != null && committed.offset() > 0) ends.put(partition, committed.offset());
    });
    if (ends.isEmpty()) return;
    long since = clock.millis() - window.toMillis();
    Set<Integer> partitions = ends.keySet().stream().map(TopicPartition::partition).collect(Collectors.toSet());
    progress.catchingUp(partitions);
    CompletableFuture.supplyAsync(() -> latestHeartbeats(ends, since), reader)
        .thenCompose(this::handBack)
        .whenComplete((devices, failure) -> {
          progress.caughtUp(partitions);
          if (failure != null) log.warn("catching up the vitals of partitions {} failed", ends.keySet(), failure);
          else log.info("caught up the vitals of {} devices from partitions {}' last {}", devices, ends.keySet(), window);
        });
  }

  /** Each device's latest heartbeat record among the partitions' records from {@code since} up to {@code ends}. */
  private Map<String, ConsumerRecord<String, byte[]>> latestHeartbeats(Map<TopicPartition, Long> ends, long since) {
    Map<String, ConsumerRecord<String, byte[]>> latest = new HashMap<>();
    try (Consumer<String, byte[]> consumer = settings.createKafkaConsumer()) {
      consumer.assign(ends.keySet());
      Map<TopicPartition, Long> times = new HashMap<>();
      ends.keySet().forEach(partition -> times.put(partition, since));
      Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(times);
      Map<TopicPartition, Long> open = new HashMap<>(ends);
      for (TopicPartition partition : ends.keySet()) {
        OffsetAndTimestamp start = starts.get(partition);
        if (start == null || start.offset() >= ends.get(partition)) open.remove(partition);
        else consumer.seek(partition, start.offset());
      }
      consumer.pause(ends.keySet().stream().filter(p -> !open.containsKey(p)).toList());
      long deadline = System.nanoTime() + READ_AT_MOST.toNanos();
      while (!open.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition partition = new TopicPartition(record.topic(), record.partition());
          Long end = open.get(partition);
          if (end == null || record.offset() >= end) continue;
          if (isHeartbeat(record)) latest.put(record.key(), record);
        }
        for (TopicPartition partition : List.copyOf(open.keySet())) {
          if (consumer.position(partition) >= open.get(partition)) {
            open.remove(partition);
            consumer.pause(List.of(partition));
          }
        }
      }
      if (!open.isEmpty()) log.warn("vitals catch-up did not read partitions {} within {}", open.keySet(), READ_AT_MOST);
    }
    return latest;
  }

  private CompletionStage<Integer> handBack(Map<String, ConsumerRecord<String, byte[]>> latest) {
    CompletableFuture<?>[] handed = latest.values().stream()
        .map(record -> delivery.catchUp(record).toCompletableFuture())
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(handed).thenApply(done -> latest.size());
  }

  private static boolean isHeartbeat(ConsumerRecord<String, byte[]> record) {
    return IngestHeaders.get(record.headers(), IngestHeaders.KIND).flatMap(DeviceTopic.Kind::fromLabel)
        .filter(kind -> kind == DeviceTopic.Kind.HEARTBEAT).isPresent();
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
