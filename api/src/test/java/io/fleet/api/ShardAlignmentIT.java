package io.fleet.api;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.fleet.infra.Endpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records of {@code fleet.device-events} are handled on the node that hosts their device's entity: with two
 * nodes, each consuming half the partitions, the bridge writes each device's records to the partition of its
 * shard and each node hosts the shards of its partitions, so once sharding has followed the consumers'
 * assignment a wave of heartbeats from {@value #DEVICES} devices asks no entity across the network
 * ({@code fleet_entity_asks_total{where="remote"}} stays put) while both nodes handle records. Without the alignment about half would be remote.
 */
class ShardAlignmentIT {
  private static final int DEVICES = 200;
  private static final Instant BASE = Instant.parse("2026-12-06T00:00:00Z");

  @Test
  void onceShardsFollowTheConsumersPartitionsEveryRecordIsHandledOnTheNodeOfItsEntity(
      @TempDir Path dataA, @TempDir Path dataB) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 6);
    TestServers servers = new TestServers("embedded", null, null);
    String schema = TestServers.uniqueSchema();
    try (FleetApp a = FleetApp.start(servers.config(dataA, schema, Map.of()))) {
      Endpoints e = a.node().endpoints();
      String seed = Cluster.get(a.node().system()).selfMember().address().toString();
      Map<String, Object> b = new HashMap<>(ExternalServers.of(e));
      b.put("fleet.cluster.seeds", seed);
      try (FleetApp nodeB = FleetApp.start(servers.config(dataB, schema, b))) {
        await("both nodes up in one cluster").atMost(Duration.ofSeconds(60)).until(() ->
            InProcessNodes.upMembers(a) == 2 && InProcessNodes.upMembers(nodeB) == 2);
        Mqtt3BlockingClient mqtt = TestMqtt.serviceClient(e);
        try {
          AtomicInteger wave = new AtomicInteger();
          List<String> remoteByWave = new ArrayList<>();
          await("a wave of heartbeats asked only on the nodes of its entities, each node taking part")
              .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ZERO)
              .until(() -> {
                double remoteBefore = asks(a, nodeB, "remote");
                double localABefore = InProcessNodes.handledHere(a);
                double localBBefore = InProcessNodes.handledHere(nodeB);
                double all = localABefore + localBBefore + remoteBefore;
                int n = wave.getAndIncrement();
                for (int d = 0; d < DEVICES; d++) {
                  TestMqtt.publish(mqtt, "fleet/" + device(run, d) + "/heartbeat",
                      "{\"ts\":\"" + BASE.plusSeconds(n) + "\",\"battery\":80,\"uptime_s\":" + n + ",\"interval_s\":3600}");
                }
                await("wave " + n + " asked of its entities").atMost(Duration.ofSeconds(60))
                    .until(() -> InProcessNodes.handledHere(a) + InProcessNodes.handledHere(nodeB)
                        + asks(a, nodeB, "remote") >= all + DEVICES);
                double remote = asks(a, nodeB, "remote") - remoteBefore;
                remoteByWave.add(String.format("%.0f", remote));
                // Both consumers have partitions (each node handles records), and every record is handled locally.
                return remote == 0 && InProcessNodes.handledHere(a) > localABefore
                    && InProcessNodes.handledHere(nodeB) > localBBefore;
              });
          System.out.printf("ShardAlignmentIT: remote entity asks per wave of %d records: %s%n", DEVICES, remoteByWave);
        } finally {
          mqtt.disconnect();
        }
      }
    }
  }

  private static double asks(FleetApp a, FleetApp b, String where) {
    return InProcessNodes.entityAsks(a, where) + InProcessNodes.entityAsks(b, where);
  }

  private static String device(String run, int i) {
    return "align-" + run + "-" + i;
  }
}
