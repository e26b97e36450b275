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
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Fleet nodes as processes of their own ({@link FleetProcess}) forming one Pekko cluster: node 1 the seed, the
 * others joining it, each with its data directory and log in {@code dir/node-<n>}, its HTTP API on a free port
 * of 127.0.0.1 and the operator token {@link FleetProcess#OPERATOR_TOKEN}. {@link #start} returns once every node
 * sees all of them up and each broker's ingress bridge is subscribed on one of them; {@link #close()} kills them.
 */
public final class FleetCluster implements AutoCloseable {
  private final List<FleetProcess> nodes;

  private FleetCluster(List<FleetProcess> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts {@code size} nodes at once (the others keep trying to join the seed until it formed the cluster) on
   * {@code settings}: the servers and anything else all nodes share; {@code brokers} is how many MQTT brokers
   * {@code fleet.mqtt.url} names (one bridge each).
   */
  public static FleetCluster start(Path dir, int size, int brokers, String heap, Map<String, Object> settings)
      throws Exception {
    int[] ports = IntStream.range(0, size).map(i -> LocalPorts.free()).toArray();
    String seed = "pekko://fleet@127.0.0.1:" + ports[0];
    List<FleetProcess> nodes = new ArrayList<>();
    ExecutorService starting = Executors.newFixedThreadPool(size);
    try {
      List<Future<FleetProcess>> started = new ArrayList<>();
      for (int n = 1; n <= size; n++) {
        Map<String, Object> node = new HashMap<>(settings);
        Path nodeDir = dir.resolve("node-" + n);
        node.put("fleet.data-dir", nodeDir.resolve("data").toString());
        node.put("fleet.http.host", "127.0.0.1");
        node.put("fleet.http.port", 0);
        node.put("fleet.admin-token", FleetProcess.OPERATOR_TOKEN);
        node.put("pekko.remote.artery.canonical.port", ports[n - 1]);
        node.put("fleet.cluster.seeds", seed);
        String name = "node-" + n;
        started.add(starting.submit(() -> FleetProcess.start(name, nodeDir, heap, node)));
      }
      for (Future<FleetProcess> node : started) nodes.add(node.get());
    } catch (Exception e) {
      for (FleetProcess node : nodes) node.close();
      throw e;
    } finally {
      starting.shutdown();
    }
    FleetCluster cluster = new FleetCluster(nodes);
    try {
      await(size + " members up, seen from each node").atMost(Duration.ofSeconds(90))
          .until(() -> nodes.stream().allMatch(n -> n.membersUp() == size));
      Set<Integer> all = IntStream.range(0, brokers).boxed().collect(Collectors.toSet());
      await("each broker's bridge subscribed on one node").atMost(Duration.ofSeconds(60))
          .until(() -> cluster.bridges().equals(all) && nodes.stream().allMatch(n -> n.bridgesHere().isEmpty() || n.runsBridge()));
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public List<FleetProcess> nodes() {
    return List.copyOf(nodes);
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
