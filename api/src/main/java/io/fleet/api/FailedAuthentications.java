package io.fleet.api;

import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentications per client address on this node (a wrong, expired or revoked token; a device's
 * wrong password): an address that failed {@code maxFailures} times within {@code window} is refused
 * without its credentials being looked at until the oldest of those failures is a window old, so guessing
 * tokens gets nowhere — not even a right guess is told apart meanwhile. Holds the recent failure times in
 * memory only: a restart, or another node, starts counting afresh. Addresses whose failures all lie a
 * window back are forgotten once many addresses are tracked.
 */
final class FailedAuthentications {
  private static final int FORGET_ABOVE = 10_000;
  private final int maxFailures;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Instant>> recent = new ConcurrentHashMap<>();

  FailedAuthentications(int maxFailures, Duration window, Clock clock) {
    if (maxFailures < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("fleet.http.failed-auth needs max-failures >= 1 and a positive window");
    }
    this.maxFailures = maxFailures;
    this.window = window;
    this.clock = clock;
  }

  static FailedAuthentications fromConfig(Config failedAuth) {
    return new FailedAuthentications(failedAuth.getInt("max-failures"), failedAuth.getDuration("window"), Clock.systemUTC());
  }

  /** How long {@code address} must wait before it may try again, or empty when it may try now. */
  Optional<Duration> retryAfter(String address) {
    Deque<Instant> failures = recent.get(address);
    if (failures == null) return Optional.empty();
    Instant now = clock.instant();
    synchronized (failures) {
      forgetOld(failures, now);
      if (failures.size() < maxFailures) return Optional.empty();
      return Optional.of(Duration.between(now, failures.peekFirst().plus(window)));
    }
  }

  /** Counts one failed authentication of {@code address}. */
  void failed(String address) {
    if (recent.size() > FORGET_ABOVE) forgetQuietAddresses();
    Instant now = clock.instant();
    Deque<Instant> failures = recent.computeIfAbsent(address, a -> new ArrayDeque<>());
    synchronized (failures) {
      forgetOld(failures, now);
      failures.addLast(now);
      // Only the newest maxFailures decide when the address may try again.
      while (failures.size() > maxFailures) failures.removeFirst();
    }
  }

  Duration window() {
    return window;
  }

  int maxFailures() {
    return maxFailures;
  }

  private void forgetOld(Deque<Instant> failures, Instant now) {
    Instant horizon = now.minus(window);
    while (!failures.isEmpty() && !failures.peekFirst().isAfter(horizon)) failures.removeFirst();
  }

  private void forgetQuietAddresses() {
    Instant now = clock.instant();
    recent.entrySet().removeIf(e -> {
      synchronized (e.getValue()) {
        forgetOld(e.getValue(), now);
        return e.getValue().isEmpty();
      }
    });
  }
}
