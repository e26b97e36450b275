package io.fleet.agent.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Starts a {@link FleetPlan}: makes its devices, starts their heartbeats on one shared scheduler of at most two
 * threads, each at its own random offset within its interval, and connects them to {@code broker}, at most
 * {@code connectConcurrency} at once. The {@link SimulatedFleet} it returns stops them again; {@code closeTimeout}
 * bounds how long that waits.
 */
record FleetLauncher(BrokerSettings broker, Duration connectTimeout, Duration closeTimeout, int connectConcurrency) {

  /**
   * Starts the fleet; completes once every device is connected and its {@code online} acknowledged. On failure the
   * future fails and the fleet is closed.
   */
  CompletableFuture<SimulatedFleet> start(FleetPlan plan) {
    SplittableRandom random = plan.random();
    Clock clock = Clock.systemUTC();
    Instant bootedAt = clock.instant();
    GroundTruth groundTruth = new GroundTruth();
    CameraMotionPlan motion = plan.cameraMotion();
    Map<String, VirtualDevice> devices = new LinkedHashMap<>();
    for (DevicePlan d : plan.devices()) {
      DeviceHealth health = new DeviceHealth(d.kind(), plan.firmware(), random.nextLong(), bootedAt);
      Behaviour behaviour = plan.behaviourOf(d, random, groundTruth::add, motion);
      devices.put(d.id(), new VirtualDevice(d.id(), d.kind(), d.household(), health, plan.intervalOf(d.kind()), broker,
          clock, behaviour));
    }
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(
        Math.min(2, Runtime.getRuntime().availableProcessors()), heartbeatThreads());
    SimulatedFleet fleet = new SimulatedFleet(devices, scheduler, closeTimeout, groundTruth);
    for (VirtualDevice device : devices.values()) {
      Duration every = plan.intervalOf(device.kind());
      device.startHeartbeats(scheduler, Duration.ofNanos(random.nextLong(every.toNanos())));
    }
    return connectAll(List.copyOf(devices.values()))
        .orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((connected, error) -> error)
        .thenCompose(error -> {
          if (error == null) {
            return CompletableFuture.completedFuture(fleet);
          }
          Throwable cause = error instanceof CompletionException ? error.getCause() : error;
          if (cause instanceof TimeoutException) {
            cause = new TimeoutException(notConnected(fleet) + " of " + devices.size()
                + " devices not connected after " + connectTimeout);
          }
          Throwable failure = cause;
          return fleet.closeAsync().thenCompose(closed -> CompletableFuture.<SimulatedFleet>failedFuture(failure));
        });
  }

  /** Connects devices with at most {@code connectConcurrency} connection attempts under way at once. */
  private CompletableFuture<Void> connectAll(List<VirtualDevice> devices) {
    AtomicInteger next = new AtomicInteger();
    return CompletableFuture.allOf(IntStream.range(0, Math.min(connectConcurrency, devices.size()))
        .mapToObj(lane -> connectRest(devices, next))
        .toArray(CompletableFuture[]::new));
  }

  private static CompletableFuture<Void> connectRest(List<VirtualDevice> devices, AtomicInteger next) {
    int index = next.getAndIncrement();
    if (index >= devices.size()) {
      return CompletableFuture.completedFuture(null);
    }
    VirtualDevice device = devices.get(index);
    return device.connect()
        .handle((connected, error) -> {
          // A device sent with wrong credentials is meant to be refused.
          if (error != null && !(device.misbehaviour() == Misbehaviour.WRONG_CREDENTIALS && device.wasRefused())) {
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          }
          return connected;
        })
        .thenCompose(connected -> connectRest(devices, next));
  }

  private static long notConnected(SimulatedFleet fleet) {
    return fleet.devices().stream().filter(device -> !device.isConnected()).count();
  }

  private static ThreadFactory heartbeatThreads() {
    AtomicInteger number = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "fleet-sim-heartbeats-" + number.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
