package io.fleet.frames;

import java.util.concurrent.CompletableFuture;

/**
 * How many of one camera's frames are on their way to its detector, at most {@code bound}: a frame takes a
 * slot before it enters the stream's buffer and gives it back once looked at; while all are taken, the next
 * frame waits — and with it the Kafka consumer (lag grows), never memory. In memory only.
 */
final class FrameSlots {
  private static final CompletableFuture<Void> FREE = CompletableFuture.completedFuture(null);

  private final int bound;
  private int used;
  private CompletableFuture<Void> room;

  FrameSlots(int bound) {
    this.bound = bound;
  }

  /** Completes once a slot is taken. One caller at a time (the stream's admission stage). */
  CompletableFuture<Void> take() {
    synchronized (this) {
      if (used < bound) {
        used++;
        return FREE;
      }
      room = new CompletableFuture<>();
      return room.thenCompose(free -> take());
    }
  }

  void give() {
    CompletableFuture<Void> waiting;
    synchronized (this) {
      used--;
      waiting = room;
      room = null;
    }
    if (waiting != null) waiting.complete(null);
  }

  synchronized boolean idle() {
    return used == 0;
  }
}
