package io.fleet.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.metrics.FleetMetrics;
import io.fleet.metrics.Streams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live alerts for every subscriber of this node, from one Kafka reader of {@code fleet.alerts} (every
 * node sees every alert, whichever node raised it), fanned out by a {@link BroadcastHub}: 500 homeowner
 * streams cost one consumer, not 500. A subscriber resuming from a position ({@code Last-Event-ID})
 * first reads what it missed from Kafka with a reader of its own, which ends where the shared feed takes
 * over; a gap the shared feed shows it (it joined while an alert was on its way) is read the same way,
 * so every alert reaches it once, in order per device. Each subscriber has a bounded buffer: one that
 * falls {@code buffer} alerts behind leaves the shared feed instead of slowing the others, reads what it
 * is behind from Kafka and joins again, on the same connection. The shared reader is restarted with
 * backoff from where it was. Owns that reader and its position in memory; Kafka's log is the durable
 * record.
 */
public final class AlertFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertFeed.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The stream's name in health and metrics. */
  public static final String STREAM = "alert-feed";

  private final String topic;
  private final ConsumerSettings<String, byte[]> settings;
  private final Admin admin;
  private final int buffer;
  private final Source<Alert, NotUsed> live;
  private final UniqueKillSwitch stop;
  private final AtomicInteger readers = new AtomicInteger();

  /** One alert for a subscriber: its JSON and the position right after it. */
  public record Entry(String json, JsonNode alert, FeedPosition position) {}

  /** One record of the topic as the shared reader saw it. */
  private record Alert(int partition, long offset, String json, JsonNode alert) {}

  /** {@code admin} is the node's shared Kafka admin client; its owner closes it. */
  public AlertFeed(ActorSystem<?> system, Admin admin, String bootstrap, String topic, int buffer) {
    this.topic = topic;
    this.admin = admin;
    this.buffer = buffer;
    this.settings = ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
        .withBootstrapServers(bootstrap)
        .withProperty("enable.auto.commit", "false")
        // A position older than the topic's retention reads from the oldest alert still kept.
        .withProperty("auto.offset.reset", "earliest");
    FleetMetrics.get(system).registry().gauge("fleet_live_feed_readers", readers);
    Streams.Stream state = Streams.get(system).stream(STREAM);
    AtomicReference<FeedPosition> read = new AtomicReference<>();
    Source<Alert, NotUsed> shared = RestartSource.withBackoff(
        RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2),
        () -> Source.completionStage(read.get() != null
                ? CompletableFuture.completedFuture(read.get()) : end())
            .flatMapConcat(from -> {
              state.running();
              // A restart resumes here, even when nothing was read before it failed.
              read.compareAndSet(null, from);
              return reader(from).map(a -> {
                read.set(read.get().after(a.partition(), a.offset()));
                return a;
              });
            })
            .watchTermination((mat, done) -> {
              done.whenComplete((d, failure) -> {
                if (failure instanceof AbruptStageTerminationException) {
                  // The node stops (its actor system ends): nothing failed, and nothing resumes.
                  log.debug("live alert feed stopped with the node");
                } else if (failure != null) {
                  log.warn("live alert feed failed; it resumes from where it was after a backoff", failure);
                  state.restarting(failure);
                }
              });
              return mat;
            }));
    Pair<UniqueKillSwitch, Source<Alert, NotUsed>> running = shared
        .viaMat(KillSwitches.single(), Keep.right())
        // Never waits for a subscriber: each has its own buffer right behind the hub (see from()).
        .toMat(BroadcastHub.of(Alert.class, 256), Keep.both())
        .run(system);
    this.stop = running.first();
    this.live = running.second();
  }

  /** Where a new subscriber starts: after everything already in the topic. */
  public CompletionStage<FeedPosition> end() {
    return admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage()
        .thenCompose(topics -> {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          topics.get(topic).partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
          return admin.listOffsets(latest).all().toCompletionStage();
        })
        .thenApply(ends -> {
          Map<Integer, Long> next = new HashMap<>();
          ends.forEach((tp, info) -> next.put(tp.partition(), info.offset()));
          return new FeedPosition(next);
        });
  }

  /**
   * The alerts after {@code from} that pass {@code filter}, live, for as long as the subscriber reads.
   * Records that are not JSON objects are skipped (the position still moves past them). A subscriber that
   * falls {@code buffer} alerts behind the shared feed is not cut off: it goes on from the last record it
   * was given, reading what it is behind from Kafka with a reader of its own, and joins the shared feed
   * again, on the same connection.
   */
  public Source<Entry, NotUsed> from(FeedPosition from, Predicate<JsonNode> filter) {
    return Source.<Entry, NotUsed>fromMaterializer((materializer, attributes) -> {
      // Past filtered and repeated records too: a subscriber that fell behind reads on from here.
      AtomicReference<FeedPosition> reached = new AtomicReference<>(from);
      return following(from, reached)
          .recoverWithRetries(-1, BufferOverflowException.class, () -> {
            log.debug("a live alert subscriber fell {} alerts behind; it reads on from Kafka", buffer);
            return following(reached.get(), reached);
          })
          .statefulMap(Revisions::new,
              (revisions, entry) -> Pair.create(revisions, revisions.isNew(entry) ? Optional.of(entry) : Optional.<Entry>empty()),
              revisions -> Optional.empty())
          .mapConcat(entry -> entry.filter(e -> e.alert() != null && filter.test(e.alert())).map(List::of).orElse(List.of()));
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /**
   * Every record after {@code from}: what the shared feed no longer has, read from Kafka, then the shared
   * feed through a buffer of {@code buffer} alerts, which fails the stream when full. {@code reached} follows
   * the position after each record given downstream.
   */
  private Source<Entry, NotUsed> following(FeedPosition from, AtomicReference<FeedPosition> reached) {
    return Source.<Entry, NotUsed>fromMaterializer((materializer, attributes) -> {
      // Joined first, so nothing published from now on is missed; what came before is read from Kafka.
      Source<Alert, NotUsed> joined = live.buffer(buffer, OverflowStrategy.fail().withLogLevel(Logging.DebugLevel()))
          .preMaterialize(materializer).second();
      return Source.completionStage(end())
          .flatMapConcat(end -> missed(from, end).concat(joined))
          .statefulMap(() -> new Reading(from),
              (reading, alert) -> Pair.create(reading, reading.next(alert)),
              reading -> Optional.empty())
          .flatMapConcat(step -> step.alert() == null ? Source.<Alert>empty()
              : step.gapFrom() < 0 ? Source.single(step.alert())
              : range(step.alert().partition(), step.gapFrom(), step.alert().offset()).concat(Source.single(step.alert())))
          .scan(Optional.<Entry>empty(), (previous, step) -> {
            FeedPosition before = previous.map(Entry::position).orElse(from);
            return Optional.of(new Entry(step.json(), step.alert(), before.after(step.partition(), step.offset())));
          })
          .mapConcat(entry -> entry.map(List::of).orElse(List.of()))
          .map(entry -> {
            reached.set(entry.position());
            return entry;
          });
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  /**
   * The newest revision a subscriber was given of each recent alert: a revision it already had (the fast path's
   * and the journal's copy of one alert, when both went out) is not given again. Bounded to the latest
   * {@value #REMEMBERED} alerts.
   */
  private static final class Revisions extends LinkedHashMap<String, Integer> {
    private static final int REMEMBERED = 10_000;

    boolean isNew(Entry entry) {
      if (entry.alert() == null) return true;
      String id = entry.alert().path("alert_id").asText();
      int revision = entry.alert().path("revision").asInt();
      Integer had = get(id);
      if (had != null && revision <= had) return false;
      put(id, revision);
      return true;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
      return size() > REMEMBERED;
    }
  }

  /** What a subscriber reads next per partition; tells duplicates (dropped) and gaps (read from Kafka) apart. */
  private static final class Reading {
    private final Map<Integer, Long> next;

    Reading(FeedPosition from) {
      this.next = new HashMap<>(from.next());
    }

    Step next(Alert alert) {
      Long expected = next.get(alert.partition());
      if (expected != null && alert.offset() < expected) return new Step(null, -1);
      next.put(alert.partition(), alert.offset() + 1);
      // A partition the subscriber had no position in (added since) is taken from here.
      return new Step(alert, expected != null && alert.offset() > expected ? expected : -1);
    }
  }

  /** An alert to deliver (null: one delivered already), after the records {@code [gapFrom, its offset)} when gapFrom ≥ 0. */
  private record Step(Alert alert, long gapFrom) {}

  /** The records of {@code from} up to {@code end}, read by a reader of the subscriber's own. */
  private Source<Alert, NotUsed> missed(FeedPosition from, FeedPosition end) {
    Map<TopicPartition, Long> behind = new HashMap<>();
    Map<Integer, Long> until = new HashMap<>();
    end.next().forEach((partition, last) -> {
      long at = from.next().getOrDefault(partition, last);
      if (at < last) {
        behind.put(new TopicPartition(topic, partition), at);
        until.put(partition, last);
      }
    });
    if (behind.isEmpty()) return Source.empty();
    return tracked(Consumer.plainSource(settings, Subscriptions.assignmentWithOffset(behind)))
        .statefulMap(() -> new HashMap<>(until),
            (left, r) -> {
              if (r.offset() + 1 >= left.getOrDefault(r.partition(), 0L)) left.remove(r.partition());
              return Pair.create(left, Pair.create(r, left.isEmpty()));
            },
            left -> Optional.empty())
        .takeWhile(pair -> !pair.second(), true)
        .map(pair -> alert(pair.first()));
  }

  /** The records {@code [from, until)} of one partition. */
  private Source<Alert, NotUsed> range(int partition, long from, long until) {
    return tracked(Consumer.plainSource(settings,
            Subscriptions.assignmentWithOffset(new TopicPartition(topic, partition), from)))
        .takeWhile(r -> r.offset() < until)
        .map(AlertFeed::alert);
  }

  /** The shared reader, from {@code from}. */
  private Source<Alert, NotUsed> reader(FeedPosition from) {
    return tracked(Consumer.plainSource(settings, Subscriptions.assignmentWithOffset(from.offsets(topic))))
        .map(AlertFeed::alert);
  }

  /** A Kafka reader counted in {@code fleet_live_feed_readers} while it runs. */
  private Source<ConsumerRecord<String, byte[]>, NotUsed> tracked(Source<ConsumerRecord<String, byte[]>, Consumer.Control> source) {
    return source.mapMaterializedValue(control -> {
          readers.incrementAndGet();
          return NotUsed.getInstance();
        })
        .watchTermination((mat, done) -> {
          done.whenComplete((d, e) -> readers.decrementAndGet());
          return mat;
        });
  }

  private static Alert alert(ConsumerRecord<String, byte[]> record) {
    byte[] value = record.value() == null ? new byte[0] : record.value();
    return new Alert(record.partition(), record.offset(), new String(value, StandardCharsets.UTF_8), parse(value));
  }

  /** Kafka readers of this feed running now: the shared one, and those of subscribers catching up. */
  public int readers() {
    return readers.get();
  }

  private static JsonNode parse(byte[] value) {
    try {
      JsonNode node = JSON.readTree(value);
      return node != null && node.isObject() ? node : null;
    } catch (Exception notJson) {
      return null;
    }
  }

  /** Stops the shared reader; subscribers' streams complete. */
  @Override
  public void close() {
    stop.shutdown();
  }
}
