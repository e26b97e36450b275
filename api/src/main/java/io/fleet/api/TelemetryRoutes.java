package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.protocol.DeviceId;
import io.fleet.readside.RaceStore;
import io.fleet.runtime.Fleet;
import io.fleet.telemetry.Step;
import io.fleet.telemetry.TelemetryHistory;
import io.fleet.telemetry.TelemetryStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * A device's stored telemetry (scoped like the device: another household's is 404):
 * <ul>
 *   <li>{@code GET /api/devices/{id}/telemetry?from=&to=&metric=&step=}: a series over {@code [from, to)}
 *       (the last hour by default) of the named metrics (all by default), at most {@code max-points} points:
 *       the readings themselves when the range holds no more, else buckets (mean, min, max, count) of the
 *       finest rollup step that fits; {@code step=raw}, {@code 5m}, {@code 1h}, {@code 1d} … asks for one;
 *   <li>{@code format=csv}: the range exported, every reading (or bucket, with a step) as a line;
 *   <li>{@code POST /api/devices/{id}/telemetry/rollups?from=&to=} (operators): the rollups of the range
 *       rebuilt from the readings.
 * </ul>
 * Owns no state.
 */
final class TelemetryRoutes extends AllDirectives {
  private static final Duration DEFAULT_RANGE = Duration.ofHours(1);
  private final TelemetryHistory history;
  private final TelemetryStore store;
  private final RaceStore devices;
  private final Executor blocking;
  private final int maxPoints;

  TelemetryRoutes(Fleet fleet, Executor blocking) {
    this.history = fleet.telemetry();
    this.store = fleet.telemetryStore();
    this.devices = fleet.races();
    this.blocking = blocking;
    this.maxPoints = fleet.telemetrySettings().maxPoints();
  }

  /** A request's range, metrics and step, checked. */
  record Ask(Instant from, Instant to, List<String> metrics, Step step) {}

  Route routes(Principal principal) {
    return pathPrefix("devices", () -> pathPrefix(PathMatchers.segment(), id -> pathPrefix("telemetry", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> ask((ask, format) -> format.equals("csv")
            ? TelemetryCsv.export(history, blocking, id, ask, visible(principal, id))
            : series(principal, id, ask)))),
        path("rollups", () -> post(() -> rebuild(principal, id)))))));
  }

  private Route ask(BiFunction<Ask, String, Route> inner) {
    return parameterOptional("from", from -> parameterOptional("to", to -> parameterOptional("metric", metric ->
        parameterOptional("step", step -> parameterOptional("format", format -> {
          Instant t = to.map(v -> QueryParams.time("to", v)).orElseGet(Instant::now);
          Instant f = from.map(v -> QueryParams.time("from", v)).orElseGet(() -> t.minus(DEFAULT_RANGE));
          if (!f.isBefore(t)) throw new IllegalArgumentException("from must be before to");
          Step s = step.filter(v -> !v.equals("auto")).map(v -> Step.parse(v).orElseThrow(() ->
              new IllegalArgumentException("step must be auto, raw, or a number with m, h or d (5m, 1h, 1d)"))).orElse(null);
          String fmt = format.orElse("json");
          if (!fmt.equals("json") && !fmt.equals("csv")) throw new IllegalArgumentException("format must be json or csv");
          if (s != null && fmt.equals("json") && s.points(f, t) > maxPoints) {
            throw new IllegalArgumentException("step " + s + " gives " + s.points(f, t) + " points over this range, at most "
                + maxPoints + ": pick a wider step, or format=csv");
          }
          return inner.apply(new Ask(f, t, metric.map(QueryParams::deviceIds).orElse(List.of()), s), fmt);
        })))));
  }

  private BlockingQueries.Query<Boolean> visible(Principal principal, String id) {
    return () -> {
      if (!DeviceId.isValid(id)) return false;
      var device = devices.participants(List.of(id)).get(id);
      return device != null && principal.maySee(device.household());
    };
  }

  private Route series(Principal principal, String id, Ask ask) {
    return onSuccess(BlockingQueries.query(blocking, () -> visible(principal, id).run()
        ? Optional.of(body(history.series(id, ask.metrics(), ask.from(), ask.to(), ask.step(), maxPoints)))
        : Optional.<Map<String, Object>>empty()),
        body -> body.<Route>map(b -> completeOK(b, Json.marshaller())).orElseGet(() -> notFound(id)));
  }

  private Route rebuild(Principal principal, String id) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators rebuild rollups");
    }
    return ask((ask, format) -> onSuccess(BlockingQueries.query(blocking, () -> visible(principal, id).run()
            ? Optional.of(store.rebuild(id, ask.from(), ask.to())) : Optional.<Long>empty()),
        counted -> counted.<Route>map(n -> completeOK(Map.of("deviceId", id, "from", ask.from().toString(),
            "to", ask.to().toString(), "readings", n), Json.marshaller())).orElseGet(() -> notFound(id))));
  }

  static Map<String, Object> body(TelemetryHistory.Series series) {
    List<Map<String, Object>> points = new ArrayList<>(series.points().size());
    for (TelemetryHistory.Point p : series.points()) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("t", p.t().toString());
      point.put("values", p.values());
      if (p.count() != null) {
        point.put("min", p.min());
        point.put("max", p.max());
        point.put("count", p.count());
      }
      points.add(point);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("deviceId", series.deviceId());
    body.put("from", series.from().toString());
    body.put("to", series.to().toString());
    body.put("step", series.step());
    body.put("metrics", series.metrics());
    body.put("points", points);
    body.put("truncated", series.truncated());
    return body;
  }

  private Route notFound(String id) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "not found", "no device " + id);
  }
}
