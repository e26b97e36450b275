package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Asking sharded entities on a real one-node cluster: an entity that throws on one record is given up on
 * after the allowed attempts (the record can be dead-lettered and the records behind it go on), while an
 * entity that answers nothing at all (the journal away) is asked for as long as it takes.
 */
class EntityAsksTest {
  sealed interface Command {}

  record Handle(String payload, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  record Ping(ActorRef<Done> replyTo) implements Command {}

  private static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "EntityAsksTest");
  private static final AtomicBoolean journalAway = new AtomicBoolean();
  private static final AtomicInteger handled = new AtomicInteger();
  private static ActorTestKit testKit;

  @BeforeAll
  static void cluster() {
    testKit = ActorTestKit.create("entity-asks", ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        """).withFallback(ConfigFactory.defaultReference()));
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    ClusterSharding.get(testKit.system()).init(Entity.of(TYPE, ctx -> Behaviors.receiveMessage(command -> {
      if (journalAway.get()) return Behaviors.same();
      if (command instanceof Handle h) {
        handled.incrementAndGet();
        if (h.payload().equals("poison")) throw new IllegalStateException("cannot handle " + h.payload());
        h.replyTo().tell(StatusReply.ack());
      } else if (command instanceof Ping p) {
        p.replyTo().tell(Done.getInstance());
      }
      return Behaviors.same();
    })));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static EntityAsks<Command> asks(int attempts) {
    Duration timeout = Duration.ofMillis(300);
    return new EntityAsks<>(testKit.system(), TYPE, timeout, attempts, entity -> entity.ask(Ping::new, timeout));
  }

  @Test
  void anEntityThatFailsOnOneRecordIsGivenUpOnAfterTheAllowedAttemptsWhileOthersAreAnswered() throws Exception {
    int before = handled.get();
    Optional<StatusReply<Done>> poison = asks(3).ask("camera-7", r -> new Handle("poison", r))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(poison).as("given up on").isEmpty();
    assertThat(handled.get() - before).as("the allowed tries, and one more once the probe was answered").isEqualTo(3 + 1);

    Optional<StatusReply<Done>> next = asks(3).ask("camera-7", r -> new Handle("heartbeat", r))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(next).hasValueSatisfying(reply -> assertThat(reply.isSuccess()).isTrue());
  }

  @Test
  void anEntityThatAnswersNothingIsAskedForAsLongAsItTakes() throws Exception {
    journalAway.set(true);
    try {
      CompletableFuture<Optional<StatusReply<Done>>> answer = asks(2).ask("sensor-3", r -> new Handle("reading", r))
          .toCompletableFuture();
      // Well past the allowed attempts (2 × 300 ms + backoff), with the probe unanswered too: still asking.
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !answer.isDone());
      journalAway.set(false);
      assertThat(answer.get(30, TimeUnit.SECONDS)).hasValueSatisfying(reply -> assertThat(reply.isSuccess()).isTrue());
    } finally {
      journalAway.set(false);
    }
  }
}
