package io.fleet.infra;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * How far this node has heard the MQTT ingest path, per partition of {@code fleet.device-events} consumed here and
 * per broker: twice a second ({@code fleet.mqtt.tick-interval}) each broker's ingress bridge publishes a tick to its own MQTT session, which reaches
 * the bridge behind every device message the broker took before it, and goes to every partition; once this node's
 * consumer has handled a partition up to a tick published at {@code T}, every message a device of that broker and
 * partition sent before {@code T} has reached its entity. A device's entity asks it before it judges the device
 * offline ({@link #heardUntil}): while the path is behind its deadline — a bridge moving after its node died,
 * Kafka away, a consumer rebalancing — the silence is Fleet's, not the device's, and the judgment waits.
 *
 * <p>State: the latest tick per (partition, broker) handled here, in memory, which partitions are assigned here
 * now, which of them are catching up on their devices' last heartbeats and since when the others are caught up. A
 * partition given up keeps what was heard of it: a rebalance after a node died moves partitions between the
 * survivors too, while their entities stay where they are until their shards follow (the next shard rebalance), and
 * "handled up to T" is still true of it, only no longer advancing here. So such an entity's judgment waits until
 * its device is heard again, its shard moved (a recovered entity gets a full window), or the hold's maximum;
 * forgetting it made a quarter of the devices offline in ThreeNodeFailoverIT. Nothing durable: after a restart
 * nothing is known until the first ticks arrive, and an entity that asks then judges as if the path were caught up
 * (a recovered entity gets a full window anyway).
 */
public final class IngestProgress implements Extension {
  static final long CATCH_UP_HOLDS_AT_MOST_S = 5;
  static final Duration CATCH_UP_HOLDS_AT_MOST = Duration.ofSeconds(CATCH_UP_HOLDS_AT_MOST_S);

  private final Map<Long, Instant> heard = new ConcurrentHashMap<>();
  private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();
  /** Partitions catching up, each since when: a catch-up that hangs (Kafka flapping) holds views 5 s at most. */
  private final Map<Integer, Instant> catchingUp = new ConcurrentHashMap<>();
  /** Partitions assigned here whose last heartbeats are known here, each since when (its catch-up's end). */
  private final Map<Integer, Instant> caughtUp = new ConcurrentHashMap<>();
  private final Clock clock;
  private volatile ToIntFunction<String> partitionOf = deviceId -> -1;
  private volatile ToIntFunction<String> brokerOf = deviceId -> 0;

  IngestProgress(Clock clock) {
    this.clock = clock;
  }

  public static IngestProgress get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Where a device's messages go: its partition of {@code fleet.device-events} and its broker. */
  public void route(ToIntFunction<String> partitionOf, ToIntFunction<String> brokerOf) {
    this.partitionOf = partitionOf;
    this.brokerOf = brokerOf;
  }

  /** A tick of {@code broker}'s bridge, published at {@code publishedAt}, was handled on {@code partition}. */
  public void heard(int partition, int broker, Instant publishedAt) {
    heard.merge(key(partition, broker), publishedAt, (a, b) -> a.isAfter(b) ? a : b);
  }

  /**
   * The consumer was given these partitions (on top of those it kept). What was heard of any other partition stays
   * as the lower bound it is, for {@link #heardUntil}, but no longer counts in {@link #behind}.
   */
  public synchronized void assigned(Set<Integer> partitions) {
    assigned.addAll(partitions);
    Instant now = clock.instant();
    // Caught up unless a catch-up starts now (nothing committed yet, or catch-up off: nothing to catch up on).
    partitions.forEach(partition -> caughtUp.putIfAbsent(partition, now));
  }

  /**
   * The consumer gave these partitions up, or stopped (also when its stream fails, Kafka being away): what was
   * heard of them is kept, since the path is no further than that until they are consumed again, here or (after
   * the next assignment) elsewhere.
   */
  public synchronized void revoked(Set<Integer> partitions) {
    assigned.removeAll(partitions);
    partitions.forEach(caughtUp::remove);
  }

  /**
   * The last heartbeats of these partitions are being handed back to their entities (the vitals catch-up after an
   * assignment): until {@link #caughtUp}, an entity of theirs that has just recovered from its journal may not yet
   * know its device's latest heartbeat, and holds what it shows ({@link #catchingUp(String)}).
   */
  public synchronized void catchingUp(Set<Integer> partitions) {
    Instant now = clock.instant();
    partitions.forEach(partition -> {
      catchingUp.put(partition, now);
      caughtUp.remove(partition);
    });
  }

  /** The catch-up of these partitions is over (done, or given up). */
  public synchronized void caughtUp(Set<Integer> partitions) {
    Instant now = clock.instant();
    partitions.forEach(partition -> {
      catchingUp.remove(partition);
      if (assigned.contains(partition)) caughtUp.put(partition, now);
    });
  }

  /** Whether the device's partition is catching up here (for {@value #CATCH_UP_HOLDS_AT_MOST_S} s at most). */
  public boolean catchingUp(String deviceId) {
    if (catchingUp.isEmpty()) return false;
    Instant since = catchingUp.get(partitionOf.applyAsInt(deviceId));
    return since != null && clock.instant().isBefore(since.plus(CATCH_UP_HOLDS_AT_MOST));
  }

  /**
   * Whether this node knows the device's last heartbeats since {@code since} at the latest: its partition is assigned
   * here and was caught up ({@link #caughtUp}) at or after then. An entity that recovered before that may have
   * recovered from a journal behind its device (its node died with steady heartbeats in memory) and not have been
   * handed them back. True when this node routes no device to a partition (no ingest here: nothing to wait for).
   */
  public boolean caughtUpSince(String deviceId, Instant since) {
    int partition = partitionOf.applyAsInt(deviceId);
    if (partition < 0) return true;
    Instant at = caughtUp.get(partition);
    return at != null && !at.isBefore(since);
  }

  /**
   * Until when every message the device sent has been handled, as far as this node knows (of a partition consumed
   * elsewhere now: as far as it was when this node gave it up); empty when it never heard of the device's partition.
   */
  public Optional<Instant> heardUntil(String deviceId) {
    return Optional.ofNullable(heard.get(key(partitionOf.applyAsInt(deviceId), brokerOf.applyAsInt(deviceId))));
  }

  /**
   * How far behind now the path is on its slowest partition and broker heard here, of the partitions assigned here
   * (or all heard, before the first assignment); zero when nothing is.
   */
  public Duration behind() {
    Instant now = clock.instant();
    boolean any = !assigned.isEmpty();
    return heard.entrySet().stream().filter(e -> !any || assigned.contains((int) (e.getKey() >>> 32)))
        .map(Map.Entry::getValue).min(Instant::compareTo).map(oldest -> Duration.between(oldest, now))
        .filter(d -> !d.isNegative()).orElse(Duration.ZERO);
  }

  private static long key(int partition, int broker) {
    return ((long) partition << 32) | (broker & 0xffffffffL);
  }

  private static final class Id extends ExtensionId<IngestProgress> {
    static final Id INSTANCE = new Id();

    @Override
    public IngestProgress createExtension(ActorSystem<?> system) {
      return new IngestProgress(Clock.systemUTC());
    }
  }
}
