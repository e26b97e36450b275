package io.fleet.api;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many live streams are open on this node, in all and per token, against the configured limits
 * ({@code fleet.http.live-streams}): a stream beyond either is refused (429). Owns the counts in memory
 * only; a restarted node has no streams open.
 */
final class StreamQuota {
  private final int perNode;
  private final int perToken;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicInteger> byToken = new ConcurrentHashMap<>();

  StreamQuota(int perNode, int perToken) {
    this.perNode = perNode;
    this.perToken = perToken;
  }

  /** A place for one more stream of {@code token}, released once (by the stream's end); empty when full. */
  Optional<Runnable> acquire(String token) {
    if (open.incrementAndGet() > perNode) {
      open.decrementAndGet();
      return Optional.empty();
    }
    AtomicInteger mine = byToken.computeIfAbsent(token, t -> new AtomicInteger());
    if (mine.incrementAndGet() > perToken) {
      mine.decrementAndGet();
      open.decrementAndGet();
      return Optional.empty();
    }
    AtomicBoolean released = new AtomicBoolean();
    return Optional.of(() -> {
      if (released.compareAndSet(false, true)) {
        mine.decrementAndGet();
        open.decrementAndGet();
      }
    });
  }

  int open() {
    return open.get();
  }
}
