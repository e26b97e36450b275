package io.fleet.retention;

import io.fleet.device.Device;
import io.fleet.media.ClipStore;
import io.fleet.metrics.FleetMetrics;
import io.fleet.readside.ReadModelProjection;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.Patterns;

/**
 * Erases one device now: its clips (the S3 objects under {@code clips/<device>/} and their rows), its rows in
 * every {@link HistoryTable} and in the tables that describe it ({@link Histories#DEVICE_TABLES}: its summary),
 * and its journal and snapshots. In this order, so that nothing comes
 * back: the device's entity journals {@code Erased} (its state is empty from there on, and it passivates);
 * the read-side projection is awaited until it has taken in every event up to that one, and the telemetry
 * archive until it has taken in what the device sent so far ({@link ArchiveCaughtUp}; else a row of something
 * still on its way would be written after the delete); then the objects, the rows and the journal up to the
 * erase go. The API revokes the device's password first ({@code Fleet.erase}); once an operator registers it
 * anew, what it sends starts a new history, and the journal kept from the erase on recovers exactly that.
 *
 * <p>No state: an erase that fails half way (S3 or the database away, the read side behind) is answered as
 * unfinished and done again by calling again.
 */
public final class DeviceEraser {
  /** The read side is polled this often while an erase waits for it. */
  private static final Duration POLL = Duration.ofMillis(100);

  /** What an erase removed, by kind: each history's rows, {@code clip-objects}, {@code journal-events}, {@code snapshots}. */
  public record Erasure(String deviceId, Map<String, Long> removed) {}

  /** The erase did not get through in time; what is left is removed by calling again. */
  public static final class Unfinished extends TimeoutException {
    Unfinished(String message) {
      super(message);
    }
  }

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final ClipStore clips;
  private final List<HistoryTable> tables;
  private final List<String> deviceTables;
  private final Optional<ArchiveCaughtUp> archive;
  private final int tagCount;
  private final Duration timeout;
  private final Executor blocking;

  /** {@code archive}: a consumer of the device topic that writes history too, waited for like the read side. */
  public DeviceEraser(ActorSystem<?> system, DataSource dataSource, ClipStore clips, List<HistoryTable> tables,
      List<String> deviceTables, Optional<ArchiveCaughtUp> archive, int tagCount, Duration timeout) {
    this.system = system;
    this.dataSource = dataSource;
    this.clips = clips;
    this.tables = List.copyOf(tables);
    this.deviceTables = List.copyOf(deviceTables);
    this.archive = archive;
    this.tagCount = tagCount;
    this.timeout = timeout;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** Erases the device, on behalf of {@code who}; completes with what was removed. */
  public CompletionStage<Erasure> erase(String deviceId, String who) {
    return ClusterSharding.get(system).entityRefFor(Device.TYPE_KEY, deviceId)
        .<Device.ErasedUpTo>askWithStatus(r -> new Device.Erase(who, r), timeout)
        .thenCompose(upTo -> readSideTookIn(deviceId, upTo.sequenceNr())
            .thenCompose(caughtUp -> archiveTookIn(deviceId))
            .thenCompose(caughtUp -> clips.deleteAllOf(deviceId))
            .thenApplyAsync(objects -> removeRows(deviceId, upTo.sequenceNr(), objects), blocking))
        .thenApply(erasure -> {
          FleetMetrics.get(system).deviceErased();
          return erasure;
        });
  }

  /** Completes once the read-side projection of the device's tag has passed its journal event {@code sequenceNr}. */
  private CompletionStage<Long> readSideTookIn(String deviceId, long sequenceNr) {
    String persistenceId = persistenceId(deviceId);
    String tag = Device.tagFor(deviceId, tagCount);
    int attempts = (int) Math.max(1, timeout.toMillis() / POLL.toMillis());
    return Patterns.retry(() -> CompletableFuture.supplyAsync(() -> {
      try (Connection c = dataSource.getConnection()) {
        List<String> ordering = ExpiredRows.strings(c,
            "SELECT CAST(ordering AS VARCHAR(20)) FROM event_journal WHERE persistence_id = ? AND sequence_number = ?",
            List.of(persistenceId, sequenceNr));
        List<String> offset = ExpiredRows.strings(c, "SELECT current_offset FROM pekko_projection_offset_store"
            + " WHERE projection_name = ? AND projection_key = ?", List.of(ReadModelProjection.NAME, tag));
        if (ordering.isEmpty()) throw new IllegalStateException("the erase of " + deviceId + " is not in the journal");
        long erasedAt = Long.parseLong(ordering.get(0));
        if (offset.isEmpty() || Long.parseLong(offset.get(0)) < erasedAt) {
          throw new IllegalStateException("the read side has not taken in the erase of " + deviceId + " yet");
        }
        return erasedAt;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }, blocking), attempts, POLL, system.classicSystem().scheduler(), system.executionContext())
        .exceptionallyCompose(e -> unfinished(deviceId, e));
  }

  /** Completes once the archive (if any) has written what the device sent until now. */
  private CompletionStage<Done> archiveTookIn(String deviceId) {
    if (archive.isEmpty()) return CompletableFuture.completedFuture(Done.getInstance());
    return archive.get().caughtUpWith(deviceId, timeout).exceptionallyCompose(e -> unfinished(deviceId, e));
  }

  private <T> CompletionStage<T> unfinished(String deviceId, Throwable e) {
    return CompletableFuture.failedFuture(
        new Unfinished("erasing " + deviceId + ": " + rootMessage(e) + " within " + timeout + "; call again"));
  }

  /** One transaction: the device's rows of every kind and table, its journal up to the erase and its snapshots. */
  private Erasure removeRows(String deviceId, long sequenceNr, long objects) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Map<String, Long> removed = new LinkedHashMap<>();
        removed.put("clip-objects", objects);
        for (HistoryTable table : tables) {
          removed.put(table.kind(), (long) ExpiredRows.update(c,
              "DELETE FROM " + table.table() + " WHERE " + table.deviceColumn() + " = ?", List.of(deviceId)));
        }
        for (String table : deviceTables) {
          ExpiredRows.update(c, "DELETE FROM " + table + " WHERE device_id = ?", List.of(deviceId));
        }
        List<Object> upTo = List.of(persistenceId(deviceId), sequenceNr);
        removed.put("journal-events", (long) ExpiredRows.update(c,
            "DELETE FROM event_journal WHERE persistence_id = ? AND sequence_number <= ?", upTo));
        removed.put("snapshots", (long) ExpiredRows.update(c,
            "DELETE FROM snapshot WHERE persistence_id = ? AND sequence_number <= ?", upTo));
        c.commit();
        return new Erasure(deviceId, removed);
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("erasing " + deviceId + ": " + e.getMessage(), e);
    }
  }

  private static String persistenceId(String deviceId) {
    return Device.TYPE_KEY.name() + "|" + deviceId;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) t = t.getCause();
    return t.getMessage();
  }
}
