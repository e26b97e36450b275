package io.fleet.tracking;

import java.util.List;

/** Great-circle distances (haversine, mean Earth radius) and distances along a route. Pure. */
public final class Geo {
  public static final double EARTH_RADIUS_M = 6_371_008.8;

  private Geo() {}

  /** Metres between two points given in degrees. */
  public static double distance(double lat1, double lon1, double lat2, double lon2) {
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double dp = p2 - p1;
    double dl = Math.toRadians(lon2 - lon1);
    double a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /**
   * Metres left along {@code route} ({@code [lat, lon]} points, start to finish) from the point of the
   * route nearest to {@code (lat, lon)}: the rest of its segment plus every later segment. Segments are
   * short enough to project on locally (equirectangular around the segment).
   */
  public static double remainingAlong(List<double[]> route, double lat, double lon) {
    if (route.size() == 1) return distance(lat, lon, route.get(0)[0], route.get(0)[1]);
    double best = Double.MAX_VALUE;
    double remaining = 0;
    double after = 0;
    double[] segmentAfter = new double[route.size()];
    for (int i = route.size() - 2; i >= 0; i--) {
      segmentAfter[i] = after;
      after += distance(route.get(i)[0], route.get(i)[1], route.get(i + 1)[0], route.get(i + 1)[1]);
    }
    for (int i = 0; i < route.size() - 1; i++) {
      double[] a = route.get(i);
      double[] b = route.get(i + 1);
      double k = Math.cos(Math.toRadians((a[0] + b[0]) / 2));
      double bx = (b[1] - a[1]) * k;
      double by = b[0] - a[0];
      double px = (lon - a[1]) * k;
      double py = lat - a[0];
      double len2 = bx * bx + by * by;
      double t = len2 == 0 ? 0 : Math.max(0, Math.min(1, (px * bx + py * by) / len2));
      double qLat = a[0] + t * (b[0] - a[0]);
      double qLon = a[1] + t * (b[1] - a[1]);
      double off = distance(lat, lon, qLat, qLon);
      if (off < best) {
        best = off;
        remaining = distance(qLat, qLon, b[0], b[1]) + segmentAfter[i];
      }
    }
    return remaining;
  }
}
