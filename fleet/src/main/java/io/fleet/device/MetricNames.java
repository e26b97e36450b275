package io.fleet.device;

import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names a sensor's telemetry has used since its entity started, so a device inventing a new name
 * per message is refused past {@code fleet.device.max-metrics} (its anomaly model keeps state per metric).
 * In memory only; the telemetry archive keeps the same bound against the names it has stored.
 */
final class MetricNames {
  private final Set<String> names = new TreeSet<>();

  /** How many names there would be with {@code t}'s. */
  int with(Telemetry t) {
    if (names.containsAll(t.readings().keySet())) return names.size();
    Set<String> wider = new TreeSet<>(names);
    wider.addAll(t.readings().keySet());
    return wider.size();
  }

  void add(Telemetry t) {
    names.addAll(t.readings().keySet());
  }
}
