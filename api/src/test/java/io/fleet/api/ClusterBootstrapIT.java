package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import io.fleet.infra.Infrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes find each other through Cluster Bootstrap (config discovery of their management endpoints): the
 * first, started alone, forms no cluster of its own (two contact points are required); with the second they form
 * one, the third joins it, and each answers {@code /alive} and {@code /ready} on its management endpoint. The
 * node that formed the cluster, stopped and started again, joins the cluster that exists instead of forming a
 * second one. Kafka, MQTT, S3 and the database run outside the three nodes.
 */
class ClusterBootstrapIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void threeNodesFormOneClusterByBootstrapAndARestartedFirstNodeRejoinsIt(@TempDir Path dir) throws Exception {
    String schema = TestServers.uniqueSchema();
    TestServers embedded = new TestServers("embedded", null, null);
    int[] management = {LocalPorts.free(), LocalPorts.free(), LocalPorts.free()};
    String contactPoints = "127.0.0.1:" + management[0] + ",127.0.0.1:" + management[1] + ",127.0.0.1:" + management[2];
    try (Infrastructure servers = Infrastructure.start(embedded.config(dir.resolve("servers"), schema, Map.of()))) {
      List<Config> configs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Map<String, Object> node = new HashMap<>(ExternalServers.of(servers.endpoints()));
        node.put("fleet.cluster.bootstrap", "config");
        node.put("fleet.cluster.contact-points", contactPoints);
        node.put("fleet.cluster.management.port", management[i]);
        configs.add(embedded.config(dir.resolve("node-" + i), schema, node));
      }
      FleetApp[] nodes = new FleetApp[3];
      try {
        nodes[0] = FleetApp.start(configs.get(0));
        await("the first node alone forms no cluster").during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15))
            .until(() -> upMembers(nodes[0]).isEmpty());
        assertThat(status(management[0], "/alive")).isEqualTo(200);
        assertThat(status(management[0], "/ready")).as("not ready outside a cluster").isEqualTo(500);

        nodes[1] = FleetApp.start(configs.get(1));
        await("two nodes form one cluster").atMost(Duration.ofSeconds(60))
            .until(() -> upMembers(nodes[0]).size() == 2 && upMembers(nodes[1]).size() == 2);
        nodes[2] = FleetApp.start(configs.get(2));
        await("the third joins it").atMost(Duration.ofSeconds(60))
            .until(() -> List.of(nodes).stream().allMatch(n -> upMembers(n).size() == 3));
        for (int port : management) {
          assertThat(status(port, "/alive")).isEqualTo(200);
          assertThat(status(port, "/ready")).isEqualTo(200);
        }

        int first = oldest(nodes);
        Set<Address> survivors = new HashSet<>();
        for (int i = 0; i < 3; i++) if (i != first) survivors.add(self(nodes[i]));
        nodes[first].close();
        int aSurvivor = first == 0 ? 1 : 0;
        await("the others carry on as two").atMost(Duration.ofSeconds(60))
            .until(() -> upMembers(nodes[aSurvivor]).equals(survivors));

        nodes[first] = FleetApp.start(configs.get(first));
        FleetApp restarted = nodes[first];
        await("the restarted first node joins the cluster that exists").atMost(Duration.ofSeconds(90))
            .until(() -> upMembers(restarted).size() == 3 && upMembers(restarted).containsAll(survivors)
                && upMembers(nodes[aSurvivor]).contains(self(restarted)));
      } finally {
        for (FleetApp node : nodes) if (node != null) node.close();
      }
    }
  }

  private static Set<Address> upMembers(FleetApp app) {
    Set<Address> up = new HashSet<>();
    for (Member m : Cluster.get(app.node().system()).state().getMembers()) {
      if (m.status() == MemberStatus.up()) up.add(m.address());
    }
    return up;
  }

  private static Address self(FleetApp app) {
    return Cluster.get(app.node().system()).selfMember().address();
  }

  /** The node whose member is the oldest: the one that formed the cluster. */
  private static int oldest(FleetApp[] nodes) {
    Member oldest = null;
    for (Member m : Cluster.get(nodes[0].node().system()).state().getMembers()) {
      if (oldest == null || m.isOlderThan(oldest)) oldest = m;
    }
    Address address = oldest.address();
    for (int i = 0; i < nodes.length; i++) if (self(nodes[i]).equals(address)) return i;
    throw new IllegalStateException("no node is " + address + " of " + List.of(nodes).stream()
        .map(n -> self(n).toString()).collect(Collectors.joining(", ")));
  }

  private static int status(int port, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }
}
