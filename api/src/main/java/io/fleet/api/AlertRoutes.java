package io.fleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.access.Principal;
import io.fleet.alerts.AlertFeed;
import io.fleet.alerts.FeedPosition;
import io.fleet.readside.AlertQuery;
import io.fleet.readside.AlertSearch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code GET /api/alerts}: alerts as journaled, newest first, filtered by state, devices, kind and time.
 * The seed's push query, resumable: {@code GET /api/alerts/stream} (server-sent events, each with an
 * {@code id}; reconnect with {@code Last-Event-ID} to get every alert missed, in order, then live ones)
 * and {@code GET /api/alerts/ws} (the same over WebSocket, resumed with {@code ?lastEventId=}). Filters:
 * {@code deviceId=a,b} and {@code kind=}; a homeowner only ever receives its household's alerts, and a live
 * stream ends when the token it was opened with expires.
 */
final class AlertRoutes extends AllDirectives {
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  private final AlertFeed feed;
  private final AlertSearch search;
  private final Executor blocking;
  private final StreamQuota quota;

  AlertRoutes(AlertFeed feed, AlertSearch search, Executor blocking, StreamQuota quota) {
    this.feed = feed;
    this.search = search;
    this.blocking = blocking;
    this.quota = quota;
  }

  Route routes(Principal principal) {
    return pathPrefix("alerts", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> list(principal))),
        path("stream", () -> get(() -> filters(principal, filter ->
            optionalHeaderValueByName("Last-Event-ID", lastEventId ->
                onSuccess(start(lastEventId), position -> withinQuota(principal, release -> completeOK(
                    events(principal, position, filter, release), EventStreamMarshalling.toEventStream()))))))),
        path("ws", () -> get(() -> filters(principal, filter -> parameterOptional("lastEventId", lastEventId ->
            onSuccess(start(lastEventId), position -> withinQuota(principal,
                release -> handleWebSocketMessages(socket(principal, position, filter, release))))))))));
  }

  /**
   * A place for one more live stream of this caller, or 429 when the node or the caller has as many as
   * allowed ({@code fleet.http.live-streams}); {@code release} frees it when the stream ends.
   */
  private Route withinQuota(Principal principal, Function<Runnable, Route> inner) {
    return quota.acquire(principal.toString())
        .map(inner)
        .orElseGet(() -> HttpApi.error(StatusCodes.TOO_MANY_REQUESTS, "too-many-streams",
            "this node or this token has as many live streams open as allowed; close one or try another node"));
  }

  private static <T> Source<T, NotUsed> released(Source<T, NotUsed> stream, Runnable release) {
    return stream.watchTermination((mat, done) -> {
      done.whenComplete((d, e) -> release.run());
      return mat;
    });
  }

  /** {@code GET /api/alerts?state=&deviceId=a,b&kind=&from=&to=&limit=}: newest first. */
  private Route list(Principal principal) {
    return parameterOptional("state", state -> parameterOptional("deviceId", ids -> parameterOptional("kind", kind ->
        parameterOptional("from", from -> parameterOptional("to", to -> parameterOptional("limit", limit -> {
          AlertQuery query = new AlertQuery(state.filter(s -> !s.isBlank()), ids.map(QueryParams::deviceIds).orElse(List.of()),
              kind.filter(k -> !k.isBlank()), from.map(f -> QueryParams.time("from", f)), to.map(t -> QueryParams.time("to", t)),
              principal.scope(), limit.map(l -> QueryParams.limit(l, AlertQuery.MAX_LIMIT)).orElse(AlertQuery.DEFAULT_LIMIT));
          return onSuccess(BlockingQueries.query(blocking, () -> search.list(query)),
              alerts -> completeOK(Map.of("items", alerts), Json.marshaller()));
        }))))));
  }

  /** The server-sent alerts from {@code position}, until the caller goes or its token expires. */
  private Source<ServerSentEvent, NotUsed> events(Principal principal, FeedPosition position, Predicate<JsonNode> filter,
      Runnable release) {
    // First the position the stream starts at, as an id without data (no event fires): a browser that
    // loses the connection before any alert came resumes from there, not from now.
    Source<ServerSentEvent, NotUsed> start = Source.single(
        ServerSentEvent.create("", Optional.empty(), Optional.of(position.encode()), OptionalInt.empty()));
    return TokenExpiry.endingWith(principal, released(start
        .concat(feed.from(position, filter)
            .map(e -> ServerSentEvent.create(e.json(), Optional.of("alert"), Optional.of(e.position().encode()), OptionalInt.empty())))
        .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat), release));
  }

  private Flow<Message, Message, NotUsed> socket(Principal principal, FeedPosition position, Predicate<JsonNode> filter,
      Runnable release) {
    Source<Message, NotUsed> alerts = TokenExpiry.endingWith(principal, released(feed.from(position, filter)
        .map(e -> (Message) TextMessage.create("{\"id\":\"" + e.position().encode() + "\",\"alert\":" + e.json() + "}")), release));
    return Flow.fromSinkAndSourceCoupled(Sink.ignore(), alerts);
  }

  private CompletionStage<FeedPosition> start(Optional<String> lastEventId) {
    return lastEventId.filter(id -> !id.isBlank())
        .map(id -> (CompletionStage<FeedPosition>) CompletableFuture.completedFuture(FeedPosition.decode(id.trim())))
        .orElseGet(feed::end);
  }

  private Route filters(Principal principal, Function<Predicate<JsonNode>, Route> inner) {
    return parameterOptional("deviceId", ids -> parameterOptional("kind", kind -> {
      List<String> devices = ids.map(QueryParams::deviceIds).orElse(List.of());
      Predicate<JsonNode> filter = alert ->
          (devices.isEmpty() || devices.contains(alert.path("device_id").asText()))
              && kind.map(k -> k.equals(alert.path("kind").asText())).orElse(true)
              && principal.scope().map(h -> h.equals(alert.path("household").asText(null))).orElse(true);
      return inner.apply(filter);
    }));
  }
}
