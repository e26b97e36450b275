package io.fleet.alerts;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the {@link AlertFastPath} of this node sent, by alert id and revision: each send's outcome (true once
 * Kafka took it), for the {@link AlertPublisher} projection to ask before it sends the journal's copy.
 *
 * <p>State, in memory only: each outcome for {@code keep} after its send, asked for or not. It is not forgotten
 * when the projection asks: a projection that fails before it saved its offset (the database went away between
 * the publish and the save) starts again from the offset it saved last and asks again for the same alerts; told
 * "not sent here" the second time, it would send them twice. A projection further behind
 * than {@code keep}, or on another node, sends again; consumers deduplicate by {@code alert_id} and
 * {@code revision}. Nothing is lost in a crash: the journal has every alert.
 */
final class SentAlerts {
  private record Sent(CompletableFuture<Boolean> taken, long atNanos, boolean asked) {}

  private final Duration keep;
  private final Map<String, Sent> sent = new ConcurrentHashMap<>();

  SentAlerts(Duration keep) {
    this.keep = keep;
  }

  /** The send of the alert {@code key} began at {@code nanos} ({@code System.nanoTime()}); {@code taken} tells how it went. */
  void sent(String key, CompletableFuture<Boolean> taken, long nanos) {
    sent.put(key, new Sent(taken, nanos, false));
  }

  /** The outcome of the alert {@code key}'s send here, empty if it was not sent here (or long ago). */
  Optional<CompletableFuture<Boolean>> ask(String key) {
    Sent s = sent.computeIfPresent(key, (k, found) -> new Sent(found.taken(), found.atNanos(), true));
    return Optional.ofNullable(s).map(Sent::taken);
  }

  /** How many sends the projection has not asked about yet. */
  int awaiting() {
    return (int) sent.values().stream().filter(s -> !s.asked()).count();
  }

  /** Forgets the outcomes of sends that ended and began more than {@code keep} before {@code nowNanos}. */
  void forgetOld(long nowNanos) {
    sent.values().removeIf(s -> s.taken().isDone() && nowNanos - s.atNanos() > keep.toNanos());
  }
}
