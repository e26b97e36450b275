package io.fleet.readside;

import io.fleet.device.DeviceEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The read model's writes for one group of journaled events, inside the projection's transaction, with as few
 * round trips as keep the outcome of writing event by event: a device's status, battery, firmware and last-seen
 * changes are merged into one UPDATE of its summary row ({@link SummaryChange}), changes with the same columns go in
 * one batch, and the event log's rows go in one batch, all written at {@link #flush}. A device's registration,
 * change of registration or decommissioning first flushes what that device has pending, and its log row is written
 * before a decommissioned device's summary row goes, so every log row carries the household as of its event.
 * Alerts, clips and location fixes are written at once as before. Owns only the group's pending writes; nothing
 * survives the transaction.
 */
final class ReadModelWrites implements AutoCloseable {
  private final Connection connection;
  private final Map<String, SummaryChange> summaries = new LinkedHashMap<>();
  private final Set<String> pending = new HashSet<>();
  private PreparedStatement eventRows;

  ReadModelWrites(Connection connection) {
    this.connection = connection;
  }

  /** One journaled event, after the ones before it in the group. */
  void write(DeviceEvent journaled) throws SQLException {
    for (DeviceEvent event : DeviceEvent.facts(journaled)) {
      String id = event.deviceId();
      boolean registration = event instanceof DeviceEvent.Registered || event instanceof DeviceEvent.RegistrationChanged
          || event instanceof DeviceEvent.Decommissioned;
      if (registration && pending.contains(id)) flush();
      if (SummaryChange.merges(event)) {
        summaries.computeIfAbsent(id, SummaryChange::new).add(event);
        pending.add(id);
      } else {
        ReadModelHandler.apply(connection, event);
      }
      if (DeviceEventLog.bind(eventRows(), event)) {
        eventRows.addBatch();
        pending.add(id);
      }
      AlertTable.apply(connection, event);
      ClipTable.apply(connection, event);
      LocationTable.apply(connection, event);
      if (event instanceof DeviceEvent.Decommissioned) {
        flush();
        ReadModelHandler.forget(connection, event);
      }
    }
  }

  /** Writes what is pending: the merged summary changes, then the event log's rows. */
  void flush() throws SQLException {
    Map<String, List<List<Object>>> bySql = new LinkedHashMap<>();
    for (SummaryChange change : summaries.values()) {
      if (!change.isEmpty()) bySql.computeIfAbsent(change.sql(), s -> new ArrayList<>()).add(change.values());
    }
    for (Map.Entry<String, List<List<Object>>> same : bySql.entrySet()) {
      try (PreparedStatement ps = connection.prepareStatement(same.getKey())) {
        for (List<Object> values : same.getValue()) {
          ReadModelHandler.set(ps, values.toArray());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    summaries.clear();
    if (eventRows != null) eventRows.executeBatch();
    pending.clear();
  }

  private PreparedStatement eventRows() throws SQLException {
    if (eventRows == null) eventRows = connection.prepareStatement(DeviceEventLog.INSERT);
    return eventRows;
  }

  @Override
  public void close() throws SQLException {
    if (eventRows != null) eventRows.close();
  }
}
