package io.fleet.infra;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.client.ClientContext;
import com.hivemq.extension.sdk.api.client.parameter.InitializerInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backpressure on devices when the ingress bridge falls behind: the embedded broker counts the messages queued
 * for the bridge (published on {@code fleet/…} or {@code owntracks/…}, the bridge's subscriptions, and not yet
 * sent to it), and once {@code limit} are waiting it holds each further device publish before acknowledging it
 * (HiveMQ's asynchronous interceptor), releasing them in arrival order as the bridge catches up. A held device
 * gets no PUBACK, so its client's window of unacknowledged messages fills and it stops sending: the messages
 * stay on the device instead of the broker dropping its oldest queued ones. Every client but the bridge is held
 * alike (Fleet itself publishes nothing on those topics; a simulator with the service account is held as its
 * devices would be).
 *
 * <p>A publish held longer than {@code hold} goes on into the queue (which holds a million on disk): a device
 * is never held for ever. Retained messages sent again at the bridge's re-subscription and redeliveries do not count as taken.
 *
 * <p>While the {@link DirectRoute} is open, a device publish is not queued at all: it is handed to the
 * {@link DirectIngress} and acknowledged to the device once Kafka has it (or, if Kafka has not taken it within
 * {@code directWait}, let on into the queue as before).
 *
 * <p>State, in memory only: the count, the held publishes and the route. A held publish, or one on its way to
 * Kafka directly, was not acknowledged, so a crash loses nothing (the device sends it again). After a restart the
 * count starts at 0 though messages may wait on disk: it never goes below 0, so it undercounts at most until that
 * queue is drained.
 */
final class BridgeBacklog implements ClientInitializer {
  private static final Logger log = LoggerFactory.getLogger(BridgeBacklog.class);

  private final String bridgeClientId;
  private final long limit;
  private final Duration hold;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong heldTotal = new AtomicLong();
  private final AtomicBoolean holding = new AtomicBoolean();
  private final Queue<Async<PublishInboundOutput>> held = new ConcurrentLinkedQueue<>();
  private final DirectRoute route;

  /**
   * {@code bridgeClientId}: the bridge's client id, or the prefix of several ({@code <id>-<n>}, {@code
   * <id>-broker-<n>}).
   */
  BridgeBacklog(String bridgeClientId, long limit, Duration hold, Duration directWait) {
    this.bridgeClientId = bridgeClientId;
    this.limit = limit;
    this.hold = hold;
    this.route = new DirectRoute(directWait, queued::get, queued::incrementAndGet);
  }

  /** Whether device messages go straight to Kafka, and what takes them there. */
  DirectRoute route() {
    return route;
  }

  /** What keeps devices' last wills ahead of their later messages on this route. */
  LastWills lastWills() {
    return new LastWills(route, this::isBridge, BridgeBacklog::forBridge, queued::incrementAndGet);
  }

  @Override
  public void initialize(InitializerInput input, ClientContext context) {
    String clientId = input.getClientInformation().getClientId();
    if (isBridge(clientId)) {
      context.addPublishOutboundInterceptor(this::sentToBridge);
    } else {
      context.addPublishInboundInterceptor(this::published);
    }
  }

  /** Messages waiting for the bridge, as counted. */
  long queued() {
    return queued.get();
  }

  /** Device publishes held now. */
  int held() {
    return held.size();
  }

  /** Device publishes held since start. */
  long heldTotal() {
    return heldTotal.get();
  }

  private boolean isBridge(String clientId) {
    return clientId.equals(bridgeClientId) || clientId.startsWith(bridgeClientId + "-");
  }

  private static boolean forBridge(String topic) {
    return topic.startsWith("fleet/") || topic.startsWith("owntracks/");
  }

  private void published(PublishInboundInput input, PublishInboundOutput output) {
    PublishPacket packet = input.getPublishPacket();
    if (!forBridge(packet.getTopic())) return;
    // Clearing a retained message is the broker's own business: it takes the queue, as does all behind a held one.
    if (clearsRetained(packet) || !held.isEmpty()) {
      route.queuedNow();
    } else if (route.offer(packet, output)) {
      return;
    }
    // Nothing overtakes a held publish: once one waits, later ones wait behind it.
    if (held.isEmpty() && queued.get() < limit) {
      queued.incrementAndGet();
      return;
    }
    if (holding.compareAndSet(false, true)) {
      log.warn("MQTT: {} messages wait for the ingress bridge; holding devices' publishes (no PUBACK) until it "
          + "catches up", queued.get());
    }
    heldTotal.incrementAndGet();
    held.add(output.async(hold, TimeoutFallback.SUCCESS));
    release();
  }

  private static boolean clearsRetained(PublishPacket packet) {
    return packet.getRetain() && packet.getPayload().map(p -> !p.hasRemaining()).orElse(true);
  }

  private void sentToBridge(PublishOutboundInput input, PublishOutboundOutput output) {
    PublishPacket packet = input.getPublishPacket();
    if (packet.getDupFlag() || packet.getRetain() || !forBridge(packet.getTopic())) return;
    queued.getAndUpdate(n -> Math.max(0, n - 1));
    release();
  }

  /** Lets held publishes go on, oldest first, while the backlog is under its limit. */
  private void release() {
    while (queued.get() < limit) {
      Async<PublishInboundOutput> next = held.poll();
      if (next == null) {
        if (holding.compareAndSet(true, false)) {
          log.info("MQTT: the ingress bridge caught up ({} waiting); devices' publishes go on", queued.get());
        }
        return;
      }
      queued.incrementAndGet();
      route.queuedNow();
      // One that timed out already went on by itself (counted here all the same: it is queued).
      if (next.getStatus() == Async.Status.RUNNING) next.resume();
    }
  }
}
