package io.fleet.agent.sim;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the publishes of one device: handed to the client, acknowledged, failed. Thread-safe; lives in memory. */
final class Counters {
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /** Counts {@code publish} as sent now and as acknowledged or failed when it completes; returns it. */
  CompletableFuture<Void> track(CompletableFuture<Void> publish) {
    sent.incrementAndGet();
    publish.whenComplete((ok, error) -> (error == null ? acked : failed).incrementAndGet());
    return publish;
  }

  long sent() {
    return sent.get();
  }

  long acked() {
    return acked.get();
  }

  long failed() {
    return failed.get();
  }
}
