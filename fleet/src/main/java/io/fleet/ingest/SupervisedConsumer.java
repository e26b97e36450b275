package io.fleet.ingest;

import io.fleet.metrics.Streams;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.kafka.AutoSubscription;
import org.apache.pekko.kafka.CommitterSettings;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer stream that is never left dead: a record's own failure is its handler's to turn into
 * a dead letter, and a failure of the stream itself (a defect, a lost broker) restarts it with backoff
 * from the last committed offsets, so delivery stays at least once. Its state (running, restarting,
 * stopped) and restarts are told to {@link Streams} for health and metrics. Owns no state: progress is
 * the committed offset.
 */
public final class SupervisedConsumer {
  private static final Logger log = LoggerFactory.getLogger(SupervisedConsumer.class);
  static final RestartSettings RESTART = RestartSettings.create(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

  private final ActorSystem<?> system;
  private final Streams.Stream state;
  private final AtomicReference<Consumer.Control> control;
  private final AtomicBoolean stopping;
  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Done> completion;

  private SupervisedConsumer(ActorSystem<?> system, Streams.Stream state, AtomicReference<Consumer.Control> control,
      AtomicBoolean stopping, Pair<UniqueKillSwitch, CompletionStage<Done>> running) {
    this.system = system;
    this.state = state;
    this.control = control;
    this.stopping = stopping;
    this.killSwitch = running.first();
    this.completion = running.second();
  }

  /**
   * Runs {@code pipeline} over the committable records of {@code topic} and commits the offsets it emits
   * (in order), under the stream name {@code name}.
   */
  public static SupervisedConsumer start(ActorSystem<?> system, String name, ConsumerSettings<String, byte[]> settings,
      String topic,
      Function<Source<ConsumerMessage.CommittableMessage<String, byte[]>, Consumer.Control>,
          Source<ConsumerMessage.Committable, Consumer.Control>> pipeline) {
    return start(system, name, settings, Subscriptions.topics(topic), pipeline);
  }

  /** The same on a subscription of its own (e.g. with a handler of partition assignments). */
  public static SupervisedConsumer start(ActorSystem<?> system, String name, ConsumerSettings<String, byte[]> settings,
      AutoSubscription subscription,
      Function<Source<ConsumerMessage.CommittableMessage<String, byte[]>, Consumer.Control>,
          Source<ConsumerMessage.Committable, Consumer.Control>> pipeline) {
    Streams.Stream state = Streams.get(system).stream(name);
    AtomicReference<Consumer.Control> control = new AtomicReference<>(Consumer.createNoopControl());
    AtomicBoolean stopping = new AtomicBoolean();
    Source<Done, NotUsed> restarting = RestartSource.onFailuresWithBackoff(RESTART, () -> {
      if (stopping.get()) return Source.empty();
      state.running();
      return pipeline.apply(Consumer.committableSource(settings, subscription))
          .mapMaterializedValue(c -> {
            control.set(c);
            return c;
          })
          .via(Committer.flow(CommitterSettings.create(system)))
          .watchTermination((mat, terminated) -> {
            terminated.whenComplete((done, failure) -> {
              if (failure != null && !stopping.get()) {
                log.error("{} failed; restarting it from its committed offsets after a backoff", name, failure);
                state.restarting(failure);
              }
            });
            return mat;
          });
    });
    Pair<UniqueKillSwitch, CompletionStage<Done>> running = restarting
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    running.second().whenComplete((done, failure) -> {
      if (!stopping.get()) log.error("{} ended and will not restart", name, failure);
      state.stopped(stopping.get() ? null : failure);
    });
    return new SupervisedConsumer(system, state, control, stopping, running);
  }

  /**
   * The usual pipeline: {@code deliver} each record, at most {@code parallelism} at once, emitting its
   * offset once its delivery completed.
   */
  public static SupervisedConsumer delivering(ActorSystem<?> system, String name, ConsumerSettings<String, byte[]> settings,
      String topic, int parallelism, Function<ConsumerRecord<String, byte[]>, CompletionStage<Done>> deliver) {
    return delivering(system, name, settings, Subscriptions.topics(topic), parallelism, deliver);
  }

  /** The same on a subscription of its own. */
  public static SupervisedConsumer delivering(ActorSystem<?> system, String name, ConsumerSettings<String, byte[]> settings,
      AutoSubscription subscription, int parallelism, Function<ConsumerRecord<String, byte[]>, CompletionStage<Done>> deliver) {
    return start(system, name, settings, subscription, source -> source.mapAsync(parallelism,
        msg -> deliver.apply(msg.record()).thenApply(done -> (ConsumerMessage.Committable) msg.committableOffset())));
  }

  /** Finishes the records on their way, commits their offsets, then stops; no restart follows. */
  public CompletionStage<Done> stop() {
    stopping.set(true);
    // Waiting for its backoff: no consumer to drain, and none is started again.
    if (state.state() == Streams.State.RESTARTING) killSwitch.shutdown();
    return control.get().drainAndShutdown(completion, system.executionContext());
  }

  /** Completes when the stream has ended for good. */
  public CompletionStage<Done> completion() {
    return completion;
  }
}
