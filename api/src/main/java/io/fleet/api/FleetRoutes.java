package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.infra.Endpoints;
import io.fleet.metrics.Streams;
import io.fleet.runtime.ComponentHealth;
import io.fleet.runtime.Fleet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /api/health}, {@code GET /api/fleet/summary} and {@code POST /api/admin/readside/rebuild}. */
final class FleetRoutes extends AllDirectives {
  private final Fleet fleet;
  private final Executor blocking;

  FleetRoutes(Fleet fleet) {
    this.fleet = fleet;
    this.blocking = fleet.blocking();
  }

  Route routes(Principal principal) {
    return concat(
        path(PathMatchers.segment("fleet").slash("summary"), () -> get(() ->
            onSuccess(BlockingQueries.query(blocking, () -> fleet.directory().summary(principal.scope())),
                summary -> completeOK(summary, Json.marshaller())))),
        path(PathMatchers.segment("admin").slash("readside").slash("rebuild"), () -> post(() -> principal.isOperator()
            ? onSuccess(fleet.rebuildReadModel(),
                projections -> complete(StatusCodes.ACCEPTED,
                    Map.of("status", "rebuilding", "projections", projections), Json.marshaller()))
            : HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators rebuild the read side"))));
  }

  /**
   * Anyone gets the overall status (for load balancers and probes): up when every server answers and
   * every stream of this node runs, degraded otherwise; an operator also gets each component's endpoint,
   * so devices and tools can be pointed at them — for the embedded S3 also its keys, so a device can
   * upload with S3's own REST API as the original cameras did — and why a stream last failed.
   */
  Route health(Optional<Principal> principal) {
    boolean operator = principal.map(Principal::isOperator).orElse(false);
    return onSuccess(fleet.health().check(), components -> {
      Streams streams = Streams.get(fleet.system());
      boolean up = components.stream().allMatch(ComponentHealth::up) && streams.allRunning();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", up ? "up" : "degraded");
      Map<String, Object> parts = new LinkedHashMap<>();
      for (ComponentHealth c : components) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("status", c.up() ? "up" : "down");
        if (operator) {
          part.put("endpoint", c.endpoint());
          part.put("embedded", c.embedded());
          part.put("detail", c.detail());
        }
        parts.put(c.name(), part);
      }
      body.put("components", parts);
      body.put("streams", streams(streams, operator));
      if (operator) body.put("connect", connectionDetails(fleet.endpoints()));
      return complete(up ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body, Json.marshaller());
    });
  }

  /**
   * {@code GET /api/health/live}: the node answers, for an orchestrator's restarts; a server away (S3, the
   * database) is no reason to restart a node, so nothing else is asked.
   */
  Route live() {
    return complete(StatusCodes.OK, Map.of("status", "live"), Json.marshaller());
  }

  /** {@code GET /api/health/ready}: every server reachable and every stream running, for load balancers. */
  Route ready() {
    return onSuccess(fleet.health().check(), components -> {
      Streams streams = Streams.get(fleet.system());
      List<String> down = new ArrayList<>();
      components.stream().filter(c -> !c.up()).forEach(c -> down.add(c.name()));
      streams.snapshot().stream().filter(s -> s.state() != Streams.State.RUNNING).forEach(s -> down.add(s.name()));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", down.isEmpty() ? "ready" : "not-ready");
      body.put("waitingFor", down);
      return complete(down.isEmpty() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body, Json.marshaller());
    });
  }

  private static Map<String, Object> streams(Streams streams, boolean operator) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (Streams.Snapshot s : streams.snapshot()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("status", s.state().name().toLowerCase(Locale.ROOT));
      one.put("restarts", s.restarts());
      if (operator && s.lastFailure() != null) one.put("lastFailure", s.lastFailure());
      all.put(s.name(), one);
    }
    return all;
  }

  private static Map<String, Object> connectionDetails(Endpoints e) {
    Map<String, Object> connect = new LinkedHashMap<>();
    connect.put("kafkaBootstrap", e.kafkaBootstrap());
    connect.put("mqttUrl", e.mqttPublicUrl());
    Map<String, Object> s3 = new LinkedHashMap<>();
    s3.put("endpoint", e.s3Endpoint());
    s3.put("publicEndpoint", e.s3PublicEndpoint());
    s3.put("bucket", e.s3Bucket());
    s3.put("region", e.s3Region());
    if (e.s3Embedded()) {
      s3.put("accessKey", e.s3AccessKey());
      s3.put("secretKey", e.s3SecretKey());
    }
    connect.put("s3", s3);
    connect.put("databaseUrl", e.dbUrl());
    connect.put("topics", List.of("fleet/{deviceId}/heartbeat", "fleet/{deviceId}/status", "fleet/{deviceId}/telemetry",
        "fleet/{deviceId}/motion", "owntracks/{deviceId}/{device}"));
    return connect;
  }
}
