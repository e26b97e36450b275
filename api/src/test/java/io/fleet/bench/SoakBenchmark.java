package io.fleet.bench;

import io.fleet.api.ChildNode;
import io.fleet.api.FleetApp;
import io.fleet.api.SimulatedDevicesChild;
import io.fleet.api.TestServers;
import io.fleet.metrics.FleetMetrics;
import io.fleet.metrics.Streams;
import io.micrometer.core.instrument.Counter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * A long run of one node: {@code devices} simulated devices (1 % of them misbehaving: broken JSON,
 * oversized payloads, wrong types) heartbeating every 30 s from a child JVM, for {@code minutes}. Every
 * minute it samples the node's heap after a full GC, live threads, open files, consumer lag of
 * {@code fleet.device-events} and dead letters, and at the end prints each one's least-squares slope per
 * hour next to its value before the devices came (the idle node, measured in the same run). Goal: flat.
 *
 * <pre>java -cp … io.fleet.bench.SoakBenchmark [devices=10000] [minutes=30]</pre>
 */
public final class SoakBenchmark {
  private static final String SECRET = "soak-benchmark";

  private record Sample(double minute, double heapMb, double threads, double openFiles, double lag, double deadLetters,
      double online) {}

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path dataDir = Files.createTempDirectory("fleet-soak");
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.device-secret", SECRET)))) {
      long start = System.nanoTime();
      Sample idle = sample(app, start);
      System.out.printf("idle node: heap %.1f MB, %d threads, %d open files%n", idle.heapMb(), (long) idle.threads(),
          (long) idle.openFiles());
      ChildNode fleet = ChildNode.start(SimulatedDevicesChild.class, "1g", "HEARD", app.node().endpoints().mqttUrl(), SECRET,
          Integer.toString(devices), "soak-", "0.01");
      try {
        fleet.awaitCount((long) (devices * 0.95), Duration.ofMinutes(5));
        List<Sample> samples = new ArrayList<>();
        long began = System.nanoTime();
        System.out.println("minute  heap-MB  threads  open-files  lag  dead-letters  online");
        for (int m = 0; m <= minutes; m++) {
          long due = began + Duration.ofMinutes(m).toNanos();
          long wait = due - System.nanoTime();
          if (wait > 0) Thread.sleep(wait / 1_000_000); // pacing the samples: one a minute
          Sample s = sample(app, began);
          samples.add(s);
          System.out.printf("%6.1f  %7.1f  %7d  %10d  %4d  %12d  %6d%n", s.minute(), s.heapMb(), (long) s.threads(),
              (long) s.openFiles(), (long) s.lag(), (long) s.deadLetters(), (long) s.online());
        }
        System.out.println();
        System.out.printf("%d devices (1%% misbehaving), %d minutes; slope per hour (least squares) next to the idle node%n",
            devices, minutes);
        report("heap after GC (MB)", samples, Sample::heapMb, idle.heapMb());
        report("live threads", samples, Sample::threads, idle.threads());
        report("open files", samples, Sample::openFiles, idle.openFiles());
        report("consumer lag (records)", samples, Sample::lag, idle.lag());
        report("dead letters (total)", samples, Sample::deadLetters, idle.deadLetters());
        System.out.println("streams: " + Streams.get(app.node().system()).snapshot());
        System.out.println("simulator: " + fleet.tail(2).replace(System.lineSeparator(), " | "));
      } finally {
        fleet.kill();
      }
    }
  }

  private static void report(String what, List<Sample> samples, ToDoubleFunction<Sample> value,
      double idle) {
    double n = samples.size();
    double mx = samples.stream().mapToDouble(Sample::minute).sum() / n;
    double my = samples.stream().mapToDouble(value).sum() / n;
    double sxy = samples.stream().mapToDouble(s -> (s.minute() - mx) * (value.applyAsDouble(s) - my)).sum();
    double sxx = samples.stream().mapToDouble(s -> (s.minute() - mx) * (s.minute() - mx)).sum();
    double perHour = sxx == 0 ? 0 : sxy / sxx * 60;
    double first = value.applyAsDouble(samples.get(0));
    double last = value.applyAsDouble(samples.get(samples.size() - 1));
    System.out.printf("  %-24s first %10.1f  last %10.1f  slope %+10.2f/h  (idle node %.1f; slope/idle %+.3f per hour)%n",
        what, first, last, perHour, idle, idle == 0 ? 0 : perHour / idle);
  }

  private static Sample sample(FleetApp app, long since) throws Exception {
    System.gc();
    var memory = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long openFiles;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      openFiles = fds.count();
    }
    double deadLetters = FleetMetrics.get(app.node().system()).registry().find("fleet_dead_letters").counters().stream()
        .mapToDouble(Counter::count).sum();
    long online = app.node().directory().summary(Optional.empty()).byStatus().getOrDefault("online", 0L);
    return new Sample((System.nanoTime() - since) / 60e9, memory.getUsed() / 1e6,
        ManagementFactory.getThreadMXBean().getThreadCount(), openFiles, app.node().consumerLag().lag(), deadLetters,
        online);
  }
}
