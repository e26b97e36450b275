package io.fleet.ingest;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.Mqtt3RxClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import io.reactivex.Flowable;
import io.reactivex.disposables.Disposable;
import io.reactivex.disposables.Disposables;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT session of the ingress bridge: connects, subscribes at QoS 1 and emits each message, which
 * its consumer acknowledges (PUBACK) once it is safe in Kafka. Built on HiveMQ's MQTT client, which
 * reads any well-formed UTF-8 topic: Eclipse Paho 1.2.5 (under pekko-connectors-mqtt) lets its
 * receiving thread die on a topic with an emoji or a control character, so one device could stop the
 * bridge, and with a persistent session the broker would send the same message again at each
 * reconnect. A lost connection fails the source (the bridge restarts it with backoff). Stopping takes no more
 * messages, lets those already taken finish and be acknowledged, and disconnects only then, so a session handed to
 * another node is not sent again what this one already wrote. Holds no state but the connection:
 * unacknowledged messages stay with the broker.
 */
final class MqttSubscriber {
  private static final Logger log = LoggerFactory.getLogger(MqttSubscriber.class);
  /** A message from the broker, with the acknowledgement to send once it is safe. */
  record Inbound(String topic, byte[] payload, boolean retained, Mqtt3Publish publish) {
    void acknowledge() {
      publish.acknowledge();
    }
  }

  private MqttSubscriber() {}

  /** The bridge's ticks: published on {@code topic} every {@code every}, the publishing time as epoch millis. */
  record Ticks(String topic, Duration every) {
    Disposable start(Mqtt3RxClient client) {
      long millis = every.toMillis();
      // While the session is stuck (the bridge not acknowledging, Kafka away) the client takes no more: a tick it
      // cannot take is dropped (the next says more), instead of failing the interval and ending the ticks.
      return client.publish(Flowable.interval(millis, millis, TimeUnit.MILLISECONDS).onBackpressureDrop()
              .map(i -> Mqtt3Publish.builder().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                  .payload(Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII)).build()))
          // A lost connection ends the ticks with the session; the next session starts its own.
          .subscribe(result -> result.getError().ifPresent(e -> log.warn("tick not published on {}", topic, e)),
              failure -> log.info("ticks on {} ended with the session: {}", topic, failure.toString()));
    }
  }

  /**
   * A session's messages on {@code topics}, each through {@code handling} (which acknowledges it), completing
   * {@code subscribed} once the broker granted the subscription. {@code url} is {@code tcp://host:port} or
   * {@code ssl://host:port}. Once subscribed, it publishes the time every {@code tick.every()} on {@code tick.topic()}
   * (which {@code topics} should include), so that the ticks come back behind every message the broker took before
   * them ({@code IngestProgress}). Shutting {@code stopTaking} takes no more messages: {@code handling} finishes what
   * it holds, and the client disconnects once it has; then the source completes.
   */
  static <T> Source<T, NotUsed> connect(IngressBridge.Connection connection, String clientId, List<String> topics,
      boolean cleanSession, Ticks tick, Runnable subscribed, Flow<Inbound, T, NotUsed> handling,
      SharedKillSwitch stopTaking) {
    return Source.lazySource(() -> {
      URI uri = URI.create(connection.url());
      boolean tls = "ssl".equals(uri.getScheme()) || "mqtts".equals(uri.getScheme());
      SharedKillSwitch lost = KillSwitches.shared("mqtt-" + clientId);
      AtomicReference<Disposable> ticking = new AtomicReference<>(Disposables.disposed());
      Mqtt3ClientBuilder builder = MqttClient.builder().useMqttVersion3()
          .identifier(clientId)
          .serverHost(uri.getHost())
          .serverPort(uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883)
          .addDisconnectedListener(context -> lost.abort(context.getCause()));
      if (tls) builder = builder.sslWithDefaultConfig();
      if (!connection.user().isEmpty()) {
        builder = builder.simpleAuth().username(connection.user())
            .password(connection.password().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
      }
      Mqtt3RxClient client = builder.buildRx();
      Mqtt3Subscribe subscribe = Mqtt3Subscribe.builder()
          .addSubscriptions(topics.stream().map(t -> Mqtt3Subscription.builder().topicFilter(t).qos(MqttQos.AT_LEAST_ONCE).build()))
          .build();
      // The client acknowledges at once, and so loses, a message that arrives while no flow of it is registered; a
      // persistent session's queued messages arrive right after CONNACK. So the flow is subscribed first, and the
      // connection started only once subscribe() returned: by then the flow's registration is queued on the
      // client's event loop ahead of everything the connection does. (Connecting from within onSubscribe, before
      // the client queued it, lost a resumed session's first ~1,000 messages in ThreeNodeFailoverIT.)
      // A failing flow fails the stream through the kill switch and ends itself quietly: after a lost connection
      // the stream is already aborted, and an error Rx could deliver nowhere would go to the JVM's uncaught handler.
      Flowable<Mqtt3Publish> publishes = client.publishes(MqttGlobalPublishFilter.ALL, true)
          .onErrorResumeNext((Throwable failure) -> {
            lost.abort(failure);
            return Flowable.<Mqtt3Publish>empty();
          });
      // And once the stream takes no more, what still arrives before the disconnect goes to this flow, which never
      // acknowledges it: it stays with the broker's session for the next connection instead of being acknowledged
      // unread. (Only the stream's flow, registered first, ever takes a message while the stream runs.)
      AtomicReference<Disposable> holding = new AtomicReference<>(Disposables.disposed());
      Source<Inbound, NotUsed> messages = Source.<Mqtt3Publish>asSubscriber()
          .mapMaterializedValue(subscriber -> {
            publishes.subscribe(subscriber);
            holding.set(client.publishes(MqttGlobalPublishFilter.REMAINING, true)
                .subscribe(unacknowledged -> { }, failure -> { }));
            client.toAsync().connectWith().cleanSession(cleanSession).keepAlive(30).send()
                .thenCompose(connack -> client.toAsync().subscribe(subscribe))
                .whenComplete((suback, failure) -> {
                  if (failure != null) {
                    lost.abort(failure);
                  } else {
                    subscribed.run();
                    ticking.set(tick.start(client));
                  }
                });
            return NotUsed.getInstance();
          })
          .map(p -> new Inbound(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain(), p));
      return messages
          .via(lost.flow())
          .via(stopTaking.flow())
          .via(handling)
          // Only once what was taken is handled: a message still on its way when the client disconnected would be
          // sent again to the session's next connection, maybe on another node.
          .watchTermination((mat, ended) -> {
            ended.whenComplete((d, e) -> {
              ticking.get().dispose();
              client.disconnect().onErrorComplete().subscribe(() -> holding.get().dispose());
            });
            return mat;
          });
    }).mapMaterializedValue(m -> NotUsed.getInstance());
  }
}
