package io.fleet.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on one machine, for tests of what crosses a network: a Linux bridge holding an address of this machine
 * ({@link #serverAddress()}, where the test's servers listen) and one network namespace per host, each linked to
 * the bridge by a veth pair and given an address of its own ({@link #address(int)}). A process started with
 * {@link #wrapper(int)} runs on that host. {@link #cutOff(int)} partitions a host from the other hosts (blackhole
 * routes both ways; connections already open fail too) while it still reaches the servers and the test reaches it;
 * {@link #heal(int)} undoes that. Needs root and iproute2 ({@link #available()}); {@link #close()} removes the
 * namespaces and the bridge.
 */
final class TestNetwork implements AutoCloseable {
  private static final Path IP = Path.of("/usr/sbin/ip");

  private final String id;
  private final String subnet;
  private final int hosts;

  private TestNetwork(String id, String subnet, int hosts) {
    this.id = id;
    this.subnet = subnet;
    this.hosts = hosts;
  }

  /** Whether this machine lets the test make namespaces: root, iproute2, and a namespace made and removed. */
  static boolean available() {
    if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(IP)) return false;
    String probe = "flprobe" + ThreadLocalRandom.current().nextInt(1000);
    try {
      ip("netns", "add", probe);
      ip("netns", "del", probe);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Makes the bridge and {@code hosts} namespaces, numbered from 1, on a subnet 10.77.x.0/24 of its own. */
  static TestNetwork create(int hosts) throws IOException {
    String id = UUID.randomUUID().toString().substring(0, 4);
    TestNetwork network = new TestNetwork(id, "10.77." + ThreadLocalRandom.current().nextInt(1, 255), hosts);
    try {
      network.build();
      return network;
    } catch (IOException | RuntimeException e) {
      network.close();
      throw e;
    }
  }

  private void build() throws IOException {
    ip("link", "add", bridge(), "type", "bridge");
    ip("addr", "add", serverAddress() + "/24", "dev", bridge());
    ip("link", "set", bridge(), "up");
    for (int host = 1; host <= hosts; host++) {
      ip("netns", "add", namespace(host));
      ip("link", "add", hostSide(host), "type", "veth", "peer", "name", namespaceSide(host));
      ip("link", "set", namespaceSide(host), "netns", namespace(host));
      ip("link", "set", hostSide(host), "master", bridge());
      ip("link", "set", hostSide(host), "up");
      inside(host, "addr", "add", address(host) + "/24", "dev", namespaceSide(host));
      inside(host, "link", "set", namespaceSide(host), "up");
      inside(host, "link", "set", "lo", "up");
    }
  }

  /** This machine's address on the network: servers listening there are reached by every host. */
  String serverAddress() {
    return subnet + ".1";
  }

  /** Host {@code host}'s address. */
  String address(int host) {
    return subnet + "." + (10 + host);
  }

  /** What runs a command on host {@code host}: {@code ip netns exec <namespace>}, which execs it. */
  List<String> wrapper(int host) {
    return List.of(IP.toString(), "netns", "exec", namespace(host));
  }

  /** Partitions {@code host} from every other host, both ways; it still reaches the servers and the test. */
  void cutOff(int host) throws IOException {
    for (int other = 1; other <= hosts; other++) {
      if (other == host) continue;
      inside(host, "route", "add", "blackhole", address(other) + "/32");
      inside(other, "route", "add", "blackhole", address(host) + "/32");
    }
  }

  /** Undoes {@link #cutOff(int)}. */
  void heal(int host) throws IOException {
    for (int other = 1; other <= hosts; other++) {
      if (other == host) continue;
      inside(host, "route", "del", "blackhole", address(other) + "/32");
      inside(other, "route", "del", "blackhole", address(host) + "/32");
    }
  }

  @Override
  public void close() {
    for (int host = 1; host <= hosts; host++) {
      quietly("netns", "del", namespace(host)); // takes its veth pair with it
    }
    quietly("link", "del", bridge());
  }

  private String bridge() {
    return "fl" + id + "br";
  }

  private String namespace(int host) {
    return "fl" + id + "n" + host;
  }

  private String hostSide(int host) {
    return "fl" + id + "h" + host;
  }

  private String namespaceSide(int host) {
    return "fl" + id + "v" + host;
  }

  private void inside(int host, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("-n", namespace(host)));
    command.addAll(List.of(args));
    ip(command.toArray(String[]::new));
  }

  private static void quietly(String... args) {
    try {
      ip(args);
    } catch (IOException e) {
      System.err.println("TestNetwork: " + e.getMessage());
    }
  }

  private static void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(IP.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + command);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + command, e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited with " + p.exitValue() + ": "
          + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
    }
  }
}
