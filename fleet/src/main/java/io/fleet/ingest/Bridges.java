package io.fleet.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;

/**
 * Runs one {@link IngressBridge} per MQTT broker, each once in the cluster: a {@link ShardedDaemonProcess} of as
 * many instances as brokers, spread over the nodes, so no node and no MQTT session carries all device traffic.
 * MQTT allows one session per client id, so a broker's bridge on every node under the same id would take the
 * session from the others in turn; under different ids each would receive every message (n-fold work), and a
 * shared subscription would reorder a device's messages. Each device is pinned to one broker by its id, so its
 * messages reach Kafka in order through that broker's one bridge.
 *
 * <p>When a bridge's node leaves (or is downed), its instance moves: the old bridge first finishes what is on
 * its way to Kafka and disconnects (the stop message), then the next node's bridge resumes the same persistent
 * MQTT session, which kept the QoS 1 messages meanwhile. Nothing is lost; a message whose Kafka write the old
 * bridge could not finish is redelivered by the broker.
 *
 * <p>Node-local state only: which bridges run on this node. Nothing durable.
 */
public final class Bridges {
  private final int brokers;
  private final Map<Integer, IngressBridge> local = new ConcurrentHashMap<>();
  private final List<CompletableFuture<IngressBridge>> firstLocal;

  private enum Command { STOP, STOPPED }

  private Bridges(int brokers) {
    this.brokers = brokers;
    this.firstLocal = IntStream.range(0, brokers).mapToObj(i -> new CompletableFuture<IngressBridge>()).toList();
  }

  /** Starts the daemon process; {@code bridgeFor} starts broker {@code i}'s bridge wherever the cluster runs it. */
  public static Bridges start(ActorSystem<?> system, int brokers, IntFunction<IngressBridge> bridgeFor) {
    Bridges bridges = new Bridges(brokers);
    ShardedDaemonProcess.get(system).init(Command.class, "ingress-bridges", brokers,
        i -> Behaviors.supervise(bridges.bridge(i, bridgeFor))
            .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
        ShardedDaemonProcessSettings.create(system), Optional.of(Command.STOP));
    return bridges;
  }

  private Behavior<Command> bridge(int broker, IntFunction<IngressBridge> bridgeFor) {
    return Behaviors.setup(ctx -> {
      IngressBridge bridge = bridgeFor.apply(broker);
      local.put(broker, bridge);
      firstLocal.get(broker).complete(bridge);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Command.STOP, () -> {
            ctx.pipeToSelf(bridge.stop(), (done, error) -> Command.STOPPED);
            return Behaviors.same();
          })
          .onMessageEquals(Command.STOPPED, Behaviors::stopped)
          .onSignal(PostStop.class, stopped -> {
            bridge.stop();
            local.remove(broker, bridge);
            return Behaviors.same();
          })
          .build();
    });
  }

  /** How many brokers, so how many bridges in the cluster. */
  public int brokers() {
    return brokers;
  }

  /** The bridges running on this node, by broker. */
  public Map<Integer, IngressBridge> local() {
    return Map.copyOf(local);
  }

  /** Whether this node runs a bridge and every bridge it runs is connected and subscribed. */
  public boolean subscribedHere() {
    Map<Integer, IngressBridge> here = local();
    return !here.isEmpty() && here.values().stream().allMatch(IngressBridge::isSubscribed);
  }

  /** Completes when every broker's bridge first started on this node and subscribed: a node alone runs them all. */
  public CompletionStage<Void> allSubscribedHere() {
    return CompletableFuture.allOf(firstLocal.stream()
        .map(f -> f.thenCompose(IngressBridge::firstSubscription).toCompletableFuture())
        .toArray(CompletableFuture[]::new));
  }

  /** Stops taking MQTT messages on this node, finishing those on their way to Kafka. */
  public CompletionStage<Done> stopLocal() {
    return CompletableFuture.allOf(local.values().stream().map(b -> b.stop().toCompletableFuture())
        .toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
  }
}
