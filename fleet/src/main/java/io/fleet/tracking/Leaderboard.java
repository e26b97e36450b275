package io.fleet.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A race's standings from its participants' fixes since the start (only fixes their trackers took:
 * duplicates, late fixes and GPS jumps were refused): per participant the speed over the last
 * {@link #SPEED_WINDOW} (distance along the fixes over their time, not the reported {@code vel}), the
 * distance left, and the finish time. Finished participants rank first by finish time, the others by
 * distance left; those never seen rank last. Pure.
 */
public final class Leaderboard {
  public static final Duration SPEED_WINDOW = Duration.ofMinutes(5);

  /** One participant's line. Speed and distance are null for a participant without fixes. */
  public record Entry(String deviceId, String name, int rank, Double speedKmh, Double distanceToFinishM,
      Instant finishedAt, Fix lastFix) {}

  private Leaderboard() {}

  public static List<Entry> of(Race race, Map<String, List<Fix>> fixesSinceStart, Map<String, String> names) {
    List<Entry> unranked = new ArrayList<>();
    for (String id : race.participants()) {
      List<Fix> fixes = fixesSinceStart.getOrDefault(id, List.of());
      String name = names.getOrDefault(id, id);
      if (fixes.isEmpty()) {
        unranked.add(new Entry(id, name, 0, null, null, null, null));
        continue;
      }
      Instant finished = null;
      double[] end = race.end();
      for (Fix f : fixes) {
        if (Geo.distance(f.lat(), f.lon(), end[0], end[1]) <= race.finishRadiusM()) {
          finished = f.tst();
          break;
        }
      }
      Fix last = fixes.get(fixes.size() - 1);
      Track recent = new Track(fixes.subList(Math.max(0, fixes.size() - Track.MAX_FIXES), fixes.size()));
      double speed = recent.speedKmh(SPEED_WINDOW).orElse(0.0);
      double left = finished != null ? 0 : race.remainingFrom(last.lat(), last.lon());
      unranked.add(new Entry(id, name, 0, speed, left, finished, last));
    }
    List<Entry> sorted = new ArrayList<>(unranked);
    sorted.sort(Comparator
        .comparing((Entry e) -> e.lastFix() == null)
        .thenComparing((Entry e) -> e.finishedAt() == null)
        .thenComparing(e -> e.finishedAt() == null ? Instant.MAX : e.finishedAt())
        .thenComparing(e -> e.distanceToFinishM() == null ? Double.MAX_VALUE : e.distanceToFinishM()));
    List<Entry> ranked = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      Entry e = sorted.get(i);
      ranked.add(new Entry(e.deviceId(), e.name(), i + 1, e.speedKmh(), e.distanceToFinishM(), e.finishedAt(), e.lastFix()));
    }
    return ranked;
  }
}
