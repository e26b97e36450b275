package io.fleet.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fleet.tracking.Race;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The body of {@code POST /api/races} and how it becomes a {@link Race}: a start time (ISO-8601 or the
 * seed's {@code YYYY-MM-DD HH:MM:SS}, UTC), participants, and a finish point, a route as a polyline, or
 * a route as GPX (its track or route points). Bad input is an {@link IllegalArgumentException} with a
 * message for the caller.
 */
final class RaceRequests {
  static final double DEFAULT_FINISH_RADIUS_M = 25;

  record Point(Double lat, Double lon) {}

  record CreateRace(String name, String start, Point finish, List<List<Double>> route, String gpx,
      List<String> participants, @JsonProperty("finish_radius_m") Double finishRadiusM) {}

  private RaceRequests() {}

  static Race toRace(CreateRace body, double defaultRadius) {
    if (body.name() == null || body.name().isBlank() || body.name().length() > 200) {
      throw new IllegalArgumentException("name is required (at most 200 characters)");
    }
    if (body.start() == null) throw new IllegalArgumentException("start is required");
    Instant start = QueryParams.time("start", body.start());
    List<String> participants = body.participants() == null ? List.of()
        : body.participants().stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    if (participants.isEmpty() || participants.size() > 1000) throw new IllegalArgumentException("participants: 1 to 1000 device ids");
    List<double[]> route = body.gpx() != null ? gpx(body.gpx()) : polyline(body.route());
    double[] finish = null;
    if (body.finish() != null) {
      if (body.finish().lat() == null || body.finish().lon() == null) throw new IllegalArgumentException("finish needs lat and lon");
      finish = checked(body.finish().lat(), body.finish().lon());
    }
    if (finish == null && route.isEmpty()) throw new IllegalArgumentException("give a finish {lat, lon}, a route [[lat, lon], …] or gpx");
    double radius = body.finishRadiusM() == null ? defaultRadius : body.finishRadiusM();
    if (!(radius > 0 && radius <= 10_000)) throw new IllegalArgumentException("finish_radius_m must be in (0, 10000]");
    String id = "race-" + UUID.randomUUID().toString().substring(0, 8);
    return new Race(id, body.name().trim(), start, finish, route, radius, participants, Instant.now());
  }

  private static List<double[]> polyline(List<List<Double>> points) {
    if (points == null) return List.of();
    if (points.size() < 2 || points.size() > 100_000) throw new IllegalArgumentException("route needs 2 to 100000 points");
    List<double[]> out = new ArrayList<>();
    for (List<Double> p : points) {
      if (p == null || p.size() < 2 || p.get(0) == null || p.get(1) == null) throw new IllegalArgumentException("route points are [lat, lon]");
      out.add(checked(p.get(0), p.get(1)));
    }
    return out;
  }

  /** The track points ({@code trkpt}) of a GPX document, or its route points ({@code rtept}). */
  static List<double[]> gpx(String gpx) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setNamespaceAware(false);
      var doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(gpx)));
      NodeList points = doc.getElementsByTagName("trkpt");
      if (points.getLength() == 0) points = doc.getElementsByTagName("rtept");
      List<double[]> out = new ArrayList<>();
      for (int i = 0; i < points.getLength(); i++) {
        Element p = (Element) points.item(i);
        out.add(checked(Double.parseDouble(p.getAttribute("lat")), Double.parseDouble(p.getAttribute("lon"))));
      }
      if (out.size() < 2) throw new IllegalArgumentException("gpx needs at least 2 trkpt or rtept points");
      return out;
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("gpx is not a GPX document: " + e.getMessage());
    }
  }

  private static double[] checked(double lat, double lon) {
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) throw new IllegalArgumentException("coordinates out of range: " + lat + ", " + lon);
    return new double[] {lat, lon};
  }
}
