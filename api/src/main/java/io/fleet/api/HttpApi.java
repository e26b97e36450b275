package io.fleet.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.typesafe.config.Config;
import io.fleet.device.Rejection;
import io.fleet.infra.BrokerAccountUnavailable;
import io.fleet.metrics.FleetMetrics;
import io.fleet.runtime.Fleet;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedQueryParamRejection;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.UnsupportedRequestContentTypeRejection;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole HTTP surface: {@code /api/**} behind bearer tokens, {@code /metrics} for Prometheus and the
 * dashboard at {@code /}, every answer with the {@link SecurityHeaders}. Every error is JSON
 * {@code {"error","detail"}}; a timeout talking to an entity is 503, a device's refusal 4xx
 * ({@link #refused}) — mapped here, in one place (a refused authentication: {@link BearerAuthentication#unauthenticated}).
 */
public final class HttpApi extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  private final Fleet node;
  private final BearerAuthentication bearer;
  private final SecurityHeaders securityHeaders;
  private final DeviceRoutes devices;
  private final FleetRoutes fleet;
  private final EventRoutes events;
  private final TokenRoutes tokens;
  private final ClipRoutes clips;
  private final AlertRoutes alerts;
  private final AlertActionRoutes alertActions;
  private final RaceRoutes races;
  private final SeriesRoutes series;
  private final TelemetryRoutes telemetry;
  private final ClipPlaybackRoutes playback;

  public HttpApi(Fleet node, String operatorToken) {
    this.node = node;
    Executor blocking = node.blocking();
    Config http = node.system().settings().config().getConfig("fleet.http");
    Authenticator authenticator = new Authenticator(operatorToken, node.tokens(), blocking,
        FailedAuthentications.fromConfig(http.getConfig("failed-auth")));
    ClientAddress clientAddress = new ClientAddress(http.getBoolean("trust-forwarded-for"));
    this.bearer = new BearerAuthentication(authenticator, clientAddress);
    this.securityHeaders = new SecurityHeaders(http.getConfig("security"),
        SecurityHeaders.originOf(node.clips().store().presignedGet("origin", Duration.ofMinutes(1))));
    this.tokens = new TokenRoutes(node.tokens(), blocking);
    this.devices = new DeviceRoutes(node);
    this.fleet = new FleetRoutes(node);
    this.events = new EventRoutes(node);
    this.clips = new ClipRoutes(node, authenticator, clientAddress);
    this.playback = new ClipPlaybackRoutes(node.clipTable(), node.clips().store(), blocking);
    Config live = http.getConfig("live-streams");
    StreamQuota liveStreams = new StreamQuota(live.getInt("max-per-node"), live.getInt("max-per-token"));
    FleetMetrics.get(node.system()).registry().gauge("fleet_live_streams_open", liveStreams, StreamQuota::open);
    this.alerts = new AlertRoutes(node.alertFeed(), node.alerts(), blocking, liveStreams);
    this.alertActions = new AlertActionRoutes(node);
    this.races = new RaceRoutes(node, blocking);
    this.series = new SeriesRoutes(node, blocking);
    this.telemetry = new TelemetryRoutes(node, blocking);
  }

  public Route route() {
    return securityHeaders.on(() -> handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
        pathPrefix("api", () -> concat(
            path("health", () -> get(() -> bearer.optionalPrincipal(fleet::health))),
            path(PathMatchers.segment("health").slash("live"), () -> get(fleet::live)),
            path(PathMatchers.segment("health").slash("ready"), () -> get(fleet::ready)),
            // Clip uploads authenticate devices too (HTTP Basic), so they come before the bearer check.
            clips.routes(),
            bearer.authenticated(principal -> concat(
                fleet.routes(principal),
                devices.routes(principal),
                series.routes(principal),
                telemetry.routes(principal),
                races.routes(principal),
                events.routes(principal),
                tokens.routes(principal),
                alerts.routes(principal),
                alertActions.routes(principal),
                playback.routes(principal))))),
        path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, FleetMetrics.get(node.system()).scrape()))))),
        pathSingleSlash(() -> getFromResource("dashboard/index.html")),
        // The dashboard's libraries (Leaflet, uPlot) from their WebJars: no CDN.
        pathPrefix("webjars", () -> getFromResourceDirectory("META-INF/resources/webjars")),
        getFromResourceDirectory("dashboard")))));
  }

  /** A device's refusal, as the API answers it: the one mapping of {@link Rejection}s to HTTP. */
  static Route refused(Rejection rejection) {
    return switch (rejection.kind()) {
      case UNKNOWN_DEVICE -> error(StatusCodes.NOT_FOUND, "unknown device", rejection.detail());
      case TOO_MANY_METRICS -> error(StatusCodes.UNPROCESSABLE_ENTITY, "too many metrics", rejection.detail());
      case INVALID_COMMAND -> error(StatusCodes.CONFLICT, "refused", rejection.detail());
    };
  }

  static Route error(StatusCode status, String error, String detail) {
    return new AllDirectives() {}.complete(status, new ApiError(error, detail), Json.marshaller());
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(CompletionException.class, e -> e.getCause() != null ? failure(e.getCause()) : failure(e))
        .matchAny(this::failure)
        .build();
  }

  private Route failure(Throwable t) {
    if (t instanceof AskTimeoutException || t instanceof TimeoutException) {
      return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the fleet did not answer in time, try again");
    }
    if (t instanceof BrokerAccountUnavailable) {
      log.warn(t.getMessage());
      return error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", t.getMessage() + "; try again");
    }
    if (t instanceof EntityStreamSizeException) return Json.tooLarge();
    if (t instanceof IllegalArgumentException) {
      return error(StatusCodes.BAD_REQUEST, "bad request", t.getMessage());
    }
    log.error("request failed", t);
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error", t.getClass().getSimpleName());
  }

  private static RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class,
            r -> r.getCause() instanceof EntityStreamSizeException ? Json.tooLarge()
                : error(StatusCodes.BAD_REQUEST, "malformed request", r.message()))
        .handle(MalformedQueryParamRejection.class,
            r -> error(StatusCodes.BAD_REQUEST, "malformed query parameter", r.parameterName() + ": " + r.errorMsg()))
        .handle(UnsupportedRequestContentTypeRejection.class,
            r -> error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported media type", "send application/json"))
        .handleAll(MethodRejection.class,
            rs -> error(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed", "allowed: "
                + String.join(", ", rs.stream().map(r -> r.supported().name()).toList())))
        .handleNotFound(error(StatusCodes.NOT_FOUND, "not found", "no such resource"))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(HttpApi::asJsonError);
  }

  /** Pekko's default rejections answer in plain text; the API answers every error in JSON. */
  private static HttpResponse asJsonError(HttpResponse response) {
    if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) return response;
    String detail = response.entity() instanceof HttpEntity.Strict strict ? strict.getData().utf8String() : "request rejected";
    try {
      byte[] body = Json.MAPPER.writeValueAsBytes(new ApiError(response.status().reason().toLowerCase(), detail));
      return response.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
    } catch (JsonProcessingException e) {
      return response;
    }
  }
}
