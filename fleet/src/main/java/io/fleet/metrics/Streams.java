package io.fleet.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Each long-running stream of this node (ingress bridge, consumers, projections) and its state: running,
 * restarting (failed and waiting for its backoff) or stopped, with its restarts counted. Shown by
 * {@code GET /api/health} (a stream not running makes the node degraded) and in {@code /metrics} as
 * {@code fleet_stream_running} and {@code fleet_stream_restarts_total}. Owns in-memory state only: a
 * restarted process registers its streams again as they start.
 */
public final class Streams implements Extension {
  private static final Id ID = new Id();

  public enum State { RUNNING, RESTARTING, STOPPED }

  /** One stream's state as health reports it. */
  public record Snapshot(String name, State state, long restarts, String lastFailure) {}

  private final Map<String, Stream> streams = new ConcurrentSkipListMap<>();
  private final FleetMetrics metrics;

  private Streams(FleetMetrics metrics) {
    this.metrics = metrics;
  }

  public static Streams get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The stream of this name, registered (as running) on first use; the same one on later calls. */
  public Stream stream(String name) {
    return streams.computeIfAbsent(name, n -> new Stream(n, metrics));
  }

  /**
   * Forgets a stream that ended on purpose and runs elsewhere now (a singleton or projection handed to
   * another node): its absence here is no fault. Its metrics stay registered, showing it not running.
   */
  public void retire(String name) {
    Stream gone = streams.remove(name);
    if (gone != null) gone.state.set(State.STOPPED);
  }

  public List<Snapshot> snapshot() {
    return streams.values().stream().map(Stream::snapshot).toList();
  }

  /** Whether every registered stream is running. */
  public boolean allRunning() {
    return streams.values().stream().allMatch(s -> s.state.get() == State.RUNNING);
  }

  /** One stream's state, told by the stream itself as it starts, fails and stops. */
  public static final class Stream {
    private final String name;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicLong restarts = new AtomicLong();
    private final Counter restartCounter;

    private Stream(String name, FleetMetrics metrics) {
      this.name = name;
      Gauge.builder("fleet_stream_running", state, s -> s.get() == State.RUNNING ? 1 : 0)
          .tag("stream", name).register(metrics.registry());
      this.restartCounter = Counter.builder("fleet_stream_restarts").tag("stream", name).register(metrics.registry());
    }

    /** Started, or started again after a failure. */
    public void running() {
      state.set(State.RUNNING);
    }

    /** Failed; it is started again after its backoff. */
    public void restarting(Throwable cause) {
      lastFailure.set(describe(cause));
      restarts.incrementAndGet();
      restartCounter.increment();
      state.set(State.RESTARTING);
    }

    /** Ended and will not start again (a node stopping, or a stream that gave up). */
    public void stopped(Throwable cause) {
      if (cause != null) lastFailure.set(describe(cause));
      state.set(State.STOPPED);
    }

    public State state() {
      return state.get();
    }

    public long restarts() {
      return restarts.get();
    }

    Snapshot snapshot() {
      return new Snapshot(name, state.get(), restarts.get(), lastFailure.get());
    }

    private static String describe(Throwable t) {
      return t == null ? null : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
  }

  private static final class Id extends ExtensionId<Streams> {
    @Override
    public Streams createExtension(ActorSystem<?> system) {
      return new Streams(FleetMetrics.get(system));
    }
  }
}
