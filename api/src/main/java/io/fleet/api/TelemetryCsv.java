package io.fleet.api;

import io.fleet.telemetry.Resolution;
import io.fleet.telemetry.TelemetryHistory.Row;
import io.fleet.telemetry.TelemetryHistory;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentDisposition;
import org.apache.pekko.http.javadsl.model.headers.ContentDispositionTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A device's telemetry over a range as CSV: every reading ({@code time,metric,value}, by metric then time),
 * streamed page by page so a year's readings never sit in memory; or with a step, its buckets
 * ({@code time,metric,mean,min,max,count}). Owns no state.
 */
final class TelemetryCsv extends AllDirectives {
  private static final int PAGE = 10_000;
  /** The most buckets one export folds in memory. */
  private static final int MAX_BUCKETS = 1_000_000;
  private static final TelemetryCsv DIRECTIVES = new TelemetryCsv();

  private TelemetryCsv() {}

  /** Where a page of readings left off: after which metric and time (both null before the first page). */
  private record Cursor(String metric, Instant ts, boolean done) {}

  static Route export(TelemetryHistory history, Executor blocking, String id, TelemetryRoutes.Ask ask,
      BlockingQueries.Query<Boolean> visible) {
    return DIRECTIVES.onSuccess(BlockingQueries.query(blocking, visible), may -> {
      if (!may) return HttpApi.error(StatusCodes.NOT_FOUND, "not found", "no device " + id);
      Source<ByteString, NotUsed> body = ask.step() == null || ask.step().source() == Resolution.RAW
          ? readings(history, blocking, id, ask)
          : buckets(history, blocking, id, ask);
      return DIRECTIVES.respondWithHeader(ContentDisposition.create(ContentDispositionTypes.ATTACHMENT,
          Map.of("filename", id + "-telemetry.csv")), () -> DIRECTIVES.complete(
          HttpEntities.create(ContentTypes.TEXT_CSV_UTF8, body)));
    });
  }

  private static Source<ByteString, NotUsed> readings(TelemetryHistory history, Executor blocking, String id,
      TelemetryRoutes.Ask ask) {
    Source<ByteString, NotUsed> pages = Source.unfoldAsync(new Cursor(null, null, false), cursor -> {
      if (cursor.done()) return CompletableFuture.completedFuture(Optional.empty());
      CompletionStage<List<Row>> page = BlockingQueries.query(blocking, () ->
          history.rows(id, ask.metrics(), ask.from(), ask.to(), cursor.metric(), cursor.ts(), PAGE));
      return page.thenApply(rows -> {
        if (rows.isEmpty()) return Optional.empty();
        StringBuilder text = new StringBuilder(rows.size() * 48);
        for (Row r : rows) text.append(r.ts()).append(',').append(field(r.metric())).append(',').append(r.value()).append('\n');
        Row last = rows.get(rows.size() - 1);
        return Optional.of(Pair.create(new Cursor(last.metric(), last.ts(), rows.size() < PAGE),
            ByteString.fromString(text.toString())));
      });
    });
    return Source.single(ByteString.fromString("time,metric,value\n")).concat(pages);
  }

  /** A metric name as a CSV field: quoted when it holds a comma, quote or line break. */
  static String field(String text) {
    if (text.chars().noneMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r')) return text;
    return '"' + text.replace("\"", "\"\"") + '"';
  }

  private static Source<ByteString, NotUsed> buckets(TelemetryHistory history, Executor blocking, String id,
      TelemetryRoutes.Ask ask) {
    if (ask.step().points(ask.from(), ask.to()) > MAX_BUCKETS) {
      throw new IllegalArgumentException("step " + ask.step() + " is too fine for this range: at most " + MAX_BUCKETS
          + " buckets per export");
    }
    return Source.completionStage(BlockingQueries.query(blocking, () ->
        history.series(id, ask.metrics(), ask.from(), ask.to(), ask.step(), MAX_BUCKETS)))
        .map(series -> {
          StringBuilder text = new StringBuilder("time,metric,mean,min,max,count\n");
          for (String metric : series.metrics()) {
            for (TelemetryHistory.Point p : series.points()) {
              if (!p.values().containsKey(metric)) continue;
              text.append(p.t()).append(',').append(field(metric)).append(',').append(p.values().get(metric)).append(',')
                  .append(p.min().get(metric)).append(',').append(p.max().get(metric)).append(',')
                  .append(p.count().get(metric)).append('\n');
            }
          }
          return ByteString.fromString(text.toString());
        });
  }
}
