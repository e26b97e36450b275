package io.fleet.tracking;

import io.fleet.CborSerializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A tracker's recent accepted fixes in time order ({@code tst}), bounded to the last {@link #KEEP} of
 * track time and {@link #MAX_FIXES} fixes: what judges the next fix (duplicate, late, a GPS jump) and
 * what the 5-minute speed is computed from. Immutable; part of the journaled device state, rebuilt from
 * the {@code LocationRecorded} events on recovery.
 */
public record Track(List<Fix> fixes) implements CborSerializable {
  public static final Duration KEEP = Duration.ofMinutes(10);
  public static final int MAX_FIXES = 300;
  public static final Track EMPTY = new Track(List.of());

  public Track {
    fixes = fixes == null ? List.of() : List.copyOf(fixes);
  }

  /** Why a fix is not taken, or empty when it is. */
  public Optional<String> judge(Fix fix, double maxSpeedKmh) {
    if (fixes.stream().anyMatch(f -> f.tst().equals(fix.tst()))) return Optional.of("duplicate");
    if (!fixes.isEmpty() && fix.tst().isBefore(newest().tst().minus(KEEP))) return Optional.of("too late");
    Optional<Fix> before = fixes.stream().filter(f -> f.tst().isBefore(fix.tst())).reduce((a, b) -> b);
    Optional<Fix> after = fixes.stream().filter(f -> f.tst().isAfter(fix.tst())).findFirst();
    if (before.isPresent() && kmh(before.get(), fix) > maxSpeedKmh) return Optional.of("jump");
    if (after.isPresent() && kmh(fix, after.get()) > maxSpeedKmh) return Optional.of("jump");
    return Optional.empty();
  }

  /** With {@code fix} in its place by time; the oldest fall out of the window. */
  public Track with(Fix fix) {
    List<Fix> more = new ArrayList<>(fixes);
    more.add(fix);
    more.sort(Comparator.comparing(Fix::tst));
    Instant horizon = more.get(more.size() - 1).tst().minus(KEEP);
    more.removeIf(f -> f.tst().isBefore(horizon));
    while (more.size() > MAX_FIXES) more.remove(0);
    return new Track(more);
  }

  public Fix newest() {
    return fixes.get(fixes.size() - 1);
  }

  /** Speed over the last {@code window} of the track (distance along the fixes ÷ their time span), km/h. */
  public Optional<Double> speedKmh(Duration window) {
    if (fixes.size() < 2) return Optional.empty();
    Instant from = newest().tst().minus(window);
    double metres = 0;
    Fix first = null;
    Fix previous = null;
    for (Fix f : fixes) {
      if (f.tst().isBefore(from)) continue;
      if (previous != null) metres += previous.metresTo(f);
      if (first == null) first = f;
      previous = f;
    }
    if (first == null || previous == first) return Optional.empty();
    double seconds = Duration.between(first.tst(), previous.tst()).toMillis() / 1000.0;
    return Optional.of(metres / seconds * 3.6);
  }

  private static double kmh(Fix a, Fix b) {
    double seconds = Math.abs(Duration.between(a.tst(), b.tst()).toMillis()) / 1000.0;
    return seconds == 0 ? Double.MAX_VALUE : a.metresTo(b) / seconds * 3.6;
  }
}
