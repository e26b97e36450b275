package io.fleet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;

/** What the ingest benchmarks print and clean up the same way: their lines, times, scratch schemas and directories. */
final class Bench {
  private Bench() {}

  /**
   * Runs the benchmark {@code parse} makes of the command line and exits: 2 with {@code usage} when an option is
   * wrong (IllegalArgumentException), 1 when the benchmark failed or says so (a round did not complete), else 0.
   */
  static void main(String[] args, String usage, Function<String[], Callable<Integer>> parse) {
    Callable<Integer> benchmark;
    try {
      benchmark = parse.apply(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(usage);
      System.exit(2);
      return;
    }
    int code;
    try {
      code = benchmark.call();
    } catch (Throwable e) {
      e.printStackTrace();
      code = 1;
    }
    System.exit(code);
  }

  /** Seconds from {@code t0} to {@code at} (System.nanoTime() values) to two decimals, or "never" when {@code at} is 0. */
  static Object seconds(long t0, long at) {
    return at == 0 ? "never" : Math.round((at - t0) / 1e7) / 100.0;
  }

  /** Heap in use after three rounds of {@code System.gc()}, 200 ms apart (the figure every heap reading here uses). */
  static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  static long elapsedMs(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  /** A line of the benchmark's output, formatted the same in every locale. */
  static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  static void dropSchema(String url, String schema) {
    try (var connection = DriverManager.getConnection(url); var statement = connection.createStatement()) {
      statement.execute("drop schema if exists " + schema + " cascade");
    } catch (SQLException e) {
      System.out.println("could not drop schema " + schema + ": " + e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.out.println("could not delete " + dir + ": " + e);
    }
  }
}
