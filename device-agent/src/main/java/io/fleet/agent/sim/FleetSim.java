package io.fleet.agent.sim;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Runs a simulated fleet from the command line, keeping a live progress line (overwritten in place on a console,
 * one line per update otherwise) and printing a summary at the end: per kind how many messages were sent,
 * acknowledged by the broker and failed, and the rates. See {@link SimOptions#USAGE}; from the packaged agent:
 *
 * <pre>
 * device-agent/bin/fleet-sim --mqtt tcp://127.0.0.1:1883 --cameras 500 --sensors 5000 --trackers 50 --duration 10m
 * java -cp device-agent/target/fleet-agent.jar io.fleet.agent.sim.FleetSim --mqtt ... --devices 1000
 * </pre>
 *
 * <p>Exits with 0 when every message of the well-behaved devices was acknowledged, 1 otherwise, 2 on bad arguments.
 */
public final class FleetSim {
  static {
    // Before the first logger: the agent's quiet logging setup, unless the command line chose one.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "agent-logback.xml");
    }
  }

  private FleetSim() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.console() != null));
  }

  /** Runs the simulation; returns the process exit code (0 ok, 1 failed, 2 bad arguments). */
  static int run(String[] args, PrintStream out, PrintStream err, boolean console) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println(SimOptions.USAGE);
      return 0;
    }
    SimOptions options;
    SimulatedFleet.Builder builder;
    try {
      options = SimOptions.parse(args);
      builder = options.configure(SimulatedFleet.builder());
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(SimOptions.USAGE);
      return 2;
    }
    long startedAt = System.nanoTime();
    out.printf(Locale.ROOT, "starting %d devices on %s%n", options.total(), options.mqtt());
    SimulatedFleet fleet;
    try {
      fleet = builder.start();
    } catch (IllegalStateException e) {
      err.println(e.getMessage());
      return 1;
    }
    Thread goodbye = new Thread(fleet::close, "fleet-sim-shutdown");
    Runtime.getRuntime().addShutdownHook(goodbye);
    try (fleet) {
      out.printf(Locale.ROOT, "started %d devices in %d ms%n", fleet.stats().devices(), elapsed(startedAt).toMillis());
      long runFrom = System.nanoTime();
      long deadline = runFrom + options.duration().toNanos();
      FleetStats previous = fleet.stats();
      long previousAt = runFrom;
      while (System.nanoTime() < deadline) {
        // Pacing a console, not synchronising anything.
        Thread.sleep(Math.max(1, Math.min(options.progress().toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
        long now = System.nanoTime();
        if (now < deadline) {
          FleetStats stats = fleet.stats();
          String line = SimReport.progress(stats, previous, Duration.ofNanos(now - runFrom), Duration.ofNanos(now - previousAt));
          if (console) {
            out.print("\r" + line + "\u001b[K");
            out.flush();
          } else {
            out.println(line);
          }
          previous = stats;
          previousAt = now;
        }
      }
      if (console) {
        out.println();
      }
      int connected = fleet.stats().connected();
      Duration ran = elapsed(runFrom);
      // Closed first, so that the summary counts the devices' goodbyes too: every message they sent.
      fleet.close();
      FleetStats last = fleet.stats();
      out.print(SimReport.summary(last, connected, ran, fleet.malformedMessages().size()));
      return last.wellBehaved().failed() == 0 ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(goodbye);
      } catch (IllegalStateException shuttingDown) {
        // Interrupted by Ctrl-C: the hook is closing the fleet.
      }
    }
  }

  private static Duration elapsed(long startedAt) {
    return Duration.ofNanos(System.nanoTime() - startedAt);
  }
}
