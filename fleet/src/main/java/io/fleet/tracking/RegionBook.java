package io.fleet.tracking;

import io.fleet.CborSerializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tracker's regions (the OwnTracks app's waypoints), one per {@link Region#key()}, oldest made first,
 * at most {@link #MAX_REGIONS}: beyond that the oldest made are dropped, so a phone with more regions
 * keeps its newest ones here and is never refused. Also the last {@link #RECENT_TRANSITIONS} transitions
 * it reported, so that a redelivered one is recognised. Immutable; part of the journaled device state,
 * rebuilt from the {@code RegionsChanged}, {@code EnteredRegion} and {@code LeftRegion} events on recovery.
 */
public record RegionBook(List<Region> regions, List<RegionTransition> recentTransitions) implements CborSerializable {
  public static final int MAX_REGIONS = 100;
  public static final int RECENT_TRANSITIONS = 32;
  public static final RegionBook EMPTY = new RegionBook(List.of(), List.of());

  public RegionBook {
    regions = regions == null ? List.of() : List.copyOf(regions);
    recentTransitions = recentTransitions == null ? List.of() : List.copyOf(recentTransitions);
  }

  /**
   * The regions after the app sent {@code sent}: all of its regions ({@code whole}, its {@code waypoints}
   * list, which replaces what was kept) or some of them (a {@code waypoint}: added, or replacing the one
   * of the same key). Of regions with the same key the last sent counts.
   */
  public List<Region> after(List<Region> sent, boolean whole) {
    Map<String, Region> byKey = new LinkedHashMap<>();
    if (!whole) regions.forEach(r -> byKey.put(r.key(), r));
    sent.forEach(r -> byKey.put(r.key(), r));
    List<Region> kept = new ArrayList<>(byKey.values());
    kept.sort(Comparator.comparing(Region::createdAt).thenComparing(Region::key));
    return List.copyOf(kept.subList(Math.max(0, kept.size() - MAX_REGIONS), kept.size()));
  }

  public RegionBook withRegions(List<Region> changed) {
    return new RegionBook(changed, recentTransitions);
  }

  /** Whether this transition was taken already (a redelivery). */
  public boolean knows(RegionTransition transition) {
    return recentTransitions.stream().anyMatch(t -> t.sameCrossingAs(transition));
  }

  /** With {@code transition} among the recent ones; the oldest taken falls out. */
  public RegionBook with(RegionTransition transition) {
    List<RegionTransition> recent = new ArrayList<>(recentTransitions);
    recent.add(transition);
    return new RegionBook(regions, recent.subList(Math.max(0, recent.size() - RECENT_TRANSITIONS), recent.size()));
  }
}
