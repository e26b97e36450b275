package io.fleet.readside;

import com.typesafe.config.Config;
import io.fleet.device.Device;
import io.fleet.infra.PeriodicSweep;
import io.fleet.metrics.FleetMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online devices nobody has heard for long, looked at again by their entities: every
 * {@code fleet.device.unheard-sweep.interval} one sweep per cluster ({@link PeriodicSweep}) reads from
 * {@code device_summary} the devices online and last seen more than {@code unheard-sweep.after} ago (the oldest
 * first, at most {@link #LIMIT} a sweep) and sends each entity {@link Device.LookAtSilence}: it judges the silence as
 * its own timer would. A parked device's liveness lives only in its node's memory
 * ({@code SteadyHeartbeats}); when that node dies, a device that fell silent with it has no timer anywhere, and
 * this finds it. A device heard meanwhile stays online (its entity knows better than the read side).
 *
 * <p>State: whether a sweep runs, in memory; what to look at is read from the table every time.
 */
public final class UnheardDevices {
  private static final Logger log = LoggerFactory.getLogger(UnheardDevices.class);
  static final int LIMIT = 10_000;

  private final DataSource dataSource;
  private final Duration after;
  private final Clock clock = Clock.systemUTC();

  UnheardDevices(DataSource dataSource, Duration after) {
    this.dataSource = dataSource;
    this.after = after;
  }

  /** Registers the sweep's singleton on this node, with {@code fleet.device.unheard-sweep}'s settings. */
  public static void start(ActorSystem<?> system, DataSource dataSource, Config fleet) {
    Config sweep = fleet.getConfig("device.unheard-sweep");
    UnheardDevices unheard = new UnheardDevices(dataSource, sweep.getDuration("after"));
    ClusterSharding sharding = ClusterSharding.get(system);
    FleetMetrics metrics = FleetMetrics.get(system);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    PeriodicSweep.start(system, "unheard-devices", sweep.getDuration("interval"),
        () -> CompletableFuture.supplyAsync(() -> {
          List<String> devices = unheard.find();
          devices.forEach(id -> sharding.entityRefFor(Device.TYPE_KEY, id).tell(Device.LookAtSilence.unheard()));
          return (long) devices.size();
        }, blocking),
        (count, failure) -> {
          if (failure != null) log.warn("sweep of unheard online devices failed; the next one tries again: {}", failure.toString());
          else if (count > 0) {
            metrics.unheardDevicesLookedAt(count);
            log.info("{} online devices unheard for over {} looked at by their entities", count, unheard.after);
          }
        });
  }

  /** The devices online in the read side and not seen for {@code after}, oldest first. */
  List<String> find() {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT device_id FROM device_summary WHERE status = 'online' AND last_seen < ? ORDER BY last_seen LIMIT " + LIMIT)) {
      ps.setTimestamp(1, Timestamp.from(clock.instant().minus(after)));
      List<String> ids = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) ids.add(rs.getString(1));
      }
      return ids;
    } catch (SQLException e) {
      throw new IllegalStateException("reading unheard online devices: " + e, e);
    }
  }
}
