package io.fleet.readside;

import io.fleet.device.Device;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.javadsl.ProjectionManagement;

/**
 * Rebuilds the device read model from the journal: pauses every instance of
 * {@link ReadModelProjection}, empties {@code device_event}, {@code alert}, {@code clip} and {@code location},
 * clears the instances' offsets and resumes them, so they replay every device event the journal holds. While
 * it replays, search shows a partial history; the journal, the source of truth, is untouched.
 *
 * <p>The journal keeps each device's events only since its older kept snapshot ({@code fleet.retention.journal}),
 * so a device's {@code Registered} may be gone from it: {@code device_summary} is therefore kept and brought up
 * to date by the replay (every column is set by the last event that sets it, so a full journal still yields
 * the same rows), and history older than the journal's events is not brought back.
 */
public final class ReadModelRebuild {
  private ReadModelRebuild() {}

  public static CompletionStage<List<String>> start(ActorSystem<?> system, DataSource dataSource, int tagCount) {
    ProjectionManagement management = ProjectionManagement.get(system);
    List<ProjectionId> ids = Device.tags(tagCount).stream()
        .map(tag -> ProjectionId.of(ReadModelProjection.NAME, tag)).toList();
    return all(ids, management::pause)
        .thenCompose(paused -> CompletableFuture.runAsync(() -> truncate(dataSource),
            system.dispatchers().lookup(DispatcherSelector.blocking())))
        .thenCompose(emptied -> all(ids, management::clearOffset))
        .thenCompose(cleared -> all(ids, management::resume))
        .thenApply(resumed -> ids.stream().map(ProjectionId::id).toList());
  }

  private static CompletionStage<Done> all(List<ProjectionId> ids, Function<ProjectionId, CompletionStage<Done>> step) {
    CompletableFuture<?>[] steps = ids.stream().map(id -> step.apply(id).toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(steps).thenApply(v -> Done.getInstance());
  }

  private static void truncate(DataSource dataSource) {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.executeUpdate("DELETE FROM device_event");
      s.executeUpdate("DELETE FROM alert");
      s.executeUpdate("DELETE FROM clip");
      s.executeUpdate("DELETE FROM location");
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("could not empty the read model: " + e.getMessage(), e);
    }
  }
}
