package io.fleet.retention;

import java.util.List;

/**
 * The kinds of history Fleet keeps, each one table: what the retention sweeper expires and what erasing a
 * device removes. A new kind of history is one entry here and its default period in
 * {@code fleet.retention} (config/fleet-retention.conf); a table that only describes a device, one entry in
 * {@link #DEVICE_TABLES}.
 */
public final class Histories {
  /** Clips in the bucket, by when they were stored: the object first, then its row. */
  public static final HistoryTable CLIPS =
      HistoryTable.of("clips", "clip", "stored_at", "device_id", "household").withObjects("object_key");
  /** The device event log, by when each event happened on its device. */
  public static final HistoryTable DEVICE_EVENTS = HistoryTable.of("device-events", "device_event", "occurred_at",
      "device_id", "household");
  /** Trackers' fixes, by the fix's time. */
  public static final HistoryTable LOCATION_FIXES = HistoryTable.of("location-fixes", "location", "tst", "device_id",
      "household");
  /** Alerts, by their last revision: one still being acknowledged or cleared stays. */
  public static final HistoryTable ALERTS = HistoryTable.of("alerts", "alert", "updated_at", "device_id", "household");
  /** Telemetry readings, by their device time; the rows record no household: their device's goes. */
  public static final HistoryTable TELEMETRY_RAW =
      HistoryTable.ofDeviceHousehold("telemetry-raw", "telemetry_reading", "ts", "device_id");
  /** Minute rollups of the readings, by their minute. */
  public static final HistoryTable TELEMETRY_1M =
      HistoryTable.ofDeviceHousehold("telemetry-1m", "telemetry_rollup_1m", "bucket", "device_id");
  /** Hour rollups of the readings, by their hour. */
  public static final HistoryTable TELEMETRY_1H =
      HistoryTable.ofDeviceHousehold("telemetry-1h", "telemetry_rollup_1h", "bucket", "device_id");

  /** Every kind, in the order the sweeper goes through them. */
  public static final List<HistoryTable> ALL =
      List.of(CLIPS, DEVICE_EVENTS, LOCATION_FIXES, ALERTS, TELEMETRY_RAW, TELEMETRY_1M, TELEMETRY_1H);

  /**
   * Tables of what a device is rather than what it did, keyed by {@code device_id}: they do not expire, an erase
   * clears them (its summary, the metric names of its telemetry).
   */
  public static final List<String> DEVICE_TABLES = List.of("device_summary", "telemetry_metric");

  private Histories() {}
}
