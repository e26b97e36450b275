package io.fleet.api;

import io.fleet.metrics.FleetMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;

/**
 * One leaderboard computation per race and node, shared by all of the race's live subscribers on the
 * node: it runs every {@code every} while the race has at least one subscriber and stops with the last
 * one ({@code fleet_race_leaderboards_running}). Each subscriber gets the standings at once, then
 * whenever they change. Owns the running computations in memory; nothing durable (the standings come from the read
 * side).
 */
final class RaceFeeds<T> {
  private final ActorSystem<?> system;
  private final Class<T> type;
  private final Function<T, ?> changes;
  private final Duration every;
  private final Map<String, Feed<T>> feeds = new ConcurrentHashMap<>();
  private final AtomicInteger computations = new AtomicInteger();

  private record Feed<T>(Source<T, NotUsed> updates, UniqueKillSwitch stop, int subscribers) {
    Feed<T> with(int count) {
      return new Feed<>(updates, stop, count);
    }
  }

  /** {@code changes}: what of a value must differ from the last for it to be sent. */
  RaceFeeds(ActorSystem<?> system, Class<T> type, Function<T, ?> changes, Duration every) {
    this.system = system;
    this.type = type;
    this.changes = changes;
    FleetMetrics.get(system).registry().gauge("fleet_race_leaderboards_running", computations);
    this.every = every;
  }

  /** The race's standings as {@code compute} gives them, every change once, for as long as the subscriber reads. */
  Source<T, NotUsed> subscribe(String raceId, Supplier<CompletionStage<T>> compute) {
    return Source.<T, NotUsed>lazySource(() -> {
          Feed<T> feed = feeds.compute(raceId, (id, running) -> running != null ? running.with(running.subscribers() + 1)
              : start(compute));
          return feed.updates()
              .watchTermination((mat, done) -> {
                done.whenComplete((d, e) -> leave(raceId));
                return mat;
              });
        })
        .mapMaterializedValue(m -> NotUsed.getInstance())
        // The shared feed sends changes only; a subscriber's own first value is the standings right now.
        .prepend(Source.completionStage(compute.get()))
        .statefulMapConcat(() -> {
          Object[] last = {null};
          return value -> {
            Object key = changes.apply(value);
            if (key.equals(last[0])) return List.<T>of();
            last[0] = key;
            return List.of(value);
          };
        });
  }

  private Feed<T> start(Supplier<CompletionStage<T>> compute) {
    Pair<UniqueKillSwitch, Source<T, NotUsed>> running = Source.tick(Duration.ZERO, every, "tick")
        .mapAsync(1, tick -> compute.get())
        .viaMat(KillSwitches.single(), Keep.right())
        .watchTermination((mat, done) -> {
          computations.incrementAndGet();
          done.whenComplete((d, e) -> computations.decrementAndGet());
          return mat;
        })
        .toMat(BroadcastHub.of(type, 16), Keep.both())
        .run(system);
    return new Feed<>(running.second(), running.first(), 1);
  }

  private void leave(String raceId) {
    feeds.computeIfPresent(raceId, (id, feed) -> {
      if (feed.subscribers() > 1) return feed.with(feed.subscribers() - 1);
      feed.stop().shutdown();
      return null;
    });
  }

}
