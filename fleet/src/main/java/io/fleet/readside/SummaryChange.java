package io.fleet.readside;

import io.fleet.device.DeviceEvent;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a group's events change in one device's {@code device_summary} row — status, battery, signal, firmware and
 * last seen — merged into one UPDATE, with the same outcome as updating the row event by event: the latest status
 * and values win, a {@code came_online} sets last seen, a journaled last seen only moves it forward, a last seen
 * without battery or signal keeps what the row has. Registration events are not merged (they write at once,
 * {@link ReadModelHandler#apply}). Owns only this group's pending values.
 */
final class SummaryChange {
  private final String deviceId;
  private String status;
  private Instant statusSince;
  private Boolean batteryLow;
  private Integer battery;
  private Integer rssi;
  private String firmware;
  private boolean firmwareChanged;
  /** Set by coming online: the row's last seen becomes this, whatever it was. */
  private Instant lastSeenSet;
  /** Journaled last seen with no coming online since: the row's last seen moves forward to it, never back. */
  private Instant lastSeenAtLeast;
  private Instant updatedAt;

  SummaryChange(String deviceId) {
    this.deviceId = deviceId;
  }

  /** Whether {@code event} changes only the columns merged here. */
  static boolean merges(DeviceEvent event) {
    return event instanceof DeviceEvent.CameOnline || event instanceof DeviceEvent.WentOffline
        || event instanceof DeviceEvent.BatteryLow || event instanceof DeviceEvent.BatteryRecovered
        || event instanceof DeviceEvent.FirmwareChanged || event instanceof DeviceEvent.LastSeenUpdated;
  }

  /** Takes in one more event of this device, in journal order; one that {@link #merges} nothing is ignored. */
  void add(DeviceEvent event) {
    Instant at = event.at();
    if (event instanceof DeviceEvent.CameOnline) {
      status("online", at);
      lastSeenSet = at;
      lastSeenAtLeast = null;
    } else if (event instanceof DeviceEvent.WentOffline) {
      status("offline", at);
    } else if (event instanceof DeviceEvent.BatteryLow e) {
      batteryLow = true;
      battery = e.level();
    } else if (event instanceof DeviceEvent.BatteryRecovered e) {
      batteryLow = false;
      battery = e.level();
    } else if (event instanceof DeviceEvent.FirmwareChanged e) {
      firmware = e.to();
      firmwareChanged = true;
    } else if (event instanceof DeviceEvent.LastSeenUpdated e) {
      if (lastSeenSet != null) {
        if (lastSeenSet.isBefore(at)) lastSeenSet = at;
      } else if (lastSeenAtLeast == null || lastSeenAtLeast.isBefore(at)) {
        lastSeenAtLeast = at;
      }
      if (e.battery() != null) battery = e.battery();
      if (e.rssi() != null) rssi = e.rssi();
    } else {
      return;
    }
    updatedAt = at;
  }

  private void status(String now, Instant since) {
    status = now;
    statusSince = since;
  }

  boolean isEmpty() {
    return updatedAt == null;
  }

  /** The UPDATE this change needs; changes with the same columns share it, so they can go in one batch. */
  String sql() {
    List<String> sets = new ArrayList<>();
    if (status != null) sets.add("status = ?, status_since = ?");
    if (batteryLow != null) sets.add("battery_low = ?");
    if (battery != null) sets.add("battery = ?");
    if (rssi != null) sets.add("rssi = ?");
    if (firmwareChanged) sets.add("firmware = ?");
    if (lastSeenSet != null) sets.add("last_seen = ?");
    else if (lastSeenAtLeast != null) sets.add("last_seen = CASE WHEN last_seen IS NULL OR last_seen < ? THEN ? ELSE last_seen END");
    sets.add("updated_at = ?");
    return "UPDATE device_summary SET " + String.join(", ", sets) + " WHERE device_id = ?";
  }

  /** The values for {@link #sql}'s parameters, in order. */
  List<Object> values() {
    List<Object> values = new ArrayList<>();
    if (status != null) {
      values.add(status);
      values.add(Timestamp.from(statusSince));
    }
    if (batteryLow != null) values.add(batteryLow);
    if (battery != null) values.add(battery);
    if (rssi != null) values.add(rssi);
    if (firmwareChanged) values.add(firmware);
    if (lastSeenSet != null) {
      values.add(Timestamp.from(lastSeenSet));
    } else if (lastSeenAtLeast != null) {
      values.add(Timestamp.from(lastSeenAtLeast));
      values.add(Timestamp.from(lastSeenAtLeast));
    }
    values.add(Timestamp.from(updatedAt));
    values.add(deviceId);
    return values;
  }
}
