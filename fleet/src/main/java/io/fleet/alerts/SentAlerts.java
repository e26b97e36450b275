package io.fleet.alerts;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the {@link AlertFastPath} of this node sent, by alert id and revision: each send's outcome (true once
 * Kafka took it), for the {@link AlertPublisher} projection to ask before it sends the journal's copy.
 *
 * <p>An alert is announced before its entity journals it ({@link #announce}), and its send joins that
 * announcement: the projection can read the journal's copy before the entity's after-persist hand-over ran (the
 * row is committed, the entity's thread has not got to it yet), and then waits for the send rather than sending
 * too. An announcement that no send joins within {@code announcedAtMost} (the write failed, or the entity stopped
 * in between) reads as "not taken", so the projection sends it.
 *
 * <p>State, in memory only: each outcome for {@code keep} after its announcement or send, asked for or not. It is
 * not forgotten when the projection asks: a projection that fails before it saved its offset (the database went
 * away between the publish and the save) starts again from the offset it saved last and asks again for the same
 * alerts; told "not sent here" the second time, it would send them twice. A projection further behind than
 * {@code keep}, or on another node, sends again; consumers deduplicate by {@code alert_id} and {@code revision}.
 * Nothing is lost in a crash: the journal has every alert.
 */
final class SentAlerts {
  private record Sent(CompletableFuture<Boolean> taken, long atNanos, boolean asked) {}

  private final Duration keep;
  private final Duration announcedAtMost;
  private final Map<String, Sent> sent = new ConcurrentHashMap<>();

  SentAlerts(Duration keep, Duration announcedAtMost) {
    this.keep = keep;
    this.announcedAtMost = announcedAtMost;
  }

  /**
   * The alert {@code key} is about to be journaled at {@code nanos} ({@code System.nanoTime()}) and then sent here:
   * from now on {@link #ask} answers with the outcome of that send, once it began, or false after
   * {@code announcedAtMost} without one.
   */
  void announce(String key, long nanos) {
    CompletableFuture<Boolean> taken = new CompletableFuture<Boolean>()
        .completeOnTimeout(false, announcedAtMost.toNanos(), TimeUnit.NANOSECONDS);
    sent.put(key, new Sent(taken, nanos, false));
  }

  /**
   * The send of the alert {@code key} began at {@code nanos}; {@code taken} tells how it went. It answers for its
   * announcement, if one is waiting.
   */
  void sent(String key, CompletableFuture<Boolean> taken, long nanos) {
    Sent announced = sent.putIfAbsent(key, new Sent(taken, nanos, false));
    if (announced == null) return;
    if (!announced.taken().isDone()) {
      taken.whenComplete((yes, failure) -> announced.taken().complete(failure == null && yes));
      return;
    }
    // Its announcement already ran out (a write slower than announcedAtMost): this send answers from now on.
    sent.put(key, new Sent(taken, nanos, announced.asked()));
  }

  /** The outcome of the alert {@code key}'s send here, empty if it was neither announced nor sent here (or long ago). */
  Optional<CompletableFuture<Boolean>> ask(String key) {
    Sent s = sent.computeIfPresent(key, (k, found) -> new Sent(found.taken(), found.atNanos(), true));
    return Optional.ofNullable(s).map(Sent::taken);
  }

  /** How many announcements and sends the projection has not asked about yet. */
  int awaiting() {
    return (int) sent.values().stream().filter(s -> !s.asked()).count();
  }

  /** Forgets the outcomes of sends that ended and began more than {@code keep} before {@code nowNanos}. */
  void forgetOld(long nowNanos) {
    sent.values().removeIf(s -> s.taken().isDone() && nowNanos - s.atNanos() > keep.toNanos());
  }
}
