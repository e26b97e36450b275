package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.anomaly.SensorModel;
import java.time.Instant;

/**
 * What the journal knows of a device's telemetry: its anomaly model as last saved and the time of the
 * newest reading it judged by then. Readings after the save are in the entity's memory only; after a
 * crash the model resumes from here (Kafka redelivers what was not yet acknowledged). Immutable.
 */
public record SensorMemory(SensorModel.Baseline baseline, Instant lastReadingTs) implements CborSerializable {
  static final SensorMemory NONE = new SensorMemory(null, null);
}
