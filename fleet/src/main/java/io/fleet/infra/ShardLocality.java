package io.fleet.infra;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Which shards of an entity type this node hosts, refreshed every {@link #REFRESH}, so that an ask can be told
 * local (the entity runs here) or remote (a network hop to another node). The shard of an entity is sharding's
 * default: the absolute value of its id's hash code modulo {@code pekko.cluster.sharding.number-of-shards}.
 * One per entity type and node ({@link #of}), however many askers use it. Node-local and approximate (a shard
 * that moved within the last refresh is misjudged); nothing durable.
 */
public final class ShardLocality {
  static final Duration REFRESH = Duration.ofSeconds(2);

  private final int shards;
  private final AtomicReference<Set<String>> local = new AtomicReference<>(Set.of());

  /** This node's view of {@code type}'s shards, made and refreshed once whoever asks. */
  public static ShardLocality of(ActorSystem<?> system, EntityTypeKey<?> type) {
    return Registry.ID.apply(system).byType.computeIfAbsent(type.name(), name -> new ShardLocality(system, type));
  }

  private ShardLocality(ActorSystem<?> system, EntityTypeKey<?> type) {
    this.shards = system.settings().config().getInt("pekko.cluster.sharding.number-of-shards");
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, REFRESH, () -> refresh(system, type),
        system.executionContext());
  }

  /** Whether the entity's shard is hosted on this node, as of the last refresh. */
  public boolean isLocal(String entityId) {
    return local.get().contains(Integer.toString(Math.abs(entityId.hashCode() % shards)));
  }

  private void refresh(ActorSystem<?> system, EntityTypeKey<?> type) {
    AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(), replyTo -> new GetShardRegionState(type, replyTo),
            Duration.ofSeconds(5), system.scheduler())
        .thenAccept(state -> local.set(state.getShards().stream().map(ShardRegion.ShardState::shardId)
            .collect(Collectors.toUnmodifiableSet())));
  }

  private static final class Registry implements Extension {
    static final ExtensionId<Registry> ID = new ExtensionId<>() {
      @Override
      public Registry createExtension(ActorSystem<?> system) {
        return new Registry();
      }
    };
    final Map<String, ShardLocality> byType = new ConcurrentHashMap<>();
  }
}
