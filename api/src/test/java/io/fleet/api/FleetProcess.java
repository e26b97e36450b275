package io.fleet.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A Fleet node as a process of its own (a child JVM running {@link FleetApp}), to be killed with SIGKILL. Its
 * configuration is {@code settings} laid over the application's, written to {@code dir/node.conf}; its output
 * goes to {@code dir/node.log}. The child prints {@code port <http port>} once it serves and then
 * {@code BRIDGE 1} or {@code BRIDGE 0} whenever it starts or stops running a subscribed ingress bridge,
 * {@code BRIDGES <brokers>} whenever the set of brokers whose bridge runs on it changes, and
 * {@code MEMBERS <n>} whenever the number of cluster members it sees up changes. Like the application, it exits
 * (status 75) when the cluster downs it.
 */
public final class FleetProcess implements AutoCloseable {
  public static final String OPERATOR_TOKEN = "it-operator-token";

  private final String name;
  private final ChildNode child;
  private final String httpHost;
  private final int httpPort;

  private FleetProcess(String name, ChildNode child, String httpHost, int httpPort) {
    this.name = name;
    this.child = child;
    this.httpHost = httpHost;
    this.httpPort = httpPort;
  }

  /** Starts the node; returns once its HTTP API serves. */
  static FleetProcess start(String name, Path dir, String heap, Map<String, Object> settings) throws Exception {
    return start(name, dir, heap, settings, List.of());
  }

  /** The same, its JVM started by {@code wrapper} (see {@link ChildNode}), e.g. in a network namespace. */
  static FleetProcess start(String name, Path dir, String heap, Map<String, Object> settings, List<String> wrapper)
      throws Exception {
    Files.createDirectories(dir);
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, ConfigFactory.parseMap(settings).root().render(ConfigRenderOptions.concise().setFormatted(true)));
    ChildNode child = ChildNode.start(wrapper, Main.class, heap, "BRIDGE", dir.resolve("node.log"), conf.toString());
    String port = child.awaitLine("port ", Duration.ofSeconds(120));
    String host = String.valueOf(settings.getOrDefault("fleet.http.host", "127.0.0.1"));
    return new FleetProcess(name, child, host, Integer.parseInt(port.substring("port ".length()).trim()));
  }

  public String name() {
    return name;
  }

  public String baseUrl() {
    return "http://" + httpHost + ":" + httpPort;
  }

  ApiClient api() {
    return new ApiClient(baseUrl(), OPERATOR_TOKEN);
  }

  /** Whether the node said last that it runs a subscribed ingress bridge. */
  boolean runsBridge() {
    return child.alive() && child.count() == 1;
  }

  /** The brokers (by index in {@code fleet.mqtt.url}) whose bridge runs on the node, as it said last. */
  public Set<Integer> bridgesHere() {
    return child.lastLine("BRIDGES ").map(l -> l.substring("BRIDGES ".length()).trim())
        .map(l -> l.isEmpty() ? Set.<Integer>of() : Arrays.stream(l.split(",")).map(Integer::valueOf).collect(Collectors.toSet()))
        .orElse(Set.of());
  }

  /** The node's operating-system process id. */
  public long pid() {
    return child.pid();
  }

  /** How many cluster members the node saw up when it last said. */
  int membersUp() {
    return child.lastLine("MEMBERS ").map(l -> Integer.parseInt(l.substring("MEMBERS ".length()).trim())).orElse(0);
  }

  boolean alive() {
    return child.alive();
  }

  /** The node's exit status once its process has ended. */
  Optional<Integer> exitStatus() {
    return child.exitStatus();
  }

  String tail(int lines) {
    return child.tail(lines);
  }

  /** SIGKILL: the node stops at once, without leaving the cluster or closing a connection itself. */
  void kill() throws Exception {
    child.kill();
  }

  @Override
  public void close() throws Exception {
    child.kill();
  }

  /** The child: Fleet with the configuration file {@code args[0]} over the application's. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      Config config = ConfigFactory.parseFile(new File(args[0])).withFallback(ConfigFactory.load()).resolve();
      FleetApp app = FleetApp.start(config);
      app.exitWhenDowned();
      System.out.println("cluster " + Cluster.get(app.node().system()).selfMember().address());
      System.out.println("port " + app.httpPort());
      Cluster cluster = Cluster.get(app.node().system());
      boolean said = false;
      long saidMembers = -1;
      String saidBridges = null;
      System.out.println("BRIDGE 0");
      while (true) {
        boolean runs = app.node().ingressBridgeSubscribed();
        if (runs != said) System.out.println("BRIDGE " + (runs ? 1 : 0));
        said = runs;
        String bridges = new TreeSet<>(app.node().ingressBridgesHere()).stream().map(String::valueOf)
            .collect(Collectors.joining(","));
        if (!bridges.equals(saidBridges)) System.out.println("BRIDGES " + bridges);
        saidBridges = bridges;
        long members = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).count();
        if (members != saidMembers) System.out.println("MEMBERS " + members);
        saidMembers = members;
        Thread.sleep(100); // polling the node's own state for the parent, not synchronisation
      }
    }
  }
}
