package io.fleet.api;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Fleet nodes as processes of their own ({@link FleetProcess}) forming one Pekko cluster, on servers the caller
 * runs: every node a seed, node 1 the one that forms the cluster; each with its data directory and log in
 * {@code dir/node-<n>}, its HTTP API on a free port and the operator token {@link FleetProcess#OPERATOR_TOKEN}. On
 * loopback, or node {@code n} on host {@code n} of a {@link TestNetwork}. {@link #start} returns once every node
 * sees all of them up and each broker's ingress bridge is subscribed on one of them; {@link #close()} kills them.
 */
public final class FleetCluster implements AutoCloseable {
  /** The Split Brain Resolver's {@code stable-after} in {@link #testSettings}. */
  static final String SBR_STABLE_AFTER = "6s";

  private final Path dir;
  private final int size;
  private final String heap;
  private final IntFunction<String> hostOf;
  private final IntFunction<List<String>> wrapperOf;
  private final List<FleetProcess> nodes = new ArrayList<>();
  private final List<Map<String, Object>> settings = new ArrayList<>();
  /** Every node's cluster address, node 1's first. */
  private final List<String> seeds = new ArrayList<>();

  private FleetCluster(Path dir, int size, String heap, IntFunction<String> hostOf, IntFunction<List<String>> wrapperOf) {
    this.dir = dir;
    this.size = size;
    this.heap = heap;
    this.hostOf = hostOf;
    this.wrapperOf = wrapperOf;
  }

  /** {@code size} nodes on 127.0.0.1. */
  public static FleetCluster onLoopback(Path dir, int size, String heap) {
    return new FleetCluster(dir, size, heap, node -> "127.0.0.1", node -> List.of());
  }

  /** Node {@code n} on host {@code n} of {@code network} (its cluster and HTTP ports on that host's address). */
  static FleetCluster on(TestNetwork network, Path dir, int size, String heap) {
    return new FleetCluster(dir, size, heap, network::address, network::wrapper);
  }

  /**
   * What the tests' clusters share besides the servers: no demo devices, device passwords derived from
   * {@code deviceSecret}, a persistent bridge session of the run's own, health checked every second, no motion
   * cooldown (each camera reports once), and the Split Brain Resolver's {@code stable-after} {@value #SBR_STABLE_AFTER}.
   */
  static Map<String, Object> testSettings(String run, String deviceSecret) {
    Map<String, Object> m = new HashMap<>();
    m.put("fleet.simulator.devices", 0);
    m.put("fleet.device-passwords.mode", "derived");
    m.put("fleet.device-secret", deviceSecret);
    m.put("fleet.mqtt.client-id", "fleet-3n-" + run);
    m.put("fleet.mqtt.clean-session", false);
    m.put("fleet.health.check-interval", "1s");
    m.put("fleet.motion.cooldown", "0s");
    m.put("pekko.cluster.split-brain-resolver.stable-after", SBR_STABLE_AFTER);
    return m;
  }

  /**
   * Starts the nodes at once on {@code shared} (the servers and anything else all nodes share; {@code brokers} is how
   * many MQTT brokers {@code fleet.mqtt.url} names, one bridge each); returns once all are up and bridged.
   */
  public FleetCluster start(Map<String, Object> shared, int brokers) throws Exception {
    List<Integer> ports = IntStream.rangeClosed(1, size).mapToObj(n -> LocalPorts.free()).toList();
    // Every node a seed, the first the one that forms the cluster: the others keep trying to join until it has (a
    // node started again lists itself last, see restart).
    seeds.addAll(IntStream.rangeClosed(1, size).mapToObj(n -> "pekko://fleet@" + hostOf.apply(n) + ":" + ports.get(n - 1))
        .toList());
    for (int n = 1; n <= size; n++) settings.add(settings(shared, n, ports.get(n - 1), String.join(",", seeds)));
    ExecutorService starting = Executors.newFixedThreadPool(size);
    try {
      List<Future<FleetProcess>> started = new ArrayList<>();
      for (int n = 1; n <= size; n++) {
        int node = n;
        started.add(starting.submit(() -> launch(node)));
      }
      for (Future<FleetProcess> node : started) nodes.add(node.get());
      awaitAllUp();
      Set<Integer> all = IntStream.range(0, brokers).boxed().collect(Collectors.toSet());
      await("each broker's bridge subscribed on one node").atMost(Duration.ofSeconds(60))
          .until(() -> bridges().equals(all) && nodes.stream().allMatch(n -> n.bridgesHere().isEmpty() || n.runsBridge()));
      return this;
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    } finally {
      starting.shutdown();
    }
  }

  private Map<String, Object> settings(Map<String, Object> shared, int node, int clusterPort, String seeds) {
    Map<String, Object> m = new HashMap<>(shared);
    m.put("fleet.data-dir", dir.resolve("node-" + node).resolve("data").toString());
    m.put("fleet.http.host", hostOf.apply(node));
    m.put("fleet.http.port", 0);
    m.put("fleet.admin-token", FleetProcess.OPERATOR_TOKEN);
    m.put("pekko.remote.artery.canonical.hostname", hostOf.apply(node));
    m.put("pekko.remote.artery.canonical.port", clusterPort);
    m.put("fleet.cluster.seeds", seeds);
    return m;
  }

  /**
   * Starts node {@code n} again (as its supervisor would after it exited), with the same settings, ports and data
   * directory; returns once every node sees all members up.
   */
  FleetProcess restart(int n) throws Exception {
    nodes.get(n - 1).close();
    // Its own address last among its seeds: the first seed of the list, when no other answers within
    // seed-node-timeout (5 s, as the others may not on a loaded machine), forms a cluster of its own — a second one
    // beside the cluster that exists (seen here once: two shard coordinators writing one journal). Any other seed
    // keeps trying to join. (Cluster Bootstrap, the README's way, never forms a cluster while one exists.)
    List<String> ownLast = new ArrayList<>(seeds);
    ownLast.add(ownLast.remove(n - 1));
    settings.get(n - 1).put("fleet.cluster.seeds", String.join(",", ownLast));
    nodes.set(n - 1, launch(n));
    awaitAllUp();
    return nodes.get(n - 1);
  }

  private FleetProcess launch(int node) throws Exception {
    return FleetProcess.start("node-" + node, dir.resolve("node-" + node), heap, settings.get(node - 1),
        wrapperOf.apply(node));
  }

  private void awaitAllUp() {
    await(size + " members up, seen from each node").atMost(Duration.ofSeconds(90))
        .until(() -> nodes.stream().allMatch(n -> n.membersUp() == size));
  }

  public List<FleetProcess> nodes() {
    return List.copyOf(nodes);
  }

  /** The number (from 1) of this node. */
  int indexOf(FleetProcess node) {
    return nodes.indexOf(node) + 1;
  }

  /** The brokers (by index) whose bridge runs on some node, as the nodes said last. */
  private Set<Integer> bridges() {
    Set<Integer> all = new HashSet<>();
    for (FleetProcess node : nodes) all.addAll(node.bridgesHere());
    return all;
  }

  /** The node that runs an ingress bridge (the first, with several brokers). */
  public FleetProcess bridgeRunner() {
    return nodes.stream().filter(FleetProcess::runsBridge).findFirst().orElseThrow();
  }

  public List<FleetProcess> others(FleetProcess node) {
    return nodes.stream().filter(n -> n != node).toList();
  }

  @Override
  public void close() throws Exception {
    for (FleetProcess node : nodes) node.close();
  }
}
