package io.fleet.retention;

import io.fleet.infra.PeriodicSweep;
import io.fleet.media.ClipStore;
import io.fleet.metrics.FleetMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired history, one sweeper per cluster ({@link PeriodicSweep}: two would only race for the same
 * rows). Every {@code fleet.retention.sweep-interval} it goes through its {@link HistoryTable}s
 * ({@link Histories#ALL}), each in batches ({@link ExpiredRows}), on the blocking dispatcher; a tick that comes
 * while a sweep still runs is skipped. What it deleted is counted per kind in
 * {@code fleet_retention_deleted_rows_total{kind}} and {@code fleet_retention_deleted_objects_total{kind}}, each
 * sweep in {@code fleet_retention_sweeps_total{outcome}}.
 *
 * <p>State: whether a sweep runs, in memory. Nothing durable: what expired is read from the tables at every
 * sweep, so a sweep cut short by a crash or a move of the singleton is finished by the next.
 */
public final class RetentionSweeper {
  private static final Logger log = LoggerFactory.getLogger(RetentionSweeper.class);
  /** How long one batch's S3 deletes may take before the sweep gives up on it (and tries at the next sweep). */
  private static final Duration OBJECTS_TIMEOUT = Duration.ofMinutes(2);

  private final ExpiredRows expired;
  private final RetentionSettings settings;
  private final List<HistoryTable> tables;
  private final Clock clock = Clock.systemUTC();

  private RetentionSweeper(ExpiredRows expired, RetentionSettings settings, List<HistoryTable> tables) {
    this.expired = expired;
    this.settings = settings;
    this.tables = tables;
  }

  /** Registers the singleton on this node; it runs on the oldest node of the cluster. */
  public static void start(ActorSystem<?> system, DataSource dataSource, ClipStore clips, RetentionSettings settings,
      List<HistoryTable> tables) {
    settings.requireKinds(tables);
    FleetMetrics metrics = FleetMetrics.get(system);
    ExpiredRows expired = new ExpiredRows(dataSource,
        keys -> clips.deleteAll(keys).toCompletableFuture().get(OBJECTS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
        settings.batchSize(), new ExpiredRows.Tally() {
          @Override
          public void rows(String kind, long count) {
            metrics.retentionRowsDeleted(kind, count);
          }

          @Override
          public void objects(String kind, long count) {
            metrics.retentionObjectsDeleted(kind, count);
          }
        });
    RetentionSweeper sweeper = new RetentionSweeper(expired, settings, tables);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    PeriodicSweep.start(system, "retention-sweeper", settings.sweepInterval(),
        () -> CompletableFuture.supplyAsync(sweeper::sweep, blocking),
        (rows, failure) -> {
          if (failure != null) {
            metrics.retentionSwept("failed");
            log.warn("retention sweep failed; the next one goes on from there: {}", failure.toString());
          } else {
            metrics.retentionSwept("ok");
            if (rows > 0) log.info("retention sweep deleted {} expired rows", rows);
          }
        });
  }

  /** Every table in turn; one that fails stops this sweep (the database or S3 is away: the next sweep retries). */
  private long sweep() {
    long rows = 0;
    for (HistoryTable table : tables) {
      try {
        rows += expired.sweep(table, settings, clock.instant());
      } catch (Exception e) {
        throw new IllegalStateException("sweeping " + table.kind() + ": " + e, e);
      }
    }
    return rows;
  }
}
