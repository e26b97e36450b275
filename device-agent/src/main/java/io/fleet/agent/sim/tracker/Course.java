package io.fleet.agent.sim.tracker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A course along a route ({@code [lat, lon]} points) and the OwnTracks location messages of a phone
 * moving along it: known speed, optionally stopping after a while, so tests know the truth. Distances are
 * great-circle (haversine), as the server measures them. Pure.
 */
public final class Course {
  private static final double EARTH_RADIUS_M = 6_371_008.8;
  private final List<double[]> route;
  private final double[] cumulative;

  public Course(List<double[]> route) {
    this.route = List.copyOf(route);
    this.cumulative = new double[route.size()];
    for (int i = 1; i < route.size(); i++) {
      cumulative[i] = cumulative[i - 1] + distance(route.get(i - 1), route.get(i));
    }
  }

  public double length() {
    return cumulative[cumulative.length - 1];
  }

  /** The point {@code metres} along the route (its end beyond that). */
  public double[] pointAt(double metres) {
    if (metres <= 0) return route.get(0);
    for (int i = 1; i < route.size(); i++) {
      if (metres <= cumulative[i]) {
        double f = (metres - cumulative[i - 1]) / (cumulative[i] - cumulative[i - 1]);
        double[] a = route.get(i - 1);
        double[] b = route.get(i);
        return new double[] {a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])};
      }
    }
    return route.get(route.size() - 1);
  }

  /** An OwnTracks {@code _type: location} message, unchanged from what the phone app sends. */
  public static String ownTracks(double[] point, long tst, double velKmh, double alt, int batt, String tid) {
    return String.format(Locale.ROOT,
        "{\"_type\":\"location\",\"lat\":%.7f,\"lon\":%.7f,\"tst\":%d,\"vel\":%d,\"alt\":%d,\"acc\":5,\"batt\":%d,\"tid\":\"%s\"}",
        point[0], point[1], tst, Math.round(velKmh), Math.round(alt), batt, tid);
  }

  /** Metres between two {@code [lat, lon]} points. */
  public static double distance(double[] a, double[] b) {
    double p1 = Math.toRadians(a[0]);
    double p2 = Math.toRadians(b[0]);
    double dp = p2 - p1;
    double dl = Math.toRadians(b[1] - a[1]);
    double h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /** A straight route from {@code start} heading east for {@code metres}, in {@code legs} legs. */
  public static List<double[]> eastward(double[] start, double metres, int legs) {
    double degrees = Math.toDegrees(metres / (EARTH_RADIUS_M * Math.cos(Math.toRadians(start[0]))));
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i <= legs; i++) out.add(new double[] {start[0], start[1] + degrees * i / legs});
    return out;
  }
}
