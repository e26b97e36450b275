package io.fleet.tracking;

import java.time.Instant;
import java.util.List;

/**
 * A race: who takes part, from when, and where it ends — at {@code finish} or, when a {@code route}
 * ({@code [lat, lon]} points) is given, at the route's last point, distances then measured along it.
 * A participant has finished at its first fix within {@code finishRadiusM} of the end after the start.
 */
public record Race(String raceId, String name, Instant startsAt, double[] finish, List<double[]> route,
    double finishRadiusM, List<String> participants, Instant createdAt) {

  public Race {
    route = route == null ? List.of() : List.copyOf(route);
    participants = List.copyOf(participants);
    if (finish == null && route.isEmpty()) throw new IllegalArgumentException("a race needs a finish point or a route");
    if (participants.isEmpty()) throw new IllegalArgumentException("a race needs participants");
    if (finishRadiusM <= 0) throw new IllegalArgumentException("finish radius must be positive");
  }

  /** The end: the route's last point, or the finish point. */
  public double[] end() {
    return route.isEmpty() ? finish : route.get(route.size() - 1);
  }

  /** Metres left to the end from a position: along the route when there is one, else great-circle. */
  public double remainingFrom(double lat, double lon) {
    return route.isEmpty() ? Geo.distance(lat, lon, finish[0], finish[1]) : Geo.remainingAlong(route, lat, lon);
  }
}
