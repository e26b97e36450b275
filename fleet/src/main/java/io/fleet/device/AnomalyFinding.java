package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.anomaly.Verdict;
import java.time.Instant;
import java.util.Map;

/** What an anomaly alert reports: the readings (at the device's time) and the model's verdict on them. */
public record AnomalyFinding(Instant readingTs, Map<String, Double> readings, Verdict verdict) implements CborSerializable {
  public AnomalyFinding {
    readings = Map.copyOf(readings);
  }
}
