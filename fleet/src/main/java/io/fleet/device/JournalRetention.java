package io.fleet.device;

import com.typesafe.config.Config;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SnapshotCountRetentionCriteria;

/**
 * How much of a device's journal is kept: a snapshot every {@code snapshotEvery} events, the newest
 * {@code keepSnapshots} of them, and (with {@code deleteEvents}) no event older than the oldest kept
 * snapshot, so the journal of a long-lived device stays the size of its last few hundred events. Recovery
 * starts from the newest snapshot; should it fail to load, from the older one, whose later events are kept.
 */
public record JournalRetention(int snapshotEvery, int keepSnapshots, boolean deleteEvents) {

  public JournalRetention {
    if (snapshotEvery < 1) throw new IllegalArgumentException("snapshot-every must be at least 1");
    if (keepSnapshots < 1) throw new IllegalArgumentException("retention.journal.keep-snapshots must be at least 1");
  }

  /** {@code fleet.device.snapshot-every} and {@code fleet.retention.journal}. */
  static JournalRetention fromConfig(Config fleet) {
    Config journal = fleet.getConfig("retention.journal");
    return new JournalRetention(fleet.getInt("device.snapshot-every"), journal.getInt("keep-snapshots"),
        journal.getBoolean("delete-events-on-snapshot"));
  }

  RetentionCriteria criteria() {
    SnapshotCountRetentionCriteria snapshots = RetentionCriteria.snapshotEvery(snapshotEvery, keepSnapshots);
    return deleteEvents ? snapshots.withDeleteEventsOnSnapshot() : snapshots;
  }
}
