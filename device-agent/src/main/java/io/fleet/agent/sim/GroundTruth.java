package io.fleet.agent.sim;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The acknowledged messages of misbehaving devices, bounded so that a long run cannot exhaust memory. */
final class GroundTruth {
  static final int KEPT = 1_000_000;
  private final ConcurrentLinkedQueue<MalformedMessage> messages = new ConcurrentLinkedQueue<>();
  private final AtomicInteger kept = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();

  void add(MalformedMessage message) {
    if (kept.incrementAndGet() <= KEPT) {
      messages.add(message);
    } else {
      dropped.incrementAndGet();
    }
  }

  List<MalformedMessage> messages() {
    return List.copyOf(messages);
  }

  long dropped() {
    return dropped.get();
  }
}
