package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.readside.LocationTable;
import io.fleet.readside.RaceStore;
import io.fleet.runtime.Fleet;
import io.fleet.tracking.Fix;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/devices/{id}/series?metric=speed|altitude|battery&from=&to=}: a tracker's values over
 * time from its taken fixes — speed between consecutive fixes (km/h, at the later one), altitude (m),
 * battery (%). Scoped like the device itself (another household's device is 404). Owns no state.
 */
final class SeriesRoutes extends AllDirectives {
  private static final int MAX_POINTS = 20_000;
  private final LocationTable locations;
  private final RaceStore devices;
  private final Executor blocking;

  SeriesRoutes(Fleet fleet, Executor blocking) {
    this.locations = fleet.locations();
    this.devices = fleet.races();
    this.blocking = blocking;
  }

  Route routes(Principal principal) {
    return pathPrefix("devices", () -> pathPrefix(PathMatchers.segment(), id -> path("series", () -> get(() ->
        parameter("metric", metric -> parameterOptional("from", from -> parameterOptional("to", to -> {
          if (!List.of("speed", "altitude", "battery").contains(metric)) {
            return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid metric", "metric must be speed, altitude or battery");
          }
          Instant f = from.map(v -> QueryParams.time("from", v)).orElse(null);
          Instant t = to.map(v -> QueryParams.time("to", v)).orElse(null);
          return onSuccess(BlockingQueries.query(blocking, () -> {
            var device = devices.participants(List.of(id)).get(id);
            if (device == null || !principal.maySee(device.household())) return null;
            return series(id, metric, locations.fixes(id, f, t, MAX_POINTS));
          }), body -> body == null ? HttpApi.error(StatusCodes.NOT_FOUND, "not found", "no device " + id)
              : completeOK(body, Json.marshaller()));
        })))))));
  }

  static Map<String, Object> series(String deviceId, String metric, List<Fix> fixes) {
    List<Map<String, Object>> points = new ArrayList<>();
    Fix previous = null;
    for (Fix fix : fixes) {
      Double v = switch (metric) {
        case "speed" -> previous == null ? null : speedKmh(previous, fix);
        case "altitude" -> fix.alt();
        default -> fix.batt() == null ? null : fix.batt().doubleValue();
      };
      if (v != null) points.add(Map.of("t", fix.tst().toString(), "v", v));
      previous = fix;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("device_id", deviceId);
    body.put("metric", metric);
    body.put("unit", switch (metric) { case "speed" -> "km/h"; case "altitude" -> "m"; default -> "%"; });
    body.put("points", points);
    return body;
  }

  private static Double speedKmh(Fix a, Fix b) {
    double seconds = (b.tst().toEpochMilli() - a.tst().toEpochMilli()) / 1000.0;
    return seconds <= 0 ? null : a.metresTo(b) / seconds * 3.6;
  }
}
