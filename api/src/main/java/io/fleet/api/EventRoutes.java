package io.fleet.api;

import io.fleet.readside.EventQuery;
import io.fleet.readside.EventSearch;
import io.fleet.runtime.FleetNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/events}: the seed's pull query (past events by time range and devices), with more
 * filters and keyset paging. A homeowner only ever searches its own household.
 */
final class EventRoutes extends AllDirectives {
  private static final DateTimeFormatter SEED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final EventSearch search;
  private final Executor blocking;

  EventRoutes(FleetNode node) {
    this.search = new EventSearch(node.infrastructure().database().dataSource());
    this.blocking = node.system().dispatchers().lookup(DispatcherSelector.blocking());
  }

  Route routes(Principal principal) {
    return path("events", () -> get(() ->
        parameterOptional("from", from -> parameterOptional("to", to -> parameterOptional("deviceId", ids ->
            parameterOptional("type", type -> parameterOptional("limit", limit -> parameterOptional("cursor", cursor -> {
              EventQuery query = new EventQuery(from.map(f -> time("from", f)), to.map(t -> time("to", t)),
                  ids.map(EventRoutes::deviceIds).orElse(List.of()), type.filter(t -> !t.isBlank()).map(EventRoutes::type),
                  principal.scope(), limit.map(EventRoutes::limit).orElse(EventQuery.DEFAULT_LIMIT), Optional.empty());
              EventQuery paged = cursor.filter(c -> !c.isBlank()).map(c -> query.after(EventQuery.Position.decode(c))).orElse(query);
              return onSuccess(ReadSideCalls.query(blocking, () -> search.search(paged)),
                  page -> completeOK(page, Json.marshaller()));
            }))))))));
  }

  /** ISO-8601 ({@code 2026-11-23T20:00:00Z}) or the seed's {@code YYYY-MM-DD HH:MM:SS} (UTC). */
  static Instant time(String name, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notIso) {
      try {
        return LocalDateTime.parse(text, SEED_TIME).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(name + " must be ISO-8601 or YYYY-MM-DD HH:MM:SS, was '" + text + "'");
      }
    }
  }

  private static List<String> deviceIds(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
  }

  private static String type(String type) {
    if (!EventSearch.types().contains(type)) {
      throw new IllegalArgumentException("type must be one of " + String.join(", ", EventSearch.types()));
    }
    return type;
  }

  private static int limit(String limit) {
    try {
      int n = Integer.parseInt(limit);
      if (n >= 1 && n <= EventQuery.MAX_LIMIT) return n;
    } catch (NumberFormatException ignored) {
      // falls through to the explanation
    }
    throw new IllegalArgumentException("limit must be a number from 1 to " + EventQuery.MAX_LIMIT);
  }
}
