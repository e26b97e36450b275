package io.fleet.readside;

import io.fleet.device.SteadyHeartbeats;
import io.fleet.device.SteadyHeartbeats.Seen;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the last seen of the devices parked on this node ({@link SteadyHeartbeats}) to {@code device_summary},
 * every {@code last-seen-persist-interval} in one batch, and once more when the node stops: a parked device's steady
 * heartbeats wake no entity, so its last seen reaches the read side here instead of through the journal. A row
 * only moves forward (a newer last seen written from the journal stays).
 *
 * <p>State: none of its own but whether a write runs; what waits is in {@link SteadyHeartbeats}, and a write that
 * fails hands it back there for the next. A node that dies loses at most one interval of last seen (its devices'
 * next heartbeats bring it back).
 */
public final class LastSeenWriter {
  private static final Logger log = LoggerFactory.getLogger(LastSeenWriter.class);
  private static final String UPDATE = "UPDATE device_summary SET last_seen = ?, battery = COALESCE(?, battery),"
      + " rssi = COALESCE(?, rssi), updated_at = ? WHERE device_id = ? AND (last_seen IS NULL OR last_seen < ?)";
  private static final int BATCH = 1000;
  static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  private final DataSource dataSource;
  private final SteadyHeartbeats steady;
  private final AtomicBoolean writing = new AtomicBoolean();

  LastSeenWriter(DataSource dataSource, SteadyHeartbeats steady) {
    this.dataSource = dataSource;
    this.steady = steady;
  }

  /**
   * Writes every {@code interval} (at least every {@link #MIN_INTERVAL}: 0s journals every heartbeat of a running
   * entity, and a parked device's go here) on the blocking dispatcher, and once more as the node stops.
   */
  public static void start(ActorSystem<?> system, DataSource dataSource, Duration interval) {
    Duration every = interval.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : interval;
    LastSeenWriter writer = new LastSeenWriter(dataSource, SteadyHeartbeats.get(system));
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    system.scheduler().scheduleWithFixedDelay(every, every, () -> blocking.execute(writer::writeLogged),
        system.executionContext());
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeClusterShutdown(), "write-parked-last-seen",
        () -> CompletableFuture.supplyAsync(() -> {
          writer.writeLogged();
          return Done.getInstance();
        }, blocking));
  }

  private void writeLogged() {
    try {
      int written = write();
      if (written > 0) log.debug("wrote the last seen of {} parked devices", written);
    } catch (RuntimeException e) {
      log.warn("writing parked devices' last seen failed; tried again at the next interval: {}", e.toString());
    }
  }

  /** One write of what waits, unless one runs: the rows taken (written, or already newer). */
  int write() {
    if (!writing.compareAndSet(false, true)) return 0;
    List<Seen> seen = steady.unwrittenSeen();
    try {
      if (!seen.isEmpty()) write(dataSource, seen);
      return seen.size();
    } catch (SQLException e) {
      steady.stillUnwritten(seen);
      throw new IllegalStateException("writing last seen: " + e, e);
    } finally {
      writing.set(false);
    }
  }

  /** Writes each device's last seen (and battery, signal) where it is newer than the row's, in batches. */
  static void write(DataSource dataSource, List<Seen> seen) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(UPDATE)) {
      c.setAutoCommit(false);
      int pending = 0;
      for (Seen s : seen) {
        Timestamp at = Timestamp.from(s.lastSeen());
        ps.setTimestamp(1, at);
        setInt(ps, 2, s.battery());
        setInt(ps, 3, s.rssi());
        ps.setTimestamp(4, at);
        ps.setString(5, s.deviceId());
        ps.setTimestamp(6, at);
        ps.addBatch();
        if (++pending == BATCH) {
          ps.executeBatch();
          c.commit();
          pending = 0;
        }
      }
      if (pending > 0) ps.executeBatch();
      c.commit();
    }
  }

  private static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
    if (value == null) ps.setNull(index, Types.INTEGER);
    else ps.setInt(index, value);
  }
}
