package io.fleet.device;

import io.fleet.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A device's latest alerts, each at its latest revision, oldest first: what acknowledging and clearing
 * work on. Bounded to {@link #SIZE} alerts, so an alert older than that many newer ones of the same
 * device can no longer be acknowledged or cleared (its read-side row stays as it was). Immutable; part
 * of the journaled {@link DeviceState}, rebuilt from {@code AlertRaised}/{@code AlertUpdated} on recovery.
 */
public record AlertBook(List<Alert> alerts) implements CborSerializable {
  static final int SIZE = 32;
  static final AlertBook EMPTY = new AlertBook(List.of());

  public AlertBook {
    alerts = alerts == null ? List.of() : List.copyOf(alerts);
  }

  /** With {@code alert} as the latest revision of its id (a newer alert pushes out the oldest). */
  AlertBook with(Alert alert) {
    List<Alert> more = new ArrayList<>(alerts);
    more.removeIf(a -> a.alertId().equals(alert.alertId()) && a.revision() <= alert.revision());
    if (more.stream().anyMatch(a -> a.alertId().equals(alert.alertId()))) return this;
    more.add(alert);
    return new AlertBook(more.size() > SIZE ? more.subList(more.size() - SIZE, more.size()) : more);
  }

  Optional<Alert> find(String alertId) {
    return alerts.stream().filter(a -> a.alertId().equals(alertId)).findFirst();
  }

  /** The alerts of {@code kind} that are not cleared yet. */
  List<Alert> uncleared(AlertKind kind) {
    return alerts.stream().filter(a -> a.kind() == kind && !a.isCleared()).toList();
  }
}
