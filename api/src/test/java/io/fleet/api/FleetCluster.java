package io.fleet.api;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Three Fleet nodes, each a process of its own ({@link FleetProcess}), on servers the test runs: the first the
 * seed, the others joining it; devices log in with passwords derived from one device secret; the Split Brain
 * Resolver's {@code stable-after} is {@value #SBR_STABLE_AFTER}. On loopback, or each node on a host of a
 * {@link TestNetwork}. Each node's files and log are under {@code dir/node-<n>}; {@link #close()} kills the nodes.
 */
final class FleetCluster implements AutoCloseable {
  static final String SBR_STABLE_AFTER = "6s";
  private static final int NODES = 3;

  private final Path dir;
  private final String run;
  private final String deviceSecret;
  private final String heap;
  private final IntFunction<String> hostOf;
  private final IntFunction<List<String>> wrapperOf;
  private final List<FleetProcess> nodes = new ArrayList<>();
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final List<Map<String, Object>> settings = new ArrayList<>();

  private FleetCluster(Path dir, String run, String deviceSecret, String heap, IntFunction<String> hostOf,
      IntFunction<List<String>> wrapperOf) {
    this.dir = dir;
    this.run = run;
    this.deviceSecret = deviceSecret;
    this.heap = heap;
    this.hostOf = hostOf;
    this.wrapperOf = wrapperOf;
  }

  /** Three nodes on 127.0.0.1. */
  static FleetCluster onLoopback(Path dir, String run, String deviceSecret, String heap) {
    return new FleetCluster(dir, run, deviceSecret, heap, node -> "127.0.0.1", node -> List.of());
  }

  /** Node {@code n} on host {@code n} of {@code network} (its cluster and HTTP ports on that host's address). */
  static FleetCluster on(TestNetwork network, Path dir, String run, String deviceSecret, String heap) {
    return new FleetCluster(dir, run, deviceSecret, heap, network::address, network::wrapper);
  }

  /** Starts the nodes with these server settings ({@code fleet.kafka.bootstrap}, ...); returns once all three are up. */
  void start(Map<String, Object> servers) throws Exception {
    for (int n = 1; n <= NODES; n++) clusterPorts.add(LocalPorts.free());
    // Every node a seed, the first the one that forms the cluster: the others keep trying to join until it has,
    // and the first, started again, joins the cluster the others still form instead of forming one of its own.
    String seeds = String.join(",", IntStream.rangeClosed(1, NODES)
        .mapToObj(n -> "pekko://fleet@" + hostOf.apply(n) + ":" + clusterPorts.get(n - 1)).toList());
    ExecutorService starting = Executors.newFixedThreadPool(NODES);
    try {
      List<Future<FleetProcess>> started = new ArrayList<>();
      for (int n = 1; n <= NODES; n++) settings.add(settings(servers, n, clusterPorts.get(n - 1), seeds));
      for (int n = 1; n <= NODES; n++) {
        int node = n;
        started.add(starting.submit(() -> launch(node)));
      }
      for (Future<FleetProcess> node : started) nodes.add(node.get());
    } finally {
      starting.shutdown();
    }
    awaitAllUp();
    await("the bridge subscribed on one node").atMost(Duration.ofSeconds(60))
        .until(() -> nodes.stream().filter(FleetProcess::runsBridge).count() == 1);
  }

  /**
   * Starts node {@code n} again (as its supervisor would after it exited), with the same settings, ports and data
   * directory; returns once every node sees three members up.
   */
  FleetProcess restart(int n) throws Exception {
    nodes.get(n - 1).close();
    nodes.set(n - 1, launch(n));
    awaitAllUp();
    return nodes.get(n - 1);
  }

  private FleetProcess launch(int node) throws Exception {
    return FleetProcess.start("node-" + node, dir.resolve("node-" + node), heap, settings.get(node - 1),
        wrapperOf.apply(node));
  }

  private void awaitAllUp() {
    await("three members up, seen from each node").atMost(Duration.ofSeconds(90))
        .until(() -> nodes.stream().allMatch(n -> n.membersUp() == NODES));
  }

  private Map<String, Object> settings(Map<String, Object> servers, int node, int clusterPort, String seed) {
    Map<String, Object> m = new HashMap<>(servers);
    m.put("fleet.data-dir", dir.resolve("node-" + node).resolve("data").toString());
    m.put("fleet.http.host", hostOf.apply(node));
    m.put("fleet.http.port", 0);
    m.put("fleet.admin-token", FleetProcess.OPERATOR_TOKEN);
    m.put("fleet.simulator.devices", 0);
    m.put("fleet.device-passwords.mode", "derived");
    m.put("fleet.device-secret", deviceSecret);
    m.put("fleet.mqtt.client-id", "fleet-3n-" + run);
    m.put("fleet.mqtt.clean-session", false);
    m.put("fleet.health.check-interval", "1s");
    // Each camera reports once; an episode's cooldown would otherwise hide none of them, but keep it out of the way.
    m.put("fleet.motion.cooldown", "0s");
    m.put("pekko.remote.artery.canonical.hostname", hostOf.apply(node));
    m.put("pekko.remote.artery.canonical.port", clusterPort);
    m.put("fleet.cluster.seeds", seed);
    m.put("pekko.cluster.split-brain-resolver.stable-after", SBR_STABLE_AFTER);
    return m;
  }

  /** Node {@code n}, from 1. */
  FleetProcess node(int n) {
    return nodes.get(n - 1);
  }

  /** The number (from 1) of this node. */
  int indexOf(FleetProcess node) {
    return nodes.indexOf(node) + 1;
  }

  FleetProcess bridgeRunner() {
    return nodes.stream().filter(FleetProcess::runsBridge).findFirst().orElseThrow();
  }

  List<FleetProcess> others(FleetProcess node) {
    return nodes.stream().filter(n -> n != node).toList();
  }

  @Override
  public void close() throws Exception {
    for (FleetProcess node : nodes) node.close();
  }
}
