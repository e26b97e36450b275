package io.fleet.anomaly;

import java.util.Map;

/**
 * An online model of one sensor's normal readings: each set of readings is judged against what came
 * before, and learned from when it was normal. Not thread-safe; a device actor owns one per sensor.
 */
public interface AnomalyDetector {
  /** The detector's name in configuration ({@code fleet.anomaly.detectors}). */
  String name();

  /** Judges {@code readings} (metric → value), then learns from them if they were normal. */
  Verdict observe(Map<String, Double> readings);
}
