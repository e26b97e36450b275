package io.fleet.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fleet.access.Principal;
import io.fleet.device.DeviceType;
import io.fleet.protocol.DeviceId;
import io.fleet.readside.LocationTable;
import io.fleet.readside.RaceStore;
import io.fleet.runtime.Fleet;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Leaderboard;
import io.fleet.tracking.Race;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Races (the race tracker of the OwnTracks seed): {@code POST /api/races} (operators), {@code GET
 * /api/races}, {@code /api/races/{id}}, {@code /leaderboard}, {@code /tracks} (each participant's fixes
 * for a map) and {@code /stream} (server-sent {@code leaderboard} events whenever the standings change).
 * Participants are registered trackers (asked of their entities when the race is created, so a
 * device registered a moment ago counts and a name no device has is refused). A homeowner sees a race
 * only when every participant is in its household. Owns no state.
 */
final class RaceRoutes extends AllDirectives {
  private static final Duration STREAM_POLL = Duration.ofSeconds(2);
  private static final int MAX_FIXES = 100_000;
  private final Fleet fleet;
  private final RaceStore races;
  private final LocationTable locations;
  private final Executor blocking;
  private final double defaultRadius;
  private final RaceFeeds<Snapshot> feeds;

  RaceRoutes(Fleet fleet, Executor blocking) {
    this.fleet = fleet;
    this.races = fleet.races();
    this.locations = fleet.locations();
    this.blocking = blocking;
    this.defaultRadius = fleet.system().settings().config().getDouble("fleet.tracking.finish-radius-m");
    this.feeds = new RaceFeeds<>(fleet.system(), Snapshot.class, Snapshot::entries, STREAM_POLL);
  }

  Route routes(Principal principal) {
    return pathPrefix("races", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> onSuccess(call(() -> visibleRaces(principal)), list -> completeOK(Map.of("items", list), Json.marshaller()))),
            post(() -> Json.body(RaceRequests.CreateRace.class, body -> create(principal, body))))),
        pathPrefix(PathMatchers.segment(), id -> concat(
            pathEndOrSingleSlash(() -> get(() -> visible(principal, id, race -> completeOK(view(race), Json.marshaller())))),
            path("leaderboard", () -> get(() -> visible(principal, id, race ->
                onSuccess(call(() -> leaderboard(race)), board -> completeOK(board, Json.marshaller()))))),
            path("tracks", () -> get(() -> visible(principal, id, race ->
                onSuccess(call(() -> tracks(race)), tracks -> completeOK(tracks, Json.marshaller()))))),
            path("stream", () -> get(() -> visible(principal, id, race -> completeOK(TokenExpiry.endingWith(principal, stream(race)),
                EventStreamMarshalling.toEventStream()))))))));
  }

  private Route create(Principal principal, RaceRequests.CreateRace body) {
    if (!principal.isOperator()) return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators create races");
    Race race = RaceRequests.toRace(body, defaultRadius);
    return onSuccess(notTrackers(race.participants()), strangers -> {
      if (!strangers.isEmpty()) {
        return HttpApi.error(StatusCodes.UNPROCESSABLE_ENTITY, "unregistered participants",
            "participants must be registered trackers; these are not: "
                + String.join(", ", strangers.subList(0, Math.min(10, strangers.size())))
                + (strangers.size() > 10 ? " and " + (strangers.size() - 10) + " more" : ""));
      }
      return onSuccess(call(() -> {
        races.create(race);
        return view(race);
      }), view -> complete(StatusCodes.CREATED, view, Json.marshaller()));
    });
  }

  /** The ids among {@code participants} that are no registered tracker, in their order. */
  private CompletionStage<List<String>> notTrackers(List<String> participants) {
    List<CompletableFuture<Optional<String>>> asked = participants.stream()
        .map(id -> (DeviceId.isValid(id)
            ? fleet.device(id).thenApply(reply -> reply.isSuccess() && reply.getValue().type() == DeviceType.TRACKER)
            : CompletableFuture.completedFuture(false))
            .thenApply(tracker -> tracker ? Optional.<String>empty() : Optional.of(id))
            .toCompletableFuture())
        .toList();
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenApply(done -> asked.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
  }

  private Route visible(Principal principal, String id, Function<Race, Route> inner) {
    return onSuccess(call(() -> {
      Optional<Race> race = races.find(id);
      return race.isPresent() && maySee(principal, race.get()) ? race : Optional.<Race>empty();
    }), found -> found.map(inner)
        .orElseGet(() -> HttpApi.error(StatusCodes.NOT_FOUND, "not found", "no race " + id)));
  }

  private boolean maySee(Principal principal, Race race) throws SQLException {
    if (principal.isOperator()) return true;
    Map<String, RaceStore.Participant> known = races.participants(race.participants());
    return race.participants().stream().allMatch(id -> known.containsKey(id) && principal.maySee(known.get(id).household()));
  }

  private List<Map<String, Object>> visibleRaces(Principal principal) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Race r : races.list()) if (maySee(principal, r)) out.add(view(r));
    return out;
  }

  private static Map<String, Object> view(Race race) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("race_id", race.raceId());
    v.put("name", race.name());
    v.put("start", race.startsAt().toString());
    v.put("finish", race.finish() == null ? null : Map.of("lat", race.finish()[0], "lon", race.finish()[1]));
    v.put("route", race.route());
    v.put("finish_radius_m", race.finishRadiusM());
    v.put("participants", race.participants());
    return v;
  }

  private Map<String, Object> leaderboard(Race race) throws SQLException {
    Map<String, List<Fix>> fixes = new LinkedHashMap<>();
    for (String id : race.participants()) fixes.put(id, locations.fixes(id, race.startsAt(), null, MAX_FIXES));
    Map<String, String> names = new LinkedHashMap<>();
    races.participants(race.participants()).forEach((id, p) -> names.put(id, p.name() == null ? id : p.name()));
    List<Map<String, Object>> entries = new ArrayList<>();
    for (Leaderboard.Entry e : Leaderboard.of(race, fixes, names)) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("device_id", e.deviceId());
      line.put("name", e.name());
      line.put("rank", e.rank());
      line.put("speed_kmh", e.speedKmh());
      line.put("distance_to_finish_m", e.distanceToFinishM());
      line.put("finished_at", e.finishedAt() == null ? null : e.finishedAt().toString());
      Fix f = e.lastFix();
      line.put("last_fix", f == null ? null : Map.of("lat", f.lat(), "lon", f.lon(), "alt", f.alt() == null ? 0 : f.alt(),
          "tst", f.tst().getEpochSecond()));
      entries.add(line);
    }
    Map<String, Object> board = new LinkedHashMap<>();
    board.put("race_id", race.raceId());
    board.put("updated_at", Instant.now().toString());
    board.put("entries", entries);
    return board;
  }

  private Map<String, List<List<Object>>> tracks(Race race) throws SQLException {
    Map<String, List<List<Object>>> out = new LinkedHashMap<>();
    for (String id : race.participants()) {
      List<List<Object>> points = new ArrayList<>();
      for (Fix f : locations.fixes(id, race.startsAt(), null, MAX_FIXES)) {
        points.add(List.of(f.lat(), f.lon(), f.alt() == null ? 0 : f.alt(), f.tst().getEpochSecond()));
      }
      out.put(id, points);
    }
    return out;
  }

  /**
   * The leaderboard whenever it changed (checked every {@link #STREAM_POLL} by one computation per race
   * on this node, shared by its subscribers: {@link RaceFeeds}), with keep-alives.
   */
  private Source<ServerSentEvent, NotUsed> stream(Race race) {
    return feeds.subscribe(race.raceId(), () -> call(() -> snapshot(race)))
        .map(snapshot -> ServerSentEvent.create(snapshot.json(), "leaderboard"))
        .keepAlive(Duration.ofSeconds(15), ServerSentEvent::heartbeat);
  }

  /** The standings as JSON, and their entries alone (what decides whether they changed). */
  record Snapshot(String entries, String json) {}

  private Snapshot snapshot(Race race) throws SQLException {
    Map<String, Object> board = leaderboard(race);
    try {
      return new Snapshot(Json.MAPPER.writeValueAsString(board.get("entries")), Json.MAPPER.writeValueAsString(board));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a leaderboard of maps and numbers always serializes", e);
    }
  }

  private <T> CompletionStage<T> call(BlockingQueries.Query<T> query) {
    return BlockingQueries.query(blocking, query);
  }
}
