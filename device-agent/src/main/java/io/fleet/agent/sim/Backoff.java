package io.fleet.agent.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect delays, doubling from {@code initial} up to {@code max}, each stretched by up to a
 * quarter at random so that thousands of devices that lost the broker together do not return together.
 */
record Backoff(Duration initial, Duration max) {

  Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
    }
  }

  /** The delay before reconnect attempt {@code attempt + 1}, where {@code attempt} failed attempts came before. */
  Duration delay(int attempt) {
    double doubled = initial.toNanos() * Math.pow(2, Math.min(attempt, 62));
    long base = (long) Math.min(doubled, max.toNanos());
    long jitter = (long) (base * 0.25 * ThreadLocalRandom.current().nextDouble());
    return Duration.ofNanos(base + jitter);
  }
}
