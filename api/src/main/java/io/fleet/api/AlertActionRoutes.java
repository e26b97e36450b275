package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.device.Alert;
import io.fleet.device.AlertAnswer;
import io.fleet.device.Device;
import io.fleet.readside.AlertRow;
import io.fleet.readside.AlertSearch;
import io.fleet.runtime.Fleet;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * {@code POST /api/alerts/{alertId}/ack} and {@code POST /api/alerts/{alertId}/clear}: the alert's device
 * entity decides and journals the change (who and when), from where it reaches {@code fleet.alerts},
 * the live stream and the {@code alert} table. Answers the alert as {@code GET /api/alerts} lists it;
 * 404 for an alert the caller may not see, 409 for acknowledging a cleared one. Owns no state.
 */
final class AlertActionRoutes extends AllDirectives {
  private final AlertSearch search;
  private final Executor blocking;
  private final Fleet fleet;

  private interface Action {
    Device.Command command(String alertId, String who, ActorRef<StatusReply<AlertAnswer>> replyTo);
  }

  AlertActionRoutes(Fleet fleet) {
    this.fleet = fleet;
    this.search = fleet.alerts();
    this.blocking = fleet.blocking();
  }

  Route routes(Principal principal) {
    return pathPrefix("alerts", () -> pathPrefix(PathMatchers.segment(), alertId -> concat(
        path("ack", () -> post(() -> change(principal, alertId, Device.AcknowledgeAlert::new))),
        path("clear", () -> post(() -> change(principal, alertId, Device.ClearAlert::new))))));
  }

  private Route change(Principal principal, String alertId, Action action) {
    CompletionStage<Optional<AlertRow>> row = BlockingQueries.query(blocking, () -> search.find(alertId));
    return onSuccess(row.thenCompose(found -> found.filter(r -> principal.maySee(r.household()))
            .map(r -> ask(r, alertId, principal, action))
            .orElse(CompletableFuture.completedFuture(Optional.empty()))),
        answered -> answered.map(this::respond).orElseGet(() -> notFound(alertId)));
  }

  private CompletionStage<Optional<Answered>> ask(AlertRow row, String alertId, Principal principal, Action action) {
    return fleet.alertAction(row.deviceId(), replyTo -> action.command(alertId, principal.name(), replyTo))
        .thenApply(reply -> Optional.of(new Answered(row, reply.getValue())));
  }

  private record Answered(AlertRow row, AlertAnswer answer) {}

  private Route respond(Answered a) {
    AlertAnswer answer = a.answer();
    switch (answer.outcome()) {
      case CHANGED:
      case UNCHANGED:
        return completeOK(listed(a.row(), answer.alert(), answer.outcome() == AlertAnswer.Outcome.CHANGED), Json.marshaller());
      case CONFLICT:
        return HttpApi.error(StatusCodes.CONFLICT, "alert is cleared", answer.detail());
      default:
        return notFound(a.row().alertId());
    }
  }

  /** The alert as GET /api/alerts lists it, at the revision the device answered with. */
  private static AlertRow listed(AlertRow row, Alert alert, boolean changed) {
    return new AlertRow(alert.alertId(), row.deviceId(), alert.household(), alert.kind().label(), alert.severity(),
        alert.state(), alert.revision(), alert.eventId(), alert.eventTime(), row.raisedAt(),
        changed ? Instant.now() : row.updatedAt(), alert.message(), alert.url(), alert.clipId(), alert.clipVerified(),
        alert.acknowledgedBy(), alert.acknowledgedAt(), alert.clearedBy(), alert.clearedAt());
  }

  private static Route notFound(String alertId) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "not found", "no alert " + alertId);
  }
}
