package io.fleet.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node comes into its cluster ({@code fleet.cluster}): alone, through fixed seed nodes, or through Cluster
 * Bootstrap (pekko-management), which finds the other nodes' management endpoints by configuration or through
 * the Kubernetes API, lets the lowest-addressed node form a cluster only when enough contact points answered and
 * none of them is in a cluster yet, and has every other node (a restarted first node too) join the one that
 * exists. Also starts the management endpoint ({@code /alive}, {@code /ready}). Stateless: membership lives in
 * the cluster, and a restarted node finds it again the same way.
 */
final class ClusterFormation {
  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);
  private static final String SERVICE = "fleet";

  private ClusterFormation() {}

  /** The Pekko settings {@code fleet.cluster} implies (seed nodes, management, discovery), over {@code config}. */
  static Config overlay(Config config) {
    Config cluster = config.getConfig("fleet.cluster");
    Map<String, Object> settings = new HashMap<>();
    List<String> seeds = list(cluster.getString("seeds"));
    if (!seeds.isEmpty()) settings.put("pekko.cluster.seed-nodes", seeds);
    String bootstrap = bootstrap(cluster);
    int managementPort = cluster.getInt("management.port");
    if (!bootstrap.equals("off") || managementPort > 0) {
      settings.put("pekko.management.http.hostname", cluster.getString("management.host"));
      settings.put("pekko.management.http.port", managementPort);
    }
    if (!bootstrap.equals("off")) {
      if (!seeds.isEmpty()) throw new IllegalArgumentException("fleet.cluster: give seeds or bootstrap, not both");
      if (managementPort <= 0) {
        throw new IllegalArgumentException("fleet.cluster.bootstrap needs the management port (FLEET_MANAGEMENT_PORT)");
      }
      String discovery = "pekko.management.cluster.bootstrap.contact-point-discovery.";
      settings.put(discovery + "service-name", SERVICE);
      int required = cluster.getInt("required-contact-points");
      settings.put(discovery + "required-contact-point-nr", required);
      // A cluster is formed once a majority of the nodes answered, without waiting for every one of them: two
      // groups of nodes can never both hold a majority, so never form two clusters.
      settings.put(discovery + "contact-with-all-contact-points", false);
      if (bootstrap.equals("config")) {
        settings.put(discovery + "discovery-method", "config");
        List<Map<String, Object>> endpoints = list(cluster.getString("contact-points")).stream()
            .map(ClusterFormation::endpoint).toList();
        if (endpoints.isEmpty()) {
          throw new IllegalArgumentException("fleet.cluster.bootstrap = config needs contact-points (FLEET_CLUSTER_CONTACT_POINTS)");
        }
        if (required <= endpoints.size() / 2) {
          throw new IllegalArgumentException("fleet.cluster.required-contact-points must be a majority of the "
              + endpoints.size() + " contact points, else two groups of them could each form a cluster");
        }
        settings.put("pekko.discovery.config.services." + SERVICE + ".endpoints", endpoints);
        // Each contact point names its own port (several nodes may share a host): keep them all.
        settings.put("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port", false);
      } else {
        settings.put(discovery + "discovery-method", "kubernetes-api");
        settings.put(discovery + "port-name", "management");
        settings.put("pekko.discovery.kubernetes-api.pod-label-selector", cluster.getString("kubernetes-pod-selector"));
      }
    }
    return ConfigFactory.parseMap(settings).withFallback(config);
  }

  /** Starts the management endpoint and Bootstrap when configured; else joins the seeds or, without any, itself. */
  static void start(ActorSystem<?> system) {
    Config cluster = system.settings().config().getConfig("fleet.cluster");
    String bootstrap = bootstrap(cluster);
    if (!bootstrap.equals("off") || cluster.getInt("management.port") > 0) {
      PekkoManagement.get(system).start().whenComplete((uri, failure) -> {
        if (failure != null) log.error("management endpoint did not start", failure);
        else log.info("Management endpoint (/alive, /ready) on {}", uri);
      });
    }
    if (!bootstrap.equals("off")) {
      ClusterBootstrap.get(system).start();
      log.info("Cluster Bootstrap started ({} discovery, {} contact points required)", bootstrap,
          cluster.getInt("required-contact-points"));
    } else if (alone(system)) {
      Cluster self = Cluster.get(system);
      self.manager().tell(Join.create(self.selfMember().address()));
    }
  }

  /** Whether the node forms a cluster by itself: no seed nodes and no bootstrap. */
  static boolean alone(ActorSystem<?> system) {
    Config config = system.settings().config();
    return config.getStringList("pekko.cluster.seed-nodes").isEmpty() && bootstrap(config.getConfig("fleet.cluster")).equals("off");
  }

  private static String bootstrap(Config cluster) {
    String mode = cluster.getString("bootstrap").trim().toLowerCase();
    if (!List.of("off", "config", "kubernetes").contains(mode)) {
      throw new IllegalArgumentException("fleet.cluster.bootstrap must be off, config or kubernetes, not '" + mode + "'");
    }
    return mode;
  }

  private static Map<String, Object> endpoint(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("a contact point is host:port, not '" + hostPort + "'");
    return Map.of("host", hostPort.substring(0, colon), "port", Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static List<String> list(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
