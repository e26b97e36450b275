package io.fleet.bench;

import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Sends rounds of heartbeats for the benchmark's devices (the simulator's wire form, {@link HeartbeatMessage#toJson()})
 * through whatever transport a phase gives it: every device's heartbeats in order, round robin over the devices, as
 * fast as they are acknowledged, with at most {@code inFlight} unacknowledged.
 */
final class HeartbeatPublisher {
  private final List<String> deviceIds;
  private final int inFlight;
  /** Heartbeats sent per device so far: each carries uptime_s 3600 + its number, so a device's last one is known. */
  private int sentPerDevice;

  HeartbeatPublisher(List<String> deviceIds, int inFlight) {
    this.deviceIds = List.copyOf(deviceIds);
    this.inFlight = inFlight;
  }

  List<String> deviceIds() {
    return deviceIds;
  }

  /**
   * What a round's publisher did: how many were acknowledged or failed, and when the last ack came; and the
   * {@code uptime_s} of every device's last heartbeat in the round.
   */
  static final class Publishing {
    final long expected;
    final long lastUptime;
    final AtomicLong acked = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong lastAckAt = new AtomicLong();

    Publishing(long expected, long lastUptime) {
      this.expected = expected;
      this.lastUptime = lastUptime;
    }

    boolean finished() {
      return acked.get() + failed.get() >= expected;
    }

    long ackedAt() {
      return finished() ? lastAckAt.get() : 0;
    }
  }

  /**
   * Sends {@code perDevice} heartbeats for every device (its index in the device list and the payload to
   * {@code send}, which completes once acknowledged) from a thread of its own, and returns at once. Heartbeat
   * timestamps grow by 1 ms per message from the round's start, so each is newer than the device's previous one
   * (Fleet ignores heartbeats that are not); their {@code uptime_s} counts each device's heartbeats.
   */
  Publishing publish(int perDevice, BiFunction<Integer, byte[], CompletableFuture<?>> send) {
    long firstUptime = 3600L + sentPerDevice;
    sentPerDevice += perDevice;
    Publishing publishing = new Publishing((long) perDevice * deviceIds.size(), firstUptime + perDevice - 1);
    System.out.println(String.format(Locale.ROOT, "  round of %d messages starts at %s", publishing.expected, Instant.now()));
    Semaphore window = new Semaphore(inFlight);
    Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    DeviceKind[] kinds = DeviceKind.values();
    Thread thread = new Thread(() -> {
      try {
        for (int m = 0; m < perDevice; m++) {
          Instant ts = base.plusMillis(m);
          for (int i = 0; i < deviceIds.size(); i++) {
            byte[] payload = new HeartbeatMessage(ts, 60 + i % 40, -40 - i % 50, "1.4.2", firstUptime + m, 10,
                kinds[i % kinds.length], "household-" + (i % 10 + 1)).toJson();
            window.acquire();
            CompletableFuture<?> sent;
            try {
              sent = send.apply(i, payload);
            } catch (RuntimeException e) {
              sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((ok, error) -> {
              (error == null ? publishing.acked : publishing.failed).incrementAndGet();
              publishing.lastAckAt.set(System.nanoTime());
              window.release();
            });
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-publisher");
    thread.setDaemon(true);
    thread.start();
    return publishing;
  }
}
