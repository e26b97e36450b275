package io.fleet.api;

import io.fleet.metrics.FleetMetrics;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/** What tests running several Fleet nodes in one JVM read off a node: its cluster view and its counters. */
final class InProcessNodes {
  private InProcessNodes() {}

  /** How many members this node sees up. */
  static long upMembers(FleetApp app) {
    long up = 0;
    for (var m : Cluster.get(app.node().system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return up;
  }

  /** {@code fleet_entity_asks_total{where}} on this node ({@code local} or {@code remote}). */
  static double entityAsks(FleetApp app, String where) {
    var counter = FleetMetrics.get(app.node().system()).registry().find("fleet_entity_asks").tag("where", where).counter();
    return counter == null ? 0 : counter.count();
  }

  /**
   * Records of devices this node handled here: its local entity asks and the heartbeats it took without one
   * ({@code fleet_steady_heartbeats_total}: only a device whose entity lives on this node is armed here).
   */
  static double handledHere(FleetApp app) {
    var steady = FleetMetrics.get(app.node().system()).registry().find("fleet_steady_heartbeats").counter();
    return entityAsks(app, "local") + (steady == null ? 0 : steady.count());
  }
}
