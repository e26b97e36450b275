package io.fleet.infra;

import io.fleet.metrics.FleetMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;
import scala.concurrent.ExecutionContext;

/**
 * Asks a sharded entity on behalf of one record. An entity that does not answer in time is asked
 * again with backoff (200 ms doubling to 10 s): while the journal is down or shards move, for as long
 * as it takes, so nothing is lost and the pressure reaches Kafka. After {@code attempts} unanswered
 * tries the entity is asked a plain query ({@code probe}); when it answers that and then again not the
 * command, it is alive and it is this record it fails on: the ask gives up ({@link Optional#empty()})
 * so that the record can be dead-lettered and the records behind it go on. Counts each record's ask as local or
 * remote ({@code fleet_entity_asks}, by {@link ShardLocality}). Holds no state of its own.
 */
public final class EntityAsks<C> {
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final EntityTypeKey<C> type;
  private final Duration timeout;
  private final int attempts;
  private final Function<EntityRef<C>, CompletionStage<?>> probe;
  private final ShardLocality locality;
  private final FleetMetrics metrics;

  public EntityAsks(ActorSystem<?> system, EntityTypeKey<C> type, Duration timeout, int attempts,
      Function<EntityRef<C>, CompletionStage<?>> probe) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.type = type;
    this.timeout = timeout;
    this.attempts = Math.max(1, attempts);
    this.probe = probe;
    this.locality = ShardLocality.of(system, type);
    this.metrics = FleetMetrics.get(system);
  }

  /** The entity's answer, or empty when the entity kept failing on this command while answering others. */
  public CompletionStage<Optional<StatusReply<Done>>> ask(String entityId,
      Function<ActorRef<StatusReply<Done>>, C> command) {
    metrics.entityAsked(locality.isLocal(entityId));
    return attempt(entityId, command, 1);
  }

  private CompletionStage<Optional<StatusReply<Done>>> attempt(String entityId,
      Function<ActorRef<StatusReply<Done>>, C> command, int attempt) {
    EntityRef<C> entity = sharding.entityRefFor(type, entityId);
    return once(entity, command)
        .thenComposeAsync(reply -> {
          if (reply.isPresent()) return CompletableFuture.completedFuture(reply);
          if (attempt < attempts) return later(attempt, () -> attempt(entityId, command, attempt + 1));
          // Answers a query but not this command, right after: it is this record the entity fails on.
          return answersProbe(entity).thenCompose(alive -> alive
              ? once(entity, command)
              : later(attempt, () -> attempt(entityId, command, attempt + 1)));
        }, system.executionContext());
  }

  /** One ask: the reply, or empty when none came in time. */
  private CompletionStage<Optional<StatusReply<Done>>> once(EntityRef<C> entity,
      Function<ActorRef<StatusReply<Done>>, C> command) {
    // Callbacks on the actor dispatcher: on the converted Scala future each would start a thread of its own.
    return entity.ask(command::apply, timeout)
        .handleAsync((reply, failure) -> failure == null ? Optional.of(reply) : Optional.<StatusReply<Done>>empty(),
            system.executionContext());
  }

  private CompletionStage<Boolean> answersProbe(EntityRef<C> entity) {
    try {
      return probe.apply(entity).handleAsync((answer, failure) -> failure == null, system.executionContext());
    } catch (Exception e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  private <T> CompletionStage<T> later(int attempt, Callable<CompletionStage<T>> next) {
    long millis = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 10));
    ExecutionContext ec = system.executionContext();
    return Patterns.after(Duration.ofMillis(millis), system.classicSystem().scheduler(), ec, next);
  }
}
