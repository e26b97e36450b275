package io.fleet.api;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleet.runtime.FleetNode;
import io.fleet.tls.TlsIdentity;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application: a {@link FleetNode}, the HTTP API and dashboard, and — unless
 * {@code FLEET_SIMULATED_DEVICES=0} — a few hundred simulated devices so a newcomer sees a live fleet.
 * Serves HTTPS instead of HTTP when {@code fleet.tls} gives it a certificate. Stops gracefully on SIGTERM/Ctrl-C:
 * HTTP first, then the simulator, then the node.
 */
public final class FleetApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetApp.class);

  private final FleetNode node;
  private final ServerBinding binding;
  private final String scheme;
  private final String operatorToken;
  private final DemoDevices demo;
  /** EX_TEMPFAIL: try again (restart). */
  static final int DOWNED_EXIT_STATUS = 75;
  /** How long a downed node may take to close before it halts. */
  static final Duration DOWNED_EXIT_DEADLINE = Duration.ofSeconds(30);

  private volatile boolean closed;

  private FleetApp(FleetNode node, ServerBinding binding, String scheme, String operatorToken, DemoDevices demo) {
    this.node = node;
    this.binding = binding;
    this.scheme = scheme;
    this.operatorToken = operatorToken;
    this.demo = demo;
  }

  public static void main(String[] args) {
    FleetApp app = start(ConfigFactory.load());
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "fleet-shutdown"));
    app.exitWhenDowned();
    System.out.println(app.banner());
  }

  /**
   * When the cluster downs this node (the split brain resolver, on the minority side of a partition), its actor
   * system ends and it serves nothing any more: the process then closes the rest and exits with status
   * {@value #DOWNED_EXIT_STATUS}, so that its supervisor (systemd, Kubernetes, Compose's restart policy) starts
   * it again and it joins the cluster anew, instead of a process that answers nothing staying up.
   *
   * <p>A node cut off from its peers may find every cluster phase of its shutdown timing out and a client slow to
   * close: whatever is still running {@link #DOWNED_EXIT_DEADLINE} after the downing began, the process halts
   * with the same status. Nothing is lost by that: what it had not acknowledged is redelivered to the majority,
   * exactly as after a SIGKILL.
   */
  public void exitWhenDowned() {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(node.system());
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "fleet-exit-when-downed", () -> {
      if (shutdown.getShutdownReason().filter(CoordinatedShutdown.clusterDowningReason()::equals).isPresent()) {
        log.error("this node was downed by the cluster; it exits with status {} within {}",
            DOWNED_EXIT_STATUS, DOWNED_EXIT_DEADLINE);
        haltAfter(DOWNED_EXIT_DEADLINE);
      }
      return CompletableFuture.completedFuture(Done.done());
    });
    // On a thread of its own: the callback must not block whoever completes the termination.
    node.terminated().thenRunAsync(() -> {
      if (closed) return; // a close() of ours ended the actor system
      log.error("this node's actor system has ended (downed by the cluster, or otherwise); exiting so that it is restarted");
      haltAfter(DOWNED_EXIT_DEADLINE);
      close();
      log.info("closed after the actor system ended; exiting with status {}", DOWNED_EXIT_STATUS);
      System.exit(DOWNED_EXIT_STATUS);
    }, task -> new Thread(task, "fleet-downed").start());
  }

  /** The last resort of a node that must end: no shutdown hook, no waiting on anything. */
  private static void haltAfter(Duration deadline) {
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(deadline.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      log.error("still running {} after this node had to end; halting with status {}", deadline, DOWNED_EXIT_STATUS);
      Runtime.getRuntime().halt(DOWNED_EXIT_STATUS);
    }, "fleet-downed-deadline");
    halt.setDaemon(true);
    halt.start();
  }

  public static FleetApp start(Config config) {
    Config fleet = config.getConfig("fleet");
    FleetNode node = FleetNode.start(config);
    try {
      String token = fleet.getString("admin-token");
      if (token.isBlank()) token = node.infrastructure().dataDirectory().secret("admin-token");
      HttpApi api = new HttpApi(node.api(), token);
      ServerBuilder server = Http.get(node.system())
          .newServerAt(fleet.getString("http.host"), fleet.getInt("http.port"))
          // Failed authentications are counted per client address, so each request must carry its TCP peer.
          .withSettings(ServerSettings.create(node.system().settings().config()).withRemoteAddressAttribute(true));
      Optional<TlsIdentity> tls = node.infrastructure().tls();
      if (tls.isPresent()) server = server.enableHttps(ConnectionContext.httpsServer(tls.get().serverContext()));
      ServerBinding binding = server
          .bind(api.route())
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      String scheme = tls.isPresent() ? "https" : "http";
      DemoDevices demo = DemoDevices.start(fleet.getConfig("simulator"), node,
          scheme + "://127.0.0.1:" + binding.localAddress().getPort());
      return new FleetApp(node, binding, scheme, token, demo);
    } catch (Exception e) {
      node.close();
      throw new IllegalStateException("Fleet did not start: " + e.getMessage(), e);
    }
  }

  public FleetNode node() {
    return node;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public String baseUrl() {
    InetSocketAddress a = binding.localAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
    return scheme + "://" + host + ":" + a.getPort();
  }

  public String operatorToken() {
    return operatorToken;
  }

  /** What a newcomer needs: where to look, the token, and where each server is. */
  public String banner() {
    return String.join("\n",
        "",
        "Fleet is running.",
        "  Dashboard          " + baseUrl() + "/#token=" + operatorToken,
        "  Operator token     " + operatorToken,
        "  API                curl -H 'Authorization: Bearer " + operatorToken + "' " + baseUrl() + "/api/fleet/summary",
        node.endpoints().describe().lines().map(line -> "  " + line).collect(Collectors.joining("\n")),
        demo.describe(),
        "");
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    // Downed, the HTTP server has ended with the actor system.
    if (!node.terminated().toCompletableFuture().isDone()) {
      try {
        binding.terminate(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("HTTP server did not stop cleanly: {}", e.toString());
      }
    }
    demo.close();
    node.close();
  }
}
