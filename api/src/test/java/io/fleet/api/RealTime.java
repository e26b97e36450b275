package io.fleet.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** Streams in real time, as cameras do: {@code tick} of n = 0 … count − 1, one every {@code period}, on a thread of its own. */
final class RealTime {
  private RealTime() {}

  /** Starts the ticks; the stage completes after the last one ran (or fails with the first that threw). */
  static CompletableFuture<Void> every(Duration period, int count, IntConsumer tick) {
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    clock.scheduleAtFixedRate(() -> {
      int n = next.getAndIncrement();
      try {
        if (n < count) tick.accept(n);
        if (n >= count - 1) done.complete(null);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    done.whenComplete((ok, failed) -> clock.shutdownNow());
    return done;
  }
}
