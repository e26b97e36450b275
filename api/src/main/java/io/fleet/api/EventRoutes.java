package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.readside.EventQuery;
import io.fleet.readside.EventSearch;
import io.fleet.runtime.Fleet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/events}: the seed's pull query (past events by time range and devices), with more
 * filters and keyset paging. A homeowner only ever searches its own household.
 */
final class EventRoutes extends AllDirectives {
  private final EventSearch search;
  private final Executor blocking;

  EventRoutes(Fleet fleet) {
    this.search = fleet.events();
    this.blocking = fleet.blocking();
  }

  Route routes(Principal principal) {
    return path("events", () -> get(() ->
        parameterOptional("from", from -> parameterOptional("to", to -> parameterOptional("deviceId", ids ->
            parameterOptional("type", type -> parameterOptional("limit", limit -> parameterOptional("cursor", cursor ->
            parameterOptional("timeField", timeField -> {
              EventQuery query = new EventQuery(from.map(f -> QueryParams.time("from", f)), to.map(t -> QueryParams.time("to", t)),
                  ids.map(QueryParams::deviceIds).orElse(List.of()), type.filter(t -> !t.isBlank()).map(EventRoutes::type),
                  principal.scope(), limit.map(l -> QueryParams.limit(l, EventQuery.MAX_LIMIT)).orElse(EventQuery.DEFAULT_LIMIT),
                  Optional.empty(), timeField.filter(t -> !t.isBlank()).map(EventQuery.TimeField::parse)
                      .orElse(EventQuery.TimeField.OCCURRED));
              EventQuery paged = cursor.filter(c -> !c.isBlank()).map(c -> query.after(EventQuery.Position.decode(c))).orElse(query);
              return onSuccess(BlockingQueries.query(blocking, () -> search.search(paged)),
                  page -> completeOK(page, Json.marshaller()));
            })))))))));
  }

  private static String type(String type) {
    if (!EventSearch.types().contains(type)) {
      throw new IllegalArgumentException("type must be one of " + String.join(", ", EventSearch.types()));
    }
    return type;
  }

}
