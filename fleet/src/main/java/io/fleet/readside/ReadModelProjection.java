package io.fleet.readside;

import io.fleet.device.Device;
import io.fleet.device.DeviceEvent;
import io.fleet.metrics.FleetMetrics;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Projects device events into the read model — the device summary, the device event log, alerts, clips
 * and location fixes ({@link ReadModelHandler}) — one projection instance per event tag,
 * spread over the cluster by a sharded daemon process. Events are applied in groups (up to
 * {@value #GROUP} or what arrived within {@code GROUP_WITHIN}), one transaction per group. Each
 * instance's offset is stored in {@code projection_offset_store} in the same transaction as its rows
 * (exactly once): after a crash it resumes after the last committed group.
 */
public final class ReadModelProjection {
  /** The projection's id in the offset store, kept from when it wrote the summary alone. */
  public static final String NAME = "device-summary";
  static final int GROUP = 500;
  static final Duration GROUP_WITHIN = Duration.ofMillis(50);

  private ReadModelProjection() {}

  public static void init(ActorSystem<?> system, DataSource dataSource, int tagCount) {
    List<String> tags = Device.tags(tagCount);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        NAME,
        tags.size(),
        i -> ProjectionBehavior.create(projection(system, dataSource, tags.get(i))),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  static GroupedProjection<Offset, EventEnvelope<DeviceEvent>> projection(
      ActorSystem<?> system, DataSource dataSource, String tag) {
    Counter skipped = Counter.builder("fleet_readside_events_skipped").register(FleetMetrics.get(system).registry());
    SourceProvider<Offset, EventEnvelope<DeviceEvent>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    return JdbcProjection.groupedWithin(
            ProjectionId.of(NAME, tag),
            source,
            () -> new JdbcConnectionSession(dataSource),
            () -> new ReadModelHandler(skipped),
            system)
        .withGroup(GROUP, GROUP_WITHIN)
        .withStatusObserver(new ProjectionHealth<>(system));
  }
}
