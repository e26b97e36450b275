package io.fleet.infra;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * A sweep run every interval by one actor per cluster (a cluster singleton: two would only race for the same
 * work): the first soon after start (within a minute, so that a node restarted more often than the interval
 * still sweeps), never two at once (a tick that comes while one runs is skipped). What the sweep counted, or
 * how it failed, goes to its {@code swept} callback, on the actor.
 *
 * <p>State: whether a sweep runs, in memory. A sweep must read what to do from where the work is (tables,
 * the bucket), so one cut short by a crash or a move of the singleton is finished by the next.
 */
public final class PeriodicSweep {
  private sealed interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Swept(long count, Throwable failure) implements Command {}

  private final ActorContext<Command> ctx;
  private final Supplier<CompletionStage<Long>> sweep;
  private final BiConsumer<Long, Throwable> swept;
  private boolean sweeping;

  private PeriodicSweep(ActorContext<Command> ctx, Supplier<CompletionStage<Long>> sweep, BiConsumer<Long, Throwable> swept) {
    this.ctx = ctx;
    this.sweep = sweep;
    this.swept = swept;
  }

  /**
   * Registers singleton {@code name} on this node (it runs on the oldest node of the cluster), running
   * {@code sweep} every {@code interval}; {@code swept} gets its count, or its failure (then the count is 0).
   */
  public static void start(ActorSystem<?> system, String name, Duration interval, Supplier<CompletionStage<Long>> sweep,
      BiConsumer<Long, Throwable> swept) {
    Behavior<Command> sweeper = Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, min(interval, Duration.ofMinutes(1)), interval);
      return new PeriodicSweep(ctx, sweep, swept).behavior();
    }));
    ClusterSingleton.get(system).init(SingletonActor.of(Behaviors.supervise(sweeper)
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2)), name));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Swept.class, this::onSwept)
        .build();
  }

  private Behavior<Command> onTick() {
    if (sweeping) return Behaviors.same();
    sweeping = true;
    ctx.pipeToSelf(sweep.get(), (count, failure) -> new Swept(count == null ? 0 : count, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onSwept(Swept done) {
    sweeping = false;
    swept.accept(done.count(), done.failure());
    return Behaviors.same();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
