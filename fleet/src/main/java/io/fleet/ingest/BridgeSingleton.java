package io.fleet.ingest;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Runs the {@link IngressBridge} as a cluster singleton: one bridge per cluster, on the oldest node.
 * MQTT allows one session per client id, so a bridge on every node under the same id would take the
 * session from the others in turn; under different ids each would receive every message (n-fold work),
 * and a shared subscription would reorder a device's messages.
 *
 * <p>When the bridge's node leaves, the singleton moves: the old bridge first finishes what is on its
 * way to Kafka and disconnects (the singleton's stop message), then the next node's bridge resumes the
 * same persistent MQTT session, which kept the QoS 1 messages meanwhile. Nothing is lost; a message
 * whose Kafka write the old bridge could not finish is redelivered by the broker.
 *
 * <p>Node-local state only: which bridge runs on this node, if any. Nothing durable.
 */
public final class BridgeSingleton {
  private final AtomicReference<IngressBridge> local = new AtomicReference<>();
  private final CompletableFuture<IngressBridge> firstLocal = new CompletableFuture<>();

  private enum Command { STOP, STOPPED }

  private BridgeSingleton() {}

  /** Registers the singleton; {@code bridges} starts a bridge wherever the cluster runs it. */
  public static BridgeSingleton start(ActorSystem<?> system, Supplier<IngressBridge> bridges) {
    BridgeSingleton singleton = new BridgeSingleton();
    Behavior<Command> behavior = Behaviors.supervise(singleton.bridge(bridges))
        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    ClusterSingleton.get(system).init(SingletonActor.of(behavior, "ingress-bridge").withStopMessage(Command.STOP));
    return singleton;
  }

  private Behavior<Command> bridge(Supplier<IngressBridge> bridges) {
    return Behaviors.setup(ctx -> {
      IngressBridge bridge = bridges.get();
      local.set(bridge);
      firstLocal.complete(bridge);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Command.STOP, () -> {
            ctx.pipeToSelf(bridge.stop(), (done, error) -> Command.STOPPED);
            return Behaviors.same();
          })
          .onMessageEquals(Command.STOPPED, Behaviors::stopped)
          .onSignal(PostStop.class, stopped -> {
            bridge.stop();
            local.compareAndSet(bridge, null);
            return Behaviors.same();
          })
          .build();
    });
  }

  /** The bridge running on this node, if the cluster put it here. */
  public Optional<IngressBridge> local() {
    return Optional.ofNullable(local.get());
  }

  /** Completes when a bridge first started on this node (never, if it runs elsewhere). */
  public CompletionStage<IngressBridge> firstLocal() {
    return firstLocal;
  }

  /** Stops taking MQTT messages on this node, finishing those on their way to Kafka. */
  public CompletionStage<Done> stopLocal() {
    return local().map(IngressBridge::stop).orElse(CompletableFuture.completedFuture(Done.getInstance()));
  }
}
