package io.fleet.api;

import static io.fleet.api.ThreeNodeFailoverIT.onlineSince;
import static io.fleet.api.ThreeNodeFailoverIT.probesByShard;
import static io.fleet.api.ThreeNodeFailoverIT.secondsSince;
import static io.fleet.api.ThreeNodeFailoverIT.view;
import static io.fleet.api.ThreeNodeFailoverIT.within;
import static io.fleet.api.ThreeNodeFailoverIT.wronglyOffline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleet.credentials.DerivedPasswords;
import io.fleet.infra.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Fleet nodes, each on a host of its own (a network namespace, {@link TestNetwork}), on Kafka, S3, PostgreSQL
 * and Mosquitto that all three reach; {@value #DEVICES} devices heartbeat every {@value #INTERVAL_S} s, and every
 * heartbeat is journaled. The node that runs the ingress bridge (the oldest: the coordinators' too) is cut off from
 * the other two — cluster traffic both ways — while it still reaches every server and keeps consuming Kafka, the
 * case where one device's entity could live on both sides. The Split Brain Resolver (keep-majority) downs the
 * minority: the cut-off node exits for its supervisor to restart it; the two others take over its shards and the
 * bridge; and no entity was ever live on two nodes: in the journal, each persistence id's writers (an entity's
 * incarnations) take turns — none writes again once another has written — and no write was refused. Every
 * acknowledged heartbeat reaches its entity, no device is judged offline, and once the partition heals the node,
 * started again, joins the cluster (never forms a second one).
 */
class NetworkPartitionIT {
  private static final int DEVICES = 300;
  private static final int INTERVAL_S = 2;
  private static final String DEVICE_SECRET = "network-partition-secret";
  private static final String HEAP = "448m";

  @Test
  void aNodeCutOffFromTheOthersDownsItselfAndNoEntityIsLiveOnTwoNodes(@TempDir Path mosquittoDir) throws Exception {
    assumeTrue(TestMosquitto.installed(), "needs Debian's mosquitto");
    assumeTrue(TestNetwork.available(), "needs root and iproute2 to make network namespaces");
    Path bin = PrivatePostgres.binaries().orElse(null);
    assumeTrue(bin != null, "needs an installed PostgreSQL (a private one, reachable from the namespaces)");
    long began = System.nanoTime();
    String run = UUID.randomUUID().toString().substring(0, 6);
    Path logs = Path.of("target", "it-logs", "NetworkPartitionIT", run).toAbsolutePath();
    try (TestNetwork network = TestNetwork.create(3);
        PrivatePostgres postgres = PrivatePostgres.start(bin, network.serverAddress());
        TestMosquitto mosquitto = mosquittoOnEveryAddress(mosquittoDir);
        KafkaProcess kafka = KafkaProcess.start(logs.resolve("kafka"), network.serverAddress());
        S3Process s3 = S3Process.start(logs.resolve("s3"), "fleet-clips", network.serverAddress());
        FleetCluster nodes = FleetCluster.on(network, logs, 3, HEAP)) {
      String journal = Database.freshPostgresSchemaUrl(postgres.jdbcUrl(), TestServers.uniqueSchema());
      Map<String, Object> servers = FleetCluster.testSettings(run, DEVICE_SECRET);
      servers.put("fleet.kafka.bootstrap", kafka.bootstrap());
      servers.put("fleet.mqtt.url", "tcp://" + network.serverAddress() + ":" + mosquitto.port());
      servers.put("fleet.s3.endpoint", s3.endpoint());
      servers.put("fleet.s3.access-key", s3.accessKey());
      servers.put("fleet.s3.secret-key", s3.secretKey());
      servers.put("fleet.db.url", journal);
      // Every heartbeat journaled: an entity live on both sides would interleave its writes with its twin's.
      servers.put("fleet.device.last-seen-persist-interval", "0s");
      nodes.start(servers, 1);
      System.out.printf("three nodes up, each in a network namespace of its own, after %d s%n", seconds(began));

      List<String> ids = IntStream.range(0, DEVICES).mapToObj(i -> "np-" + run + "-" + i).toList();
      DerivedPasswords passwords = new DerivedPasswords(DEVICE_SECRET);
      try (HeartbeatingDevices devices = new HeartbeatingDevices(mosquitto.url(), ids, passwords::passwordFor,
          Duration.ofSeconds(INTERVAL_S))) {
        FleetProcess victim = nodes.bridgeRunner();
        int cut = nodes.indexOf(victim);
        List<FleetProcess> majority = nodes.others(victim);
        ApiClient api = majority.get(0).api();
        devices.start();
        await("every device online").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
            .until(() -> ids.stream().allMatch(id -> "online".equals(view(api, id).path("status").asText())));
        Map<String, String> onlineSince = onlineSince(api, ids);
        long ackedBeforeCut = devices.acknowledged();
        within("three rounds of heartbeats", Duration.ofSeconds(30), Duration.ofMillis(200),
            () -> devices.acknowledged() >= ackedBeforeCut + 3L * DEVICES);

        Map<String, Long> lastBeforeCut = new HashMap<>();
        for (String id : ids) lastBeforeCut.put(id, devices.lastAcked(id));
        long cutAt = System.nanoTime();
        network.cutOff(cut);
        System.out.printf("cut %s (the bridge's node) off from the other two%n", victim.name());

        boolean exited = within("the cut-off node downed and exited", Duration.ofSeconds(90), Duration.ofMillis(100),
            () -> !victim.alive());
        double exitedAfter = exited ? secondsSince(cutAt) : -1;
        boolean twoUp = within("two members up on the majority", Duration.ofSeconds(60), Duration.ofMillis(100),
            () -> majority.stream().allMatch(n -> n.membersUp() == 2));
        boolean bridgeMoved = within("the bridge on the majority", Duration.ofSeconds(90), Duration.ofMillis(100),
            () -> majority.stream().anyMatch(FleetProcess::runsBridge));
        double bridgeBack = bridgeMoved ? secondsSince(cutAt) : -1;
        Map<String, String> probes = probesByShard(ids);
        Set<String> serving = new HashSet<>();
        boolean shardsServe = within("every shard's entities serve a heartbeat sent after the cut", Duration.ofSeconds(90),
            Duration.ofMillis(200), () -> {
              for (String probe : probes.values()) {
                if (view(api, probe).path("uptimeS").asLong(-1) > lastBeforeCut.get(probe)) serving.add(probe);
              }
              return serving.size() == probes.size();
            });
        double allServing = shardsServe ? secondsSince(cutAt) : -1;
        long ackedAfterServing = devices.acknowledged();
        within("two more rounds of heartbeats", Duration.ofSeconds(60), Duration.ofMillis(200),
            () -> devices.acknowledged() >= ackedAfterServing + 2L * DEVICES);
        List<String> wronglyOffline = wronglyOffline(api, ids, onlineSince);
        devices.stop();
        Set<String> behind = new HashSet<>(ids);
        within("each device's entity at its last acknowledged heartbeat", Duration.ofSeconds(60), Duration.ofSeconds(1), () -> {
          behind.removeIf(id -> view(api, id).path("uptimeS").asLong(-1) == devices.lastAcked(id));
          return behind.isEmpty();
        });

        Turns turns = Turns.read(journal);
        List<String> refused = refusedWrites(logs);
        network.heal(cut);
        long healed = System.nanoTime();
        nodes.restart(cut);
        double rejoined = secondsSince(healed);

        System.out.printf("""
            NETWORK PARTITION (%s, the bridge's node, cut off from the other two; %d devices every %d s, every heartbeat
            journaled; SBR keep-majority, stable-after %s):
              cut-off node exited                  %.1f s after the cut (status %s)
              bridge subscribed on the majority    %.1f s after the cut
              every shard serving (%d probes)      %.1f s after the cut
              heartbeats acknowledged              %d
              devices' entities short of the last  %d
              devices wrongly offline              %d
              journal: persistence ids / handed over / writes interleaved / refused   %d / %d / %d / %d
              healed, restarted, three members     %.1f s later
              run time                             %d s
            """, victim.name(), DEVICES, INTERVAL_S, FleetCluster.SBR_STABLE_AFTER, exitedAfter,
            victim.exitStatus().map(String::valueOf).orElse("-"), bridgeBack, probes.size(), allServing,
            devices.acknowledged(), behind.size(), wronglyOffline.size(), turns.persistenceIds(), turns.handedOver(),
            turns.interleaved().size(), refused.size(), rejoined, seconds(began));

        assertThat(exited).as("the cut-off node exited").isTrue();
        assertThat(victim.exitStatus()).as("its exit status: downed, to be restarted").contains(FleetApp.DOWNED_EXIT_STATUS);
        assertThat(twoUp && bridgeMoved && shardsServe).as("the majority took over the members, the bridge and every shard").isTrue();
        assertThat(turns.handedOver()).as("entities that moved from the cut-off node to the majority").isPositive();
        assertThat(turns.interleaved()).as("persistence ids written by one incarnation after another had written").isEmpty();
        assertThat(refused).as("journal writes refused (an entity's twin had written that sequence number)").isEmpty();
        assertThat(behind).as("devices whose entity is not at its last acknowledged heartbeat").isEmpty();
        assertThat(wronglyOffline).as("devices judged offline while they kept sending").isEmpty();
      }
    }
  }

  /** This run's Mosquitto on every address of this machine: the devices reach it on loopback, the nodes on the network. */
  private static TestMosquitto mosquittoOnEveryAddress(Path dir) {
    int port = LocalPorts.free();
    return TestMosquitto.start(dir, port, "listener " + port + "\nallow_anonymous true\nmax_queued_messages 0\n"
        + "max_inflight_messages 0\n");
  }

  /** Lines of the nodes' logs where the journal refused a write, or an entity failed to persist. */
  private static List<String> refusedWrites(Path logs) throws Exception {
    List<String> refused = new ArrayList<>();
    try (Stream<Path> files = Files.walk(logs)) {
      for (Path log : files.filter(f -> f.getFileName().toString().equals("node.log")).toList()) {
        for (String line : Files.readAllLines(log)) {
          if (line.contains("duplicate key value") || line.contains("Failed to persist event")
              || line.contains("Rejected to persist event")) {
            refused.add(log.getParent().getFileName() + ": " + line);
          }
        }
      }
    }
    return refused;
  }

  /**
   * How each persistence id's writes went, from the journal: its writers (an entity's incarnations, each with a
   * writer id of its own) in sequence-number order. One writer handing over to the next is a move (or a restart);
   * a writer writing again after another had written means two incarnations were live at once.
   */
  private record Turns(int persistenceIds, int handedOver, List<String> interleaved) {
    static Turns read(String jdbcUrl) throws Exception {
      Map<String, List<String>> writers = new HashMap<>();
      try (Connection c = DriverManager.getConnection(jdbcUrl);
          Statement s = c.createStatement();
          ResultSet rows = s.executeQuery("select persistence_id, writer from event_journal order by persistence_id, sequence_number")) {
        while (rows.next()) {
          List<String> turns = writers.computeIfAbsent(rows.getString(1), id -> new ArrayList<>());
          String writer = rows.getString(2);
          if (turns.isEmpty() || !turns.get(turns.size() - 1).equals(writer)) turns.add(writer);
        }
      }
      int handedOver = 0;
      List<String> interleaved = new ArrayList<>();
      for (Map.Entry<String, List<String>> id : writers.entrySet()) {
        List<String> turns = id.getValue();
        if (turns.size() > 1) handedOver++;
        if (new HashSet<>(turns).size() < turns.size()) interleaved.add(id.getKey() + " " + turns);
      }
      return new Turns(writers.size(), handedOver, interleaved);
    }
  }

  private static long seconds(long since) {
    return (System.nanoTime() - since) / 1_000_000_000L;
  }
}
