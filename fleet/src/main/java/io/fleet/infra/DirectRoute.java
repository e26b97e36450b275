package io.fleet.infra;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the embedded broker takes device messages straight to Kafka ({@link DirectIngress}) or queues them for
 * the ingress bridge's session as any broker does, and the taking itself. Direct, a message costs no queue on disk
 * and no second MQTT hop; its device is acknowledged only once Kafka has it (its delivery to subscribers is
 * prevented), so a crash loses nothing acknowledged.
 *
 * <p>No message may overtake one that took the queue (a device's messages reach Kafka in the order it sent them).
 * The route goes from queueing to open through draining: once the bridge is nearly caught up (fewer than {@value
 * #DRAIN_BELOW} queued) a tick it handled starts the drain, from which device publishes are held (not acknowledged
 * yet); once the bridge has handled a tick published over {@link #MARGIN_MS} later than the drain began and the last
 * message queued, everything queued before is in Kafka (the queue is first in, first out, and the bridge writes in
 * order through the producer the direct road uses), and the held publishes are taken directly, in arrival order,
 * before any newer one. A drain that takes longer than {@link #DRAIN_AT_MOST} lets its held publishes on into the
 * queue, in order, and queueing goes on.
 *
 * <p>A retained publish (a device's "online" at connect) is taken like any other and then put in the broker's retained
 * store, since a publish whose delivery is prevented is not kept; only one that clears a topic's retained message (no
 * payload) takes the queue.
 *
 * <p>It goes back to queueing whenever a device message must take the queue: a retained message cleared, a device's
 * last will on its way ({@link LastWills}), a backlog held back, a direct write that failed or took longer than
 * {@code wait} (Kafka away: that message goes into the queue, and if Kafka then takes it after all it is there twice,
 * never lost).
 *
 * <p>State, in memory only: the registered ingress, the state, the publishes held by a drain, when a message last
 * took the queue, and counts. A held or taken-but-unacknowledged publish is with its device still, so a crash loses
 * nothing. After a restart the route starts queueing and drains once the bridge is back.
 */
final class DirectRoute {
  private static final Logger log = LoggerFactory.getLogger(DirectRoute.class);
  /** How much later than the drain's start and the last queued message a tick must be published to open the route. */
  static final long MARGIN_MS = 500;
  /** A drain starts only while fewer messages than this wait for the bridge (devices are held while it lasts). */
  static final long DRAIN_BELOW = 1000;
  /** A drain that has not opened the route by then lets its held publishes into the queue. */
  static final Duration DRAIN_AT_MOST = Duration.ofSeconds(10);

  private enum State { QUEUEING, DRAINING, OPEN }

  /** A device publish held while the route drains. */
  private record Held(PublishPacket packet, PublishInboundOutput output, Async<PublishInboundOutput> async) {}

  private final Duration wait;
  private final LongSupplier backlog;
  private final Runnable queuedOne;
  private final Queue<Held> draining = new ArrayDeque<>();
  private DirectIngress ingress;
  private volatile State state = State.QUEUEING;
  private long drainFrom;
  private long lastQueuedAt;
  private final LongAdder taken = new LongAdder();
  private final LongAdder fellBack = new LongAdder();
  private final LongAdder openings = new LongAdder();

  /**
   * {@code wait}: how long Kafka may take a direct write; {@code backlog}: how many messages wait for the bridge;
   * {@code queuedOne}: counts a message let into the queue by the route.
   */
  DirectRoute(Duration wait, LongSupplier backlog, Runnable queuedOne) {
    this.wait = wait;
    this.backlog = backlog;
    this.queuedOne = queuedOne;
  }

  synchronized void register(DirectIngress ingress) {
    this.ingress = ingress;
    toQueueing(null);
  }

  synchronized void unregister() {
    ingress = null;
    toQueueing(null);
  }

  /**
   * Takes a device publish directly, or holds it while the route drains: true. False: it must take the queue, as
   * it does now (noted as the last queued).
   */
  synchronized boolean offer(PublishPacket packet, PublishInboundOutput output) {
    if (state == State.DRAINING && System.currentTimeMillis() - drainFrom > DRAIN_AT_MOST.toMillis()) {
      toQueueing("the ingress bridge did not catch up within " + DRAIN_AT_MOST.toSeconds() + " s");
    }
    switch (state) {
      case OPEN -> take(packet, output, output.async(wait.multipliedBy(2), TimeoutFallback.SUCCESS));
      case DRAINING -> draining.add(new Held(packet, output,
          output.async(DRAIN_AT_MOST.multipliedBy(3), TimeoutFallback.SUCCESS)));
      case QUEUEING -> {
        lastQueuedAt = System.currentTimeMillis();
        return false;
      }
    }
    return true;
  }

  /** A device message takes the queue now (retained, or held back by the backlog): queueing it is. */
  synchronized void queuedNow() {
    queuedNow("a device message takes the queue");
  }

  /** {@link #queuedNow()}, saying {@code why} in the log when the route was not queueing already. */
  synchronized void queuedNow(String why) {
    toQueueing(why);
  }

  /** The bridge has written to Kafka its tick published at {@code publishedAt} (epoch millis), and all before it. */
  synchronized void bridgeHandledTick(long publishedAt) {
    if (ingress == null) return;
    long now = System.currentTimeMillis();
    if (state == State.QUEUEING && backlog.getAsLong() < DRAIN_BELOW) {
      state = State.DRAINING;
      drainFrom = now;
    } else if (state == State.DRAINING && publishedAt > Math.max(drainFrom, lastQueuedAt) + MARGIN_MS) {
      open();
    }
  }

  /** While draining, when it began (the publishes held since are not in Kafka yet); else {@code Long.MAX_VALUE}. */
  synchronized long heardUpTo() {
    return state == State.DRAINING ? drainFrom : Long.MAX_VALUE;
  }

  boolean isOpen() {
    return state == State.OPEN;
  }

  long takenTotal() {
    return taken.sum();
  }

  long fellBackTotal() {
    return fellBack.sum();
  }

  long openingsTotal() {
    return openings.sum();
  }

  private void open() {
    if (draining.stream().anyMatch(h -> h.async().getStatus() != Async.Status.RUNNING)) {
      // One went on into the queue by itself (the broker's own time limit): the drain starts over.
      toQueueing("a held publish went into the queue");
      return;
    }
    log.info("MQTT: the ingress bridge has caught up; device messages go straight to Kafka");
    // Open first: a write that fails at once sends the rest of the held ones into the queue, in order.
    state = State.OPEN;
    openings.increment();
    for (Held h = draining.poll(); h != null; h = draining.poll()) take(h.packet(), h.output(), h.async());
  }

  /** Back to queueing; publishes held by a drain go on into the queue first, in arrival order. */
  private void toQueueing(String why) {
    if (why != null && state != State.QUEUEING) log.info("MQTT: device messages queue for the ingress bridge: {}", why);
    state = State.QUEUEING;
    lastQueuedAt = System.currentTimeMillis();
    for (Held h = draining.poll(); h != null; h = draining.poll()) {
      if (h.async().getStatus() == Async.Status.RUNNING) {
        queuedOne.run();
        h.async().resume();
      }
    }
  }

  /**
   * Hands the publish to Kafka and answers the device once Kafka has it; if Kafka fails or is slower than {@code
   * wait}, the publish goes on into the bridge's queue instead and the route goes back to queueing.
   */
  private void take(PublishPacket packet, PublishInboundOutput output, Async<PublishInboundOutput> async) {
    CompletableFuture<?> written;
    try {
      written = ingress.take(packet.getTopic(), bytes(packet.getPayload().orElse(ByteBuffer.allocate(0))))
          .toCompletableFuture().copy();
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    written.orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, failure) -> {
      // Past the broker's own time limit the publish went on by itself.
      if (async.getStatus() != Async.Status.RUNNING) return;
      if (failure == null) {
        taken.increment();
        output.preventPublishDelivery();
        if (packet.getRetain()) {
          keepRetained(packet).thenRun(() -> {
            if (async.getStatus() == Async.Status.RUNNING) async.resume();
          });
          return;
        }
      } else {
        fellBack.increment();
        synchronized (this) {
          if (state != State.QUEUEING) {
            log.warn("MQTT: a device message on {} was not taken by Kafka directly ({})", packet.getTopic(),
                failure.toString());
          }
          queuedNow();
        }
        queuedOne.run();
      }
      async.resume();
    });
  }

  /**
   * A retained publish taken directly is not delivered, so the broker would not keep it: it is put in the broker's
   * retained store here, for subscribers to come. If that fails the device is answered all the same (Kafka, the
   * record, has the message); later subscribers then get the topic's previous retained message, as after a broker
   * restart.
   */
  private static CompletableFuture<Void> keepRetained(PublishPacket packet) {
    CompletableFuture<Void> kept;
    try {
      kept = Services.retainedMessageStore().addOrReplace(Builders.retainedPublish().fromPublish(packet).build());
    } catch (RuntimeException e) {
      kept = CompletableFuture.failedFuture(e);
    }
    return kept.handle((done, failure) -> {
      if (failure != null) {
        log.warn("MQTT: the retained message on {} is in Kafka but not kept by the broker ({})", packet.getTopic(),
            failure.toString());
      }
      return null;
    });
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
