package io.fleet.device;

import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names a sensor's telemetry has used since its entity started, so a device inventing a new name
 * per message is refused past {@code fleet.device.max-metrics} (its anomaly model keeps state per metric).
 * In memory only; the telemetry archive keeps the same bound against the names it has stored.
 */
final class MetricNames {
  /** None until the first telemetry: most devices never send any, and every online one has an entity. */
  private Set<String> names = Set.of();

  /** How many names there would be with {@code t}'s. */
  int with(Telemetry t) {
    if (names.containsAll(t.readings().keySet())) return names.size();
    Set<String> wider = new TreeSet<>(names);
    wider.addAll(t.readings().keySet());
    return wider.size();
  }

  void add(Telemetry t) {
    if (names.isEmpty()) names = new TreeSet<>();
    names.addAll(t.readings().keySet());
  }
}
